// checks is an ordinary Rust program that the exec tests build static
// (-C target-feature=+crt-static) and boot unmodified: arguments, threads
// sharing an Arc<Mutex>, files under /tmp, a panic caught while unwinding,
// the executable's path. It exits with the code given as its first argument.
use std::fs;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::thread;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("args={:?}", args);
    println!("exe={}", std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|e| e.to_string()));

    let shared = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let mut sum = 0u64;
                for j in 0..10000u64 {
                    sum += j * i;
                    if j % 1000 == 0 {
                        shared.lock().unwrap().push(i);
                    }
                }
                sum
            })
        })
        .collect();
    let sums: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let pushed = shared.lock().unwrap().len();
    println!("threads: sum={} pushed={}", sums, pushed);

    let dir = "/tmp/rust-files";
    fs::create_dir_all(dir).unwrap();
    let path = format!("{}/data.bin", dir);
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    fs::File::create(&path).unwrap().write_all(&data).unwrap();
    let mut back = Vec::new();
    fs::File::open(&path).unwrap().read_to_end(&mut back).unwrap();
    let meta = fs::metadata(&path).unwrap();
    let names: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    println!("files: wrote {} read {} same={} size={} listed={:?}", data.len(), back.len(), back == data, meta.len(), names);
    fs::remove_file(&path).unwrap();
    println!("removed: {}", !fs::metadata(&path).is_ok());

    let caught = std::panic::catch_unwind(|| {
        let v: Vec<i32> = Vec::new();
        v[3]
    });
    println!("panic caught: {}", caught.is_err());

    let code: i32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    println!("exiting with {}", code);
    std::process::exit(code);
}

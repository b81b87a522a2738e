// echo: the Rust (std::net) TCP echo server of e2e TestExecServers, on
// port 7001, a thread per connection.
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

fn main() {
    let l = TcpListener::bind("0.0.0.0:7001").expect("bind");
    println!("listening");
    for s in l.incoming() {
        let mut s = s.expect("accept");
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if s.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

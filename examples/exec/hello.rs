// hello: the Rust program of `unigo bench boot --exec` (BENCHMARKS.md),
// the counterpart of examples/hello: one line on stdout, exit 0. Build it
// static (glibc, crt-static), then boot it unmodified:
//
//   rustc -O -C target-feature=+crt-static --target x86_64-unknown-linux-gnu \
//       -o hello-rs examples/exec/hello.rs
//   unigo run ./hello-rs
fn main() {
    println!("Hello from Rust, unmodified!");
}

//! A plain `wasi:cli/run` command: a valid component that does not export
//! `wasi:http/incoming-handler`, used to test that `weft run` says so.
fn main() {
    println!("I am a command, not an HTTP handler");
}

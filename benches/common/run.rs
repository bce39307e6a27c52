//! Running the release binary as a person would, measuring it (the import benchmarks include
//! this beside `memory.rs`).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::memory::status_kb;

/// Runs the release binary with `args`, sampling its peak memory (VmHWM) every few
/// milliseconds; returns (seconds, MB, what it said on standard error).
pub fn measure(args: &[&std::ffi::OsStr]) -> (f64, f64, String) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_porch"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start porch");
    let pid = child.id();
    let mut peak = 0;
    while child.try_wait().expect("wait for porch").is_none() {
        peak = peak.max(status_kb(pid, "VmHWM:"));
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = start.elapsed().as_secs_f64();
    let out = child.wait_with_output().expect("porch output");
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    (took, peak as f64 / 1024.0, said)
}

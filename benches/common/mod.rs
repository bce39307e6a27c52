//! What every benchmark does with the release binary it starts: read its memory from /proc, and
//! stop it the way systemd does.

use std::process::{Child, Command};

/// A `VmRSS:`/`VmHWM:`-style field of the process's status, in KiB (0 if it cannot be read).
pub fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Sends SIGTERM and waits for the server to end.
pub fn stop(child: &mut Child) {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}

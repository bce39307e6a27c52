//! A process's memory, read from /proc (a benchmark that starts no server includes only this).

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

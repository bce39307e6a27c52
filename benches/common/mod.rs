//! What every benchmark does with the release binary it starts: read its memory from /proc, and
//! stop it the way systemd does.

use std::process::{Child, Command};

mod memory;
pub use memory::status_kb;

/// Sends SIGTERM and waits for the server to end.
pub fn stop(child: &mut Child) {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}

//! install.sh, run into a staging folder (`--root`) with the real binary: the systemd unit it
//! writes passes `systemd-analyze verify` with no warning, behind a proxy and serving HTTPS
//! itself, and running it again (an upgrade) keeps the owner's settings.

use std::path::{Path, PathBuf};
use std::process::Command;

fn install(root: &Path, args: &[&str]) -> String {
    let output = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/install.sh"))
        .arg("--root")
        .arg(root)
        .args(["--binary", env!("CARGO_BIN_EXE_porch")])
        .args(args)
        .output()
        .expect("run install.sh");
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "install.sh {args:?} failed: {said}"
    );
    said
}

/// `systemd-analyze verify` on the unit install.sh wrote. The unit names the binary at its
/// installed place, which exists only under the staging root here, so the copy that is
/// checked points there; every other line is the one install.sh wrote.
fn verify_unit(root: &Path) -> String {
    let analyze = PathBuf::from("/usr/bin/systemd-analyze");
    assert!(
        analyze.is_file(),
        "systemd-analyze not found: install Debian's package systemd (apt-get install -y systemd)"
    );
    let unit = std::fs::read_to_string(root.join("etc/systemd/system/porch.service")).unwrap();
    assert!(
        unit.contains("ExecStart=/usr/local/bin/porch serve"),
        "{unit}"
    );
    let installed = root.join("usr/local/bin/porch");
    let checked = root.join("porch.service");
    std::fs::write(
        &checked,
        unit.replace("/usr/local/bin/porch", installed.to_str().unwrap()),
    )
    .unwrap();
    let output = Command::new(&analyze)
        .arg("verify")
        .arg(&checked)
        .output()
        .expect("run systemd-analyze");
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    // Unknown keys and bad values are only warnings to systemd (exit status 0): any output is
    // a finding.
    assert!(
        output.status.success() && said.trim().is_empty(),
        "systemd-analyze verify: {said}\n{unit}"
    );
    unit
}

#[test]
fn the_unit_behind_a_proxy_verifies_and_an_upgrade_keeps_the_settings() {
    let root = tempfile::tempdir().unwrap();
    install(root.path(), &["--base-url", "https://example.org"]);
    let unit = verify_unit(root.path());
    assert!(unit.contains("CapabilityBoundingSet=\n"), "{unit}");
    let env_file = root.path().join("etc/porch/porch.env");
    let settings = std::fs::read_to_string(&env_file).unwrap();
    assert!(
        settings.contains("PORCH_BASE_URL=https://example.org\n")
            && settings.contains("PORCH_LISTEN=127.0.0.1:8080\n")
            && settings.contains("PORCH_TRUST_PROXY=true\n"),
        "{settings}"
    );

    // The owner edits the settings; an upgrade replaces the binary and keeps them.
    let edited = settings + "PORCH_LOG=debug\n";
    std::fs::write(&env_file, &edited).unwrap();
    let said = install(root.path(), &[]);
    assert!(said.contains("Keeping /etc/porch/porch.env"), "{said}");
    assert_eq!(std::fs::read_to_string(&env_file).unwrap(), edited);
    verify_unit(root.path());
}

#[test]
fn the_unit_serving_https_itself_verifies() {
    let root = tempfile::tempdir().unwrap();
    install(
        root.path(),
        &[
            "--acme-domain",
            "example.org",
            "--acme-email",
            "owner@example.org",
        ],
    );
    let unit = verify_unit(root.path());
    assert!(
        unit.contains("AmbientCapabilities=CAP_NET_BIND_SERVICE\n"),
        "binding 443 and 80 as the porch user needs the capability: {unit}"
    );
    let settings = std::fs::read_to_string(root.path().join("etc/porch/porch.env")).unwrap();
    assert!(
        settings.contains("PORCH_ACME_DOMAIN=example.org\n")
            && settings.contains("PORCH_BASE_URL=https://example.org\n"),
        "{settings}"
    );
}

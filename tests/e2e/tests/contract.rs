//! The built component's imports are its whole authority: they must be the
//! contract's (wit/), nothing more. `xtask check-imports` decodes the component.

use e2e::{component, xtask_bin};
use std::process::Command;

#[test]
fn the_ews_component_imports_exactly_the_contract() {
    let out = Command::new(xtask_bin())
        .args(["check-imports"])
        .arg(component("ews_guest"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_check_is_not_vacuous() {
    // The probe uses only http and secrets: the check must notice what it lacks.
    let out = Command::new(xtask_bin())
        .args(["check-imports"])
        .arg(component("probe_guest"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wasi:keyvalue/store"));
}

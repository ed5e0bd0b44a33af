//! How many generated inputs each property test (`prop_*`, beside the code it
//! tests) tries: a short run in CI, and as many as `EWS_PROPTEST_CASES` asks
//! for in the long one (`scripts/fuzz`).

use proptest::test_runner::Config;

pub fn config(default: u32) -> Config {
    with_cases(asked().unwrap_or(default))
}

/// For a property whose every case is slow (it runs xmllint): a thousandth
/// of the long run's cases.
pub fn config_costly(default: u32) -> Config {
    with_cases(asked().map_or(default, |n| (n / 1000).max(default)))
}

fn asked() -> Option<u32> {
    std::env::var("EWS_PROPTEST_CASES").ok()?.parse().ok()
}

fn with_cases(cases: u32) -> Config {
    Config {
        cases,
        // A failure is reported with the input that caused it, shrunk; the
        // file proptest would keep it in is not wanted in the tree.
        failure_persistence: None,
        ..Config::default()
    }
}

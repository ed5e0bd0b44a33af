//! A daemon running in the background, for tests that signal it, read its
//! progress while it runs, or scrape it.

use crate::Host;
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

/// `ews-host daemon ARGS` as a child process, its stderr in a file.
pub struct Running {
    child: Child,
    log: PathBuf,
}

impl Running {
    pub fn start(host: &Host, name: &str) -> Running {
        Self::start_with(host, name, &[])
    }

    /// With more arguments after `daemon`.
    pub fn start_with(host: &Host, name: &str, args: &[&str]) -> Running {
        let log = host.dir.path().join(format!("{name}.log"));
        let mut all = vec!["daemon"];
        all.extend_from_slice(args);
        let child = host.spawn_logged(&all, &log);
        Running { child, log }
    }

    /// Its stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `kill -SIG` (KILL, STOP, CONT, TERM...).
    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// SIGTERM, then the exit (a clean stop lets its leases go).
    pub fn stop(mut self) -> String {
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "the host did not stop: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.log()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for `what` (checked every 50 ms), failing with `context` after `secs`.
pub fn wait_for(secs: u64, what: impl Fn() -> bool, context: impl Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !what() {
        assert!(Instant::now() < deadline, "timed out: {}", context());
        std::thread::sleep(Duration::from_millis(50));
    }
}

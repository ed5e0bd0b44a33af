//! The mail-ingest daemon (docs/daemon.md): a loop of steps, each one fresh
//! instance doing `poll` -> sink -> `ack`. Nothing that matters is kept in
//! the host across steps or crashes: the guest's checkpoint is the state, the
//! sinks write atomically, and an item is acked only once stored, or once
//! kept as a dead letter when the sink refused it for good.

pub mod dead_letters;
pub mod notify;
pub mod progress;
pub mod scheduler;
pub mod sinks;
pub mod slots;
mod state_file;
pub mod status;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// `500ms`, `60s`, `5m`, `1h`; a bare number is seconds. Zero is refused (a
/// daemon that never waits would hammer the server).
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let bad = || format!("expected a duration such as 500ms, 60s, 5m or 1h, not {text:?}");
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60).ok_or_else(bad)?),
        "h" => Duration::from_secs(n.checked_mul(3600).ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    if d.is_zero() {
        return Err(format!("{text:?}: the interval must be more than zero"));
    }
    Ok(d)
}

/// `1.5 s`, `250 ms`, `15 min`: for log lines.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(60_000) && ms >= 60_000 {
        format!("{} min", ms / 60_000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The stop request: SIGINT/SIGTERM set it; waits between steps end at once;
/// a second signal exits the process on the spot (the protocol is crash-safe).
#[derive(Default)]
pub struct Stop {
    count: AtomicU32,
    lock: Mutex<()>,
    cv: Condvar,
}

impl Stop {
    pub fn requested(&self) -> bool {
        self.count.load(Ordering::SeqCst) > 0
    }

    /// Records a signal; returns how many there have been.
    pub fn request(&self) -> u32 {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.cv.notify_all();
        n
    }

    /// Sleeps up to `d`; true when a stop was requested (at once if it was).
    pub fn wait(&self, d: Duration) -> bool {
        let deadline = std::time::Instant::now() + d;
        let mut g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if self.requested() {
                return true;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            g = self
                .cv
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// Listens for SIGINT and SIGTERM on a thread of its own (a small tokio
/// runtime, so that the wasm calls never run inside one). Registered before
/// this returns, so that no signal after it kills the process unhandled.
pub fn install_signals(stop: Arc<Stop>) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let (mut int, mut term) = {
        let _g = rt.enter();
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            rt.block_on(async move {
                loop {
                    let name = tokio::select! {
                        _ = int.recv() => "SIGINT",
                        _ = term.recv() => "SIGTERM",
                    };
                    notify::notify("STOPPING=1");
                    if stop.request() >= 2 {
                        eprintln!("daemon: {name} again: exiting now");
                        std::process::exit(if name == "SIGINT" { 130 } else { 143 });
                    }
                    eprintln!(
                        "daemon: {name}: stopping after the current step (send it again to exit now)"
                    );
                }
            })
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_interval("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_interval("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_interval("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_interval(" 30 "), Ok(Duration::from_secs(30)));
        for bad in ["", "s", "0s", "1.5s", "-1s", "10d", "5 minutes", "ms5"] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stop_interrupts_a_wait() {
        let stop = Arc::new(Stop::default());
        assert!(!stop.wait(Duration::from_millis(10)));
        let s = stop.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            s.request();
        });
        let start = std::time::Instant::now();
        assert!(stop.wait(Duration::from_secs(30)));
        assert!(start.elapsed() < Duration::from_secs(5));
        t.join().unwrap();
        assert!(stop.wait(Duration::from_secs(30)), "stays stopped");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_millis(250)), "250 ms");
        assert_eq!(human(Duration::from_secs(900)), "15 min");
        assert_eq!(human(Duration::from_millis(1500)), "1.5 s");
    }
}

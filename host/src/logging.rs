//! `wasi:logging/logging` and the host's own messages: one stderr line each,
//! `LEVEL context: message`, redacted, filtered by `EWS_LOG`
//! (trace|debug|info|warn|error, default info). Stdout stays for results.

use crate::bindings::wasi::logging::logging::{Host, Level as WitLevel};
use crate::secrets::Redactor;
use std::io::Write;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Critical,
}

impl Level {
    /// The syslog priority (sd-daemon(3)'s `<N>` prefixes).
    fn syslog(self) -> u8 {
        match self {
            Level::Critical => 2,
            Level::Error => 3,
            Level::Warn => 4,
            Level::Info => 6,
            Level::Debug | Level::Trace => 7,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// `EWS_LOG`; an unknown value falls back to info rather than failing,
    /// since logging must never stop a call.
    pub fn from_env() -> Level {
        match std::env::var("EWS_LOG")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "trace" => Level::Trace,
            "debug" => Level::Debug,
            "warn" | "warning" => Level::Warn,
            "error" => Level::Error,
            _ => Level::Info,
        }
    }
}

impl From<WitLevel> for Level {
    fn from(l: WitLevel) -> Level {
        match l {
            WitLevel::Trace => Level::Trace,
            WitLevel::Debug => Level::Debug,
            WitLevel::Info => Level::Info,
            WitLevel::Warn => Level::Warn,
            WitLevel::Error => Level::Error,
            WitLevel::Critical => Level::Critical,
        }
    }
}

/// Progress bars being drawn on stderr (daemon::progress), if any.
static CONSOLE: std::sync::OnceLock<indicatif::MultiProgress> = std::sync::OnceLock::new();

/// From now on, lines go above these bars rather than through them.
pub fn set_console(bars: indicatif::MultiProgress) {
    let _ = CONSOLE.set(bars);
}

/// The one way a line reaches stderr: above the bars when there are any,
/// and under systemd with `level` as its priority for the journal.
pub fn console_line_at(level: Level, line: &str) {
    match CONSOLE.get() {
        Some(bars) => {
            let _ = bars.println(line);
        }
        None if to_journal() => {
            let _ = writeln!(std::io::stderr().lock(), "<{}>{line}", level.syslog());
        }
        None => {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }
}

/// Whether stderr is the journal: systemd sets JOURNAL_STREAM to its
/// `device:inode` (systemd.exec(5)). Then a `<N>` prefix gives each line its
/// syslog priority, so that `journalctl -p warning` finds the warnings; a
/// process that merely inherited the variable writes elsewhere, unprefixed.
fn to_journal() -> bool {
    static JOURNAL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *JOURNAL.get_or_init(|| {
        use std::os::unix::fs::MetadataExt;
        let Some(stream) = std::env::var("JOURNAL_STREAM").ok() else {
            return false;
        };
        let Some((dev, ino)) = stream.split_once(':') else {
            return false;
        };
        std::fs::metadata("/proc/self/fd/2")
            .is_ok_and(|m| dev.parse() == Ok(m.dev()) && ino.parse() == Ok(m.ino()))
    })
}

/// Cheap to clone; shared by the guest's logging import and the host.
#[derive(Clone)]
pub struct Logger {
    min: Level,
    redactor: Arc<Redactor>,
}

impl Logger {
    pub fn new(min: Level, redactor: Arc<Redactor>) -> Self {
        Logger { min, redactor }
    }

    pub fn enabled(&self, level: Level) -> bool {
        level >= self.min
    }

    /// The single place a log line is written.
    pub fn log(&self, level: Level, context: &str, message: &str) {
        if !self.enabled(level) {
            return;
        }
        let line = format!("{} {}: {}", level.label(), context, message);
        // One line per record: a guest cannot forge extra lines.
        let line = self.redactor.redact(&line).replace(['\n', '\r'], " ");
        console_line_at(level, &line);
    }

    /// A message from the host itself, under the `ews-host.` context.
    pub fn host(&self, level: Level, context: &str, message: &str) {
        self.log(level, &format!("ews-host.{context}"), message);
    }
}

/// Per-store state of the `wasi:logging/logging` import.
pub struct LoggingState {
    pub logger: Logger,
}

impl Host for LoggingState {
    fn log(&mut self, level: WitLevel, context: String, message: String) -> wasmtime::Result<()> {
        self.logger.log(level.into(), &context, &message);
        Ok(())
    }
}

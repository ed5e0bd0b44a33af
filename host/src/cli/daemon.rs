//! `daemon [--once] [--interval 60s] [--max N]`: hands new emails to a sink
//! (docs/daemon.md). Progress on stderr, one `daemon: ...` line per step;
//! with `--once`, a failure of the last step is the usual JSON line, on
//! stderr too: stdout may be the stdout sink's record stream.

use super::app::App;
use super::CmdResult;
use crate::bindings::exports::soar::integration::daemon::{Batch, Item};
use crate::config::SinkKind;
use crate::daemon::dead_letters::DeadLetters;
use crate::daemon::scheduler::{self, Calls, DeadLetterStore, Guest, Settings, StepReport};
use crate::daemon::sinks::dir::DirSink;
use crate::daemon::sinks::http::HttpSink;
use crate::daemon::sinks::stdout::StdoutSink;
use crate::daemon::sinks::Sink;
use crate::daemon::{human, install_signals, parse_interval, Stop};
use crate::error::Failure;
use crate::runtime::DaemonInstance;
use crate::secrets::Redactor;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Run steps until nothing more is waiting, then exit (exit code of the last failure, if any)
    #[arg(long)]
    once: bool,
    /// Time between steps: 500ms, 60s, 5m, 1h (default: config daemon_interval, 60s)
    #[arg(long, value_name = "DURATION", value_parser = parse_interval)]
    interval: Option<Duration>,
    /// Most items per step (default: config daemon_max, 1000)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max: Option<u32>,
}

struct RuntimeGuest<'a>(&'a App);

impl Guest for RuntimeGuest<'_> {
    fn with_instance(
        &self,
        f: &mut dyn FnMut(&mut dyn Calls) -> StepReport,
    ) -> Result<StepReport, Failure> {
        self.0.runtime.daemon_step(&self.0.caps, |d| f(d))
    }
}

impl Calls for DaemonInstance<'_> {
    fn poll(&mut self, max: u32) -> Result<Batch, Failure> {
        DaemonInstance::poll(self, max)
    }
    fn ack(&mut self, ids: &[String]) -> Result<(), Failure> {
        DaemonInstance::ack(self, ids)
    }
}

/// The state database's dead letters, with the reason redacted before it
/// is stored: an engine may echo what it was sent.
struct Kept {
    store: DeadLetters,
    redactor: Arc<Redactor>,
}

impl DeadLetterStore for Kept {
    fn put(&mut self, item: &Item, sink: &str, reason: &str) -> Result<(), String> {
        self.store
            .put(item, sink, &self.redactor.redact(reason))
            .map_err(|e| e.to_string())
    }
}

pub fn run(config: Option<&Path>, component: Option<&Path>, args: &Args) -> CmdResult {
    // First, so that a signal during start-up (compiling can take seconds)
    // already means "stop before the first step".
    let stop = Arc::new(Stop::default());
    install_signals(stop.clone()).map_err(|e| {
        (
            Failure::internal(format!("cannot handle signals: {e}")),
            None,
        )
    })?;
    let app = App::start(config, component).map_err(|e| (e, None))?;
    let redactor = app.redactor.clone();
    let with = |e: Failure| (e, Some(redactor.clone()));
    let host = &app.config.host;
    let settings = Settings {
        interval: args.interval.unwrap_or(host.daemon_interval),
        max: args.max.unwrap_or(host.daemon_max),
        once: args.once,
    };
    let say = |line: &str| {
        eprintln!(
            "daemon: {}",
            redactor.redact(line).replace(['\n', '\r'], " ")
        )
    };

    let (mut sink, what): (Box<dyn Sink>, String) = match host.sink {
        SinkKind::Stdout => (
            Box::new(StdoutSink::stdout(host.sink_stdout_inline)),
            format!(
                "stdout (files {})",
                if host.sink_stdout_inline {
                    "inline"
                } else {
                    "omitted"
                }
            ),
        ),
        SinkKind::Dir => {
            let dir = host.sink_dir.as_deref().ok_or_else(|| {
                with(Failure::invalid_input(
                    "sink_dir is required when sink = \"dir\"",
                ))
            })?;
            let (sink, cleaned) =
                DirSink::open(dir).map_err(|e| with(Failure::new(e.kind, e.message)))?;
            if cleaned > 0 {
                say(&format!(
                    "removed {cleaned} leftovers of an interrupted run in {}",
                    dir.display()
                ));
            }
            (Box::new(sink), format!("dir {}", dir.display()))
        }
        SinkKind::Http => {
            let key = app.caps.secrets.get("engine_access_key");
            let sink = HttpSink::from_config(
                host.engine_api_url.as_deref(),
                host.engine_access_id.as_deref(),
                key.as_deref(),
                host.engine_ca_file.as_deref(),
            )
            .map_err(with)?
            .with_stop(stop.clone());
            let what = format!("http {}", sink.target());
            (Box::new(sink), what)
        }
    };

    let state = &host.state_path;
    let store = DeadLetters::open(state).map_err(|e| {
        with(Failure::internal(format!(
            "cannot open the dead letters in the state file {} (state_path): {e}",
            state.display()
        )))
    })?;
    let mut dead = Kept {
        store,
        redactor: redactor.clone(),
    };

    say(&format!(
        "started: sink {what}, {}max {}",
        if settings.once {
            "once, ".to_string()
        } else {
            format!("every {}, ", human(settings.interval))
        },
        settings.max
    ));
    let mut progress = |line: &str| say(line);
    scheduler::run(
        &RuntimeGuest(&app),
        sink.as_mut(),
        &mut dead,
        &settings,
        &stop,
        &mut progress,
    )
    .map_err(with)
}

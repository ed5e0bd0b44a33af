//! `daemon [--once] [--interval 60s] [--max N]`: hands new emails to a sink
//! (docs/daemon.md). Progress on stderr, one `daemon: ...` line per step;
//! with `--once`, a failure of the last step is the usual JSON line, on
//! stderr too: stdout may be the stdout sink's record stream. With
//! `[[mailboxes]]` in the config, one thread per mailbox, at most
//! `concurrency` steps at once (docs/fleet.md).

use super::app::{App, Grant};
use super::CmdResult;
use crate::bindings::exports::soar::integration::daemon::{Batch, Item};
use crate::config::{HostConfig, SinkKind};
use crate::daemon::dead_letters::DeadLetters;
use crate::daemon::notify;
use crate::daemon::progress::{self, Bar};
use crate::daemon::scheduler::StepObserver;
use crate::daemon::scheduler::{self, Calls, DeadLetterStore, Guest, Settings, StepReport, Turn};
use crate::daemon::sinks::dir::DirSink;
use crate::daemon::sinks::http::HttpSink;
use crate::daemon::sinks::stdout::StdoutSink;
use crate::daemon::sinks::Sink;
use crate::daemon::slots::{Gates, Slots};
use crate::daemon::status::StatusBook;
use crate::daemon::{human, install_signals, parse_interval, Stop};
use crate::error::Failure;
use crate::fleet::Fleet;
use crate::logging::Level;
use crate::metrics::{self, Metrics};
use crate::runtime::{DaemonInstance, Runtime};
use crate::secrets::Redactor;
use crate::secrets::SecretProvider;
use crate::state::Capabilities;
use indicatif::MultiProgress;
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
    /// Serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9464; docs/metrics.md)
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,
}

/// One mailbox's steps on the shared runtime. With `slots`, each step waits
/// for one of the process's `concurrency`; with `gate`, for the other entries
/// of the same mailbox to finish theirs (first, so that no slot is held
/// while waiting for it).
struct RuntimeGuest<'a> {
    runtime: &'a Runtime,
    caps: &'a Capabilities,
    slots: Option<&'a Slots>,
    gate: Option<&'a std::sync::Mutex<()>>,
    /// Where each step's outcome is kept for `ews-host status`.
    status: Option<StatusBook>,
    /// With `storage = "postgres"`: the mailbox's lease in the fleet.
    lease: Option<Leased<'a>>,
}

/// A mailbox's state (its scope) and the fleet that leases it.
struct Leased<'a> {
    fleet: &'a Fleet,
    scope: String,
    label: String,
}

impl<'a> RuntimeGuest<'a> {
    /// Mailbox `name`'s steps. In a `fleet`, leased under the component's
    /// scope for its configuration, its status row beside its lease where
    /// every host's are; else its row in the state file.
    fn new(
        runtime: &'a Runtime,
        caps: &'a Capabilities,
        state: &Path,
        name: &str,
        fleet: Option<&'a Fleet>,
    ) -> Result<Self, Failure> {
        let (status, lease) = match fleet {
            Some(fleet) => {
                let scope = runtime.scope(caps)?;
                let status = StatusBook::postgres(fleet.pool().clone(), name, &scope);
                let lease = Leased {
                    fleet,
                    scope,
                    label: name.to_string(),
                };
                (Some(status), Some(lease))
            }
            None => {
                let status = StatusBook::open(state, name)
                    .map_err(|e| {
                        caps.logger.host(
                            Level::Warn,
                            "daemon",
                            &format!("{name}: ews-host status will not show it: {e}"),
                        )
                    })
                    .ok();
                (status, None)
            }
        };
        Ok(RuntimeGuest {
            runtime,
            caps,
            slots: None,
            gate: None,
            status,
            lease,
        })
    }
}

impl Guest for RuntimeGuest<'_> {
    fn with_instance(
        &self,
        f: &mut dyn FnMut(&mut dyn Calls) -> StepReport,
    ) -> Result<StepReport, Failure> {
        let _turn = self
            .gate
            .map(|g| g.lock().unwrap_or_else(|e| e.into_inner()));
        let _slot = self.slots.map(Slots::take);
        let report = self.runtime.daemon_step(self.caps, |d| f(d));
        if let Some(Err(e)) = self.status.as_ref().map(|b| b.record(&report)) {
            self.caps
                .logger
                .host(Level::Warn, "daemon", &format!("status not kept: {e}"));
        }
        report
    }

    fn turn(&self) -> Turn {
        match &self.lease {
            Some(l) => l.fleet.turn(&l.scope, &l.label),
            None => Turn::Go(None),
        }
    }

    fn holds(&self) -> bool {
        self.lease.as_ref().is_none_or(|l| l.fleet.holds(&l.scope))
    }
}

/// `<address> <folder>`: a mailbox's name when its entry has none.
pub fn label(config: &crate::config::RuntimeConfig) -> String {
    let folder = config.guest.get("folder").map_or("Inbox", String::as_str);
    format!("{} {folder}", mailbox_of(config))
}

/// The mailbox an entry acts on: the one the component reads.
fn mailbox_of(config: &crate::config::RuntimeConfig) -> String {
    let g = &config.guest;
    g.get("primary_smtp_address")
        .or_else(|| g.get("username"))
        .or_else(|| g.get("client_id"))
        .cloned()
        .unwrap_or_default()
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
    let mailboxes = app
        .mailboxes()
        .map_err(|e| (e, Some(app.redactor.clone())))?;
    // With PostgreSQL, the mailboxes are leased: several hosts may share them.
    let fleet = app.postgres.as_ref().map(|pg| {
        let fleet = Fleet::start(
            pg.pool().clone(),
            app.config.host.lease,
            mailboxes.len().max(1),
        );
        pg.set_fence(fleet.clone());
        fleet
    });
    let metrics = match &args.metrics {
        None => None,
        Some(addr) => {
            let metrics = Arc::new(Metrics::default());
            let bound = metrics::server::serve(addr, metrics.clone())
                .map_err(|e| (Failure::invalid_input(e), None))?;
            say(
                &app.redactor,
                "",
                &format!("metrics: http://{bound}/metrics"),
            );
            Some(metrics)
        }
    };
    // On a terminal, --once draws a bar per mailbox instead of a line per step.
    let bars = progress::wanted(args.once).then(|| {
        let multi = MultiProgress::new();
        crate::logging::set_console(multi.clone());
        multi
    });
    // systemd (Type=notify) hears that the daemon is up, and what it did.
    let status = std::env::var_os("NOTIFY_SOCKET").map(|_| notify::Status::from_env());
    let watchers = Watchers {
        metrics: metrics.as_deref(),
        bars: bars.as_ref(),
        status: status.as_ref(),
    };
    notify::notify("READY=1");
    let result = serve(&app, &mailboxes, fleet.as_deref(), watchers, args, &stop);
    notify::notify("STOPPING=1");
    if let Some(fleet) = &fleet {
        fleet.leave();
    }
    result
}

/// Every mailbox to its end (`--once`) or until stopped.
fn serve(
    app: &App,
    mailboxes: &[(String, Grant)],
    fleet: Option<&Fleet>,
    watchers: Watchers<'_>,
    args: &Args,
    stop: &Arc<Stop>,
) -> CmdResult {
    if let Some(f) = fleet {
        say(
            &app.redactor,
            "",
            &format!(
                "fleet: this host is {} (lease {}, renewed every {})",
                f.id,
                human(app.config.host.lease.lease),
                human(app.config.host.lease.renew)
            ),
        );
    }
    if mailboxes.is_empty() {
        let redactor = app.redactor.clone();
        let say = |line: &str| say(&redactor, "", line);
        let name = label(&app.config);
        let state = &app.config.host.state_path;
        let guest = RuntimeGuest::new(&app.runtime, &app.caps, state, &name, fleet)
            .map_err(|e| (e, Some(redactor.clone())))?;
        return watch(
            &guest,
            &app.config.host,
            &redactor,
            args,
            stop,
            &say,
            (&name, watchers),
        )
        .map_err(|e| (e, Some(redactor.clone())));
    }
    // Every mailbox's secrets are hidden from every line.
    let redactor = Arc::new(Redactor::new(
        mailboxes
            .iter()
            .flat_map(|(_, g)| g.caps.secrets.values())
            .chain(app.caps.secrets.values()),
    ));
    let slots = Slots::new(app.config.host.concurrency);
    let addresses: Vec<String> = mailboxes
        .iter()
        .map(|(_, g)| mailbox_of(&g.config))
        .collect();
    let gates = Gates::new(addresses.iter().map(String::as_str));
    say(
        &redactor,
        "",
        &format!(
            "{} mailboxes ({} distinct), at most {} steps at once, one at a time per mailbox",
            mailboxes.len(),
            gates.len(),
            app.config.host.concurrency
        ),
    );
    let results: Vec<Result<(), Failure>> = std::thread::scope(|scope| {
        let handles: Vec<_> = mailboxes
            .iter()
            .zip(&addresses)
            .map(|((name, g), address)| {
                let (slots, gates, redactor) = (&slots, &gates, &redactor);
                scope.spawn(move || {
                    let Grant {
                        caps,
                        config,
                        redactor: own,
                    } = g;
                    let say = |line: &str| say(redactor, name, line);
                    let state = &app.config.host.state_path;
                    let guest =
                        RuntimeGuest::new(&app.runtime, caps, state, name, fleet).map(|guest| {
                            RuntimeGuest {
                                slots: Some(slots),
                                gate: gates.get(address),
                                ..guest
                            }
                        });
                    let result = guest.and_then(|guest| {
                        watch(
                            &guest,
                            &config.host,
                            own,
                            args,
                            stop,
                            &say,
                            (name, watchers),
                        )
                    });
                    // Said now, not only at the exit: the other mailboxes go on.
                    if let Err(e) = &result {
                        say(&format!("stopped: {e}"));
                    }
                    result
                        .map_err(|e| Failure::new(e.kind, format!("mailbox {name}: {}", e.message)))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Failure::internal("a mailbox's thread panicked")))
            })
            .collect()
    });
    // --once: every mailbox ran to its end; the first failure is the answer.
    match results.into_iter().find_map(Result::err) {
        Some(f) => Err((f, Some(redactor))),
        None => Ok(()),
    }
}

/// A progress line on stderr (above the bars, if any), one line whatever
/// the text, secrets hidden.
fn say(redactor: &Redactor, mailbox: &str, line: &str) {
    let line = redactor.redact(line).replace(['\n', '\r'], " ");
    crate::logging::console_line_at(
        level_of(&line),
        &if mailbox.is_empty() {
            format!("daemon: {line}")
        } else {
            format!("daemon: [{}] {line}", redactor.redact(mailbox))
        },
    );
}

/// How much a progress line matters, for the journal: the scheduler's and
/// the fleet's lines say so in their words.
fn level_of(line: &str) -> Level {
    const WARNINGS: &[&str] = &["failed: ", "warning: ", "gave it up", "stopped: "];
    if WARNINGS.iter().any(|w| line.contains(w)) {
        Level::Warn
    } else {
        Level::Info
    }
}

/// What watches every mailbox's steps besides the log.
#[derive(Clone, Copy)]
struct Watchers<'a> {
    metrics: Option<&'a Metrics>,
    bars: Option<&'a MultiProgress>,
    status: Option<&'a notify::Status>,
}

/// One mailbox's loop: its sink, its dead letters (reasons redacted with
/// `redactor`, its secrets), its steps.
fn watch(
    guest: &RuntimeGuest<'_>,
    host: &HostConfig,
    redactor: &Arc<Redactor>,
    args: &Args,
    stop: &Arc<Stop>,
    say: &dyn Fn(&str),
    (name, watchers): (&str, Watchers<'_>),
) -> Result<(), Failure> {
    let metrics = watchers.metrics.map(|m| m.mailbox(name));
    let bar = watchers.bars.map(|m| Bar::new(m, name));
    let status = watchers.status.map(|status| notify::MailboxStatus {
        status,
        mailbox: name.to_string(),
    });
    let mut observers: Vec<&dyn StepObserver> = Vec::new();
    if let Some(m) = &metrics {
        observers.push(m);
    }
    if let Some(b) = &bar {
        observers.push(b);
    }
    if let Some(s) = &status {
        observers.push(s);
    }
    let settings = Settings {
        interval: args.interval.unwrap_or(host.daemon_interval),
        max: args.max.unwrap_or(host.daemon_max),
        once: args.once,
        retry: host.lease.renew,
        quiet_steps: bar.is_some(),
    };
    let (mut sink, what) = open_sink(host, guest.caps.secrets.as_ref(), stop, say)?;
    let state = &host.state_path;
    // A fleet keeps them in its database: never on one host's disk alone.
    let store = match &guest.lease {
        Some(l) => DeadLetters::postgres(l.fleet.pool().clone()),
        None => DeadLetters::open(state).map_err(|e| {
            Failure::internal(format!(
                "cannot open the dead letters in the state file {} (state_path): {e}",
                state.display()
            ))
        })?,
    };
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
        guest,
        sink.as_mut(),
        &mut dead,
        &settings,
        stop,
        &mut progress,
        &observers,
    )
}

fn open_sink(
    host: &HostConfig,
    secrets: &dyn SecretProvider,
    stop: &Arc<Stop>,
    say: &dyn Fn(&str),
) -> Result<(Box<dyn Sink>, String), Failure> {
    Ok(match host.sink {
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
                Failure::invalid_input("sink_dir is required when sink = \"dir\"")
            })?;
            let (sink, cleaned) =
                DirSink::open(dir).map_err(|e| Failure::new(e.kind, e.message))?;
            if cleaned > 0 {
                say(&format!(
                    "removed {cleaned} leftovers of an interrupted run in {}",
                    dir.display()
                ));
            }
            (Box::new(sink), format!("dir {}", dir.display()))
        }
        SinkKind::Http => {
            let key = secrets.get("engine_access_key");
            let sink = HttpSink::from_config(
                host.engine_api_url.as_deref(),
                host.engine_access_id.as_deref(),
                key.as_deref(),
                host.engine_ca_file.as_deref(),
            )?
            .with_stop(stop.clone());
            let what = format!("http {}", sink.target());
            (Box::new(sink), what)
        }
    })
}

//! `mock-exchange`: serves the demo organisation on loopback until SIGINT/SIGTERM.
//! The first line of stdout is the base URL; stderr gets one line per request.

use std::io::Write as _;
use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Parser;
use mock_exchange::{bench_seed, demo, MockExchange, MockOptions};

/// A mock Microsoft Exchange server (EWS + OAuth token endpoint) on loopback.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Loopback address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// A Basic auth user (also the address of its mailbox). Repeatable.
    #[arg(long = "basic", value_name = "USER:PASSWORD")]
    basic: Vec<String>,
    /// An OAuth 2.0 app (client credentials). Repeatable.
    #[arg(long = "oauth", value_name = "TENANT:CLIENT_ID:CLIENT_SECRET")]
    oauth: Vec<String>,
    /// Lifetime of issued access tokens.
    #[arg(long, default_value_t = 3599)]
    token_lifetime_secs: u64,
    /// Answer 411 Length Required to a chunked request body, as proxies in
    /// front of on-premises Exchange that read only Content-Length do.
    #[arg(long)]
    require_content_length: bool,
    /// Delay every HTTP request by this many milliseconds (a Graph `$batch` is
    /// one request): a model of network and server latency, for benchmarks.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Append every HTTP request to FILE as a JSON line (method, target,
    /// headers, body), for `bench/replay.py`. Holds credentials: benchmarks only.
    #[arg(long, value_name = "FILE")]
    record_requests: Option<std::path::PathBuf>,
    /// Serve `GET /_mock/stats` (request counts; `?folder=MAILBOX:PATH` adds that
    /// folder's message, unread and byte counts). Not counted as a request.
    #[arg(long)]
    control: bool,
    /// Instead of the demo organisation, seed N unread emails of the
    /// benchmark's mix (`src/bench_seed.rs`) in --bench-mailbox's --bench-folder.
    #[arg(long, value_name = "N")]
    bench_emails: Option<usize>,
    /// The seed the benchmark's mix is drawn from: the same seed, the same emails and ids.
    #[arg(long, default_value_t = 1)]
    bench_seed: u64,
    #[arg(long, default_value = mock_exchange::bench_seed::BENCH_MAILBOX)]
    bench_mailbox: String,
    /// With --bench-emails: small text emails (about 1.5 KB each) instead of the mix.
    #[arg(long)]
    bench_small: bool,
    /// With --bench-emails: seed them in the --bench-folder of every --basic
    /// user, not only --bench-mailbox's (the scale run: many mailboxes).
    #[arg(long)]
    bench_every_basic: bool,
    /// Also seed the action benchmark's fixtures in --bench-mailbox: 1,000 small
    /// emails in Inbox/Search, one with a 25 MiB attachment in
    /// Inbox/Attachment, scheduled automatic replies (`bench_seed::seed_actions`).
    #[arg(long)]
    bench_actions: bool,
    #[arg(long, default_value = mock_exchange::bench_seed::BENCH_FOLDER)]
    bench_folder: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut options = MockOptions::default()
        .listen(args.listen)
        .token_lifetime_secs(args.token_lifetime_secs)
        .log_requests(true)
        .latency_ms(args.latency_ms)
        .record_requests(args.record_requests.clone())
        .control(args.control);
    for (i, spec) in args.basic.iter().enumerate() {
        // The error names the argument, never its value (it holds a password).
        let (user, password) = spec
            .split_once(':')
            .with_context(|| format!("--basic #{}: expected USER:PASSWORD", i + 1))?;
        options = options.basic_user(user, password);
    }
    for (i, spec) in args.oauth.iter().enumerate() {
        let mut parts = spec.splitn(3, ':');
        let (Some(tenant), Some(client_id), Some(secret)) =
            (parts.next(), parts.next(), parts.next())
        else {
            anyhow::bail!(
                "--oauth #{}: expected TENANT:CLIENT_ID:CLIENT_SECRET",
                i + 1
            );
        };
        options = options.oauth_app(tenant, client_id, secret);
    }
    let primary = options.basic_users.first().map(|(u, _)| u.clone());
    let mock = MockExchange::start(options)?;
    mock.require_content_length(args.require_content_length);
    if args.bench_emails.is_some() || args.bench_actions {
        let n = args.bench_emails.unwrap_or(0);
        let mailboxes: Vec<String> = if args.bench_every_basic {
            args.basic
                .iter()
                .filter_map(|s| s.split_once(':'))
                .map(|(u, _)| u.to_string())
                .collect()
        } else {
            vec![args.bench_mailbox.clone()]
        };
        let make = if args.bench_small {
            bench_seed::small_email
        } else {
            bench_seed::email
        };
        let bytes = mock.with_model(|model| {
            let mut bytes = 0;
            for mailbox in &mailboxes {
                bytes += bench_seed::seed_with(
                    model,
                    mailbox,
                    &args.bench_folder,
                    n,
                    args.bench_seed,
                    false,
                    make,
                );
            }
            if args.bench_actions {
                bytes += bench_seed::seed_actions(model, &args.bench_mailbox, args.bench_seed);
            }
            bytes
        });
        eprintln!(
            "mock-exchange: seeded {n} emails in {} of {} mailbox(es){} ({bytes} bytes of MIME)",
            args.bench_folder,
            mailboxes.len(),
            if args.bench_actions {
                " and the action fixtures"
            } else {
                ""
            },
        );
    } else {
        mock.with_model(|model| demo::seed(model, primary.as_deref()));
    }

    // The signal handlers are in place before the URL is printed: a SIGTERM sent as
    // soon as the URL is read must stop the server cleanly, not kill it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut term, mut int) = runtime.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        anyhow::Ok((
            signal(SignalKind::terminate())?,
            signal(SignalKind::interrupt())?,
        ))
    })?;

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", mock.base_url())?;
    stdout.flush()?;
    drop(stdout);
    eprintln!(
        "mock-exchange: EWS at {}, token endpoint at {}",
        mock.ews_url(),
        mock.token_url("{tenant}")
    );

    runtime.block_on(async {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    });
    eprintln!("mock-exchange: shutting down");
    drop(mock);
    Ok(())
}

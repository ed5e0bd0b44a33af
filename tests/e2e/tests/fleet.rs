//! Several `ews-host daemon` processes sharing mailboxes through PostgreSQL
//! (docs/fleet.md): leases with fencing tokens, against a real throw-away
//! PostgreSQL cluster (e2e::postgres), the mock Exchange and the mock engine.
//! Every email must reach the engine once (its records, by idempotency key),
//! be marked read, and no mailbox may ever see two requests at once (the
//! mock counts them per mailbox: two hosts polling one mailbox would).
//!
//! Short leases (3 s, renewed every second) keep the tests quick; the
//! defaults (30 s and 10 s) take a dead host's mailboxes over within 40 s.

use e2e::fixtures::{self, CLIENT_ID, CLIENT_SECRET, TENANT};
use e2e::postgres::Postgres;
use e2e::running::{wait_for, Running};
use e2e::{on_both_apis, Api, Host, MockExchange};
use mock_exchange::{EngineOptions, Fault, MockEngine};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const FOLDER: &str = "Inbox/Phishing";

fn address(i: usize) -> String {
    format!("user{i:02}@contoso.example")
}

/// `mailboxes` mailboxes of `emails` emails each; their item ids.
fn seed(mock: &MockExchange, mailboxes: usize, emails: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for m in 0..mailboxes {
        let a = address(m);
        mock.add_mailbox(&a, &format!("User {m}"));
        for e in 0..emails {
            let subject = format!("{a} #{e}");
            ids.push(fixtures::add_email(
                mock,
                &a,
                FOLDER,
                &subject,
                (e % 60) as u32,
            ));
        }
    }
    ids
}

fn engine() -> MockEngine {
    MockEngine::start(EngineOptions {
        access_id: "soar-id".into(),
        access_key: "soar-key-91f3".into(),
    })
    .expect("start the mock engine")
}

/// One host of the fleet: its own state file, the shared PostgreSQL, every
/// mailbox in `[[mailboxes]]`, into the one engine.
fn member(
    mock: &MockExchange,
    pg: &Postgres,
    engine: &MockEngine,
    mailboxes: usize,
    max: u32,
) -> Host {
    member_on(Api::Ews, mock, pg, engine, mailboxes, max)
}

fn member_on(
    api: Api,
    mock: &MockExchange,
    pg: &Postgres,
    engine: &MockEngine,
    mailboxes: usize,
    max: u32,
) -> Host {
    let mut h = Host::oauth_on(api, mock, TENANT, CLIENT_ID, CLIENT_SECRET, &address(0));
    h.set("folder", FOLDER)
        .set("sink", "http")
        .set("engine_api_url", &engine.url())
        .set("engine_access_id", "soar-id")
        .secret("engine_access_key", "soar-key-91f3")
        .set("storage", "postgres")
        .set("postgres_url", &pg.url())
        .set("lease", "3s")
        .set("lease_renew", "1s")
        .set("daemon_interval", "1s")
        .set_toml("daemon_max", &max.to_string())
        .set_toml("concurrency", "4");
    for m in 0..mailboxes {
        h.mailbox(&[
            ("name", &format!("m{m:02}")),
            ("primary_smtp_address", &address(m)),
        ]);
    }
    h
}

/// Every email delivered to the engine once (one record per id, the subjects
/// all there) and marked read; no mailbox ever had two requests at once.
fn assert_exactly_once(mock: &MockExchange, engine: &MockEngine, ids: &[String], subjects: usize) {
    let records = engine.records();
    let keys: BTreeSet<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), records.len(), "a record stored twice");
    let got: BTreeSet<&str> = records
        .iter()
        .map(|r| r["record"]["subject"].as_str().unwrap())
        .collect();
    assert_eq!(got.len(), subjects, "every email once");
    for id in ids {
        assert!(mock.message(id).unwrap().is_read, "{id} not marked read");
    }
    let most = mock.most_in_flight_by_mailbox();
    let overlapping: Vec<_> = most.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        overlapping.is_empty(),
        "two requests at once: {overlapping:?}"
    );
}

/// A mark-read that failed (the database or Exchange away) is retried at
/// the mailbox's next poll: wait for every one to have gone through.
fn wait_all_read(mock: &MockExchange, ids: &[String]) {
    wait_for(
        60,
        || ids.iter().all(|id| mock.message(id).unwrap().is_read),
        || {
            let unread = ids.iter().filter(|id| !mock.message(id).unwrap().is_read);
            format!("{} still unread", unread.count())
        },
    );
}

fn delivered_by(log: &str) -> usize {
    log.lines()
        .filter_map(|l| l.split(", acked ").nth(1))
        .filter_map(|rest| rest.split(',').next()?.parse::<usize>().ok())
        .sum()
}

on_both_apis!(three_hosts_share_twenty_mailboxes_each_email_once_each_mailbox_one_owner);

fn three_hosts_share_twenty_mailboxes_each_email_once_each_mailbox_one_owner(api: Api) {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let mock = fixtures::mock();
    let ids = seed(&mock, 20, 100);
    let engine = engine();
    let hosts: Vec<Host> = (0..3)
        .map(|_| member_on(api, &mock, &pg, &engine, 20, 25))
        .collect();
    let start = Instant::now();
    let running: Vec<Running> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| Running::start(h, &format!("host{i}")))
        .collect();
    wait_for(
        300,
        || engine.records().len() >= 2000,
        || format!("{} of 2000; {}", engine.records().len(), running[0].log()),
    );
    let took = start.elapsed();
    // Time for anything that would come twice to come.
    std::thread::sleep(Duration::from_secs(2));
    // `status`, from any host's configuration: every mailbox, with the host
    // that holds its lease and whose steps it shows.
    let status = hosts[0].run(&["status"]);
    let rows = status.json_lines();
    assert_eq!(rows.len(), 20, "{}", status.stdout);
    let mut holders = BTreeSet::new();
    for row in &rows {
        let lease = &row["lease"];
        assert_eq!(lease["live"], true, "{row}");
        let holder = lease["holder"].as_str().unwrap();
        let stepper = format!("{}/{}/", row["host"].as_str().unwrap(), row["pid"]);
        assert!(holder.starts_with(&stepper), "{row}");
        assert!(row["failure"].is_null(), "{row}");
        holders.insert(holder.to_string());
    }
    assert_eq!(holders.len(), 3, "{}", status.stdout);
    wait_all_read(&mock, &ids);
    let logs: Vec<String> = running.into_iter().map(Running::stop).collect();
    assert_exactly_once(&mock, &engine, &ids, 2000);
    assert_eq!(engine.duplicates(), 0, "no email handed on twice");
    let per_host: Vec<usize> = logs.iter().map(|l| delivered_by(l)).collect();
    assert_eq!(per_host.iter().sum::<usize>(), 2000, "{per_host:?}");
    for (i, log) in logs.iter().enumerate() {
        assert!(log.contains("took its lease (token "), "host{i}: {log}");
        assert!(!log.contains("refused a stale write"), "host{i}: {log}");
    }
    assert!(
        per_host.iter().all(|n| *n > 0),
        "the work is shared: {per_host:?}"
    );
    // Clean stops let every lease go.
    assert_eq!(
        pg.psql(
            "ews",
            "SELECT count(*) FROM ews_lease WHERE holder IS NOT NULL"
        ),
        "0"
    );
    assert_eq!(pg.psql("ews", "SELECT count(*) FROM ews_lease"), "20");
    eprintln!(
        "fleet ({api:?}): 3 hosts, 20 mailboxes x 100 emails in {:.1} s ({:.0} emails/s); per host {per_host:?}",
        took.as_secs_f64(),
        2000.0 / took.as_secs_f64()
    );
}

#[test]
fn a_host_killed_mid_step_has_its_mailboxes_taken_over_with_nothing_lost() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let mock = fixtures::mock_with(|o| o.latency_ms(20));
    let ids = seed(&mock, 6, 40);
    let engine = engine();
    let (a, b) = (
        member(&mock, &pg, &engine, 6, 4),
        member(&mock, &pg, &engine, 6, 4),
    );
    let first = Running::start(&a, "a");
    wait_for(120, || engine.records().len() >= 60, || first.log());
    first.signal("KILL");
    let killed_at = Instant::now();
    let before = engine.records().len();
    let second = Running::start(&b, "b");
    wait_for(
        120,
        || engine.records().len() >= 240,
        || format!("{} of 240: {}", engine.records().len(), second.log()),
    );
    let takeover = killed_at.elapsed();
    wait_all_read(&mock, &ids);
    let log = second.stop();
    assert_exactly_once(&mock, &engine, &ids, 240);
    // What the killed host had handed on but not acked comes again, to the
    // same idempotency key: stored once (at most a step per mailbox).
    assert!(engine.duplicates() <= 6 * 4, "{}", engine.duplicates());
    assert!(log.contains("took its lease (token 2)"), "{log}");
    assert!(delivered_by(&log) + before >= 240, "{log}");
    eprintln!(
        "fleet: kill -9 after {before} of 240; the other host finished in {:.1} s (lease 3 s); {} duplicate posts",
        takeover.as_secs_f64(),
        engine.duplicates()
    );
}

#[test]
fn a_paused_host_that_lost_its_lease_has_its_stale_writes_refused_and_gives_up() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let mock = fixtures::mock();
    let ids = seed(&mock, 1, 30);
    let engine = engine();
    let (a, b) = (
        member(&mock, &pg, &engine, 1, 1),
        member(&mock, &pg, &engine, 1, 1),
    );
    let paused = Running::start(&a, "a");
    wait_for(120, || engine.records().len() >= 5, || paused.log());
    // The next GetItem is held 2 s: the host is stopped while it waits.
    mock.inject("GetItem", Fault::Delay { ms: 2000 }, 1);
    wait_for(30, || !mock.faults_served().is_empty(), || paused.log());
    paused.signal("STOP");
    let at = engine.records().len();
    let other = Running::start(&b, "b");
    wait_for(
        120,
        || engine.records().len() >= 30,
        || format!("{} of 30: {}", engine.records().len(), other.log()),
    );
    paused.signal("CONT");
    wait_for(60, || paused.log().contains("gave it up"), || paused.log());
    // It stays off the mailbox while the other holds it.
    std::thread::sleep(Duration::from_secs(2));
    wait_all_read(&mock, &ids);
    let stale = paused.stop();
    let log = other.stop();
    assert_exactly_once(&mock, &engine, &ids, 30);
    assert_eq!(engine.duplicates(), 0, "the stale step handed nothing on");
    assert!(stale.contains("refused a stale write"), "{stale}");
    let refused: u64 = stale
        .lines()
        .filter_map(|l| {
            l.split("; ")
                .nth(1)?
                .split(" stale writes refused")
                .next()?
                .parse()
                .ok()
        })
        .max()
        .unwrap_or(0);
    assert!(refused >= 1, "{stale}");
    assert!(log.contains("took its lease (token 2)"), "{log}");
    let after = stale.split("gave it up").nth(1).unwrap_or_default();
    assert_eq!(delivered_by(after), 0, "no step after giving up: {stale}");
    eprintln!("fleet: paused after {at} of 30; {refused} stale writes refused");
}

#[test]
fn a_postgres_restart_during_a_run_loses_nothing() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let mock = fixtures::mock_with(|o| o.latency_ms(10));
    let ids = seed(&mock, 6, 40);
    let engine = engine();
    let hosts = [
        member(&mock, &pg, &engine, 6, 4),
        member(&mock, &pg, &engine, 6, 4),
    ];
    let running: Vec<Running> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| Running::start(h, &format!("host{i}")))
        .collect();
    wait_for(120, || engine.records().len() >= 60, || running[0].log());
    pg.stop();
    let at = engine.records().len();
    std::thread::sleep(Duration::from_secs(4));
    pg.start_again();
    wait_for(
        180,
        || engine.records().len() >= 240,
        || format!("{} of 240: {}", engine.records().len(), running[0].log()),
    );
    wait_all_read(&mock, &ids);
    let logs: Vec<String> = running.into_iter().map(Running::stop).collect();
    assert_exactly_once(&mock, &engine, &ids, 240);
    assert!(at < 240, "the outage came mid-run");
    // A step that met the outage waited for the pool to connect again, or
    // failed and was retried: either way, the longest step shows it.
    let longest = logs
        .iter()
        .flat_map(|l| l.lines())
        .filter_map(|l| {
            l.split(" bytes, in ")
                .nth(1)?
                .strip_suffix(" ms")?
                .parse::<u64>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    let failed = logs
        .iter()
        .flat_map(|l| l.lines())
        .filter(|l| l.contains(": failed: "))
        .count();
    assert!(longest >= 2000 || failed > 0, "{logs:#?}");
    eprintln!(
        "fleet: PostgreSQL down for 4 s after {at} of 240; longest step {longest} ms, {failed} failed steps, {} duplicate posts",
        engine.duplicates()
    );
}

/// An email the engine refuses for good is kept in the fleet's database, not
/// on the disk of the host that met it: another host's `dead-letters` lists,
/// exports and deletes it, and names the host that kept it.
#[test]
fn a_fleets_dead_letters_are_in_its_database() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let mock = fixtures::mock();
    seed(&mock, 1, 3);
    let bad = fixtures::add_email(&mock, &address(0), FOLDER, "[bad-422] refused", 59);
    let engine = engine();
    engine.refuse_subject("[bad-422]", 422);
    let (a, b) = (
        member(&mock, &pg, &engine, 1, 10),
        member(&mock, &pg, &engine, 1, 10),
    );
    let run = a.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("dead-lettered 1,"), "{}", run.stderr);
    assert!(mock.message(&bad).unwrap().is_read);
    assert_eq!(engine.records().len(), 3);

    let letters = b.run(&["dead-letters", "list"]).json_lines();
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    assert_eq!(letter["subject"], "[bad-422] refused");
    assert!(
        letter["reason"].as_str().unwrap().contains("422"),
        "{letter}"
    );
    assert_eq!(letter["files"], 1, "{letter}");
    assert!(letter["host"].is_string(), "{letter}");
    let id = letter["id"].as_str().unwrap();
    let out = b.dir.path().join("recovered");
    let export = b.run(&["dead-letters", "export", id, "--out", out.to_str().unwrap()]);
    assert_eq!(export.code, 0, "{export:#?}");
    let record = std::fs::read_to_string(out.join(id).join("record.json")).unwrap();
    assert!(record.contains("[bad-422] refused"), "{record}");
    let delete = b.run(&["dead-letters", "delete", id]);
    assert_eq!(delete.code, 0, "{delete:#?}");
    assert!(b.run(&["dead-letters", "list"]).json_lines().is_empty());
    assert_eq!(
        pg.psql("ews", "SELECT count(*) FROM ews_dead_letter_file"),
        "0"
    );
}

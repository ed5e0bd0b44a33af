//! `storage = "postgres"`: the daemon's state in a PostgreSQL database (a
//! throw-away cluster, e2e::postgres), and a server that goes away and comes
//! back: the step it broke fails, the next one delivers what came meanwhile,
//! nothing is lost or delivered twice.

use e2e::fixtures::{self, ALICE, PHISHING};
use e2e::postgres::Postgres;
use e2e::{dir_sink_records, Api, MockExchange};

fn add(mock: &MockExchange, subject: &str, minute: u32) -> String {
    fixtures::add_email(mock, ALICE, PHISHING, subject, minute)
}

#[test]
fn the_daemon_keeps_its_state_in_postgres_and_survives_a_restart_of_it() {
    let Some(pg) = Postgres::start() else {
        return;
    };
    let mock = fixtures::mock();
    let first: Vec<String> = (0..3)
        .map(|i| add(&mock, &format!("first {i}"), i))
        .collect();
    let (mut host, sink) = fixtures::ingesting_host_on(&mock, Api::Ews);
    host.set("storage", "postgres")
        .set("postgres_url", &pg.url());
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(dir_sink_records(&sink).len(), 3);
    // The state is in PostgreSQL: one key per email in the scope's bucket.
    let ids = pg.psql(
        "ews",
        "SELECT count(*) FROM ews_kv WHERE bucket LIKE 'ews-daemon-%' AND key LIKE 'id/%'",
    );
    assert_eq!(ids, "3");
    assert_eq!(pg.psql("ews", "SELECT version FROM ews_schema"), "4");
    // Its mailbox was leased (the scope of its buckets), and let go at the end.
    let scope = pg.psql(
        "ews",
        "SELECT substr(min(bucket), 12) FROM ews_kv WHERE bucket LIKE 'ews-daemon-%'",
    );
    assert_eq!(
        pg.psql(
            "ews",
            &format!("SELECT token, holder IS NULL FROM ews_lease WHERE scope = '{scope}'")
        ),
        "1|t"
    );

    // The server goes away; two emails arrive meanwhile.
    pg.stop();
    let later: Vec<String> = (3..5)
        .map(|i| add(&mock, &format!("later {i}"), i))
        .collect();
    let down = host.run(&["daemon", "--once"]);
    assert_ne!(down.code, 0, "{down:#?}");
    assert!(
        down.stderr.contains("PostgreSQL") || down.stdout.contains("PostgreSQL"),
        "{down:#?}"
    );
    assert_eq!(
        dir_sink_records(&sink).len(),
        3,
        "nothing without its state"
    );

    pg.start_again();
    let back = host.run(&["daemon", "--once"]);
    assert_eq!(back.code, 0, "{back:#?}");
    let records = dir_sink_records(&sink);
    assert_eq!(records.len(), 5, "{records:#?}");
    for id in first.iter().chain(&later) {
        assert!(mock.message(id).unwrap().is_read);
    }
    let again = host.run(&["daemon", "--once"]);
    assert_eq!(again.code, 0, "{again:#?}");
    assert_eq!(dir_sink_records(&sink).len(), 5, "nothing twice");
}

#[test]
fn postgres_storage_wants_its_url() {
    let mock = fixtures::mock();
    let (mut host, _sink) = fixtures::ingesting_host_on(&mock, Api::Ews);
    host.set("storage", "postgres");
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("postgres_url is required"), "{run:#?}");
    host.set("storage", "mysql");
    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains("storage must be sqlite or postgres"),
        "{run:#?}"
    );
}

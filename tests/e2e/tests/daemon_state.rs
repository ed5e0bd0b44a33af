//! The daemon's state in the host's database: one pair of buckets per mailbox
//! and folder, and the state of earlier builds (one shared bucket, an index)
//! moved into them at the first poll, with nothing delivered twice.

use e2e::fixtures::{self, ALICE, PHISHING};
use e2e::{dir_sink_records, Api};
use rusqlite::{params, Connection};
use serde_json::json;
use sha2::{Digest, Sha256};

fn hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// docs/daemon.md: the record id and the scope, as the component derives them.
fn record_id(item_id: &str) -> String {
    format!("ews-{}", &hex(&format!("{ALICE}\n{item_id}"))[..32])
}

fn scope() -> String {
    hex(&format!("{ALICE}\n{}", PHISHING.to_lowercase()))[..16].to_string()
}

#[test]
fn state_from_before_buckets_is_moved_and_nothing_comes_twice() {
    let mock = fixtures::mock();
    let add =
        |subject: &str, minute: u32| fixtures::add_email(&mock, ALICE, PHISHING, subject, minute);
    let (done, delivered, new) = (add("done", 0), add("delivered", 1), add("new", 2));
    let (host, sink) = fixtures::ingesting_host_on(&mock, Api::Ews);

    // What an earlier build left: `done` handled, `delivered` acked but its
    // mark-read pending, in bucket `ews` under daemon/<scope>/ with an index.
    let db = Connection::open(host.dir.path().join("state.sqlite3")).unwrap();
    db.execute_batch(
        "CREATE TABLE kv (bucket TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
         PRIMARY KEY (bucket, key)) WITHOUT ROWID;",
    )
    .unwrap();
    let prefix = format!("daemon/{}", scope());
    let put = |key: &str, value: serde_json::Value| {
        db.execute(
            "INSERT INTO kv (bucket, key, value) VALUES ('ews', ?1, ?2)",
            params![
                format!("{prefix}/{key}"),
                serde_json::to_vec(&value).unwrap()
            ],
        )
        .unwrap();
    };
    // An hour ago: older than 30 days, pruning would rightly forget a done one.
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 3600;
    let entry = |id: &str, state: &str| json!({"state": state, "item_id": id, "change_key": null, "at": at, "tries": 0});
    let (rd, rp) = (record_id(&done), record_id(&delivered));
    put(&format!("id/{rd}"), entry(&done, "done"));
    put(&format!("id/{rp}"), entry(&delivered, "delivered"));
    put("pending", json!([rp]));
    put(
        "index",
        json!({"next": 1, "segments": [{"n": 0, "len": 2}], "total": 2, "pruned_at": at}),
    );
    put("index/0", json!([rd, rp]));
    drop(db);

    let run = host.run(&["daemon", "--once"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let records = dir_sink_records(&sink);
    assert_eq!(records.len(), 1, "{records:#?}");
    assert_eq!(records[0].1["subject"], "new");
    assert!(
        mock.message(&delivered).unwrap().is_read,
        "the pending mark-read went"
    );
    assert!(mock.message(&new).unwrap().is_read);
    assert!(
        !mock.message(&done).unwrap().is_read,
        "done before: left as it is"
    );

    let db = Connection::open(host.dir.path().join("state.sqlite3")).unwrap();
    let keys = |bucket: &str| -> Vec<String> {
        let mut st = db
            .prepare("SELECT key FROM kv WHERE bucket = ?1 ORDER BY key")
            .unwrap();
        st.query_map([bucket], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert!(
        keys("ews").iter().all(|k| !k.starts_with("daemon/")),
        "{:?}",
        keys("ews")
    );
    let main = keys(&format!("ews-daemon-{}", scope()));
    for k in [
        format!("id/{rd}"),
        format!("id/{rp}"),
        "version".into(),
        "folder".into(),
    ] {
        assert!(main.contains(&k), "{k} in {main:?}");
    }
    assert!(!main.iter().any(|k| k.starts_with("index")), "{main:?}");
    assert!(keys(&format!("ews-pending-{}", scope())).is_empty());

    // And again: nothing more.
    let again = host.run(&["daemon", "--once"]);
    assert_eq!(again.code, 0, "{again:#?}");
    assert_eq!(dir_sink_records(&sink).len(), 1);
}

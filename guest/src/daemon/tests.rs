//! The daemon over EWS, against scripted Exchange answers (platform::fake):
//! the requests its steps send and how it reads Exchange's answers. Its
//! transport-neutral logic is tested on the fake mailbox (fake_tests.rs).

use super::checkpoint::{Entry, State};
use super::*;
use crate::platform::fake::FakeHost;
use crate::platform::{HttpRequest, HttpResponse, TransportError};
use serde_json::Value;
use std::cell::RefCell;

const MAILBOX: &str = "SOC@example.com";

fn host(extra: &[(&str, &str)]) -> FakeHost {
    let mut pairs = vec![
        ("ews_url", "http://127.0.0.1:8080/EWS/Exchange.asmx"),
        ("auth_method", "basic"),
        ("username", "soc@example.com"),
        ("primary_smtp_address", MAILBOX),
    ];
    pairs.extend_from_slice(extra);
    FakeHost::with_config(&pairs).secret("password", "pw")
}

fn env(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">{body}</s:Body></s:Envelope>"#
    )
}

struct Found<'a> {
    id: &'a str,
    subject: &'a str,
    received: &'a str,
    size: u64,
    from: &'a str,
}

fn found(id: &str) -> Found<'_> {
    Found {
        id,
        subject: "Urgent",
        received: "2026-11-20T08:00:00Z",
        size: 100,
        from: "m@evil.com",
    }
}

fn find_items(items: &[Found], last: bool, next: u32) -> String {
    let items: String = items
        .iter()
        .map(|f| {
            // As Exchange answers: From's name only; the address comes as
            // PidTagSentRepresentingSmtpAddress, absent when `from` is empty.
            let smtp = if f.from.is_empty() {
                String::new()
            } else {
                format!(
                    r#"<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x5d02" PropertyType="String"/><t:Value>{}</t:Value></t:ExtendedProperty>"#,
                    f.from
                )
            };
            format!(
                r#"<t:Message><t:ItemId Id="{}" ChangeKey="CK-{}"/><t:Subject>{}</t:Subject><t:DateTimeReceived>{}</t:DateTimeReceived><t:Size>{}</t:Size>{smtp}<t:From><t:Mailbox><t:Name>Mallory</t:Name></t:Mailbox></t:From><t:IsRead>false</t:IsRead></t:Message>"#,
                f.id, f.id, f.subject, f.received, f.size
            )
        })
        .collect();
    env(&format!(
        r#"<m:FindItemResponse><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder IndexedPagingOffset="{next}" IncludesLastItemInRange="{last}"><t:Items>{items}</t:Items></m:RootFolder></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse>"#
    ))
}

fn mime(subject: &str) -> String {
    format!("From: Mallory <m@evil.com>\r\nTo: soc@example.com\r\nSubject: {subject}\r\nMessage-ID: <{subject}@evil.com>\r\n\r\nclick here\r\n")
}

/// `Ok(id)` answers with that item's MIME; `Err(code)` with that error.
fn get_items(items: &[Result<&str, &str>]) -> String {
    use base64::Engine;
    let msgs: String = items
        .iter()
        .map(|r| match r {
            Ok(id) => format!(
                r#"<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">{}</t:MimeContent><t:ItemId Id="{id}" ChangeKey="CK2-{id}"/><t:Subject>mime {id}</t:Subject><t:DateTimeReceived>2026-11-20T08:00:05Z</t:DateTimeReceived><t:Size>321</t:Size><t:Categories><t:String>Phish</t:String></t:Categories><t:Importance>High</t:Importance><t:InternetMessageId>&lt;{id}@evil.com&gt;</t:InternetMessageId></t:Message></m:Items></m:GetItemResponseMessage>"#,
                base64::engine::general_purpose::STANDARD.encode(mime(&format!("mime {id}")))
            ),
            Err(code) => format!(
                r#"<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/></m:GetItemResponseMessage>"#
            ),
        })
        .collect();
    env(&format!(
        "<m:GetItemResponse><m:ResponseMessages>{msgs}</m:ResponseMessages></m:GetItemResponse>"
    ))
}

fn update_items(results: &[Result<(), &str>]) -> String {
    let msgs: String = results
        .iter()
        .map(|r| match r {
            Ok(()) => r#"<m:UpdateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:ItemId Id="x" ChangeKey="y"/></t:Message></m:Items><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults></m:UpdateItemResponseMessage>"#.to_string(),
            Err(code) => format!(r#"<m:UpdateItemResponseMessage ResponseClass="Error"><m:MessageText>no</m:MessageText><m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:UpdateItemResponseMessage>"#),
        })
        .collect();
    env(&format!("<m:UpdateItemResponse><m:ResponseMessages>{msgs}</m:ResponseMessages></m:UpdateItemResponse>"))
}

fn find_folders(folders: &[(&str, &str)]) -> String {
    let f: String = folders
        .iter()
        .map(|(id, name)| format!(r#"<t:Folder><t:FolderId Id="{id}" ChangeKey="c"/><t:DisplayName>{name}</t:DisplayName></t:Folder>"#))
        .collect();
    env(&format!(
        r#"<m:FindFolderResponse><m:ResponseMessages><m:FindFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder TotalItemsInView="{}" IncludesLastItemInRange="true"><t:Folders>{f}</t:Folders></m:RootFolder></m:FindFolderResponseMessage></m:ResponseMessages></m:FindFolderResponse>"#,
        folders.len()
    ))
}

fn error_message(op: &str, code: &str) -> String {
    env(&format!(
        r#"<m:{op}Response><m:ResponseMessages><m:{op}ResponseMessage ResponseClass="Error"><m:MessageText>nope</m:MessageText><m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:{op}ResponseMessage></m:ResponseMessages></m:{op}Response>"#
    ))
}

fn ok(h: &FakeHost, body: String) {
    h.respond(200, &[], &body);
}

fn body(h: &FakeHost, i: usize) -> String {
    String::from_utf8(h.request(i).body).unwrap()
}

fn op(body: &str) -> &str {
    let start = body.find("<soap:Body><m:").unwrap() + 14;
    let end = start + body[start..].find([' ', '>', '/']).unwrap();
    &body[start..end]
}

fn poll_with(h: &dyn Host, max: u32, page: u32) -> Result<Batch, Failure> {
    run(h, "poll", |s| poll::poll(s, max, page))
}

fn json(item: &Item) -> Value {
    serde_json::from_str(&item.json).unwrap()
}

fn rid(item_id: &str) -> String {
    record_id(MAILBOX, item_id)
}

fn checkpoint_of(h: &FakeHost) -> Checkpoint<'_> {
    Checkpoint::open(h, &scope(&MAILBOX.to_lowercase(), "Inbox"), 0).unwrap()
}

fn mark(h: &FakeHost, item_id: &str, state: State, at: i64) {
    checkpoint_of(h)
        .put(
            &rid(item_id),
            &Entry {
                state,
                item_id: item_id.into(),
                change_key: None,
                received: None,
                at,
                tries: 0,
            },
        )
        .unwrap();
}

fn state(h: &FakeHost, item_id: &str) -> Option<State> {
    checkpoint_of(h)
        .get(&rid(item_id))
        .unwrap()
        .map(|e| e.state)
}

#[test]
fn record_ids_are_stable_and_mailbox_case_blind() {
    let a = record_id("SOC@Example.com", "AAMk1");
    assert_eq!(a, record_id("soc@example.com", "AAMk1"));
    assert_ne!(a, record_id("soc@example.com", "AAMk2"));
    assert_eq!(a.len(), 36);
    assert!(a.starts_with("ews-"));
    use sha2::{Digest, Sha256};
    let h: String = Sha256::digest(b"soc@example.com\nAAMk1")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(a, format!("ews-{}", &h[..32]));
}

#[test]
fn pages_over_three_pages_skipping_checkpointed_ids() {
    let h = host(&[]);
    mark(&h, "I2", State::Done, 1_700_000_000);
    mark(&h, "I5", State::Delivered, 1_700_000_000);
    mark(&h, "I3", State::Handed, 1_700_000_000); // handed, never acked: handed out again
    checkpoint_of(&h).add_pending(&rid("I5"), 0).unwrap();
    // I5 is pending a mark-read: the poll retries it first.
    ok(&h, update_items(&[Ok(())]));
    ok(&h, find_items(&[found("I1"), found("I2")], false, 2));
    ok(&h, find_items(&[found("I3"), found("I4")], false, 4));
    ok(&h, find_items(&[found("I5"), found("I6")], true, 6));
    ok(&h, get_items(&[Ok("I1"), Ok("I3"), Ok("I4"), Ok("I6")]));
    let batch = poll_with(&h, 10, 2).unwrap();
    assert!(!batch.more);
    let ids: Vec<&str> = batch.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, vec![rid("I1"), rid("I3"), rid("I4"), rid("I6")]);
    assert_eq!(h.request_count(), 5);
    assert_eq!(op(&body(&h, 0)), "UpdateItem");
    for (i, offset) in [(1, 0), (2, 2), (3, 4)] {
        let b = body(&h, i);
        assert_eq!(op(&b), "FindItem");
        assert!(b.contains(&format!(r#"<m:IndexedPageItemView MaxEntriesReturned="2" Offset="{offset}" BasePoint="Beginning"/>"#)), "{b}");
        assert!(b.contains(r#"<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>SOC@example.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"#), "{b}");
    }
    let gi = body(&h, 4);
    assert_eq!(op(&gi), "GetItem");
    assert_eq!(gi.matches("<t:ItemId ").count(), 4);
    assert!(gi.contains(r#"<t:ItemId Id="I3" ChangeKey="CK-I3"/>"#));
    assert_eq!(state(&h, "I5"), Some(State::Done));
    assert_eq!(state(&h, "I1"), Some(State::Handed));
    let r = json(&batch.items[0]);
    assert_eq!(r["id"], rid("I1"));
    assert_eq!(r["mailbox"], "soc@example.com");
    assert_eq!(r["folder"], "Inbox");
    assert_eq!(r["item_id"], "I1");
    assert_eq!(r["change_key"], "CK2-I1");
    assert_eq!(r["received"], "2026-11-20T08:00:05Z");
    assert_eq!(r["categories"], serde_json::json!(["Phish"]));
    assert_eq!(r["importance"], "High");
    assert_eq!(r["size"], 321);
    assert_eq!(r["subject"], "mime I1");
    assert_eq!(r["eml"], "message.eml");
    assert_eq!(r["errors"], serde_json::json!([]));
    assert_eq!(batch.items[0].files[0].name, "message.eml");
    assert_eq!(batch.items[0].files[0].data, mime("mime I1").into_bytes());
}

#[test]
fn stops_at_max_and_says_more() {
    let h = host(&[("max_per_poll", "5")]);
    ok(
        &h,
        find_items(&[found("I1"), found("I2"), found("I3")], true, 3),
    );
    ok(&h, get_items(&[Ok("I1"), Ok("I2")]));
    let batch = poll_with(&h, 2, 100).unwrap();
    assert_eq!(batch.items.len(), 2);
    assert!(batch.more);
    // max_per_poll lowers the host's max too.
    let h = host(&[("max_per_poll", "1")]);
    ok(&h, find_items(&[found("I1"), found("I2")], true, 2));
    ok(&h, get_items(&[Ok("I1")]));
    let batch = poll_with(&h, 50, 100).unwrap();
    assert_eq!((batch.items.len(), batch.more), (1, true));
    // Exactly max, nothing after: no more.
    let h = host(&[]);
    ok(&h, find_items(&[found("I1"), found("I2")], true, 2));
    ok(&h, get_items(&[Ok("I1"), Ok("I2")]));
    let batch = poll_with(&h, 2, 100).unwrap();
    assert_eq!((batch.items.len(), batch.more), (2, false));
}

#[test]
fn keeps_to_the_byte_budget_but_a_big_email_goes_alone() {
    let h = host(&[("max_batch_bytes", "1000")]);
    let sized = |id, size| Found { size, ..found(id) };
    ok(
        &h,
        find_items(&[sized("I1", 600), sized("I2", 600)], true, 2),
    );
    ok(&h, get_items(&[Ok("I1")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    assert_eq!((batch.items.len(), batch.more), (1, true));
    let h = host(&[("max_batch_bytes", "1000")]);
    ok(
        &h,
        find_items(&[sized("I1", 5000), sized("I2", 10)], true, 2),
    );
    ok(&h, get_items(&[Ok("I1")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    assert_eq!((batch.items.len(), batch.more), (1, true));
    assert_eq!(batch.items[0].id, rid("I1"));
    let h = host(&[("max_batch_bytes", "1000")]);
    ok(
        &h,
        find_items(&[sized("I1", 400), sized("I2", 600)], true, 2),
    );
    ok(&h, get_items(&[Ok("I1"), Ok("I2")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    assert_eq!((batch.items.len(), batch.more), (2, false));
}

#[test]
fn a_get_item_error_still_gives_a_record_with_errors() {
    let h = host(&[]);
    ok(
        &h,
        find_items(
            &[
                Found {
                    subject: "Pay now",
                    from: "m@evil.com",
                    ..found("I1")
                },
                found("I2"),
            ],
            true,
            2,
        ),
    );
    ok(&h, get_items(&[Err("ErrorItemNotFound"), Ok("I2")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    assert_eq!(batch.items.len(), 2);
    let r = json(&batch.items[0]);
    assert_eq!(r["subject"], "Pay now");
    assert_eq!(r["from"]["address"], "m@evil.com");
    assert_eq!(r["received"], "2026-11-20T08:00:00Z");
    assert_eq!(r["size"], 100);
    assert_eq!(r["eml"], Value::Null);
    assert!(
        r["errors"][0]
            .as_str()
            .unwrap()
            .contains("ErrorItemNotFound"),
        "{r}"
    );
    assert!(batch.items[0].files.is_empty());
    assert_eq!(json(&batch.items[1])["errors"], serde_json::json!([]));
    // Handed, so it can be acked (and then never comes again).
    assert_eq!(state(&h, "I1"), Some(State::Handed));
}

#[test]
fn bad_mime_is_delivered_with_errors() {
    let h = host(&[]);
    ok(&h, find_items(&[found("I1")], true, 1));
    let broken =
        get_items(&[Ok("I1")]).replace("CharacterSet=\"UTF-8\">", "CharacterSet=\"UTF-8\">!!!");
    ok(&h, broken);
    let batch = poll_with(&h, 10, 100).unwrap();
    let r = json(&batch.items[0]);
    assert!(r["errors"][0].as_str().unwrap().contains("base64"), "{r}");
    assert_eq!(r["subject"], "mime I1");
}

#[test]
fn the_guest_finishes_the_filter() {
    let h = host(&[
        ("sender_domains", r#"["evil.com"]"#),
        ("subject_keywords", r#"["urgent"]"#),
    ]);
    ok(
        &h,
        find_items(
            &[
                Found {
                    from: "a@notevil.com",
                    ..found("I1")
                },
                Found {
                    from: "a@evil.com.example",
                    ..found("I2")
                },
                Found {
                    subject: "hello",
                    ..found("I3")
                },
                Found {
                    from: "A@EVIL.COM",
                    ..found("I4")
                },
            ],
            true,
            4,
        ),
    );
    ok(&h, get_items(&[Ok("I4")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    assert_eq!(
        batch.items.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        vec![rid("I4")]
    );
    let fi = body(&h, 0);
    assert!(
        fi.contains(
            r#"<m:Restriction><t:And><t:IsEqualTo><t:FieldURI FieldURI="message:IsRead"/>"#
        ),
        "{fi}"
    );
}

/// A host that records, in order, every keyvalue write and request.
struct Recorder {
    inner: FakeHost,
    events: RefCell<Vec<String>>,
}

impl Host for Recorder {
    fn send(&self, r: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let b = String::from_utf8(r.body.clone()).unwrap();
        self.events.borrow_mut().push(format!("send {}", op(&b)));
        self.inner.send(r)
    }
    fn now_unix_secs(&self) -> u64 {
        self.inner.now_unix_secs()
    }
    fn random_bytes(&self, len: usize) -> Vec<u8> {
        self.inner.random_bytes(len)
    }
    fn config_get(&self, key: &str) -> Result<Option<String>, String> {
        self.inner.config_get(key)
    }
    fn secret(&self, name: &str) -> Result<Option<String>, String> {
        Host::secret(&self.inner, name)
    }
    fn kv_get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.inner.kv_get(bucket, key)
    }
    fn kv_set(&self, bucket: &str, key: &str, value: &[u8]) -> Result<(), String> {
        let v = String::from_utf8_lossy(value);
        let state = ["handed", "delivered", "done"]
            .into_iter()
            .find(|s| v.contains(&format!("\"{s}\"")))
            .unwrap_or("");
        self.events.borrow_mut().push(
            format!("set {} {state}", short(bucket, key))
                .trim()
                .to_string(),
        );
        self.inner.kv_set(bucket, key, value)
    }
    fn kv_delete(&self, bucket: &str, key: &str) -> Result<(), String> {
        self.events
            .borrow_mut()
            .push(format!("delete {}", short(bucket, key)));
        self.inner.kv_delete(bucket, key)
    }
    fn kv_keys(&self, bucket: &str) -> Result<Vec<String>, String> {
        self.inner.kv_keys(bucket)
    }
    fn log(&self, level: crate::platform::Level, context: &str, message: &str) {
        self.inner.log(level, context, message)
    }
}

/// A key as the events name it: `pending/<id>` for the pending bucket's.
fn short(bucket: &str, key: &str) -> String {
    if bucket.starts_with("ews-pending-") {
        format!("pending/{key}")
    } else {
        key.to_string()
    }
}

#[test]
fn ack_records_pending_then_delivered_before_marking_read_then_done() {
    let h = Recorder {
        inner: host(&[]),
        events: RefCell::new(vec![]),
    };
    ok(&h.inner, find_items(&[found("I1"), found("I2")], true, 2));
    ok(&h.inner, get_items(&[Ok("I1"), Ok("I2")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    let ids: Vec<String> = batch.items.iter().map(|i| i.id.clone()).collect();
    h.events.borrow_mut().clear();
    ok(&h.inner, update_items(&[Ok(()), Ok(())]));
    ack(&h, &ids).unwrap();
    let ev = h.events.borrow().clone();
    let (a, b) = (rid("I1"), rid("I2"));
    assert_eq!(
        ev[..9],
        [
            format!("set pending/{a}"),
            format!("set pending/{b}"),
            format!("set id/{a} delivered"),
            format!("set id/{b} delivered"),
            "send UpdateItem".to_string(),
            format!("set id/{a} done"),
            format!("set id/{b} done"),
            format!("delete pending/{a}"),
            format!("delete pending/{b}"),
        ],
        "{ev:#?}"
    );
    // Then only the daily pruning's mark: no index to rewrite.
    assert_eq!(ev[9..], ["set pruned_at".to_string()], "{ev:#?}");
    let ui = body(&h.inner, 2);
    assert!(ui.contains(r#"<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly" SuppressReadReceipts="true">"#), "{ui}");
    assert!(
        ui.contains(r#"<t:ItemId Id="I1" ChangeKey="CK2-I1"/>"#),
        "{ui}"
    );
    assert_eq!(ui.matches("<t:ItemChange>").count(), 2);
    // Acking again is harmless: nothing to send.
    ack(&h, &ids).unwrap();
    assert_eq!(h.inner.request_count(), 3);
}

#[test]
fn a_failed_mark_read_stays_pending_and_is_retried_never_redelivered() {
    let h = host(&[]);
    ok(&h, find_items(&[found("I1"), found("I2")], true, 2));
    ok(&h, get_items(&[Ok("I1"), Ok("I2")]));
    let ids: Vec<String> = poll_with(&h, 10, 100)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.id)
        .collect();
    // Throttled: ack still succeeds, the items are delivered, a warning is logged.
    h.respond(
        500,
        &[],
        &env(r#"<s:Fault><faultcode>a:ErrorServerBusy</faultcode><faultstring>busy</faultstring><detail><e:ResponseCode xmlns:e="e">ErrorServerBusy</e:ResponseCode><e:Message xmlns:e="e">busy</e:Message></detail></s:Fault>"#),
    );
    ack(&h, &ids).unwrap();
    assert_eq!(state(&h, "I1"), Some(State::Delivered));
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(checkpoint_of(&h).pending().unwrap(), sorted);
    assert!(
        h.logs
            .borrow()
            .iter()
            .any(|l| l.starts_with("Warn daemon") && l.contains("kept pending")),
        "{:?}",
        h.logs.borrow()
    );
    // Next poll: the pending mark-read first (one moved away meanwhile), then FindItem,
    // which still sees both unread: neither is handed out again.
    ok(&h, update_items(&[Ok(()), Err("ErrorItemNotFound")]));
    ok(&h, find_items(&[found("I1"), found("I2")], true, 2));
    let batch = poll_with(&h, 10, 100).unwrap();
    assert!(batch.items.is_empty() && !batch.more);
    assert_eq!(op(&body(&h, 3)), "UpdateItem");
    assert_eq!(state(&h, "I1"), Some(State::Done));
    assert_eq!(state(&h, "I2"), Some(State::Done));
    assert!(checkpoint_of(&h).pending().unwrap().is_empty());
}

#[test]
fn a_per_item_refusal_stays_pending_until_it_goes_through() {
    let h = host(&[]);
    ok(&h, find_items(&[found("I1")], true, 1));
    ok(&h, get_items(&[Ok("I1")]));
    let ids: Vec<String> = poll_with(&h, 10, 100)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.id)
        .collect();
    ok(&h, update_items(&[Err("ErrorAccessDenied")]));
    ack(&h, &ids).unwrap();
    assert_eq!(state(&h, "I1"), Some(State::Delivered));
    ok(&h, update_items(&[Ok(())]));
    ok(&h, find_items(&[], true, 0));
    poll_with(&h, 10, 100).unwrap();
    assert_eq!(state(&h, "I1"), Some(State::Done));
}

#[test]
fn acking_an_unknown_id_names_it_and_writes_nothing() {
    let h = host(&[]);
    mark(&h, "I1", State::Handed, 0);
    let before = h.kv.borrow().clone();
    let err = ack(&h, &[rid("I1"), "ews-bogus".into()]).unwrap_err();
    let Failure::InvalidInput(m) = err else {
        panic!("{err:?}")
    };
    assert!(m.contains("ews-bogus"), "{m}");
    assert_eq!(*h.kv.borrow(), before);
    assert_eq!(h.request_count(), 0);
}

#[test]
fn old_servers_get_no_suppress_read_receipts() {
    let h = host(&[("server_version", "Exchange2010_SP2")]);
    mark(&h, "I1", State::Handed, 0);
    ok(&h, update_items(&[Ok(())]));
    ack(&h, &[rid("I1")]).unwrap();
    let ui = body(&h, 0);
    assert!(
        ui.contains("<m:UpdateItem ") && !ui.contains("SuppressReadReceipts"),
        "{ui}"
    );
}

#[test]
fn resolves_a_path_case_insensitively_and_caches_it() {
    let h = host(&[("folder", "inbox/phishing/REPORTED")]);
    ok(
        &h,
        find_folders(&[("F0", "Phishing-old"), ("F1", "Phishing")]),
    );
    ok(&h, find_folders(&[("F2", "Reported")]));
    ok(&h, find_items(&[], true, 0));
    poll_with(&h, 10, 100).unwrap();
    let ff = body(&h, 0);
    assert_eq!(op(&ff), "FindFolder");
    assert!(ff.contains(r#"<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>SOC@example.com</t:EmailAddress>"#), "{ff}");
    assert!(body(&h, 1).contains(r#"<m:ParentFolderIds><t:FolderId Id="F1"/></m:ParentFolderIds>"#));
    assert!(body(&h, 2).contains(r#"<m:ParentFolderIds><t:FolderId Id="F2"/></m:ParentFolderIds>"#));
    // Cached: the next poll goes straight to FindItem.
    ok(&h, find_items(&[], true, 0));
    poll_with(&h, 10, 100).unwrap();
    assert_eq!(h.request_count(), 4);
    assert_eq!(op(&body(&h, 3)), "FindItem");
    // Exchange forgot the id (folder recreated): resolved again, once.
    ok(&h, error_message("FindItem", "ErrorFolderNotFound"));
    ok(&h, find_folders(&[("F1b", "PHISHING")]));
    ok(&h, find_folders(&[("F2b", "reported")]));
    ok(&h, find_items(&[], true, 0));
    poll_with(&h, 10, 100).unwrap();
    assert!(body(&h, 7).contains(r#"<t:FolderId Id="F2b"/>"#));
}

#[test]
fn a_missing_folder_is_not_found_with_its_siblings() {
    let h = host(&[("folder", "Inbox/Phish")]);
    ok(&h, find_folders(&[("F0", "Phishing"), ("F1", "Spam")]));
    let err = poll_with(&h, 10, 100).unwrap_err();
    let Failure::NotFound(m) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        m,
        r#"folder: no folder "Phish" in "Inbox" (its subfolders: "Phishing", "Spam")"#
    );
    // A path not under a distinguished folder starts at the mailbox root.
    let h = host(&[("folder", "Projects/X")]);
    ok(&h, find_folders(&[]));
    let Failure::NotFound(m) = poll_with(&h, 10, 100).unwrap_err() else {
        panic!()
    };
    assert_eq!(
        m,
        r#"folder: no folder "Projects" in the mailbox root (it has no subfolders)"#
    );
    assert!(body(&h, 0).contains(r#"<t:DistinguishedFolderId Id="msgfolderroot">"#));
}

#[test]
fn a_folder_id_is_used_as_is() {
    let h = host(&[("folder", "id:AAMkF==")]);
    ok(&h, find_items(&[], true, 0));
    poll_with(&h, 10, 100).unwrap();
    assert!(body(&h, 0).contains(r#"<t:FolderId Id="AAMkF=="/>"#));
    ok(&h, error_message("FindItem", "ErrorFolderNotFound"));
    assert!(matches!(poll_with(&h, 10, 100), Err(Failure::NotFound(_))));
}

#[test]
fn prunes_old_done_ids_and_keeps_pending_ones() {
    let h = host(&[]);
    let now = 1_700_000_000i64;
    let day = 86_400;
    mark(&h, "old-done", State::Done, now - 31 * day);
    mark(&h, "new-done", State::Done, now - day);
    mark(&h, "old-handed", State::Handed, now - 40 * day);
    mark(&h, "old-delivered", State::Delivered, now - 40 * day); // not pending: version 1 could lose it
    let cp = checkpoint_of(&h);
    assert_eq!(cp.total(), 4);
    assert_eq!(cp.prune(now).unwrap(), 2);
    assert_eq!(state(&h, "old-done"), None);
    assert_eq!(state(&h, "old-handed"), None);
    assert_eq!(state(&h, "new-done"), Some(State::Done));
    assert_eq!(state(&h, "old-delivered"), Some(State::Delivered));
    assert_eq!(cp.pending().unwrap(), vec![rid("old-delivered")]);
    assert_eq!(cp.total(), 2);
    // At most once a day.
    mark(&h, "x", State::Done, 0);
    assert_eq!(cp.prune(now + 10).unwrap(), 0);
}

#[test]
fn put_all_writes_one_key_per_id_and_prune_finds_every_id() {
    let h = host(&[]);
    let cp = checkpoint_of(&h);
    let now = 1_700_000_000i64;
    let entry = |i: &str| Entry {
        state: State::Done,
        item_id: i.to_string(),
        change_key: None,
        received: None,
        at: now - 40 * 86_400,
        tries: 0,
    };
    mark(&h, "first", State::Done, now - 40 * 86_400);
    let ids: Vec<String> = (0..2_500).map(|i| format!("I{i}")).collect();
    let mut entries: Vec<(String, Entry)> = ids.iter().map(|i| (rid(i), entry(i))).collect();
    // An id already known and one given twice are kept once.
    entries.push((rid("first"), entry("first")));
    entries.push((rid("I7"), entry("I7")));
    let entries: Vec<(&str, &Entry)> = entries.iter().map(|(id, e)| (id.as_str(), e)).collect();
    let before = h.kv.borrow().len();
    cp.put_all(&entries).unwrap();
    assert_eq!(
        h.kv.borrow().len() - before,
        2_500,
        "one key per new id, nothing else"
    );
    assert_eq!(cp.total(), 2_501);
    // Pruning lists the bucket: every id put is found and forgotten.
    assert_eq!(cp.prune(now).unwrap(), 2_501);
    assert_eq!(state(&h, "I1234"), None);
    assert_eq!(cp.total(), 0);
}

#[test]
fn prunes_the_oldest_done_ids_when_over_the_cap() {
    let h = host(&[]);
    let cp = checkpoint_of(&h);
    let now = 1_700_000_000i64;
    let n = checkpoint::MAX_ENTRIES + 3;
    let entries: Vec<(String, Entry)> = (0..n)
        .map(|i| {
            let e = Entry {
                state: State::Done,
                item_id: format!("I{i}"),
                change_key: None,
                received: None,
                // I0 the oldest.
                at: now - (n - i) as i64,
                tries: 0,
            };
            (rid(&format!("I{i}")), e)
        })
        .collect();
    let entries: Vec<(&str, &Entry)> = entries.iter().map(|(id, e)| (id.as_str(), e)).collect();
    cp.put_all(&entries).unwrap();
    assert_eq!(cp.prune(now).unwrap(), 3);
    assert_eq!(cp.total(), checkpoint::MAX_ENTRIES);
    assert_eq!(state(&h, "I0"), None);
    assert_eq!(state(&h, "I2"), None);
    assert_eq!(state(&h, "I3"), Some(State::Done));
}

/// Version 1's state, in the shared bucket under `daemon/<scope>/`, moves to the
/// scope's buckets at the first poll: nothing delivered comes again, the pending
/// mark-read is retried, and version 1's keys are gone.
#[test]
fn version_1_state_moves_to_the_scope_buckets_and_is_honoured() {
    let h = host(&[]);
    let scope = scope(&MAILBOX.to_lowercase(), "Inbox");
    let v1 = |k: &str, v: serde_json::Value| {
        h.kv.borrow_mut().insert(
            ("ews".into(), format!("daemon/{scope}/{k}")),
            serde_json::to_vec(&v).unwrap(),
        );
    };
    let entry = |id: &str, state: &str| serde_json::json!({"state": state, "item_id": id, "change_key": null, "at": 1_700_000_000i64, "tries": 0});
    v1(&format!("id/{}", rid("I1")), entry("I1", "done"));
    v1(&format!("id/{}", rid("I2")), entry("I2", "delivered"));
    v1("pending", serde_json::json!([rid("I2")]));
    v1(
        "index",
        serde_json::json!({"next": 1, "segments": [{"n": 0, "len": 2}], "total": 2, "pruned_at": 1_700_000_000i64}),
    );
    v1("index/0", serde_json::json!([rid("I1"), rid("I2")]));
    // Another scope's state and the token cache stay where they are.
    h.kv.borrow_mut().insert(
        ("ews".into(), "daemon/other/pending".into()),
        b"[]".to_vec(),
    );
    h.kv.borrow_mut()
        .insert(("ews".into(), "oauth-token/x".into()), b"{}".to_vec());

    ok(&h, update_items(&[Ok(())]));
    ok(
        &h,
        find_items(&[found("I1"), found("I2"), found("I3")], true, 3),
    );
    ok(&h, get_items(&[Ok("I3")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    let ids: Vec<&str> = batch.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [rid("I3")], "only the new one");
    let first = body(&h, 0);
    assert_eq!(op(&first), "UpdateItem", "the pending mark-read first");
    assert!(first.contains(r#"Id="I2""#), "{first}");
    assert_eq!(state(&h, "I2"), Some(State::Done));
    assert!(checkpoint_of(&h).pending().unwrap().is_empty());
    let shared: Vec<String> =
        h.kv.borrow()
            .keys()
            .filter(|(b, _)| b == "ews")
            .map(|(_, k)| k.clone())
            .collect();
    assert_eq!(shared, ["daemon/other/pending", "oauth-token/x"]);
    assert_eq!(
        h.kv.borrow()[&(format!("ews-daemon-{scope}"), "version".to_string())],
        b"2"
    );
}

/// A whole UpdateItem that keeps failing counts its tries: an email is given up
/// only after ten of them and a week pending, so an outage gives nothing up.
#[test]
fn a_mark_read_that_always_fails_is_given_up_after_ten_tries_and_a_week() {
    let h = host(&[]);
    mark(&h, "I1", State::Delivered, 1_700_000_000);
    let cp = checkpoint_of(&h);
    cp.add_pending(&rid("I1"), h.now.get() as i64).unwrap();
    let busy = || {
        env(
            r#"<s:Fault><faultcode>a:ErrorAccessDenied</faultcode><faultstring>denied</faultstring><detail><e:ResponseCode xmlns:e="e">ErrorAccessDenied</e:ResponseCode><e:Message xmlns:e="e">denied</e:Message></detail></s:Fault>"#,
        )
    };
    for _ in 0..12 {
        h.respond(500, &[], &busy());
        ok(&h, find_items(&[], true, 0));
        poll_with(&h, 10, 100).unwrap();
    }
    assert_eq!(state(&h, "I1"), Some(State::Delivered), "not within a week");
    h.now.set(h.now.get() + 8 * 86_400);
    h.respond(500, &[], &busy());
    ok(&h, find_items(&[], true, 0));
    poll_with(&h, 10, 100).unwrap();
    assert_eq!(state(&h, "I1"), Some(State::Done));
    assert!(cp.pending().unwrap().is_empty());
    assert!(
        h.logs
            .borrow()
            .iter()
            .any(|l| l.starts_with("Error daemon") && l.contains("given up")),
        "{:?}",
        h.logs.borrow()
    );
}

#[test]
fn a_crash_inside_ack_still_marks_read_and_never_redelivers() {
    // ack wrote the pending list, then the process died before "delivered".
    let h = host(&[]);
    ok(&h, find_items(&[found("I1")], true, 1));
    ok(&h, get_items(&[Ok("I1")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    let id = batch.items[0].id.clone();
    checkpoint_of(&h).add_pending(&id, 0).unwrap();
    // The next poll retries the pending mark-read first, and the email is
    // not handed out again even though Exchange still lists it unread.
    ok(&h, update_items(&[Ok(())]));
    ok(&h, find_items(&[found("I1")], true, 1));
    let again = poll_with(&h, 10, 100).unwrap();
    assert!(again.items.is_empty(), "{:?}", again.items.len());
    assert!(body(&h, 2).contains("UpdateItem"));
}

#[test]
fn an_answer_too_large_is_asked_again_in_halves() {
    let h = host(&[]);
    ok(
        &h,
        find_items(&[found("I1"), found("I2"), found("I3")], true, 3),
    );
    let too_large = TransportError::TooLarge {
        limit: crate::platform::MAX_RESPONSE_BYTES as u64,
    };
    h.fail(too_large.clone()); // all three
    ok(&h, get_items(&[Ok("I1")])); // the first half
    h.fail(too_large); // the second half, I2 and I3
    ok(&h, get_items(&[Ok("I2")]));
    ok(&h, get_items(&[Ok("I3")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    let ids: Vec<_> = batch.items.iter().map(|i| i.id.clone()).collect();
    assert_eq!(ids, [rid("I1"), rid("I2"), rid("I3")]);
    let ops: Vec<_> = (0..h.request_count()).map(|i| body(&h, i)).collect();
    let asked = |b: &str| b.matches("<t:ItemId ").count();
    assert_eq!(
        ops.iter().skip(1).map(|b| asked(b)).collect::<Vec<_>>(),
        [3, 1, 2, 1, 1]
    );
    for item in &batch.items {
        assert_eq!(json(item)["errors"], serde_json::json!([]));
    }
}

fn metadata_answer(attachments: &str) -> String {
    env(&format!(
        r#"<m:GetItemResponse><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:ItemId Id="BIG" ChangeKey="CK2-BIG"/><t:Subject>huge invoice</t:Subject><t:Body BodyType="Text">see attached</t:Body><t:Attachments>{attachments}</t:Attachments><t:DateTimeReceived>2026-11-20T08:00:05Z</t:DateTimeReceived><t:Size>60000000</t:Size><t:InternetMessageHeaders><t:InternetMessageHeader HeaderName="Received">from mx</t:InternetMessageHeader></t:InternetMessageHeaders><t:DateTimeSent>2026-11-20T08:00:00Z</t:DateTimeSent><t:ToRecipients><t:Mailbox><t:Name>Soc</t:Name><t:EmailAddress>soc@example.com</t:EmailAddress></t:Mailbox></t:ToRecipients><t:From><t:Mailbox><t:Name>Mallory</t:Name><t:EmailAddress>m@evil.com</t:EmailAddress></t:Mailbox></t:From><t:InternetMessageId>&lt;big@evil.com&gt;</t:InternetMessageId></t:Message></m:Items></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse>"#
    ))
}

fn file_attachment_answer(content_b64: &str) -> String {
    env(&format!(
        r#"<m:GetAttachmentResponse><m:ResponseMessages><m:GetAttachmentResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Attachments><t:FileAttachment><t:AttachmentId Id="A1"/><t:Name>invoice.pdf</t:Name><t:Content>{content_b64}</t:Content></t:FileAttachment></m:Attachments></m:GetAttachmentResponseMessage></m:ResponseMessages></m:GetAttachmentResponse>"#
    ))
}

#[test]
fn an_email_too_large_to_fetch_whole_is_delivered_from_its_parts() {
    let h = host(&[]);
    let big = Found {
        size: 60_000_000,
        ..found("BIG")
    };
    ok(&h, find_items(&[big, found("I2")], true, 2));
    // BIG is too large even at its best (60 MB × 4/3 > 64 MiB): never asked for whole.
    ok(
        &h,
        metadata_answer(concat!(
            r#"<t:FileAttachment><t:AttachmentId Id="A1"/><t:Name>invoice.pdf</t:Name><t:ContentType>application/pdf</t:ContentType><t:Size>5</t:Size><t:IsInline>false</t:IsInline></t:FileAttachment>"#,
            r#"<t:FileAttachment><t:AttachmentId Id="A2"/><t:Name>disk.iso</t:Name><t:ContentType>application/octet-stream</t:ContentType><t:Size>59000000</t:Size><t:IsInline>false</t:IsInline></t:FileAttachment>"#,
            r#"<t:ItemAttachment><t:AttachmentId Id="A3"/><t:Name>fwd</t:Name><t:Size>100</t:Size></t:ItemAttachment>"#,
        )),
    );
    ok(&h, file_attachment_answer("JVBERi0="));
    // A3: the attached email, whose MIME turns out too large after all.
    h.fail(TransportError::TooLarge { limit: 1 });
    ok(&h, get_items(&[Ok("I2")]));
    let batch = poll_with(&h, 10, 100).unwrap();
    assert_eq!(
        batch.items.len(),
        2,
        "the small email behind it still comes"
    );
    let r = json(&batch.items[0]);
    assert_eq!(batch.items[0].id, rid("BIG"));
    let errors = r["errors"].as_array().unwrap();
    assert!(
        errors[0]
            .as_str()
            .unwrap()
            .contains("too large to fetch whole"),
        "{r}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("disk.iso")),
        "{r}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("\"fwd\"")),
        "{r}"
    );
    assert_eq!(r["eml"], Value::Null);
    assert_eq!(r["subject"], "huge invoice");
    assert_eq!(r["from"]["address"], "m@evil.com");
    assert_eq!(r["to"][0]["address"], "soc@example.com");
    assert_eq!(r["sent"], "2026-11-20T08:00:00Z");
    assert_eq!(r["headers"][0]["name"], "Received");
    assert_eq!(r["body"]["text"], "see attached");
    assert_eq!(r["change_key"], "CK2-BIG");
    let atts = r["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 3, "every attachment is listed, fetched or not");
    assert_eq!(atts[0]["file"], "invoice.pdf");
    assert_eq!(atts[1]["file"], Value::Null);
    assert_eq!(atts[1]["size"], 59_000_000);
    assert_eq!(atts[2]["kind"], "email");
    let files = &batch.items[0].files;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].data, b"%PDF-");
    // Requests: FindItem, GetItem (metadata), GetAttachment A1, GetAttachment A3, GetItem I2.
    let ops: Vec<_> = (0..h.request_count()).map(|i| body(&h, i)).collect();
    let names: Vec<_> = ops.iter().map(|b| op(b).to_string()).collect();
    assert_eq!(
        names,
        [
            "FindItem",
            "GetItem",
            "GetAttachment",
            "GetAttachment",
            "GetItem"
        ]
    );
    assert!(!ops[1].contains("IncludeMimeContent"), "{}", ops[1]);
    assert!(ops[1].contains("<t:BodyType>Text</t:BodyType>"));
    // And it is handed, so that ack marks it read like any other.
    assert_eq!(state(&h, "BIG"), Some(State::Handed));
}

#[test]
fn a_body_too_large_is_left_out() {
    let h = host(&[]);
    let big = Found {
        size: 60_000_000,
        ..found("BIG")
    };
    ok(&h, find_items(&[big], true, 1));
    h.fail(TransportError::TooLarge { limit: 1 });
    ok(&h, metadata_answer(""));
    let batch = poll_with(&h, 10, 100).unwrap();
    let r = json(&batch.items[0]);
    assert!(r["errors"][1].as_str().unwrap().contains("body"), "{r}");
    assert!(!body(&h, 2).contains("item:Body"), "{}", body(&h, 2));
}

/// The exported scope names the very buckets a poll writes, whatever the
/// case of the mailbox or folder path, and asks nothing of the server.
#[test]
fn the_exported_scope_names_the_buckets_the_poll_writes() {
    let h = host(&[("folder", "INBOX/Phishing")]);
    let scope = state_scope(&h).unwrap();
    assert_eq!(scope.len(), 16);
    assert_eq!(h.request_count(), 0);
    let lower = host(&[
        ("folder", "inbox/phishing"),
        ("primary_smtp_address", "soc@EXAMPLE.com"),
    ]);
    assert_eq!(state_scope(&lower).unwrap(), scope);
    assert_ne!(state_scope(&host(&[])).unwrap(), scope, "another folder");
    ok(&h, find_folders(&[("inbox", "Phishing")]));
    ok(&h, find_items(&[found("I1")], true, 1));
    ok(&h, get_items(&[Ok("I1")]));
    poll_with(&h, 10, 10).unwrap();
    let buckets: std::collections::BTreeSet<String> =
        h.kv.borrow().keys().map(|(b, _)| b.clone()).collect();
    assert!(
        buckets.contains(&format!("ews-daemon-{scope}")),
        "{buckets:?}"
    );
    assert!(buckets.iter().all(|b| b.ends_with(&scope)), "{buckets:?}");
    let bad = FakeHost::with_config(&[("auth_method", "basic")]);
    assert!(matches!(state_scope(&bad), Err(Failure::InvalidInput(_))));
}

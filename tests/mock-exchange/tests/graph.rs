//! Microsoft Graph on the mock, over real TCP: each route's happy path,
//! paging, $batch, strictness, tokens, permissions, faults.

mod common;

use common::{basic, post, request, Answer};
use mock_exchange::{Fault, MockExchange, MockOptions, NewMessage};
use serde_json::{json, Value};

const TENANT: &str = "contoso";
const APP: &str = "app-1";
const SECRET: &str = "s3cret";
const SOC: &str = "soc@contoso.example";
const BOB: &str = "bob@contoso.example";
const GRAPH_SCOPE: &str = "https%3A%2F%2Fgraph.microsoft.com%2F.default";
const EWS_SCOPE: &str = "https%3A%2F%2Foutlook.office365.com%2F.default";

fn start(options: MockOptions) -> MockExchange {
    let mock = MockExchange::start(options.oauth_app(TENANT, APP, SECRET)).unwrap();
    mock.add_mailbox(SOC, "SOC Team");
    mock.add_mailbox(BOB, "Bob Builder");
    mock
}

fn token(mock: &MockExchange, client: &str, scope: &str) -> String {
    let form = format!(
        "grant_type=client_credentials&client_id={client}&client_secret={SECRET}&scope={scope}"
    );
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let a = post(
        mock.addr(),
        &format!("/{TENANT}/oauth2/v2.0/token"),
        &headers,
        form.as_bytes(),
    )
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let v: Value = serde_json::from_str(&a.body).unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

struct Graph<'a> {
    mock: &'a MockExchange,
    auth: String,
}

impl Graph<'_> {
    fn new(mock: &MockExchange) -> Graph<'_> {
        Graph {
            mock,
            auth: format!("Bearer {}", token(mock, APP, GRAPH_SCOPE)),
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        extra: &[(&str, &str)],
    ) -> Answer {
        let mut headers = vec![
            ("Authorization", self.auth.as_str()),
            ("Accept", "application/json"),
        ];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        headers.extend_from_slice(extra);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        request(
            self.mock.addr(),
            method,
            &format!("/v1.0{path}"),
            &headers,
            body.as_bytes(),
        )
        .unwrap()
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let a = self.call("GET", path, None, &[]);
        (
            a.status,
            serde_json::from_str(&a.body).unwrap_or(Value::Null),
        )
    }

    fn send(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let a = self.call(method, path, Some(body), &[]);
        (
            a.status,
            serde_json::from_str(&a.body).unwrap_or(Value::Null),
        )
    }
}

fn eml(from: &str, subject: &str, body: &str) -> Vec<u8> {
    format!("From: Eve Evil <{from}>\r\nTo: {SOC}\r\nSubject: {subject}\r\nDate: Fri, 20 Nov 2026 07:00:00 +0000\r\nMessage-ID: <{}@evil.example>\r\n\r\n{body}\r\n", subject.replace(' ', "."))
        .into_bytes()
}

fn at(hour: u32) -> String {
    format!("2026-11-20T{hour:02}:00:00Z")
}

/// Ten messages in the Inbox, received 01:00..10:00, every other one read.
fn seed(mock: &MockExchange) -> Vec<String> {
    (1..=10)
        .map(|i| {
            let received = at(i);
            mock.add_message(
                SOC,
                "inbox",
                &eml(
                    "eve@evil.example",
                    &format!("Invoice {i}"),
                    &format!("pay {i} now"),
                ),
                NewMessage {
                    received: &received,
                    is_read: i % 2 == 0,
                    ..Default::default()
                },
            )
        })
        .collect()
}

fn rest(id: &str) -> String {
    id.replace('/', "-").replace('+', "_")
}

fn q(s: &str) -> String {
    s.replace(' ', "%20").replace('\'', "%27")
}

#[test]
fn tokens_are_for_one_resource() {
    let mock = start(MockOptions::default().basic_user(SOC, "pw"));
    assert!(mock.graph_url().ends_with("/v1.0"));
    let g = Graph::new(&mock);
    assert_eq!(g.get(&format!("/users/{SOC}?$select=id,mail")).0, 200);

    let ews_token = Graph {
        mock: &mock,
        auth: format!("Bearer {}", token(&mock, APP, EWS_SCOPE)),
    };
    let (s, v) = ews_token.get(&format!("/users/{SOC}"));
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    assert_eq!(
        v["error"]["message"],
        "Access token validation failure. Invalid audience."
    );

    let basic = Graph {
        mock: &mock,
        auth: basic(SOC, "pw"),
    };
    assert_eq!(basic.get(&format!("/users/{SOC}")).0, 401);

    let envelope = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>"#;
    let headers = [
        ("Authorization", g.auth.as_str()),
        ("Content-Type", "text/xml"),
    ];
    let a = post(mock.addr(), "/EWS/Exchange.asmx", &headers, envelope).unwrap();
    assert_eq!(a.status, 401, "a Graph token on EWS");
    assert_eq!(mock.graph_bad_requests(), 0);
}

#[test]
fn folders_and_a_filtered_page_with_paging() {
    let mock = start(MockOptions::default());
    mock.add_folder(SOC, "Inbox/Phishing");
    let ids = seed(&mock);
    let g = Graph::new(&mock);

    let (s, v) = g.get(&format!(
        "/users/{SOC}/mailFolders/inbox/childFolders?$select=id,displayName&$top=100"
    ));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["value"][0]["displayName"], "Phishing");
    let phishing = v["value"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        Some(phishing.replace('-', "/").replace('_', "+")),
        mock.folder_id(SOC, "Inbox/Phishing")
    );

    let filter = q(&format!(
        "receivedDateTime ge {} and isRead eq false",
        at(2)
    ));
    let path = format!("/users/{SOC}/mailFolders/inbox/messages?$filter={filter}&$orderby=receivedDateTime%20asc&$top=3&$count=true&$select=id,subject,from,isRead&$expand=singleValueExtendedProperties($filter=id%20eq%20'Integer%200x0E08')");
    let (s, v) = g.get(&path);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["@odata.count"], 4);
    let subjects: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Invoice 3", "Invoice 5", "Invoice 7"]);
    let first = &v["value"][0];
    assert_eq!(first["id"], rest(&ids[2]));
    assert_eq!(
        first["from"]["emailAddress"],
        json!({"name": "Eve Evil", "address": "eve@evil.example"})
    );
    let size = mock.message(&ids[2]).unwrap().size.to_string();
    assert_eq!(
        first["singleValueExtendedProperties"],
        json!([{"id": "Integer 0x0E08", "value": size}])
    );
    assert!(first.get("body").is_none(), "not selected");

    let next = v["@odata.nextLink"].as_str().unwrap();
    let next = next.strip_prefix(&mock.graph_url()).unwrap();
    let (s, v) = g.get(next);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    assert_eq!(v["value"][0]["subject"], "Invoice 9");
    assert!(v.get("@odata.nextLink").is_none());

    let (_, v) = g.get(&format!(
        "/users/{SOC}/messages?$filter={}&$select=subject",
        q("contains(subject,'VOICE 1') or from/emailAddress/address eq 'nobody@x'")
    ));
    let subjects: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["Invoice 10", "Invoice 1"],
        "newest first by default"
    );
    assert_eq!(mock.graph_bad_requests(), 0);
}

#[test]
fn strictness_is_a_counted_400() {
    let mock = start(MockOptions::default());
    let ids = seed(&mock);
    let g = Graph::new(&mock);
    let inbox = format!("/users/{SOC}/mailFolders/inbox/messages");
    let cases = [
        (format!("{inbox}?$foo=1"), "BadRequest"),
        (
            format!(
                "{inbox}?$filter={}&$orderby=receivedDateTime%20desc",
                q("isRead eq false and receivedDateTime ge 2026-01-01T00:00:00Z")
            ),
            "InefficientFilter",
        ),
        (
            format!("{inbox}?$search=%22invoice%22&$orderby=receivedDateTime%20desc"),
            "ErrorInvalidUrlQuery",
        ),
        (
            format!("{inbox}?$select=id,bogus"),
            "RequestBroker--ParseUri",
        ),
        (
            format!(
                "{inbox}?$filter={}",
                q("contains(from/emailAddress/address,'evil')")
            ),
            "ErrorInvalidUrlQueryFilter",
        ),
        (
            format!(
                "/users/{SOC}/messages/{}",
                ids[0].replace('/', "%2F").replace('+', "%2B")
            ),
            "ErrorInvalidIdMalformed",
        ),
        (format!("{inbox}?$top=1001"), "ErrorInvalidUrlQuery"),
    ];
    for (path, code) in &cases {
        let (s, v) = g.get(path);
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (400, Some(*code)),
            "{path}: {v}"
        );
    }
    let (s, v) = g.send(
        "PATCH",
        &format!("/users/{SOC}/messages/{}", rest(&ids[0])),
        json!({"isRead": true, "colour": "red"}),
    );
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("RequestBodyRead"))
    );
    let a = g.call(
        "POST",
        &format!("/users/{SOC}/sendMail"),
        None,
        &[("Content-Type", "application/json")],
    );
    assert_eq!(a.status, 400);
    assert_eq!(mock.graph_bad_requests(), cases.len() + 2);
    let (s, v) = g.get(&format!(
        "{inbox}?$filter={}&$orderby=receivedDateTime%20desc",
        q("receivedDateTime ge 2026-01-01T00:00:00Z and isRead eq false")
    ));
    assert_eq!((s, v["value"].as_array().map(Vec::len)), (200, Some(5)));
}

#[test]
fn search_pages_through_skiptokens() {
    let mock = start(MockOptions::default());
    seed(&mock);
    let g = Graph::new(&mock);
    let mut path = format!("/users/{SOC}/mailFolders/inbox/messages?$search=%22body:pay%20subject:invoice%22&$top=4&$select=subject");
    let mut seen = Vec::new();
    loop {
        let (s, v) = g.get(&path);
        assert_eq!(s, 200, "{v}");
        assert!(v.get("@odata.count").is_none());
        seen.extend(
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["subject"].as_str().unwrap().to_string()),
        );
        match v["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.contains("%24skiptoken="), "{next}");
                path = next.strip_prefix(&mock.graph_url()).unwrap().to_string();
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 10);
    assert_eq!(seen[0], "Invoice 10", "newest first");
    let (_, v) = g.get(&format!("/users/{SOC}/messages?$search=%22from:nobody%22"));
    assert_eq!(v["value"], json!([]));
}

#[test]
fn details_mime_attachments_and_the_read_trail() {
    let mock = start(MockOptions::default());
    let mime = b"From: Eve <eve@evil.example>\r\nTo: soc@contoso.example\r\nSubject: With file\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n--b\r\nContent-Type: text/plain; name=note.txt\r\nContent-Disposition: attachment; filename=note.txt\r\n\r\nhello note\r\n--b--\r\n";
    let id = mock.add_message(SOC, "inbox", mime, NewMessage::default());
    let g = Graph::new(&mock);
    let m = format!("/users/{SOC}/messages/{}", rest(&id));

    let a = g.call("GET", &format!("{m}?$select=subject,body,hasAttachments&$expand=attachments($select=id,name,contentType,size,isInline)"), None, &[("Prefer", "outlook.body-content-type=\"text\"")]);
    let v: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(a.status, 200, "{v}");
    assert_eq!(v["body"]["contentType"], "text");
    assert!(v["body"]["content"]
        .as_str()
        .unwrap()
        .contains("see the file"));
    assert_eq!(v["hasAttachments"], true);
    let att = &v["attachments"][0];
    assert_eq!(
        (att["@odata.type"].as_str(), att["name"].as_str()),
        (Some("#microsoft.graph.fileAttachment"), Some("note.txt"))
    );
    assert!(att.get("contentBytes").is_none());

    let a = g.call(
        "GET",
        &format!("{m}/attachments/{}/$value", att["id"].as_str().unwrap()),
        None,
        &[],
    );
    assert_eq!((a.status, a.body.trim_end()), (200, "hello note"));

    let a = g.call("GET", &format!("{m}/$value"), None, &[]);
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), ["message/rfc822"]);
    assert_eq!(a.body.as_bytes(), mime);

    assert_eq!(
        g.send("PATCH", &m, json!({"isRead": true})).1["isRead"],
        true
    );
    assert!(mock.message(&id).unwrap().is_read);
    g.call("GET", &format!("{m}/$value"), None, &[]);
    let trail = &mock.item_trails()[&id];
    assert_eq!((trail.fetches.len(), trail.fetches_after_read()), (2, 1));

    assert_eq!(
        g.call(
            "DELETE",
            &format!("{m}/attachments/{}", att["id"].as_str().unwrap()),
            None,
            &[]
        )
        .status,
        204
    );
    assert_eq!(mock.attachment_names(&id).unwrap(), Vec::<String>::new());

    mock.fail_item(&id, "ErrorItemNotFound", 1);
    let (s, v) = g.get(&m);
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("ErrorItemNotFound"))
    );
    assert_eq!(g.get(&m).0, 200);
}

#[test]
fn move_copy_delete_and_send() {
    let mock = start(MockOptions::default());
    let ids = seed(&mock);
    let g = Graph::new(&mock);
    let m = |id: &str| format!("/users/{SOC}/messages/{}", rest(id));

    let (s, v) = g.send(
        "POST",
        &format!("{}/move", m(&ids[0])),
        json!({"destinationId": "junkemail"}),
    );
    assert_eq!(s, 201, "{v}");
    assert_eq!(mock.messages(SOC, "junkemail").len(), 1);
    assert_ne!(v["id"], rest(&ids[0]), "a moved message has a new id");
    let (s, v) = g.send(
        "POST",
        &format!("{}/copy", m(&ids[1])),
        json!({"destinationId": "archive"}),
    );
    assert_eq!((s, v["changeKey"].is_string()), (201, true));
    assert_eq!(mock.messages(SOC, "archive").len(), 1);
    assert_eq!(g.call("DELETE", &m(&ids[2]), None, &[]).status, 204);
    assert_eq!(
        g.call(
            "POST",
            &format!("{}/permanentDelete", m(&ids[3])),
            None,
            &[]
        )
        .status,
        204
    );
    assert_eq!(mock.messages(SOC, "inbox").len(), 7);

    let mail = json!({"message": {"subject": "Heads up", "body": {"contentType": "text", "content": "phish going round"}, "toRecipients": [{"emailAddress": {"address": BOB}}]}, "saveToSentItems": true});
    let a = g.call("POST", &format!("/users/{SOC}/sendMail"), Some(mail), &[]);
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(mock.messages(SOC, "sentitems")[0].subject, "Heads up");
    assert_eq!(mock.messages(BOB, "inbox")[0].subject, "Heads up");

    let a = g.call("POST", &format!("{}/reply", m(&ids[4])), Some(json!({"comment": "thanks", "message": {"toRecipients": [{"emailAddress": {"address": BOB}}]}})), &[]);
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(mock.messages(BOB, "inbox")[1].subject, "Re: Invoice 5");
    let (s, _) = g.send(
        "POST",
        &format!("{}/reply", m(&ids[4])),
        json!({"comment": "x", "message": {"body": {"content": "y"}}}),
    );
    assert_eq!(s, 400, "comment and body together");
}

#[test]
fn a_draft_with_an_upload_session() {
    let mock = start(MockOptions::default());
    let g = Graph::new(&mock);
    let (s, draft) = g.send(
        "POST",
        &format!("/users/{SOC}/messages"),
        json!({"subject": "Big", "toRecipients": [{"emailAddress": {"address": BOB}}]}),
    );
    assert_eq!(
        (s, draft["isDraft"].as_bool()),
        (201, Some(true)),
        "{draft}"
    );
    let m = format!("/users/{SOC}/messages/{}", draft["id"].as_str().unwrap());
    let (s, v) = g.send(
        "PATCH",
        &m,
        json!({"isRead": true, "body": {"contentType": "text", "content": "see attached"}}),
    );
    assert_eq!(
        (
            s,
            v["body"]["content"]
                .as_str()
                .map(|b| b.contains("see attached"))
        ),
        (200, Some(true)),
        "{v}"
    );
    let (s, v) = g.send(
        "POST",
        &format!("{m}/attachments/createUploadSession"),
        json!({"AttachmentItem": {"attachmentType": "file", "name": "small.txt", "size": 10}}),
    );
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            400,
            Some("ErrorAttachmentSizeShouldNotBeLessThanMinimumSize")
        )
    );
    let size = 3 * 1024 * 1024 + 10;
    let (s, v) = g.send("POST", &format!("{m}/attachments/createUploadSession"), json!({"AttachmentItem": {"attachmentType": "file", "name": "big.log", "size": size, "contentType": "text/plain"}}));
    assert_eq!(s, 201, "{v}");
    let url = v["uploadUrl"].as_str().unwrap();
    let path = &url[url.find("/upload/").unwrap()..];
    let data = vec![b'x'; size];
    let half = size / 2;
    for (range, chunk, want) in [
        (format!("bytes 0-{}/{size}", half - 1), &data[..half], 200),
        (
            format!("bytes {half}-{}/{size}", size - 1),
            &data[half..],
            201,
        ),
    ] {
        let with_auth = request(
            mock.addr(),
            "PUT",
            path,
            &[("Content-Range", &range), ("Authorization", &g.auth)],
            chunk,
        )
        .unwrap();
        assert_eq!(
            with_auth.status, 401,
            "an upload URL takes no Authorization"
        );
        let a = request(
            mock.addr(),
            "PUT",
            path,
            &[("Content-Range", &range)],
            chunk,
        )
        .unwrap();
        assert_eq!(a.status, want, "{}", a.body);
    }
    assert_eq!(g.call("POST", &format!("{m}/send"), None, &[]).status, 202);
    let sent = mock.messages(BOB, "inbox");
    assert_eq!(sent[0].subject, "Big");
    assert!(sent[0].size > size);
    assert!(mock.messages(SOC, "drafts").is_empty());
}

#[test]
fn batch_dependencies_and_the_concurrency_limit() {
    let mock = start(MockOptions::default());
    let ids = seed(&mock);
    let g = Graph::new(&mock);
    let patch = |n: usize, id: &str, depends: Option<usize>| {
        let mut r = json!({"id": n.to_string(), "method": "PATCH", "url": format!("/users/{SOC}/messages/{}", rest(id)), "headers": {"Content-Type": "application/json"}, "body": {"isRead": true}});
        if let Some(d) = depends {
            r["dependsOn"] = json!([d.to_string()]);
        }
        r
    };
    mock.fail_item(&ids[0], "ErrorItemNotFound", 1);
    let requests: Vec<Value> = (0..8)
        .map(|i| patch(i + 1, &ids[i], (i >= 4).then(|| i - 3)))
        .collect();
    let (s, v) = g.send("POST", "/$batch", json!({"requests": requests}));
    assert_eq!(s, 200, "{v}");
    let status = |id: &str| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["status"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(status("1"), 404);
    assert_eq!(status("5"), 424, "its dependency failed");
    assert_eq!((status("2"), status("6")), (200, 200));
    assert!(
        !mock.message(&ids[4]).unwrap().is_read,
        "a 424 request does not run"
    );

    let requests: Vec<Value> = (0..6).map(|i| patch(i + 1, &ids[i], None)).collect();
    let (_, v) = g.send("POST", "/$batch", json!({"requests": requests}));
    let answers = v["responses"].as_array().unwrap();
    let throttled: Vec<&Value> = answers.iter().filter(|r| r["status"] == 429).collect();
    assert_eq!(throttled.len(), 2, "{v}");
    assert!(throttled[0]["headers"]["Retry-After"].is_string());

    let too_many: Vec<Value> = (0..21).map(|i| patch(i + 1, &ids[i % 10], None)).collect();
    assert_eq!(
        g.send("POST", "/$batch", json!({"requests": too_many})).0,
        400
    );
    let inner: Vec<_> = mock
        .graph_requests()
        .into_iter()
        .filter(|r| r.batch_id.is_some())
        .collect();
    assert_eq!(inner.len(), 14);
    assert!(inner.iter().all(|r| r.operation == "graph.updateMessage"));
}

#[test]
fn roles_access_policy_and_users() {
    let mock = start(
        MockOptions::default()
            .oauth_app(TENANT, "reader", SECRET)
            .graph_roles("reader", &["Mail.Read"])
            .oauth_app(TENANT, "scoped", SECRET)
            .access_policy("scoped", &[SOC]),
    );
    let g = Graph::new(&mock);
    let reader = Graph {
        mock: &mock,
        auth: format!("Bearer {}", token(&mock, "reader", GRAPH_SCOPE)),
    };
    let scoped = Graph {
        mock: &mock,
        auth: format!("Bearer {}", token(&mock, "scoped", GRAPH_SCOPE)),
    };

    assert_eq!(
        reader
            .get(&format!("/users/{SOC}/mailFolders/inbox?$select=id"))
            .0,
        200
    );
    let (s, v) = reader.send(
        "POST",
        &format!("/users/{SOC}/sendMail"),
        json!({"message": {"subject": "x"}}),
    );
    assert_eq!(
        (s, v["error"]["message"].as_str()),
        (
            403,
            Some("Access is denied. Check credentials and try again.")
        )
    );
    assert_eq!(scoped.get(&format!("/users/{SOC}/messages")).0, 200);
    let (s, v) = scoped.get(&format!("/users/{BOB}/messages"));
    assert_eq!(s, 403);
    assert!(v["error"]["message"].as_str().unwrap().contains("[RAOP]"));
    let (s, v) = g.get("/users/nobody@contoso.example/messages");
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("ErrorInvalidUser"))
    );

    let (s, v) = g.get(&format!(
        "/users?$select=id,displayName,mail,userPrincipalName&$filter={}&$top=999",
        q("startswith(displayName,'bob') or startswith(mail,'bob')")
    ));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    assert_eq!(v["value"][0]["mail"], BOB);
    let (_, user) = g.get(&format!("/users/{}", v["value"][0]["id"].as_str().unwrap()));
    assert_eq!(user["userPrincipalName"], BOB);
}

#[test]
fn out_of_office_and_contacts() {
    let mock = start(MockOptions::default());
    mock.set_oof(
        SOC,
        mock_exchange::OofSettings {
            state: mock_exchange::OofState::Scheduled,
            external_audience: mock_exchange::ExternalAudience::Known,
            start: "2026-11-20T08:00:00Z".into(),
            end: "2026-11-30T17:00:00Z".into(),
            internal_reply: "away".into(),
            external_reply: "out".into(),
        },
    )
    .unwrap();
    for name in ["Zed", "Amy", "Kim"] {
        mock.add_contact(
            SOC,
            mock_exchange::NewContact {
                display_name: name.into(),
                emails: vec![format!("{name}@x.example")],
                ..Default::default()
            },
        );
    }
    let g = Graph::new(&mock);
    let (s, v) = g.get(&format!(
        "/users/{SOC}/mailboxSettings/automaticRepliesSetting"
    ));
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["externalAudience"].as_str()),
        (Some("scheduled"), Some("contactsOnly"))
    );
    assert_eq!(
        v["scheduledStartDateTime"],
        json!({"dateTime": "2026-11-20T08:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(v["internalReplyMessage"], "away");

    let (s, v) = g.get(&format!("/users/{SOC}/contacts?$select=displayName,emailAddresses&$orderby=displayName&$top=2&$count=true"));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["@odata.count"], 3);
    assert_eq!(
        (
            v["value"][0]["displayName"].as_str(),
            v["value"][1]["displayName"].as_str()
        ),
        (Some("Amy"), Some("Kim"))
    );
    assert_eq!(
        v["value"][0]["emailAddresses"][0]["address"],
        "Amy@x.example"
    );
    assert!(v["@odata.nextLink"].as_str().unwrap().contains("%24skip=2"));
}

#[test]
fn injected_faults_reach_graph_operations() {
    let mock = start(MockOptions::default());
    seed(&mock);
    let g = Graph::new(&mock);
    mock.inject(
        "graph.messages",
        Fault::Status {
            code: 429,
            retry_after: Some(7),
        },
        1,
    );
    mock.inject(
        "graph.*",
        Fault::Status {
            code: 503,
            retry_after: Some(2),
        },
        1,
    );
    let path = format!("/users/{SOC}/messages?$top=1");
    let a = g.call("GET", &path, None, &[]);
    assert_eq!((a.status, a.header("retry-after")), (429, vec!["7"]));
    assert!(
        a.body.contains("\"code\":\"ApplicationThrottled\""),
        "{}",
        a.body
    );
    let a = g.call("GET", &format!("/users/{SOC}/mailFolders/inbox"), None, &[]);
    assert_eq!((a.status, a.header("retry-after")), (503, vec!["2"]));
    assert_eq!(g.get(&path).0, 200);
    assert_eq!(mock.faults_waiting(), 0);
    let ops: Vec<String> = mock
        .graph_requests()
        .into_iter()
        .map(|r| r.operation)
        .collect();
    assert_eq!(
        ops,
        ["graph.messages", "graph.mailFolder", "graph.messages"]
    );
}

#[test]
fn ews_and_graph_share_one_mailbox() {
    let mock = start(MockOptions::default().basic_user(SOC, "pw"));
    let ids = seed(&mock);
    let g = Graph::new(&mock);
    let (_, v) = g.get(&format!(
        "/users/{SOC}/mailFolders/inbox?$select=id,totalItemCount,unreadItemCount"
    ));
    assert_eq!(
        (v["totalItemCount"].as_u64(), v["unreadItemCount"].as_u64()),
        (Some(10), Some(5))
    );
    assert_eq!(
        g.send(
            "PATCH",
            &format!("/users/{SOC}/messages/{}", rest(&ids[0])),
            json!({"isRead": true})
        )
        .0,
        200
    );
    assert_eq!(
        mock.unread_count(SOC, "inbox"),
        4,
        "the EWS side sees Graph's change"
    );
}

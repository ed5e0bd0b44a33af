use super::*;

static P: &[Param] = &[
    param("mailbox", Ty::Email, "m"),
    param("item_id", Ty::ItemId, "i").required(),
    param("item_ids", Ty::ItemIds { max: 3 }, "ids"),
    param("subject", Ty::Text { max: 5, line: true }, "s"),
    param("limit", Ty::Int { min: 1, max: 10 }, "l").default("4"),
    param("kind", Ty::OneOf(&["a", "b"]), "k").default("\"a\""),
    param("to", Ty::Emails, "t"),
    param("files", Ty::FileNames { max: 9 }, "f"),
];
const ID: &str = "AAMkADEzYjJk";

fn run(v: Value) -> Result<(), String> {
    let map = v.as_object().unwrap().clone();
    check(P, &map).map(|_| ()).map_err(|e| match e {
        Error::InvalidInput(m) => m,
        other => panic!("{other:?}"),
    })
}

#[test]
fn one_table_gives_the_schema() {
    let s = schema(P);
    assert_eq!(s["required"], json!(["item_id"]));
    assert_eq!(s["additionalProperties"], json!(false));
    assert_eq!(s["properties"]["limit"]["default"], json!(4));
    assert_eq!(s["properties"]["kind"]["enum"], json!(["a", "b"]));
    assert_eq!(s["properties"]["item_ids"]["maxItems"], json!(3));
}

#[test]
fn and_the_checks_each_naming_the_parameter() {
    assert_eq!(run(json!({"item_id": ID})), Ok(()));
    // Graph's form of an id (URL-safe base64) is one too.
    assert_eq!(run(json!({"item_id": "AAMkAD-x_yAAAA=="})), Ok(()));
    let cases = [
        (json!({}), "params.item_id: required"),
        (
            json!({"item_id": ID, "colour": 1}),
            "params.colour: unknown parameter",
        ),
        (
            json!({"item_id": "not base64!"}),
            "params.item_id: expected an item id",
        ),
        (
            json!({"item_id": 7}),
            "params.item_id: expected a string (an item id",
        ),
        (
            json!({"item_id": ID, "item_ids": []}),
            "params.item_ids: expected a list of 1 to 3",
        ),
        (
            json!({"item_id": ID, "item_ids": [ID, ID, ID, ID]}),
            "params.item_ids: at most 3",
        ),
        (
            json!({"item_id": ID, "item_ids": [ID, "x"]}),
            "params.item_ids[1]: expected an item id",
        ),
        (
            json!({"item_id": ID, "subject": "a\r\nBcc: x"}),
            "params.subject: one line",
        ),
        (
            json!({"item_id": ID, "subject": "toolong"}),
            "params.subject: at most 5",
        ),
        (
            json!({"item_id": ID, "subject": "a\u{1}"}),
            "params.subject: contains U+0001",
        ),
        (
            json!({"item_id": ID, "limit": 11}),
            "params.limit: expected an integer from 1 to 10",
        ),
        (
            json!({"item_id": ID, "limit": "3"}),
            "params.limit: expected an integer",
        ),
        (
            json!({"item_id": ID, "mailbox": 3}),
            "params.mailbox: expected a string (an email address)",
        ),
        (
            json!({"item_id": ID, "kind": "c"}),
            "params.kind: expected one of a, b",
        ),
        (
            json!({"item_id": ID, "mailbox": "nobody"}),
            "params.mailbox: expected an email address",
        ),
        (
            json!({"item_id": ID, "to": ["a@b.example", "<x>"]}),
            "params.to[1]: expected an email address",
        ),
        (
            json!({"item_id": ID, "files": ["a.txt", "../b"]}),
            "params.files[1]: expected a file name without a path",
        ),
        (
            json!({"item_id": ID, "files": ["c:\\b"]}),
            "params.files[0]: expected a file name without a path",
        ),
        (
            json!({"item_id": ID, "files": ["a\nb"]}),
            "params.files[0]: one line",
        ),
    ];
    for (input, want) in cases {
        let got = run(input.clone()).unwrap_err();
        assert!(got.starts_with(want), "{input}: {got}");
    }
}

#[test]
fn defaults_come_from_the_table() {
    let map = json!({"item_id": ID}).as_object().unwrap().clone();
    let c = check(P, &map).unwrap();
    assert_eq!(c.int("limit"), Some(4));
    assert_eq!(c.str("kind").as_deref(), Some("a"));
    assert_eq!(c.str("mailbox"), None);
    assert!(!c.given("limit"));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Any JSON value, nested a little, with the awkward ones likely.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| json!(f)),
            any::<String>().prop_map(Value::from),
            Just(json!("")),
            Just(json!("x".repeat(70_000))),
            Just(json!("AAMkADEzYjJk")),
            Just(json!("soc@example.com")),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn params() -> impl Strategy<Value = Map<String, Value>> {
        let names: Vec<&'static str> = crate::actions::ALL
            .iter()
            .flat_map(|a| a.params().iter().map(|p| p.name))
            .chain(["colour", "", "item_id ", "ITEM_ID"])
            .collect();
        proptest::collection::btree_map(proptest::sample::select(names), json_value(), 0..6)
            .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    proptest! {
        #![proptest_config(crate::properties::config(2_000))]

        /// Whatever an engine sends as an action's parameters, the check
        /// answers: accepted, or invalid-input naming `params.<field>`.
        #[test]
        fn prop_every_action_checks_any_parameters_and_names_the_field(which in 0..crate::actions::ALL.len(), p in params()) {
            let action = crate::actions::ALL[which];
            match check(action.params(), &p) {
                Ok(_) => {}
                Err(Error::InvalidInput(m)) => prop_assert!(m.starts_with("params."), "{}: {}", action.about().name, m),
                Err(other) => prop_assert!(false, "{}: {:?}", action.about().name, other),
            }
        }
    }
}

//! The directory and mailbox settings: `/users` (with the `startswith`
//! filter graph.md uses), `/users/{u}`, automaticRepliesSetting from the
//! model's OofSettings, and contacts.
//! <https://learn.microsoft.com/en-us/graph/api/resources/user>
//! <https://learn.microsoft.com/en-us/graph/api/resources/automaticrepliessetting>
//! <https://learn.microsoft.com/en-us/graph/api/resources/contact>

use serde_json::{json, Map, Value};

use super::filter::{self, Fields, Kind, Schema};
use super::ids::to_rest;
use super::query::{self, page_size, Page, Query};
use super::reply::{GraphError, GraphReply, Outcome};
use super::{Ctx, Req};
use crate::model::{ExternalAudience, Mailbox, OofState};

/// The mailbox a `/users/{u}` segment names: by address (UPN) or user id.
pub fn resolve_user(ctx: &Ctx, u: &str) -> Option<String> {
    let model = &ctx.state.model;
    model
        .mailbox(u)
        .or_else(|| {
            model
                .mailboxes()
                .find(|m| m.store.user_id().eq_ignore_ascii_case(u))
        })
        .map(|m| m.address.clone())
}

const USER_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "mail",
    "userPrincipalName",
    "givenName",
    "surname",
    "jobTitle",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "businessPhones",
    "accountEnabled",
];
/// Answered only when `$select` names it.
const USER_SELECTED_ONLY: &[&str] = &["accountEnabled"];

const USER_FILTER: Schema = Schema {
    properties: &[
        ("displayName", Kind::Str),
        ("mail", Kind::Str),
        ("userPrincipalName", Kind::Str),
        ("id", Kind::Str),
    ],
    functions: &[
        ("startswith", "displayName"),
        ("startswith", "mail"),
        ("startswith", "userPrincipalName"),
    ],
    code: "Request_UnsupportedQuery",
};

struct UserFields<'a>(&'a Mailbox);

impl Fields for UserFields<'_> {
    fn get(&self, p: &str) -> filter::Value {
        let m = self.0;
        filter::Value::Str(match p {
            "displayName" => m.display_name.clone(),
            "id" => m.store.user_id(),
            _ => m.address.clone(),
        })
    }
}

fn user_json(m: &Mailbox, select: Option<&[String]>) -> Value {
    let mut o = Map::new();
    let want = |p: &str| {
        super::resources::wants_unless_selected_only(select, USER_PROPERTIES, USER_SELECTED_ONLY, p)
    };
    let all = [
        ("id", json!(m.store.user_id())),
        ("displayName", json!(m.display_name)),
        ("mail", json!(m.address)),
        ("userPrincipalName", json!(m.address)),
        ("givenName", Value::Null),
        ("surname", Value::Null),
        ("jobTitle", Value::Null),
        ("mobilePhone", Value::Null),
        ("officeLocation", Value::Null),
        ("preferredLanguage", Value::Null),
        ("businessPhones", json!([])),
        ("accountEnabled", json!(true)),
    ];
    for (k, v) in all {
        if want(k) {
            o.insert(k.into(), v);
        }
    }
    Value::Object(o)
}

fn directory_query(req: &Req, allowed: &[&str]) -> Result<Query, GraphError> {
    let q = query::parse(req.query, allowed)?;
    query::check_select(&q, USER_PROPERTIES, "microsoft.graph.user")
        .map_err(|e| GraphError::bad_request("Request_BadRequest", &e.message))?;
    Ok(q)
}

/// `GET /users`: `$filter`, `$select`, `$top` (at most 999), paged by `$skiptoken`.
pub fn users(ctx: &mut Ctx, req: &Req) -> Outcome {
    let q = directory_query(req, &["$select", "$filter", "$top", "$skiptoken"])?;
    let filter = q
        .filter
        .as_deref()
        .map(|f| filter::parse(f, &USER_FILTER))
        .transpose()?;
    let top = page_size(&q, 100, 999)
        .map_err(|e| GraphError::bad_request("Request_BadRequest", &e.message))?;
    let all: Vec<&Mailbox> = ctx
        .state
        .model
        .mailboxes()
        .filter(|m| filter.as_ref().is_none_or(|f| f.matches(&UserFields(m))))
        .collect();
    let from = q.skiptoken.unwrap_or(0).min(all.len());
    let end = (from + top).min(all.len());
    let value: Vec<Value> = all[from..end]
        .iter()
        .map(|m| user_json(m, q.select.as_deref()))
        .collect();
    let page = Page {
        base: ctx.base,
        path: req.path,
        context: "users".into(),
        total: all.len(),
        end,
        paging: "$skiptoken",
        count: false,
    };
    Ok(page.answer(&q, value))
}

/// `GET /users/{u}`.
pub fn user(ctx: &mut Ctx, req: &Req, u: &str) -> Outcome {
    let q = directory_query(req, &["$select"])?;
    let Some(address) = resolve_user(ctx, u) else {
        return Err(GraphError::new(
            404,
            "Request_ResourceNotFound",
            &format!("Resource '{u}' does not exist or one of its queried reference-property objects are not present."),
        ));
    };
    ctx.mailbox = Some(address.clone());
    let m = ctx.state.model.mailbox(&address).expect("resolved");
    let mut v = user_json(m, q.select.as_deref());
    v["@odata.context"] = json!(format!("{}/$metadata#users/$entity", ctx.base));
    Ok(GraphReply::json(200, v))
}

/// Graph's `dateTimeTimeZone`, in UTC with seven fractional digits.
fn date_time(xs: &str) -> Value {
    let ts = crate::mime::parse_datetime(xs).unwrap_or(0);
    let t = crate::mime::format_datetime(ts);
    json!({"dateTime": format!("{}.0000000", t.trim_end_matches('Z')), "timeZone": "UTC"})
}

/// `GET /users/{u}/mailboxSettings/automaticRepliesSetting`.
pub fn automatic_replies(ctx: &mut Ctx, req: &Req) -> Outcome {
    query::parse(req.query, &["$select"])?;
    let address = ctx.mailbox.clone().unwrap_or_default();
    let m = ctx.state.model.mailbox(&address).expect("resolved");
    let oof = &m.oof;
    let status = match oof.state {
        OofState::Disabled => "disabled",
        OofState::Enabled => "alwaysEnabled",
        OofState::Scheduled => "scheduled",
    };
    let audience = match oof.external_audience {
        ExternalAudience::None => "none",
        ExternalAudience::Known => "contactsOnly",
        ExternalAudience::All => "all",
    };
    Ok(GraphReply::json(
        200,
        json!({
            "@odata.context": format!("{}/$metadata#users('{}')/mailboxSettings/automaticRepliesSetting", ctx.base, address),
            "status": status,
            "externalAudience": audience,
            "scheduledStartDateTime": date_time(&oof.start),
            "scheduledEndDateTime": date_time(&oof.end),
            "internalReplyMessage": oof.internal_reply,
            "externalReplyMessage": oof.external_reply,
        }),
    ))
}

const CONTACT_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "surname",
    "companyName",
    "jobTitle",
    "emailAddresses",
    "businessPhones",
    "homePhones",
    "mobilePhone",
    "changeKey",
    "parentFolderId",
    "createdDateTime",
    "lastModifiedDateTime",
    "categories",
];

/// `GET /users/{u}/contacts`: `$select`, `$orderby=displayName`, `$top`, `$skip`, `$count`.
pub fn contacts(ctx: &mut Ctx, req: &Req) -> Outcome {
    let q = query::parse(
        req.query,
        &["$select", "$orderby", "$top", "$skip", "$count"],
    )?;
    query::check_select(&q, CONTACT_PROPERTIES, "Microsoft.OutlookServices.Contact")?;
    let address = ctx.mailbox.clone().unwrap_or_default();
    let store = &ctx.state.model.mailbox(&address).expect("resolved").store;
    let mut all: Vec<&crate::contacts::StoredContact> = store.contacts.iter().collect();
    match &q.orderby {
        None => {}
        Some((p, desc)) if p.eq_ignore_ascii_case("displayName") => {
            all.sort_by_key(|c| c.contact.display_name.to_lowercase());
            if *desc {
                all.reverse();
            }
        }
        Some((p, _)) => {
            return Err(GraphError::bad_request(
                "ErrorInvalidProperty",
                &format!("The mock sorts contacts by displayName only, not '{p}'."),
            ))
        }
    }
    let top = page_size(&q, 10, 1000)?;
    let from = q.skip.min(all.len());
    let end = (from + top).min(all.len());
    let value: Vec<Value> = all[from..end]
        .iter()
        .map(|c| {
            let n = &c.contact;
            let want =
                |p: &str| super::resources::wants(q.select.as_deref(), CONTACT_PROPERTIES, p);
            let phones = |key: &str| -> Vec<String> {
                n.phones
                    .iter()
                    .filter(|(k, _)| k.starts_with(key))
                    .map(|(_, v)| v.clone())
                    .collect()
            };
            let all = [
                ("@odata.etag", json!(format!("W/\"{}\"", c.change_key))),
                ("id", json!(to_rest(&c.id))),
                ("changeKey", json!(c.change_key)),
                ("parentFolderId", json!(to_rest(&c.folder))),
                ("categories", json!([])),
                ("displayName", json!(n.display_name)),
                ("givenName", json!(n.given_name)),
                ("surname", json!(n.surname)),
                ("companyName", json!(n.company)),
                ("jobTitle", json!(n.job_title)),
                (
                    "emailAddresses",
                    n.emails
                        .iter()
                        .take(3)
                        .map(|e| json!({"name": e, "address": e}))
                        .collect::<Vec<_>>()
                        .into(),
                ),
                ("businessPhones", json!(phones("BusinessPhone"))),
                ("homePhones", json!(phones("HomePhone"))),
                ("mobilePhone", json!(phones("MobilePhone").first())),
            ];
            let mut o = Map::new();
            for (k, v) in all {
                if k.starts_with('@') || want(k) {
                    o.insert(k.into(), v);
                }
            }
            Value::Object(o)
        })
        .collect();
    let page = Page {
        base: ctx.base,
        path: req.path,
        context: format!("users('{address}')/contacts"),
        total: all.len(),
        end,
        paging: "$skip",
        count: q.count,
    };
    Ok(page.answer(&q, value))
}

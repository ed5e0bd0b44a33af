//! mailFolders: one folder (by well-known name or id) and its childFolders.
//! <https://learn.microsoft.com/en-us/graph/api/mailfolder-list-childfolders>

use serde_json::{json, Value};

use super::ids;
use super::query::{self, page_size, Page};
use super::reply::{GraphError, GraphReply, Outcome};
use super::resources::{self, FOLDER_PROPERTIES};
use super::{Ctx, Req};

/// The store id of a folder named by a well-known name or a REST id.
pub fn resolve(ctx: &Ctx, f: &str) -> Result<String, GraphError> {
    let address = ctx.mailbox.as_deref().unwrap_or_default();
    let store = &ctx.state.model.mailbox(address).expect("resolved").store;
    // EWS's `root` is no well-known name of Graph's.
    if let Some(folder) = store
        .distinguished(f)
        .filter(|_| !f.eq_ignore_ascii_case(crate::store::EWS_ROOT))
    {
        return Ok(folder.id.clone());
    }
    let id = ids::from_rest(f)?;
    store
        .folder(&id)
        .map(|f| f.id.clone())
        .ok_or_else(GraphError::item_not_found)
}

pub fn folder(ctx: &mut Ctx, req: &Req, f: &str) -> Outcome {
    let q = query::parse(req.query, &["$select"])?;
    query::check_select(
        &q,
        FOLDER_PROPERTIES,
        "Microsoft.OutlookServices.MailFolder",
    )?;
    let id = resolve(ctx, f)?;
    let address = ctx.mailbox.clone().unwrap_or_default();
    let store = &ctx.state.model.mailbox(&address).expect("resolved").store;
    let mut v = resources::folder(
        store,
        store.folder(&id).expect("resolved"),
        q.select.as_deref(),
    );
    v["@odata.context"] = json!(format!(
        "{}/$metadata#users('{address}')/mailFolders/$entity",
        ctx.base
    ));
    Ok(GraphReply::json(200, v))
}

pub fn child_folders(ctx: &mut Ctx, req: &Req, f: &str) -> Outcome {
    let q = query::parse(req.query, &["$select", "$top", "$skip", "$count"])?;
    query::check_select(
        &q,
        FOLDER_PROPERTIES,
        "Microsoft.OutlookServices.MailFolder",
    )?;
    let id = resolve(ctx, f)?;
    let top = page_size(&q, 10, 1000)?;
    let address = ctx.mailbox.clone().unwrap_or_default();
    let store = &ctx.state.model.mailbox(&address).expect("resolved").store;
    let all: Vec<_> = store.children(&id).collect();
    let from = q.skip.min(all.len());
    let end = (from + top).min(all.len());
    let value: Vec<Value> = all[from..end]
        .iter()
        .map(|c| resources::folder(store, c, q.select.as_deref()))
        .collect();
    let page = Page {
        base: ctx.base,
        path: req.path,
        context: format!("users('{address}')/mailFolders('{f}')/childFolders"),
        total: all.len(),
        end,
        paging: "$skip",
        count: q.count,
    };
    Ok(page.answer(&q, value))
}

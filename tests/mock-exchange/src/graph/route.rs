//! Which Graph resource a URL names, the operation name it is recorded
//! under, the application permissions it needs, and the call that serves it.
//! Segment names fold case, as Graph's do; an unknown segment is Graph's 400
//! "Resource not found for the segment".

use super::reply::{GraphError, Outcome};
use super::{attachments, directory, folders, messages, outgoing, Ctx, Req};
use crate::auth::token_endpoint::percent_decode;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Batch,
    Users,
    User(String),
    AutoReplies(String),
    Folder(String, String),
    ChildFolders(String, String),
    /// A mailbox's messages, or a folder's.
    Messages(String, Option<String>),
    Message(String, String),
    Mime(String, String),
    /// `move`, `copy`, `permanentDelete`, `send`, `reply`, `replyAll`,
    /// `createReply`, `createReplyAll`.
    Action(String, String, &'static str),
    Attachments(String, String),
    UploadSession(String, String),
    Attachment(String, String, String),
    AttachmentValue(String, String, String),
    SendMail(String),
    Contacts(String),
}

const ACTIONS: &[&str] = &[
    "move",
    "copy",
    "permanentDelete",
    "send",
    "reply",
    "replyAll",
    "createReply",
    "createReplyAll",
];

fn not_found(segment: &str) -> GraphError {
    GraphError::bad_request(
        "BadRequest",
        &format!("Resource not found for the segment '{segment}'."),
    )
}

fn is(segment: &str, name: &str) -> bool {
    segment.eq_ignore_ascii_case(name)
}

impl Route {
    pub fn parse(method: &str, path: &str) -> Result<Route, GraphError> {
        let _ = method;
        let segs: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_decode(s.as_bytes(), false))
            .collect();
        let s: Vec<&str> = segs.iter().map(String::as_str).collect();
        match s.as_slice() {
            [] => Err(not_found("")),
            ["$batch"] => Ok(Route::Batch),
            [me, ..] if is(me, "me") => Err(GraphError::bad_request(
                "BadRequest",
                "/me request is only valid with delegated authentication flow.",
            )),
            [users] if is(users, "users") => Ok(Route::Users),
            [users, u, rest @ ..] if is(users, "users") => Self::mailbox(u, rest),
            [other, ..] => Err(not_found(other)),
        }
    }

    fn mailbox(u: &str, rest: &[&str]) -> Result<Route, GraphError> {
        let u = u.to_string();
        match rest {
            [] => Ok(Route::User(u)),
            [ms, ar] if is(ms, "mailboxSettings") && is(ar, "automaticRepliesSetting") => {
                Ok(Route::AutoReplies(u))
            }
            [send] if is(send, "sendMail") || is(send, "microsoft.graph.sendMail") => {
                Ok(Route::SendMail(u))
            }
            [c] if is(c, "contacts") => Ok(Route::Contacts(u)),
            [mf, f] if is(mf, "mailFolders") => Ok(Route::Folder(u, f.to_string())),
            [mf, f, cf] if is(mf, "mailFolders") && is(cf, "childFolders") => {
                Ok(Route::ChildFolders(u, f.to_string()))
            }
            [mf, f, m] if is(mf, "mailFolders") && is(m, "messages") => {
                Ok(Route::Messages(u, Some(f.to_string())))
            }
            [mf, _, m, id, tail @ ..] if is(mf, "mailFolders") && is(m, "messages") => {
                Self::message(u, id, tail)
            }
            [m] if is(m, "messages") => Ok(Route::Messages(u, None)),
            [m, id, tail @ ..] if is(m, "messages") => Self::message(u, id, tail),
            [other, ..] => Err(not_found(other)),
        }
    }

    fn message(u: String, id: &str, tail: &[&str]) -> Result<Route, GraphError> {
        let id = id.to_string();
        match tail {
            [] => Ok(Route::Message(u, id)),
            ["$value"] => Ok(Route::Mime(u, id)),
            [a] if is(a, "attachments") => Ok(Route::Attachments(u, id)),
            [a, c] if is(a, "attachments") && is(c, "createUploadSession") => {
                Ok(Route::UploadSession(u, id))
            }
            [a, aid] if is(a, "attachments") => Ok(Route::Attachment(u, id, aid.to_string())),
            [a, aid, "$value"] if is(a, "attachments") => {
                Ok(Route::AttachmentValue(u, id, aid.to_string()))
            }
            [action] => {
                let bare = action.strip_prefix("microsoft.graph.").unwrap_or(action);
                ACTIONS
                    .iter()
                    .find(|a| is(a, bare))
                    .map(|a| Route::Action(u, id, a))
                    .ok_or_else(|| not_found(action))
            }
            [other, ..] => Err(not_found(other)),
        }
    }

    /// The operation name a request is recorded (and faulted) under.
    pub fn operation(&self, method: &str) -> &'static str {
        let get = method == "GET";
        match self {
            Route::Batch => "graph.batch",
            Route::Users => "graph.users",
            Route::User(_) => "graph.user",
            Route::AutoReplies(_) => "graph.automaticRepliesSetting",
            Route::Folder(..) => "graph.mailFolder",
            Route::ChildFolders(..) => "graph.childFolders",
            Route::Messages(..) if get => "graph.messages",
            Route::Messages(..) => "graph.createMessage",
            Route::Message(..) => match method {
                "PATCH" => super::UPDATE_MESSAGE,
                "DELETE" => "graph.deleteMessage",
                _ => "graph.message",
            },
            Route::Mime(..) => super::MIME,
            Route::Action(_, _, a) => match *a {
                "move" => "graph.move",
                "copy" => "graph.copy",
                "permanentDelete" => "graph.permanentDelete",
                "send" => "graph.send",
                "reply" => "graph.reply",
                "replyAll" => "graph.replyAll",
                "createReply" => "graph.createReply",
                _ => "graph.createReplyAll",
            },
            Route::Attachments(..) if get => "graph.attachments",
            Route::Attachments(..) => "graph.addAttachment",
            Route::UploadSession(..) => "graph.createUploadSession",
            Route::Attachment(..) if method == "DELETE" => "graph.deleteAttachment",
            Route::Attachment(..) => "graph.attachment",
            Route::AttachmentValue(..) => "graph.attachmentValue",
            Route::SendMail(_) => "graph.sendMail",
            Route::Contacts(_) => "graph.contacts",
        }
    }

    /// The mailbox of `/users/{u}/...` (not `/users/{u}` itself, a directory read).
    pub fn mailbox_segment(&self) -> Option<&str> {
        match self {
            Route::Batch | Route::Users | Route::User(_) => None,
            Route::AutoReplies(u)
            | Route::Folder(u, _)
            | Route::ChildFolders(u, _)
            | Route::Messages(u, _)
            | Route::Message(u, _)
            | Route::Mime(u, _)
            | Route::Action(u, _, _)
            | Route::Attachments(u, _)
            | Route::UploadSession(u, _)
            | Route::Attachment(u, _, _)
            | Route::AttachmentValue(u, _, _)
            | Route::SendMail(u)
            | Route::Contacts(u) => Some(u),
        }
    }
}

/// The application permissions any one of which allows an operation.
/// <https://learn.microsoft.com/en-us/graph/permissions-reference>
fn roles_for(operation: &str) -> &'static [&'static str] {
    const READ: &[&str] = &["Mail.Read", "Mail.ReadWrite"];
    const WRITE: &[&str] = &["Mail.ReadWrite"];
    const SEND: &[&str] = &["Mail.Send"];
    match operation {
        "graph.users" | "graph.user" => &[
            "User.Read.All",
            "User.ReadBasic.All",
            "User.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ],
        "graph.automaticRepliesSetting" => &["MailboxSettings.Read", "MailboxSettings.ReadWrite"],
        "graph.contacts" => &["Contacts.Read", "Contacts.ReadWrite"],
        "graph.sendMail" | "graph.send" | "graph.reply" | "graph.replyAll" => SEND,
        "graph.mailFolder"
        | "graph.childFolders"
        | "graph.messages"
        | "graph.message"
        | "graph.mime"
        | "graph.attachments"
        | "graph.attachment"
        | "graph.attachmentValue" => READ,
        _ => WRITE,
    }
}

fn method_not_allowed(method: &str) -> GraphError {
    GraphError::new(
        405,
        "Request_BadRequest",
        &format!("The HTTP method '{method}' is not supported for this resource."),
    )
}

/// Checks the method, the roles, the user and the access policy; runs the call.
pub fn run(ctx: &mut Ctx, req: &Req) -> Outcome {
    let op = req.route.operation(req.method);
    let allowed: &[&str] = match &req.route {
        Route::Messages(..) | Route::Attachments(..) => &["GET", "POST"],
        Route::Message(..) => &["GET", "PATCH", "DELETE"],
        Route::Attachment(..) => &["GET", "DELETE"],
        Route::Action(..) | Route::SendMail(_) | Route::UploadSession(..) | Route::Batch => {
            &["POST"]
        }
        _ => &["GET"],
    };
    if !allowed.contains(&req.method) {
        return Err(method_not_allowed(req.method));
    }
    let roles = ctx.options.roles_of(ctx.client_id);
    if !roles_for(op).iter().any(|r| roles.iter().any(|h| h == r)) {
        return Err(GraphError::new(
            403,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        ));
    }
    if let Some(u) = req.route.mailbox_segment() {
        let address = directory::resolve_user(ctx, u).ok_or_else(|| {
            GraphError::new(
                404,
                "ErrorInvalidUser",
                &format!("The requested user '{u}' is invalid."),
            )
        })?;
        if !ctx.options.policy_allows(ctx.client_id, &address) {
            return Err(GraphError::new(
                403,
                "ErrorAccessDenied",
                "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.",
            ));
        }
        ctx.mailbox = Some(address);
    }
    match &req.route {
        Route::Batch => Err(GraphError::bad_request(
            "BadRequest",
            "A $batch cannot be nested in a $batch.",
        )),
        Route::Users => directory::users(ctx, req),
        Route::User(u) => directory::user(ctx, req, u),
        Route::AutoReplies(_) => directory::automatic_replies(ctx, req),
        Route::Contacts(_) => directory::contacts(ctx, req),
        Route::Folder(_, f) => folders::folder(ctx, req, f),
        Route::ChildFolders(_, f) => folders::child_folders(ctx, req, f),
        Route::Messages(_, f) if req.method == "GET" => messages::list(ctx, req, f.as_deref()),
        Route::Messages(_, f) => outgoing::create(ctx, req, f.as_deref()),
        Route::Message(_, id) => match req.method {
            "PATCH" => messages::update(ctx, req, id),
            "DELETE" => messages::delete(ctx, id),
            _ => messages::get(ctx, req, id),
        },
        Route::Mime(_, id) => messages::mime(ctx, req, id),
        Route::Action(_, id, action) => match *action {
            "move" | "copy" => messages::move_or_copy(ctx, req, id, *action == "copy"),
            "permanentDelete" => messages::delete(ctx, id),
            "send" => outgoing::send_draft(ctx, req, id),
            "reply" | "replyAll" => outgoing::reply(ctx, req, id, *action == "replyAll", false),
            _ => outgoing::reply(ctx, req, id, *action == "createReplyAll", true),
        },
        Route::Attachments(_, id) if req.method == "GET" => attachments::list(ctx, req, id),
        Route::Attachments(_, id) => attachments::add(ctx, req, id),
        Route::UploadSession(_, id) => super::upload::create(ctx, req, id),
        Route::Attachment(_, id, aid) if req.method == "DELETE" => {
            attachments::delete(ctx, req, id, aid)
        }
        Route::Attachment(_, id, aid) => attachments::get(ctx, req, id, aid),
        Route::AttachmentValue(_, id, aid) => attachments::value(ctx, req, id, aid),
        Route::SendMail(_) => outgoing::send_mail(ctx, req),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_resources() {
        let r = |p: &str| Route::parse("GET", p);
        assert_eq!(
            r("/users/a%40b.example/mailFolders/inbox/childFolders").unwrap(),
            Route::ChildFolders("a@b.example".into(), "inbox".into())
        );
        assert_eq!(
            r("/users/u/messages/AAMk/attachments/AAMk.1/$value").unwrap(),
            Route::AttachmentValue("u".into(), "AAMk".into(), "AAMk.1".into())
        );
        assert_eq!(
            r("/users/u/messages/AAMk/microsoft.graph.move").unwrap(),
            Route::Action("u".into(), "AAMk".into(), "move")
        );
        assert_eq!(
            r("/users/u/messages/id/frobnicate").unwrap_err().status,
            400
        );
        assert_eq!(r("/me/messages").unwrap_err().status, 400);
        assert_eq!(r("/groups").unwrap_err().status, 400);
        assert_eq!(
            Route::Message("u".into(), "i".into()).operation("PATCH"),
            "graph.updateMessage"
        );
    }
}

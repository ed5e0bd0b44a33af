//! CreateAttachment, on drafts the mock holds (a reply with files is sent
//! as a draft): the files join the draft, whose MIME is composed again and
//! which gets a new change key, answered as RootItemChangeKey.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createattachment-operation>

use super::common::{self, EwsError};
use super::sending;
use super::{Call, Reply};
use crate::soap::MESSAGES_NS;

pub const ELEMENT: &str = "CreateAttachment";
const MESSAGE: &str = "CreateAttachmentResponseMessage";

fn apply(call: &mut Call) -> Result<(String, String, usize), EwsError> {
    let request = &call.envelope.operation;
    let id = request
        .child(MESSAGES_NS, "ParentItemId")
        .and_then(|p| p.attr("Id"))
        .unwrap_or_default()
        .to_string();
    let files = sending::file_attachments(request.child(MESSAGES_NS, "Attachments"))?;
    let owner = call
        .model
        .find_message(&id)
        .map(|(mb, _)| mb.address.clone())
        .ok_or_else(EwsError::item_not_found)?;
    common::check_access(call, &owner)?;
    let count = files.len();
    let key = sending::edit_draft(call.model, &owner, &id, |d| d.attachments.extend(files))?;
    Ok((id, key, count))
}

pub fn handle(call: &mut Call) -> Reply {
    let result = apply(call);
    Reply::Ok(common::response(
        "CreateAttachmentResponse",
        |x| match result {
            Err(e) => common::error_message(x, MESSAGE, &e, |_| {}),
            Ok((id, key, count)) => {
                for n in 0..count {
                    let tag = common::success_start(x, MESSAGE);
                    x.start("m:Attachments", &[]);
                    x.start("t:FileAttachment", &[]);
                    let attachment = format!("{id}:{n}");
                    x.empty(
                        "t:AttachmentId",
                        &[
                            ("Id", &attachment),
                            ("RootItemId", &id),
                            ("RootItemChangeKey", &key),
                        ],
                    );
                    x.end("t:FileAttachment");
                    x.end("m:Attachments");
                    x.end(&tag);
                }
            }
        },
    ))
}

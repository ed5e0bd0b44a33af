//! The EWS endpoint's pipeline, in Exchange's order: authentication (401), injected
//! faults, schema validation (ErrorSchemaValidation), impersonation, then the
//! operation. Every request is validated and recorded, whatever its fate.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request};

use crate::auth;
use crate::faults::{self, Fault};
use crate::impersonation::act_as;
use crate::ops::{self, Call, Reply};
use crate::schema::{Issue, Schema};
use crate::server::{self, respond, set_header, Dropped, HttpResponse, Shared};
use crate::soap::{self, Envelope, SoapFault, MESSAGES_NS, TYPES_NS};
use crate::{dom, RecordedRequest};

const XML: &str = "text/xml; charset=utf-8";

pub async fn handle(shared: &Arc<Shared>, req: Request<Incoming>) -> Result<HttpResponse, Dropped> {
    let mut rec = RecordedRequest {
        anchor_mailbox: server::header(&req, "x-anchormailbox"),
        client_request_id: server::header(&req, "client-request-id"),
        ..RecordedRequest::default()
    };
    let authorization = server::header(&req, "authorization");
    if req.method() != Method::POST {
        return Ok(finish(
            shared,
            rec,
            respond(405, "text/plain", "Method Not Allowed"),
        ));
    }
    let body = match server::read_body(req).await {
        Ok(body) => body,
        Err(response) => return Ok(finish(shared, rec, response)),
    };
    let envelope = dom::parse(&body).and_then(soap::read_envelope);
    let issues = validate(&shared.schema, &body, &envelope);
    rec.schema_errors = issues.iter().map(describe).collect();
    if let Ok(env) = &envelope {
        rec.operation = env.operation_name().to_string();
        rec.impersonated = env.impersonation.clone();
        rec.server_version = env.server_version.clone();
        rec.item_count = item_count(&env.operation);
    }

    let principal = {
        let state = shared.lock();
        auth::authenticate(authorization.as_deref(), &shared.options, &state.tokens)
    };
    let principal = match principal {
        Ok(p) => p,
        Err(challenge) => {
            let mut response = respond(401, "text/plain", "");
            for value in &challenge.www_authenticate {
                set_header(&mut response, "www-authenticate", value);
            }
            if let Some(diagnostics) = challenge.diagnostics {
                set_header(&mut response, "x-ms-diagnostics", diagnostics);
            }
            return Ok(finish(shared, rec, response));
        }
    };
    rec.auth_scheme = Some(principal.scheme().to_string());

    let fault = shared.lock().faults.take(&rec.operation);
    let truncate = fault == Some(Fault::Truncate);
    match fault {
        Some(Fault::DropConnection) => {
            shared.record(rec);
            return Err(Dropped);
        }
        Some(Fault::Delay { ms }) => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
        Some(Fault::ServerBusy { backoff_ms }) => {
            return Ok(finish(
                shared,
                rec,
                fault_response(&faults::server_busy(backoff_ms)),
            ))
        }
        Some(Fault::Status { code, retry_after }) => {
            return Ok(finish(shared, rec, server::status_fault(code, retry_after)))
        }
        Some(Fault::MalformedXml) => {
            return Ok(finish(
                shared,
                rec,
                respond(200, XML, faults::MALFORMED_XML),
            ))
        }
        Some(Fault::Redirect { to }) => return Ok(finish(shared, rec, faults::redirect(&to))),
        Some(Fault::HtmlPage { status }) => {
            return Ok(finish(shared, rec, faults::html_page(status)))
        }
        Some(Fault::Truncate) | None => {}
    }

    let env = match (issues.first(), envelope) {
        (None, Ok(env)) => env,
        (first, _) => {
            let first = first.cloned().unwrap_or(Issue {
                line: 0,
                column: 0,
                message: "invalid request".into(),
            });
            return Ok(finish(shared, rec, fault_response(&schema_fault(&first))));
        }
    };
    let response = {
        let mut state = shared.lock();
        match act_as(&principal, &env, &state.model) {
            Err(fault) => fault_response(&fault),
            Ok((mailbox, app_only)) => match ops::find(&env.operation.name) {
                None => fault_response(&SoapFault::ews(
                    "ErrorInvalidRequest",
                    &format!(
                        "The mock Exchange server does not implement {}.",
                        env.operation_name()
                    ),
                )),
                Some(handler) => {
                    let mut call = Call {
                        envelope: &env,
                        mailbox: &mailbox,
                        app_only,
                        model: &mut state.model,
                    };
                    match handler(&mut call) {
                        Reply::Ok(xml) => respond(200, XML, xml),
                        Reply::Fault(fault) => fault_response(&fault),
                    }
                }
            },
        }
    };
    // Carried out, then cut: the client cannot know the operation happened.
    let response = if truncate {
        faults::truncate(response).await
    } else {
        response
    };
    Ok(finish(shared, rec, response))
}

/// How many items a GetItem or UpdateItem names.
fn item_count(op: &dom::Element) -> usize {
    let container = match op.name.as_str() {
        "GetItem" => "ItemIds",
        "UpdateItem" => "ItemChanges",
        _ => return 0,
    };
    op.child(MESSAGES_NS, container)
        .map_or(0, |c| c.children.len())
}

fn finish(shared: &Shared, mut rec: RecordedRequest, mut response: HttpResponse) -> HttpResponse {
    rec.status = response.status().as_u16();
    if let Some(id) = &rec.client_request_id {
        set_header(&mut response, "client-request-id", id);
    }
    shared.record(rec);
    response
}

fn fault_response(fault: &SoapFault) -> HttpResponse {
    respond(500, XML, fault.to_xml())
}

fn describe(issue: &Issue) -> String {
    format!(
        "line {}, position {}: {}",
        issue.line, issue.column, issue.message
    )
}

/// Schema errors, plus what the lax envelope schema lets through: an undeclared
/// header or body element, or a body element outside the messages namespace.
pub fn validate(schema: &Schema, body: &[u8], envelope: &Result<Envelope, String>) -> Vec<Issue> {
    if let Err(issues) = schema.validate(body) {
        return issues;
    }
    let issue = |message: String| Issue {
        line: 0,
        column: 0,
        message,
    };
    let env = match envelope {
        Ok(env) => env,
        Err(message) => return vec![issue(message.clone())],
    };
    let mut issues = Vec::new();
    for h in &env.header {
        if h.ns != TYPES_NS || !schema.is_type_element(&h.name) {
            issues.push(issue(format!(
                "The element '{}' in namespace '{}' is not an EWS SOAP header.",
                h.name, h.ns
            )));
        }
    }
    let op = &env.operation;
    if op.ns != MESSAGES_NS || !schema.is_message_element(&op.name) {
        issues.push(issue(format!(
            "The element 'Body' in namespace '{}' has invalid child element '{}' in namespace '{}'.",
            soap::SOAP_NS,
            op.name,
            op.ns
        )));
    }
    issues
}

/// Exchange's schema validation fault.
pub fn schema_fault(first: &Issue) -> SoapFault {
    let mut fault = SoapFault::ews(
        "ErrorSchemaValidation",
        "The request failed schema validation.",
    );
    fault.fault_string = format!("The request failed schema validation: {}", first.message);
    fault.message_xml = vec![
        ("LineNumber".into(), None, first.line.to_string()),
        ("LinePosition".into(), None, first.column.to_string()),
        ("Violation".into(), None, first.message.clone()),
    ];
    fault
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{envelope, OOF};

    #[test]
    fn lax_parts_of_the_envelope_are_checked() {
        let schema = crate::schema::shared().unwrap();
        let (xml, env) = envelope(r#"<t:RequestServerVersion Version="Exchange2016"/>"#, OOF);
        assert_eq!(validate(&schema, &xml, &env), vec![]);
        let (xml, env) = envelope("", "<m:GetUserOofSetings/>");
        assert!(validate(&schema, &xml, &env)[0]
            .message
            .contains("invalid child element 'GetUserOofSetings'"));
        let (xml, env) = envelope("", "<t:Mailbox><t:Address>x</t:Address></t:Mailbox>");
        assert_eq!(validate(&schema, &xml, &env).len(), 1);
        let (xml, env) = envelope("<t:RequestServerVersoin/>", OOF);
        assert_eq!(validate(&schema, &xml, &env).len(), 1);
        let (xml, env) = envelope(r#"<t:RequestServerVersion Version="Exchange2099"/>"#, OOF);
        assert!(!validate(&schema, &xml, &env).is_empty());
    }

    #[test]
    fn schema_fault_carries_line_and_position() {
        let fault = schema_fault(&Issue {
            line: 3,
            column: 7,
            message: "Element 'x': bad".into(),
        });
        let xml = String::from_utf8(fault.to_xml()).unwrap();
        assert!(
            xml.contains("The request failed schema validation: Element 'x': bad"),
            "{xml}"
        );
        assert!(
            xml.contains("<t:LineNumber>3</t:LineNumber><t:LinePosition>7</t:LinePosition>"),
            "{xml}"
        );
    }
}

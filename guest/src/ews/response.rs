//! The parts of every EWS answer that do not depend on the operation: the
//! SOAP envelope, faults, and ResponseMessage classes and codes.

use super::error::{CodeDetail, Error};
use super::xml::{self, Element};

/// The element inside soap:Body (`GetUserOofSettingsResponse`...), or the
/// fault as an error.
pub fn body(bytes: &[u8]) -> Result<Element, Error> {
    let root = xml::parse(bytes).map_err(Error::Malformed)?;
    into_body(root)
}

/// Moves the answer out of the envelope rather than copying it: a GetItem
/// answer holds megabytes of MIME, and two copies of it could exceed the
/// call's memory limit.
fn into_body(mut root: Element) -> Result<Element, Error> {
    if root.name != "Envelope" {
        return Err(Error::Malformed(format!(
            "expected a SOAP Envelope, got <{}>",
            root.name
        )));
    }
    let at = root
        .children
        .iter()
        .position(|c| c.name == "Body")
        .ok_or_else(|| Error::Malformed("no SOAP Body".into()))?;
    let mut body = root.children.swap_remove(at);
    if body.children.is_empty() {
        return Err(Error::Malformed("an empty SOAP Body".into()));
    }
    let first = body.children.swap_remove(0);
    if first.name == "Fault" {
        return Err(fault(&first));
    }
    Ok(first)
}

/// A fault whose body did not otherwise parse as an answer still tells why.
pub fn fault(f: &Element) -> Error {
    let detail = f.child("detail").map(|d| CodeDetail {
        code: d.child_text("ResponseCode").unwrap_or_default().to_string(),
        text: d.child_text("Message").unwrap_or_default().to_string(),
        message_xml: d.child("MessageXml").map(message_xml).unwrap_or_default(),
    });
    Error::Fault {
        faultcode: f.child_text("faultcode").unwrap_or_default().to_string(),
        faultstring: f.child_text("faultstring").unwrap_or_default().to_string(),
        detail: detail.unwrap_or_default(),
    }
}

/// `Ok` for ResponseClass Success or Warning; the code as an error otherwise.
pub fn check(message: &Element) -> Result<(), Error> {
    match message.attr("ResponseClass") {
        Some("Success") | Some("Warning") => Ok(()),
        Some("Error") => Err(Error::Response(code_detail(message))),
        other => Err(Error::Malformed(format!(
            "<{}> has ResponseClass {:?}, expected Success, Warning or Error",
            message.name, other
        ))),
    }
}

pub fn code_detail(message: &Element) -> CodeDetail {
    CodeDetail {
        code: message
            .child_text("ResponseCode")
            .unwrap_or_default()
            .to_string(),
        text: message
            .child_text("MessageText")
            .unwrap_or_default()
            .to_string(),
        message_xml: message
            .child("MessageXml")
            .map(message_xml)
            .unwrap_or_default(),
    }
}

/// `<t:Value Name="BackOffMilliseconds">297749</t:Value>` and any other
/// leaf elements, as (name, text) pairs.
fn message_xml(m: &Element) -> Vec<(String, String)> {
    m.children
        .iter()
        .map(|c| match (c.name.as_str(), c.attr("Name")) {
            ("Value", Some(name)) => (name.to_string(), c.text.trim().to_string()),
            _ => (c.name.clone(), c.text.trim().to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUSY_FAULT: &str = r#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode><faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message><t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="BackOffMilliseconds">297749</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>"#;

    #[test]
    fn reads_a_busy_fault() {
        let Err(Error::Fault {
            faultcode, detail, ..
        }) = body(BUSY_FAULT.as_bytes())
        else {
            panic!()
        };
        assert_eq!(faultcode, "a:ErrorServerBusy");
        assert_eq!(detail.code, "ErrorServerBusy");
        assert_eq!(detail.value("BackOffMilliseconds"), Some("297749"));
    }

    #[test]
    fn reads_microsofts_client_fault_sample() {
        let sample = include_str!("../../testdata/GetUserOofSettings-SoapClientFault-response.xml");
        let Err(Error::Fault {
            faultcode,
            faultstring,
            detail,
        }) = body(sample.as_bytes())
        else {
            panic!()
        };
        assert_eq!(faultcode, "soap:Client");
        assert!(faultstring.contains("AccessDeniedException"));
        assert_eq!(detail.code, "");
    }

    #[test]
    fn reads_an_error_response_message() {
        let sample = include_str!("../../testdata/DeleteItem-ErrorItemNotFound-response.xml");
        let resp = body(sample.as_bytes()).unwrap();
        let msg = resp.find("DeleteItemResponseMessage").unwrap();
        let Err(Error::Response(d)) = check(msg) else {
            panic!()
        };
        assert_eq!(d.code, "ErrorItemNotFound");
        assert_eq!(d.text, "The specified object was not found in the store.");
    }

    #[test]
    fn refuses_what_is_not_an_envelope() {
        assert!(matches!(
            body(b"<html><body>login</body></html>"),
            Err(Error::Malformed(_))
        ));
        assert!(matches!(
            body(b"<Envelope><Body/></Envelope>"),
            Err(Error::Malformed(_))
        ));
    }
}

//! The daemon's `Watch` as a FindItem Restriction: And(IsRead = false,
//! Or(Subject contains k...), Received >= after, Received < before,
//! Or(FromSmtp contains "@d"..., Not(Exists(FromSmtp)))); an And or Or of one
//! operand is written as that operand alone.
//!
//! The sender's domain is prefiltered on PidTagSentRepresentingSmtpAddress,
//! which FindItem returns (it never returns From's address): "@evil.com" is
//! a prefix of the exact match, so the prefilter never drops a matching
//! email, and the daemon finishes the match (notevil.com never contains
//! "@evil.com", but evil.com.example does). An email without the property is
//! let through and decided on its MIME.

use super::operations::find_item::{Expr, Prop, FROM_SMTP_TAG};
use crate::mailbox::Watch;
use crate::time::format_rfc3339_utc;

pub fn restriction(w: &Watch) -> Expr {
    let mut all = vec![Expr::IsEqualTo("message:IsRead", "false".into())];
    let any: Vec<Expr> = w
        .keywords
        .iter()
        .map(|k| Expr::Contains("item:Subject".into(), k.clone()))
        .collect();
    all.extend(Expr::any(any));
    if let Some(t) = w.after {
        all.push(Expr::IsGreaterThanOrEqualTo(
            "item:DateTimeReceived",
            format_rfc3339_utc(t),
        ));
    }
    if let Some(t) = w.before {
        all.push(Expr::IsLessThan(
            "item:DateTimeReceived",
            format_rfc3339_utc(t),
        ));
    }
    if !w.sender_domains.is_empty() {
        let from = Prop::StringTag(FROM_SMTP_TAG);
        let mut any: Vec<Expr> = w
            .sender_domains
            .iter()
            .map(|d| Expr::Contains(from, format!("@{d}")))
            .collect();
        any.push(Expr::Not(Box::new(Expr::Exists(from))));
        all.extend(Expr::any(any));
    }
    if all.len() == 1 {
        all.remove(0)
    } else {
        Expr::And(all)
    }
}

//! The demo organisation the binary serves: the Basic user's mailbox (or
//! `soc@contoso.example`) with a scheduled out-of-office whose replies need
//! escaping and are not ASCII, plus `analyst@contoso.example`.

use crate::model::{ExternalAudience, Model, OofSettings, OofState};

/// The mailbox seeded when no Basic user names one.
pub const DEFAULT_MAILBOX: &str = "soc@contoso.example";
/// The second demo mailbox.
pub const ANALYST: &str = "analyst@contoso.example";

/// Seeds `model` with the demo mailboxes; `primary` is the Basic user's address.
pub fn seed(model: &mut Model, primary: Option<&str>) {
    let primary = primary
        .filter(|p| p.contains('@'))
        .unwrap_or(DEFAULT_MAILBOX);
    model.add_mailbox(primary, "Security Operations (Démo)");
    if let Some(mailbox) = model.mailbox_mut(primary) {
        mailbox.oof = OofSettings {
            state: OofState::Scheduled,
            external_audience: ExternalAudience::All,
            start: "2026-11-20T08:00:00Z".into(),
            end: "2026-11-30T17:00:00Z".into(),
            internal_reply:
                "Absent jusqu'au 30 novembre — écrivez à <analyst@contoso.example> & l'équipe."
                    .into(),
            external_reply:
                "Away until 30 Nov. Urgent? Call +1 555 0100 & ask for Zoë <on-call>. 不在です。"
                    .into(),
        };
    }
    model.add_mailbox(ANALYST, "Analyst");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_both_mailboxes() {
        let mut model = Model::default();
        seed(&mut model, Some("user@contoso.example"));
        let oof = &model.mailbox("user@contoso.example").unwrap().oof;
        assert_eq!(oof.state, OofState::Scheduled);
        assert!(
            oof.internal_reply.contains('&')
                && oof.internal_reply.contains('<')
                && !oof.external_reply.is_ascii()
        );
        assert!(model.contains(ANALYST));
        let mut model = Model::default();
        seed(&mut model, Some("DOMAIN\\user"));
        assert!(model.contains(DEFAULT_MAILBOX));
    }
}

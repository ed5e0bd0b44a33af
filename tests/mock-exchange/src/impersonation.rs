//! ExchangeImpersonation as Exchange Online applies it: an app-only (Bearer) caller
//! must impersonate a mailbox and may impersonate any; a Basic user acts on its own
//! mailbox and may not impersonate another.

use crate::auth::Principal;
use crate::model::Model;
use crate::soap::{Envelope, SoapFault};

/// The mailbox a request acts as, and whether the caller is an app (full access).
pub fn act_as(
    principal: &Principal,
    env: &Envelope,
    model: &Model,
) -> Result<(String, bool), SoapFault> {
    let target = env.impersonation.as_deref().filter(|t| !t.is_empty());
    let no_mailbox = || {
        SoapFault::ews(
            "ErrorNonExistentMailbox",
            "The SMTP address has no mailbox associated with it.",
        )
    };
    match principal {
        Principal::App { .. } => {
            let target = target.ok_or_else(|| {
                SoapFault::ews(
                    "ErrorInvalidExchangeImpersonationHeaderData",
                    "ExchangeImpersonation SOAP header must be present for this type of OAuth token.",
                )
            })?;
            let mailbox = model.mailbox(target).ok_or_else(no_mailbox)?;
            Ok((mailbox.address.clone(), true))
        }
        Principal::Basic { user } => match target {
            None => Ok((user.clone(), false)),
            Some(t) if t.eq_ignore_ascii_case(user) => Ok((user.clone(), false)),
            Some(t) if !model.contains(t) => Err(no_mailbox()),
            Some(_) => Err(SoapFault::ews(
                "ErrorImpersonateUserDenied",
                "The account does not have permission to impersonate the requested user.",
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{envelope, OOF};

    #[test]
    fn impersonation_rules() {
        let mut model = Model::default();
        model.add_mailbox("user@contoso.example", "User");
        model.add_mailbox("other@contoso.example", "Other");
        let app = Principal::App {
            tenant: "t".into(),
            client_id: "c".into(),
        };
        let basic = Principal::Basic {
            user: "user@contoso.example".into(),
        };
        let imp = |who: &str| {
            format!("<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>{who}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>")
        };
        let code = |r: Result<(String, bool), SoapFault>| r.unwrap_err().response_code.unwrap();

        let (_, env) = envelope("", OOF);
        assert_eq!(
            code(act_as(&app, &env.unwrap(), &model)),
            "ErrorInvalidExchangeImpersonationHeaderData"
        );
        let (_, env) = envelope("", OOF);
        assert_eq!(
            act_as(&basic, &env.unwrap(), &model).unwrap(),
            ("user@contoso.example".into(), false)
        );
        let (_, env) = envelope(&imp("OTHER@contoso.example"), OOF);
        let env = env.unwrap();
        assert_eq!(
            act_as(&app, &env, &model).unwrap(),
            ("other@contoso.example".into(), true)
        );
        assert_eq!(
            code(act_as(&basic, &env, &model)),
            "ErrorImpersonateUserDenied"
        );
        let (_, env) = envelope(&imp("User@contoso.example"), OOF);
        assert!(act_as(&basic, &env.unwrap(), &model).is_ok());
        let (_, env) = envelope(&imp("ghost@contoso.example"), OOF);
        let env = env.unwrap();
        assert_eq!(code(act_as(&app, &env, &model)), "ErrorNonExistentMailbox");
        assert_eq!(
            code(act_as(&basic, &env, &model)),
            "ErrorNonExistentMailbox"
        );
    }
}

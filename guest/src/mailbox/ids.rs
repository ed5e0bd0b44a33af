//! Item and folder ids in the two forms Exchange hands out: EWS ids are
//! standard base64, Graph's "REST ids" the same bytes in URL-safe base64
//! (`/` as `-`, `+` as `_`), as Office.js's `convertToRestId` converts them.
//! Either transport accepts either form, and the daemon's record id hashes
//! the EWS form, so that moving a mailbox from EWS to Graph keeps every
//! record id and checkpoint entry.

/// The EWS form (standard base64) of an id in either form.
pub fn ews_form(id: &str) -> String {
    id.replace('-', "/").replace('_', "+")
}

/// The Graph (REST) form of an id in either form.
pub fn rest_form(id: &str) -> String {
    id.replace('/', "-").replace('+', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_forms_convert_both_ways_and_are_idempotent() {
        let ews = "AAMkAD+x/y==";
        let rest = "AAMkAD_x-y==";
        assert_eq!(rest_form(ews), rest);
        assert_eq!(ews_form(rest), ews);
        assert_eq!(ews_form(ews), ews);
        assert_eq!(rest_form(rest), rest);
    }
}

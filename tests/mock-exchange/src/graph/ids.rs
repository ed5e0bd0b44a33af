//! Graph's "REST ids": the EWS id in URL-safe form (`/` → `-`, `+` → `_`), as
//! Office.js `convertToRestId` makes them. An id in a URL that still has `/`
//! or `+` is an EWS id, which Graph refuses (ErrorInvalidIdMalformed).
//! <https://learn.microsoft.com/en-us/office/dev/add-ins/outlook/use-rest-api#convert-item-ids>

use super::reply::GraphError;

pub fn to_rest(ews: &str) -> String {
    ews.replace('/', "-").replace('+', "_")
}

/// The store's id for a REST id from a URL or a body.
pub fn from_rest(rest: &str) -> Result<String, GraphError> {
    let ok = rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='));
    if !ok {
        return Err(GraphError::malformed_id());
    }
    let ews = rest.replace('-', "/").replace('_', "+");
    if !crate::ops::common::well_formed(&ews) {
        return Err(GraphError::malformed_id());
    }
    Ok(ews)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_ews_ids_are_refused() {
        let ews = "AAMkAD/+abc=";
        assert_eq!(to_rest(ews), "AAMkAD-_abc=");
        assert_eq!(from_rest(&to_rest(ews)).unwrap(), ews);
        assert_eq!(from_rest(ews).unwrap_err().code, "ErrorInvalidIdMalformed");
        assert!(from_rest("inbox").is_err());
    }
}

//! Graph's JSON resources as far as the component reads them
//! (learn.microsoft.com/graph/api/resources/message and its neighbours).
//! Every field is optional: Graph leaves out what `$select` did not ask for.

use serde::{Deserialize, Deserializer};

/// Graph answers `null` for an empty collection now and then: read as empty.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// A collection page.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(default = "Vec::new", deserialize_with = "nullable")]
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
    #[serde(rename = "@odata.count")]
    pub count: Option<u64>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct EmailAddress {
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct Recipient {
    #[serde(rename = "emailAddress", default, deserialize_with = "nullable")]
    pub email_address: EmailAddress,
}

#[derive(Debug, Deserialize, Default)]
pub struct ItemBody {
    #[serde(rename = "contentType")]
    pub content_type: Option<String>,
    pub content: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Header {
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub value: String,
}

#[derive(Debug, Deserialize)]
pub struct ExtendedProperty {
    pub id: String,
    pub value: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub change_key: Option<String>,
    pub subject: Option<String>,
    pub received_date_time: Option<String>,
    pub sent_date_time: Option<String>,
    pub from: Option<Recipient>,
    pub sender: Option<Recipient>,
    #[serde(default, deserialize_with = "nullable")]
    pub to_recipients: Vec<Recipient>,
    #[serde(default, deserialize_with = "nullable")]
    pub cc_recipients: Vec<Recipient>,
    #[serde(default, deserialize_with = "nullable")]
    pub bcc_recipients: Vec<Recipient>,
    #[serde(default, deserialize_with = "nullable")]
    pub reply_to: Vec<Recipient>,
    pub is_read: Option<bool>,
    pub has_attachments: Option<bool>,
    pub importance: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub categories: Vec<String>,
    pub internet_message_id: Option<String>,
    pub body_preview: Option<String>,
    pub body: Option<ItemBody>,
    pub internet_message_headers: Option<Vec<Header>>,
    pub attachments: Option<Vec<Attachment>>,
    pub single_value_extended_properties: Option<Vec<ExtendedProperty>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub id: String,
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<u64>,
    #[serde(default, deserialize_with = "nullable")]
    pub is_inline: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailFolder {
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub display_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    pub change_key: Option<String>,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub company_name: Option<String>,
    pub job_title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub email_addresses: Vec<EmailAddress>,
    #[serde(default, deserialize_with = "nullable")]
    pub business_phones: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub home_phones: Vec<String>,
    pub mobile_phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub display_name: Option<String>,
    pub mail: Option<String>,
    pub user_principal_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeTimeZone {
    pub date_time: String,
    pub time_zone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomaticRepliesSetting {
    pub status: Option<String>,
    pub external_audience: Option<String>,
    pub scheduled_start_date_time: Option<DateTimeTimeZone>,
    pub scheduled_end_date_time: Option<DateTimeTimeZone>,
    pub internal_reply_message: Option<String>,
    pub external_reply_message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadSession {
    pub upload_url: String,
}

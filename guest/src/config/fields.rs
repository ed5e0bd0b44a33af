//! Every configuration key of docs/contract.md, once: the loader takes its
//! defaults from here and the manifest publishes it, so they cannot drift.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    String,
    Integer,
    /// A JSON array of strings.
    Array,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub ty: Type,
    pub default: Option<&'static str>,
    /// Read with `secrets.reveal`, never from config.
    pub secret: bool,
    /// A URL the component calls: the host allow-lists its scheme, host and port.
    pub outbound: bool,
    pub format: Option<&'static str>,
    pub allowed: &'static [&'static str],
    pub description: &'static str,
}

pub const AUTH_METHODS: &[&str] = &["oauth2", "basic"];

/// The transports: EWS (on-premises Exchange, and Exchange Online until EWS
/// is switched off there on 1 April 2027) or Microsoft Graph.
pub const APIS: &[&str] = &["ews", "graph"];

/// ExchangeVersionType values of types.xsd that a current server accepts.
pub const SERVER_VERSIONS: &[&str] = &[
    "Exchange2007_SP1",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2013",
    "Exchange2013_SP1",
    "Exchange2015",
    "Exchange2016",
    "V2015_10_05",
    "V2016_01_06",
    "V2016_04_13",
    "V2016_07_13",
    "V2016_10_10",
    "V2017_01_07",
    "V2017_04_14",
    "V2017_07_11",
    "V2017_10_09",
    "V2018_01_08",
];

pub const DEFAULT_EWS_URL: &str = "https://outlook.office365.com/EWS/Exchange.asmx";
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";
pub const DEFAULT_TOKEN_URL: &str = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token";

const fn field(key: &'static str, description: &'static str) -> Field {
    Field {
        key,
        ty: Type::String,
        default: None,
        secret: false,
        outbound: false,
        format: None,
        allowed: &[],
        description,
    }
}

pub const FIELDS: &[Field] = &[
    Field {
        default: Some("ews"),
        allowed: APIS,
        ..field(
            "api",
            "ews (Exchange Web Services: on-premises Exchange, Basic auth) or graph (Microsoft Graph: \
             Exchange Online, OAuth 2.0 only); the same actions, parameters and records on both",
        )
    },
    Field {
        default: Some(DEFAULT_GRAPH_URL),
        outbound: true,
        format: Some("uri"),
        ..field("graph_url", "Microsoft Graph endpoint with its version (api = graph)")
    },
    Field {
        default: Some("https://outlook.office.com"),
        outbound: true,
        format: Some("uri"),
        ..field(
            "graph_upload_url",
            "Where Graph's upload sessions for attachments over 3 MB point (api = graph): only allow-listed, \
             the URL itself comes from Graph",
        )
    },
    Field { default: Some(DEFAULT_EWS_URL), outbound: true, format: Some("uri"), ..field("ews_url", "EWS endpoint") },
    Field {
        default: Some("oauth2"),
        allowed: AUTH_METHODS,
        ..field("auth_method", "oauth2 (client credentials, Exchange Online) or basic (on-premises)")
    },
    field("username", "Basic auth user (UPN or DOMAIN\\user); required for basic"),
    Field { secret: true, ..field("password", "Basic auth password; required for basic") },
    Field {
        format: Some("email"),
        ..field(
            "primary_smtp_address",
            "The mailbox acted on, through ExchangeImpersonation and X-AnchorMailbox; required for oauth2",
        )
    },
    field("tenant", "Azure AD tenant id or domain; required for oauth2"),
    field("client_id", "Application (client) id; required for oauth2"),
    Field { secret: true, ..field("client_secret", "Application client secret; required for oauth2") },
    Field {
        default: Some(DEFAULT_TOKEN_URL),
        outbound: true,
        format: Some("uri"),
        ..field("token_url", "OAuth 2.0 token endpoint; {tenant} is replaced by tenant")
    },
    Field {
        default: Some("Exchange2016"),
        allowed: SERVER_VERSIONS,
        ..field("server_version", "RequestServerVersion sent with every request")
    },
    Field { ty: Type::Integer, default: Some("60"), ..field("request_timeout_secs", "Timeout of each HTTP request, in seconds") },
    // The mail-ingest daemon (docs/daemon.md).
    Field {
        default: Some("Inbox"),
        ..field(
            "folder",
            "Daemon: the folder to ingest, a path from the mailbox root such as Inbox/Phishing \
             (first segment may be a distinguished folder name; matched case-insensitively), or id:<FolderId>",
        )
    },
    Field {
        ty: Type::Array,
        ..field("subject_keywords", "Daemon: JSON array; ingest only emails whose subject contains one of them (case-insensitive)")
    },
    Field {
        ty: Type::Array,
        ..field("sender_domains", "Daemon: JSON array; ingest only emails whose From address's domain is exactly one of them")
    },
    Field {
        format: Some("date-time"),
        ..field("received_after", "Daemon: RFC 3339; ingest only emails received at or after it")
    },
    Field {
        format: Some("date-time"),
        ..field("received_before", "Daemon: RFC 3339; ingest only emails received before it")
    },
    Field { ty: Type::Integer, default: Some("1000"), ..field("max_per_poll", "Daemon: the most emails one poll returns") },
    Field {
        ty: Type::Integer,
        default: Some("67108864"),
        ..field("max_batch_bytes", "Daemon: byte budget of one poll's emails (a single larger email still goes, alone)")
    },
];

pub fn default_of(key: &str) -> Option<&'static str> {
    FIELDS.iter().find(|f| f.key == key).and_then(|f| f.default)
}

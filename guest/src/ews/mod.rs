//! The EWS protocol: envelope, shared client, answers and errors, and one
//! module per operation. Knows nothing of actions or of wit-bindgen.

pub mod client;
pub mod envelope;
pub mod error;
pub mod mailbox;
pub mod operations;
pub mod response;
pub mod search;
pub mod types;
pub mod watch;
pub mod xml;

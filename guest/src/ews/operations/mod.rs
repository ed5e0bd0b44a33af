//! One module per EWS operation, each with its request writer and its answer
//! reader, as exchangelib's `services/` has one file per service.

pub mod get_user_oof_settings;

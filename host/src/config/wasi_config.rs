//! `wasi:config/store@0.2.0-rc.1`: the component's settings, read-only.
//! Only guest keys are here; host-only keys and secrets never are.

use crate::bindings::wasi::config::store::{Error, Host};
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct ConfigState {
    pub values: Arc<BTreeMap<String, String>>,
}

impl Host for ConfigState {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<String>, Error>> {
        Ok(Ok(self.values.get(&key).cloned()))
    }

    fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, Error>> {
        Ok(Ok(self
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()))
    }
}

//! An in-memory `Host` for unit tests: scripted HTTP answers, a settable
//! clock, a map for config, secrets and key-value, and a record of requests.

use super::*;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};

#[derive(Default)]
pub struct FakeHost {
    pub now: Cell<u64>,
    pub config: RefCell<BTreeMap<String, String>>,
    pub secrets: RefCell<BTreeMap<String, String>>,
    /// (bucket, key) -> value.
    pub kv: RefCell<BTreeMap<(String, String), Vec<u8>>>,
    pub responses: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
    pub requests: RefCell<Vec<HttpRequest>>,
    pub logs: RefCell<Vec<String>>,
}

impl FakeHost {
    pub fn with_config(pairs: &[(&str, &str)]) -> Self {
        let host = FakeHost::default();
        host.now.set(1_700_000_000);
        for (k, v) in pairs {
            host.config
                .borrow_mut()
                .insert(k.to_string(), v.to_string());
        }
        host
    }

    pub fn secret(self, name: &str, value: &str) -> Self {
        self.secrets.borrow_mut().insert(name.into(), value.into());
        self
    }

    pub fn respond(&self, status: u16, headers: &[(&str, &str)], body: &str) {
        let headers = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.responses.borrow_mut().push_back(Ok(HttpResponse {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        }));
    }

    pub fn fail(&self, err: TransportError) {
        self.responses.borrow_mut().push_back(Err(err));
    }

    pub fn request(&self, i: usize) -> HttpRequest {
        self.requests.borrow()[i].clone()
    }

    pub fn request_count(&self) -> usize {
        self.requests.borrow().len()
    }
}

impl Host for FakeHost {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.requests.borrow_mut().push(request.clone());
        self.responses
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| Err(TransportError::Network("no scripted response".into())))
    }
    fn now_unix_secs(&self) -> u64 {
        self.now.get()
    }
    fn random_bytes(&self, len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(37).wrapping_add(11))
            .collect()
    }
    fn config_get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(self.config.borrow().get(key).cloned())
    }
    fn secret(&self, name: &str) -> Result<Option<String>, String> {
        Ok(self.secrets.borrow().get(name).cloned())
    }
    fn kv_get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.kv.borrow().get(&(bucket.into(), key.into())).cloned())
    }
    fn kv_set(&self, bucket: &str, key: &str, value: &[u8]) -> Result<(), String> {
        self.kv
            .borrow_mut()
            .insert((bucket.into(), key.into()), value.to_vec());
        Ok(())
    }
    fn kv_delete(&self, bucket: &str, key: &str) -> Result<(), String> {
        self.kv.borrow_mut().remove(&(bucket.into(), key.into()));
        Ok(())
    }
    fn kv_keys(&self, bucket: &str) -> Result<Vec<String>, String> {
        Ok(self
            .kv
            .borrow()
            .keys()
            .filter(|(b, _)| b == bucket)
            .map(|(_, k)| k.clone())
            .collect())
    }
    fn log(&self, level: Level, context: &str, message: &str) {
        self.logs
            .borrow_mut()
            .push(format!("{level:?} {context}: {message}"));
    }
}

//! The component's self-description (`manifest.describe()`), parsed into
//! what the host needs: config fields (secret? outbound?) and actions.

use crate::error::Failure;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub config: Vec<ConfigField>,
    #[serde(default)]
    pub actions: Vec<Action>,
    /// The document exactly as the component wrote it, for `describe`.
    #[serde(skip)]
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConfigField {
    pub key: String,
    #[serde(rename = "type", default)]
    pub ty: String,
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub outbound: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub kind: String,
}

impl Manifest {
    pub fn parse(json: &str) -> Result<Manifest, Failure> {
        let raw: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| Failure::internal(format!("the component's manifest is not JSON: {e}")))?;
        let mut m: Manifest = serde_json::from_value(raw).map_err(|e| {
            Failure::internal(format!("the component's manifest is malformed: {e}"))
        })?;
        m.text = json.trim().to_string();
        Ok(m)
    }

    pub fn secret_keys(&self) -> impl Iterator<Item = &str> {
        self.config
            .iter()
            .filter(|f| f.secret)
            .map(|f| f.key.as_str())
    }

    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// The action list for `--help`: one line each, name, kind, title.
    pub fn actions_help(&self) -> String {
        let width = self.actions.iter().map(|a| a.name.len()).max().unwrap_or(0);
        let mut out = format!(
            "Actions of {} ({} {}):\n",
            self.title, self.name, self.version
        );
        for a in &self.actions {
            out.push_str(&format!(
                "  {:width$}  {:12}  {}\n",
                a.name, a.kind, a.title
            ));
        }
        out
    }
}

impl ConfigField {
    /// The manifest default as a wasi:config string (arrays as JSON).
    pub fn default_string(&self) -> Option<String> {
        self.default.as_ref().map(crate::config::value_to_string)
    }
}

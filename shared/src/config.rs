//! Function configuration, read once per cold start from the environment (or, for the local
//! server, from the environment `template.yaml` gives each function).

use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing environment variable {0}")]
    Missing(&'static str),
    #[error("environment variable {0} must be true or false")]
    NotBool(&'static str),
    #[error("environment variable {0} is invalid: {1}")]
    Invalid(&'static str, String),
    #[error("loading the keys at start-up failed: {0}")]
    Keys(String),
}

/// A function's environment variables.
#[derive(Debug, Clone, Default)]
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn from_process() -> Self {
        Self(std::env::vars().collect())
    }

    pub fn from_map(map: HashMap<String, String>) -> Self {
        Self(map)
    }

    pub fn require(&self, name: &'static str) -> Result<String, ConfigError> {
        self.0
            .get(name)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or(ConfigError::Missing(name))
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.is_empty()).cloned()
    }

    pub fn get_or(&self, name: &str, default: &str) -> String {
        self.0
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    }

    pub fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.0.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if v == "true" => Ok(true),
            Some(v) if v == "false" => Ok(false),
            Some(_) => Err(ConfigError::NotBool(name)),
        }
    }
}

/// Names of the environment variables that `template.yaml` sets.
pub mod vars {
    pub const ACCOUNTS_TABLE: &str = "ACCOUNTS_TABLE";
    pub const SESSIONS_TABLE: &str = "SESSIONS_TABLE";
    pub const REQUESTS_TABLE: &str = "REQUESTS_TABLE";
    pub const CERTIFICATES_TABLE: &str = "CERTIFICATES_TABLE";
    pub const RECORDS_TABLE: &str = "RECORDS_TABLE";
    pub const DOCUMENTS_BUCKET: &str = "DOCUMENTS_BUCKET";
    pub const SIGNING_KEY_ID: &str = "SIGNING_KEY_ID";
    pub const LOOKUP_KEY_ID: &str = "LOOKUP_KEY_ID";
    pub const DATA_KEY_ID: &str = "DATA_KEY_ID";
    pub const ISSUING_UNIT: &str = "ISSUING_UNIT";
    pub const ISSUE_WITH_ENTRIES: &str = "ISSUE_WITH_ENTRIES";
    pub const IDENTITY_ISSUERS: &str = "IDENTITY_ISSUERS";
    pub const AUDIT_TABLE: &str = "AUDIT_TABLE";
    pub const VERIFICATION_PAGE_URL: &str = "VERIFICATION_PAGE_URL";
    pub const METRICS_NAMESPACE: &str = "METRICS_NAMESPACE";
}

//! Function configuration, read once per cold start from the environment (or, for the local
//! server, from the environment `template.yaml` gives each function).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

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
    #[error("the stack outputs have no {0}")]
    MissingOutput(&'static str),
}

/// A function's environment variables, and the names its code asked for (given or not):
/// the local stack compares those with what `template.yaml` gives each function.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    asked: Arc<Mutex<BTreeSet<String>>>,
}

/// Read from the process by the telemetry (logs and metrics), not through [`Env`].
pub const PROCESS_VARS: &[&str] = &["RUST_LOG", vars::METRICS_NAMESPACE];

/// Asked for through [`Env::get`] and given only where they apply: `template.yaml` need not.
pub const OPTIONAL_VARS: &[&str] = &[vars::MAIL_SMTP_ADDRESS];

impl Env {
    pub fn from_process() -> Self {
        Self::from_map(std::env::vars().collect())
    }

    pub fn from_map(vars: HashMap<String, String>) -> Self {
        Self {
            vars,
            asked: Arc::default(),
        }
    }

    /// The resource settings a deployed stack's outputs name (see [`RESOURCES`]), as the
    /// functions' environment would have them. Outputs the table does not list are ignored;
    /// a listed one that is missing is an error.
    pub fn from_outputs(outputs: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut env: HashMap<String, String> = RESOURCES
            .iter()
            .map(|(var, output)| {
                outputs
                    .get(*output)
                    .map(|v| (var.to_string(), v.clone()))
                    .ok_or(ConfigError::MissingOutput(output))
            })
            .collect::<Result<_, _>>()?;
        for (var, output) in SETTINGS_FROM_OUTPUTS {
            if let Some(v) = outputs.get(*output) {
                env.insert(var.to_string(), v.clone());
            }
        }
        Ok(Self::from_map(env))
    }

    /// The same environment with one more variable (a template parameter a function gets).
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    pub fn require(&self, name: &'static str) -> Result<String, ConfigError> {
        self.get(name).ok_or(ConfigError::Missing(name))
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.asked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned());
        self.vars.get(name).filter(|v| !v.is_empty()).cloned()
    }

    /// The names given.
    pub fn given(&self) -> BTreeSet<String> {
        self.vars.keys().cloned().collect()
    }

    /// The names asked for so far, by this environment and its clones.
    pub fn asked(&self) -> BTreeSet<String> {
        self.asked.lock().unwrap_or_else(|e| e.into_inner()).clone()
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
    pub const SHARES_TABLE: &str = "SHARES_TABLE";
    pub const ORGANISATIONS_TABLE: &str = "ORGANISATIONS_TABLE";
    pub const CONSENTS_TABLE: &str = "CONSENTS_TABLE";
    pub const WEBHOOKS_TABLE: &str = "WEBHOOKS_TABLE";
    pub const VERIFICATION_PAGE_URL: &str = "VERIFICATION_PAGE_URL";
    pub const METRICS_NAMESPACE: &str = "METRICS_NAMESPACE";
    /// The SES identity notices are sent from.
    pub const NOTICE_SENDER: &str = "NOTICE_SENDER";
    /// The portal's address, linked from notices.
    pub const PORTAL_URL: &str = "PORTAL_URL";
    /// Local stack only: an SMTP sink to send notices to instead of SES.
    pub const MAIL_SMTP_ADDRESS: &str = "MAIL_SMTP_ADDRESS";
    /// The RFC 3161 timestamping authority every seal is stamped by (PAdES-B-T).
    pub const TIMESTAMP_AUTHORITY_URL: &str = "TIMESTAMP_AUTHORITY_URL";
    /// Its certificate (PEM), then its issuers': tokens must be signed with the first.
    pub const TIMESTAMP_AUTHORITY_CERTIFICATES: &str = "TIMESTAMP_AUTHORITY_CERTIFICATES";
    /// `true`: operators without an enrolled second factor cannot sign in.
    pub const REQUIRE_OPERATOR_TOTP: &str = "REQUIRE_OPERATOR_TOTP";
    /// The wallet providers' certificates (PEM) whose attestations the issuer accepts.
    pub const WALLET_PROVIDER_CERTIFICATES: &str = "WALLET_PROVIDER_CERTIFICATES";
    /// Not given to any function: only ops' tools sign with the trust root.
    pub const TRUST_ROOT_KEY_ID: &str = "TRUST_ROOT_KEY_ID";
    /// The access CA's key: signs relying parties' access certificates (ops' tools only).
    pub const ACCESS_CA_KEY_ID: &str = "ACCESS_CA_KEY_ID";
}

/// Every resource a function may be told about: its environment variable, and the output of
/// `template.yaml` that names the same resource (what the admin tool, the local stack and the
/// tests read). The one table of these names.
/// Settings a stack's outputs may also give tools outside Lambda (the admin tool publishes
/// status lists, whose address comes from the verification page's).
pub const SETTINGS_FROM_OUTPUTS: &[(&str, &str)] = &[
    (vars::VERIFICATION_PAGE_URL, "VerificationPageUrl"),
    // What the admin tool's notices need (a record change told to the person).
    (vars::PORTAL_URL, "PortalUrl"),
    (vars::NOTICE_SENDER, "NoticeSender"),
    // The local stack's SMTP sink (no such output when deployed: SES then).
    (vars::MAIL_SMTP_ADDRESS, "LocalMailSmtpAddress"),
];

pub const RESOURCES: &[(&str, &str)] = &[
    (vars::ACCOUNTS_TABLE, "AccountsTableName"),
    (vars::SESSIONS_TABLE, "SessionsTableName"),
    (vars::REQUESTS_TABLE, "RequestsTableName"),
    (vars::CERTIFICATES_TABLE, "CertificatesTableName"),
    (vars::RECORDS_TABLE, "RecordsTableName"),
    (vars::AUDIT_TABLE, "AuditTableName"),
    (vars::SHARES_TABLE, "SharesTableName"),
    (vars::ORGANISATIONS_TABLE, "OrganisationsTableName"),
    (vars::CONSENTS_TABLE, "ConsentsTableName"),
    (vars::WEBHOOKS_TABLE, "WebhooksTableName"),
    (vars::DOCUMENTS_BUCKET, "DocumentsBucketName"),
    (vars::SIGNING_KEY_ID, "SigningKeyId"),
    (vars::TRUST_ROOT_KEY_ID, "TrustRootKeyId"),
    (vars::ACCESS_CA_KEY_ID, "AccessCaKeyId"),
    (vars::DATA_KEY_ID, "DataKeyId"),
    (vars::LOOKUP_KEY_ID, "LookupKeyId"),
];

//! The AWS source of ports: for the functions from their environment, and for the admin tool,
//! the local stack and the tests from the stack's outputs (through [`Env::from_outputs`]).
//! Keys are loaded once, when it is loaded; the service graphs are built from it by
//! [`crate::wiring::ServiceGraphs`]. Missing configuration is an error at cold start; defaults
//! live in `template.yaml` only.

use super::dynamo::{
    DynamoAccounts, DynamoAudit, DynamoCertificates, DynamoOrganisations, DynamoPending,
    DynamoPresentations, DynamoRecords, DynamoRequests, DynamoSessions, DynamoShares,
};
use super::kms::KmsSigner;
use super::s3::S3Blobs;
use crate::config::{vars, ConfigError, Env};
use crate::ports::{
    AccountStore, AuditLog, BlobStore, CertificateStore, Clock, Mailer, Organisations,
    PresentationResults, RequestStore, ShareStore, Signer, SystemClock, TimestampAuthority,
    TokenEndpoint,
};
use crate::privacy::Privacy;
use crate::services::trust::ChainSource;
use crate::wiring::{PendingTable, PortSource, RecordsTable, SessionsTable};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

pub struct Wiring {
    /// The SDK's clients, each built once and shared by every adapter.
    clients: super::clients::Clients,
    env: Env,
    privacy: Arc<Privacy>,
    clock: Arc<dyn Clock>,
    /// The seal's chain, shared by every service built here (read once, on first use).
    chain: OnceLock<Arc<ChainSource>>,
    tokens: OnceLock<Arc<crate::token_client::HttpsTokenEndpoint>>,
    /// Organisations' webhook receivers (connections made on first use).
    webhooks: Arc<crate::webhook_client::HttpWebhooks>,
}

/// The AWS endpoint on this machine: the local stack (never on AWS).
fn sdk_is_local(sdk: &aws_config::SdkConfig) -> bool {
    sdk.endpoint_url().is_some_and(|url| {
        url.starts_with("http://127.0.0.1:") || url.starts_with("http://localhost:")
    })
}

impl Wiring {
    /// Loads the personal-data keys (two KMS calls) once, for every adapter built from it.
    pub async fn load(sdk: aws_config::SdkConfig, env: Env) -> Result<Self, ConfigError> {
        let local = sdk_is_local(&sdk);
        let clients = super::clients::Clients::new(sdk);
        let privacy = Privacy::load(
            clients.kms(),
            &env.require(vars::LOOKUP_KEY_ID)?,
            &env.require(vars::DATA_KEY_ID)?,
        )
        .await
        .map_err(|e| ConfigError::Keys(e.to_string()))?;
        Ok(Self {
            clients,
            env,
            privacy: Arc::new(privacy),
            clock: Arc::new(SystemClock),
            chain: OnceLock::new(),
            tokens: OnceLock::new(),
            webhooks: Arc::new(crate::webhook_client::HttpWebhooks::new(local)),
        })
    }

    /// The stack whose outputs these are, with `extra` function settings (template
    /// parameters such as `ISSUING_UNIT`) for the services that need them.
    pub async fn from_outputs(
        sdk: aws_config::SdkConfig,
        outputs: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        Self::load(sdk, Env::from_outputs(outputs)?).await
    }

    /// The same graph with another clock (tests of time rules).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same graph with one more setting.
    pub fn with_setting(mut self, name: &str, value: impl Into<String>) -> Self {
        self.env = self.env.with(name, value);
        self
    }

    pub fn sdk(&self) -> &aws_config::SdkConfig {
        self.clients.sdk()
    }

    pub fn privacy(&self) -> Arc<Privacy> {
        self.privacy.clone()
    }

    /// The access CA's key: signs relying parties' access certificates (ops' tools only).
    pub fn access_ca_signer(&self) -> Result<Arc<KmsSigner>, ConfigError> {
        Ok(Arc::new(KmsSigner::new(
            self.clients.kms(),
            self.env.require(vars::ACCESS_CA_KEY_ID)?,
        )))
    }

    /// The trust root's key: signs the seal's certificate (ops' tools only).
    pub fn trust_root_signer(&self) -> Result<Arc<KmsSigner>, ConfigError> {
        Ok(Arc::new(KmsSigner::new(
            self.clients.kms(),
            self.env.require(vars::TRUST_ROOT_KEY_ID)?,
        )))
    }
}

/// The AWS adapters, one per table, bucket or key.
impl PortSource for Wiring {
    fn accounts(&self) -> Result<Arc<dyn AccountStore>, ConfigError> {
        Ok(Arc::new(DynamoAccounts::new(
            self.clients.dynamo(),
            self.env.require(vars::ACCOUNTS_TABLE)?,
            self.env.require(vars::AUDIT_TABLE)?,
            self.privacy.clone(),
        )))
    }

    fn sessions(&self) -> Result<Arc<dyn SessionsTable>, ConfigError> {
        Ok(Arc::new(DynamoSessions::new(
            self.clients.dynamo(),
            self.env.require(vars::SESSIONS_TABLE)?,
        )))
    }

    fn presentations(&self) -> Result<Arc<dyn PresentationResults>, ConfigError> {
        Ok(Arc::new(DynamoPresentations::new(
            self.clients.dynamo(),
            self.env.require(vars::SESSIONS_TABLE)?,
            self.privacy.clone(),
        )))
    }

    fn pending(&self) -> Result<Arc<dyn PendingTable>, ConfigError> {
        Ok(Arc::new(DynamoPending::new(
            self.clients.dynamo(),
            self.env.require(vars::SESSIONS_TABLE)?,
            self.privacy.clone(),
        )))
    }

    fn requests(&self) -> Result<Arc<dyn RequestStore>, ConfigError> {
        Ok(Arc::new(DynamoRequests::new(
            self.clients.dynamo(),
            self.env.require(vars::REQUESTS_TABLE)?,
        )))
    }

    fn certificates(&self) -> Result<Arc<dyn CertificateStore>, ConfigError> {
        Ok(Arc::new(DynamoCertificates::new(
            self.clients.dynamo(),
            self.env.require(vars::CERTIFICATES_TABLE)?,
            self.env.require(vars::AUDIT_TABLE)?,
            self.privacy.clone(),
        )))
    }

    fn records(&self) -> Result<Arc<dyn RecordsTable>, ConfigError> {
        Ok(Arc::new(DynamoRecords::new(
            self.clients.dynamo(),
            self.env.require(vars::RECORDS_TABLE)?,
            self.privacy.clone(),
        )))
    }

    fn documents(&self) -> Result<Arc<dyn BlobStore>, ConfigError> {
        Ok(Arc::new(S3Blobs::new(
            self.clients.s3(),
            self.env.require(vars::DOCUMENTS_BUCKET)?,
        )))
    }

    fn audit(&self) -> Result<Arc<dyn AuditLog>, ConfigError> {
        Ok(Arc::new(DynamoAudit::new(
            self.clients.dynamo(),
            self.env.require(vars::AUDIT_TABLE)?,
        )))
    }

    fn shares(&self) -> Result<Arc<dyn ShareStore>, ConfigError> {
        Ok(Arc::new(DynamoShares::new(
            self.clients.dynamo(),
            self.env.require(vars::SHARES_TABLE)?,
            self.privacy.clone(),
        )))
    }

    fn organisations(&self) -> Result<Arc<dyn Organisations>, ConfigError> {
        Ok(Arc::new(DynamoOrganisations::new(
            self.clients.dynamo(),
            self.env.require(vars::ORGANISATIONS_TABLE)?,
            self.privacy.clone(),
        )))
    }

    fn consents(&self) -> Result<Arc<dyn crate::ports::Consents>, ConfigError> {
        Ok(Arc::new(crate::aws::dynamo::DynamoConsents::new(
            self.clients.dynamo(),
            self.env.require(vars::CONSENTS_TABLE)?,
            self.env.require(vars::AUDIT_TABLE)?,
            self.privacy.clone(),
        )))
    }

    fn webhook_outbox(&self) -> Result<Arc<dyn crate::ports::WebhookOutbox>, ConfigError> {
        Ok(Arc::new(crate::aws::dynamo::DynamoWebhooks::new(
            self.clients.dynamo(),
            self.env.require(vars::WEBHOOKS_TABLE)?,
        )))
    }

    fn webhook_sender(&self) -> Result<Arc<dyn crate::ports::WebhookSender>, ConfigError> {
        Ok(self.webhooks.clone())
    }

    fn is_local_stack(&self) -> bool {
        sdk_is_local(self.clients.sdk())
    }

    fn signer(&self) -> Result<Arc<dyn Signer>, ConfigError> {
        Ok(Arc::new(KmsSigner::new(
            self.clients.kms(),
            self.env.require(vars::SIGNING_KEY_ID)?,
        )))
    }

    fn mailer(&self) -> Result<Arc<dyn Mailer>, ConfigError> {
        let from = self.env.require(vars::NOTICE_SENDER)?;
        Ok(match self.env.get(vars::MAIL_SMTP_ADDRESS) {
            Some(sink) => Arc::new(crate::smtp::SmtpMailer::new(sink, from)),
            None => Arc::new(super::ses::SesMailer::new(self.clients.ses(), from)),
        })
    }

    fn token_endpoint(&self) -> Result<Arc<dyn TokenEndpoint>, ConfigError> {
        Ok(self
            .tokens
            .get_or_init(|| Arc::new(crate::token_client::HttpsTokenEndpoint::new()))
            .clone())
    }

    fn timestamp_authority(&self) -> Result<Arc<dyn TimestampAuthority>, ConfigError> {
        Ok(Arc::new(
            crate::tsa_client::HttpTimestampAuthority::default(),
        ))
    }

    fn chain(&self) -> Result<Arc<ChainSource>, ConfigError> {
        if let Some(chain) = self.chain.get() {
            return Ok(chain.clone());
        }
        let chain = Arc::new(ChainSource::new(self.documents()?));
        Ok(self.chain.get_or_init(|| chain).clone())
    }

    fn setting(&self, name: &'static str) -> Result<String, ConfigError> {
        self.env.require(name)
    }

    fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }
}

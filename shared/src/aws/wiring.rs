//! Builds the AWS adapters a function needs from its environment, once per cold start.

use super::dynamo::{
    DynamoAccounts, DynamoAudit, DynamoCertificates, DynamoRecords, DynamoRequests, DynamoSessions,
};
use super::kms::KmsSigner;
use super::s3::S3Blobs;
use crate::config::{vars, ConfigError, Env};
use crate::privacy::Privacy;
use std::sync::Arc;

pub struct Wiring<'a> {
    sdk: &'a aws_config::SdkConfig,
    env: &'a Env,
    privacy: Arc<Privacy>,
}

impl<'a> Wiring<'a> {
    /// Loads the personal-data keys (two KMS calls) once, for every adapter built from it.
    pub async fn load(sdk: &'a aws_config::SdkConfig, env: &'a Env) -> Result<Self, ConfigError> {
        let privacy = Privacy::load(
            sdk,
            &env.require(vars::LOOKUP_KEY_ID)?,
            &env.require(vars::DATA_KEY_ID)?,
        )
        .await
        .map_err(|e| ConfigError::Keys(e.to_string()))?;
        Ok(Self {
            sdk,
            env,
            privacy: Arc::new(privacy),
        })
    }

    pub fn accounts(&self) -> Result<Arc<DynamoAccounts>, ConfigError> {
        let accounts = DynamoAccounts::new(
            self.sdk,
            self.env.require(vars::ACCOUNTS_TABLE)?,
            self.privacy.clone(),
        );
        Ok(Arc::new(match self.env.get(vars::AUDIT_TABLE) {
            Some(audit) => accounts.with_audit(audit),
            None => accounts,
        }))
    }

    /// Sessions and throttling counters share the sessions table.
    pub fn sessions(&self) -> Result<Arc<DynamoSessions>, ConfigError> {
        Ok(Arc::new(DynamoSessions::new(
            self.sdk,
            self.env.require(vars::SESSIONS_TABLE)?,
        )))
    }

    pub fn requests(&self) -> Result<Arc<DynamoRequests>, ConfigError> {
        Ok(Arc::new(DynamoRequests::new(
            self.sdk,
            self.env.require(vars::REQUESTS_TABLE)?,
        )))
    }

    pub fn certificates(&self) -> Result<Arc<DynamoCertificates>, ConfigError> {
        let certificates = DynamoCertificates::new(
            self.sdk,
            self.env.require(vars::CERTIFICATES_TABLE)?,
            self.privacy.clone(),
        );
        Ok(Arc::new(match self.env.get(vars::AUDIT_TABLE) {
            Some(audit) => certificates.with_audit(audit),
            None => certificates,
        }))
    }

    pub fn audit(&self) -> Result<Arc<DynamoAudit>, ConfigError> {
        Ok(Arc::new(DynamoAudit::new(
            self.sdk,
            self.env.require(vars::AUDIT_TABLE)?,
        )))
    }

    pub fn records(&self) -> Result<Arc<DynamoRecords>, ConfigError> {
        Ok(Arc::new(DynamoRecords::new(
            self.sdk,
            self.env.require(vars::RECORDS_TABLE)?,
            self.privacy.clone(),
        )))
    }

    pub fn documents(&self) -> Result<Arc<S3Blobs>, ConfigError> {
        Ok(Arc::new(S3Blobs::new(
            self.sdk,
            self.env.require(vars::DOCUMENTS_BUCKET)?,
        )))
    }

    /// The trusted identity providers (JSON array; empty: the routes answer 503).
    pub fn issuers(&self) -> Result<Vec<crate::identity::Issuer>, ConfigError> {
        crate::identity::parse_issuers(&self.env.get_or(vars::IDENTITY_ISSUERS, "[]"))
            .map_err(|e| ConfigError::Invalid(vars::IDENTITY_ISSUERS, e))
    }

    pub fn signer(&self) -> Result<Arc<KmsSigner>, ConfigError> {
        Ok(Arc::new(KmsSigner::new(
            self.sdk,
            self.env.require(vars::SIGNING_KEY_ID)?,
        )))
    }
}

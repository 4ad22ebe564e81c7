//! Builds the AWS adapters a function needs from its environment, once per cold start.

use super::dynamo::{
    DynamoAccounts, DynamoCertificates, DynamoRecords, DynamoRequests, DynamoSessions,
};
use super::kms::KmsSigner;
use super::s3::S3Blobs;
use crate::config::{vars, ConfigError, Env};
use std::sync::Arc;

pub struct Wiring<'a> {
    pub sdk: &'a aws_config::SdkConfig,
    pub env: &'a Env,
}

impl Wiring<'_> {
    pub fn accounts(&self) -> Result<Arc<DynamoAccounts>, ConfigError> {
        Ok(Arc::new(DynamoAccounts::new(
            self.sdk,
            self.env.require(vars::ACCOUNTS_TABLE)?,
        )))
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
        Ok(Arc::new(DynamoCertificates::new(
            self.sdk,
            self.env.require(vars::CERTIFICATES_TABLE)?,
        )))
    }

    pub fn records(&self) -> Result<Arc<DynamoRecords>, ConfigError> {
        Ok(Arc::new(DynamoRecords::new(
            self.sdk,
            self.env.require(vars::RECORDS_TABLE)?,
        )))
    }

    pub fn documents(&self) -> Result<Arc<S3Blobs>, ConfigError> {
        Ok(Arc::new(S3Blobs::new(
            self.sdk,
            self.env.require(vars::DOCUMENTS_BUCKET)?,
        )))
    }

    pub fn signer(&self) -> Result<Arc<KmsSigner>, ConfigError> {
        Ok(Arc::new(KmsSigner::new(
            self.sdk,
            self.env.require(vars::SIGNING_KEY_ID)?,
        )))
    }
}

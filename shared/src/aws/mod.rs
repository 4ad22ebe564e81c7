//! AWS adapters behind the ports: DynamoDB, S3, KMS. Clients are built once per cold start.

pub mod dynamo;
pub mod kms;
pub mod s3;
pub mod ses;
pub mod stats;
pub mod wiring;

use crate::ports::StoreError;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};

/// Loads the shared SDK configuration (region, credentials, `AWS_ENDPOINT_URL`) once.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

pub(crate) fn unavailable<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError::Unavailable(DisplayErrorContext(&err).to_string())
}

//! AWS adapters behind the ports: DynamoDB, S3, KMS, SES, and personal data's encryption at
//! rest and keyed hashes (`privacy`). Clients are built once per cold start. On the domain
//! only: the services, the wiring and the HTTP edge sit above this crate.

// The domain, under the paths these modules name it by.
pub(crate) use cazier_domain as domain;
pub(crate) use cazier_domain::{crypto, ports};

pub mod clients;
pub mod dynamo;
pub mod kms;
pub mod privacy;
pub mod s3;
pub mod ses;
pub mod stats;

use crate::ports::StoreError;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};

/// Loads the shared SDK configuration (region, credentials, `AWS_ENDPOINT_URL`) once.
/// The SDK's configuration for every client of a process, with the retry and timeout policy
/// decided here, in one place: a citizen is waiting on most calls, so a call that has not
/// answered within its bound is retried (standard mode: exponential backoff with jitter, and a
/// retry budget that stops retry storms when a service is down), and after the last attempt the
/// edge answers 503 with `Retry-After` rather than waiting for API Gateway's 30 s.
pub async fn sdk_config() -> aws_config::SdkConfig {
    config_loader().load().await
}

/// The default chains (environment, profiles, SSO, instance roles), with this policy and
/// HTTPS client, for the admin tool and the local stack to complete.
pub fn config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http_client())
        .retry_config(retry_config())
        .timeout_config(timeout_config())
}

/// The same configuration inside Lambda, from the variables Lambda always sets
/// (`AWS_REGION` and the function role's `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`; `AWS_ENDPOINT_URL` where given), without the default chains' profile
/// files, SSO, STS, IMDS and container providers, which never apply there: a smaller package and
/// no file or network probing during the cold start.
pub fn lambda_sdk_config() -> aws_config::SdkConfig {
    use aws_config::environment::EnvironmentVariableCredentialsProvider;
    use aws_credential_types::provider::SharedCredentialsProvider;
    let mut config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .identity_cache(aws_config::identity::IdentityCache::lazy().build())
        .http_client(http_client())
        .retry_config(retry_config())
        .timeout_config(timeout_config())
        .time_source(aws_smithy_async::time::SharedTimeSource::default());
    config.set_sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep());
    config.set_region(
        std::env::var("AWS_REGION")
            .ok()
            .map(aws_config::Region::new),
    );
    config.set_endpoint_url(std::env::var("AWS_ENDPOINT_URL").ok());
    config.build()
}

/// Three attempts in all (the SDK's standard mode).
pub fn retry_config() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard().with_max_attempts(3)
}

/// A connection within 2 s, an attempt within 5 s, the whole call (retries included) within
/// 12 s: inside API Gateway's 30 s, and long enough for a KMS signature or a 1 MB S3 object.
pub fn timeout_config() -> aws_config::timeout::TimeoutConfig {
    use std::time::Duration;
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(12))
        .build()
}

pub(crate) fn unavailable<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError::Unavailable(DisplayErrorContext(&err).to_string())
}

/// The roots every AWS endpoint's certificate chains to: Amazon Trust Services' four, and the
/// Starfield roots that cross-sign them (from Mozilla's root store, as Debian ships it).
pub const AWS_ROOTS_PEM: &str = include_str!("aws-roots.pem");

/// The SDK's HTTPS client, trusting [`AWS_ROOTS_PEM`] only. The default loads and parses the
/// system's whole CA bundle at every cold start: 61 % of a function's start-up instructions
/// (callgrind), for roots that AWS endpoints never use.
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{
        rustls_provider::CryptoMode, Provider, TlsContext, TrustStore,
    };
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AWS_ROOTS_PEM.as_bytes());
    let builder =
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring));
    match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // Cannot happen with the built-in roots; the system's roots are the safe fallback.
        Err(_) => builder.build_https(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_roots_are_the_six_certificates() {
        use rustls_pki_types::pem::PemObject;
        let roots: Vec<_> =
            rustls_pki_types::CertificateDer::pem_slice_iter(super::AWS_ROOTS_PEM.as_bytes())
                .collect::<Result<_, _>>()
                .expect("every root parses");
        assert_eq!(roots.len(), 6);
    }

    #[tokio::test]
    async fn clients_build_with_them() {
        let sdk = super::sdk_config().await;
        let _ = aws_sdk_dynamodb::Client::new(&sdk);
        assert!(sdk.http_client().is_some());
    }
}

//! The SDK's clients, each built once per cold start and cloned into every adapter (a clone
//! shares the client). Building one is not cheap: the SDK checks its configuration by building
//! the HTTPS connector, parsing the trusted roots and making a TLS configuration each time. The
//! portal's graph has some sixty adapters; built each with its own client, that was about a
//! third of its cold start.

use std::sync::OnceLock;

pub struct Clients {
    sdk: aws_config::SdkConfig,
    dynamo: OnceLock<aws_sdk_dynamodb::Client>,
    s3: OnceLock<aws_sdk_s3::Client>,
    kms: OnceLock<aws_sdk_kms::Client>,
    ses: OnceLock<aws_sdk_sesv2::Client>,
}

impl Clients {
    /// Nothing is built until a service asks for it: a function that never uses S3 never
    /// builds its client.
    pub fn new(sdk: aws_config::SdkConfig) -> Self {
        Self {
            sdk,
            dynamo: OnceLock::new(),
            s3: OnceLock::new(),
            kms: OnceLock::new(),
            ses: OnceLock::new(),
        }
    }

    pub fn sdk(&self) -> &aws_config::SdkConfig {
        &self.sdk
    }

    pub fn dynamo(&self) -> aws_sdk_dynamodb::Client {
        self.dynamo
            .get_or_init(|| aws_sdk_dynamodb::Client::new(&self.sdk))
            .clone()
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        self.s3
            .get_or_init(|| aws_sdk_s3::Client::new(&self.sdk))
            .clone()
    }

    pub fn kms(&self) -> aws_sdk_kms::Client {
        self.kms
            .get_or_init(|| aws_sdk_kms::Client::new(&self.sdk))
            .clone()
    }

    pub fn ses(&self) -> aws_sdk_sesv2::Client {
        self.ses
            .get_or_init(|| aws_sdk_sesv2::Client::new(&self.sdk))
            .clone()
    }
}

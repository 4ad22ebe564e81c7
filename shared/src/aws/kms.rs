use super::unavailable;
use crate::ports::{Signer, StoreError, StoreResult};
use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use aws_sdk_kms::Client;

/// Signs with an asymmetric KMS key (ECC_NIST_P256). The private key never leaves KMS.
///
/// Always `MessageType::Raw`: KMS hashes the message itself. (moto 5.2.5 hashes a DIGEST
/// message again, so raw is the form that is correct on both moto and AWS.)
#[derive(Clone)]
pub struct KmsSigner {
    client: Client,
    key_id: String,
}

impl KmsSigner {
    pub fn new(config: &aws_config::SdkConfig, key_id: impl Into<String>) -> Self {
        Self {
            client: Client::new(config),
            key_id: key_id.into(),
        }
    }
}

#[async_trait]
impl Signer for KmsSigner {
    async fn sign(&self, message: &[u8]) -> StoreResult<Vec<u8>> {
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(message))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(unavailable)?;
        out.signature
            .map(Blob::into_inner)
            .ok_or_else(|| StoreError::Unavailable("KMS returned no signature".into()))
    }

    async fn public_key(&self) -> StoreResult<Vec<u8>> {
        let out = self
            .client
            .get_public_key()
            .key_id(&self.key_id)
            .send()
            .await
            .map_err(unavailable)?;
        out.public_key
            .map(Blob::into_inner)
            .ok_or_else(|| StoreError::Unavailable("KMS returned no public key".into()))
    }
}

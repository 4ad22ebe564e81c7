use crate::ports::{SignError, Signer};
use async_trait::async_trait;
use aws_sdk_kms::error::{DisplayErrorContext, SdkError};
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
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        Self {
            client,
            key_id: key_id.into(),
        }
    }
}

fn failed<E, R>(err: SdkError<E, R>) -> SignError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    SignError::Unavailable(DisplayErrorContext(&err).to_string())
}

#[async_trait]
impl Signer for KmsSigner {
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(message))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(failed)?;
        out.signature
            .map(Blob::into_inner)
            .ok_or_else(|| SignError::Unavailable("KMS returned no signature".into()))
    }

    async fn public_key(&self) -> Result<Vec<u8>, SignError> {
        let out = self
            .client
            .get_public_key()
            .key_id(&self.key_id)
            .send()
            .await
            .map_err(failed)?;
        out.public_key
            .map(Blob::into_inner)
            .ok_or_else(|| SignError::Unavailable("KMS returned no public key".into()))
    }
}

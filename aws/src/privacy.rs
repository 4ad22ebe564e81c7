//! Personal data at rest: CNPs are looked up by a keyed hash, and what must be shown back (CNP,
//! names, identity document, record entries) is sealed with envelope encryption.
//!
//! - Lookup key: derived once per cold start as the KMS HMAC (an HMAC_256 key that never leaves
//!   KMS) of a fixed label; CNP hashes are HMAC-SHA256 under it. Without KMS access, a table dump
//!   gives no way to test a guessed CNP.
//! - Sealing: a 256-bit data key from KMS `GenerateDataKey` per cold start; each sealed value
//!   carries its wrapped data key, a random nonce and AES-256-GCM ciphertext bound (as associated
//!   data) to the item it belongs to. Opening unwraps the data key with KMS `Decrypt`, cached
//!   per wrapped key, so a warm function does not call KMS again for data it wrote itself.

use crate::ports::{StoreError, StoreResult};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, MacAlgorithmSpec};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Mutex;

const LOOKUP_LABEL: &[u8] = b"cazier/cnp-lookup/v1";
const FORMAT_V1: u8 = 1;

/// Keyed hashing and sealing of personal data. Built once per cold start.
pub struct Privacy {
    lookup_key: [u8; 32],
    data_key: [u8; 32],
    wrapped_data_key: Vec<u8>,
    kms: aws_sdk_kms::Client,
    unwrapped: Mutex<HashMap<Vec<u8>, [u8; 32]>>,
}

fn kms_failed<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Unavailable(format!("KMS: {e}"))
}

fn key32(bytes: &[u8]) -> StoreResult<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("key of the wrong length".into()))
}

impl Privacy {
    /// Two KMS calls: the lookup key derivation and a fresh data key.
    pub async fn load(
        kms: aws_sdk_kms::Client,
        lookup_key_id: &str,
        data_key_id: &str,
    ) -> StoreResult<Self> {
        let (mac, data_key) = tokio::join!(
            kms.generate_mac()
                .key_id(lookup_key_id)
                .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                .message(Blob::new(LOOKUP_LABEL))
                .send(),
            kms.generate_data_key()
                .key_id(data_key_id)
                .key_spec(DataKeySpec::Aes256)
                .send(),
        );
        let mac = mac.map_err(|e| kms_failed(aws_sdk_kms::error::DisplayErrorContext(e)))?;
        let data_key =
            data_key.map_err(|e| kms_failed(aws_sdk_kms::error::DisplayErrorContext(e)))?;
        let lookup_key = key32(mac.mac.as_ref().map(Blob::as_ref).unwrap_or_default())?;
        let plaintext = key32(
            data_key
                .plaintext
                .as_ref()
                .map(Blob::as_ref)
                .unwrap_or_default(),
        )?;
        let wrapped = data_key
            .ciphertext_blob
            .map(Blob::into_inner)
            .ok_or_else(|| kms_failed("no wrapped data key"))?;
        Ok(Self {
            lookup_key,
            data_key: plaintext,
            wrapped_data_key: wrapped.clone(),
            kms,
            unwrapped: Mutex::new(HashMap::from([(wrapped, plaintext)])),
        })
    }

    /// The lookup form of a CNP (or any identifier): hex HMAC-SHA256 under the lookup key.
    pub fn lookup_hash(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup_key)
            .expect("HMAC takes keys of any length");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Encrypts `plaintext` for the item `context` (e.g. its key), which must be given again
    /// to open it.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> StoreResult<Vec<u8>> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let cipher = Aes256Gcm::new_from_slice(&self.data_key)
            .map_err(|_| StoreError::Corrupt("data key".into()))?;
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Corrupt("sealing failed".into()))?;
        let wrapped_len = u16::try_from(self.wrapped_data_key.len())
            .map_err(|_| StoreError::Corrupt("wrapped key too long".into()))?;
        let mut out = Vec::with_capacity(3 + self.wrapped_data_key.len() + 12 + ciphertext.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&wrapped_len.to_be_bytes());
        out.extend_from_slice(&self.wrapped_data_key);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    pub async fn open(&self, sealed: &[u8], context: &str) -> StoreResult<Vec<u8>> {
        let corrupt = || StoreError::Corrupt("sealed value".into());
        let (&version, rest) = sealed.split_first().ok_or_else(corrupt)?;
        if version != FORMAT_V1 || rest.len() < 2 {
            return Err(corrupt());
        }
        let wrapped_len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let rest = &rest[2..];
        if rest.len() < wrapped_len + 12 + 16 {
            return Err(corrupt());
        }
        let (wrapped, rest) = rest.split_at(wrapped_len);
        let (nonce, ciphertext) = rest.split_at(12);
        let key = self.data_key_for(wrapped).await?;
        let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| corrupt())?;
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| corrupt())
    }

    async fn data_key_for(&self, wrapped: &[u8]) -> StoreResult<[u8; 32]> {
        if let Some(key) = self
            .unwrapped
            .lock()
            .ok()
            .and_then(|cache| cache.get(wrapped).copied())
        {
            return Ok(key);
        }
        let out = self
            .kms
            .decrypt()
            .ciphertext_blob(Blob::new(wrapped))
            .send()
            .await
            .map_err(|e| kms_failed(aws_sdk_kms::error::DisplayErrorContext(e)))?;
        let key = key32(out.plaintext.as_ref().map(Blob::as_ref).unwrap_or_default())?;
        if let Ok(mut cache) = self.unwrapped.lock() {
            cache.insert(wrapped.to_vec(), key);
        }
        Ok(key)
    }

    /// Seals a serialisable value as JSON.
    pub fn seal_json<T: serde::Serialize>(&self, value: &T, context: &str) -> StoreResult<Vec<u8>> {
        let json = serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.seal(&json, context)
    }

    pub async fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        sealed: &[u8],
        context: &str,
    ) -> StoreResult<T> {
        let json = self.open(sealed, context).await?;
        serde_json::from_slice(&json).map_err(|_| StoreError::Corrupt("sealed value".into()))
    }
}

impl std::fmt::Debug for Privacy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Privacy(..)")
    }
}

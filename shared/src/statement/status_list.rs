//! The revocation status of certificates for verifiers offline or online: an IETF Token Status
//! List (draft-ietf-oauth-status-list) per year, one bit per certificate, at the index of its
//! number's sequence (`CJ-2026-00001234` → 1234 in the list of 2026), 1 = revoked. The list is
//! a JWT (`typ: statuslist+jwt`, ES256) signed by the seal key, so the same trust file checks
//! it as checks the statements.

use super::TrustedKey;
use crate::ports::{SignError, Signer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::Signature;
use serde_json::{json, Value};

/// The JWT's media type (`typ` header), as the draft registers it.
pub const TYP: &str = "statuslist+jwt";
/// A list larger than this (compressed, or decompressed) is refused unread.
const MAX_LIST_BYTES: usize = 1 << 20;

/// One bit per certificate of a year: index = the number's sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl StatusList {
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks index `i` revoked (the draft's order: bit `i % 8` of byte `i / 8`, least
    /// significant first).
    pub fn revoke(&mut self, i: u64) {
        let Ok(byte) = usize::try_from(i / 8) else {
            return;
        };
        if byte >= self.bytes.len() {
            self.bytes.resize(byte + 1, 0);
        }
        self.bytes[byte] |= 1 << (i % 8);
    }

    pub fn is_revoked(&self, i: u64) -> bool {
        usize::try_from(i / 8)
            .ok()
            .and_then(|byte| self.bytes.get(byte))
            .is_some_and(|b| b & (1 << (i % 8)) != 0)
    }

    /// `lst`: the bytes, zlib-compressed, base64url.
    pub fn encoded(&self) -> String {
        URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec_zlib(&self.bytes, 9))
    }

    pub fn decode(lst: &str) -> Option<Self> {
        if lst.len() > MAX_LIST_BYTES {
            return None;
        }
        let compressed = URL_SAFE_NO_PAD.decode(lst).ok()?;
        let bytes =
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&compressed, MAX_LIST_BYTES)
                .ok()?;
        Some(Self { bytes })
    }
}

/// Signs the list of `year` as a JWT: one call to the signer.
pub async fn sign(
    list: &StatusList,
    uri: &str,
    issued_at: DateTime<Utc>,
    valid_for_secs: i64,
    kid: &[u8],
    signer: &dyn Signer,
) -> Result<String, SignError> {
    let header = json!({"alg": "ES256", "typ": TYP, "kid": URL_SAFE_NO_PAD.encode(kid)});
    let claims = json!({
        "sub": uri,
        "iat": issued_at.timestamp(),
        "exp": issued_at.timestamp() + valid_for_secs,
        "ttl": valid_for_secs,
        "status_list": {"bits": 1, "lst": list.encoded()},
    });
    crate::crypto::sign_es256_jws(&header, &claims, signer).await
}

/// Why a status list is not used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ListRefusal {
    #[error("not a status list token")]
    Malformed,
    #[error("signed by a key that is not a trusted seal")]
    UnknownKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the list is out of date (expired {0})")]
    Stale(DateTime<Utc>),
}

/// Checks a status list token against the seal keys; the list if genuine and current.
pub fn verify(
    token: &str,
    trusted: &[TrustedKey],
    now: DateTime<Utc>,
) -> Result<StatusList, ListRefusal> {
    let mut parts = token.trim().split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ListRefusal::Malformed);
    };
    let json = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    let head = json(header).ok_or(ListRefusal::Malformed)?;
    if head["alg"] != "ES256" || head["typ"] != TYP {
        return Err(ListRefusal::Malformed);
    }
    let kid = head["kid"]
        .as_str()
        .and_then(|k| URL_SAFE_NO_PAD.decode(k).ok())
        .ok_or(ListRefusal::Malformed)?;
    let key = trusted
        .iter()
        .find(|k| k.kid[..] == kid[..])
        .ok_or(ListRefusal::UnknownKey)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or(ListRefusal::BadSignature)?;
    key.key
        .verify(format!("{header}.{claims}").as_bytes(), &signature)
        .map_err(|_| ListRefusal::BadSignature)?;
    let body = json(claims).ok_or(ListRefusal::Malformed)?;
    let expires = body["exp"]
        .as_i64()
        .and_then(|e| DateTime::from_timestamp(e, 0))
        .ok_or(ListRefusal::Malformed)?;
    if now >= expires {
        return Err(ListRefusal::Stale(expires));
    }
    if body["status_list"]["bits"] != 1 {
        return Err(ListRefusal::Malformed);
    }
    body["status_list"]["lst"]
        .as_str()
        .and_then(StatusList::decode)
        .ok_or(ListRefusal::Malformed)
}

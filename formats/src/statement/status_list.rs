//! The revocation status of certificates for verifiers offline or online: an IETF Token Status
//! List (draft-ietf-oauth-status-list) per year, of a fixed [`STATUS_LIST_BITS`] bits, one per
//! certificate at the index drawn for it at issue (`Certificate::status_index`), 1 = revoked.
//! The list is a JWT (`typ: statuslist+jwt`, ES256) signed by the seal key, so the same trust
//! file checks it as checks the statements; its header carries the seal's certificate in
//! `x5c` (without the root, the trust anchor: HAIP).

use super::TrustedKey;
use crate::domain::STATUS_LIST_BITS;
use crate::jose::{self, Jws};
use crate::ports::{SignError, Signer};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// The JWT's media type (`typ` header), as the draft registers it.
pub const TYP: &str = "statuslist+jwt";
/// A year's list, in bytes: a list that inflates to more (a zip bomb) is refused, and so is a
/// token longer than that.
const MAX_LIST_BYTES: usize = (STATUS_LIST_BITS / 8) as usize;

/// One bit per certificate of a year, at its status index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl Default for StatusList {
    fn default() -> Self {
        Self::new()
    }
}

impl StatusList {
    /// A year's list, nothing revoked: every index that can be drawn lies inside it.
    pub fn new() -> Self {
        Self {
            bytes: vec![0; MAX_LIST_BYTES],
        }
    }

    /// Marks index `i` revoked (the draft's order: bit `i % 8` of byte `i / 8`, least
    /// significant first). An index outside the list changes nothing.
    pub fn revoke(&mut self, i: u64) {
        if let Some(byte) = usize::try_from(i / 8)
            .ok()
            .and_then(|byte| self.bytes.get_mut(byte))
        {
            *byte |= 1 << (i % 8);
        }
    }

    /// Whether index `i` is revoked; `None` outside the list, where the draft says nothing
    /// can be concluded (a list published before lists had a fixed size may be shorter).
    pub fn status(&self, i: u64) -> Option<bool> {
        usize::try_from(i / 8)
            .ok()
            .and_then(|byte| self.bytes.get(byte))
            .map(|b| b & (1 << (i % 8)) != 0)
    }

    /// Its size in bits.
    pub fn bits(&self) -> u64 {
        self.bytes.len() as u64 * 8
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

/// Signs the list published at `uri` as a JWT: one call to the signer. `x5c`: the seal's
/// certificate and any intermediates (DER), never the root.
pub async fn sign(
    list: &StatusList,
    uri: &str,
    issued_at: DateTime<Utc>,
    valid_for_secs: i64,
    kid: &[u8],
    x5c: &[Vec<u8>],
    signer: &dyn Signer,
) -> Result<String, SignError> {
    let chain: Vec<String> = x5c.iter().map(|der| STANDARD.encode(der)).collect();
    let header = json!({
        "alg": jose::ES256,
        "typ": TYP,
        "kid": URL_SAFE_NO_PAD.encode(kid),
        "x5c": chain,
    });
    let claims = json!({
        "sub": uri,
        "iat": issued_at.timestamp(),
        "exp": issued_at.timestamp() + valid_for_secs,
        "ttl": valid_for_secs,
        "status_list": {"bits": 1, "lst": list.encoded()},
    });
    crate::jose::sign(&header, &claims, signer).await
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

/// A genuine, current list: what it says, where it is published (its `sub`) and when it was
/// made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedList {
    pub list: StatusList,
    pub uri: String,
    pub issued_at: DateTime<Utc>,
}

/// What a list says of one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStatus {
    Revoked,
    NotRevoked,
}

/// Why a genuine list says nothing of a certificate: then revocation could not be checked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Unlisted {
    #[error("the list is {0}'s, not {1}'s")]
    OtherList(String, String),
    #[error("index {0} lies outside the list ({1} bits)")]
    OutsideList(u64, u64),
}

impl VerifiedList {
    /// The status of the certificate whose status reference is `uri` and `index` (for a QR
    /// statement or a PDF: the lists URL of its year, and its index).
    pub fn status_of(&self, uri: &str, index: u64) -> Result<ListStatus, Unlisted> {
        if self.uri != uri {
            return Err(Unlisted::OtherList(self.uri.clone(), uri.to_owned()));
        }
        match self.list.status(index) {
            Some(true) => Ok(ListStatus::Revoked),
            Some(false) => Ok(ListStatus::NotRevoked),
            None => Err(Unlisted::OutsideList(index, self.list.bits())),
        }
    }

    /// The status of a certificate of `year` at `index`, whatever host published the list:
    /// its `sub` must name that year (`…/status-lists/2026`).
    pub fn status_in_year(&self, year: i32, index: u64) -> Result<ListStatus, Unlisted> {
        let expected = match self.uri.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{year}"),
            None => year.to_string(),
        };
        self.status_of(&expected, index)
    }
}

/// Checks a status list token against the seal keys; the list if genuine and current.
pub fn verify(
    token: &str,
    trusted: &[TrustedKey],
    now: DateTime<Utc>,
) -> Result<VerifiedList, ListRefusal> {
    if token.len() > 2 * MAX_LIST_BYTES {
        return Err(ListRefusal::Malformed);
    }
    let jws = Jws::parse(token.trim()).map_err(|_| ListRefusal::Malformed)?;
    if jws.header_str("typ") != Some(TYP) {
        return Err(ListRefusal::Malformed);
    }
    let kid = jws
        .header_str("kid")
        .and_then(|k| URL_SAFE_NO_PAD.decode(k).ok())
        .ok_or(ListRefusal::Malformed)?;
    let key = trusted
        .iter()
        .find(|k| k.kid[..] == kid[..])
        .ok_or(ListRefusal::UnknownKey)?;
    jws.verify(&key.key)
        .map_err(|_| ListRefusal::BadSignature)?;
    let body: Value = jws.payload().map_err(|_| ListRefusal::Malformed)?;
    let time = |name: &str| {
        body[name]
            .as_i64()
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .ok_or(ListRefusal::Malformed)
    };
    let (issued_at, expires) = (time("iat")?, time("exp")?);
    if now >= expires {
        return Err(ListRefusal::Stale(expires));
    }
    if body["status_list"]["bits"] != 1 {
        return Err(ListRefusal::Malformed);
    }
    let uri = body["sub"]
        .as_str()
        .ok_or(ListRefusal::Malformed)?
        .to_owned();
    let list = body["status_list"]["lst"]
        .as_str()
        .and_then(StatusList::decode)
        .ok_or(ListRefusal::Malformed)?;
    Ok(VerifiedList {
        list,
        uri,
        issued_at,
    })
}

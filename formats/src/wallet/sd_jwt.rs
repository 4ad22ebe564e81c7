//! SD-JWT VC (IETF draft-ietf-oauth-sd-jwt-vc, over RFC 9901 SD-JWT): the certificate as an
//! attestation for an EU Digital Identity Wallet. The issuer-signed JWT (ES256, by the seal
//! key, its chain in `x5c`) shows only what a verifier needs to trust it (issuer, type,
//! validity, status, the holder's key); every fact about the holder is a disclosure the holder
//! chooses to show. A presentation ends with a key-binding JWT (`kb+jwt`) by the holder's key,
//! for one verifier (`aud`) and one request (`nonce`). Format: `docs/WALLET.md`.

use crate::jose::{self, b64, jwk_key, Jws};
use crate::ports::{SignError, Signer};
use crate::statement::TrustedKey;
use crate::wallet::credential_type::CredentialType;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The issuer-signed JWT's media type.
pub const TYP: &str = "dc+sd-jwt";
/// The key-binding JWT's media type.
pub const KB_TYP: &str = "kb+jwt";
/// How far a key-binding JWT's `iat` may be from the verifier's clock.
const KB_LEEWAY_SECS: i64 = 300;

/// What the credential says, each item a disclosure.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialFacts {
    pub number: String,
    pub issued_at: DateTime<Utc>,
    pub valid_until: chrono::NaiveDate,
    pub purpose: String,
    pub has_entries: bool,
    pub holder_name: String,
    /// A person's (a company's certificate has none).
    pub birth_date: Option<chrono::NaiveDate>,
    /// The entries as printed (court, decision, offence, penalty), disclosed as one array.
    pub entries: Vec<Value>,
}

/// Where the credential's revocation bit is (IETF Token Status List).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReference {
    pub uri: String,
    pub idx: u64,
}

fn digest(disclosure: &str) -> String {
    b64(Sha256::digest(disclosure.as_bytes()))
}

/// A disclosure `[salt, name, value]` (128-bit salt) and its digest.
fn disclose(name: &str, value: Value) -> (String, String) {
    let salt: [u8; 16] = rand::random();
    let disclosure = b64(json!([b64(salt), name, value]).to_string());
    let digest = digest(&disclosure);
    (disclosure, digest)
}

/// Issues the credential bound to `holder_jwk` (the wallet's public key, an EC P-256 JWK),
/// signed through `signer` (the seal key; `chain` its certificates for `x5c`, DER, seal first,
/// the root left out), of our `credential_type` (its `vct` and the metadata's integrity). One
/// call to the signer. Returns `<jwt>~<disclosure>~…~`.
#[allow(clippy::too_many_arguments)]
pub async fn issue(
    facts: &CredentialFacts,
    status: &StatusReference,
    issuer: &str,
    credential_type: &CredentialType,
    holder_jwk: &Value,
    chain: &[Vec<u8>],
    signer: &dyn Signer,
    expires: DateTime<Utc>,
) -> Result<String, SignError> {
    let mut items = vec![
        ("certificate_number", json!(facts.number)),
        (
            "issuance_date",
            json!(facts.issued_at.date_naive().to_string()),
        ),
        ("expiry_date", json!(facts.valid_until.to_string())),
        ("purpose", json!(facts.purpose)),
        ("has_entries", json!(facts.has_entries)),
        ("holder_name", json!(facts.holder_name)),
    ];
    if let Some(birth) = facts.birth_date {
        items.push(("birth_date", json!(birth.to_string())));
    }
    if !facts.entries.is_empty() {
        items.push(("entries", Value::Array(facts.entries.clone())));
    }
    let (disclosures, mut digests): (Vec<String>, Vec<String>) = items
        .into_iter()
        .map(|(name, value)| disclose(name, value))
        .unzip();
    // Sorted: the order of the digests tells nothing about the order of the claims.
    digests.sort();
    // The key is named by `x5c` alone (HAIP; a `kid` beside it made verifiers that derive
    // their own key ids, pyeudiw among them, refuse the credential).
    let header = json!({
        "alg": jose::ES256,
        "typ": TYP,
        "x5c": chain.iter().map(|c| STANDARD.encode(c)).collect::<Vec<_>>(),
    });
    let payload = json!({
        "iss": issuer,
        "vct": credential_type.vct,
        "vct#integrity": credential_type.integrity,
        "iat": facts.issued_at.timestamp(),
        "exp": expires.timestamp(),
        "cnf": {"jwk": holder_jwk},
        "status": {"status_list": {"idx": status.idx, "uri": status.uri}},
        "_sd_alg": "sha-256",
        "_sd": digests,
    });
    let mut out = jose::sign(&header, &payload, signer).await?;
    for d in disclosures {
        out.push('~');
        out.push_str(&d);
    }
    out.push('~');
    Ok(out)
}

/// Why a presentation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresentationRefusal {
    #[error("not an SD-JWT presentation")]
    Malformed,
    #[error("not signed by a trusted seal")]
    UnknownIssuer,
    #[error("the issuer's signature does not match")]
    BadSignature,
    #[error("not a certificate credential")]
    WrongType,
    #[error("the credential expired")]
    Expired,
    #[error("a disclosure is not part of the credential, or is repeated")]
    ForeignDisclosure,
    #[error("no key-binding proof by the holder")]
    NoKeyBinding,
    #[error("the holder's proof does not verify")]
    BadKeyBinding,
    #[error("the holder's proof is for another verifier or request")]
    WrongAudienceOrNonce,
    #[error("the holder's proof is too old or from the future")]
    StaleKeyBinding,
    #[error("the holder's proof is for other disclosures")]
    WrongDisclosures,
}

/// A verified presentation: what the holder disclosed, and where to check revocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Presented {
    pub disclosed: Map<String, Value>,
    pub status: Option<StatusReference>,
    pub expires: DateTime<Utc>,
}

fn json_part(part: &str) -> Option<Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// Verifies a presentation for verifier `aud` and request `nonce`: the issuer's signature by
/// a trusted seal key, the type (`vct`) and expiry, each disclosure one of the credential's (none
/// twice), and the holder's key-binding JWT over exactly these disclosures.
pub fn verify_presentation(
    presentation: &str,
    trusted: &[TrustedKey],
    vct: &str,
    aud: &str,
    nonce: &str,
    now: DateTime<Utc>,
) -> Result<Presented, PresentationRefusal> {
    use PresentationRefusal as R;
    let parts: Vec<&str> = presentation.trim().split('~').collect();
    let (Some((kb_jwt, rest)), true) = (parts.split_last(), parts.len() >= 2) else {
        return Err(R::Malformed);
    };
    let (issuer_jwt, disclosures) = rest.split_first().ok_or(R::Malformed)?;
    let issuer_jws = Jws::parse(issuer_jwt).map_err(|_| R::Malformed)?;
    if issuer_jws.header_str("typ") != Some(TYP) {
        return Err(R::WrongType);
    }
    // By `kid` (credentials issued before 2026-12-07), else by the `x5c` leaf's key.
    let key = match issuer_jws.header_str("kid") {
        Some(kid) => {
            let kid = URL_SAFE_NO_PAD.decode(kid).map_err(|_| R::Malformed)?;
            trusted.iter().find(|k| k.kid[..] == kid[..])
        }
        None => {
            let leaf = x5c_leaf_key(&issuer_jws).ok_or(R::Malformed)?;
            trusted.iter().find(|k| k.key == leaf)
        }
    }
    .ok_or(R::UnknownIssuer)?;
    issuer_jws.verify(&key.key).map_err(|_| R::BadSignature)?;
    let payload: Value = issuer_jws.payload().map_err(|_| R::Malformed)?;
    if payload["vct"] != vct || payload["_sd_alg"] != "sha-256" {
        return Err(R::WrongType);
    }
    let expires = payload["exp"]
        .as_i64()
        .and_then(|e| DateTime::from_timestamp(e, 0))
        .ok_or(R::Malformed)?;
    if now >= expires {
        return Err(R::Expired);
    }
    let digests: Vec<&str> = payload["_sd"]
        .as_array()
        .ok_or(R::Malformed)?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut disclosed = Map::new();
    let mut seen = Vec::new();
    for d in disclosures {
        let hash = digest(d);
        if !digests.contains(&hash.as_str()) || seen.contains(&hash) {
            return Err(R::ForeignDisclosure);
        }
        seen.push(hash);
        let item = json_part(d).ok_or(R::Malformed)?;
        let (Some(name), Some(value), 3) = (
            item[1].as_str(),
            item.get(2),
            item.as_array().map_or(0, Vec::len),
        ) else {
            return Err(R::Malformed);
        };
        if disclosed.insert(name.to_owned(), value.clone()).is_some() {
            return Err(R::ForeignDisclosure);
        }
    }

    // The holder's proof: by the key the credential names, for us, now, over these bytes.
    if kb_jwt.is_empty() {
        return Err(R::NoKeyBinding);
    }
    let holder = jwk_key(&payload["cnf"]["jwk"]).ok_or(R::Malformed)?;
    let kb_jws = Jws::parse(kb_jwt).map_err(|_| R::BadKeyBinding)?;
    kb_jws.verify(&holder).map_err(|_| R::BadKeyBinding)?;
    if kb_jws.header_str("typ") != Some(KB_TYP) {
        return Err(R::BadKeyBinding);
    }
    let kb: Value = kb_jws.payload().map_err(|_| R::BadKeyBinding)?;
    if kb["aud"] != aud || kb["nonce"] != nonce {
        return Err(R::WrongAudienceOrNonce);
    }
    let iat = kb["iat"].as_i64().ok_or(R::BadKeyBinding)?;
    if (iat - now.timestamp()).abs() > KB_LEEWAY_SECS {
        return Err(R::StaleKeyBinding);
    }
    let presented = &presentation.trim()[..presentation.trim().len() - kb_jwt.len()];
    if kb["sd_hash"] != digest(presented) {
        return Err(R::WrongDisclosures);
    }
    let status = payload["status"]["status_list"].as_object().and_then(|s| {
        Some(StatusReference {
            uri: s.get("uri")?.as_str()?.to_owned(),
            idx: s.get("idx")?.as_u64()?,
        })
    });
    Ok(Presented {
        disclosed,
        status,
        expires,
    })
}

/// The public key of the first certificate of a JWS's `x5c`.
fn x5c_leaf_key(jws: &Jws) -> Option<p256::ecdsa::VerifyingKey> {
    use der::{Decode, Encode};
    use p256::pkcs8::DecodePublicKey;
    let leaf = jws.header("x5c")?.as_array()?.first()?.as_str()?;
    let der = STANDARD.decode(leaf).ok()?;
    let certificate = x509_cert::Certificate::from_der(&der).ok()?;
    let spki = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .ok()?;
    p256::ecdsa::VerifyingKey::from_public_key_der(&spki).ok()
}

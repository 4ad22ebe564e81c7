//! The trusted identity providers and their signed statements: ghiseul.ro's assertions (a
//! compact JWS, ES256, checked here) and ROeID's ID tokens (checked in [`crate::oidc`]), both
//! verified against the provider's configured JWKS. (Over 400 lines with its tests: the
//! forged-assertion cases belong beside the checks they attack.)

use crate::jose::{self, Jws, JwsError};
use chrono::{DateTime, Utc};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The provider kind in `IDENTITY_ISSUERS` for ROeID / CEI (OpenID Connect, [`crate::oidc`]).
pub const ROEID_PROVIDER: &str = "roeid";

/// Longest allowed assertion lifetime (`exp - iat`).
pub const MAX_LIFETIME_SECS: i64 = 600;
/// Clock difference tolerated between the issuer and us.
pub const CLOCK_SKEW_SECS: i64 = 60;
/// Anything longer is not an assertion.
pub const MAX_ASSERTION_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    #[serde(default)]
    pub kid: Option<String>,
    pub x: String,
    pub y: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One trusted identity provider, from configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// Which validation route uses it: `ghiseul`, or `roeid` (ROeID and the electronic
    /// identity card, one OpenID Connect provider).
    pub provider: String,
    pub issuer: String,
    /// Our client id at the provider (the `aud` it signs for).
    pub audience: String,
    pub authorize_url: String,
    /// ghiseul.ro: the `auth_method` values accepted.
    #[serde(default)]
    pub auth_methods: Vec<String>,
    /// OpenID Connect: where the authorization code is redeemed.
    #[serde(default)]
    pub token_url: Option<String>,
    /// OpenID Connect: the scopes asked for (space-separated; `openid` among them).
    #[serde(default = "default_scope")]
    pub scope: String,
    /// OpenID Connect: the ID-token claim that holds the CNP.
    #[serde(default = "default_cnp_claim")]
    pub cnp_claim: String,
    pub jwks: Jwks,
}

fn default_scope() -> String {
    "openid".into()
}

fn default_cnp_claim() -> String {
    "cnp".into()
}

/// Parses the issuers' configuration (a JSON array), checking every key and address.
pub fn parse_issuers(json: &str) -> Result<Vec<Issuer>, String> {
    let issuers: Vec<Issuer> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    for issuer in &issuers {
        for key in &issuer.jwks.keys {
            verifying_key(key).map_err(|e| format!("{}: {e}", issuer.issuer))?;
        }
        if issuer.provider == ROEID_PROVIDER {
            let token_url = issuer.token_url.as_deref().ok_or_else(|| {
                format!(
                    "{}: an OpenID Connect issuer needs token_url",
                    issuer.issuer
                )
            })?;
            for url in [token_url, &issuer.authorize_url] {
                if !secure_or_loopback(url) {
                    return Err(format!(
                        "{}: {url} is neither https nor loopback",
                        issuer.issuer
                    ));
                }
            }
            if !issuer.scope.split(' ').any(|s| s == "openid") {
                return Err(format!("{}: the scope must include openid", issuer.issuer));
            }
        }
    }
    Ok(issuers)
}

/// An address the code and the tokens may travel to: HTTPS, or plain HTTP on this machine
/// (the local stack's provider).
fn secure_or_loopback(url: &str) -> bool {
    url.starts_with("https://")
        || [
            "http://127.0.0.1:",
            "http://127.0.0.1/",
            "http://localhost:",
            "http://[::1]:",
        ]
        .iter()
        .any(|p| url.starts_with(p))
}

/// The origin (`scheme://host[:port]`) of an absolute URL; `None` for a relative one.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|h| !h.is_empty())?;
    Some(format!("{scheme}://{host}"))
}

pub use cazier_domain::url::query_value;

fn verifying_key(jwk: &Jwk) -> Result<VerifyingKey, &'static str> {
    let jwk = serde_json::json!({"kty": jwk.kty, "crv": jwk.crv, "x": jwk.x, "y": jwk.y});
    jose::jwk_key(&jwk).ok_or("not an EC P-256 key")
}

/// What a verified assertion says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: Value,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub nonce: String,
    pub cnp: String,
    pub family_name: String,
    pub given_name: String,
    pub auth_method: String,
}

/// Why an assertion was refused. Callers answer all of them alike (422 INVALID_ASSERTION);
/// the reason is for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("not a compact JWS")]
    Format,
    #[error("algorithm is not ES256")]
    Algorithm,
    #[error("unknown issuer")]
    Issuer,
    #[error("unknown key")]
    Key,
    #[error("bad signature")]
    Signature,
    #[error("wrong audience")]
    Audience,
    #[error("outside its time window")]
    Time,
    #[error("authentication method not accepted")]
    Method,
    #[error("nonce does not match the sign-in")]
    Nonce,
    #[error("a required claim is missing")]
    Claim,
}

impl From<JwsError> for AssertionError {
    fn from(e: JwsError) -> Self {
        match e {
            JwsError::Format => Self::Format,
            JwsError::Algorithm => Self::Algorithm,
            JwsError::Signature => Self::Signature,
        }
    }
}

/// A provider's compact JWS taken apart: its size, shape and algorithm (ES256) checked.
pub(crate) fn split(token: &str) -> Result<Jws<'_>, AssertionError> {
    if token.len() > MAX_ASSERTION_BYTES {
        return Err(AssertionError::Format);
    }
    Ok(Jws::parse(token)?)
}

/// Checks the signature with the issuer's key named by `kid` (or its only key).
pub(crate) fn verify_signature(jws: &Jws, issuer: &Issuer) -> Result<(), AssertionError> {
    let jwk = match jws.header_str("kid") {
        Some(kid) => issuer
            .jwks
            .keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid)),
        None if issuer.jwks.keys.len() == 1 => issuer.jwks.keys.first(),
        None => None,
    }
    .ok_or(AssertionError::Key)?;
    let key = verifying_key(jwk).map_err(|_| AssertionError::Key)?;
    Ok(jws.verify(&key)?)
}

/// Whether `aud` (a string or a list) names us.
pub(crate) fn audience_includes(aud: &Value, audience: &str) -> bool {
    match aud {
        Value::String(a) => a == audience,
        Value::Array(list) => list.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    }
}

/// Verifies signature, issuer, audience, time window and method. Nonce, replay and CNP are the
/// caller's: they need state.
pub fn verify(
    assertion: &str,
    issuers: &[Issuer],
    now: DateTime<Utc>,
) -> Result<Claims, AssertionError> {
    let jws = split(assertion)?;
    let claims: Claims = jws.payload()?;
    let issuer = issuers
        .iter()
        .find(|i| i.issuer == claims.iss && i.provider != ROEID_PROVIDER)
        .ok_or(AssertionError::Issuer)?;
    verify_signature(&jws, issuer)?;
    // Us alone: an assertion meant for several parties could have been shown to another
    // first (ghiseul.ro's assertions have no `azp` to say which party asked).
    let several = claims.aud.as_array().is_some_and(|a| a.len() > 1);
    if several || !audience_includes(&claims.aud, &issuer.audience) {
        return Err(AssertionError::Audience);
    }
    let now = now.timestamp();
    let lifetime = claims.exp - claims.iat;
    if lifetime <= 0
        || lifetime > MAX_LIFETIME_SECS
        || claims.iat > now + CLOCK_SKEW_SECS
        || claims.exp < now - CLOCK_SKEW_SECS
    {
        return Err(AssertionError::Time);
    }
    if claims.jti.is_empty() || claims.nonce.is_empty() || claims.jti.len() > 256 {
        return Err(AssertionError::Format);
    }
    if !issuer.auth_methods.contains(&claims.auth_method) {
        return Err(AssertionError::Method);
    }
    Ok(claims)
}

/// Signs claims as an issuer would: for the development issuer and for tests only.
pub fn sign(claims: &Value, key_pem: &str, kid: &str) -> Result<String, String> {
    use p256::pkcs8::DecodePrivateKey;
    let key = SigningKey::from_pkcs8_pem(key_pem).map_err(|e| e.to_string())?;
    let header = serde_json::json!({"alg": jose::ES256, "typ": "JWT", "kid": kid});
    let input = format!(
        "{}.{}",
        jose::b64(header.to_string()),
        jose::b64(claims.to_string())
    );
    let signature: Signature = key.sign(input.as_bytes());
    Ok(format!("{input}.{}", jose::b64(signature.to_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use serde_json::json;

    const DEV_KEY: &str = include_str!("../../infra/local/ghiseul-dev-key.pem");
    const DEV_ISSUERS: &str = include_str!("../../infra/local/dev-issuers.json");

    fn claims(now: i64) -> Value {
        json!({
            "iss": "https://ghiseul.local.test", "aud": "cazier-local", "iat": now, "exp": now + 300,
            "jti": "j1", "nonce": "n1", "cnp": "1630615123457", "family_name": "Pop",
            "given_name": "Ana", "auth_method": "3DS_CARD"
        })
    }

    fn check(c: &Value) -> Result<Claims, AssertionError> {
        let issuers = parse_issuers(DEV_ISSUERS).unwrap();
        verify(
            &sign(c, DEV_KEY, "ghiseul-dev-1").unwrap(),
            &issuers,
            Utc::now(),
        )
    }

    #[test]
    fn the_dev_issuer_verifies() {
        let now = Utc::now().timestamp();
        let ok = check(&claims(now)).unwrap();
        assert_eq!(ok.cnp, "1630615123457");
    }

    #[test]
    fn claims_are_checked() {
        let now = Utc::now().timestamp();
        let with = |k: &str, v: Value| {
            let mut c = claims(now);
            c[k] = v;
            c
        };
        assert_eq!(
            check(&with("aud", json!("other"))),
            Err(AssertionError::Audience)
        );
        assert!(check(&with("aud", json!(["cazier-local"]))).is_ok());
        assert!(check(&with("aud", json!(["x", "cazier-local"]))).is_err());
        assert_eq!(
            check(&with("iss", json!("https://evil"))),
            Err(AssertionError::Issuer)
        );
        assert_eq!(
            check(&with("exp", json!(now + 601))),
            Err(AssertionError::Time)
        );
        assert_eq!(
            check(&with("exp", json!(now - 120))),
            Err(AssertionError::Time)
        );
        assert_eq!(
            check(&with("iat", json!(now + 3600))),
            Err(AssertionError::Time)
        );
        assert_eq!(
            check(&with("auth_method", json!("PASSWORD"))),
            Err(AssertionError::Method)
        );
        assert_eq!(check(&with("jti", json!(""))), Err(AssertionError::Format));
    }

    #[test]
    fn forged_and_unsigned_assertions_fail() {
        let issuers = parse_issuers(DEV_ISSUERS).unwrap();
        let now = Utc::now();
        let good = sign(&claims(now.timestamp()), DEV_KEY, "ghiseul-dev-1").unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        // alg none, no signature.
        let none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
        assert_eq!(
            verify(&format!("{none}.{}.", parts[1]), &issuers, now),
            Err(AssertionError::Algorithm)
        );
        // Claims changed after signing.
        let mut c = claims(now.timestamp());
        c["cnp"] = json!("2850101400019");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(c.to_string()),
            parts[2]
        );
        assert_eq!(
            verify(&forged, &issuers, now),
            Err(AssertionError::Signature)
        );
        // Signed by another key.
        let other = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
        let pem = {
            use p256::pkcs8::EncodePrivateKey;
            other.to_pkcs8_pem(Default::default()).unwrap().to_string()
        };
        let foreign = sign(&claims(now.timestamp()), &pem, "ghiseul-dev-1").unwrap();
        assert_eq!(
            verify(&foreign, &issuers, now),
            Err(AssertionError::Signature)
        );
        // Unknown key id, garbage.
        let unknown = sign(&claims(now.timestamp()), DEV_KEY, "other").unwrap();
        assert_eq!(verify(&unknown, &issuers, now), Err(AssertionError::Key));
        for garbage in ["", "a.b", "a.b.c.d", "!!.??.**", &"x".repeat(20_000)] {
            assert!(verify(garbage, &issuers, now).is_err());
        }
    }
}

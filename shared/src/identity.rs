//! Identity assertions from external identity providers (ghiseul.ro today; the electronic
//! identity card or ROeID can be added as further issuers): a compact JWS, ES256, verified
//! against the issuer's configured JWKS.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
pub struct Issuer {
    /// Which validation route uses it: `ghiseul` (later also `cei`, `roeid`).
    pub provider: String,
    pub issuer: String,
    pub audience: String,
    pub authorize_url: String,
    pub auth_methods: Vec<String>,
    pub jwks: Jwks,
}

/// Parses the issuers' configuration (a JSON array), checking every key.
pub fn parse_issuers(json: &str) -> Result<Vec<Issuer>, String> {
    let issuers: Vec<Issuer> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    for issuer in &issuers {
        for key in &issuer.jwks.keys {
            verifying_key(key).map_err(|e| format!("{}: {e}", issuer.issuer))?;
        }
    }
    Ok(issuers)
}

fn verifying_key(jwk: &Jwk) -> Result<VerifyingKey, &'static str> {
    if jwk.kty != "EC" || jwk.crv != "P-256" {
        return Err("only EC P-256 keys are accepted");
    }
    let x = URL_SAFE_NO_PAD.decode(&jwk.x).map_err(|_| "bad x")?;
    let y = URL_SAFE_NO_PAD.decode(&jwk.y).map_err(|_| "bad y")?;
    if x.len() != 32 || y.len() != 32 {
        return Err("bad coordinates");
    }
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(4);
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| "not a point on P-256")
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
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, AssertionError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| AssertionError::Format)?;
    serde_json::from_slice(&bytes).map_err(|_| AssertionError::Format)
}

/// Verifies signature, issuer, audience, time window and method. Nonce, replay and CNP are the
/// caller's: they need state.
pub fn verify(
    assertion: &str,
    issuers: &[Issuer],
    now: DateTime<Utc>,
) -> Result<Claims, AssertionError> {
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Err(AssertionError::Format);
    }
    let mut parts = assertion.split('.');
    let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AssertionError::Format);
    };
    let header: Header = decode_json(h)?;
    if header.alg != "ES256" {
        return Err(AssertionError::Algorithm);
    }
    let claims: Claims = decode_json(p)?;
    let issuer = issuers
        .iter()
        .find(|i| i.issuer == claims.iss)
        .ok_or(AssertionError::Issuer)?;
    let jwk = match &header.kid {
        Some(kid) => issuer
            .jwks
            .keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid.as_str())),
        None if issuer.jwks.keys.len() == 1 => issuer.jwks.keys.first(),
        None => None,
    }
    .ok_or(AssertionError::Key)?;
    let key = verifying_key(jwk).map_err(|_| AssertionError::Key)?;
    let signature_bytes = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| AssertionError::Signature)?;
    let signature =
        Signature::from_slice(&signature_bytes).map_err(|_| AssertionError::Signature)?;
    key.verify(format!("{h}.{p}").as_bytes(), &signature)
        .map_err(|_| AssertionError::Signature)?;

    let audience_ok = match &claims.aud {
        Value::String(a) => *a == issuer.audience,
        Value::Array(list) => list.iter().any(|a| a.as_str() == Some(&issuer.audience)),
        _ => false,
    };
    if !audience_ok {
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
    let header = serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": kid});
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let p = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature: Signature = key.sign(format!("{h}.{p}").as_bytes());
    Ok(format!(
        "{h}.{p}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEV_KEY: &str = include_str!("../../infra/local/ghiseul-dev-key.pem");
    const DEV_ISSUERS: &str = include_str!("../../infra/local/ghiseul-dev-issuers.json");

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
        assert!(check(&with("aud", json!(["x", "cazier-local"]))).is_ok());
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

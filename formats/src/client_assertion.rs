//! RFC 7523 client assertions (`private_key_jwt`, OpenID Connect Core 9): how a registered
//! organisation authenticates at our token endpoint, with a JWT signed by one of the keys it
//! registered. Checked here; whether its `jti` was seen before is the caller's store's.

use crate::jose::{jwk_key, Jws};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The only assertion type (RFC 7523, section 2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock difference tolerated on `iat` and `nbf`.
const LEEWAY_SECS: i64 = 60;
/// The longest an assertion may live (client libraries default to an hour, Authlib among
/// them): its `jti` is remembered that long.
pub const MOST_LIFETIME_SECS: i64 = 3600;

/// Why an assertion is refused: OAuth `invalid_client` for every one (the client learns
/// which from the description, which names nothing about its keys).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionRefusal {
    #[error("the client assertion is not an ES256 JWT")]
    Malformed,
    #[error("the client assertion is signed by none of the client's registered keys")]
    UnknownKey,
    #[error("the client assertion's iss and sub must both be the client id")]
    WrongClient,
    #[error("the client assertion is for another audience")]
    WrongAudience,
    #[error("the client assertion has expired, lives longer than an hour, or is not yet valid")]
    Expired,
    #[error("the client assertion has no jti")]
    NoJti,
}

/// An assertion that verified: its `jti`, to be seen once, and until when it could be
/// replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asserted {
    pub jti: String,
    pub expires_at: DateTime<Utc>,
}

/// Checks `jwt` as `client_id`'s assertion for one of `audiences`, with the client's
/// registered `jwks` (`{"keys": [...]}`, EC P-256), at `now`.
pub fn check(
    jwt: &str,
    client_id: &str,
    jwks: &Value,
    audiences: &[&str],
    now: DateTime<Utc>,
) -> Result<Asserted, AssertionRefusal> {
    let jws = Jws::parse(jwt.trim()).map_err(|_| AssertionRefusal::Malformed)?;
    let keys = jwks["keys"].as_array().cloned().unwrap_or_default();
    // A `kid` picks the key; without one, any registered key may have signed.
    let kid = jws.header_str("kid");
    let verified = keys
        .iter()
        .filter(|k| kid.is_none() || k["kid"].as_str() == kid)
        .filter(|k| k.get("d").is_none())
        .filter_map(jwk_key)
        .any(|key| jws.verify(&key).is_ok());
    if !verified {
        return Err(AssertionRefusal::UnknownKey);
    }
    let claims: Value = jws.payload().map_err(|_| AssertionRefusal::Malformed)?;
    if claims["iss"].as_str() != Some(client_id) || claims["sub"].as_str() != Some(client_id) {
        return Err(AssertionRefusal::WrongClient);
    }
    let for_us = |a: &Value| a.as_str().is_some_and(|a| audiences.contains(&a));
    let audience_ok = match &claims["aud"] {
        Value::Array(list) => list.iter().any(for_us),
        other => for_us(other),
    };
    if !audience_ok {
        return Err(AssertionRefusal::WrongAudience);
    }
    let now_secs = now.timestamp();
    let exp = claims["exp"].as_i64().ok_or(AssertionRefusal::Expired)?;
    let not_yet = |name: &str| {
        claims[name]
            .as_i64()
            .is_some_and(|t| t > now_secs + LEEWAY_SECS)
    };
    let too_long = exp > now_secs + MOST_LIFETIME_SECS + LEEWAY_SECS;
    if exp <= now_secs || too_long || not_yet("iat") || not_yet("nbf") {
        return Err(AssertionRefusal::Expired);
    }
    let jti = claims["jti"]
        .as_str()
        .filter(|j| (1..=256).contains(&j.len()))
        .ok_or(AssertionRefusal::NoJti)?;
    Ok(Asserted {
        jti: jti.to_owned(),
        expires_at: DateTime::from_timestamp(exp, 0).ok_or(AssertionRefusal::Expired)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::{b64, public_jwk};
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::{Signature, SigningKey};
    use serde_json::json;

    const TOKEN_URL: &str = "https://portal.example/oauth2/token";

    fn key() -> SigningKey {
        SigningKey::random(&mut rand::rngs::OsRng)
    }

    fn jwks(keys: &[(&SigningKey, &str)]) -> Value {
        let keys: Vec<Value> = keys
            .iter()
            .map(|(k, kid)| {
                let mut jwk = public_jwk(k.verifying_key());
                jwk["kid"] = json!(kid);
                jwk
            })
            .collect();
        json!({ "keys": keys })
    }

    fn signed(key: &SigningKey, header: Value, claims: Value) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.to_bytes()))
    }

    fn claims(now: DateTime<Utc>) -> Value {
        json!({"iss": "14399840", "sub": "14399840", "aud": TOKEN_URL,
               "exp": now.timestamp() + 120, "iat": now.timestamp(), "jti": "a1"})
    }

    fn checked(jwt: &str, jwks: &Value, now: DateTime<Utc>) -> Result<Asserted, AssertionRefusal> {
        check(jwt, "14399840", jwks, &[TOKEN_URL], now)
    }

    #[test]
    fn an_assertion_signed_by_a_registered_key_passes_with_its_jti() {
        let (now, k) = (Utc::now(), key());
        let registered = jwks(&[(&key(), "old"), (&k, "new")]);
        let header = json!({"alg": "ES256", "kid": "new"});
        let asserted = checked(&signed(&k, header, claims(now)), &registered, now).unwrap();
        assert_eq!(asserted.jti, "a1");
        // Without a kid, any registered key is tried.
        let bare = signed(&k, json!({"alg": "ES256"}), claims(now));
        assert!(checked(&bare, &registered, now).is_ok());
    }

    #[test]
    fn what_an_attacker_can_change_is_refused() {
        let (now, k) = (Utc::now(), key());
        let registered = jwks(&[(&k, "k1")]);
        let header = json!({"alg": "ES256", "kid": "k1"});
        let with = |change: &dyn Fn(&mut Value)| {
            let mut c = claims(now);
            change(&mut c);
            checked(&signed(&k, header.clone(), c), &registered, now)
        };
        let foreign = signed(&key(), header.clone(), claims(now));
        assert_eq!(
            checked(&foreign, &registered, now),
            Err(AssertionRefusal::UnknownKey)
        );
        let wrong_kid = signed(&k, json!({"alg": "ES256", "kid": "k2"}), claims(now));
        assert_eq!(
            checked(&wrong_kid, &registered, now),
            Err(AssertionRefusal::UnknownKey)
        );
        let none = format!(
            "{}.{}.",
            b64(r#"{"alg":"none"}"#),
            b64(claims(now).to_string())
        );
        assert_eq!(
            checked(&none, &registered, now),
            Err(AssertionRefusal::Malformed)
        );
        assert_eq!(
            with(&|c| c["sub"] = json!("18547290")),
            Err(AssertionRefusal::WrongClient)
        );
        assert_eq!(
            with(&|c| c["iss"] = json!("18547290")),
            Err(AssertionRefusal::WrongClient)
        );
        assert_eq!(
            with(&|c| c["aud"] = json!("https://other.example/token")),
            Err(AssertionRefusal::WrongAudience)
        );
        assert!(with(&|c| c["aud"] = json!(["x", TOKEN_URL])).is_ok());
        assert_eq!(
            with(&|c| c["exp"] = json!(now.timestamp() - 1)),
            Err(AssertionRefusal::Expired)
        );
        assert_eq!(
            with(&|c| c["exp"] = json!(now.timestamp() + 7200)),
            Err(AssertionRefusal::Expired)
        );
        assert_eq!(
            with(&|c| c["iat"] = json!(now.timestamp() + 300)),
            Err(AssertionRefusal::Expired)
        );
        assert_eq!(
            with(&|c| {
                c.as_object_mut().unwrap().remove("jti");
            }),
            Err(AssertionRefusal::NoJti)
        );
        // A private key registered by mistake is not a key to verify with.
        let mut leaked = jwks(&[(&k, "k1")]);
        leaked["keys"][0]["d"] = json!("AAAA");
        let good = signed(&k, header.clone(), claims(now));
        assert_eq!(
            checked(&good, &leaked, now),
            Err(AssertionRefusal::UnknownKey)
        );
    }
}

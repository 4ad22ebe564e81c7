//! Compact JWS (RFC 7515), ES256 only, in one place: taken apart and its algorithm checked
//! (`Jws::parse`), verified with a key the caller trusts (`Jws::verify`), and signed through
//! the `Signer` port (`sign`). Every JWT the service reads or writes goes through here: ghiseul.ro
//! assertions and ROeID ID tokens, SD-JWT credentials and their key-binding JWTs, OpenID4VCI
//! proofs, status list tokens.

use crate::ports::{SignError, Signer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

/// The only algorithm accepted or produced.
pub const ES256: &str = "ES256";

/// Why a compact JWS is refused. Callers map these to their own answers (one answer for all,
/// where telling them apart would help a forger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("not a compact JWS")]
    Format,
    #[error("the algorithm is not ES256")]
    Algorithm,
    #[error("the signature does not verify")]
    Signature,
}

/// A compact JWS taken apart: three base64url parts, a JSON-object header whose `alg` is
/// ES256. Nothing else is checked until `verify`.
#[derive(Debug)]
pub struct Jws<'a> {
    header: Map<String, Value>,
    signing_input: &'a str,
    payload: &'a str,
    signature: &'a str,
}

impl<'a> Jws<'a> {
    pub fn parse(token: &'a str) -> Result<Self, JwsError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or(JwsError::Format)?;
        let (header, payload) = signing_input.split_once('.').ok_or(JwsError::Format)?;
        if payload.contains('.') {
            return Err(JwsError::Format);
        }
        let header: Map<String, Value> = decode_json(header)?;
        if header.get("alg").and_then(Value::as_str) != Some(ES256) {
            return Err(JwsError::Algorithm);
        }
        Ok(Self {
            header,
            signing_input,
            payload,
            signature,
        })
    }

    /// A header parameter, if present.
    pub fn header(&self, name: &str) -> Option<&Value> {
        self.header.get(name)
    }

    /// A string header parameter (`typ`, `kid`), if present and a string.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(Value::as_str)
    }

    /// The payload, unverified: to find the key to verify with, or after `verify`.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, JwsError> {
        decode_json(self.payload)
    }

    /// Checks the signature over the header and payload with `key`.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), JwsError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(self.signature)
            .map_err(|_| JwsError::Signature)?;
        let signature = Signature::from_slice(&bytes).map_err(|_| JwsError::Signature)?;
        key.verify(self.signing_input.as_bytes(), &signature)
            .map_err(|_| JwsError::Signature)
    }
}

fn decode_json<T: DeserializeOwned>(part: &str) -> Result<T, JwsError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JwsError::Format)?;
    serde_json::from_slice(&bytes).map_err(|_| JwsError::Format)
}

/// base64url without padding, as JOSE writes every binary value.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A compact JWS (`header.claims.signature`, ES256) signed through `signer` (KMS answers DER;
/// JWS wants the raw `r‖s`). One call to the signer.
pub async fn sign(
    header: &Value,
    claims: &Value,
    signer: &dyn Signer,
) -> Result<String, SignError> {
    let signing_input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let der = signer.sign(signing_input.as_bytes()).await?;
    let signature = Signature::from_der(&der)
        .map_err(|_| SignError::Unavailable("the signer gave no ECDSA signature".into()))?;
    Ok(format!("{signing_input}.{}", b64(signature.to_bytes())))
}

/// A P-256 public key as a JWK (`kty`, `crv`, `x`, `y`): what `cnf.jwk` and proofs carry.
pub fn public_jwk(key: &VerifyingKey) -> Value {
    let point = key.to_encoded_point(false);
    let coordinate = |c: Option<&p256::FieldBytes>| c.map(b64).unwrap_or_default();
    json!({"kty": "EC", "crv": "P-256", "x": coordinate(point.x()), "y": coordinate(point.y())})
}

/// The P-256 key of an EC JWK (`x` and `y` of 32 bytes each), or `None`.
pub fn jwk_key(jwk: &Value) -> Option<VerifyingKey> {
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return None;
    }
    let coordinate = |name: &str| -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(jwk[name].as_str()?).ok()?;
        (bytes.len() == 32).then_some(bytes)
    };
    let mut point = vec![4u8];
    point.extend(coordinate("x")?);
    point.extend(coordinate("y")?);
    VerifyingKey::from_sec1_bytes(&point).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::SigningKey;

    fn signed(header: &Value, key: &SigningKey) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(r#"{"a":1}"#));
        let signature: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.to_bytes()))
    }

    #[test]
    fn verifies_its_own_key_only() {
        let key = SigningKey::random(&mut rand::thread_rng());
        let token = signed(&json!({"alg": "ES256", "typ": "x"}), &key);
        let jws = Jws::parse(&token).unwrap();
        assert_eq!(jws.header_str("typ"), Some("x"));
        assert_eq!(jws.verify(key.verifying_key()), Ok(()));
        assert_eq!(jws.payload::<Value>().unwrap(), json!({"a": 1}));
        let other = SigningKey::random(&mut rand::thread_rng());
        assert_eq!(jws.verify(other.verifying_key()), Err(JwsError::Signature));
        let jwk = public_jwk(key.verifying_key());
        assert_eq!(jwk_key(&jwk).as_ref(), Some(key.verifying_key()));
    }

    #[test]
    fn refuses_other_algorithms_and_shapes() {
        let key = SigningKey::random(&mut rand::thread_rng());
        for alg in [json!({"alg": "none"}), json!({"alg": "HS256"}), json!({})] {
            assert_eq!(
                Jws::parse(&signed(&alg, &key)).unwrap_err(),
                JwsError::Algorithm
            );
        }
        let good = signed(&json!({"alg": "ES256"}), &key);
        let not_an_object = format!("{}.{}", b64("[1]"), good.split_once('.').unwrap().1);
        for bad in [
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            format!("{good}.x"),
            good.replacen('.', "!.", 1),
            not_an_object,
        ] {
            assert_eq!(Jws::parse(&bad).unwrap_err(), JwsError::Format, "{bad}");
        }
        let (input, _) = good.rsplit_once('.').unwrap();
        let unsigned = format!("{input}.");
        let unsigned = Jws::parse(&unsigned).unwrap();
        assert_eq!(
            unsigned.verify(key.verifying_key()),
            Err(JwsError::Signature)
        );
    }
}

//! DPoP proofs (RFC 9449): a JWT the client signs with a key of its own for each HTTP request,
//! binding an access token to that key (its RFC 7638 thumbprint, `jkt`). ES256 only, as every
//! JWS here. What is checked: `typ` `dpop+jwt`, a public P-256 `jwk` in the header that
//! verifies the signature, `htm` and `htu` the request's method and URL, `iat` within the last
//! five minutes (a minute ahead for clocks), a `jti`, and for a resource request `ath`, the
//! token's hash. That each `jti` is used once is the caller's (it has the store).

use crate::jose::{b64, jwk_key, Jws};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const TYP: &str = "dpop+jwt";
const MOST_AGE_SECS: i64 = 300;
const MOST_AHEAD_SECS: i64 = 60;

/// A proof that passed: the key's thumbprint, its `jti`, and when it says it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub jkt: String,
    pub jti: String,
    pub iat: i64,
}

/// Why a proof is refused (said to the client as `invalid_dpop_proof`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DpopRefusal {
    #[error("not a DPoP proof (a compact JWS, typ dpop+jwt, ES256, a public P-256 jwk)")]
    Malformed,
    #[error("the proof's signature does not verify with its jwk")]
    Signature,
    #[error("the proof is for another method or URL (htm, htu)")]
    OtherRequest,
    #[error("the proof is too old or from the future (iat)")]
    Stale,
    #[error("the proof is not for this access token (ath)")]
    OtherToken,
}

/// RFC 7638: the SHA-256 thumbprint of a P-256 JWK (its required members, in order).
pub fn thumbprint(jwk: &Value) -> Option<String> {
    let (x, y) = (jwk["x"].as_str()?, jwk["y"].as_str()?);
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    Some(b64(Sha256::digest(canonical.as_bytes())))
}

/// `htu` as compared: without query and fragment (RFC 9449 section 4.3).
fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// Checks `proof` for a request of `method` to `url` at `now` (seconds), with `access_token`
/// for a resource request (none at the token endpoint).
pub fn check(
    proof: &str,
    method: &str,
    url: &str,
    access_token: Option<&str>,
    now: i64,
) -> Result<Proof, DpopRefusal> {
    let jws = Jws::parse(proof.trim()).map_err(|_| DpopRefusal::Malformed)?;
    if jws.header_str("typ") != Some(TYP) {
        return Err(DpopRefusal::Malformed);
    }
    let jwk = jws.header("jwk").ok_or(DpopRefusal::Malformed)?;
    // A private key in the header would be the client's mistake; refused all the same.
    if jwk.get("d").is_some() {
        return Err(DpopRefusal::Malformed);
    }
    let key = jwk_key(jwk).ok_or(DpopRefusal::Malformed)?;
    jws.verify(&key).map_err(|_| DpopRefusal::Signature)?;
    let claims: Value = jws.payload().map_err(|_| DpopRefusal::Malformed)?;
    let jti = claims["jti"]
        .as_str()
        .filter(|j| (1..=200).contains(&j.len()))
        .ok_or(DpopRefusal::Malformed)?;
    let iat = claims["iat"].as_i64().ok_or(DpopRefusal::Malformed)?;
    if claims["htm"].as_str() != Some(method)
        || claims["htu"].as_str().map(without_query) != Some(without_query(url))
    {
        return Err(DpopRefusal::OtherRequest);
    }
    if iat < now - MOST_AGE_SECS || iat > now + MOST_AHEAD_SECS {
        return Err(DpopRefusal::Stale);
    }
    if let Some(token) = access_token {
        let expected = b64(Sha256::digest(token.as_bytes()));
        if claims["ath"].as_str() != Some(expected.as_str()) {
            return Err(DpopRefusal::OtherToken);
        }
    }
    Ok(Proof {
        jkt: thumbprint(jwk).ok_or(DpopRefusal::Malformed)?,
        jti: jti.to_owned(),
        iat,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::{Signature, SigningKey};
    use serde_json::json;

    fn proof(key: &SigningKey, header: Value, claims: Value) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.to_bytes()))
    }

    fn header(key: &SigningKey) -> Value {
        json!({"typ": TYP, "alg": "ES256", "jwk": crate::jose::public_jwk(key.verifying_key())})
    }

    const URL: &str = "https://cazier.example/v1/consent-changes";

    #[test]
    fn a_proof_binds_its_key_to_one_request_and_token() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let claims = json!({"jti": "j1", "htm": "GET", "htu": URL, "iat": 1000,
            "ath": b64(Sha256::digest(b"token"))});
        let good = proof(&key, header(&key), claims.clone());
        let checked = check(&good, "GET", &format!("{URL}?after=x"), Some("token"), 1000).unwrap();
        assert_eq!(checked.jkt, thumbprint(&header(&key)["jwk"]).unwrap());
        assert_eq!(
            check(&good, "POST", URL, Some("token"), 1000),
            Err(DpopRefusal::OtherRequest)
        );
        let elsewhere = "https://cazier.example/v1/consents/x/extract";
        assert_eq!(
            check(&good, "GET", elsewhere, Some("token"), 1000),
            Err(DpopRefusal::OtherRequest)
        );
        assert_eq!(
            check(&good, "GET", URL, Some("other"), 1000),
            Err(DpopRefusal::OtherToken)
        );
        assert_eq!(
            check(&good, "GET", URL, Some("token"), 1301),
            Err(DpopRefusal::Stale)
        );
        assert_eq!(
            check(&good, "GET", URL, Some("token"), 939),
            Err(DpopRefusal::Stale)
        );
        // Signed by another key than the one it shows.
        let other = SigningKey::random(&mut rand::rngs::OsRng);
        let swapped = proof(&other, header(&key), claims.clone());
        assert_eq!(
            check(&swapped, "GET", URL, Some("token"), 1000),
            Err(DpopRefusal::Signature)
        );
        // Not a DPoP proof: another typ, a private key shown, no jti.
        let mut typ = header(&key);
        typ["typ"] = json!("JWT");
        assert!(check(&proof(&key, typ, claims.clone()), "GET", URL, None, 1000).is_err());
        let mut private = header(&key);
        private["jwk"]["d"] = json!(b64(key.to_bytes()));
        assert!(check(&proof(&key, private, claims), "GET", URL, None, 1000).is_err());
        let no_jti = json!({"htm": "GET", "htu": URL, "iat": 1000});
        assert_eq!(
            check(&proof(&key, header(&key), no_jti), "GET", URL, None, 1000),
            Err(DpopRefusal::Malformed)
        );
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s() {
        // RFC 7638 computes over the members in lexicographic order, without spaces; this
        // key and thumbprint are RFC 9449's example (section 6.1's jkt for its section 4 key).
        let jwk = json!({"kty": "EC", "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
            "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA", "crv": "P-256"});
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
        );
    }
}

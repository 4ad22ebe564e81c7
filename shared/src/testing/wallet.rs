//! A holder's wallet, for the tests and benchmarks of the wallet protocols: presentations of
//! a credential with the disclosures chosen and a key-binding JWT, as wallets make them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A compact ES256 JWS by `key`.
pub fn jws(header: &Value, claims: &Value, key: &SigningKey) -> String {
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let c = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature: Signature = key.sign(format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// The credential presented with only the disclosures named `names` (all of them when
/// `None`), then a key-binding JWT by `holder` for `aud` and `nonce`, made at `iat`.
pub fn present(
    credential: &str,
    names: Option<&[&str]>,
    holder: &SigningKey,
    aud: &str,
    nonce: &str,
    iat: i64,
) -> String {
    let mut parts = credential.trim_end_matches('~').split('~');
    let mut presented = parts.next().unwrap_or_default().to_owned();
    for d in parts {
        let name = URL_SAFE_NO_PAD
            .decode(d)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .and_then(|item| item[1].as_str().map(str::to_owned))
            .unwrap_or_default();
        if names.is_none_or(|names| names.contains(&name.as_str())) {
            presented.push('~');
            presented.push_str(d);
        }
    }
    presented.push('~');
    let sd_hash = URL_SAFE_NO_PAD.encode(Sha256::digest(presented.as_bytes()));
    let kb = jws(
        &json!({"alg": "ES256", "typ": "kb+jwt"}),
        &json!({"aud": aud, "nonce": nonce, "iat": iat, "sd_hash": sd_hash}),
        holder,
    );
    format!("{presented}{kb}")
}

/// A wallet's `direct_post.jwt` answer to `authorization_request`: `vp_token` (the JSON
/// object) and the request's `state`, encrypted to the request's own key (ECDH-ES, A256GCM).
pub fn encrypted_response(authorization_request: &serde_json::Value, vp_token: &str) -> String {
    let jwk = &authorization_request["client_metadata"]["jwks"]["keys"][0];
    let Some(key) = crate::jose::jwk_key(jwk) else {
        panic!("the request offers no encryption key: {authorization_request}")
    };
    let token: serde_json::Value = serde_json::from_str(vp_token).unwrap_or_default();
    let payload = serde_json::json!({"vp_token": token, "state": authorization_request["state"]});
    let kid = jwk["kid"].as_str().unwrap_or_default();
    let nonce = authorization_request["nonce"].as_str().unwrap_or_default();
    crate::jwe::encrypt(
        payload.to_string().as_bytes(),
        &p256::PublicKey::from(&key),
        kid,
        "A256GCM",
        nonce.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("encrypting: {e}"))
}

//! The request a wallet gets: the authorization request (OpenID4VP 1.0, section 5) with its
//! DCQL query and the request's own encryption key, and the request object that carries it,
//! signed with the asking organisation's access key.

use super::{RequestObjectError, QUERY_ID, REQUESTED_CLAIMS, REQUEST_LIFETIME};
use crate::crypto::sha256_hex;
use crate::domain::organisation::Organisation;
use crate::organisations::AccessKey;
use crate::ports::{Clock, Organisations, WalletGrant, WalletGrants};
use crate::Unavailable;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use cazier_formats::jwe;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A new request's key agreement key: the P-256 scalar, base64url (kept in its grant).
pub(super) fn new_response_key() -> String {
    URL_SAFE_NO_PAD.encode(p256::SecretKey::random(&mut rand::rngs::OsRng).to_bytes())
}

/// The key a grant keeps, or `None` if it is not one.
pub(super) fn response_key(kept: &str) -> Option<p256::SecretKey> {
    let bytes = URL_SAFE_NO_PAD.decode(kept).ok()?;
    p256::SecretKey::from_slice(&bytes).ok()
}

/// `x509_hash:` and the SHA-256 of the organisation's access certificate (DER; OpenID4VP
/// 1.0, section 5.9.3): the wallet checks it against the request object's `x5c`.
pub fn client_id_of(access_certificate: &[u8]) -> String {
    format!(
        "x509_hash:{}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(access_certificate))
    )
}

/// Signs the request objects wallets fetch, each with its organisation's access key, held in
/// memory (no KMS call): only the function that serves them reads those keys (the portal's
/// role cannot).
pub struct RequestObjects {
    pub grants: Arc<dyn WalletGrants>,
    pub organisations: Arc<dyn Organisations>,
    pub clock: Arc<dyn Clock>,
    /// Our response endpoint (`…/oid4vp/response`), as in the request the link started.
    pub response_uri: String,
    /// Our credential type, as in the request the link started.
    pub vct: String,
    /// What this instance signed already (one per cold start, shared by its invocations).
    pub signed: SignedOnce,
}

/// Request objects this instance signed, by their state's hash, for as long as a request
/// lives: a wallet (or anyone with the link) fetching one again costs no KMS `Sign`, the
/// seal's key is not drained by fetches, and the grant is still read at each fetch (an expired
/// or answered request is not served).
#[derive(Default)]
pub struct SignedOnce(std::sync::Mutex<std::collections::HashMap<String, (DateTime<Utc>, String)>>);

impl SignedOnce {
    /// At most this many kept (each a few KB); past it, the expired go, else all.
    const MOST: usize = 10_000;

    fn get(&self, key: &str, now: DateTime<Utc>) -> Option<String> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(key)
            .filter(|(until, _)| *until > now)
            .map(|(_, jwt)| jwt.clone())
    }

    fn keep(&self, key: String, jwt: String, now: DateTime<Utc>) {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= Self::MOST {
            kept.retain(|_, (until, _)| *until > now);
            if kept.len() >= Self::MOST {
                kept.clear();
            }
        }
        kept.insert(key, (now + REQUEST_LIFETIME, jwt));
    }
}

impl RequestObjects {
    /// The request object the wallet fetches from the link's `request_uri`: the request as
    /// a JWT (`typ oauth-authz-req+jwt`) signed with the asking organisation's access key,
    /// `x5c` its access certificate. Fetched as often as the wallet likes until it answers or
    /// the request expires; signed once.
    pub async fn request_object(&self, state: &str) -> Result<String, RequestObjectError> {
        let now = self.clock.now();
        let state_hash = sha256_hex(state.as_bytes());
        let Some(WalletGrant::PresentationRequest {
            nonce,
            verifier,
            client_id,
            response_key,
            ..
        }) = self.grants.peek_grant(&state_hash, now).await?
        else {
            return Err(RequestObjectError::NotFound);
        };
        // Suspended since it asked: its requests are no longer served (read at every fetch,
        // before what this instance signed already).
        let organisation = self
            .organisations
            .get(&verifier)
            .await?
            .filter(Organisation::is_active)
            .ok_or(RequestObjectError::NotFound)?;
        if let Some(signed) = self.signed.get(&state_hash, now) {
            return Ok(signed);
        }
        let key = AccessKey::of(&organisation.access)?;
        if client_id_of(&organisation.access.certificate) != client_id {
            // Its certificate was renewed since: the link names the old one.
            return Err(RequestObjectError::NotFound);
        }
        let x5c = [STANDARD.encode(&organisation.access.certificate)];
        let header = json!({"alg": crate::jose::ES256, "typ": "oauth-authz-req+jwt", "x5c": x5c});
        let request = Request {
            client_id: &client_id,
            state,
            nonce: &nonce,
            response_key: &response_key,
        };
        let mut claims = authorization_request(&self.response_uri, &self.vct, &request)?;
        // RFC 9101 with OpenID4VP 1.0, section 5: the audience a wallet expects, and when.
        claims["aud"] = json!("https://self-issued.me/v2");
        claims["iat"] = json!(now.timestamp());
        // No later than its request (RFC 9101): a copy kept by a wallet is worth nothing after.
        claims["exp"] = json!((now + REQUEST_LIFETIME).timestamp());
        let jwt = crate::jose::sign(&header, &claims, &key)
            .await
            .map_err(Unavailable::from)?;
        self.signed.keep(state_hash, jwt.clone(), now);
        Ok(jwt)
    }
}

/// What one authorization request is made of, besides where it is answered and what it asks.
pub(super) struct Request<'a> {
    pub client_id: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    /// The request's key agreement key, as its grant keeps it.
    pub response_key: &'a str,
}

/// The authorization request, answered at `response_uri` by `direct_post.jwt`: the wallet
/// encrypts its response (ECDH-ES, A128GCM or A256GCM) to the request's own key, whose `kid`
/// is the request's `state` (the response endpoint finds the request by it).
pub(super) fn authorization_request(
    response_uri: &str,
    vct: &str,
    request: &Request<'_>,
) -> Result<Value, Unavailable> {
    let key = response_key(request.response_key)
        .ok_or_else(|| Unavailable::Internal("a stored response key does not parse".into()))?;
    let jwk = jwe::encryption_jwk(&key.public_key(), request.state);
    Ok(json!({
        "response_type": "vp_token",
        "client_id": request.client_id,
        "response_uri": response_uri,
        "response_mode": "direct_post.jwt",
        "nonce": request.nonce,
        "state": request.state,
        "dcql_query": dcql_query(vct),
        "client_metadata": {
            "jwks": {"keys": [jwk]},
            "encrypted_response_enc_values_supported": jwe::ENC_VALUES,
            "vp_formats_supported": {"dc+sd-jwt": {
                "sd-jwt_alg_values": ["ES256"],
                "kb-jwt_alg_values": ["ES256"],
            }},
        },
    }))
}

/// The DCQL query: one SD-JWT VC of our type (`vct`), with the [`REQUESTED_CLAIMS`].
fn dcql_query(vct: &str) -> Value {
    let claims: Vec<Value> = REQUESTED_CLAIMS
        .iter()
        .map(|c| json!({"path": [c]}))
        .collect();
    json!({"credentials": [{
        "id": QUERY_ID,
        "format": "dc+sd-jwt",
        "meta": {"vct_values": [vct]},
        "claims": claims,
    }]})
}

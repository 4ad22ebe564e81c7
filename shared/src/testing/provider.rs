//! An OpenID Connect provider in memory, for the unit tests of the ROeID rules: it hands out
//! codes for an authorization request and redeems them for ID tokens signed with a test key,
//! checking PKCE, the client and the redirect as a provider does. (The local stack and the
//! end-to-end tests run the real `oidc-provider` package instead.)

use super::stores::lock;
use crate::identity::sign;
use crate::oidc::pkce_challenge;
use crate::ports::{TokenEndpoint, TokenError};
use crate::services::roeid::Callback;
use async_trait::async_trait;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

const KEY: &str = include_str!("../../../infra/local/ghiseul-dev-key.pem");
const KID: &str = "roeid-test-1";
pub const ISSUER: &str = "https://roeid.test";
pub const CLIENT_ID: &str = "cazier-test";

/// The `IDENTITY_ISSUERS` entry that trusts this provider.
pub fn issuer_entry() -> Value {
    json!({
        "provider": "roeid", "issuer": ISSUER, "audience": CLIENT_ID,
        "authorize_url": "https://roeid.test/auth", "token_url": "https://roeid.test/token",
        "scope": "openid cnp",
        "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "kid": KID,
            "x": "9Htdxr4iVWNESYQdZA0qf7q0WRs-ezSr8z26PXtDbn0",
            "y": "-Xy3wycvr4sNjBqqsFtlAMpm04U-Ked3-a5Oa-sPSCQ"}]}
    })
}

struct Pending {
    claims: Value,
    challenge: String,
    redirect_uri: String,
}

#[derive(Default)]
pub struct MemoryProvider {
    codes: Mutex<HashMap<String, Pending>>,
    failing: AtomicBool,
}

fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query parameters of a URL.
pub fn query(url: &str) -> HashMap<String, String> {
    url.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

impl MemoryProvider {
    /// A token for any claims, signed with the provider's key (for the attacks in tests).
    pub fn sign(claims: &Value) -> String {
        sign(claims, KEY, KID).unwrap_or_default()
    }

    /// The citizen with this CNP signs in at `authorize_url` at `now`; what the browser brings
    /// back. The register knows them as Ștefănescu Ana-Maria (as the tests' citizens
    /// register); `edit` may change the claims the ID token will carry.
    pub fn sign_in(
        &self,
        authorize_url: &str,
        cnp: &str,
        now: chrono::DateTime<chrono::Utc>,
        edit: impl FnOnce(&mut Value),
    ) -> Callback {
        let q = query(authorize_url);
        let now = now.timestamp();
        let mut claims = json!({
            "iss": ISSUER, "aud": q.get("client_id"), "sub": format!("sub-{cnp}"),
            "iat": now, "exp": now + 300, "nonce": q.get("nonce"), "cnp": cnp,
            "family_name": "ȘTEFĂNESCU", "given_name": "ANA MARIA",
        });
        edit(&mut claims);
        let code = crate::crypto::new_token();
        lock(&self.codes).insert(
            code.clone(),
            Pending {
                claims,
                challenge: q.get("code_challenge").cloned().unwrap_or_default(),
                redirect_uri: q.get("redirect_uri").cloned().unwrap_or_default(),
            },
        );
        Callback {
            state: q.get("state").cloned(),
            code: Some(code),
            iss: Some(ISSUER.into()),
            error: None,
        }
    }

    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

#[async_trait]
impl TokenEndpoint for MemoryProvider {
    async fn redeem(&self, token_url: &str, form: &[(&str, &str)]) -> Result<String, TokenError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(TokenError::Unavailable(
                "the test made the provider fail".into(),
            ));
        }
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
                .unwrap_or_default()
        };
        let refused = || TokenError::Refused("invalid_grant".into());
        if token_url != "https://roeid.test/token" || field("grant_type") != "authorization_code" {
            return Err(TokenError::Refused("invalid_request".into()));
        }
        // A code is single-use, whatever the outcome.
        let pending = lock(&self.codes)
            .remove(field("code"))
            .ok_or_else(refused)?;
        if pkce_challenge(field("code_verifier")) != pending.challenge
            || field("redirect_uri") != pending.redirect_uri
            || field("client_id") != CLIENT_ID
        {
            return Err(refused());
        }
        Ok(Self::sign(&pending.claims))
    }
}

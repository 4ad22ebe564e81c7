//! What a wallet posts to the response endpoint, read: a `direct_post.jwt` response (a JWE
//! encrypted to the request's own key, found by its `kid`, the request's `state`), or a plain
//! form, which may only decline (an error carries nothing of the holder's).

use super::request::response_key;
use super::RespondError;
use crate::crypto::sha256_hex;
use crate::ports::{WalletGrant, WalletGrants};
use cazier_formats::jwe::Jwe;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The response endpoint's form, as posted.
#[derive(Debug, Default, Clone, Copy)]
pub struct WalletResponse<'a> {
    pub state: Option<&'a str>,
    pub vp_token: Option<&'a str>,
    pub error: Option<&'a str>,
    /// `direct_post.jwt`: the encrypted response.
    pub response: Option<&'a str>,
}

/// What the wallet said, and for which request.
pub(super) struct Said {
    pub state: String,
    pub vp_token: Option<String>,
    pub error: Option<String>,
}

/// A response's JWE is at most this long (a presentation is about 3.5 KB).
const MOST_JWE_BYTES: usize = 24 * 1024;

impl WalletResponse<'_> {
    /// What the wallet said: decrypted with the key of the request its JWE names, or the plain
    /// form, which is taken only as a refusal (`error`). Nothing is spent here.
    pub(super) async fn read(
        &self,
        grants: &dyn WalletGrants,
        now: DateTime<Utc>,
    ) -> Result<Said, RespondError> {
        let Some(jwe) = self.response else {
            let state = self
                .state
                .ok_or(RespondError::Malformed("state is missing"))?;
            return match (self.vp_token, self.error) {
                (None, None) => Err(RespondError::Malformed("vp_token or error is required")),
                // A presentation in the clear: refused, and the request is left for the
                // wallet's encrypted answer (whoever posted this does not spend it).
                (Some(_), _) => Err(RespondError::EncryptionRequired),
                (None, Some(error)) => Ok(Said {
                    state: state.to_owned(),
                    vp_token: None,
                    error: Some(error.to_owned()),
                }),
            };
        };
        if jwe.len() > MOST_JWE_BYTES {
            return Err(RespondError::Malformed("the response is too long"));
        }
        let parsed =
            Jwe::parse(jwe).map_err(|_| RespondError::Malformed("response is not a JWE"))?;
        let state = parsed
            .header_str("kid")
            .ok_or(RespondError::Malformed("the JWE names no kid"))?
            .to_owned();
        let Some(WalletGrant::PresentationRequest {
            response_key: kept, ..
        }) = grants
            .peek_grant(&sha256_hex(state.as_bytes()), now)
            .await?
        else {
            return Err(RespondError::UnknownState);
        };
        let key = response_key(&kept).ok_or_else(|| {
            RespondError::Unavailable(crate::Unavailable::Internal(
                "a stored response key does not parse".into(),
            ))
        })?;
        // Encrypted to another request's key, or altered: refused, the request left waiting.
        let plaintext = parsed.decrypt(&key).map_err(|_| {
            RespondError::Malformed("the response does not decrypt with this request's key")
        })?;
        let payload: Value = serde_json::from_slice(&plaintext)
            .map_err(|_| RespondError::Malformed("the decrypted response is not JSON"))?;
        if payload
            .get("state")
            .is_some_and(|s| s.as_str() != Some(state.as_str()))
        {
            return Err(RespondError::Malformed(
                "the response's state is not the request's",
            ));
        }
        // OpenID4VP 1.0 puts the vp_token object itself in the payload; a string is the
        // form's encoding of it.
        let vp_token = match payload.get("vp_token") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let error = payload
            .get("error")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if vp_token.is_none() && error.is_none() {
            return Err(RespondError::Malformed("vp_token or error is required"));
        }
        Ok(Said {
            state,
            vp_token,
            error,
        })
    }
}

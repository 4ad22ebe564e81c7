//! Checking a certificate presented from a wallet, by OpenID4VP 1.0 (cross-device, response
//! mode `direct_post`). A verifier (an employer's browser, or an institution's system) starts a
//! request and gets a transaction secret, which only it holds, and a request to show the
//! holder as a QR code. The holder's wallet posts the presentation to our response endpoint
//! with the request's `state`; we check it (issuer, key binding for this request, disclosures,
//! the published status list), record the check in the holder's "who checked" log, and keep
//! the outcome for the verifier until the request expires, under the secret's hash (the
//! adapter seals it: it names the holder). The `state` the wallet sees does not open it.

use crate::crypto::{new_token, sha256_hex};
use crate::domain::{AuditEvent, CertificateNumber, FieldError, PresentationOutcome as Outcome};
use crate::ports::{
    AuditLog, BlobStore, Clock, PresentationResults, Throttle, WalletGrant, WalletGrants,
};
use crate::services::trust::ChainSource;
use crate::services::{status, throttled, unavailable_from_ports, Unavailable};
use crate::statement::status_list;
use crate::wallet::sd_jwt::{self, Presented};
use chrono::Duration;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The DCQL credential query's id: the key of the certificate in `vp_token`.
pub const QUERY_ID: &str = "cazier";
/// How long a request waits for the wallet, and its outcome for the verifier.
pub const REQUEST_LIFETIME: Duration = Duration::minutes(10);
/// New requests per verifier (client address) a minute: each writes two items.
const STARTS_PER_MINUTE: u32 = 10;
/// What the request asks the holder to disclose: "valid, no entries", and whose.
pub const REQUESTED_CLAIMS: [&str; 3] = ["has_entries", "expiry_date", "holder_name"];

pub struct PresentationService {
    pub grants: Arc<dyn WalletGrants>,
    pub results: Arc<dyn PresentationResults>,
    pub throttle: Arc<dyn Throttle>,
    pub blobs: Arc<dyn BlobStore>,
    pub chain: Arc<ChainSource>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    /// Our response endpoint (`…/oid4vp/response`); the client id is it, prefixed
    /// `redirect_uri:`.
    pub response_uri: String,
    /// Where the years' status lists are served (`…/v1/status-lists`).
    pub status_lists_url: String,
}

/// A new request: the secret is the verifier's, the request goes to the wallet.
#[derive(Debug, Serialize)]
pub struct Started {
    /// Shows the outcome; never shown to the holder or put in a URL.
    pub transaction: String,
    /// `openid4vp://?…`: the QR code, or the link on the holder's own phone.
    pub request_uri: String,
    /// The same request as an object (OpenID4VP 1.0, section 5).
    pub authorization_request: Value,
    pub expires_in: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("too many requests; retry in {retry_after}s")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

#[derive(Debug, thiserror::Error)]
pub enum OutcomeError {
    /// Unknown or expired transaction.
    #[error("no such request")]
    NotFound,
    #[error(transparent)]
    Unavailable(Unavailable),
}

/// The response endpoint's refusals (OpenID4VP 1.0, section 8.2; RFC 6749 error codes).
#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    /// Unknown, answered or expired `state`.
    #[error("the request is unknown, answered or expired")]
    UnknownState,
    /// The answer is not a response at all (nothing recorded).
    #[error("{0}")]
    Malformed(&'static str),
    /// The presentation failed a check; the verifier sees why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(StartError, OutcomeError, RespondError);

impl PresentationService {
    pub fn client_id(&self) -> String {
        format!("redirect_uri:{}", self.response_uri)
    }

    /// The DCQL query: one SD-JWT VC of our type, with the [`REQUESTED_CLAIMS`].
    fn dcql_query() -> Value {
        let claims: Vec<Value> = REQUESTED_CLAIMS
            .iter()
            .map(|c| json!({"path": [c]}))
            .collect();
        json!({"credentials": [{
            "id": QUERY_ID,
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [sd_jwt::VCT]},
            "claims": claims,
        }]})
    }

    /// A new request for `client` (throttled), on behalf of the declared organisation.
    pub async fn start(
        &self,
        organisation: Option<&str>,
        client: &str,
    ) -> Result<Started, StartError> {
        let organisation = crate::services::shares::declared_organisation(organisation)
            .map_err(StartError::Invalid)?;
        let now = self.clock.now();
        if let Err(retry_after) = throttled(
            &*self.throttle,
            &format!("presentation:{client}"),
            STARTS_PER_MINUTE,
            60,
            now,
        )
        .await?
        {
            return Err(StartError::Throttled { retry_after });
        }
        let (transaction, state, nonce) = (new_token(), new_token(), new_token());
        let transaction_hash = sha256_hex(transaction.as_bytes());
        let expires = now + REQUEST_LIFETIME;
        self.results
            .put_presentation(&transaction_hash, &Outcome::Pending, expires)
            .await?;
        self.grants
            .put_grant(
                &sha256_hex(state.as_bytes()),
                &WalletGrant::PresentationRequest {
                    nonce: nonce.clone(),
                    organisation,
                    transaction_hash,
                },
                expires,
            )
            .await?;
        let request = json!({
            "response_type": "vp_token",
            "client_id": self.client_id(),
            "response_uri": self.response_uri,
            "response_mode": "direct_post",
            "nonce": nonce,
            "state": state,
            "dcql_query": Self::dcql_query(),
            "client_metadata": {"vp_formats_supported": {"dc+sd-jwt": {
                "sd-jwt_alg_values": ["ES256"],
                "kb-jwt_alg_values": ["ES256"],
            }}},
        });
        let query: Vec<String> = request
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, value)| {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                format!("{name}={}", crate::identity::query_value(&text))
            })
            .collect();
        Ok(Started {
            transaction,
            request_uri: format!("openid4vp://?{}", query.join("&")),
            authorization_request: request,
            expires_in: REQUEST_LIFETIME.num_seconds(),
        })
    }

    /// Where the request stands, for the holder of its transaction secret.
    pub async fn outcome(&self, transaction: &str) -> Result<Outcome, OutcomeError> {
        self.results
            .get_presentation(&sha256_hex(transaction.as_bytes()), self.clock.now())
            .await?
            .ok_or(OutcomeError::NotFound)
    }

    /// The response endpoint: the wallet's answer to the request `state` names, either a
    /// `vp_token` or an `error`. One answer per request: the state is spent by the first.
    pub async fn respond(
        &self,
        state: Option<&str>,
        vp_token: Option<&str>,
        error: Option<&str>,
    ) -> Result<Outcome, RespondError> {
        let state = state.ok_or(RespondError::Malformed("state is missing"))?;
        if vp_token.is_none() && error.is_none() {
            return Err(RespondError::Malformed("vp_token or error is required"));
        }
        let now = self.clock.now();
        let state_hash = sha256_hex(state.as_bytes());
        let Some(WalletGrant::PresentationRequest {
            nonce,
            organisation,
            transaction_hash,
        }) = self.grants.take_grant(&state_hash, now).await?
        else {
            return Err(RespondError::UnknownState);
        };
        let outcome = match error {
            // An error code is ASCII (RFC 6749); it is shown to the verifier, so kept short.
            Some(error) => Ok(Outcome::Declined {
                error: error
                    .chars()
                    .filter(|c| c.is_ascii_graphic())
                    .take(64)
                    .collect(),
            }),
            None => {
                let token = vp_token.unwrap_or_default();
                self.check(token, &nonce, organisation.as_deref()).await
            }
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            // Nothing decided: the request waits for the wallet to try again.
            Err(unavailable) => {
                let request = WalletGrant::PresentationRequest {
                    nonce,
                    organisation,
                    transaction_hash,
                };
                self.grants
                    .put_grant(&state_hash, &request, now + REQUEST_LIFETIME)
                    .await?;
                return Err(RespondError::Unavailable(unavailable));
            }
        };
        self.results
            .put_presentation(&transaction_hash, &outcome, now + REQUEST_LIFETIME)
            .await?;
        match outcome {
            Outcome::Refused { reason } => Err(RespondError::Refused(reason)),
            other => Ok(other),
        }
    }

    /// Checks one presentation; `Ok(Refused)` when it fails a check, `Err` when a dependency
    /// (the chain, the status list) is out of reach.
    async fn check(
        &self,
        vp_token: &str,
        nonce: &str,
        organisation: Option<&str>,
    ) -> Result<Outcome, Unavailable> {
        let refused = |reason: String| Ok(Outcome::Refused { reason });
        let Some(presentation) = presentation_in(vp_token) else {
            return refused("vp_token holds no presentation for the query \"cazier\"".into());
        };
        let now = self.clock.now();
        let trusted = crate::statement::trusted_in(self.chain.get().await?.certificates());
        let presented: Presented = match sd_jwt::verify_presentation(
            &presentation,
            &trusted,
            &self.client_id(),
            nonce,
            now,
        ) {
            Ok(p) => p,
            Err(refusal) => return refused(refusal.to_string()),
        };
        let Some((number, year)) = self.certificate_of(&presented) else {
            return refused("the credential's status list is not this service's".into());
        };
        let token = self
            .blobs
            .get(&status::blob_key(year))
            .await?
            .ok_or_else(|| Unavailable::Internal(format!("no status list for {year}")))?;
        let list = status_list::verify(&String::from_utf8_lossy(&token), &trusted, now)
            .map_err(|e| Unavailable::Internal(format!("status list {year}: {e}")))?;
        let status = match presented.revoked_in(&list) {
            Some(true) => "REVOKED",
            _ => "VALID",
        };
        self.audit
            .record(&AuditEvent::wallet_presented(
                &number,
                status,
                organisation,
                now,
            ))
            .await?;
        Ok(Outcome::Verified {
            status: status.to_owned(),
            certificate_number: number.as_str().to_owned(),
            claims: presented.disclosed,
        })
    }

    /// The certificate a presentation is of, from its status reference, which must name one
    /// of our years' lists: (number, year).
    fn certificate_of(&self, presented: &Presented) -> Option<(CertificateNumber, i32)> {
        let reference = presented.status.as_ref()?;
        let year: i32 = reference
            .uri
            .strip_prefix(&self.status_lists_url)?
            .strip_prefix('/')?
            .parse()
            .ok()?;
        Some((CertificateNumber::new(year, reference.idx), year))
    }
}

/// The one presentation of `vp_token`: OpenID4VP 1.0's `{"cazier": ["…"]}`, or the last
/// drafts' `{"cazier": "…"}`.
fn presentation_in(vp_token: &str) -> Option<String> {
    let token: Value = serde_json::from_str(vp_token).ok()?;
    match &token[QUERY_ID] {
        Value::String(p) => Some(p.clone()),
        Value::Array(items) if items.len() == 1 => items[0].as_str().map(str::to_owned),
        _ => None,
    }
}

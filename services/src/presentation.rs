//! Checking a certificate presented from a wallet, by OpenID4VP 1.0 (cross-device, response
//! mode `direct_post`). A registered organisation (authenticated by its access token) starts a
//! request and gets a transaction secret, which only it holds, and a link to show the holder
//! as a QR code. The link names the organisation (`x509_hash:` of its relying-party access
//! certificate) and where to fetch the request: a JWT signed with the organisation's access
//! key, the certificate in `x5c` (the access CA, the wallet's anchor, left out), as EUDI
//! wallets expect. Nobody else can make a wallet show the organisation, or the Ministry, as
//! the one asking. The holder's wallet posts the presentation to our response endpoint
//! with the request's `state`; we check it (issuer, key binding for this request, disclosures,
//! the published status list), record the check in the holder's "who checked" log, and keep
//! the outcome for the verifier until the request expires, under the secret's hash (the
//! adapter seals it: it names the holder). The `state` the wallet sees does not open it.
//! (Over 400 lines: the verifier's three steps, request, wallet response and outcome, share
//! one request's state and checks, with the signer of its request objects, which only the
//! wallet function holds; issue 26 will split it with the encrypted responses.)

use crate::crypto::{new_token, sha256_hex};
use crate::domain::organisation::Organisation;
use crate::domain::{
    AuditEvent, CertificateNumber, PresentationOutcome as Outcome, PresentationStatus,
};
use crate::organisations::AccessKey;
use crate::ports::{
    AuditLog, BlobStore, Clock, Organisations, PresentationResults, Throttle, WalletGrant,
    WalletGrants,
};
use crate::statement::status_list::{self, ListStatus};
use crate::trust::ChainSource;
use crate::{status, throttled, unavailable_from_ports, Unavailable};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use cazier_formats::wallet::sd_jwt::{self, Presented};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The DCQL credential query's id: the key of the certificate in `vp_token`.
pub const QUERY_ID: &str = "cazier";
/// How long a request waits for the wallet, and its outcome for the verifier.
pub const REQUEST_LIFETIME: Duration = Duration::minutes(10);
/// New requests per organisation a minute: each writes two items.
const STARTS_PER_MINUTE: u32 = 60;
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
    /// Our response endpoint (`…/oid4vp/response`).
    pub response_uri: String,
    /// Where the request objects are fetched (`…/oid4vp/requests`).
    pub requests_url: String,
    /// Where the years' status lists are served (`…/v1/status-lists`).
    pub status_lists_url: String,
    /// Which certificate holds a status-list index (the index says nothing by itself).
    pub requests: Arc<dyn crate::ports::RequestStore>,
    /// Our credential type (`…/credentials/cazier/1`): asked for, and checked.
    pub vct: String,
}

/// A new request: the secret is the verifier's, the request goes to the wallet.
#[derive(Debug, Serialize)]
pub struct Started {
    /// Shows the outcome; never shown to the holder or put in a URL.
    pub transaction: String,
    /// `openid4vp://?client_id=…&request_uri=…`: the QR code, or the link on the holder's
    /// own phone.
    pub wallet_uri: String,
    /// The request the signed request object carries (OpenID4VP 1.0, section 5).
    pub authorization_request: Value,
    pub expires_in: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("too many requests; retry in {retry_after}s")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

#[derive(Debug, thiserror::Error)]
pub enum RequestObjectError {
    /// Unknown, answered or expired.
    #[error("no such request")]
    NotFound,
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

unavailable_from_ports!(StartError, RequestObjectError, OutcomeError, RespondError);

impl PresentationService {
    /// The authorization request for one `state` and `nonce`.
    fn request(&self, client_id: &str, state: &str, nonce: &str) -> Value {
        authorization_request(&self.response_uri, &self.vct, client_id, state, nonce)
    }

    /// A new request of `verifier`, a registered organisation the caller authenticated
    /// (throttled per organisation).
    pub async fn start(&self, verifier: &Organisation) -> Result<Started, StartError> {
        let now = self.clock.now();
        if let Err(retry_after) = throttled(
            &*self.throttle,
            &format!("presentation:{}", verifier.cui),
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
        let client_id = client_id_of(&verifier.access.certificate);
        self.grants
            .put_grant(
                &sha256_hex(state.as_bytes()),
                &WalletGrant::PresentationRequest {
                    nonce: nonce.clone(),
                    verifier: verifier.cui.clone(),
                    organisation: verifier.name.clone(),
                    client_id: client_id.clone(),
                    transaction_hash,
                },
                expires,
            )
            .await?;
        let request_uri = format!("{}/{state}", self.requests_url);
        let wallet_uri = format!(
            "openid4vp://?client_id={}&request_uri={}",
            crate::identity::query_value(&client_id),
            crate::identity::query_value(&request_uri)
        );
        Ok(Started {
            transaction,
            wallet_uri,
            authorization_request: self.request(&client_id, &state, &nonce),
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
        let Some(request) = self.grants.take_grant(&state_hash, now).await? else {
            return Err(RespondError::UnknownState);
        };
        let WalletGrant::PresentationRequest {
            nonce,
            organisation,
            client_id,
            transaction_hash,
            ..
        } = &request
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
                self.check(token, nonce, client_id, organisation).await
            }
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            // Nothing decided: the request waits for the wallet to try again.
            Err(unavailable) => {
                self.grants
                    .put_grant(&state_hash, &request, now + REQUEST_LIFETIME)
                    .await?;
                return Err(RespondError::Unavailable(unavailable));
            }
        };
        self.results
            .put_presentation(transaction_hash, &outcome, now + REQUEST_LIFETIME)
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
        client_id: &str,
        organisation: &str,
    ) -> Result<Outcome, Unavailable> {
        let refused = |reason: String| Ok(Outcome::Refused { reason });
        let Some(presentation) = presentation_in(vp_token) else {
            return refused("vp_token holds no presentation for the query \"cazier\"".into());
        };
        let now = self.clock.now();
        let chain = self.chain.get().await?;
        let trusted = crate::statement::trusted_in(chain.certificates());
        let presented: Presented = match sd_jwt::verify_presentation(
            &presentation,
            &trusted,
            &self.vct,
            client_id,
            nonce,
            now,
        ) {
            Ok(p) => p,
            Err(refusal) => return refused(refusal.to_string()),
        };
        // The query asks for each of these: a presentation that withholds one does not answer
        // it (withholding the holder's name, a company's clean certificate passed for a
        // person's: found by the attack on issue 25).
        if let Some(missing) = REQUESTED_CLAIMS
            .iter()
            .find(|claim| !presented.disclosed.contains_key(**claim))
        {
            return refused(format!(
                "the presentation withholds {missing}, which the request asks for"
            ));
        }
        let Some((reference, year)) = self.reference_of(&presented) else {
            return refused("the credential's status list is not this service's".into());
        };
        let Some(number) = self.certificate_at(year, reference.idx).await? else {
            return refused("no certificate of ours holds the credential's status index".into());
        };
        // Our own list missing or unreadable is our fault: the wallet is asked to try again.
        let token = self
            .blobs
            .get(&status::blob_key(year))
            .await?
            .ok_or_else(|| Unavailable::Internal(format!("no status list for {year}")))?;
        // Only a current list of this year that covers the index says "not revoked".
        let checked = match status_list::verify(&String::from_utf8_lossy(&token), &trusted, now) {
            Ok(list) => list
                .status_of(&reference.uri, reference.idx)
                .map_err(|e| e.to_string()),
            Err(status_list::ListRefusal::Stale(at)) => Err(format!("the list expired {at}")),
            Err(e) => return Err(Unavailable::Internal(format!("status list {year}: {e}"))),
        };
        let status = match checked {
            Ok(ListStatus::Revoked) => PresentationStatus::Revoked,
            Ok(ListStatus::NotRevoked) => PresentationStatus::Valid,
            Err(why) => {
                tracing::warn!(year, reason = %why, "revocation could not be checked");
                PresentationStatus::RevocationNotChecked
            }
        };
        self.audit
            .record(&AuditEvent::wallet_presented(
                &number,
                status,
                Some(organisation),
                now,
            ))
            .await?;
        Ok(Outcome::Verified {
            status,
            certificate_number: number.as_str().to_owned(),
            claims: presented.disclosed,
        })
    }

    /// A presentation's status reference, which must name one of our years' lists: the
    /// reference and its year.
    fn reference_of<'a>(
        &self,
        presented: &'a Presented,
    ) -> Option<(&'a cazier_formats::wallet::sd_jwt::StatusReference, i32)> {
        let reference = presented.status.as_ref()?;
        let year: i32 = reference
            .uri
            .strip_prefix(&self.status_lists_url)?
            .strip_prefix('/')?
            .parse()
            .ok()?;
        Some((reference, year))
    }

    /// The certificate holding `index` in the list of `year`: looked up, not derived (older
    /// certificates' indexes are their sequences).
    async fn certificate_at(
        &self,
        year: i32,
        index: u64,
    ) -> Result<Option<CertificateNumber>, Unavailable> {
        if index < crate::domain::LEGACY_STATUS_INDEXES {
            return Ok(Some(CertificateNumber::new(year, index)));
        }
        Ok(self.requests.number_at_status_index(year, index).await?)
    }
}

/// `x509_hash:` and the SHA-256 of the organisation's access certificate (DER; OpenID4VP
/// 1.0, section 5.9.3): the wallet checks it against the request object's `x5c`.
pub fn client_id_of(access_certificate: &[u8]) -> String {
    format!(
        "x509_hash:{}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(access_certificate))
    )
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
            ..
        }) = self.grants.peek_grant(&state_hash, now).await?
        else {
            return Err(RequestObjectError::NotFound);
        };
        if let Some(signed) = self.signed.get(&state_hash, now) {
            return Ok(signed);
        }
        // Suspended since it asked: its requests are no longer served.
        let organisation = self
            .organisations
            .get(&verifier)
            .await?
            .filter(Organisation::is_active)
            .ok_or(RequestObjectError::NotFound)?;
        let key = AccessKey::of(&organisation.access)?;
        if client_id_of(&organisation.access.certificate) != client_id {
            // Its certificate was renewed since: the link names the old one.
            return Err(RequestObjectError::NotFound);
        }
        let x5c = [STANDARD.encode(&organisation.access.certificate)];
        let header = json!({"alg": crate::jose::ES256, "typ": "oauth-authz-req+jwt", "x5c": x5c});
        let mut claims =
            authorization_request(&self.response_uri, &self.vct, &client_id, state, &nonce);
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

/// The authorization request for one `state` and `nonce`, answered at `response_uri`.
fn authorization_request(
    response_uri: &str,
    vct: &str,
    client_id: &str,
    state: &str,
    nonce: &str,
) -> Value {
    json!({
        "response_type": "vp_token",
        "client_id": client_id,
        "response_uri": response_uri,
        "response_mode": "direct_post",
        "nonce": nonce,
        "state": state,
        "dcql_query": dcql_query(vct),
        "client_metadata": {"vp_formats_supported": {"dc+sd-jwt": {
            "sd-jwt_alg_values": ["ES256"],
            "kb-jwt_alg_values": ["ES256"],
        }}},
    })
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

//! Checking a certificate presented from a wallet, by OpenID4VP 1.0. A registered
//! organisation (authenticated by its access token) starts a request and gets a transaction
//! secret, which only it holds, and a link to show the holder as a QR code (cross-device) or
//! a button on the holder's phone (same-device, with the organisation's `redirect_uri`). The
//! link names the organisation (`x509_hash:` of its relying-party access certificate) and
//! where to fetch the request (`request.rs`), signed with the organisation's access key:
//! nobody else can make a wallet show the organisation, or the Ministry, as the one asking.
//! The wallet encrypts its answer to the request's own key (`direct_post.jwt`; `response.rs`)
//! and posts it to our response endpoint; we check it (issuer, key binding for this request,
//! disclosures, the published status list), record the check in the holder's "who checked"
//! log, and keep the outcome for the verifier until the request expires, under the secret's
//! hash (the adapter seals it: it names the holder). Same-device, the holder's browser goes
//! back with a response code, without which the outcome is not shown: the verifier's session
//! that started the request is the one that reads it. (Over 400 lines: the verifier's three
//! steps, start, wallet response and outcome, share one request's state and checks; the
//! request object and the reading of a response are modules of their own.)

mod request;
mod response;

pub use request::{client_id_of, RequestObjects, SignedOnce};
pub use response::WalletResponse;

use crate::crypto::{constant_time_eq, new_token, sha256_hex};
use crate::domain::organisation::Organisation;
use crate::domain::{
    AuditEvent, CertificateNumber, FieldCode, FieldError, PresentationOutcome as Outcome,
    PresentationStatus,
};
use crate::ports::{
    AuditLog, BlobStore, Clock, PresentationResults, StoredPresentation, Throttle, WalletGrant,
    WalletGrants,
};
use crate::statement::status_list::{self, ListStatus};
use crate::trust::ChainSource;
use crate::{status, throttled, unavailable_from_ports, Unavailable};
use cazier_formats::wallet::sd_jwt::{self, Presented};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
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
    /// Who asked: a request of an organisation suspended since is answered no more.
    pub organisations: Arc<dyn crate::ports::Organisations>,
}

/// Where a same-device request sends the holder's browser back: a page under one of the
/// organisation's registered origins, `https` (or `http` on the loopback, for development),
/// a plain host name and port, no user name, no backslash, no fragment (ours carries the
/// response code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    uri: String,
    origin: String,
}

impl RedirectUri {
    pub fn parse(typed: &str) -> Result<Self, FieldError> {
        let invalid =
            |why: &str| FieldError::new("redirect_uri", FieldCode::InvalidRedirectUri, why);
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~/?=&%+:@!$'()*,;".contains(c);
        if typed.len() > 512 || !typed.chars().all(allowed) {
            return Err(invalid(
                "at most 512 characters of a URL: no spaces, backslashes or fragment",
            ));
        }
        let origin = Self::origin_of(typed)
            .ok_or_else(|| invalid("an https address: a host name (and port), no user name"))?;
        Ok(Self {
            uri: typed.to_owned(),
            origin,
        })
    }

    /// `scheme://host[:port]` of `typed`, if it is an https URL (or http on the loopback)
    /// with a plain host name (letters, digits, hyphens, dots) and a port from 1 to 65535.
    pub fn origin_of(typed: &str) -> Option<String> {
        let (scheme, rest) = typed.split_once("://")?;
        let authority = rest.split(['/', '?']).next()?;
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                let number: u32 = port.parse().ok()?;
                if !(1..=65535).contains(&number) {
                    return None;
                }
                (host, Some(number))
            }
            Some(_) => return None,
            None => (authority, None),
        };
        let host = host.to_ascii_lowercase();
        let plain = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost");
        match scheme {
            "https" if plain => {}
            "http" if loopback => {}
            _ => return None,
        }
        Some(match port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        })
    }
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

/// What the response endpoint answers a wallet that answered a request.
#[derive(Debug)]
pub struct Answered {
    pub outcome: Outcome,
    /// Same-device: the organisation's page, with the response code in its fragment.
    pub redirect_uri: Option<String>,
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
    /// A same-device request was answered: its response code must come with the secret.
    #[error("the response code is missing or is another request's")]
    ResponseCodeRequired,
    /// Too many receipts asked for by this client.
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
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
    /// A presentation in the clear, to a request that asked for it encrypted.
    #[error("this request takes its presentation encrypted (response_mode direct_post.jwt)")]
    EncryptionRequired,
    /// The presentation failed a check; the verifier sees why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(StartError, RequestObjectError, OutcomeError, RespondError);

impl PresentationService {
    /// A new request of `verifier`, a registered organisation the caller authenticated
    /// (throttled per organisation); same-device when it gives where the holder goes back.
    pub async fn start(
        &self,
        verifier: &Organisation,
        same_device: Option<RedirectUri>,
    ) -> Result<Started, StartError> {
        // Only to the organisation's own pages: no open redirect through our response.
        if let Some(redirect) = &same_device {
            if !verifier.redirect_origins.contains(&redirect.origin) {
                return Err(StartError::Invalid(vec![FieldError::new(
                    "redirect_uri",
                    FieldCode::InvalidRedirectUri,
                    "not under one of the organisation's registered addresses",
                )]));
            }
        }
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
        let pending = StoredPresentation {
            outcome: Outcome::Pending,
            response_code_hash: None,
            answered_at: None,
        };
        self.results
            .put_presentation(&transaction_hash, &pending, expires)
            .await?;
        let client_id = client_id_of(&verifier.access.certificate);
        let response_key = request::new_response_key();
        let request = request::Request {
            client_id: &client_id,
            state: &state,
            nonce: &nonce,
            response_key: &response_key,
        };
        let authorization_request =
            request::authorization_request(&self.response_uri, &self.vct, &request)?;
        self.grants
            .put_grant(
                &sha256_hex(state.as_bytes()),
                &WalletGrant::PresentationRequest {
                    nonce: nonce.clone(),
                    verifier: verifier.cui.clone(),
                    organisation: verifier.name.clone(),
                    client_id: client_id.clone(),
                    transaction_hash,
                    response_key,
                    redirect_uri: same_device.map(|r| r.uri),
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
            authorization_request,
            expires_in: REQUEST_LIFETIME.num_seconds(),
        })
    }

    /// Where the request stands, for the holder of its transaction secret (and, once a
    /// same-device request is answered, of its response code).
    pub async fn outcome(
        &self,
        transaction: &str,
        response_code: Option<&str>,
    ) -> Result<Outcome, OutcomeError> {
        Ok(self.answer(transaction, response_code).await?.0)
    }

    /// The outcome and when the wallet gave it (none while pending).
    pub async fn answer(
        &self,
        transaction: &str,
        response_code: Option<&str>,
    ) -> Result<(Outcome, Option<DateTime<Utc>>), OutcomeError> {
        let stored = self
            .results
            .get_presentation(&sha256_hex(transaction.as_bytes()), self.clock.now())
            .await?
            .ok_or(OutcomeError::NotFound)?;
        if let Some(expected) = &stored.response_code_hash {
            let given = response_code.map(|c| sha256_hex(c.as_bytes()));
            if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
                return Err(OutcomeError::ResponseCodeRequired);
            }
        }
        Ok((stored.outcome, stored.answered_at))
    }

    /// The response endpoint: the wallet's answer to the request it names, a presentation
    /// (encrypted) or an `error`. One answer per request: the state is spent by the first.
    pub async fn respond(&self, response: WalletResponse<'_>) -> Result<Answered, RespondError> {
        let now = self.clock.now();
        let said = response.read(&*self.grants, now).await?;
        let state_hash = sha256_hex(said.state.as_bytes());
        let Some(request) = self.grants.take_grant(&state_hash, now).await? else {
            return Err(RespondError::UnknownState);
        };
        let WalletGrant::PresentationRequest {
            nonce,
            verifier,
            organisation,
            client_id,
            transaction_hash,
            redirect_uri,
            ..
        } = &request
        else {
            return Err(RespondError::UnknownState);
        };
        // Suspended since it asked: the request ends here, nothing is checked or recorded.
        let active = self.organisations.get(verifier).await?;
        if !active.is_some_and(|o| o.is_active()) {
            return Err(RespondError::UnknownState);
        }
        let outcome = match (&said.error, &said.vp_token) {
            // Anyone with the link may decline (OpenID4VP lets a wallet answer unauthenticated):
            // the verifier reads one of the specification's codes, never text a stranger wrote.
            (Some(error), _) => Ok(Outcome::Declined {
                error: declined_code(error).to_owned(),
            }),
            (None, token) => {
                let token = token.as_deref().unwrap_or_default();
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
        // Same-device: the holder's browser takes a response code back to the organisation,
        // whose session shows it with the transaction secret.
        let response_code = redirect_uri.as_ref().map(|_| new_token());
        let stored = StoredPresentation {
            outcome: outcome.clone(),
            response_code_hash: response_code.as_ref().map(|c| sha256_hex(c.as_bytes())),
            answered_at: Some(now),
        };
        self.results
            .put_presentation(transaction_hash, &stored, now + REQUEST_LIFETIME)
            .await?;
        let redirect_uri = redirect_uri
            .as_ref()
            .zip(response_code)
            .map(|(uri, code)| format!("{uri}#response_code={code}"));
        match outcome {
            Outcome::Refused { reason } => Err(RespondError::Refused(reason)),
            outcome => Ok(Answered {
                outcome,
                redirect_uri,
            }),
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

/// The error codes of OpenID4VP 1.0 (section 8.5) and RFC 6749 a wallet may answer with;
/// anything else is `other`.
fn declined_code(error: &str) -> &'static str {
    const CODES: [&str; 9] = [
        "access_denied",
        "invalid_request",
        "invalid_client",
        "invalid_scope",
        "vp_formats_not_supported",
        "invalid_request_uri_method",
        "invalid_transaction_data",
        "wallet_unavailable",
        "server_error",
    ];
    CODES.into_iter().find(|c| *c == error).unwrap_or("other")
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

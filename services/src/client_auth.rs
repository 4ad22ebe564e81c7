//! How registered organisations authenticate: short-lived access tokens at our token
//! endpoint for an RFC 7523 client assertion signed by a key they registered (OAuth client
//! credentials, `private_key_jwt`), and the bearer check of their API calls.

use crate::crypto::{constant_time_eq, new_token, sha256_hex};
use crate::domain::organisation::Organisation;
use crate::domain::Cui;
use crate::ports::{Clock, Organisations, WalletGrant, WalletGrants};
use crate::{unavailable_from_ports, Unavailable};
use cazier_formats::client_assertion::{self, AssertionRefusal, ASSERTION_TYPE};
use chrono::Duration;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

/// What an access token lets an organisation do: ask wallets (OpenID4VP).
pub const PRESENTATION_SCOPE: &str = "presentation";
/// Scopes `extract:<PURPOSE>`: consents and extracts for that purpose.
pub const EXTRACT_SCOPE_PREFIX: &str = "extract:";
/// How long an access token works.
pub const TOKEN_LIFETIME: Duration = Duration::minutes(5);
/// Tokens an organisation may get a minute (each writes two items); one per request to a
/// wallet is plenty. Counted once its own key signed the assertion: strangers cannot spend it.
const TOKENS_PER_MINUTE: u32 = 60;
/// Token requests a caller (client address) may make a minute, signed or not.
const ATTEMPTS_PER_MINUTE: u32 = 600;
/// One answer for an unknown client and a key that is not its: the endpoint tells nobody
/// without a key whether a CUI is registered (found by the attack on issue 26).
const NOT_OURS: &str =
    "unknown client, or the assertion is not signed by one of its registered keys";
/// The token endpoint's refusals (RFC 6749 section 5.2 codes).
#[derive(Debug, thiserror::Error)]
pub enum ClientTokenError {
    #[error("only the client_credentials grant is supported")]
    UnsupportedGrantType,
    #[error("{0}")]
    InvalidRequest(&'static str),
    /// Unknown, suspended, or its assertion refused: the description says which.
    #[error("{0}")]
    InvalidClient(String),
    #[error("the scope is not one this client may have")]
    InvalidScope,
    #[error("too many tokens; retry in {retry_after}s")]
    Throttled { retry_after: u64 },
    /// RFC 9449: the `DPoP` header is not a valid proof for this request.
    #[error("{0}")]
    InvalidDpopProof(String),
    #[error(transparent)]
    Unavailable(Unavailable),
}

/// A bearer token that does not admit its holder (RFC 6750 codes).
#[derive(Debug, thiserror::Error)]
pub enum ClientAuthError {
    #[error("the access token is missing, unknown or expired, or its organisation suspended")]
    InvalidToken,
    #[error("the access token's scope does not allow this")]
    InsufficientScope,
    /// A DPoP-bound token without a valid proof of its key for this request (RFC 9449).
    #[error("{0}")]
    InvalidDpopProof(String),
    #[error(transparent)]
    Unavailable(Unavailable),
}

/// A token request's parameters (RFC 6749 section 4.4, RFC 7523) and its `DPoP` header.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientTokenRequest<'a> {
    pub grant_type: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub assertion_type: Option<&'a str>,
    pub assertion: Option<&'a str>,
    pub scope: Option<&'a str>,
    pub dpop: Option<&'a str>,
}

/// What a request presents to be admitted: its `Authorization` and `DPoP` headers, and the
/// method and URL a proof must be for.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    pub authorization: Option<&'a str>,
    pub dpop: Option<&'a str>,
    pub method: &'a str,
    /// The path (and query) as requested; the URL is the service's address and this.
    pub path: &'a str,
}

unavailable_from_ports!(ClientTokenError, ClientAuthError);

/// The token endpoint's answer (RFC 6749 section 5.1).
#[derive(Debug, Serialize)]
pub struct IssuedToken {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

/// The token endpoint and the bearer check of organisations' API calls.
pub struct OrganisationAuth {
    pub organisations: Arc<dyn Organisations>,
    pub grants: Arc<dyn WalletGrants>,
    pub throttle: Arc<dyn crate::ports::Throttle>,
    pub clock: Arc<dyn Clock>,
    /// The audiences an assertion may name: our token endpoint's URL and our issuer.
    pub audiences: Vec<String>,
    /// The service's public address: what a DPoP proof's `htu` names (its path appended).
    pub base_url: String,
}

/// How long a DPoP proof's `jti` is remembered: longer than a proof is accepted.
const DPOP_JTI_KEPT: chrono::Duration = chrono::Duration::minutes(7);

impl OrganisationAuth {
    /// RFC 6749 section 4.4 with RFC 7523 client authentication: an access token for the
    /// organisation whose registered key signed `assertion`. Each assertion works once.
    pub async fn token(
        &self,
        request: ClientTokenRequest<'_>,
        source: &str,
    ) -> Result<IssuedToken, ClientTokenError> {
        let ClientTokenRequest {
            grant_type,
            client_id,
            assertion_type,
            assertion,
            scope,
            dpop,
        } = request;
        if grant_type != Some("client_credentials") {
            return Err(match grant_type {
                None => ClientTokenError::InvalidRequest("grant_type is missing"),
                Some(_) => ClientTokenError::UnsupportedGrantType,
            });
        }
        let assertion = match (assertion_type, assertion) {
            (Some(ASSERTION_TYPE), Some(a)) => a,
            _ => {
                return Err(ClientTokenError::InvalidClient(
                    "authenticate with a private_key_jwt client assertion (RFC 7523)".into(),
                ))
            }
        };
        let now = self.clock.now();
        // Counted before any work, per caller: a flood of made-up assertions stops here.
        if let Err(retry_after) = crate::throttled(
            &*self.throttle,
            &format!("org-token-from:{source}"),
            ATTEMPTS_PER_MINUTE,
            60,
            now,
        )
        .await?
        {
            return Err(ClientTokenError::Throttled { retry_after });
        }
        // Whose assertion it says it is (checked below against that client's keys).
        let claimed = cazier_formats::jose::Jws::parse(assertion)
            .ok()
            .and_then(|jws| jws.payload::<Value>().ok())
            .and_then(|claims| claims["iss"].as_str().map(str::to_owned))
            .and_then(|iss| Cui::parse(&iss).ok().filter(|c| c.as_str() == iss));
        let not_ours = || ClientTokenError::InvalidClient(NOT_OURS.into());
        let cui = claimed.ok_or_else(not_ours)?;
        if client_id.is_some_and(|id| id != cui.as_str()) {
            return Err(ClientTokenError::InvalidClient(
                "client_id is not the assertion's issuer".into(),
            ));
        }
        let organisation = self.organisations.get(&cui).await?.ok_or_else(not_ours)?;
        let jwks: Value = serde_json::from_str(&organisation.jwks)
            .map_err(|_| Unavailable::Internal("a stored JWKS does not parse".into()))?;
        let audiences: Vec<&str> = self.audiences.iter().map(String::as_str).collect();
        let asserted = client_assertion::check(assertion, cui.as_str(), &jwks, &audiences, now)
            .map_err(|refusal| match refusal {
                AssertionRefusal::UnknownKey | AssertionRefusal::Malformed => not_ours(),
                other => ClientTokenError::InvalidClient(other.to_string()),
            })?;
        // Only now, its own key having signed, is it told it is suspended.
        if !organisation.is_active() {
            return Err(ClientTokenError::InvalidClient(
                "the client is suspended".into(),
            ));
        }
        if let Err(retry_after) = crate::throttled(
            &*self.throttle,
            &format!("org-token:{cui}"),
            TOKENS_PER_MINUTE,
            60,
            now,
        )
        .await?
        {
            return Err(ClientTokenError::Throttled { retry_after });
        }
        let scope = granted_scope(&organisation, scope)?;
        let scope = scope.as_str();
        // Remembered until it could no longer pass the lifetime check.
        let seen = sha256_hex(format!("assertion\n{cui}\n{}", asserted.jti).as_bytes());
        let first = self
            .grants
            .put_new_grant(&seen, &WalletGrant::UsedAssertion, now, asserted.expires_at)
            .await?;
        if !first {
            return Err(ClientTokenError::InvalidClient(
                "the client assertion was used before (its jti)".into(),
            ));
        }
        // Sender-constrained (RFC 9449) when the client proves a key of its own.
        let jkt = match dpop {
            None => None,
            Some(proof) => {
                let url = format!("{}/oauth2/token", self.base_url);
                let proven = self
                    .proof(proof, "POST", &url, None)
                    .await?
                    .map_err(ClientTokenError::InvalidDpopProof)?;
                Some(proven)
            }
        };
        let access_token = new_token();
        let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
        let grant = WalletGrant::OrganisationToken {
            organisation: cui,
            scope: scope.to_owned(),
            jkt,
        };
        self.grants
            .put_grant(
                &sha256_hex(access_token.as_bytes()),
                &grant,
                now + TOKEN_LIFETIME,
            )
            .await?;
        Ok(IssuedToken {
            access_token,
            token_type,
            expires_in: TOKEN_LIFETIME.num_seconds(),
            scope: scope.to_owned(),
        })
    }

    /// A DPoP proof for this request checked, its `jti` used once: the key's thumbprint, or
    /// why not.
    async fn proof(
        &self,
        proof: &str,
        method: &str,
        url: &str,
        access_token: Option<&str>,
    ) -> Result<Result<String, String>, Unavailable> {
        let now = self.clock.now();
        let proven =
            match cazier_formats::dpop::check(proof, method, url, access_token, now.timestamp()) {
                Ok(p) => p,
                Err(refusal) => return Ok(Err(refusal.to_string())),
            };
        let seen = sha256_hex(format!("dpop\n{}\n{}", proven.jkt, proven.jti).as_bytes());
        let first = self
            .grants
            .put_new_grant(&seen, &WalletGrant::UsedAssertion, now, now + DPOP_JTI_KEPT)
            .await?;
        if !first {
            return Ok(Err("the DPoP proof was used before (its jti)".into()));
        }
        Ok(Ok(proven.jkt))
    }

    /// The active organisation a token was issued to, if the token allows `scope`.
    pub async fn authenticate(
        &self,
        presented: Presented<'_>,
        scope: &str,
    ) -> Result<Organisation, ClientAuthError> {
        let admitted = self.admit(presented).await?;
        if !admitted.allows(scope) {
            return Err(ClientAuthError::InsufficientScope);
        }
        Ok(admitted.organisation)
    }

    /// The active organisation a token was issued to, and what the token allows (for
    /// operations whose scope depends on what they ask: `extract:<PURPOSE>`). A bearer token
    /// comes as `Bearer <token>`; a DPoP-bound one only as `DPoP <token>` with a proof, for
    /// this request, by the key it is bound to.
    pub async fn admit(&self, presented: Presented<'_>) -> Result<Admitted, ClientAuthError> {
        let (scheme, token) = presented
            .authorization
            .and_then(|h| h.trim().split_once(' '))
            .map(|(scheme, token)| (scheme.to_ascii_lowercase(), token.trim()))
            .filter(|(_, token)| !token.is_empty())
            .ok_or(ClientAuthError::InvalidToken)?;
        let now = self.clock.now();
        let Some(WalletGrant::OrganisationToken {
            organisation,
            scope: granted,
            jkt,
        }) = self
            .grants
            .peek_grant(&sha256_hex(token.as_bytes()), now)
            .await?
        else {
            return Err(ClientAuthError::InvalidToken);
        };
        match (scheme.as_str(), jkt) {
            ("bearer", None) => {}
            ("dpop", Some(bound)) => {
                let proof = presented.dpop.ok_or_else(|| {
                    ClientAuthError::InvalidDpopProof("a DPoP proof is required".into())
                })?;
                let url = format!("{}{}", self.base_url, presented.path);
                let proven = self
                    .proof(proof, presented.method, &url, Some(token))
                    .await?
                    .map_err(ClientAuthError::InvalidDpopProof)?;
                if !constant_time_eq(proven.as_bytes(), bound.as_bytes()) {
                    return Err(ClientAuthError::InvalidDpopProof(
                        "the proof is not by the key the token is bound to".into(),
                    ));
                }
            }
            // A bound token shown as a bearer one (stolen, without its key), or the reverse.
            ("bearer", Some(_)) => return Err(ClientAuthError::InvalidDpopProof(
                "this token is DPoP-bound: send it as 'Authorization: DPoP <token>' with a proof"
                    .into(),
            )),
            _ => return Err(ClientAuthError::InvalidToken),
        }
        let organisation = self
            .organisations
            .get(&organisation)
            .await?
            .filter(Organisation::is_active)
            .ok_or(ClientAuthError::InvalidToken)?;
        Ok(Admitted {
            organisation,
            scopes: granted.split_whitespace().map(str::to_owned).collect(),
        })
    }
}

/// An organisation a bearer token admitted, with the token's scopes.
#[derive(Debug, Clone)]
pub struct Admitted {
    pub organisation: Organisation,
    pub scopes: Vec<String>,
}

impl Admitted {
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes
            .iter()
            .any(|s| constant_time_eq(s.as_bytes(), scope.as_bytes()))
    }
}

/// The scope of extracts (and consents) for a purpose.
pub fn extract_scope(purpose: crate::domain::Purpose) -> String {
    format!("{EXTRACT_SCOPE_PREFIX}{}", purpose.code())
}

/// The scopes a token gets: those asked (space-separated; none asked: `presentation`), each
/// `presentation` or `extract:<PURPOSE>` for a purpose the organisation is registered for and
/// that its kind may ask consent for (docs/CONSENT.md). Anything else refuses the token.
fn granted_scope(
    organisation: &Organisation,
    asked: Option<&str>,
) -> Result<String, ClientTokenError> {
    let asked = asked.map(|s| s.trim_matches(' ')).filter(|s| !s.is_empty());
    let Some(asked) = asked else {
        return Ok(PRESENTATION_SCOPE.to_owned());
    };
    let mut granted: Vec<&str> = Vec::new();
    // RFC 6749 section 3.3: scopes are separated by spaces (U+0020), nothing else.
    for scope in asked.split(' ').filter(|s| !s.is_empty()) {
        let allowed = scope == PRESENTATION_SCOPE
            || scope
                .strip_prefix(EXTRACT_SCOPE_PREFIX)
                .and_then(crate::domain::Purpose::parse)
                .is_some_and(|p| {
                    organisation.purposes.contains(&p)
                        && crate::domain::consent::level_for(organisation.kind, p).is_some()
                });
        if !allowed {
            return Err(ClientTokenError::InvalidScope);
        }
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    Ok(granted.join(" "))
}

//! Identity validation with ROeID or the electronic identity card (CEI), by OpenID Connect: the
//! citizen starts from the portal (a single-use `state`, a `nonce` and a PKCE verifier bound to
//! the account and the browser), signs in at the provider, and comes back with an
//! authorization code that we redeem for an ID token whose CNP and names must be the
//! account's. The holder then confirms on the portal ([`super::online::ProvenService`]).

use super::online::{self, binding_hash, NotPending, PROVEN_TTL};
use super::validation::with_evidence_names;
use super::{unavailable_from_ports, Unavailable};
use crate::crypto::{constant_time_eq, new_token, sha256_hex};
use crate::domain::{Account, Principal, ValidationMethod};
use crate::identity::Issuer;
use crate::oidc::{authorize_url, verify_id_token, PROVIDER};
use crate::ports::{
    AccountStore, Clock, IdentityNonces, ProvenIdentities, ProvenIdentity, SignInChallenge,
    TokenEndpoint, TokenError,
};
use std::sync::Arc;

/// How long a started sign-in may take to complete.
pub const STATE_TTL: chrono::Duration = chrono::Duration::minutes(15);
/// Longest code or state accepted back from the browser.
const MAX_PARAMETER: usize = 512;

pub struct RoeidService {
    pub accounts: Arc<dyn AccountStore>,
    pub nonces: Arc<dyn IdentityNonces>,
    pub proven: Arc<dyn ProvenIdentities>,
    pub tokens: Arc<dyn TokenEndpoint>,
    pub issuers: Vec<Issuer>,
    pub clock: Arc<dyn Clock>,
}

/// What the provider sent the browser back with (the redirect's query parameters).
#[derive(Debug, Default)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    /// RFC 9207: the issuer that answered, when it says.
    pub iss: Option<String>,
    /// The provider's error code, when the citizen cancelled or it refused.
    pub error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RoeidError {
    #[error("validated already")]
    AlreadyValidated,
    /// The citizen stopped at the provider (or it refused to sign them in).
    #[error("sign-in cancelled at the provider")]
    Cancelled,
    /// The identity proven is another person's (the CNP differs from the account's).
    #[error("another person's identity")]
    OtherPerson,
    /// The CNP is the account's, the names in the register are not the typed ones.
    #[error("the names are not the account's")]
    NameMismatch,
    /// The sign-in was started by another browser: nothing changes.
    #[error("started elsewhere")]
    StartedElsewhere,
    /// Unknown, used or expired state; a refused code; a token that fails a check. One answer.
    #[error("invalid sign-in response")]
    InvalidResponse,
    #[error("no such account")]
    NoAccount,
    /// No ROeID provider is configured for this deployment.
    #[error("no ROeID provider is configured")]
    NotConfigured,
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(RoeidError);

impl RoeidService {
    fn issuer(&self) -> Result<&Issuer, RoeidError> {
        self.issuers
            .iter()
            .find(|i| i.provider == PROVIDER)
            .ok_or(RoeidError::NotConfigured)
    }

    /// Whether this deployment offers the route.
    pub fn configured(&self) -> bool {
        self.issuer().is_ok()
    }

    /// The provider's origin (scheme, host and port), which the portal's pages must allow as a
    /// form target: the start form is answered by a redirect there.
    pub fn origin(&self) -> Option<String> {
        crate::identity::origin_of(&self.issuer().ok()?.authorize_url)
    }

    async fn pending_account(&self, principal: &Principal) -> Result<Account, RoeidError> {
        let now = self.clock.now();
        online::pending_account(&*self.accounts, &principal.account_id, now)
            .await
            .map_err(|e| match e {
                NotPending::NoAccount => RoeidError::NoAccount,
                NotPending::AlreadyValidated => RoeidError::AlreadyValidated,
                NotPending::Unavailable(e) => RoeidError::Unavailable(e),
            })
    }

    /// Starts a sign-in: the URL to send the browser to, and the binding secret the browser
    /// keeps in a cookie. `redirect_uri`: the portal's return page, as registered with the
    /// provider.
    pub async fn start(
        &self,
        principal: &Principal,
        redirect_uri: &str,
    ) -> Result<(String, String), RoeidError> {
        let issuer = self.issuer()?;
        let account = self.pending_account(principal).await?;
        let state = new_token();
        let binding = new_token();
        let challenge = SignInChallenge {
            nonce: new_token(),
            code_verifier: new_token(),
            binding_hash: binding_hash(&binding),
        };
        self.nonces
            .put_challenge(
                &sha256_hex(state.as_bytes()),
                &account.account_id,
                &challenge,
                self.clock.now() + STATE_TTL,
            )
            .await?;
        let url = authorize_url(
            issuer,
            redirect_uri,
            &state,
            &challenge.nonce,
            &challenge.code_verifier,
        );
        Ok((url, binding))
    }

    /// Completes a sign-in from the provider's redirect, in the browser session that started
    /// it (the state is bound to the account and the browser: a link made for someone else
    /// does nothing). What was proven waits for the holder's confirmation.
    pub async fn complete(
        &self,
        principal: &Principal,
        callback: Callback,
        redirect_uri: &str,
        binding: Option<&str>,
    ) -> Result<(), RoeidError> {
        let issuer = self.issuer()?;
        let account = self.pending_account(principal).await?;
        let state = callback
            .state
            .filter(|s| !s.is_empty() && s.len() <= MAX_PARAMETER)
            .ok_or(RoeidError::InvalidResponse)?;
        let now = self.clock.now();
        // The state is single-use whatever happens next: a second try starts again.
        let challenge = self
            .nonces
            .take_challenge(&sha256_hex(state.as_bytes()), &account.account_id, now)
            .await?
            .ok_or_else(|| refused("unknown, used or expired state"))?;
        let bound = binding.is_some_and(|b| {
            constant_time_eq(
                challenge.binding_hash.as_bytes(),
                binding_hash(b).as_bytes(),
            )
        });
        if !bound {
            tracing::warn!(account_id = %account.account_id, "sign-in returned to another browser");
            return Err(RoeidError::StartedElsewhere);
        }
        if let Some(error) = callback.error {
            tracing::info!(error = %error.chars().take(64).collect::<String>(), "sign-in cancelled at the provider");
            return Err(RoeidError::Cancelled);
        }
        if callback.iss.is_some_and(|iss| iss != issuer.issuer) {
            return Err(refused("another issuer answered (mix-up)"));
        }
        let code = callback
            .code
            .filter(|c| !c.is_empty() && c.len() <= MAX_PARAMETER)
            .ok_or_else(|| refused("no code"))?;
        let token_url = issuer
            .token_url
            .as_deref()
            .ok_or(RoeidError::NotConfigured)?;
        let id_token = self
            .tokens
            .redeem(
                token_url,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", redirect_uri),
                    ("client_id", &issuer.audience),
                    ("code_verifier", &challenge.code_verifier),
                ],
            )
            .await
            .map_err(|e| match e {
                TokenError::Refused(reason) => {
                    tracing::warn!(%reason, "authorization code refused by the provider");
                    RoeidError::InvalidResponse
                }
                unavailable => RoeidError::Unavailable(unavailable.into()),
            })?;
        let claims = verify_id_token(&id_token, issuer, &challenge.nonce, self.clock.now())
            .map_err(|reason| refused(&reason.to_string()))?;
        let person = account.person.as_ref().ok_or(RoeidError::NoAccount)?;
        if !constant_time_eq(claims.cnp.as_bytes(), person.cnp.as_string().as_bytes()) {
            tracing::warn!(account_id = %account.account_id, reason = "another person's CNP", "ID token refused");
            return Err(RoeidError::OtherPerson);
        }
        let spelled = with_evidence_names(&account, &claims.family_name, &claims.given_name)
            .ok_or(RoeidError::NameMismatch)?;
        let person = spelled.person.as_ref().ok_or(RoeidError::NoAccount)?;
        let proven = ProvenIdentity {
            account_id: account.account_id.clone(),
            method: ValidationMethod::Roeid,
            last_name: person.last_name.clone(),
            first_name: person.first_name.clone(),
            details_version: account.details_version,
            expires_at: now + PROVEN_TTL,
        };
        self.proven
            .put_proven(&challenge.binding_hash, &proven)
            .await?;
        Ok(())
    }
}

fn refused(reason: &str) -> RoeidError {
    tracing::warn!(%reason, "sign-in response refused");
    RoeidError::InvalidResponse
}

//! Issuing the certificate into a wallet by OpenID4VCI 1.0, pre-authorized code flow with a
//! transaction code: the holder asks for an offer (a QR code or deep link, and a 6-digit code
//! shown beside it), the wallet, authenticated by its wallet provider's attestation, redeems
//! the offer's code with the transaction code for an access token, fetches a nonce, and asks
//! for the credential with a proof of possession of its key, which its provider attests is
//! kept in secure storage. Every secret is random, single-use, short-lived and stored as its SHA-256; a
//! wrong transaction code burns the offer. Nothing is issued twice for one offer.
//! (Just over 400 lines: the metadata, the three endpoints and their errors are one protocol,
//! read best together.)

use crate::crypto::{constant_time_eq, new_token, sha256_hex};
use crate::domain::{AccountId, Certificate, CertificateNumber, CertificateStatus, Principal};
use crate::ports::{
    CertificateStore, Clock, SignError, Signer, StoreError, Throttle, WalletGrant, WalletGrants,
};
use crate::trust::ChainSource;
use crate::{unavailable_from_ports, Unavailable};
use cazier_formats::wallet::attestation::{AttestationRefusal, WalletProviders};
pub use cazier_formats::wallet::credential_type::CredentialType;
use cazier_formats::wallet::proof::{self, ProofRefusal};
use cazier_formats::wallet::sd_jwt::{self, CredentialFacts, StatusReference};
use chrono::Duration;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

use cazier_formats::wallet::metadata::{
    AuthorizationServerMetadata, CredentialOffer, IssuerMetadata,
};
/// The one credential configuration offered.
pub use cazier_formats::wallet::metadata::{CONFIGURATION_ID, PRE_AUTHORIZED_GRANT};
/// How long an offer, an access token and a nonce live.
pub const SECRET_LIFETIME: Duration = Duration::minutes(5);
const TX_CODE_DIGITS: usize = 6;
/// Nonces a wallet (client address) may ask for a minute: each is a write, and the route is
/// anonymous. One issuance needs one.
const NONCES_PER_MINUTE: u32 = 20;

pub struct WalletService {
    pub certificates: Arc<dyn CertificateStore>,
    pub grants: Arc<dyn WalletGrants>,
    pub throttle: Arc<dyn Throttle>,
    pub signer: Arc<dyn Signer>,
    pub chain: Arc<ChainSource>,
    pub clock: Arc<dyn Clock>,
    /// The credential issuer identifier (the API's address), also the proofs' audience.
    pub issuer_url: String,
    /// Where the years' status lists are served (`…/v1/status-lists`).
    pub status_lists_url: String,
    /// Our credential type under `issuer_url`, and its Type Metadata.
    pub credential_type: CredentialType,
    /// The wallet providers whose attestations (of wallet instances and of keys) we accept.
    pub wallet_providers: Arc<WalletProviders>,
}

/// "Add to wallet": the holder's offers of their certificates. Holds no signer: the portal
/// makes offers, and only the wallet function, which issues the credential, signs (the
/// portal's role has no `kms:Sign`).
pub struct WalletOffers {
    pub certificates: Arc<dyn CertificateStore>,
    pub grants: Arc<dyn WalletGrants>,
    pub clock: Arc<dyn Clock>,
    /// The credential issuer identifier, named in the offer.
    pub issuer_url: String,
}

impl WalletOffers {
    /// The holder's "add to wallet" for one of their valid certificates.
    pub async fn offer(
        &self,
        holder: &Principal,
        number: &CertificateNumber,
    ) -> Result<Offer, OfferError> {
        let certificate = self
            .certificates
            .get(number)
            .await?
            .filter(|c| c.account_id == holder.account_id)
            .ok_or(OfferError::NotFound)?;
        let now = self.clock.now();
        match certificate.status(now) {
            CertificateStatus::Valid => {}
            other => return Err(OfferError::NotValid(other)),
        }
        let code = new_token();
        let tx_code = tx_code();
        self.grants
            .put_grant(
                &sha256_hex(code.as_bytes()),
                &WalletGrant::PreAuthorizedCode {
                    account_id: holder.account_id.clone(),
                    number: number.clone(),
                    tx_code_hash: sha256_hex(tx_code.as_bytes()),
                },
                now + SECRET_LIFETIME,
            )
            .await?;
        let offer = CredentialOffer::pre_authorized(&self.issuer_url, code, TX_CODE_DIGITS);
        Ok(Offer {
            credential_offer_uri: offer.uri(),
            credential_offer: offer,
            tx_code,
            expires_in: SECRET_LIFETIME.num_seconds(),
        })
    }
}

impl WalletOffers {
    /// Whether the offer whose pre-authorized code hashes to `code_hash` can still be
    /// redeemed (not taken by a wallet, not burnt by a wrong transaction code, not expired).
    pub async fn offer_open(&self, code_hash: &str) -> Result<bool, Unavailable> {
        let grant = self.grants.peek_grant(code_hash, self.clock.now()).await?;
        Ok(matches!(grant, Some(WalletGrant::PreAuthorizedCode { .. })))
    }
}

/// A new offer, shown to its holder this once.
#[derive(Debug, Serialize)]
pub struct Offer {
    /// The credential offer object (OpenID4VCI 1.0, section 4.1.1).
    pub credential_offer: CredentialOffer,
    /// `openid-credential-offer://?credential_offer=…`, for the QR code or the link.
    pub credential_offer_uri: String,
    /// Typed into the wallet; never inside the offer.
    pub tx_code: String,
    pub expires_in: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    /// Not the holder's certificate, or none by that number: the same answer.
    #[error("no such certificate of yours")]
    NotFound,
    #[error("the certificate is {0:?}: only a valid one goes into a wallet")]
    NotValid(CertificateStatus),
    #[error(transparent)]
    Unavailable(Unavailable),
}

/// The token endpoint's answer (RFC 6749, 5.1).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct TokenAnswer {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

/// A token request as the wallet sent it: the form's fields and the attestation headers.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokenRequest<'a> {
    pub grant_type: Option<&'a str>,
    pub code: Option<&'a str>,
    pub tx_code: Option<&'a str>,
    pub client_id: Option<&'a str>,
    /// `OAuth-Client-Attestation`: the Wallet Instance Attestation.
    pub attestation: Option<&'a str>,
    /// `OAuth-Client-Attestation-PoP`: its proof of possession.
    pub attestation_pop: Option<&'a str>,
}

/// RFC 6749, 5.2, and OAuth 2.0 Attestation-Based Client Authentication.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// No attestation, an untrusted or forged one, a replayed proof, another client's.
    #[error("invalid_client: {0}")]
    InvalidClient(String),
    /// The attestation expired, or its proof is too old: the wallet gets a new one.
    #[error("use_fresh_attestation")]
    UseFreshAttestation,
    /// Unknown, used, expired code, or a wrong transaction code (which also burns the offer).
    #[error("invalid_grant")]
    InvalidGrant,
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    #[error(transparent)]
    Unavailable(Unavailable),
}

#[derive(Debug, thiserror::Error)]
pub enum NonceError {
    #[error("too many nonces; retry in {retry_after}s")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

/// OpenID4VCI 1.0, section 8.3.1.2.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// No, a used or an expired access token.
    #[error("invalid_token")]
    InvalidToken,
    #[error("invalid_proof: {0}")]
    InvalidProof(ProofRefusal),
    /// Not one of our nonces, or used: the wallet fetches a new one.
    #[error("invalid_nonce")]
    InvalidNonce,
    #[error("invalid_credential_request: {0}")]
    InvalidRequest(&'static str),
    /// Revoked or expired since the offer.
    #[error("credential_request_denied")]
    Denied,
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(OfferError, TokenError, NonceError, CredentialError);

impl From<SignError> for CredentialError {
    fn from(e: SignError) -> Self {
        Self::Unavailable(e.into())
    }
}

impl From<crate::seal::SealError> for CredentialError {
    fn from(e: crate::seal::SealError) -> Self {
        Self::Unavailable(e.into())
    }
}

/// An entry as the credential's `entries` array holds it: as printed on the certificate.
fn entry_claim(entry: &crate::domain::RecordEntry) -> Value {
    json!({
        "court": entry.court,
        "decision": entry.decision,
        "decision_date": entry.decision_date.to_string(),
        "offence": entry.offence,
        "penalty": entry.penalty,
        "rehabilitated": entry.rehabilitated,
    })
}

fn tx_code() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..TX_CODE_DIGITS)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

impl WalletService {
    async fn holders_certificate(
        &self,
        account_id: &AccountId,
        number: &CertificateNumber,
    ) -> Result<Option<Certificate>, StoreError> {
        Ok(self
            .certificates
            .get(number)
            .await?
            .filter(|c| &c.account_id == account_id))
    }

    /// The credential issuer metadata (OpenID4VCI 1.0, section 12.2).
    pub fn issuer_metadata(&self) -> IssuerMetadata {
        IssuerMetadata::new(&self.issuer_url)
    }

    /// The authorization server metadata (RFC 8414) of the pre-authorized code flow.
    pub fn authorization_server_metadata(&self) -> AuthorizationServerMetadata {
        AuthorizationServerMetadata::new(&self.issuer_url)
    }

    /// The holder's "add to wallet" for one of their valid certificates.
    pub async fn offer(
        &self,
        holder: &Principal,
        number: &CertificateNumber,
    ) -> Result<Offer, OfferError> {
        self.offers().offer(holder, number).await
    }

    /// Its offers, as the portal makes them.
    fn offers(&self) -> WalletOffers {
        WalletOffers {
            certificates: self.certificates.clone(),
            grants: self.grants.clone(),
            clock: self.clock.clone(),
            issuer_url: self.issuer_url.clone(),
        }
    }

    /// The token endpoint: a pre-authorized code and its transaction code for an access
    /// token, for a wallet instance its trusted provider attests. The attestation is checked
    /// before the code is spent: a wallet refused for it keeps its offer.
    pub async fn token(&self, request: TokenRequest<'_>) -> Result<TokenAnswer, TokenError> {
        if request.grant_type != Some(PRE_AUTHORIZED_GRANT) {
            return Err(TokenError::UnsupportedGrantType);
        }
        let now = self.clock.now();
        self.admit(&request, now).await?;
        let code =
            (request.code).ok_or(TokenError::InvalidRequest("pre-authorized_code is missing"))?;
        let tx_code = (request.tx_code).ok_or(TokenError::InvalidRequest("tx_code is missing"))?;
        let grant = self
            .grants
            .take_grant(&sha256_hex(code.as_bytes()), now)
            .await?;
        let Some(WalletGrant::PreAuthorizedCode {
            account_id,
            number,
            tx_code_hash,
        }) = grant
        else {
            return Err(TokenError::InvalidGrant);
        };
        if !constant_time_eq(
            sha256_hex(tx_code.as_bytes()).as_bytes(),
            tx_code_hash.as_bytes(),
        ) {
            return Err(TokenError::InvalidGrant);
        }
        let access_token = new_token();
        self.grants
            .put_grant(
                &sha256_hex(access_token.as_bytes()),
                &WalletGrant::AccessToken { account_id, number },
                now + SECRET_LIFETIME,
            )
            .await?;
        Ok(TokenAnswer {
            access_token,
            token_type: "Bearer",
            expires_in: SECRET_LIFETIME.num_seconds(),
        })
    }

    /// Attestation-Based Client Authentication: the wallet instance's attestation by a
    /// provider we trust, its proof of possession for us, used once.
    async fn admit(
        &self,
        request: &TokenRequest<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), TokenError> {
        let (Some(attestation), Some(pop)) = (request.attestation, request.attestation_pop) else {
            return Err(TokenError::InvalidClient(
                "send the wallet's attestation (OAuth-Client-Attestation and -PoP headers)".into(),
            ));
        };
        let attested = self
            .wallet_providers
            .check_client_attestation(attestation, pop, &self.issuer_url, now)
            .map_err(|refusal| match refusal {
                AttestationRefusal::NotFresh => TokenError::UseFreshAttestation,
                other => TokenError::InvalidClient(other.to_string()),
            })?;
        if request.client_id.is_some_and(|id| id != attested.client_id) {
            return Err(TokenError::InvalidClient(
                "client_id is not the attested client's".into(),
            ));
        }
        let seen = sha256_hex(
            format!(
                "attestation-pop\n{}\n{}",
                attested.client_id, attested.pop_jti
            )
            .as_bytes(),
        );
        let first = self
            .grants
            .put_new_grant(
                &seen,
                &WalletGrant::UsedAssertion,
                now,
                attested.pop_usable_until,
            )
            .await?;
        if !first {
            return Err(TokenError::InvalidClient(
                "the attestation's proof of possession was used before (its jti)".into(),
            ));
        }
        Ok(())
    }

    /// The nonce endpoint: one `c_nonce` for one proof; `client` names the caller for the
    /// throttle only.
    pub async fn nonce(&self, client: &str) -> Result<String, NonceError> {
        let now = self.clock.now();
        let key = format!("nonce:{client}");
        if let Err(retry_after) =
            crate::throttled(&*self.throttle, &key, NONCES_PER_MINUTE, 60, now).await?
        {
            return Err(NonceError::Throttled { retry_after });
        }
        let nonce = new_token();
        self.grants
            .put_grant(
                &sha256_hex(nonce.as_bytes()),
                &WalletGrant::Nonce,
                now + SECRET_LIFETIME,
            )
            .await?;
        Ok(nonce)
    }

    /// The credential endpoint: one credential for the access token, bound to the key the
    /// proof JWT proves. The request and its proof are checked, and the proof's nonce spent,
    /// before the token: a wallet told `invalid_nonce` (or `invalid_proof`) retries with the
    /// same token and a new nonce, as OpenID4VCI allows. The token is spent before the
    /// credential is made, so a credential is issued at most once per offer.
    pub async fn credential(
        &self,
        access_token: &str,
        configuration_id: Option<&str>,
        proof_jwt: Option<&str>,
    ) -> Result<String, CredentialError> {
        let now = self.clock.now();
        let token_hash = sha256_hex(access_token.as_bytes());
        if !matches!(
            self.grants.peek_grant(&token_hash, now).await?,
            Some(WalletGrant::AccessToken { .. })
        ) {
            return Err(CredentialError::InvalidToken);
        }
        if configuration_id != Some(CONFIGURATION_ID) {
            return Err(CredentialError::InvalidRequest(
                "credential_configuration_id must be cazier_sd_jwt_vc",
            ));
        }
        let proof_jwt =
            proof_jwt.ok_or(CredentialError::InvalidRequest("a jwt proof is required"))?;
        let proven = proof::check(proof_jwt, &self.issuer_url, now)
            .map_err(CredentialError::InvalidProof)?;
        // The key must be one the wallet provider attests is kept in secure storage.
        self.wallet_providers
            .check_key_attestation(proven.key_attestation.as_deref(), &proven.jwk, now)
            .map_err(|refusal| CredentialError::InvalidProof(refusal.into()))?;
        let nonce = self
            .grants
            .take_grant(&sha256_hex(proven.nonce.as_bytes()), now)
            .await?;
        if nonce != Some(WalletGrant::Nonce) {
            return Err(CredentialError::InvalidNonce);
        }
        // Spent now: of two requests with the same token, one gets the credential.
        let grant = self.grants.take_grant(&token_hash, now).await?;
        let Some(WalletGrant::AccessToken { account_id, number }) = grant else {
            return Err(CredentialError::InvalidToken);
        };
        let certificate = self
            .holders_certificate(&account_id, &number)
            .await?
            .filter(|c| c.status(now) == CertificateStatus::Valid)
            .ok_or(CredentialError::Denied)?;
        let chain = self.chain.get().await?;
        let (year, _) = certificate.number.year_and_sequence();
        let facts = CredentialFacts {
            number: certificate.number.as_str().to_owned(),
            issued_at: certificate.issued_at,
            valid_until: certificate.valid_until,
            purpose: certificate.purpose.code().to_owned(),
            has_entries: certificate.has_entries,
            holder_name: certificate.holder_name.clone(),
            birth_date: match certificate.company {
                None => Some(certificate.holder_cnp.birth_date()),
                Some(_) => None,
            },
            entries: certificate.entries.iter().map(entry_claim).collect(),
        };
        // The index drawn at issue: it tells whoever sees it nothing of the number.
        let status = StatusReference {
            uri: super::status::list_uri(&self.status_lists_url, year),
            idx: certificate.status_index(),
        };
        Ok(sd_jwt::issue(
            &facts,
            &status,
            &self.issuer_url,
            &self.credential_type,
            &proven.jwk,
            chain.x5c_ders(),
            &*self.signer,
            crate::domain::end_of_bucharest_day(certificate.valid_until),
        )
        .await?)
    }
}

//! Registered organisations (relying parties): what ops do to them (`cazier-admin
//! organisations`), and how they authenticate. Each registers its public keys (a JWKS) and
//! gets short-lived access tokens at our token endpoint with an RFC 7523 client assertion
//! (OAuth client credentials, `private_key_jwt`). Each also gets a relying-party access
//! certificate from our access CA (a KMS key of its own, apart from the seal's), for a key the
//! service keeps for it: its requests to wallets are signed with that key, so a wallet shows
//! the organisation's registered name, never the Ministry's and never a declared one.

use crate::crypto::{constant_time_eq, new_token, sha256_hex};
use crate::domain::organisation::{
    AccessCredential, Organisation, OrganisationKind, OrganisationStatus,
};
use crate::domain::{Cui, Purpose};
use crate::ports::{BlobStore, Clock, Organisations, SignError, Signer, WalletGrant, WalletGrants};
use crate::seal::{self, Profile, SealError};
use crate::{unavailable_from_ports, Unavailable};
use cazier_formats::client_assertion::{self, ASSERTION_TYPE};
use chrono::Duration;
use der::{Decode, Encode};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::SigningKey;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use x509_cert::Certificate;

/// What an access token lets an organisation do: ask wallets (OpenID4VP).
pub const PRESENTATION_SCOPE: &str = "presentation";
/// How long an access token works.
pub const TOKEN_LIFETIME: Duration = Duration::minutes(5);
/// Where the access CA's certificate is kept (documents bucket) and served from.
pub const ACCESS_CA_KEY: &str = "trust/access-ca.pem";
pub const ACCESS_CA_SUBJECT: &str =
    "CN=cazier Relying Party Access CA (not qualified),O=cazier,C=RO";
const YEAR: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);
/// At most this many keys in a JWKS (a rotation needs two).
const MOST_KEYS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("{0}")]
    Invalid(String),
    #[error("an organisation with this CUI is registered already")]
    Exists,
    #[error("there is no access CA yet: run `cazier-admin trust init` (or `organisations ca`)")]
    NoAccessCa,
    #[error(transparent)]
    Unavailable(Unavailable),
}

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
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(RegisterError, ClientTokenError, ClientAuthError);

impl From<SealError> for RegisterError {
    fn from(e: SealError) -> Self {
        Self::Unavailable(e.into())
    }
}

/// What ops enter for a new organisation, as typed.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub cui: String,
    pub name: String,
    pub kind: String,
    pub purposes: Vec<String>,
    pub jwks: String,
}

/// The token endpoint's answer (RFC 6749 section 5.1).
#[derive(Debug, Serialize)]
pub struct IssuedToken {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

/// What ops do to the register.
pub struct OrganisationRegistry {
    pub organisations: Arc<dyn Organisations>,
    pub blobs: Arc<dyn BlobStore>,
    pub clock: Arc<dyn Clock>,
}

impl OrganisationRegistry {
    /// The access CA's certificate, if it was made.
    pub async fn access_ca(&self) -> Result<Option<Certificate>, Unavailable> {
        let Some(pem) = self.blobs.get(ACCESS_CA_KEY).await? else {
            return Ok(None);
        };
        let pem = String::from_utf8(pem)
            .map_err(|_| Unavailable::Internal("the access CA is not PEM".into()))?;
        let chain = seal::TrustChain::from_pem(&pem)?;
        Ok(Some(chain.root().clone()))
    }

    /// Makes the access CA's self-signed certificate (10 years) with `ca_key` and stores it.
    pub async fn init_access_ca(&self, ca_key: &dyn Signer) -> Result<Certificate, Unavailable> {
        let certificate = seal::issue_certificate(
            ca_key,
            None,
            ACCESS_CA_SUBJECT,
            &ca_key.public_key().await?,
            Profile::Root,
            10 * YEAR,
        )
        .await?;
        let pem = der::EncodePem::to_pem(&certificate, der::pem::LineEnding::LF)
            .map_err(SealError::from)?;
        self.blobs
            .put(ACCESS_CA_KEY, pem.into_bytes(), seal::CHAIN_CONTENT_TYPE)
            .await?;
        Ok(certificate)
    }

    /// Registers an organisation: checks what ops typed, makes its signing key and has the
    /// access CA (`ca_key`) certify it for two years.
    pub async fn register(
        &self,
        new: NewOrganisation,
        ca_key: &dyn Signer,
    ) -> Result<Organisation, RegisterError> {
        let cui = Cui::parse(&new.cui).map_err(|e| RegisterError::Invalid(e.to_string()))?;
        let name = registered_name(&new.name)?;
        let kind = OrganisationKind::parse(&new.kind).ok_or_else(|| {
            RegisterError::Invalid("the kind is PUBLIC_INSTITUTION or EMPLOYER".into())
        })?;
        let purposes = new
            .purposes
            .iter()
            .map(|p| {
                Purpose::parse(p.trim())
                    .ok_or_else(|| RegisterError::Invalid(format!("unknown purpose {p}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let jwks = public_jwks(&new.jwks)?;
        let ca = self.access_ca().await?.ok_or(RegisterError::NoAccessCa)?;
        if self.organisations.get(&cui).await?.is_some() {
            return Err(RegisterError::Exists);
        }
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let public = key
            .verifying_key()
            .to_public_key_der()
            .map_err(|e| Unavailable::Internal(e.to_string()))?;
        let certificate = seal::issue_certificate(
            ca_key,
            Some(&ca),
            &access_subject(&name, &cui),
            public.as_bytes(),
            Profile::RelyingPartyAccess,
            2 * YEAR,
        )
        .await?;
        let signing_key = key
            .to_pkcs8_der()
            .map_err(|e| Unavailable::Internal(e.to_string()))?
            .as_bytes()
            .to_vec();
        let organisation = Organisation {
            cui,
            name,
            kind,
            purposes,
            jwks,
            status: OrganisationStatus::Active,
            access: AccessCredential {
                certificate: certificate.to_der().map_err(SealError::from)?,
                signing_key,
            },
            registered_at: self.clock.now(),
        };
        match self.organisations.add(&organisation).await {
            Err(crate::ports::StoreError::Conflict) => Err(RegisterError::Exists),
            other => Ok(other.map(|()| organisation)?),
        }
    }

    pub async fn list(&self) -> Result<Vec<Organisation>, Unavailable> {
        Ok(self.organisations.list().await?)
    }

    /// Suspends or reinstates one; false if there is none such. Its tokens stop working at
    /// once (each use reads the status).
    pub async fn set_status(
        &self,
        cui: &Cui,
        status: OrganisationStatus,
    ) -> Result<bool, Unavailable> {
        Ok(self.organisations.set_status(cui, status).await?)
    }
}

/// A registered name: 2 to 200 characters, no control characters, spaces made single.
fn registered_name(typed: &str) -> Result<String, RegisterError> {
    let name = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = name.chars().count();
    if !(2..=200).contains(&count) || name.chars().any(char::is_control) {
        return Err(RegisterError::Invalid(
            "the name has 2 to 200 characters".into(),
        ));
    }
    Ok(name)
}

/// The access certificate's subject (RFC 4514): the registered name, the CUI as ETSI EN 319
/// 412-1's organizationIdentifier (`VATRO-…`), the country.
fn access_subject(name: &str, cui: &Cui) -> String {
    let mut escaped = String::new();
    for (i, c) in name.chars().enumerate() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') || (i == 0 && c == '#') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!("CN={escaped},O={escaped},2.5.4.97=VATRO-{cui},C=RO")
}

/// A JWKS of public EC P-256 keys, each with a distinct `kid`: normalised, or why not.
fn public_jwks(typed: &str) -> Result<String, RegisterError> {
    let invalid = |why: &str| RegisterError::Invalid(format!("the JWKS: {why}"));
    let jwks: Value = serde_json::from_str(typed).map_err(|_| invalid("not JSON"))?;
    let keys = jwks["keys"]
        .as_array()
        .filter(|k| (1..=MOST_KEYS).contains(&k.len()))
        .ok_or_else(|| invalid("\"keys\" must hold 1 to 5 keys"))?;
    let mut kids = std::collections::HashSet::new();
    let mut public = Vec::new();
    for key in keys {
        if key.get("d").is_some() {
            return Err(invalid(
                "a private key was given: register public keys only",
            ));
        }
        let kid = key["kid"]
            .as_str()
            .filter(|k| !k.is_empty() && kids.insert(k.to_owned()))
            .ok_or_else(|| invalid("each key needs its own kid"))?;
        if cazier_formats::jose::jwk_key(key).is_none() {
            return Err(invalid("each key must be an EC P-256 key (ES256)"));
        }
        public.push(serde_json::json!({"kty": "EC", "crv": "P-256", "kid": kid,
            "x": key["x"], "y": key["y"], "use": "sig", "alg": "ES256"}));
    }
    Ok(serde_json::json!({ "keys": public }).to_string())
}

/// The token endpoint and the bearer check of organisations' API calls.
pub struct OrganisationAuth {
    pub organisations: Arc<dyn Organisations>,
    pub grants: Arc<dyn WalletGrants>,
    pub clock: Arc<dyn Clock>,
    /// The audiences an assertion may name: our token endpoint's URL and our issuer.
    pub audiences: Vec<String>,
}

impl OrganisationAuth {
    /// RFC 6749 section 4.4 with RFC 7523 client authentication: an access token for the
    /// organisation whose registered key signed `assertion`. Each assertion works once.
    pub async fn token(
        &self,
        grant_type: Option<&str>,
        client_id: Option<&str>,
        assertion_type: Option<&str>,
        assertion: Option<&str>,
        scope: Option<&str>,
    ) -> Result<IssuedToken, ClientTokenError> {
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
        // Whose assertion it says it is (checked below against that client's keys).
        let claimed = cazier_formats::jose::Jws::parse(assertion)
            .ok()
            .and_then(|jws| jws.payload::<Value>().ok())
            .and_then(|claims| claims["iss"].as_str().map(str::to_owned))
            .and_then(|iss| Cui::parse(&iss).ok().filter(|c| c.as_str() == iss));
        let unknown = || ClientTokenError::InvalidClient("unknown client".into());
        let cui = claimed.ok_or_else(unknown)?;
        if client_id.is_some_and(|id| id != cui.as_str()) {
            return Err(ClientTokenError::InvalidClient(
                "client_id is not the assertion's issuer".into(),
            ));
        }
        let organisation = self.organisations.get(&cui).await?.ok_or_else(unknown)?;
        if !organisation.is_active() {
            return Err(ClientTokenError::InvalidClient(
                "the client is suspended".into(),
            ));
        }
        let jwks: Value = serde_json::from_str(&organisation.jwks)
            .map_err(|_| Unavailable::Internal("a stored JWKS does not parse".into()))?;
        let audiences: Vec<&str> = self.audiences.iter().map(String::as_str).collect();
        let asserted = client_assertion::check(assertion, cui.as_str(), &jwks, &audiences, now)
            .map_err(|refusal| ClientTokenError::InvalidClient(refusal.to_string()))?;
        let scope = match scope.map(str::trim) {
            None | Some("") => PRESENTATION_SCOPE,
            Some(PRESENTATION_SCOPE) => PRESENTATION_SCOPE,
            Some(_) => return Err(ClientTokenError::InvalidScope),
        };
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
        let access_token = new_token();
        let grant = WalletGrant::OrganisationToken {
            organisation: cui,
            scope: scope.to_owned(),
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
            token_type: "Bearer",
            expires_in: TOKEN_LIFETIME.num_seconds(),
            scope: scope.to_owned(),
        })
    }

    /// The active organisation a bearer token was issued to, if the token allows `scope`.
    pub async fn authenticate(
        &self,
        bearer: &str,
        scope: &str,
    ) -> Result<Organisation, ClientAuthError> {
        if bearer.is_empty() {
            return Err(ClientAuthError::InvalidToken);
        }
        let now = self.clock.now();
        let Some(WalletGrant::OrganisationToken {
            organisation,
            scope: granted,
        }) = self
            .grants
            .peek_grant(&sha256_hex(bearer.as_bytes()), now)
            .await?
        else {
            return Err(ClientAuthError::InvalidToken);
        };
        let organisation = self
            .organisations
            .get(&organisation)
            .await?
            .filter(Organisation::is_active)
            .ok_or(ClientAuthError::InvalidToken)?;
        if !granted
            .split_whitespace()
            .any(|s| constant_time_eq(s.as_bytes(), scope.as_bytes()))
        {
            return Err(ClientAuthError::InsufficientScope);
        }
        Ok(organisation)
    }
}

/// An organisation's access key, held in memory by the function that signs its requests to
/// wallets: signing costs no KMS call.
pub struct AccessKey(SigningKey);

impl AccessKey {
    pub fn of(credential: &AccessCredential) -> Result<Self, Unavailable> {
        SigningKey::from_pkcs8_der(&credential.signing_key)
            .map(Self)
            .map_err(|_| Unavailable::Internal("a stored access key does not parse".into()))
    }

    /// Whether `credential`'s certificate names this key.
    pub fn certified_by(&self, credential: &AccessCredential) -> bool {
        let Ok(certificate) = Certificate::from_der(&credential.certificate) else {
            return false;
        };
        let Ok(public) = self.0.verifying_key().to_public_key_der() else {
            return false;
        };
        certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .is_ok_and(|der| der == public.as_bytes())
    }
}

#[async_trait::async_trait]
impl Signer for AccessKey {
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let signature: p256::ecdsa::Signature = self.0.sign(message);
        Ok(signature.to_der().as_bytes().to_vec())
    }

    async fn public_key(&self) -> Result<Vec<u8>, SignError> {
        self.0
            .verifying_key()
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|e| SignError::Unavailable(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_in_the_subject() {
        let cui = Cui::parse("14399840").unwrap();
        let subject = access_subject("Popescu, Ionescu + Asociații", &cui);
        assert_eq!(
            subject,
            "CN=Popescu\\, Ionescu \\+ Asociații,O=Popescu\\, Ionescu \\+ Asociații,2.5.4.97=VATRO-14399840,C=RO"
        );
        let name: x509_cert::name::Name = subject.parse().unwrap();
        assert!(name.to_string().contains("Asociații"));
    }

    #[test]
    fn a_jwks_must_hold_public_p256_keys_with_their_own_kids() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let mut jwk = cazier_formats::jose::public_jwk(key.verifying_key());
        jwk["kid"] = serde_json::json!("k1");
        let ok = serde_json::json!({"keys": [jwk]}).to_string();
        assert!(public_jwks(&ok).is_ok());
        let twice = serde_json::json!({"keys": [jwk, jwk]}).to_string();
        assert!(public_jwks(&twice).is_err());
        let mut private = jwk.clone();
        private["d"] = serde_json::json!("AAAA");
        let leaked = serde_json::json!({"keys": [private]}).to_string();
        assert!(public_jwks(&leaked).is_err());
        assert!(public_jwks(r#"{"keys": []}"#).is_err());
        assert!(public_jwks("not json").is_err());
        let rsa = r#"{"keys": [{"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"}]}"#;
        assert!(public_jwks(rsa).is_err());
    }

    #[test]
    fn names_are_tidied_and_bounded() {
        assert_eq!(registered_name("  Dunărea   SA ").unwrap(), "Dunărea SA");
        assert!(registered_name("x").is_err());
        assert!(registered_name("Bad\u{7}Name").is_err());
    }
}

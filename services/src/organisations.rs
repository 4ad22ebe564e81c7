//! Registered organisations (relying parties): what ops do to them (`cazier-admin
//! organisations`). Each registers its public keys (a JWKS), with which it gets access tokens
//! (`client_auth.rs`). Each also gets a relying-party access
//! certificate from our access CA (a KMS key of its own, apart from the seal's), for a key the
//! service keeps for it: its requests to wallets are signed with that key, so a wallet shows
//! the organisation's registered name, never the Ministry's and never a declared one.
//! (Over 400 lines: every check of what ops type for an organisation (CUI, name, JWKS, origins,
//! webhook URL) beside its tests, so a rule and its refusals read together.)

use crate::domain::organisation::{
    AccessCredential, Organisation, OrganisationKind, OrganisationStatus,
};
use crate::domain::{Cui, Purpose};
use crate::ports::{BlobStore, Clock, Organisations, SignError, Signer};
use crate::seal::{self, Profile, SealError};
use crate::{unavailable_from_ports, Unavailable};
use der::Encode;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::SigningKey;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use serde_json::Value;
use std::sync::Arc;
use x509_cert::Certificate;

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

unavailable_from_ports!(RegisterError);

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
    /// Where its same-device requests may send holders back (`https://host[:port]`).
    pub redirect_origins: Vec<String>,
    /// Where record changes are pushed (https), if anywhere.
    pub webhook_url: Option<String>,
}

/// What ops do to the register.
pub struct OrganisationRegistry {
    pub organisations: Arc<dyn Organisations>,
    pub blobs: Arc<dyn BlobStore>,
    pub clock: Arc<dyn Clock>,
    /// A local stack: webhooks may be on this machine (`webhook_url`).
    pub allow_loopback_webhooks: bool,
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
        let redirect_origins = new
            .redirect_origins
            .iter()
            .map(|o| {
                crate::presentation::RedirectUri::origin_of(o)
                    .filter(|origin| origin == o.trim_end_matches('/'))
                    .ok_or_else(|| {
                        RegisterError::Invalid(format!(
                            "{o} is not an origin: https://host, with a port if not 443"
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let webhook_url = new
            .webhook_url
            .as_deref()
            .map(|url| webhook_url(url, self.allow_loopback_webhooks))
            .transpose()?;
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
            redirect_origins,
            webhook_url,
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

impl OrganisationRegistry {
    /// Sets (or removes) where its record changes are pushed; false if there is none such.
    pub async fn set_webhook(&self, cui: &Cui, url: Option<&str>) -> Result<bool, RegisterError> {
        let url = url
            .map(|url| webhook_url(url, self.allow_loopback_webhooks))
            .transpose()?;
        Ok(self
            .organisations
            .set_webhook(cui, url.as_deref())
            .await
            .map_err(Unavailable::from)?)
    }
}

/// A webhook's URL: https to a public DNS name (its last label letters or `xn--…`: no IP address in
/// any spelling, no `localhost`, `.local`, `.internal`, `.arpa`), a path and query but no
/// fragment, no user name, no spaces, at most 500 characters. On a local stack
/// (`allow_loopback`) also `http://127.0.0.1:<port>` and `http://localhost:<port>`, where the
/// tests' receivers listen. The deliverer checks the addresses the name resolves to as well.
pub fn webhook_url(typed: &str, allow_loopback: bool) -> Result<String, RegisterError> {
    let url = typed.trim();
    let refused = || {
        RegisterError::Invalid(format!(
            "{url} is not a webhook URL: https://<public host name>[:port]/path, no fragment"
        ))
    };
    let origin = crate::presentation::RedirectUri::origin_of(url).ok_or_else(refused)?;
    let shaped = url.len() <= 500
        && !url.contains('#')
        && url.chars().all(|c| c.is_ascii_graphic())
        && url.to_ascii_lowercase().starts_with(&origin)
        && matches!(url.as_bytes().get(origin.len()), None | Some(b'/' | b'?'));
    if !shaped {
        return Err(refused());
    }
    let (scheme, authority) = origin.split_once("://").ok_or_else(refused)?;
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let loopback = matches!(host, "127.0.0.1" | "localhost");
    if loopback && allow_loopback {
        return Ok(url.to_owned());
    }
    let public_name = scheme == "https"
        && host.contains('.')
        && host.rsplit('.').next().is_some_and(|tld| {
            let letters = tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_lowercase());
            // An internationalised TLD in its ASCII form (`xn--p1ai`): never a number.
            let idn = tld.strip_prefix("xn--").is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
            letters || idn
        })
        && ![
            "localhost",
            "local",
            "internal",
            "arpa",
            "lan",
            "home",
            "corp",
        ]
        .iter()
        .any(|tld| host == *tld || host.ends_with(&format!(".{tld}")));
    if !public_name {
        return Err(refused());
    }
    Ok(url.to_owned())
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

/// An organisation's access key, held in memory by the function that signs its requests to
/// wallets: signing costs no KMS call.
pub struct AccessKey(SigningKey);

impl AccessKey {
    /// A key held in memory already (tests, and the test wallet provider).
    pub fn from_key(key: SigningKey) -> Self {
        Self(key)
    }

    pub fn of(credential: &AccessCredential) -> Result<Self, Unavailable> {
        SigningKey::from_pkcs8_der(&credential.signing_key)
            .map(Self)
            .map_err(|_| Unavailable::Internal("a stored access key does not parse".into()))
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

    #[test]
    fn a_webhook_goes_to_a_public_host_name_over_https() {
        for fine in [
            "https://hr.dunarea.ro/cazier/changes",
            "https://hooks.example.com:8443/x?tenant=1",
            // Internationalised: .рф, .中国 in their ASCII forms.
            "https://xn--80ak6aa92e.xn--p1ai/hooks",
            "https://hooks.example.xn--fiqs8s/",
        ] {
            assert_eq!(webhook_url(fine, false).unwrap(), fine);
        }
        for refused in [
            "http://hr.dunarea.ro/x",
            "https://127.0.0.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://2130706433/",
            "https://0x7f000001/",
            "https://127.1/",
            "https://0/",
            "https://localhost:22/",
            "https://metadata.google.internal/",
            "https://printer.local/",
            "https://1.0.0.127.in-addr.arpa/",
            "http://127.0.0.1:5000/?Action=CreateQueue",
            "https://user@hr.dunarea.ro/",
            "https://hr.dunarea.ro/x#y",
            "ftp://hr.dunarea.ro/",
            "https://hooks.xn--/",
            "https://hooks.xn--p1ai_/",
        ] {
            assert!(webhook_url(refused, false).is_err(), "{refused}");
        }
        // A local stack's receivers listen on the loopback; still nothing else.
        assert!(webhook_url("http://127.0.0.1:4999/hooks", true).is_ok());
        assert!(webhook_url("https://169.254.169.254/", true).is_err());
    }

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

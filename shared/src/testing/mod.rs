//! In-memory ports for fast tests of the services (behind the `testing` feature): the same
//! service graphs as the functions run, built by [`crate::wiring::ServiceGraphs`] from
//! [`Memory`] instead of the AWS adapters. No network, no moto: milliseconds per test.
//! (Over 400 lines: the one in-memory port set and its builder; the stores are in submodules.)

pub mod consents;
mod issuing;
pub mod organisations;
pub mod provider;
mod sessions;
mod shares;
mod stores;
pub mod tsa;
pub mod wallet;
pub mod webhooks;

pub use issuing::{MemoryBlobs, MemoryCertificates, MemoryRecords, MemoryRequests};
pub use provider::MemoryProvider;
pub use sessions::MemorySessions;
pub use shares::MemoryShares;
pub use stores::{MemoryAccounts, MemoryAudit};

use crate::config::{vars, ConfigError};
use crate::domain::Notice;
use crate::ports::{
    AccountStore, AuditLog, BlobStore, CertificateStore, Clock, MailError, Mailer,
    PresentationResults, RequestStore, ShareStore, SignError, Signer, TimestampAuthority,
    TokenEndpoint,
};
use crate::services::trust::ChainSource;
use crate::wiring::{PortSource, RecordsTable, SessionsTable};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A valid CUI made from `body` (its control digit appended).
pub fn cui_from(body: u32) -> String {
    let digits: Vec<u32> = body
        .to_string()
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    format!("{body}{}", crate::domain::cui::control_digit(&digits))
}

/// A validated citizen account with this CNP (Ștefănescu Ana-Maria, passport 055123456).
pub fn sample_citizen(cnp: &str) -> crate::domain::Account {
    use crate::domain::*;
    Account {
        account_id: AccountId::random(),
        email: Email::parse(&format!("{}@example.ro", AccountId::random()))
            .unwrap_or_else(|_| unreachable!("a well-formed address")),
        role: Role::Citizen,
        status: AccountStatus::Validated,
        password_hash: "not used".into(),
        created_at: chrono::Utc::now(),
        person: Cnp::parse(cnp).ok().map(|cnp| Person {
            cnp,
            last_name: Name::parse("Ștefănescu").unwrap_or_else(|_| unreachable!("a name")),
            first_name: Name::parse("Ana-Maria").unwrap_or_else(|_| unreachable!("a name")),
            father_first_name: None,
            mother_first_name: None,
            birth_place: None,
            id_document: IdDocument::parse("PASSPORT", None, "055123456")
                .unwrap_or_else(|_| unreachable!("a passport")),
        }),
        counter_code: Some(CounterCode::random()),
        validation: None,
        unit: None,
        organisation: None,
        expires_at: None,
        disabled: false,
        totp: None,
        details_version: 0,
    }
}

/// The development ghiseul.ro issuer (`infra/local/dev-issuers.json`), whose committed key
/// signs assertions in tests ([`sign_ghiseul_assertion`]).
pub fn ghiseul_issuer_entry() -> serde_json::Value {
    let all: serde_json::Value =
        serde_json::from_str(include_str!("../../../infra/local/dev-issuers.json"))
            .unwrap_or_default();
    all.as_array()
        .and_then(|issuers| issuers.iter().find(|i| i["provider"] == "ghiseul"))
        .cloned()
        .unwrap_or_default()
}

/// An assertion as the development ghiseul.ro signs it.
pub fn sign_ghiseul_assertion(claims: &serde_json::Value) -> String {
    crate::identity::sign(
        claims,
        include_str!("../../../infra/local/ghiseul-dev-key.pem"),
        "ghiseul-dev-1",
    )
    .unwrap_or_default()
}

/// A clock the test moves by hand.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self(Mutex::new(t)))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A P-256 key held in memory (stands in for a KMS key), which a test can make fail.
pub struct LocalSigner {
    key: p256::ecdsa::SigningKey,
    failing: AtomicBool,
    signatures: std::sync::atomic::AtomicUsize,
}

impl LocalSigner {
    pub fn random() -> Self {
        Self {
            key: p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng),
            failing: AtomicBool::new(false),
            signatures: Default::default(),
        }
    }

    /// From now on every call fails as an unreachable KMS would (or works again).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// How many signatures it made.
    pub fn signatures(&self) -> usize {
        self.signatures.load(Ordering::SeqCst)
    }

    pub fn public_key_der(&self) -> Vec<u8> {
        use p256::pkcs8::EncodePublicKey;
        self.key
            .verifying_key()
            .to_public_key_der()
            .map(|d| d.into_vec())
            .unwrap_or_default()
    }

    fn check(&self) -> Result<(), SignError> {
        if self.failing.load(Ordering::SeqCst) {
            Err(SignError::Unavailable(
                "the test made the signer fail".into(),
            ))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Signer for LocalSigner {
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        use p256::ecdsa::signature::Signer as _;
        self.check()?;
        let signature: p256::ecdsa::Signature = self.key.sign(message);
        self.signatures.fetch_add(1, Ordering::SeqCst);
        Ok(signature.to_der().as_bytes().to_vec())
    }

    async fn public_key(&self) -> Result<Vec<u8>, SignError> {
        self.check()?;
        Ok(self.public_key_der())
    }
}

/// A root and a seal certificate for `key` (both its own, valid a year): a chain for the
/// benchmarks, without a trust file.
pub async fn self_issued_chain(key: &LocalSigner) -> crate::seal::TrustChain {
    use crate::seal::{issue_certificate, Profile, TrustChain};
    let public = key.public_key_der();
    let year = std::time::Duration::from_secs(365 * 86400);
    let root = issue_certificate(
        key,
        None,
        "CN=Bench root,C=RO",
        &public,
        Profile::Root,
        year,
    )
    .await
    .expect("a root");
    let seal = issue_certificate(
        key,
        Some(&root),
        "CN=Bench seal,C=RO",
        &public,
        Profile::Seal,
        year,
    )
    .await
    .expect("a seal certificate");
    TrustChain::new(vec![seal, root]).expect("a chain")
}

/// Every port in memory, with the settings a function would get from `template.yaml`'s
/// defaults. Fields are public so a test can look inside or change a store directly.
pub struct Memory {
    pub accounts: Arc<MemoryAccounts>,
    pub sessions: Arc<MemorySessions>,
    pub requests: Arc<MemoryRequests>,
    pub certificates: Arc<MemoryCertificates>,
    pub records: Arc<MemoryRecords>,
    pub blobs: Arc<MemoryBlobs>,
    pub audit: Arc<MemoryAudit>,
    pub shares: Arc<MemoryShares>,
    pub organisations: Arc<organisations::MemoryOrganisations>,
    pub consents: Arc<consents::MemoryConsents>,
    pub outbox: Arc<webhooks::MemoryOutbox>,
    /// Every organisation's webhook receiver.
    pub receiver: Arc<webhooks::MemoryReceiver>,
    pub signer: Arc<LocalSigner>,
    pub root: Arc<LocalSigner>,
    pub clock: Arc<TestClock>,
    pub mailer: Arc<MemoryMailer>,
    pub provider: Arc<MemoryProvider>,
    /// The timestamping authority, its certificate issued by the same root as the seal's.
    pub tsa: Arc<tsa::MemoryTsa>,
    /// The wallet provider the issuer trusts (its attestations of wallets and keys).
    pub wallet_provider: Arc<wallet::TestWalletProvider>,
    pub settings: HashMap<&'static str, String>,
    chain: Arc<ChainSource>,
}

impl Memory {
    /// A session of `account_id` under `token`, valid for an hour, stored directly (no
    /// password hashing), for tests and benchmarks of signed-in routes.
    pub async fn session_for(
        &self,
        account_id: &crate::domain::AccountId,
        role: crate::domain::Role,
        token: &str,
        channel: crate::domain::SessionChannel,
    ) {
        use crate::ports::{Clock, SessionStore};
        let session = crate::ports::Session {
            token_hash: crate::crypto::sha256_hex(token.as_bytes()),
            account_id: account_id.clone(),
            role,
            expires_at: self.clock.now() + chrono::Duration::hours(1),
            channel,
        };
        if let Err(e) = self.sessions.put(&session).await {
            panic!("an in-memory session is stored: {e}");
        }
    }

    /// Empty stores at `now`, with a seal chain installed (as `trust init` does).
    pub async fn new(now: DateTime<Utc>) -> Self {
        let audit = Arc::new(MemoryAudit::default());
        let blobs = Arc::new(MemoryBlobs::default());
        let signer = Arc::new(LocalSigner::random());
        let root = Arc::new(LocalSigner::random());
        let installed = crate::services::trust::init(
            &*root,
            &*signer,
            &*blobs,
            crate::services::trust::SEAL_SUBJECT,
            now,
        )
        .await;
        let Ok(chain) = installed else {
            panic!("the in-memory trust chain installs");
        };
        let tsa = Arc::new(tsa::MemoryTsa::issued_by(&root, chain.root()).await);
        let tsa_pem = der::EncodePem::to_pem(&tsa.certificate, der::pem::LineEnding::LF)
            .unwrap_or_default()
            + &chain.root_pem().unwrap_or_default();
        let wallet_provider = Arc::new(wallet::TestWalletProvider::dev());
        let settings = HashMap::from([
            (vars::WALLET_PROVIDER_CERTIFICATES, wallet_provider.pem()),
            (vars::TIMESTAMP_AUTHORITY_URL, "memory:tsa".into()),
            (vars::TIMESTAMP_AUTHORITY_CERTIFICATES, tsa_pem),
            (
                vars::ISSUING_UNIT,
                "Inspectoratul General al Poliției Române".into(),
            ),
            (vars::ISSUE_WITH_ENTRIES, "true".into()),
            (
                vars::VERIFICATION_PAGE_URL,
                "https://cazier.test/verificare".into(),
            ),
            (
                vars::IDENTITY_ISSUERS,
                serde_json::json!([provider::issuer_entry(), ghiseul_issuer_entry()]).to_string(),
            ),
            (vars::PORTAL_URL, "https://cazier.test".into()),
            (vars::NOTICE_SENDER, "no-reply@cazier.test".into()),
            (vars::REQUIRE_OPERATOR_TOTP, "true".into()),
        ]);
        let consent_store = Arc::new(consents::MemoryConsents::new(audit.clone()));
        Self {
            accounts: Arc::new(MemoryAccounts::new(audit.clone())),
            sessions: Arc::default(),
            requests: Arc::default(),
            certificates: Arc::new(MemoryCertificates::new(audit.clone())),
            records: Arc::default(),
            chain: Arc::new(ChainSource::new(blobs.clone())),
            blobs,
            audit,
            shares: Arc::default(),
            organisations: Arc::default(),
            consents: consent_store,
            outbox: Arc::default(),
            receiver: Arc::default(),
            signer,
            root,
            clock: TestClock::at(now),
            mailer: Arc::default(),
            provider: Arc::default(),
            tsa,
            wallet_provider,
            settings,
        }
    }

    /// The same stores with one setting changed (e.g. pilot mode).
    pub fn with_setting(mut self, name: &'static str, value: &str) -> Self {
        self.settings.insert(name, value.to_owned());
        self
    }
}

/// Notices kept in memory; it can be made to fail like an unreachable SES.
#[derive(Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<Notice>>,
    failing: AtomicBool,
}

impl MemoryMailer {
    pub fn sent(&self) -> Vec<Notice> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, notice: &Notice) -> Result<(), MailError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(MailError::Unavailable(
                "the test made the mailer fail".into(),
            ));
        }
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(notice.clone());
        Ok(())
    }
}

impl PortSource for Memory {
    fn accounts(&self) -> Result<Arc<dyn AccountStore>, ConfigError> {
        Ok(self.accounts.clone())
    }

    fn sessions(&self) -> Result<Arc<dyn SessionsTable>, ConfigError> {
        Ok(self.sessions.clone())
    }

    fn presentations(&self) -> Result<Arc<dyn PresentationResults>, ConfigError> {
        Ok(self.sessions.clone())
    }

    fn pending(&self) -> Result<Arc<dyn crate::wiring::PendingTable>, ConfigError> {
        Ok(self.sessions.clone())
    }

    fn requests(&self) -> Result<Arc<dyn RequestStore>, ConfigError> {
        Ok(self.requests.clone())
    }

    fn certificates(&self) -> Result<Arc<dyn CertificateStore>, ConfigError> {
        Ok(self.certificates.clone())
    }

    fn records(&self) -> Result<Arc<dyn RecordsTable>, ConfigError> {
        Ok(self.records.clone())
    }

    fn documents(&self) -> Result<Arc<dyn BlobStore>, ConfigError> {
        Ok(self.blobs.clone())
    }

    fn audit(&self) -> Result<Arc<dyn AuditLog>, ConfigError> {
        Ok(self.audit.clone())
    }

    fn shares(&self) -> Result<Arc<dyn ShareStore>, ConfigError> {
        Ok(self.shares.clone())
    }

    fn organisations(&self) -> Result<Arc<dyn crate::ports::Organisations>, ConfigError> {
        Ok(self.organisations.clone())
    }

    fn consents(&self) -> Result<Arc<dyn crate::ports::Consents>, ConfigError> {
        Ok(self.consents.clone())
    }

    fn webhook_outbox(&self) -> Result<Arc<dyn crate::ports::WebhookOutbox>, ConfigError> {
        Ok(self.outbox.clone())
    }

    fn webhook_sender(&self) -> Result<Arc<dyn crate::ports::WebhookSender>, ConfigError> {
        Ok(self.receiver.clone())
    }

    fn signer(&self) -> Result<Arc<dyn Signer>, ConfigError> {
        Ok(self.signer.clone())
    }

    fn timestamp_authority(&self) -> Result<Arc<dyn TimestampAuthority>, ConfigError> {
        Ok(self.tsa.clone())
    }

    fn chain(&self) -> Result<Arc<ChainSource>, ConfigError> {
        Ok(self.chain.clone())
    }

    fn mailer(&self) -> Result<Arc<dyn Mailer>, ConfigError> {
        Ok(self.mailer.clone())
    }

    fn token_endpoint(&self) -> Result<Arc<dyn TokenEndpoint>, ConfigError> {
        Ok(self.provider.clone())
    }

    fn setting(&self, name: &'static str) -> Result<String, ConfigError> {
        self.settings
            .get(name)
            .cloned()
            .ok_or(ConfigError::Missing(name))
    }

    fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }
}

/// `jws` with its claims changed as `change` says and its signature kept: a forgery, as an
/// attacker would make one from a genuine document.
pub fn with_changed_claims(jws: &str, change: impl FnOnce(&mut serde_json::Value)) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = jws.split('.').collect();
    let mut claims: serde_json::Value = parts
        .get(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(|| panic!("a compact JWS with JSON claims"));
    change(&mut claims);
    let signature = parts.get(2).copied().unwrap_or_default();
    format!(
        "{}.{}.{signature}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

//! The service graphs, built in one place from any source of ports: the AWS adapters
//! ([`crate::aws::wiring::Wiring`], for the functions, the admin tool, the local stack and the
//! end-to-end tests) or the in-memory ones (`crate::testing::Memory`, for unit tests). A
//! function, a test and a tool get the same graph for the same capability. (Over 400 lines on
//! purpose: every service graph in one place, which is the point of it.)

use crate::config::{vars, ConfigError};
use crate::identity::Issuer;
use crate::ports::{
    AccountStore, AccountTickets, AuditLog, BlobStore, CertificateStore, Clock, CompanyStore,
    IdentityNonces, Mailer, Organisations, PresentationResults, ProvenIdentities, RecordStore,
    Registrations, RequestStore, SessionStore, ShareStore, Signer, Throttle, TimestampAuthority,
    TokenEndpoint, WalletGrants,
};
use crate::services::accounts::AccountService;
use crate::services::checks::CheckService;
use crate::services::ghiseul::GhiseulService;
use crate::services::issuance::IssuanceService;
use crate::services::ltv::ValidationSource;
use crate::services::notices::NoticeService;
use crate::services::online::ProvenService;
use crate::services::passwords::PasswordService;
use crate::services::requests::RequestService;
use crate::services::roeid::RoeidService;
use crate::services::sealing::Sealer;
use crate::services::shares::ShareService;
use crate::services::status::StatusListService;
use crate::services::trust::ChainSource;
use crate::services::validation::ValidationService;
use crate::services::verification::VerificationService;
use crate::timestamp::Timestamps;
use std::sync::Arc;

/// What the sessions table holds: sessions, throttling counters, identity-provider nonces,
/// the wallet protocols' and the accounts' single-use secrets.
pub trait SessionsTable:
    SessionStore + Throttle + IdentityNonces + WalletGrants + AccountTickets
{
}
impl<T: SessionStore + Throttle + IdentityNonces + WalletGrants + AccountTickets> SessionsTable
    for T
{
}

/// What the sessions table holds sealed: registrations awaiting their code, and identities
/// proven online awaiting their holder's confirmation.
pub trait PendingTable: Registrations + ProvenIdentities {}
impl<T: Registrations + ProvenIdentities> PendingTable for T {}

/// What the records table holds: record entries, companies and their representatives.
pub trait RecordsTable: RecordStore + CompanyStore {}
impl<T: RecordStore + CompanyStore> RecordsTable for T {}

/// Where the ports come from. Each is made on demand, so a function builds only what its
/// services use, and a setting it lacks is an error when (and only when) it is needed.
pub trait PortSource {
    fn accounts(&self) -> Result<Arc<dyn AccountStore>, ConfigError>;
    fn sessions(&self) -> Result<Arc<dyn SessionsTable>, ConfigError>;
    /// OpenID4VP outcomes (in the sessions table, sealed: they hold personal data).
    fn presentations(&self) -> Result<Arc<dyn PresentationResults>, ConfigError>;
    /// Registrations and proven identities awaiting confirmation (sessions table, sealed).
    fn pending(&self) -> Result<Arc<dyn PendingTable>, ConfigError>;
    fn requests(&self) -> Result<Arc<dyn RequestStore>, ConfigError>;
    fn certificates(&self) -> Result<Arc<dyn CertificateStore>, ConfigError>;
    fn records(&self) -> Result<Arc<dyn RecordsTable>, ConfigError>;
    fn documents(&self) -> Result<Arc<dyn BlobStore>, ConfigError>;
    fn audit(&self) -> Result<Arc<dyn AuditLog>, ConfigError>;
    fn shares(&self) -> Result<Arc<dyn ShareStore>, ConfigError>;
    /// The registered organisations.
    fn organisations(&self) -> Result<Arc<dyn Organisations>, ConfigError>;
    fn consents(&self) -> Result<Arc<dyn crate::ports::Consents>, ConfigError>;
    /// Webhook deliveries (their own table).
    fn webhook_outbox(&self) -> Result<Arc<dyn crate::ports::WebhookOutbox>, ConfigError>;
    /// Where webhooks are posted.
    fn webhook_sender(&self) -> Result<Arc<dyn crate::ports::WebhookSender>, ConfigError>;
    /// The seal key.
    fn signer(&self) -> Result<Arc<dyn Signer>, ConfigError>;
    /// Where notices go out.
    fn mailer(&self) -> Result<Arc<dyn Mailer>, ConfigError>;
    /// Where OpenID Connect authorization codes are redeemed.
    fn token_endpoint(&self) -> Result<Arc<dyn TokenEndpoint>, ConfigError>;
    /// Where timestamps are asked for and CRLs fetched.
    fn timestamp_authority(&self) -> Result<Arc<dyn TimestampAuthority>, ConfigError>;
    /// The seal's certificate chain, shared by every service of this source.
    fn chain(&self) -> Result<Arc<ChainSource>, ConfigError>;
    /// A setting by its environment-variable name (`config::vars`).
    fn setting(&self, name: &'static str) -> Result<String, ConfigError>;
    fn clock(&self) -> Arc<dyn Clock>;

    /// The trusted identity providers (a JSON array; `[]`: the routes answer 503).
    fn issuers(&self) -> Result<Vec<Issuer>, ConfigError> {
        crate::identity::parse_issuers(&self.setting(vars::IDENTITY_ISSUERS)?)
            .map_err(|e| ConfigError::Invalid(vars::IDENTITY_ISSUERS, e))
    }

    /// Whether these are a local stack's ports (the AWS endpoint on this machine): webhooks
    /// may then go to the loopback, where the tests' receivers listen. Never on AWS.
    fn is_local_stack(&self) -> bool {
        false
    }

    /// A `true`/`false` setting.
    fn flag(&self, name: &'static str) -> Result<bool, ConfigError> {
        match self.setting(name)?.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ConfigError::NotBool(name)),
        }
    }
}

/// Every service graph, the same for every source of ports.
pub trait ServiceGraphs: PortSource {
    fn account_service(&self) -> Result<AccountService, ConfigError> {
        let sessions = self.sessions()?;
        Ok(AccountService {
            accounts: self.accounts()?,
            sessions: sessions.clone(),
            tickets: sessions.clone(),
            registrations: self.pending()?,
            throttle: sessions,
            mailer: self.mailer()?,
            clock: self.clock(),
            portal_url: self.setting(vars::PORTAL_URL)?,
            require_operator_totp: self.flag(vars::REQUIRE_OPERATOR_TOTP)?,
        })
    }

    fn password_service(&self) -> Result<PasswordService, ConfigError> {
        let sessions = self.sessions()?;
        Ok(PasswordService {
            accounts: self.accounts()?,
            sessions: sessions.clone(),
            tickets: sessions.clone(),
            throttle: sessions,
            mailer: self.mailer()?,
            clock: self.clock(),
            portal_url: self.setting(vars::PORTAL_URL)?,
        })
    }

    fn validation_service(&self) -> Result<ValidationService, ConfigError> {
        Ok(ValidationService {
            accounts: self.accounts()?,
            audit: self.audit()?,
            tickets: self.sessions()?,
            clock: self.clock(),
        })
    }

    fn ghiseul_service(&self) -> Result<GhiseulService, ConfigError> {
        Ok(GhiseulService {
            accounts: self.accounts()?,
            nonces: self.sessions()?,
            proven: self.pending()?,
            issuers: self.issuers()?,
            clock: self.clock(),
        })
    }

    fn roeid_service(&self) -> Result<RoeidService, ConfigError> {
        Ok(RoeidService {
            accounts: self.accounts()?,
            nonces: self.sessions()?,
            proven: self.pending()?,
            tokens: self.token_endpoint()?,
            issuers: self.issuers()?,
            clock: self.clock(),
        })
    }

    /// The holder's confirmation of an identity proven online (the portal).
    fn proven_service(&self) -> Result<ProvenService, ConfigError> {
        Ok(ProvenService {
            accounts: self.accounts()?,
            proven: self.pending()?,
            clock: self.clock(),
        })
    }

    fn request_service(&self) -> Result<RequestService, ConfigError> {
        Ok(RequestService {
            accounts: self.accounts()?,
            requests: self.requests()?,
            certificates: self.certificates()?,
            blobs: self.documents()?,
            companies: self.records()?,
            clock: self.clock(),
        })
    }

    /// The configured timestamping authority.
    fn timestamps(&self) -> Result<Arc<Timestamps>, ConfigError> {
        Timestamps::new(
            self.setting(vars::TIMESTAMP_AUTHORITY_URL)?,
            &self.setting(vars::TIMESTAMP_AUTHORITY_CERTIFICATES)?,
            self.timestamp_authority()?,
        )
        .map(Arc::new)
        .map_err(|e| ConfigError::Invalid(vars::TIMESTAMP_AUTHORITY_CERTIFICATES, e.to_string()))
    }

    /// PAdES-B-LT sealing: the seal key, the TSA, the validation material.
    fn sealer(&self) -> Result<Arc<Sealer>, ConfigError> {
        let timestamps = self.timestamps()?;
        Ok(Arc::new(Sealer::new(
            self.signer()?,
            timestamps.clone(),
            ValidationSource::new(self.documents()?, timestamps, self.clock()),
        )))
    }

    fn issuance_service(&self) -> Result<IssuanceService, ConfigError> {
        let records = self.records()?;
        Ok(IssuanceService {
            accounts: self.accounts()?,
            requests: self.requests()?,
            certificates: self.certificates()?,
            audit: self.audit()?,
            records: records.clone(),
            companies: records,
            blobs: self.documents()?,
            signer: self.signer()?,
            chain: self.chain()?,
            clock: self.clock(),
            issuing_unit: self.setting(vars::ISSUING_UNIT)?,
            issue_with_entries: self.flag(vars::ISSUE_WITH_ENTRIES)?,
            verification_page: self.setting(vars::VERIFICATION_PAGE_URL)?,
            mailer: self.mailer()?,
            portal_url: self.setting(vars::PORTAL_URL)?,
            sealer: self.sealer()?,
        })
    }

    fn notice_service(&self) -> Result<NoticeService, ConfigError> {
        Ok(NoticeService {
            certificates: self.certificates()?,
            accounts: self.accounts()?,
            mailer: self.mailer()?,
            clock: self.clock(),
            portal_url: self.setting(vars::PORTAL_URL)?,
        })
    }

    fn check_service(&self) -> Result<CheckService, ConfigError> {
        Ok(CheckService {
            certificates: self.certificates()?,
            audit: self.audit()?,
        })
    }

    fn share_service(&self) -> Result<ShareService, ConfigError> {
        Ok(ShareService {
            certificates: self.certificates()?,
            shares: self.shares()?,
            audit: self.audit()?,
            blobs: self.documents()?,
            throttle: self.sessions()?,
            clock: self.clock(),
        })
    }

    /// The portal's (API's) address, without a final `/`: the wallet issuer's identifier and
    /// the base of the OpenID4VP endpoints.
    fn portal_url(&self) -> Result<String, ConfigError> {
        Ok(self
            .setting(vars::PORTAL_URL)?
            .trim_end_matches('/')
            .to_owned())
    }

    /// OpenID4VCI issuance into wallets; the issuer identifier is the portal's (API's) address.
    fn wallet_service(&self) -> Result<crate::services::wallet::WalletService, ConfigError> {
        let grants: Arc<dyn WalletGrants> = self.sessions()?;
        let portal = self.portal_url()?;
        Ok(crate::services::wallet::WalletService {
            certificates: self.certificates()?,
            grants,
            throttle: self.sessions()?,
            signer: self.signer()?,
            chain: self.chain()?,
            clock: self.clock(),
            credential_type: crate::services::wallet::CredentialType::of(&portal),
            issuer_url: portal,
            status_lists_url: crate::services::status::lists_url(
                &self.setting(vars::VERIFICATION_PAGE_URL)?,
            ),
            wallet_providers: Arc::new(
                crate::wallet::attestation::WalletProviders::from_pem(
                    &self.setting(vars::WALLET_PROVIDER_CERTIFICATES)?,
                )
                .map_err(|e| {
                    ConfigError::Invalid(vars::WALLET_PROVIDER_CERTIFICATES, e.to_string())
                })?,
            ),
        })
    }

    /// "Add to wallet" offers, without the seal key's signer (the portal).
    fn wallet_offers(&self) -> Result<crate::services::wallet::WalletOffers, ConfigError> {
        Ok(crate::services::wallet::WalletOffers {
            certificates: self.certificates()?,
            grants: self.sessions()?,
            clock: self.clock(),
            issuer_url: self.portal_url()?,
        })
    }

    /// OpenID4VP verification of certificates from wallets; the response endpoint is under
    /// the portal's (API's) address.
    fn presentation_service(
        &self,
    ) -> Result<crate::services::presentation::PresentationService, ConfigError> {
        let grants: Arc<dyn WalletGrants> = self.sessions()?;
        let portal = self.portal_url()?;
        Ok(crate::services::presentation::PresentationService {
            grants,
            results: self.presentations()?,
            throttle: self.sessions()?,
            blobs: self.documents()?,
            chain: self.chain()?,
            audit: self.audit()?,
            clock: self.clock(),
            response_uri: format!("{portal}/oid4vp/response"),
            requests_url: format!("{portal}/oid4vp/requests"),
            status_lists_url: crate::services::status::lists_url(
                &self.setting(vars::VERIFICATION_PAGE_URL)?,
            ),
            requests: self.requests()?,
            vct: crate::services::wallet::CredentialType::of(&portal).vct,
            organisations: self.organisations()?,
        })
    }

    /// The request objects of wallet presentations, signed with each organisation's access
    /// key (the wallet function only).
    fn request_objects(
        &self,
    ) -> Result<crate::services::presentation::RequestObjects, ConfigError> {
        let portal = self.portal_url()?;
        Ok(crate::services::presentation::RequestObjects {
            grants: self.sessions()?,
            organisations: self.organisations()?,
            clock: self.clock(),
            response_uri: format!("{portal}/oid4vp/response"),
            vct: crate::services::wallet::CredentialType::of(&portal).vct,
            signed: Default::default(),
        })
    }

    /// The organisations' token endpoint and bearer check.
    fn organisation_auth(
        &self,
    ) -> Result<crate::services::client_auth::OrganisationAuth, ConfigError> {
        let portal = self.portal_url()?;
        Ok(crate::services::client_auth::OrganisationAuth {
            organisations: self.organisations()?,
            grants: self.sessions()?,
            throttle: self.sessions()?,
            clock: self.clock(),
            audiences: vec![format!("{portal}/oauth2/token"), portal.clone()],
            base_url: portal,
        })
    }

    /// Organisations' consent requests and extracts (the consents function: the only one
    /// that reads criminal records for an organisation).
    fn consent_requests(&self) -> Result<crate::services::consents::ConsentRequests, ConfigError> {
        Ok(crate::services::consents::ConsentRequests {
            consents: self.consents()?,
            accounts: self.accounts()?,
            records: self.records()?,
            mailer: self.mailer()?,
            throttle: self.sessions()?,
            signer: self.signer()?,
            chain: self.chain()?,
            sealer: self.sealer()?,
            issuing_unit: self.setting(vars::ISSUING_UNIT)?,
            clock: self.clock(),
            portal_url: self.portal_url()?,
            answer_floor: crate::services::MAIL_ANSWER_FLOOR,
        })
    }

    /// An organisation's staff in the portal: its consent operations, in its name.
    fn staff_consents(&self) -> Result<crate::services::consents::StaffConsents, ConfigError> {
        Ok(crate::services::consents::StaffConsents {
            asking: self.consent_requests()?,
            accounts: self.accounts()?,
            organisations: self.organisations()?,
            consents: self.consents()?,
            audit: self.audit()?,
        })
    }

    /// Change notices under continuous consents: told by the record's writers, read by
    /// organisations from their feed.
    fn change_notices(&self) -> Result<crate::services::consents::ChangeNotices, ConfigError> {
        Ok(crate::services::consents::ChangeNotices {
            consents: self.consents()?,
            accounts: self.accounts()?,
            audit: self.audit()?,
            mailer: self.mailer()?,
            organisations: self.organisations()?,
            outbox: self.webhook_outbox()?,
            clock: self.clock(),
            portal_url: self.portal_url()?,
        })
    }

    /// Organisations' change feeds (the consents function).
    fn change_feeds(&self) -> Result<crate::services::consents::ChangeFeeds, ConfigError> {
        Ok(crate::services::consents::ChangeFeeds {
            audit: self.audit()?,
        })
    }

    /// Pushing record changes to organisations' webhooks (the webhooks function, on a
    /// schedule; the admin tool for dead letters).
    fn webhook_deliveries(
        &self,
    ) -> Result<crate::services::consents::WebhookDeliveries, ConfigError> {
        Ok(crate::services::consents::WebhookDeliveries {
            outbox: self.webhook_outbox()?,
            organisations: self.organisations()?,
            sender: self.webhook_sender()?,
            signer: self.signer()?,
            chain: self.chain()?,
            clock: self.clock(),
            issuer_url: self.portal_url()?,
        })
    }

    /// The holder's consents (the portal).
    fn holder_consents(&self) -> Result<crate::services::consents::HolderConsents, ConfigError> {
        Ok(crate::services::consents::HolderConsents {
            consents: self.consents()?,
            accounts: self.accounts()?,
            audit: self.audit()?,
            throttle: self.sessions()?,
            organisations: self.organisations()?,
            clock: self.clock(),
        })
    }

    /// What ops do to the register (the admin tool).
    fn organisation_registry(
        &self,
    ) -> Result<crate::services::organisations::OrganisationRegistry, ConfigError> {
        Ok(crate::services::organisations::OrganisationRegistry {
            organisations: self.organisations()?,
            blobs: self.documents()?,
            clock: self.clock(),
            allow_loopback_webhooks: self.is_local_stack(),
        })
    }

    fn status_list_service(&self) -> Result<StatusListService, ConfigError> {
        Ok(StatusListService {
            certificates: self.certificates()?,
            blobs: self.documents()?,
            signer: self.signer()?,
            chain: self.chain()?,
            clock: self.clock(),
            lists_url: crate::services::status::lists_url(
                &self.setting(vars::VERIFICATION_PAGE_URL)?,
            ),
            published_year: std::sync::atomic::AtomicI32::new(0),
        })
    }

    fn verification_service(&self) -> Result<VerificationService, ConfigError> {
        let pem = self.setting(vars::TIMESTAMP_AUTHORITY_CERTIFICATES)?;
        let timestamp_authorities = x509_cert::Certificate::load_pem_chain(pem.as_bytes())
            .map_err(|e| {
                ConfigError::Invalid(vars::TIMESTAMP_AUTHORITY_CERTIFICATES, e.to_string())
            })?;
        Ok(VerificationService {
            certificates: self.certificates()?,
            audit: self.audit()?,
            throttle: self.sessions()?,
            clock: self.clock(),
            chain: self.chain()?,
            blobs: self.documents()?,
            timestamp_authorities: Arc::new(timestamp_authorities),
        })
    }

    /// Checks by number with a sealed receipt (the verification function: it holds the seal
    /// for this).
    fn receipt_service(&self) -> Result<crate::services::receipts::ReceiptService, ConfigError> {
        Ok(crate::services::receipts::ReceiptService {
            verification: self.verification_service()?,
            shares: self.share_service()?,
            sealer: self.receipt_sealer()?,
        })
    }

    fn receipt_sealer(&self) -> Result<crate::services::receipts::ReceiptSealer, ConfigError> {
        Ok(crate::services::receipts::ReceiptSealer {
            signer: self.signer()?,
            chain: self.chain()?,
            clock: self.clock(),
            issuer_url: self.portal_url()?,
        })
    }

    /// Receipts of wallet presentations' outcomes (the wallet function).
    fn wallet_receipts(&self) -> Result<crate::services::receipts::WalletReceipts, ConfigError> {
        Ok(crate::services::receipts::WalletReceipts {
            presentations: self.presentation_service()?,
            sealer: self.receipt_sealer()?,
            throttle: self.sessions()?,
        })
    }
}

impl<T: PortSource + ?Sized> ServiceGraphs for T {}

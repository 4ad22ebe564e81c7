//! Ports: what the domain services need from the outside world. AWS adapters implement them in
//! `crate::aws`; tests may implement them in memory. (Over 500 lines on purpose: every
//! port in one place, so that what the services depend on reads as one list.)

use crate::organisation::{Organisation, OrganisationStatus};
use crate::{
    Account, AccountId, AuditEvent, AuditSubject, Certificate, CertificateNumber,
    CertificateRequest, Cnp, Company, CounterCode, Cui, Email, Name, Notice, Person,
    PresentationOutcome, RecordEntry, RecordSubject, RejectionCode, RequestId, Role,
    SessionChannel, Share, ShareCode, ShareId, TotpSecret, Validation, ValidationMethod,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness or state condition did not hold (the thing exists already, or changed).
    #[error("conflict")]
    Conflict,
    /// The dependency failed or is out of reach. The text is for logs, never for clients.
    #[error("dependency failed: {0}")]
    Unavailable(String),
    /// Stored data that no longer parses: a bug or a manual edit.
    #[error("corrupt item: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The signing key could not sign (or say its public key).
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// KMS failed or is out of reach. The text is for logs, never for clients.
    #[error("signing key unavailable: {0}")]
    Unavailable(String),
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub account_id: AccountId,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
    /// Where it was opened: an API session is no portal cookie, and the reverse.
    pub channel: SessionChannel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOutcome {
    Created,
    /// The e-mail has an account already.
    Taken,
    /// Only the random counter code collided: draw another.
    CounterCodeTaken,
}

/// What marking an account validated did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidateOutcome {
    Validated,
    /// It was validated already (nothing written).
    AlreadyValidated,
    /// Another validated account holds the CNP (nothing written).
    CnpTaken,
    /// The holder changed their declared data since they were loaded (nothing written).
    DetailsChanged,
}

/// A change ops or the holder make to an account's access.
#[derive(Clone)]
pub enum AccessChange {
    /// A new password (its argon2 hash).
    Password(String),
    Disabled(bool),
    /// A new second-factor secret, or none.
    Totp(Option<TotpSecret>),
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates the account with its unique e-mail and counter code (an account that expired
    /// unvalidated gives them up). The CNP is not reserved until the account is validated.
    async fn create(&self, account: &Account, now: DateTime<Utc>) -> StoreResult<CreateOutcome>;
    async fn get(&self, account_id: &AccountId) -> StoreResult<Option<Account>>;
    async fn find_by_email(&self, email: &Email) -> StoreResult<Option<Account>>;
    async fn find_by_counter_code(&self, code: &CounterCode) -> StoreResult<Option<Account>>;
    /// The account that holds this CNP (validated, or registered and waiting), if any.
    async fn find_by_cnp(&self, cnp: &crate::Cnp) -> StoreResult<Option<Account>>;
    /// Marks a pending account validated with `validation`, stores its person as given (the
    /// names as the identity evidence spells them), takes its CNP for it alone (exactly one
    /// validated account per CNP) and appends `audit`, all in one transaction.
    async fn mark_validated(
        &self,
        account: &Account,
        validation: &Validation,
        audit: &[AuditEvent],
    ) -> StoreResult<ValidateOutcome>;
    /// Changes the account's password, disabled flag or second factor, and appends `audit`;
    /// false if there is no such account.
    async fn change_access(
        &self,
        account_id: &AccountId,
        change: &AccessChange,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Records that the TOTP step was used, if it is later than any used before: a code
    /// works once. False when it was used (or an earlier one was).
    async fn use_totp_step(&self, account_id: &AccountId, step: i64) -> StoreResult<bool>;
    /// Replaces an unvalidated citizen's declared data with `account.person` and bumps its
    /// `details_version`, provided the stored account is still unvalidated and at
    /// `account.details_version`; appends `audit`. False otherwise (nothing written).
    async fn change_declared(&self, account: &Account, audit: &AuditEvent) -> StoreResult<bool>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn put(&self, session: &Session) -> StoreResult<()>;
    async fn get(&self, token_hash: &str) -> StoreResult<Option<Session>>;
    async fn delete(&self, token_hash: &str) -> StoreResult<()>;
    /// Remembers that a device (by the hash of its token) signed in to the account, until
    /// `expires_at`.
    async fn remember_device(
        &self,
        device_hash: &str,
        account_id: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The account a device signed in to, if it is remembered.
    async fn device_account(
        &self,
        device_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountId>>;
    /// Ends every session of the account and forgets its devices (a password change, a
    /// disabled operator).
    async fn revoke_all(&self, account_id: &AccountId) -> StoreResult<()>;
}

/// What a single-use account secret stands for, stored by its hash until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountTicket {
    /// An e-mailed password-reset link, for the password the account had when it was sent
    /// (see [`crate::Account::password_stamp`]): any change of password ends it.
    PasswordReset {
        account_id: AccountId,
        password_stamp: String,
    },
    /// A sign-in whose password was right, waiting for the operator's TOTP code.
    SecondFactor {
        account_id: AccountId,
        channel: SessionChannel,
    },
    /// A clerk looked the citizen up by the counter code (keyed by the clerk's session and
    /// the account): for a short while the clerk may open and validate that account.
    CounterLookup {
        account_id: AccountId,
        /// The version of the declared data the clerk was shown.
        details_version: u32,
    },
}

#[async_trait]
pub trait AccountTickets: Send + Sync {
    async fn put_ticket(
        &self,
        secret_hash: &str,
        ticket: &AccountTicket,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Consumes the ticket if unexpired: a second take finds nothing.
    async fn take_ticket(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountTicket>>;
    /// The ticket if unexpired, left in place.
    async fn peek_ticket(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountTicket>>;
}

/// A registration waiting for the code e-mailed to its address: what the account will be
/// once the address is proven.
#[derive(Clone)]
pub struct PendingRegistration {
    pub email: Email,
    pub password_hash: String,
    pub person: Person,
    /// SHA-256 of the e-mailed code.
    pub code_hash: String,
    /// Codes tried against it so far (this one included, when counted).
    pub tries: u32,
    pub expires_at: DateTime<Utc>,
}

/// Registrations awaiting confirmation, by the hash of the registration id given to the
/// browser or client that registered (sealed: they hold civil-status data). An address may
/// have several: a stranger's registration of someone's address replaces nothing of theirs.
#[async_trait]
pub trait Registrations: Send + Sync {
    async fn put_registration(
        &self,
        registration_hash: &str,
        pending: &PendingRegistration,
    ) -> StoreResult<()>;
    /// Counts one try of a code, atomically, before it is compared: the registration with its
    /// tries so far, if there is one that has not expired.
    async fn try_registration(
        &self,
        registration_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PendingRegistration>>;
    /// Removes the registration if its code is still `code_hash`; whether it did.
    async fn take_registration(
        &self,
        registration_hash: &str,
        code_hash: &str,
    ) -> StoreResult<bool>;
}

/// What an identity provider proved, checked against the account, waiting for its holder to
/// confirm it in the browser that started the validation.
#[derive(Clone)]
pub struct ProvenIdentity {
    pub account_id: AccountId,
    pub method: ValidationMethod,
    /// The names as the evidence spells them (they will replace the typed ones).
    pub last_name: Name,
    pub first_name: Name,
    /// The version of the account's declared data the evidence was compared with.
    pub details_version: u32,
    pub expires_at: DateTime<Utc>,
}

/// Proven identities awaiting confirmation, by the hash of the browser's binding secret
/// (sealed: they hold names).
#[async_trait]
pub trait ProvenIdentities: Send + Sync {
    async fn put_proven(&self, binding_hash: &str, proven: &ProvenIdentity) -> StoreResult<()>;
    async fn peek_proven(
        &self,
        binding_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ProvenIdentity>>;
    async fn take_proven(
        &self,
        binding_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ProvenIdentity>>;
}

/// Fixed-window counters for throttling (login failures, verifications). Callers count an
/// attempt before they make it, so that parallel attempts cannot pass a limit together.
#[async_trait]
pub trait Throttle: Send + Sync {
    /// Counts one event for `key` in the window that holds `now`; returns the count so far.
    async fn hit(&self, key: &str, window_secs: u64, now: DateTime<Utc>) -> StoreResult<u32>;
    /// Takes back one event counted by [`Throttle::hit`] in the window that holds `now` (an
    /// attempt that turned out not to count: refused before it was tried, or a success).
    async fn refund(&self, key: &str, window_secs: u64, now: DateTime<Utc>) -> StoreResult<()>;
}

#[derive(Debug)]
pub enum SubmitOutcome {
    Created,
    /// The same idempotency key was used before by this account: the earlier request.
    Replayed(CertificateRequest),
    /// A request for this purpose was already made today: its id.
    DailyLimit {
        request_id: RequestId,
    },
}

#[async_trait]
pub trait RequestStore: Send + Sync {
    /// Stores a new request, once a day per subject and purpose: its id must be the day's
    /// ([`crate::RequestId::of_the_day`]), so a second of the day is refused by its key
    /// (`DailyLimit`, naming the first). With an idempotency key, the key's guard is written
    /// with it, atomically, and a replay answers with the original.
    async fn submit(
        &self,
        request: &CertificateRequest,
        day: NaiveDate,
        idempotency_key: Option<&str>,
    ) -> StoreResult<SubmitOutcome>;
    async fn get(&self, request_id: &RequestId) -> StoreResult<Option<CertificateRequest>>;
    /// Takes the year's next certificate number and binds it, with the issue time, to the
    /// request, in one atomic step; when the request has a number already, takes none. Returns
    /// the request as stored afterwards (with the number bound by whoever got there first).
    /// A number is never taken without being bound, so the year's numbers have no gaps, under
    /// concurrent or repeated attempts alike. With the number, a status-list index drawn at
    /// random ([`crate::random_status_index`]) that no other number of the year has.
    /// `request` is the request as the caller last read it (a stale copy only costs a retry).
    async fn bind_next_number(
        &self,
        request: &CertificateRequest,
        year: i32,
        issued_at: DateTime<Utc>,
    ) -> StoreResult<CertificateRequest>;
    /// The number of the certificate of `year` that holds status-list index `index`, if any
    /// was drawn for one (indexes below [`crate::LEGACY_STATUS_INDEXES`] are the
    /// sequences of older certificates, found by their number).
    async fn number_at_status_index(
        &self,
        year: i32,
        index: u64,
    ) -> StoreResult<Option<CertificateNumber>>;
    /// Ends a pending request as issued, its notice due; false if it was final already
    /// (nothing changed).
    async fn mark_issued(&self, request_id: &RequestId) -> StoreResult<bool>;
    /// Ends a pending request as rejected, its notice due; false if it was final already.
    async fn mark_rejected(&self, request_id: &RequestId, code: RejectionCode)
        -> StoreResult<bool>;
    /// Ids of the requests created before `cutoff` that are still open: pending, or ended
    /// with their notice due (the sweep reads each to tell which), oldest first.
    async fn open_before(&self, cutoff: DateTime<Utc>, limit: i32) -> StoreResult<Vec<RequestId>>;
    /// The notice is no longer due (the holder saw the outcome, or was e-mailed); false if it
    /// was not due (nothing changed).
    async fn clear_notice(&self, request_id: &RequestId) -> StoreResult<bool>;
}

#[async_trait]
pub trait CertificateStore: Send + Sync {
    /// Records an issued certificate; `Conflict` if that number is recorded already (then
    /// nothing is written). Its audit events are the caller's to append after it: they are
    /// idempotent (keyed by the number), so a redelivery that finds the certificate appends
    /// them again and a crash between the two loses nothing.
    async fn put(&self, certificate: &Certificate) -> StoreResult<()>;
    async fn get(&self, number: &CertificateNumber) -> StoreResult<Option<Certificate>>;
    /// The account's certificates, newest first.
    async fn list_for_account(&self, account_id: &AccountId) -> StoreResult<Vec<Certificate>>;
    /// The certificates whose last valid day is `day`.
    async fn expiring_on(&self, day: NaiveDate) -> StoreResult<Vec<Certificate>>;
    /// Records that the expiry notice of `number` went out; false if it had already.
    async fn mark_expiry_notice(
        &self,
        number: &CertificateNumber,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Revokes a certificate once, with its reason, and appends `audit` in the same
    /// transaction (which also adds its status-list index to its year's revoked indexes).
    async fn revoke(
        &self,
        number: &CertificateNumber,
        reason: &str,
        audit: &AuditEvent,
    ) -> StoreResult<RevokeOutcome>;
    /// The status-list indexes of the certificates of `year` that are revoked (the list's
    /// source).
    async fn revoked_in(&self, year: i32) -> StoreResult<Vec<u64>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    Revoked,
    AlreadyRevoked,
    NotFound,
}

#[async_trait]
pub trait RecordStore: Send + Sync {
    /// Writes entries (an entry with the same subject and id is replaced: imports are
    /// idempotent).
    async fn put_entries(&self, entries: &[(RecordSubject, RecordEntry)]) -> StoreResult<()>;
    async fn add(&self, subject: &RecordSubject, entry: &RecordEntry) -> StoreResult<()> {
        self.put_entries(&[(subject.clone(), entry.clone())]).await
    }
    /// The subject's entries, oldest decision first.
    async fn list(&self, subject: &RecordSubject) -> StoreResult<Vec<RecordEntry>>;
    /// Removes one entry; false if there was none with that id.
    async fn remove(&self, subject: &RecordSubject, entry_id: &str) -> StoreResult<bool>;
}

/// Legal persons and who may request their certificates.
#[async_trait]
pub trait CompanyStore: Send + Sync {
    /// Creates or replaces a company and its list of legal representatives.
    async fn put_company(&self, company: &Company) -> StoreResult<()>;
    async fn get_company(&self, cui: &Cui) -> StoreResult<Option<Company>>;
    async fn is_representative(&self, cnp: &Cnp, cui: &Cui) -> StoreResult<bool>;
}

#[async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> StoreResult<()>;
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
}

#[async_trait]
pub trait Signer: Send + Sync {
    /// An ECDSA P-256 / SHA-256 signature (DER) over `message` (at most 4096 bytes).
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
    /// The public key as DER SubjectPublicKeyInfo.
    async fn public_key(&self) -> Result<Vec<u8>, SignError>;
}

#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends an entry; recording the same entry again changes nothing.
    async fn record(&self, event: &AuditEvent) -> StoreResult<()>;
    /// A subject's entries, oldest first.
    async fn history(&self, subject: &AuditSubject) -> StoreResult<Vec<AuditEvent>>;
    /// At most `limit` entries of `subject` after the one whose `sort_key` is `after` (from
    /// the first if none), in order.
    async fn history_after(
        &self,
        subject: &AuditSubject,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>>;
}

/// A validation started with ghiseul.ro: whose account, and, when a browser started it, the
/// hash of the secret that browser holds in a cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedValidation {
    pub account_id: AccountId,
    pub binding_hash: Option<String>,
}

/// Single-use values of the identity-provider routes.
#[async_trait]
pub trait IdentityNonces: Send + Sync {
    /// Remembers a validation `state` (by its hash) until `expires_at`.
    async fn put_state(
        &self,
        state_hash: &str,
        started: &StartedValidation,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Consumes an unexpired state: who started it (the caller checks it is the browser
    /// completing it). With `owner`, only a state that account started is consumed (another
    /// account's is left alone).
    async fn take_state(
        &self,
        state_hash: &str,
        owner: Option<&AccountId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StartedValidation>>;
    /// Records an assertion id until `until`; false if it was seen before (a replay).
    async fn remember_assertion(
        &self,
        issuer: &str,
        jti: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Remembers an OpenID Connect sign-in's `state` (by its hash) for the account, with what
    /// completing it needs, until `expires_at`.
    async fn put_challenge(
        &self,
        state_hash: &str,
        account_id: &AccountId,
        challenge: &SignInChallenge,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Consumes the sign-in if it is the account's and unexpired: its challenge.
    async fn take_challenge(
        &self,
        state_hash: &str,
        account_id: &AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SignInChallenge>>;
}

/// What an OpenID Connect sign-in must show again when it completes: the ID token's `nonce`
/// and the PKCE `code_verifier` (RFC 7636), and the hash of the starting browser's binding
/// secret. Secrets until used; kept 15 minutes at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInChallenge {
    pub nonce: String,
    pub code_verifier: String,
    pub binding_hash: String,
}

/// The provider did not hand over an ID token for the code.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// It refused the code (used, expired, issued to another client): its error code.
    #[error("code refused: {0}")]
    Refused(String),
    /// It failed or is out of reach. The text is for logs, never for clients.
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
}

/// What an OpenID4VCI secret (a pre-authorized code, an access token, a `c_nonce`) stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletGrant {
    /// From the holder's "add to wallet": this certificate, once the transaction code is given.
    PreAuthorizedCode {
        account_id: AccountId,
        number: CertificateNumber,
        tx_code_hash: String,
    },
    /// The token endpoint's answer: one credential of this certificate.
    AccessToken {
        account_id: AccountId,
        number: CertificateNumber,
    },
    /// A nonce for one proof of possession.
    Nonce,
    /// An OpenID4VP request awaiting the wallet's answer, under its `state`.
    PresentationRequest {
        nonce: String,
        /// The registered organisation that asks.
        verifier: Cui,
        /// Its registered name, as the holder's "who checked" shows it.
        organisation: String,
        /// Who the wallet was told asks (`x509_hash:` of its access certificate).
        client_id: String,
        /// Where the answer goes: the hash of the verifier's transaction secret.
        transaction_hash: String,
        /// The request's own key agreement key (P-256 scalar, base64url): the wallet encrypts
        /// its response to it (`direct_post.jwt`).
        response_key: String,
        /// Same-device: where the holder's browser goes back to once answered.
        redirect_uri: Option<String>,
    },
    /// An organisation's access token (RFC 6749 client credentials): what it may do.
    OrganisationToken {
        organisation: Cui,
        scope: String,
        /// Bound by DPoP (RFC 9449) to the key with this thumbprint: usable only with proofs
        /// signed by it.
        jkt: Option<String>,
    },
    /// A client assertion's `jti` seen (RFC 7523): one use.
    UsedAssertion,
}

/// The single-use, short-lived secrets of credential issuance, stored by their hashes.
#[async_trait]
pub trait WalletGrants: Send + Sync {
    /// Remembers `grant` under `secret_hash` until `expires_at`.
    async fn put_grant(
        &self,
        secret_hash: &str,
        grant: &WalletGrant,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Consumes the grant if unexpired: a second take finds nothing.
    async fn take_grant(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<WalletGrant>>;
    /// The grant if unexpired, left in place (a request object fetched again).
    async fn peek_grant(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<WalletGrant>>;
    /// Remembers `grant` unless an unexpired grant is under `secret_hash` already: false
    /// then (a `jti` seen before), and nothing is written.
    async fn put_new_grant(
        &self,
        secret_hash: &str,
        grant: &WalletGrant,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

/// The organisations ops register (a table of their own: few, read by CUI, listed by ops).
#[async_trait]
pub trait Organisations: Send + Sync {
    /// Registers a new one; `Conflict` if its CUI is registered already.
    async fn add(&self, organisation: &Organisation) -> StoreResult<()>;
    async fn get(&self, cui: &Cui) -> StoreResult<Option<Organisation>>;
    /// Every one, by CUI.
    async fn list(&self) -> StoreResult<Vec<Organisation>>;
    /// Sets its status; false if there is no such organisation.
    async fn set_status(&self, cui: &Cui, status: OrganisationStatus) -> StoreResult<bool>;
    /// Sets (or, with `None`, removes) its webhook; false if there is no such organisation.
    async fn set_webhook(&self, cui: &Cui, url: Option<&str>) -> StoreResult<bool>;
    /// Where its webhook is and whether it is active, read without its keys (what the
    /// webhook deliverer may read); `None` if there is no such organisation.
    async fn webhook(&self, cui: &Cui) -> StoreResult<Option<WebhookTarget>>;
}

/// An organisation's webhook, as the deliverer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    pub url: Option<String>,
    pub status: OrganisationStatus,
}

/// Webhook deliveries waiting, made, or given up (a table of their own; no personal data).
#[async_trait]
pub trait WebhookOutbox: Send + Sync {
    /// Stores a new delivery, due at its `next_at`.
    async fn enqueue(&self, delivery: &crate::webhook::Delivery) -> StoreResult<()>;
    /// Due ones whose time has come, soonest first, at most `limit`.
    async fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<crate::webhook::Delivery>>;
    /// Writes `next` if the stored delivery still has `seen_attempts` attempts and is still
    /// due; false if another worker moved it on meanwhile.
    async fn save(&self, next: &crate::webhook::Delivery, seen_attempts: u32) -> StoreResult<bool>;
    async fn get(&self, id: &crate::DeliveryId) -> StoreResult<Option<crate::webhook::Delivery>>;
    /// Dead letters, oldest first, at most `limit`.
    async fn dead(&self, limit: usize) -> StoreResult<Vec<crate::webhook::Delivery>>;
}

/// Why a webhook was not delivered: the receiver's status, or what went wrong on the way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the receiver answered {0}")]
    Status(u16),
    #[error("{0}")]
    Transport(String),
}

/// Pushes one signed change to a receiver (`Content-Type: application/jwt`, with its
/// `Idempotency-Key`), without following redirects; Ok once it answered 2xx.
#[async_trait]
pub trait WebhookSender: Send + Sync {
    async fn post(
        &self,
        url: &str,
        idempotency_key: &str,
        body: String,
    ) -> Result<(), WebhookError>;
}

/// What asking for a consent did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskOutcome {
    Asked,
    /// The organisation has a request waiting for this holder already: that one stands.
    AlreadyPending(crate::ConsentId),
}

/// Consents (a table of their own): by id, and by the holder's CNP (a keyed hash); the CNP,
/// the reason and the holder's name sealed at rest.
#[async_trait]
pub trait Consents: Send + Sync {
    /// Stores a new request, unless the organisation has one pending for the holder.
    async fn ask(
        &self,
        consent: &crate::consent::Consent,
        now: DateTime<Utc>,
    ) -> StoreResult<AskOutcome>;
    async fn get(&self, id: &crate::ConsentId) -> StoreResult<Option<crate::consent::Consent>>;
    /// The holder's consents, newest first.
    async fn for_holder(&self, cnp: &crate::Cnp) -> StoreResult<Vec<crate::consent::Consent>>;
    /// An organisation's consents, newest first, at most `limit` (its staff's pages).
    async fn for_organisation(
        &self,
        cui: &Cui,
        limit: usize,
    ) -> StoreResult<Vec<crate::consent::Consent>>;
    /// Remembers that `code` (shown at an institution's desk) opens consent `id` until
    /// `expires_at`.
    async fn put_desk_code(
        &self,
        code: &crate::DeskCode,
        id: &crate::ConsentId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The consent an unexpired desk code opens.
    async fn find_desk_code(
        &self,
        code: &crate::DeskCode,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<crate::ConsentId>>;
    /// Writes the consent as `changed` if it is still stored as `from` (what its holder
    /// decided, or an extract counted); false if it changed meanwhile. With its audit event.
    async fn update(
        &self,
        changed: &crate::consent::Consent,
        from: crate::ConsentStatus,
        from_extracts: u32,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
}

/// An OpenID4VP request's outcome as stored: with, for a same-device request answered, the
/// hash of the response code its verifier must show to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPresentation {
    pub outcome: PresentationOutcome,
    pub response_code_hash: Option<String>,
    /// When the wallet answered (none while pending): the time a receipt of it states.
    pub answered_at: Option<DateTime<Utc>>,
}

/// The verifier's side of OpenID4VP: each request's outcome (pending at first, holding
/// personal data once answered), under the hash of the verifier's transaction secret, until
/// it expires.
#[async_trait]
pub trait PresentationResults: Send + Sync {
    async fn put_presentation(
        &self,
        transaction_hash: &str,
        stored: &StoredPresentation,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The outcome if unexpired; reading does not consume it.
    async fn get_presentation(
        &self,
        transaction_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StoredPresentation>>;
}

/// A timestamping authority (RFC 3161 over HTTP, as TSAs serve it) and the files its PKI
/// publishes (CRLs at its certificates' distribution points).
#[async_trait]
pub trait TimestampAuthority: Send + Sync {
    /// Sends a timestamp request (DER) to `url` and returns the reply (DER).
    async fn exchange(&self, url: &str, request: &[u8]) -> Result<Vec<u8>, TimestampError>;
    /// Fetches a published file (a CRL) from `url`.
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, TimestampError>;
}

/// An OpenID Connect provider's token endpoint (over HTTPS deployed; the local stack's
/// provider over loopback HTTP).
#[async_trait]
pub trait TokenEndpoint: Send + Sync {
    /// Redeems an authorization code: posts `form` to `token_url`, answers the `id_token`.
    async fn redeem(&self, token_url: &str, form: &[(&str, &str)]) -> Result<String, TokenError>;
}

/// The mail could not be handed over for delivery. The text is for logs.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail unavailable: {0}")]
    Unavailable(String),
}

/// Sends notices (Amazon SES deployed; an SMTP sink on the local stack).
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, notice: &Notice) -> Result<(), MailError>;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Share codes, found by the code (stored as a keyed hash, never as typed) and listed by
/// account.
#[async_trait]
pub trait ShareStore: Send + Sync {
    /// Stores a new share under `code`; `Conflict` if that code is taken already.
    async fn create(&self, code: &ShareCode, share: &Share) -> StoreResult<()>;
    async fn find(&self, code: &ShareCode) -> StoreResult<Option<Share>>;
    /// The account's shares, newest first.
    async fn list_for_account(&self, account_id: &AccountId) -> StoreResult<Vec<Share>>;
    /// Revokes one of the account's shares; false if it has none such, or it was revoked.
    async fn revoke(
        &self,
        account_id: &AccountId,
        share_id: &ShareId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

#[derive(Debug, thiserror::Error)]
pub enum TimestampError {
    /// The authority could not be reached or answered with an error: try again later.
    #[error("timestamping authority unavailable: {0}")]
    Unavailable(String),
    /// It answered, but not with a token we can put in a certificate.
    #[error("timestamp refused: {0}")]
    Invalid(String),
    #[error("timestamping authority misconfigured: {0}")]
    Config(String),
}

impl From<der::Error> for TimestampError {
    fn from(e: der::Error) -> Self {
        TimestampError::Invalid(format!("encoding: {e}"))
    }
}

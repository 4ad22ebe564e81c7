//! Identity validation at a police counter: the clerk looks the citizen up by the code the
//! citizen shows, compares the document in hand, and validates the account. A clerk opens
//! only accounts they looked up by their code in the same session a short time before, and
//! every view is in the audit trail. Also what every validation route shares: the names from
//! the evidence, and one validated account per CNP.
//! (Over 400 lines: the counter's lookup, views and validation, and the shared step that marks an
//! account validated.)

use super::accounts::{AccountView, IdDocumentDto};
use super::{unavailable_from_ports, Unavailable};
use crate::crypto::sha256_hex;
use crate::domain::form::present;
use crate::domain::{
    bucharest_date, Account, AccountId, AccountStatus, AuditEvent, AuditEventKind, AuditSubject,
    Cnp, CounterCode, FieldCode, FieldError, Form, IdDocument, Name, Principal, Role, Validation,
    ValidationMethod,
};
use crate::ports::{
    AccountStore, AccountTicket, AccountTickets, AuditLog, Clock, StoreError, ValidateOutcome,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How long after a lookup by counter code the clerk may open and validate that account.
pub const LOOKUP_TTL: Duration = Duration::minutes(15);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupDto {
    pub counter_code: String,
}

impl LookupDto {
    /// The code as the domain reads it, or why it is not one: what an edge parses before it
    /// calls [`ValidationService::lookup`].
    pub fn try_into_domain(self) -> Result<CounterCode, LookupError> {
        CounterCode::parse(&self.counter_code).ok_or_else(|| {
            LookupError::Invalid(vec![FieldError::new(
                "counter_code",
                FieldCode::InvalidCounterCode,
                "a counter code is 8 letters and digits",
            )])
        })
    }
}

/// The document in hand, and (optionally) the names as the clerk reads them on it: they then
/// replace the spelling the citizen typed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterValidationDto {
    pub id_document: IdDocumentDto,
    #[serde(default, deserialize_with = "present")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub first_name: Option<String>,
    /// The CNP as the clerk reads it off the document in hand. Given, a document other than
    /// the registered one (a renewed card, the passport instead of the card) is recorded as
    /// the account's, provided it is this person's: the CNP must be the account's.
    #[serde(default, deserialize_with = "present")]
    pub document_cnp: Option<String>,
}

/// What the clerk read off the document in hand, as the domain reads it.
pub struct DocumentRead {
    pub id_document: IdDocument,
    pub last_name: Option<Name>,
    pub first_name: Option<Name>,
    pub document_cnp: Option<Cnp>,
}

impl CounterValidationDto {
    /// The clerk's reading, or every wrong field: what an edge parses before it calls
    /// [`ValidationService::validate`].
    pub fn try_into_domain(self) -> Result<DocumentRead, CounterValidationError> {
        let mut form = Form::default();
        let id_document = self
            .id_document
            .parse("id_document")
            .map_err(|e| form.push(e))
            .ok();
        let mut name = |field: &str, v: Option<String>| {
            v.and_then(|v| form.take(field, FieldCode::InvalidName, Name::parse(&v)))
        };
        let last_name = name("last_name", self.last_name);
        let first_name = name("first_name", self.first_name);
        let document_cnp = self
            .document_cnp
            .and_then(|v| form.take("document_cnp", FieldCode::InvalidCnp, Cnp::parse(&v)));
        form.finish().map_err(CounterValidationError::Invalid)?;
        Ok(DocumentRead {
            id_document: id_document.ok_or(CounterValidationError::Invalid(Vec::new()))?,
            last_name,
            first_name,
            document_cnp,
        })
    }
}

/// What the clerk sees after a lookup: the registered data to compare with the document.
#[derive(Debug, Serialize)]
pub struct CounterLookup {
    pub account_id: AccountId,
    pub status: AccountStatus,
    pub last_name: String,
    pub first_name: String,
    pub cnp: String,
    pub id_document: IdDocument,
    pub father_first_name: Option<String>,
    pub mother_first_name: Option<String>,
    pub birth_place: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("invalid counter code")]
    Invalid(Vec<FieldError>),
    #[error("no account with this counter code")]
    NotFound,
    /// The clerk did not look this account up by its code in this session lately.
    #[error("look the citizen up by their counter code first")]
    NotLookedUp,
    /// The operator's session outlived their account (or ops disabled it).
    #[error("no such operator")]
    NoOperator,
    #[error(transparent)]
    Unavailable(Unavailable),
}

#[derive(Debug, thiserror::Error)]
pub enum CounterValidationError {
    #[error("invalid document")]
    Invalid(Vec<FieldError>),
    #[error("an operator cannot validate their own account")]
    OwnAccount,
    #[error("no such citizen account")]
    NotFound,
    #[error("look the citizen up by their counter code first")]
    NotLookedUp,
    #[error("the document does not match the registered one")]
    DocumentMismatch,
    /// The document in hand carries another CNP than the account's: another person's.
    #[error("the document in hand is another person's")]
    DocumentOfAnotherPerson,
    #[error("validated already")]
    AlreadyValidated,
    /// Another validated account holds this CNP.
    #[error("the CNP has a validated account")]
    CnpAlreadyValidated,
    /// The citizen changed their declared data after the clerk's lookup: the clerk must look
    /// them up again and compare what is there now.
    #[error("the citizen's data changed since the lookup")]
    DetailsChanged,
    #[error("no such operator")]
    NoOperator,
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(LookupError, CounterValidationError);

pub struct ValidationService {
    pub accounts: Arc<dyn AccountStore>,
    pub audit: Arc<dyn AuditLog>,
    pub tickets: Arc<dyn AccountTickets>,
    pub clock: Arc<dyn Clock>,
}

/// A validation a clerk made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterValidation {
    pub at: DateTime<Utc>,
    pub account_id: AccountId,
    /// Whom, as the clerk's list shows them: the given name and the family name's initial
    /// (enough to tell the day's citizens apart, not a view of their record).
    pub who: Option<String>,
}

fn lookup_of(account: &Account) -> Option<CounterLookup> {
    let person = account.person.as_ref()?;
    let text = |n: &Option<Name>| n.as_ref().map(|n| n.as_str().to_owned());
    Some(CounterLookup {
        account_id: account.account_id.clone(),
        status: account.status,
        last_name: person.last_name.as_str().to_owned(),
        first_name: person.first_name.as_str().to_owned(),
        cnp: person.cnp.as_string(),
        id_document: person.id_document.clone(),
        father_first_name: text(&person.father_first_name),
        mother_first_name: text(&person.mother_first_name),
        birth_place: text(&person.birth_place),
    })
}

/// The ticket a lookup leaves, by the clerk's session and the account.
fn lookup_key(principal: &Principal, account_id: &AccountId) -> String {
    sha256_hex(format!("counter-lookup\n{}\n{account_id}", principal.token_hash).as_bytes())
}

impl ValidationService {
    /// The operator behind the session, unless the account is gone or disabled.
    async fn operator(&self, principal: &Principal) -> Result<Option<Account>, StoreError> {
        Ok(self
            .accounts
            .get(&principal.account_id)
            .await?
            .filter(|a| a.role == Role::Operator && !a.disabled))
    }

    /// A citizen's account that exists (not expired unvalidated).
    async fn citizen(&self, account_id: &AccountId) -> Result<Option<Account>, StoreError> {
        let now = self.clock.now();
        Ok(self
            .accounts
            .get(account_id)
            .await?
            .filter(|a| a.role == Role::Citizen && !a.expired(now)))
    }

    async fn record_view(
        &self,
        operator: &Account,
        account_id: &AccountId,
        how: &str,
    ) -> Result<(), StoreError> {
        let events = AuditEvent::viewed(
            account_id,
            &operator.account_id,
            operator.unit.as_deref(),
            how,
            self.clock.now(),
        );
        for event in &events {
            self.audit.record(event).await?;
        }
        Ok(())
    }

    /// Finds the citizen by the code they show; the clerk may then open and validate that
    /// account for [`LOOKUP_TTL`], in this session only.
    pub async fn lookup(
        &self,
        principal: &Principal,
        code: &CounterCode,
    ) -> Result<CounterLookup, LookupError> {
        let operator = self
            .operator(principal)
            .await?
            .ok_or(LookupError::NoOperator)?;
        let now = self.clock.now();
        let account = self
            .accounts
            .find_by_counter_code(code)
            .await?
            .filter(|a| a.role == Role::Citizen && !a.expired(now))
            .ok_or(LookupError::NotFound)?;
        let found = lookup_of(&account).ok_or(LookupError::NotFound)?;
        let ticket = AccountTicket::CounterLookup {
            account_id: account.account_id.clone(),
            details_version: account.details_version,
        };
        self.tickets
            .put_ticket(
                &lookup_key(principal, &account.account_id),
                &ticket,
                now + LOOKUP_TTL,
            )
            .await?;
        self.record_view(&operator, &account.account_id, "COUNTER_CODE")
            .await?;
        tracing::info!(operator = %principal.account_id, account_id = %account.account_id, "counter lookup");
        Ok(found)
    }

    /// The version of the declared data this clerk's session was shown when it looked the
    /// account up lately; `None` without such a lookup.
    async fn looked_up(
        &self,
        principal: &Principal,
        account_id: &AccountId,
    ) -> Result<Option<u32>, StoreError> {
        let ticket = self
            .tickets
            .peek_ticket(&lookup_key(principal, account_id), self.clock.now())
            .await?;
        Ok(match ticket {
            Some(AccountTicket::CounterLookup {
                account_id: a,
                details_version,
            }) if a == *account_id => Some(details_version),
            _ => None,
        })
    }

    /// A citizen's registered data by account id (the clerk's page after a lookup, opened
    /// again after a refusal for changed data): what the clerk is shown now is what this
    /// session may validate from now on.
    pub async fn registered(
        &self,
        principal: &Principal,
        account_id: &AccountId,
    ) -> Result<CounterLookup, LookupError> {
        let operator = self
            .operator(principal)
            .await?
            .ok_or(LookupError::NoOperator)?;
        let Some(seen) = self.looked_up(principal, account_id).await? else {
            tracing::warn!(operator = %principal.account_id, "account opened without a lookup");
            return Err(LookupError::NotLookedUp);
        };
        let account = self
            .citizen(account_id)
            .await?
            .ok_or(LookupError::NotFound)?;
        let found = lookup_of(&account).ok_or(LookupError::NotFound)?;
        if account.details_version != seen {
            // The citizen (at the desk) changed their data since: the clerk sees these now.
            let ticket = AccountTicket::CounterLookup {
                account_id: account.account_id.clone(),
                details_version: account.details_version,
            };
            self.tickets
                .put_ticket(
                    &lookup_key(principal, account_id),
                    &ticket,
                    self.clock.now() + LOOKUP_TTL,
                )
                .await?;
        }
        self.record_view(&operator, account_id, "OPENED").await?;
        Ok(found)
    }

    /// The validations this clerk made today (Bucharest day), newest first.
    pub async fn validations_today(
        &self,
        principal: &Principal,
    ) -> Result<Vec<CounterValidation>, Unavailable> {
        let today = bucharest_date(self.clock.now());
        let history = self
            .audit
            .history(&AuditSubject::Operator(principal.account_id.clone()))
            .await?;
        let mut made = Vec::new();
        for e in history
            .into_iter()
            .filter(|e| e.event == AuditEventKind::Validated && bucharest_date(e.at) == today)
            .rev()
        {
            let account_id = AccountId::from(e.id);
            let who = self
                .accounts
                .get(&account_id)
                .await?
                .and_then(|a| a.person)
                .map(|p| {
                    let initial: String = p.last_name.as_str().chars().take(1).collect();
                    format!("{} {initial}.", p.first_name.as_str())
                });
            made.push(CounterValidation {
                at: e.at,
                account_id,
                who,
            });
        }
        Ok(made)
    }

    pub async fn validate(
        &self,
        principal: &Principal,
        account_id: &AccountId,
        read: DocumentRead,
    ) -> Result<AccountView, CounterValidationError> {
        let operator = self
            .operator(principal)
            .await?
            .ok_or(CounterValidationError::NoOperator)?;
        let DocumentRead {
            id_document: typed,
            last_name,
            first_name,
            document_cnp,
        } = read;
        if *account_id == operator.account_id {
            return Err(CounterValidationError::OwnAccount);
        }
        let Some(seen) = self.looked_up(principal, account_id).await? else {
            return Err(CounterValidationError::NotLookedUp);
        };
        let mut account = self
            .citizen(account_id)
            .await?
            .ok_or(CounterValidationError::NotFound)?;
        if account.details_version != seen {
            // Only the data the clerk was shown may be validated.
            tracing::warn!(operator = %principal.account_id, account_id = %account_id, "declared data changed since the lookup");
            return Err(CounterValidationError::DetailsChanged);
        }
        let person = account
            .person
            .as_mut()
            .ok_or(CounterValidationError::NotFound)?;
        // A CNP read off the document in hand that is not this person's: whatever the
        // document, it is someone else's.
        if document_cnp.as_ref().is_some_and(|cnp| *cnp != person.cnp) {
            return Err(CounterValidationError::DocumentOfAnotherPerson);
        }
        if person.id_document != typed {
            // Another document than the registered one is recorded only when the clerk read
            // this person's CNP off it.
            if document_cnp.is_none() {
                return Err(CounterValidationError::DocumentMismatch);
            }
            tracing::info!(account_id = %account_id, "document in hand recorded");
            person.id_document = typed;
        }
        // The clerk reads the names off the document: that spelling is the one sealed.
        if let Some(last) = last_name {
            person.last_name = last;
        }
        if let Some(first) = first_name {
            person.first_name = first;
        }
        let validation = Validation {
            method: ValidationMethod::Counter,
            validated_at: self.clock.now(),
            operator_id: Some(operator.account_id.clone()),
            operator_unit: operator.unit.clone(),
        };
        let validated = mark_validated(&*self.accounts, account, validation)
            .await
            .map_err(|e| match e {
                ValidateError::AlreadyValidated => CounterValidationError::AlreadyValidated,
                ValidateError::CnpTaken => CounterValidationError::CnpAlreadyValidated,
                ValidateError::DetailsChanged => CounterValidationError::DetailsChanged,
                ValidateError::Unavailable(e) => e.into(),
            })?;
        tracing::info!(
            operator = %operator.account_id,
            account_id = %account_id,
            method = ValidationMethod::Counter.as_str(),
            "account validated"
        );
        Ok(validated)
    }
}

/// Why an account could not be marked validated.
#[derive(Debug, thiserror::Error)]
pub(super) enum ValidateError {
    #[error("validated already")]
    AlreadyValidated,
    #[error("another validated account holds the CNP")]
    CnpTaken,
    #[error("the declared data changed since they were compared")]
    DetailsChanged,
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
}

impl From<StoreError> for ValidateError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e.into())
    }
}

/// Whether the names the evidence carries are the account's (see [`Name::same_as`]); the
/// account with the evidence's spelling if so. `None`: they are not, or not names at all.
pub(super) fn with_evidence_names(account: &Account, family: &str, given: &str) -> Option<Account> {
    let (last, first) = (Name::parse(family).ok()?, Name::parse(given).ok()?);
    let person = account.person.as_ref()?;
    if !(person.last_name.same_as(&last) && person.first_name.same_as(&first)) {
        tracing::warn!(account_id = %account.account_id, "the evidence names another person");
        return None;
    }
    let mut spelled = account.clone();
    if let Some(p) = spelled.person.as_mut() {
        p.last_name = last;
        p.first_name = first;
    }
    Some(spelled)
}

/// Marks the account validated as `validation` says, with its audit entries and metric, its
/// CNP taken for it alone.
pub(super) async fn mark_validated(
    accounts: &dyn AccountStore,
    account: Account,
    validation: Validation,
) -> Result<AccountView, ValidateError> {
    let audit = AuditEvent::validated(&account.account_id, &validation);
    match accounts
        .mark_validated(&account, &validation, &audit)
        .await?
    {
        ValidateOutcome::Validated => {}
        ValidateOutcome::AlreadyValidated => return Err(ValidateError::AlreadyValidated),
        ValidateOutcome::CnpTaken => {
            tracing::warn!(account_id = %account.account_id, "CNP validated on another account");
            return Err(ValidateError::CnpTaken);
        }
        ValidateOutcome::DetailsChanged => {
            tracing::warn!(account_id = %account.account_id, "declared data changed before validation");
            return Err(ValidateError::DetailsChanged);
        }
    }
    crate::telemetry::count(
        crate::telemetry::metrics::ACCOUNTS_VALIDATED,
        Some(("Method", validation.method.as_str())),
    );
    let mut validated = account;
    validated.status = AccountStatus::Validated;
    validated.expires_at = None;
    validated.validation = Some(validation);
    Ok(AccountView::from(&validated))
}

/// Marks a citizen validated by an identity provider (no operator).
pub(super) async fn validate_online(
    accounts: &dyn AccountStore,
    account: Account,
    method: ValidationMethod,
    now: DateTime<Utc>,
) -> Result<AccountView, ValidateError> {
    let validation = Validation {
        method,
        validated_at: now,
        operator_id: None,
        operator_unit: None,
    };
    let account_id = account.account_id.clone();
    let view = mark_validated(accounts, account, validation).await?;
    tracing::info!(account_id = %account_id, method = method.as_str(), "account validated");
    Ok(view)
}

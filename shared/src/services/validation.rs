//! Identity validation at a police counter: the clerk looks the citizen up by the counter code,
//! compares the document in hand, and validates the account. (Only operators reach these: the
//! route tables say so.)

use super::accounts::{AccountView, IdDocumentDto};
use super::{unavailable_from_ports, Unavailable};
use crate::domain::{
    bucharest_date, Account, AccountId, AccountStatus, AuditEvent, AuditEventKind, AuditSubject,
    CounterCode, FieldError, IdDocument, Principal, Role, Validation, ValidationMethod,
};
use crate::ports::{AccountStore, AuditLog, Clock, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupDto {
    pub counter_code: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterValidationDto {
    pub id_document: IdDocumentDto,
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
}

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("invalid counter code")]
    Invalid(Vec<FieldError>),
    #[error("no account with this counter code")]
    NotFound,
    /// The operator's session outlived their account.
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
    #[error("the document does not match the registered one")]
    DocumentMismatch,
    #[error("validated already")]
    AlreadyValidated,
    #[error("no such operator")]
    NoOperator,
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(LookupError, CounterValidationError);

pub struct ValidationService {
    pub accounts: Arc<dyn AccountStore>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
}

/// A validation a clerk made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterValidation {
    pub at: DateTime<Utc>,
    pub account_id: AccountId,
}

fn lookup_of(account: &Account) -> Option<CounterLookup> {
    let person = account.person.as_ref()?;
    Some(CounterLookup {
        account_id: account.account_id.clone(),
        status: account.status,
        last_name: person.last_name.as_str().to_owned(),
        first_name: person.first_name.as_str().to_owned(),
        cnp: person.cnp.as_string(),
        id_document: person.id_document.clone(),
    })
}

impl ValidationService {
    async fn operator(&self, principal: &Principal) -> Result<Option<Account>, StoreError> {
        self.accounts.get(&principal.account_id).await
    }

    pub async fn lookup(
        &self,
        principal: &Principal,
        dto: LookupDto,
    ) -> Result<CounterLookup, LookupError> {
        self.operator(principal)
            .await?
            .ok_or(LookupError::NoOperator)?;
        let code = CounterCode::parse(&dto.counter_code).ok_or_else(|| {
            LookupError::Invalid(vec![FieldError::new(
                "counter_code",
                "INVALID_COUNTER_CODE",
                "a counter code is 8 letters and digits",
            )])
        })?;
        let account = self
            .accounts
            .find_by_counter_code(&code)
            .await?
            .ok_or(LookupError::NotFound)?;
        tracing::info!(operator = %principal.account_id, account_id = %account.account_id, "counter lookup");
        lookup_of(&account).ok_or(LookupError::NotFound)
    }

    /// A citizen's registered data by account id (the clerk's page after a lookup).
    pub async fn registered(
        &self,
        principal: &Principal,
        account_id: &AccountId,
    ) -> Result<CounterLookup, LookupError> {
        self.operator(principal)
            .await?
            .ok_or(LookupError::NoOperator)?;
        let account = self
            .accounts
            .get(account_id)
            .await?
            .filter(|a| a.role == Role::Citizen)
            .ok_or(LookupError::NotFound)?;
        lookup_of(&account).ok_or(LookupError::NotFound)
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
        let mut made: Vec<_> = history
            .into_iter()
            .filter(|e| e.event == AuditEventKind::Validated && bucharest_date(e.at) == today)
            .map(|e| CounterValidation {
                at: e.at,
                account_id: AccountId::from(e.id),
            })
            .collect();
        made.reverse();
        Ok(made)
    }

    pub async fn validate(
        &self,
        principal: &Principal,
        account_id: &AccountId,
        dto: CounterValidationDto,
    ) -> Result<AccountView, CounterValidationError> {
        let operator = self
            .operator(principal)
            .await?
            .ok_or(CounterValidationError::NoOperator)?;
        let typed = dto
            .id_document
            .parse("id_document")
            .map_err(|e| CounterValidationError::Invalid(vec![e]))?;
        if *account_id == operator.account_id {
            return Err(CounterValidationError::OwnAccount);
        }
        let account = self
            .accounts
            .get(account_id)
            .await?
            .filter(|a| a.role == Role::Citizen)
            .ok_or(CounterValidationError::NotFound)?;
        let person = account
            .person
            .as_ref()
            .ok_or(CounterValidationError::NotFound)?;
        if person.id_document != typed {
            return Err(CounterValidationError::DocumentMismatch);
        }
        let validation = Validation {
            method: ValidationMethod::Counter,
            validated_at: self.clock.now(),
            operator_id: Some(operator.account_id.clone()),
            operator_unit: operator.unit.clone(),
        };
        let audit = AuditEvent::validated(account_id, &validation);
        match self
            .accounts
            .mark_validated(account_id, &validation, &audit)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(CounterValidationError::AlreadyValidated),
            Err(e) => return Err(e.into()),
        }
        crate::telemetry::count(
            crate::telemetry::metrics::ACCOUNTS_VALIDATED,
            Some(("Method", ValidationMethod::Counter.as_str())),
        );
        tracing::info!(
            operator = %operator.account_id,
            account_id = %account_id,
            method = ValidationMethod::Counter.as_str(),
            "account validated"
        );
        let mut validated = account;
        validated.status = AccountStatus::Validated;
        validated.validation = Some(validation);
        Ok(AccountView::from(&validated))
    }
}

/// Marks a citizen validated by an identity provider (no operator), with its audit entry and
/// metric. `StoreError::Conflict`: validated already.
pub(super) async fn validate_online(
    accounts: &dyn AccountStore,
    account: Account,
    method: ValidationMethod,
    now: DateTime<Utc>,
) -> Result<AccountView, StoreError> {
    let validation = Validation {
        method,
        validated_at: now,
        operator_id: None,
        operator_unit: None,
    };
    let audit = AuditEvent::validated(&account.account_id, &validation);
    accounts
        .mark_validated(&account.account_id, &validation, &audit)
        .await?;
    crate::telemetry::count(
        crate::telemetry::metrics::ACCOUNTS_VALIDATED,
        Some(("Method", method.as_str())),
    );
    tracing::info!(account_id = %account.account_id, method = method.as_str(), "account validated");
    let mut validated = account;
    validated.status = AccountStatus::Validated;
    validated.validation = Some(validation);
    Ok(AccountView::from(&validated))
}

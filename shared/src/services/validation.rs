//! Identity validation at a police counter: the clerk looks the citizen up by the counter code,
//! compares the document in hand, and validates the account. (The operator role is required
//! by `http::ROUTE_ACCESS`.)

use super::accounts::{account_view, IdDocumentDto};
use crate::domain::{Account, CounterCode, Role, Validation, ValidationMethod};
use crate::http::{ApiError, Principal};
use crate::ports::{AccountStore, Clock, StoreError};
use serde::Deserialize;
use serde_json::{json, Value};
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

pub struct ValidationService {
    pub accounts: Arc<dyn AccountStore>,
    pub clock: Arc<dyn Clock>,
}

impl ValidationService {
    async fn operator(&self, principal: &Principal) -> Result<Account, ApiError> {
        self.accounts
            .get(&principal.account_id)
            .await?
            .ok_or(ApiError::Unauthenticated)
    }

    pub async fn lookup(&self, principal: &Principal, dto: LookupDto) -> Result<Value, ApiError> {
        self.operator(principal).await?;
        let code = CounterCode::parse(&dto.counter_code).ok_or_else(|| {
            ApiError::invalid(
                "counter_code",
                "INVALID_COUNTER_CODE",
                "a counter code is 8 letters and digits",
            )
        })?;
        let account = self
            .accounts
            .find_by_counter_code(&code)
            .await?
            .ok_or(ApiError::NotFound)?;
        let person = account.person.as_ref().ok_or(ApiError::NotFound)?;
        tracing::info!(operator = %principal.account_id, account_id = %account.account_id, "counter lookup");
        Ok(json!({
            "account_id": account.account_id,
            "status": account.status.as_str(),
            "last_name": person.last_name.as_str(),
            "first_name": person.first_name.as_str(),
            "cnp": person.cnp.as_string(),
            "id_document": person.id_document,
        }))
    }

    pub async fn validate(
        &self,
        principal: &Principal,
        account_id: &str,
        dto: CounterValidationDto,
    ) -> Result<Value, ApiError> {
        let operator = self.operator(principal).await?;
        let typed = dto
            .id_document
            .parse("id_document")
            .map_err(|e| ApiError::Invalid(vec![e]))?;
        if account_id == operator.account_id {
            return Err(ApiError::Forbidden {
                code: "OWN_ACCOUNT",
                detail: "An operator cannot validate their own account.".into(),
            });
        }
        let account = self
            .accounts
            .get(account_id)
            .await?
            .filter(|a| a.role == Role::Citizen)
            .ok_or(ApiError::NotFound)?;
        let person = account.person.as_ref().ok_or(ApiError::NotFound)?;
        if person.id_document != typed {
            return Err(ApiError::Unprocessable {
                code: "DOCUMENT_MISMATCH",
                detail: "The identity document does not match the one registered for this account."
                    .into(),
            });
        }
        let validation = Validation {
            method: ValidationMethod::Counter,
            validated_at: self.clock.now(),
            operator_id: Some(operator.account_id.clone()),
            operator_unit: operator.unit.clone(),
        };
        match self.accounts.mark_validated(account_id, &validation).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => {
                return Err(ApiError::Conflict {
                    code: "ALREADY_VALIDATED",
                    detail: "This account is validated already.".into(),
                    extra: None,
                })
            }
            Err(e) => return Err(e.into()),
        }
        crate::telemetry::count(
            crate::telemetry::metrics::ACCOUNTS_VALIDATED,
            Some(("Method", "COUNTER")),
        );
        tracing::info!(
            operator = %operator.account_id,
            account_id = %account_id,
            method = "COUNTER",
            "account validated"
        );
        let mut validated = account;
        validated.status = crate::domain::AccountStatus::Validated;
        validated.validation = Some(validation);
        Ok(account_view(&validated))
    }
}

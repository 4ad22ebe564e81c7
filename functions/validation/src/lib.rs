//! Identity validation: through ghiseul.ro (`POST /v1/accounts/me/validations/ghiseul`,
//! `.../ghiseul/complete`), or at a police counter (`POST /v1/operator/lookups`,
//! `POST /v1/operator/accounts/{account_id}/validation`).

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::AccountId;
use cazier_shared::http::{json_response, parse_json, path_param, Access, ApiError, Route};
use cazier_shared::runtime::{Answer, ApiFunction, Call, Endpoints};
use cazier_shared::services::ghiseul::{GhiseulService, StartDto};
use cazier_shared::services::validation::ValidationService;
use cazier_shared::wiring::ServiceGraphs;
use lambda_http::http::StatusCode;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    GhiseulStart,
    GhiseulComplete,
    CounterLookup,
    CounterValidate,
}

/// The function's services, reached through the routes of its `Endpoints` table.
pub struct Validation {
    counter: ValidationService,
    ghiseul: GhiseulService,
}

/// The function, built from the wiring once per cold start.
pub fn function(wiring: &Wiring) -> Result<ApiFunction<Validation>, ConfigError> {
    ApiFunction::new(
        Validation {
            counter: wiring.validation_service()?,
            ghiseul: wiring.ghiseul_service()?,
        },
        wiring,
    )
}

#[async_trait]
impl Endpoints for Validation {
    type Handler = Handler;
    /// This function's routes and who may call them.
    const ROUTES: &'static [Route<Handler>] = &[
        Route {
            key: "POST /v1/accounts/me/validations/ghiseul",
            access: Access::Citizen,
            handler: Handler::GhiseulStart,
        },
        Route {
            key: "POST /v1/accounts/me/validations/ghiseul/complete",
            access: Access::Citizen,
            handler: Handler::GhiseulComplete,
        },
        Route {
            key: "POST /v1/operator/lookups",
            access: Access::Operator,
            handler: Handler::CounterLookup,
        },
        Route {
            key: "POST /v1/operator/accounts/{account_id}/validation",
            access: Access::Operator,
            handler: Handler::CounterValidate,
        },
    ];

    async fn answer(&self, call: Call<Handler>) -> Answer {
        let (caller, req) = (call.caller, call.req);
        let principal = caller.principal()?;
        match call.handler {
            Handler::GhiseulStart => {
                let StartDto {} = parse_json(&req, true)?;
                let started = self.ghiseul.start(principal, None).await?;
                Ok(json_response(StatusCode::CREATED, &started))
            }
            Handler::GhiseulComplete => {
                let account = self
                    .ghiseul
                    .complete(principal, parse_json(&req, false)?)
                    .await?;
                Ok(json_response(StatusCode::OK, &account))
            }
            Handler::CounterLookup => {
                let found = self
                    .counter
                    .lookup(principal, parse_json(&req, false)?)
                    .await?;
                Ok(json_response(StatusCode::OK, &found))
            }
            Handler::CounterValidate => {
                let account_id = path_param(&req, "account_id")
                    .map(AccountId::from)
                    .ok_or(ApiError::NotFound)?;
                let account = self
                    .counter
                    .validate(principal, &account_id, parse_json(&req, false)?)
                    .await?;
                Ok(json_response(StatusCode::OK, &account))
            }
        }
    }
}

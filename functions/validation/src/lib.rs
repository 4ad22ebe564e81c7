//! Identity validation: through ghiseul.ro (`POST /v1/accounts/me/validations/ghiseul`,
//! `.../ghiseul/complete`), or at a police counter (`POST /v1/operator/lookups`,
//! `POST /v1/operator/accounts/{account_id}/validation`).

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::AccountId;
use cazier_shared::http::{
    authorize, json_response, parse_json, path_param, respond, Access, ApiError, Route,
};
use cazier_shared::ports::SessionStore;
use cazier_shared::runtime::HttpFunction;
use cazier_shared::services::ghiseul::{GhiseulService, StartDto};
use cazier_shared::services::validation::ValidationService;
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    GhiseulStart,
    GhiseulComplete,
    CounterLookup,
    CounterValidate,
}

/// This function's routes and who may call them.
pub const ROUTES: &[Route<Handler>] = &[
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

pub struct ValidationFunction {
    counter: ValidationService,
    ghiseul: GhiseulService,
    sessions: Arc<dyn SessionStore>,
}

impl ValidationFunction {
    pub fn new(wiring: &Wiring) -> Result<Self, ConfigError> {
        Ok(Self {
            counter: wiring.validation_service()?,
            ghiseul: wiring.ghiseul_service()?,
            sessions: wiring.sessions()?,
        })
    }

    async fn route(&self, req: Request) -> Result<Response<Body>, ApiError> {
        let clock = &*self.counter.clock;
        let (handler, caller) = authorize(ROUTES, &req, &*self.sessions, clock).await?;
        let principal = caller.principal()?;
        match handler {
            Handler::GhiseulStart => {
                let StartDto {} = parse_json(&req, true)?;
                let started = self.ghiseul.start(principal).await?;
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

#[async_trait]
impl HttpFunction for ValidationFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(self.route(req).await)
    }
}

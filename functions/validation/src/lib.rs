//! Identity validation: through ghiseul.ro (`POST /v1/accounts/me/validations/ghiseul`,
//! `.../ghiseul/complete`), or at a police counter (`POST /v1/operator/lookups`,
//! `POST /v1/operator/accounts/{account_id}/validation`).

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::{ConfigError, Env};
use cazier_shared::http::{
    authorize, json_response, parse_json, path_param, respond, route_key, ApiError,
};
use cazier_shared::ports::{Clock, SessionStore, SystemClock};
use cazier_shared::runtime::HttpFunction;
use cazier_shared::services::ghiseul::{GhiseulService, StartDto};
use cazier_shared::services::validation::ValidationService;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub struct ValidationFunction {
    service: ValidationService,
    ghiseul: GhiseulService,
    sessions: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
}

impl ValidationFunction {
    pub async fn from_env(sdk: aws_config::SdkConfig, env: Env) -> Result<Self, ConfigError> {
        let wiring = Wiring::load(&sdk, &env).await?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Ok(Self {
            service: ValidationService {
                accounts: wiring.accounts()?,
                clock: clock.clone(),
            },
            ghiseul: GhiseulService {
                accounts: wiring.accounts()?,
                nonces: wiring.sessions()?,
                issuers: wiring.issuers()?,
                clock: clock.clone(),
            },
            sessions: wiring.sessions()?,
            clock,
        })
    }

    async fn route(&self, req: Request) -> Result<Response<Body>, ApiError> {
        let caller = authorize(&req, &*self.sessions, &*self.clock).await?;
        let principal = caller.principal()?;
        match route_key(&req).as_str() {
            "POST /v1/accounts/me/validations/ghiseul" => {
                let StartDto {} = parse_json(&req, true)?;
                let started = self.ghiseul.start(principal).await?;
                Ok(json_response(StatusCode::CREATED, &started))
            }
            "POST /v1/accounts/me/validations/ghiseul/complete" => {
                let account = self
                    .ghiseul
                    .complete(principal, parse_json(&req, false)?)
                    .await?;
                Ok(json_response(StatusCode::OK, &account))
            }
            "POST /v1/operator/lookups" => {
                let found = self
                    .service
                    .lookup(principal, parse_json(&req, false)?)
                    .await?;
                Ok(json_response(StatusCode::OK, &found))
            }
            "POST /v1/operator/accounts/{account_id}/validation" => {
                let account_id = path_param(&req, "account_id").ok_or(ApiError::NotFound)?;
                let account = self
                    .service
                    .validate(principal, &account_id, parse_json(&req, false)?)
                    .await?;
                Ok(json_response(StatusCode::OK, &account))
            }
            _ => Err(ApiError::NotFound),
        }
    }
}

#[async_trait]
impl HttpFunction for ValidationFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(self.route(req).await)
    }
}

//! Registration and sessions: `POST /v1/accounts`, `POST /v1/sessions`,
//! `DELETE /v1/sessions/current`, `GET /v1/accounts/me`.

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::{ConfigError, Env};
use cazier_shared::http::{
    authorize, empty_response, json_response, parse_json, respond, route_key, source_ip, ApiError,
};
use cazier_shared::ports::{Clock, SessionStore, SystemClock};
use cazier_shared::runtime::HttpFunction;
use cazier_shared::services::accounts::AccountService;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub struct AccountsFunction {
    service: AccountService,
    sessions: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
}

impl AccountsFunction {
    pub async fn from_env(sdk: aws_config::SdkConfig, env: Env) -> Result<Self, ConfigError> {
        let wiring = Wiring::load(&sdk, &env).await?;
        let accounts = wiring.accounts()?;
        let sessions = wiring.sessions()?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Ok(Self {
            service: AccountService {
                accounts,
                sessions: sessions.clone(),
                throttle: sessions.clone(),
                clock: clock.clone(),
            },
            sessions,
            clock,
        })
    }

    async fn route(&self, req: Request) -> Result<Response<Body>, ApiError> {
        let caller = authorize(&req, &*self.sessions, &*self.clock).await?;
        match route_key(&req).as_str() {
            "POST /v1/accounts" => {
                let created = self.service.register(parse_json(&req, false)?).await?;
                Ok(json_response(StatusCode::CREATED, &created))
            }
            "POST /v1/sessions" => {
                let session = self
                    .service
                    .login(parse_json(&req, false)?, &source_ip(&req))
                    .await?;
                Ok(json_response(StatusCode::CREATED, &session))
            }
            "DELETE /v1/sessions/current" => {
                self.service.logout(caller.principal()?).await?;
                Ok(empty_response(StatusCode::NO_CONTENT))
            }
            "GET /v1/accounts/me" => Ok(json_response(
                StatusCode::OK,
                &self.service.me(caller.principal()?).await?,
            )),
            _ => Err(ApiError::NotFound),
        }
    }
}

#[async_trait]
impl HttpFunction for AccountsFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(self.route(req).await)
    }
}

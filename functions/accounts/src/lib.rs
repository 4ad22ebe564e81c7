//! Registration and sessions: `POST /v1/accounts`, `POST /v1/sessions`,
//! `DELETE /v1/sessions/current`, `GET /v1/accounts/me`.

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::http::{
    authorize, empty_response, json_response, parse_json, respond, source_ip, Access, ApiError,
    Route,
};
use cazier_shared::ports::SessionStore;
use cazier_shared::runtime::HttpFunction;
use cazier_shared::services::accounts::AccountService;
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    Register,
    Login,
    Logout,
    Me,
}

/// This function's routes and who may call them.
pub const ROUTES: &[Route<Handler>] = &[
    Route {
        key: "POST /v1/accounts",
        access: Access::Public,
        handler: Handler::Register,
    },
    Route {
        key: "POST /v1/sessions",
        access: Access::Public,
        handler: Handler::Login,
    },
    Route {
        key: "DELETE /v1/sessions/current",
        access: Access::Authenticated,
        handler: Handler::Logout,
    },
    Route {
        key: "GET /v1/accounts/me",
        access: Access::Authenticated,
        handler: Handler::Me,
    },
];

pub struct AccountsFunction {
    service: AccountService,
    sessions: Arc<dyn SessionStore>,
}

impl AccountsFunction {
    pub fn new(wiring: &Wiring) -> Result<Self, ConfigError> {
        Ok(Self {
            service: wiring.account_service()?,
            sessions: wiring.sessions()?,
        })
    }

    async fn route(&self, req: Request) -> Result<Response<Body>, ApiError> {
        let clock = &*self.service.clock;
        let (handler, caller) = authorize(ROUTES, &req, &*self.sessions, clock).await?;
        match handler {
            Handler::Register => {
                let created = self.service.register(parse_json(&req, false)?).await?;
                Ok(json_response(StatusCode::CREATED, &created))
            }
            Handler::Login => {
                let session = self
                    .service
                    .login(parse_json(&req, false)?, &source_ip(&req))
                    .await?;
                Ok(json_response(StatusCode::CREATED, &session))
            }
            Handler::Logout => {
                self.service.logout(caller.principal()?).await?;
                Ok(empty_response(StatusCode::NO_CONTENT))
            }
            Handler::Me => Ok(json_response(
                StatusCode::OK,
                &self.service.me(caller.principal()?).await?,
            )),
        }
    }
}

#[async_trait]
impl HttpFunction for AccountsFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(self.route(req).await)
    }
}

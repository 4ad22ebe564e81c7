//! Registration and sessions: `POST /v1/accounts`, `POST /v1/sessions`,
//! `DELETE /v1/sessions/current`, `GET /v1/accounts/me`.

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::http::{empty_response, json_response, parse_json, source_ip, Access, Route};
use cazier_shared::runtime::{Answer, ApiFunction, Call, Endpoints};
use cazier_shared::services::accounts::AccountService;
use cazier_shared::wiring::ServiceGraphs;
use lambda_http::http::StatusCode;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    Register,
    Login,
    Logout,
    Me,
}

/// The function's services, reached through the routes of its `Endpoints` table.
pub struct Accounts {
    service: AccountService,
}

/// The function, built from the wiring once per cold start.
pub fn function(wiring: &Wiring) -> Result<ApiFunction<Accounts>, ConfigError> {
    ApiFunction::new(
        Accounts {
            service: wiring.account_service()?,
        },
        wiring,
    )
}

#[async_trait]
impl Endpoints for Accounts {
    type Handler = Handler;
    /// This function's routes and who may call them.
    const ROUTES: &'static [Route<Handler>] = &[
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

    async fn answer(&self, call: Call<Handler>) -> Answer {
        let (caller, req) = (call.caller, call.req);
        match call.handler {
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

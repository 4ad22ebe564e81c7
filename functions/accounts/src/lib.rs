//! Registration and sessions: `POST /v1/accounts` (a code is e-mailed) and
//! `POST /v1/accounts/confirmation` (the account then exists), `POST /v1/sessions`,
//! `DELETE /v1/sessions/current`, `GET /v1/accounts/me`; passwords: `POST
//! /v1/accounts/me/password`, `POST /v1/password-resets` and `.../confirmation`.

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::SessionChannel;
use cazier_shared::http::{empty_response, json_response, parse_json, source_ip, Access, Route};
use cazier_shared::runtime::{Answer, ApiFunction, Call, Endpoints};
use cazier_shared::services::accounts::AccountService;
use cazier_shared::services::passwords::PasswordService;
use cazier_shared::wiring::ServiceGraphs;
use lambda_http::http::StatusCode;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    Register,
    Confirm,
    Login,
    Logout,
    Me,
    ChangePassword,
    RequestReset,
    Reset,
}

/// The function's services, reached through the routes of its `Endpoints` table.
pub struct Accounts {
    service: AccountService,
    passwords: PasswordService,
}

/// The function, built from the wiring once per cold start.
pub fn function(wiring: &Wiring) -> Result<ApiFunction<Accounts>, ConfigError> {
    ApiFunction::new(
        Accounts {
            service: wiring.account_service()?,
            passwords: wiring.password_service()?,
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
            key: "POST /v1/accounts/confirmation",
            access: Access::Public,
            handler: Handler::Confirm,
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
        Route {
            key: "POST /v1/accounts/me/password",
            access: Access::Authenticated,
            handler: Handler::ChangePassword,
        },
        Route {
            key: "POST /v1/password-resets",
            access: Access::Public,
            handler: Handler::RequestReset,
        },
        Route {
            key: "POST /v1/password-resets/confirmation",
            access: Access::Public,
            handler: Handler::Reset,
        },
    ];

    async fn answer(&self, call: Call<Handler>) -> Answer {
        let (caller, req) = (call.caller, call.req);
        match call.handler {
            Handler::Register => {
                let sent = self
                    .service
                    .register(parse_json(&req, false)?, &source_ip(&req))
                    .await?;
                Ok(json_response(StatusCode::ACCEPTED, &sent))
            }
            Handler::Confirm => {
                let created = self
                    .service
                    .confirm(parse_json(&req, false)?, &source_ip(&req))
                    .await?;
                Ok(json_response(StatusCode::CREATED, &created))
            }
            Handler::Login => {
                let session = self
                    .service
                    .login(
                        parse_json(&req, false)?,
                        &source_ip(&req),
                        SessionChannel::Api,
                    )
                    .await?;
                Ok(json_response(StatusCode::CREATED, &session))
            }
            Handler::ChangePassword => {
                self.passwords
                    .change(caller.principal()?, parse_json(&req, false)?)
                    .await?;
                Ok(empty_response(StatusCode::NO_CONTENT))
            }
            Handler::RequestReset => {
                self.passwords
                    .request_reset(parse_json(&req, false)?, &source_ip(&req))
                    .await?;
                Ok(json_response(
                    StatusCode::ACCEPTED,
                    &serde_json::json!({"status": "RESET_SENT"}),
                ))
            }
            Handler::Reset => {
                self.passwords.reset(parse_json(&req, false)?).await?;
                Ok(empty_response(StatusCode::NO_CONTENT))
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

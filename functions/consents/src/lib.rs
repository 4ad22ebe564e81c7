//! Once-only, with consent (issue 27): a registered organisation, with the bearer token it got
//! at `POST /oauth2/token` (scope `extract:<PURPOSE>`), asks for a person's consent
//! (`POST /v1/consent-requests`), reads where it stands (`GET /v1/consents/{consent_id}`) and,
//! once the person accepted in the portal, pulls a sealed extract
//! (`POST /v1/consents/{consent_id}/extract`: the JWS, or with `Accept: application/pdf` the
//! sealed PDF). The only function that reads criminal records
//! for an organisation; its role cannot change a consent's answer.

use cazier_edge::http::{
    attachment, json_or_pdf, json_response, no_store, parse_json, path_param, presented, ApiError,
    Negotiated,
};
use cazier_edge::runtime::{Answer, ApiFunction};
use cazier_shared::config::ConfigError;
use cazier_shared::domain::{bucharest_date, ConsentId};
use cazier_shared::ports::Clock;
use cazier_shared::services::client_auth::{Admitted, OrganisationAuth};
use cazier_shared::services::consents::asking::{ExtractForm, Pulled};
use cazier_shared::services::consents::{AskConsentDto, ChangeFeeds, ConsentRequests};
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use lambda_http::http::StatusCode;
use lambda_http::Request;
use std::sync::Arc;

pub struct ConsentsApi {
    requests: ConsentRequests,
    changes: ChangeFeeds,
    organisations: OrganisationAuth,
    clock: Arc<dyn Clock>,
}

/// The function, built from the wiring once per cold start.
pub fn function<P: PortSource>(ports: &P) -> Result<ApiFunction<ConsentsApi>, ConfigError> {
    ApiFunction::new(
        ConsentsApi {
            requests: ports.consent_requests()?,
            changes: ports.change_feeds()?,
            organisations: ports.organisation_auth()?,
            clock: ports.clock(),
        },
        ports,
    )
}

// Public to the session check: each route admits an organisation by its bearer token.
cazier_edge::api_routes!(ConsentsApi {
    POST "/v1/consent-requests" Public => ask,
    GET "/v1/consents/{consent_id}" Public => status,
    POST "/v1/consents/{consent_id}/extract" Public => extract,
    GET "/v1/consent-changes" Public => changes,
});

impl ConsentsApi {
    async fn organisation(&self, req: &Request) -> Result<Admitted, ApiError> {
        Ok(self.organisations.admit(presented(req)?).await?)
    }

    async fn ask(&self, req: Request) -> Answer {
        let who = self.organisation(&req).await?;
        let dto: AskConsentDto = parse_json(&req, false)?;
        let asked = dto
            .try_into_domain(bucharest_date(self.clock.now()))
            .map_err(ApiError::Invalid)?;
        let view = self.requests.ask(&who, asked).await?;
        Ok(no_store(json_response(StatusCode::ACCEPTED, &view)))
    }

    async fn status(&self, req: Request) -> Answer {
        let who = self.organisation(&req).await?;
        let id = consent_id(&req)?;
        let view = self.requests.status(&who, &id).await?;
        Ok(no_store(json_response(StatusCode::OK, &view)))
    }

    async fn extract(&self, req: Request) -> Answer {
        let who = self.organisation(&req).await?;
        let id = consent_id(&req)?;
        // One pull, one extract, in the form the Accept header asks for.
        let form = match json_or_pdf(&req)? {
            Negotiated::Pdf => ExtractForm::Pdf,
            Negotiated::Json => ExtractForm::Json,
        };
        match self.requests.pull(&who, &id, form).await? {
            Pulled::Json(issued) => Ok(no_store(json_response(StatusCode::CREATED, &issued))),
            Pulled::Pdf(extract) => {
                let name = format!("extras-{}.pdf", extract.number);
                let mut response = attachment(extract.pdf, "application/pdf", &name, "no-store");
                *response.status_mut() = StatusCode::CREATED;
                Ok(response)
            }
        }
    }
}

impl ConsentsApi {
    /// The organisation's change feed, after the cursor it kept (`?after=`).
    async fn changes(&self, req: Request) -> Answer {
        let who = self.organisation(&req).await?;
        let pairs: Vec<(String, String)> = req
            .uri()
            .query()
            .map(serde_urlencoded::from_str)
            .transpose()
            .map_err(|_| ApiError::Malformed("the query string is not one".into()))?
            .unwrap_or_default();
        let mut afters = pairs
            .into_iter()
            .filter(|(k, _)| k == "after")
            .map(|(_, v)| v);
        let after = afters.next();
        // One cursor: which of two would count? (`?after=&after=x` resent the whole feed.)
        if afters.next().is_some() {
            return Err(ApiError::Malformed("give `after` once".into()));
        }
        let feed = self.changes.feed(&who, after.as_deref()).await?;
        Ok(no_store(json_response(StatusCode::OK, &feed)))
    }
}

fn consent_id(req: &Request) -> Result<ConsentId, ApiError> {
    path_param(req, "consent_id")
        .and_then(|id| ConsentId::parse(&id))
        .ok_or(ApiError::NotFound)
}

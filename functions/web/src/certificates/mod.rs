//! The citizen's certificates: the list, each one's PDF, contents and "who checked" list.

pub(crate) mod entries;
pub(crate) mod text;
pub(crate) mod view;

use crate::context::Ctx;
use crate::Answer;
use cazier_edge::http::Citizen;
use cazier_shared::services::checks::CheckService;
use cazier_shared::services::requests::RequestService;
use lambda_http::http::StatusCode;
use lambda_http::Request;

/// What the certificates' handlers use.
pub(crate) struct Certificates {
    pub(crate) requests: RequestService,
    pub(crate) checks: CheckService,
}

impl Certificates {
    /// The citizen's certificates.
    pub(crate) async fn list(&self, ctx: &mut Ctx, principal: Citizen, _req: &Request) -> Answer {
        let list = self.requests.list_certificates(&principal).await?;
        let html = view::certificates(ctx, &list);
        Ok(ctx.page(StatusCode::OK, html))
    }

    /// "Who checked my certificate".
    pub(crate) async fn checks(&self, ctx: &mut Ctx, principal: Citizen, req: &Request) -> Answer {
        let number = crate::certificate_number(req)?;
        let checks = self.checks.checks(&principal, &number).await?;
        let html = view::checks(ctx, &checks);
        Ok(ctx.page(StatusCode::OK, html))
    }

    /// What one certificate says, entries included.
    pub(crate) async fn contents(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        req: &Request,
    ) -> Answer {
        let number = crate::certificate_number(req)?;
        let contents = self.requests.contents(&principal, &number).await?;
        let html = entries::contents(ctx, &contents);
        Ok(ctx.page(StatusCode::OK, html))
    }

    /// The certificate's PDF, to download.
    pub(crate) async fn pdf(&self, ctx: &mut Ctx, principal: Citizen, req: &Request) -> Answer {
        let number = crate::certificate_number(req)?;
        let document = self.requests.document(&principal, &number).await?;
        let name = format!("cazier-{}.pdf", document.number);
        Ok(ctx.file(document.pdf, "application/pdf", &name))
    }
}

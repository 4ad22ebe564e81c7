//! The pages with no service behind them: the start page and the information pages every
//! footer links to (help, privacy, cookies, accessibility).

pub(crate) mod text;
pub(crate) mod view;

use crate::context::Ctx;
use crate::Answer;
use lambda_http::http::StatusCode;
use lambda_http::Request;
use text::Info;

/// The information pages: nothing but their text.
pub(crate) struct Information;

impl Information {
    pub(crate) async fn home(&self, ctx: &mut Ctx, _req: &Request) -> Answer {
        let html = view::start(ctx);
        Ok(ctx.page(StatusCode::OK, html))
    }

    pub(crate) async fn info(&self, ctx: &mut Ctx, _req: &Request, which: Info) -> Answer {
        let html = view::info(ctx, which);
        Ok(ctx.page(StatusCode::OK, html))
    }
}

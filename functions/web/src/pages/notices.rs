//! The home page, and the pages that explain why something did not happen.

use crate::context::Ctx;
use crate::layout::page;
use maud::html;

pub fn home(ctx: &mut Ctx) -> String {
    let t = ctx.t();
    let body = html! {
        h1 { (t.home_title) }
        p.lead { (t.home_lead) }
        ol.steps { @for step in t.home_steps { li { (step) } } }
        p { a.primary href="/cont/nou" { (t.start) } }
        p { a href="/autentificare" { (t.have_account) } }
    };
    page(ctx, t.home_title, body)
}

/// A page with a title, an explanation and a way on.
pub fn notice(ctx: &mut Ctx, title: &str, text: &str, next: Option<(&str, &str)>) -> String {
    let t = ctx.t();
    let body = html! {
        h1 { (title) }
        p { (text) }
        @match next {
            Some((href, label)) => p { a.primary href=(href) { (label) } },
            None => p { a href="/" { (t.back_home) } },
        }
    };
    page(ctx, title, body)
}

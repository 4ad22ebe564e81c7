//! The pages that explain why something did not happen.

use crate::context::Ctx;
use crate::layout::page;
use cazier_shared::domain::Page;
use maud::html;

/// A page with a title, an explanation and a way on.
pub fn notice(ctx: &mut Ctx, title: &str, text: &str, next: Option<(Page, &str)>) -> String {
    let t = ctx.t();
    let body = html! {
        h1 { (title) }
        p { (text) }
        @match next {
            Some((href, label)) => p { a.primary href=(href) { (label) } },
            None => p { a href=(Page::Home) { (t.back_home) } },
        }
    };
    page(ctx, title, body)
}

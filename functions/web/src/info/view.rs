//! The start page and the information pages (help and contact, privacy, cookies,
//! accessibility): text from `text.rs`, laid out as GOV.UK content pages.

use crate::context::Ctx;
use crate::info::text::{Info, InfoPage};
use crate::layout::page;
use cazier_shared::domain::Page;
use maud::{html, Markup};

fn sections(content: &InfoPage) -> Markup {
    html! {
        @for section in content.sections {
            h2 { (section.heading) }
            @if section.list {
                ul { @for p in section.paragraphs { li { (p) } } }
            } @else {
                @for p in section.paragraphs { p { (p) } }
            }
        }
    }
}

/// The start page: what the service is, who may use it, what one needs, the ways in.
pub fn start(ctx: &mut Ctx) -> String {
    let (t, i) = (ctx.t(), ctx.lang.info());
    let content = &i.start;
    let body = html! {
        h1 { (content.title) }
        p.lead { (content.lead) }
        p { a.primary href=(Page::Register) { (i.start_now) } }
        p { a href=(Page::SignIn) { (t.have_account) } }
        (sections(content))
        p { a.primary href=(Page::Register) { (i.start_now) } }
    };
    page(ctx, content.title, body)
}

/// One information page.
pub fn info(ctx: &mut Ctx, which: Info) -> String {
    let content = ctx.lang.info().page(which);
    let body = html! {
        h1 { (content.title) }
        p.lead { (content.lead) }
        (sections(content))
    };
    page(ctx, content.title, body)
}

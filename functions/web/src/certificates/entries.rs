//! "What your certificate contains": the holder's plain reading of a certificate, with what
//! entries are, rehabilitation, how to contest one and where to find support; and the notice
//! shown before a certificate with entries is shared or put in a wallet.

use crate::context::Ctx;
use crate::layout::page;
use cazier_shared::domain::{CertificateNumber, Page};
use cazier_shared::services::requests::Contents;
use maud::{html, Markup};

pub fn contents(ctx: &mut Ctx, c: &Contents) -> String {
    let (t, e) = (ctx.t(), ctx.lang.e());
    let count = match c.entries.len() {
        1 => e.one.to_owned(),
        n => e.some.replace("{n}", &n.to_string()),
    };
    let body = html! {
        h1 { (e.title) }
        p { strong { (c.number.as_str()) } " · " (crate::certificates::view::status_tag(ctx, c.status)) }
        @if !c.has_entries {
            p.lead { (e.none) }
        } @else {
            p.lead { @if c.entries.is_empty() { (e.some_unlisted) } @else { (count) } }
            p { (e.who_sees) }
            @for (i, entry) in c.entries.iter().enumerate() {
                section.panel aria-labelledby={"entry-" (i + 1)} {
                    h2 #{"entry-" (i + 1)} { (e.entry) " " (i + 1) }
                    dl.facts {
                        div { dt { (e.court) } dd { (entry.court) } }
                        div { dt { (e.decision) } dd { (entry.decision) ", " (entry.decision_date.format("%d.%m.%Y")) } }
                        div { dt { (e.offence) } dd { (entry.offence) } }
                        div { dt { (e.penalty) } dd { (entry.penalty) } }
                        @if entry.rehabilitated { div { dt { (e.rehabilitated) } dd { (e.yes) } } }
                    }
                }
            }
            h2 { (e.meaning_title) } p { (e.meaning) }
            h2 { (e.rehabilitation_title) } p { (e.rehabilitation) }
            h2 { (e.contest_title) } p { (e.contest) }
            h2 { (e.support_title) } p { (e.support) }
        }
        p { a href=(Page::Certificates) { (t.back_to_certificates) } }
    };
    page(ctx, e.title, body)
}

/// Before a certificate with entries is shared or put in a wallet: what the other side will
/// see, and a link to read it first.
pub fn before_sharing(ctx: &Ctx, number: &CertificateNumber) -> Markup {
    let e = ctx.lang.e();
    html! {
        div.panel {
            p { (e.before_sharing) }
            p { a href=(Page::Contents(number.clone())) { (e.review) } }
        }
    }
}

//! The holder's consents: the list (waiting, given, ended) and one consent (who asks, why,
//! what it would see, for how long; accept, decline or withdraw; its history).

use crate::certificates::view::bucharest_time;
use crate::context::Ctx;
use crate::layout::{csrf_field, error_summary, page, Input};
use cazier_shared::domain::consent::{ConsentTerm, PENDING_FOR};
use cazier_shared::domain::FieldError;
use cazier_shared::domain::{AuditEvent, AuditEventKind, ConsentLevel, ConsentStatus, Page};
use cazier_shared::services::consents::holder::HeldConsent;
use maud::{html, Markup};

fn purpose(ctx: &Ctx, c: &HeldConsent) -> &'static str {
    match ctx.lang {
        crate::Lang::Ro => c.consent.purpose.label_ro(),
        crate::Lang::En => c.consent.purpose.label_en(),
    }
}

/// A consent's status in words.
pub(crate) fn status_text(ctx: &Ctx, status: ConsentStatus) -> &'static str {
    let c = ctx.lang.c();
    match status {
        ConsentStatus::Pending => c.pending,
        ConsentStatus::Accepted => c.accepted,
        ConsentStatus::Declined => c.declined,
        ConsentStatus::Revoked => c.revoked,
        ConsentStatus::Used => c.used,
        ConsentStatus::Expired => c.expired,
    }
}

pub fn status_tag(ctx: &Ctx, status: ConsentStatus) -> Markup {
    let text = status_text(ctx, status);
    html! {
        @match status {
            ConsentStatus::Pending => strong.tag.wait { (text) },
            ConsentStatus::Accepted => strong.tag { (text) },
            _ => strong.tag.off { (text) },
        }
    }
}

fn table(ctx: &Ctx, consents: &[&HeldConsent]) -> Markup {
    let c = ctx.lang.c();
    html! {
        table {
            thead { tr {
                th scope="col" { (c.organisation) } th scope="col" { (c.purpose) }
                th scope="col" { (c.asked_at) } th scope="col" { (c.status) }
                th scope="col" { span.skip { (c.open) } }
            } }
            tbody {
                @for held in consents {
                    tr {
                        td data-label=(c.organisation) { (held.consent.organisation_name) }
                        td data-label=(c.purpose) { (purpose(ctx, held)) }
                        td data-label=(c.asked_at) { (bucharest_time(held.consent.asked_at)) }
                        td data-label=(c.status) { (status_tag(ctx, held.status)) }
                        td {
                            a href=(Page::Consent(held.consent.id.clone())) {
                                (c.open) span.skip { ": " (held.consent.organisation_name) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The holder's consents; `None`: the account is not validated yet.
pub fn list(ctx: &mut Ctx, consents: Option<&[HeldConsent]>) -> String {
    let c = ctx.lang.c();
    let body = html! {
        h1 { (c.title) }
        p { (c.intro) }
        p { a href=(Page::ConsentCode) { (c.code_link) } }
        @match consents {
            None => {
                div.notice { p { (c.not_validated) } p { a href=(Page::Account) { (c.validate_link) } } }
            }
            Some([]) => p { (c.none) },
            Some(all) => {
                @let pending: Vec<&HeldConsent> = all.iter().filter(|h| h.status == ConsentStatus::Pending).collect();
                @let active: Vec<&HeldConsent> = all.iter().filter(|h| h.status == ConsentStatus::Accepted).collect();
                @let ended: Vec<&HeldConsent> = all.iter().filter(|h| !matches!(h.status, ConsentStatus::Pending | ConsentStatus::Accepted)).collect();
                @if !pending.is_empty() { h2 { (c.pending_title) } (table(ctx, &pending)) }
                @if !active.is_empty() { h2 { (c.active_title) } (table(ctx, &active)) }
                @if !ended.is_empty() { h2 { (c.ended_title) } (table(ctx, &ended)) }
            }
        }
        p { a href=(Page::Account) { (ctx.t().nav_account) } }
    };
    page(ctx, c.title, body)
}

pub(crate) fn event_text(ctx: &Ctx, e: &AuditEvent) -> String {
    let c = ctx.lang.c();
    match e.event {
        AuditEventKind::ConsentAsked => c.ev_asked.to_owned(),
        AuditEventKind::ConsentAccepted => c.ev_accepted.to_owned(),
        AuditEventKind::ConsentDeclined => c.ev_declined.to_owned(),
        AuditEventKind::ConsentRevoked => c.ev_revoked.to_owned(),
        AuditEventKind::ExtractIssued => match e.details.get("extract") {
            Some(number) => format!("{} ({number})", c.ev_extract),
            None => c.ev_extract.to_owned(),
        },
        AuditEventKind::RecordChanged => c.ev_record_changed.to_owned(),
        // Nothing else is recorded under a consent.
        _ => e.event.as_str().to_owned(),
    }
}

/// One consent: what is asked, the answer's buttons while it may be given, and its history.
pub fn one(ctx: &mut Ctx, held: &HeldConsent, history: &[AuditEvent], settled: bool) -> String {
    let c = ctx.lang.c();
    let consent = &held.consent;
    let title = match held.status {
        ConsentStatus::Pending => format!("{} {}", consent.organisation_name, c.asks_you),
        _ => consent.organisation_name.clone(),
    };
    let action = Page::Consent(consent.id.clone());
    let body = html! {
        @if settled {
            div.notice role="status" { p { (c.settled_title) } }
        }
        h1 { (title) }
        table {
            tbody {
                tr { th scope="row" { (c.organisation) } td { (consent.organisation_name) " (CUI " (consent.organisation) ")" } }
                tr { th scope="row" { (c.purpose) } td { (purpose(ctx, held)) } }
                // In the organisation's words, in Romanian: read as such in the English pages too.
                tr { th scope="row" { (c.reason) } td lang="ro" { (consent.reason.as_str()) } }
                tr { th scope="row" { (c.sees) } td { (match consent.level {
                    ConsentLevel::Status => c.sees_status,
                    ConsentLevel::Certificate => c.sees_certificate,
                }) } }
                tr { th scope="row" { (c.term) } td { @match consent.term {
                    ConsentTerm::OneOff => (c.one_off),
                    ConsentTerm::Until(day) => { (c.until) " " (day.format("%d.%m.%Y")) " " (c.until_after) },
                } } }
                tr { th scope="row" { (c.asked_at) } td { (bucharest_time(consent.asked_at)) } }
                tr { th scope="row" { (c.status) } td { (status_tag(ctx, held.status)) } }
                @match held.status {
                    ConsentStatus::Pending => {
                        tr { th scope="row" { (c.answer_by) } td { (day(consent.asked_at + PENDING_FOR)) } }
                    }
                    ConsentStatus::Accepted => @if let Some(end) = consent.ends_at() {
                        tr { th scope="row" { (c.works_until) } td { (day(end)) } }
                    },
                    ConsentStatus::Used => {
                        tr { th scope="row" { (c.works_until) } td { (c.ended_used) } }
                    }
                    _ => {}
                }
            }
        }
        @if held.organisation_suspended {
            div.panel { p { (c.suspended) } }
        }
        @if held.status == ConsentStatus::Pending {
            p { (c.decide_lead) }
            div.actions {
                @if !held.organisation_suspended {
                    form method="post" action=(action) {
                        (csrf_field(ctx))
                        input type="hidden" name="answer" value="accept";
                        button.primary type="submit" { (c.accept) }
                    }
                }
                form method="post" action=(action) {
                    (csrf_field(ctx))
                    input type="hidden" name="answer" value="decline";
                    button.primary.alt type="submit" { (c.decline) }
                }
            }
        }
        @if held.status == ConsentStatus::Accepted {
            p { (c.revoke_lead) }
            form method="post" action=(action) {
                (csrf_field(ctx))
                input type="hidden" name="answer" value="revoke";
                button.secondary type="submit" { (c.revoke) }
            }
        }
        (history_table(ctx, history, event_text))
        p { a href=(Page::Consents) { (c.back) } }
    };
    // The tab's title says where the answer stands (the heading names who asks).
    let tab_title = match held.status {
        ConsentStatus::Pending => title,
        status => format!("{} — {title}", status_text(ctx, status)),
    };
    page(ctx, &tab_title, body)
}

/// A consent's history, oldest first, each entry in the reader's words (`said`).
pub(crate) fn history_table(
    ctx: &Ctx,
    history: &[AuditEvent],
    said: fn(&Ctx, &AuditEvent) -> String,
) -> Markup {
    let c = ctx.lang.c();
    html! {
        h2 { (c.history) }
        table {
            thead { tr { th scope="col" { (c.when) } th scope="col" { (c.what) } } }
            tbody {
                @for e in history {
                    tr {
                        td data-label=(c.when) { (bucharest_time(e.at)) }
                        td data-label=(c.what) { (said(ctx, e)) }
                    }
                }
            }
        }
    }
}

/// The last day an instant ends (Bucharest), as `21.12.2026`.
pub(crate) fn day(end: chrono::DateTime<chrono::Utc>) -> String {
    cazier_shared::domain::last_bucharest_day(end)
        .format("%d.%m.%Y")
        .to_string()
}

/// The page where the person types the code an institution's desk shows them.
pub fn desk_code(
    ctx: &mut Ctx,
    typed: &str,
    errors: &[FieldError],
    problem: Option<&str>,
) -> String {
    let c = ctx.lang.c();
    let body = html! {
        (error_summary(ctx, errors, problem))
        h1 { (c.code_title) }
        p { (c.code_lead) }
        form method="post" action=(Page::ConsentCode) novalidate {
            (csrf_field(ctx))
            (Input { hint: Some(c.code_hint), autocomplete: "off", ..Input::new("code", c.code_label, typed) }.render(ctx, errors))
            button.primary type="submit" { (c.code_open) }
        }
        p { a href=(Page::Consents) { (c.back) } }
    };
    page(ctx, c.code_title, body)
}

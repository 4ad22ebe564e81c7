//! An organisation's staff pages: its consents (newest first), the request form, and one
//! consent (the person's answer, a desk code, the extract's download, its history).

use crate::certificates::view::bucharest_time;
use crate::consents::view::{day, event_text, history_table, status_tag, status_text};
use crate::context::Ctx;
use crate::layout::{csrf_field, error_summary, page, Input};
use cazier_shared::domain::consent::PENDING_FOR;
use cazier_shared::domain::AuditEventKind;
use cazier_shared::domain::{AuditEvent, ConsentLevel, ConsentStatus, FieldError, Page, Purpose};
use cazier_shared::services::consents::staff::{StaffConsent, StaffMember};
use maud::{html, Markup};

/// What the request form was sent with (shown again with its errors).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AskForm {
    pub cnp: String,
    pub purpose: String,
    pub reason: String,
    /// `ONE_OFF` or `UNTIL`.
    pub term: String,
    pub until: String,
    /// Present (`yes`) when ticked.
    pub at_desk: String,
    /// Empty (the form), `send` (checked: ask) or `edit` (the form again, as typed).
    pub step: String,
}

/// A desk code just made, shown once on the consent's page.
pub struct DeskCodeShown {
    pub code: String,
    pub until: chrono::DateTime<chrono::Utc>,
}

fn purpose_label(ctx: &Ctx, p: Purpose) -> &'static str {
    ctx.lang.purpose(p)
}

fn organisation_line(member: &StaffMember) -> Markup {
    let o = member.organisation();
    html! { p.lead { strong { (o.name) } " (CUI " (o.cui) ")" } }
}

/// The organisation's consents, newest first.
pub fn home(ctx: &mut Ctx, member: &StaffMember, consents: &[StaffConsent]) -> String {
    let (o, c) = (ctx.lang.o(), ctx.lang.c());
    let body = html! {
        h1 { (o.title) }
        (organisation_line(member))
        p { (o.lead) }
        p { a.primary href=(Page::OrganisationAsk) { (o.ask_title) } }
        @if consents.is_empty() {
            p { (o.none) }
        } @else {
            p { (o.listed_newest) }
            table {
                thead { tr {
                    th scope="col" { (o.reason) } th scope="col" { (o.person) }
                    th scope="col" { (c.purpose) } th scope="col" { (c.asked_at) }
                    th scope="col" { (c.status) } th scope="col" { span.skip { (o.open) } }
                } }
                tbody {
                    @for s in consents {
                        tr {
                            td data-label=(o.reason) lang="ro" { (s.reason) }
                            td data-label=(o.person) { (person(ctx, s)) }
                            td data-label=(c.purpose) { (purpose_label(ctx, s.purpose)) }
                            td data-label=(c.asked_at) { (bucharest_time(s.asked_at)) }
                            td data-label=(c.status) { (status_tag(ctx, s.view.status)) }
                            td {
                                a href=(Page::OrganisationConsent(s.view.consent_id.clone())) {
                                    (o.open) span.skip { ": " (s.reason) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, o.title, body)
}

/// Who a consent is of, in the list: the CNP's last digits only (the name shows on the
/// consent's own page, whose every opening is audited).
fn person(ctx: &Ctx, s: &StaffConsent) -> Markup {
    let o = ctx.lang.o();
    html! { (o.cnp_ending) " " (s.cnp_ending) }
}

/// The request form.
pub fn ask(
    ctx: &mut Ctx,
    member: &StaffMember,
    typed: &AskForm,
    errors: &[FieldError],
    problem: Option<&str>,
) -> String {
    let (o, c) = (ctx.lang.o(), ctx.lang.c());
    let lang = ctx.lang;
    let purposes = member.purposes();
    let purpose_error = errors.iter().find(|e| e.field == "purpose");
    let continuous = typed.term == "UNTIL";
    // One purpose: chosen already.
    let chosen = |p: Purpose| typed.purpose == p.code() || purposes.len() == 1;
    // The latest day it may be, as a date the person reads (the control shows the browser's).
    let today = cazier_shared::domain::bucharest_date(chrono::Utc::now());
    let last = today
        .checked_add_months(chrono::Months::new(12))
        .unwrap_or(today);
    let until_hint = o
        .until_hint
        .replace("{last}", &last.format("%d.%m.%Y").to_string());
    let body = html! {
        (error_summary(ctx, errors, problem))
        h1 { (o.ask_title) }
        (organisation_line(member))
        p { (o.ask_lead) }
        form method="post" action=(Page::OrganisationAsk) novalidate {
            (csrf_field(ctx))
            input type="hidden" name="step" value="check";
            (Input { class: "medium", hint: Some(o.cnp_hint), inputmode: Some("numeric"), ..Input::new("cnp", o.cnp, &typed.cnp) }.render(ctx, errors))
            div.field.has-error[purpose_error.is_some()] #purpose tabindex="-1" {
                fieldset aria-describedby="purpose-hint" {
                    legend { (c.purpose) }
                    span.hint #purpose-hint { (o.purpose_hint) }
                    @if let Some(e) = purpose_error { span.field-error { (lang.field_error(e.code)) } }
                    @for p in &purposes {
                        div.choice {
                            input #{"purpose-" (p.code())} type="radio" name="purpose" value=(p.code()) checked[chosen(*p)];
                            label for={"purpose-" (p.code())} { (purpose_label(ctx, *p)) }
                        }
                    }
                }
            }
            (Input { hint: Some(o.reason_hint), ..Input::new("reason", o.reason, &typed.reason) }.render(ctx, errors))
            div.field #term tabindex="-1" {
                fieldset {
                    legend { (o.term) }
                    div.choice {
                        input #term-one type="radio" name="term" value="ONE_OFF" checked[!continuous];
                        label for="term-one" { (o.one_off) }
                    }
                    div.choice {
                        input #term-until type="radio" name="term" value="UNTIL" checked[continuous];
                        label for="term-until" { (o.continuous) }
                    }
                    (Input { kind: "date", hint: Some(&until_hint), ..Input::new("until", o.until, &typed.until) }.render(ctx, errors))
                }
            }
            @if member.asks_at_desk() {
                div.field {
                    div.choice {
                        input #at_desk type="checkbox" name="at_desk" value="yes" aria-describedby="at_desk-hint" checked[typed.at_desk == "yes"];
                        label for="at_desk" { (o.at_desk) }
                    }
                    span.hint #at_desk-hint { (o.at_desk_hint) }
                }
            }
            button.primary type="submit" { (o.next) }
        }
        p { a href=(Page::Organisation) { (o.cancel) } }
    };
    page(ctx, o.ask_title, body)
}

/// The request, to check before it is sent (GOV.UK's "check your answers"): what was typed,
/// a button that sends it and one that opens the form again as typed.
pub fn check(ctx: &mut Ctx, member: &StaffMember, typed: &AskForm) -> String {
    let (o, c) = (ctx.lang.o(), ctx.lang.c());
    let continuous = typed.term == "UNTIL";
    let purpose = Purpose::parse(&typed.purpose).map(|p| purpose_label(ctx, p));
    let hidden = |ctx: &mut Ctx, step: &str| {
        html! {
            (csrf_field(ctx))
            input type="hidden" name="cnp" value=(typed.cnp);
            input type="hidden" name="purpose" value=(typed.purpose);
            input type="hidden" name="reason" value=(typed.reason);
            input type="hidden" name="term" value=(typed.term);
            input type="hidden" name="until" value=(typed.until);
            input type="hidden" name="at_desk" value=(typed.at_desk);
            input type="hidden" name="step" value=(step);
        }
    };
    let send = hidden(ctx, "send");
    let change = hidden(ctx, "edit");
    let body = html! {
        h1 { (o.check_title) }
        (organisation_line(member))
        p { (o.check_lead) }
        table {
            tbody {
                tr { th scope="row" { (o.cnp) } td { (crate::forms::without_spaces(&typed.cnp)) } }
                tr { th scope="row" { (c.purpose) } td { (purpose.unwrap_or(&typed.purpose)) } }
                tr { th scope="row" { (o.reason) } td { (typed.reason.trim()) } }
                tr { th scope="row" { (o.term) } td {
                    @if continuous { (o.continuous_until) " " (day_text(typed.until.trim())) }
                    @else { (o.one_off) }
                } }
                @if member.asks_at_desk() {
                    tr { th scope="row" { (o.at_desk) } td { (if typed.at_desk == "yes" { o.yes } else { o.no }) } }
                }
            }
        }
        div.actions {
            form method="post" action=(Page::OrganisationAsk) {
                (send)
                button.primary type="submit" { (o.send) }
            }
            form method="post" action=(Page::OrganisationAsk) {
                (change)
                button.secondary type="submit" { (o.change) }
            }
        }
        p { a href=(Page::Organisation) { (o.cancel) } }
    };
    page(ctx, o.check_title, body)
}

/// One consent, as the organisation's staff see it.
pub fn consent(
    ctx: &mut Ctx,
    member: &StaffMember,
    s: &StaffConsent,
    history: &[AuditEvent],
    desk_code: Option<&DeskCodeShown>,
    problem: Option<&str>,
) -> String {
    let (o, c) = (ctx.lang.o(), ctx.lang.c());
    let id = s.view.consent_id.clone();
    let status = s.view.status;
    let body = html! {
        (error_summary(ctx, &[], problem))
        @if let Some(shown) = desk_code.filter(|_| status == ConsentStatus::Pending) {
            div.notice role="status" {
                h2 { (o.desk_code_title) }
                (crate::layout::code_shown(&shown.code))
                p { (o.desk_code_until) " " (bucharest_time(shown.until)) }
                p { (o.desk_code_lead) }
            }
        }
        h1 lang="ro" { (s.reason) }
        (organisation_line(member))
        table {
            tbody {
                tr { th scope="row" { (o.person) } td {
                    @match &s.holder_name {
                        Some(name) => { (name) br; }
                        None if status == ConsentStatus::Pending => { "— (" (o.name_after_accept) ")" br; }
                        None => { "—" br; }
                    }
                    (o.cnp_ending) " " (s.cnp_ending)
                } }
                tr { th scope="row" { (c.purpose) } td { (purpose_label(ctx, s.purpose)) } }
                tr { th scope="row" { (o.sees) } td { (match s.view.level {
                    ConsentLevel::Status => o.sees_status,
                    ConsentLevel::Certificate => o.sees_certificate,
                }) } }
                tr { th scope="row" { (c.term) } td { @match &s.view.until {
                    None => (o.one_off_term),
                    Some(day) => { (c.until) " " (day_text(day)) " " (c.until_after) },
                } } }
                tr { th scope="row" { (c.asked_at) } td { (bucharest_time(s.asked_at)) } }
                tr { th scope="row" { (c.status) } td { (status_tag(ctx, status)) } }
                @if status == ConsentStatus::Pending {
                    tr { th scope="row" { (o.answer_by) } td { (day(s.asked_at + PENDING_FOR)) } }
                }
                @if let (ConsentStatus::Accepted, Some(end)) = (status, s.ends_at) {
                    tr { th scope="row" { (c.works_until) } td { (day(end)) } }
                }
                tr { th scope="row" { (o.extracts) } td { (s.view.extracts) } }
            }
        }
        @if status == ConsentStatus::Accepted {
            h2 { (o.pull_title) }
            p { (match s.view.until { None => o.pull_lead, Some(_) => o.pull_lead_continuous }) }
            form method="post" action=(Page::OrganisationExtract(id.clone())) {
                (csrf_field(ctx))
                button.primary type="submit" { (o.pull) }
            }
        }
        @if status == ConsentStatus::Pending && member.asks_at_desk() && desk_code.is_none() {
            p { (o.new_desk_code_lead) }
            form method="post" action=(Page::OrganisationDeskCode(id)) {
                (csrf_field(ctx))
                button.secondary type="submit" { (o.new_desk_code) }
            }
        }
        (history_table(ctx, history, staff_event_text))
        p { a href=(Page::Organisation) { (o.back) } }
    };
    let title = format!("{} — {}", status_text(ctx, status), s.reason);
    page(ctx, &title, body)
}

/// A consent's history as the organisation reads it (the person's answers in the third
/// person; the rest as the person's page says it).
fn staff_event_text(ctx: &Ctx, e: &AuditEvent) -> String {
    let o = ctx.lang.o();
    match e.event {
        AuditEventKind::ConsentAccepted => o.ev_accepted.to_owned(),
        AuditEventKind::ConsentDeclined => o.ev_declined.to_owned(),
        AuditEventKind::ConsentRevoked => o.ev_revoked.to_owned(),
        AuditEventKind::RecordChanged => o.ev_record_changed.to_owned(),
        _ => event_text(ctx, e),
    }
}

/// `2027-12-31` as `31.12.2027`.
fn day_text(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_else(|_| iso.to_owned())
}

/// The organisation is suspended: nothing may be done in its name.
pub fn suspended(ctx: &mut Ctx) -> String {
    let o = ctx.lang.o();
    let body = html! {
        h1 { (o.suspended_title) }
        p { (o.suspended) }
    };
    page(ctx, o.suspended_title, body)
}

//! The clerk console: find a citizen by counter code, compare the registered details with the
//! document in hand, validate; and the clerk's validations of the day (from the audit trail).

use crate::account::view::document_label;
use crate::context::Ctx;
use crate::layout::{csrf_field, document_fields, error_summary, page, Input};
use cazier_shared::domain::Page;
use cazier_shared::domain::{AccountStatus, FieldError};
use cazier_shared::services::validation::{CounterLookup, CounterValidation};
use chrono_tz::Europe::Bucharest;
use maud::html;

pub fn lookup(
    ctx: &mut Ctx,
    typed: &str,
    errors: &[FieldError],
    today: &[CounterValidation],
) -> String {
    let t = ctx.t();
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (t.console_title) }
        form method="post" action=(Page::Console) novalidate {
            (csrf_field(ctx))
            (Input { hint: Some(t.console_lead), class: "short", ..Input::new("counter_code", t.counter_code, typed) }.render(ctx, errors))
            button.primary type="submit" { (t.lookup_submit) }
        }
        h2 { (t.today_title) }
        @if today.is_empty() {
            p { (t.none_today) }
        } @else {
            table {
                thead { tr { th scope="col" { (t.time) } th scope="col" { (ctx.lang.i().who) } } }
                tbody {
                    @for v in today {
                        tr {
                            td data-label=(t.time) { (v.at.with_timezone(&Bucharest).format("%H:%M")) }
                            td data-label=(ctx.lang.i().who) { (v.who.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
        }
    };
    page(ctx, t.console_title, body)
}

/// What the clerk typed: the document in hand, the names as read off it, the checklist
/// ticked, and (after a mismatch) the CNP read off the document.
pub struct Typed<'a> {
    pub document: (&'a str, &'a str, &'a str),
    pub names: (&'a str, &'a str),
    pub checked: bool,
    /// `Some` once the document in hand was found to differ from the registered one.
    pub document_cnp: Option<&'a str>,
}

/// The registered details beside the form for the document in hand.
pub fn validate(
    ctx: &mut Ctx,
    citizen: &CounterLookup,
    typed: Typed,
    errors: &[FieldError],
) -> String {
    let (t, i) = (ctx.t(), ctx.lang.i());
    let action = Page::Registered(citizen.account_id.clone());
    let document_error = errors
        .iter()
        .find(|e| e.field == "id_document")
        .map(|e| ctx.lang.field_error(e.code));
    // Until the clerk types otherwise, the names as registered.
    let (last, first) = match typed.names {
        ("", "") => (citizen.last_name.as_str(), citizen.first_name.as_str()),
        names => names,
    };
    let optional = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (citizen.last_name) " " (citizen.first_name) }
        @if citizen.status == AccountStatus::Validated {
            // Nothing to do: said first, before the details and before any document.
            div.notice role="status" { p { strong { (t.already_validated) } } }
        }
        h2 { (t.registered_title) }
        table {
            tbody {
                tr { th scope="row" { (t.last_name) } td { (citizen.last_name) } }
                tr { th scope="row" { (t.first_name) } td { (citizen.first_name) } }
                tr { th scope="row" { "CNP" } td { (citizen.cnp) } }
                tr { th scope="row" { (t.id_document) } td { (document_label(ctx, &citizen.id_document)) } }
                tr { th scope="row" { (t.father_first_name) } td { (optional(&citizen.father_first_name)) } }
                tr { th scope="row" { (t.mother_first_name) } td { (optional(&citizen.mother_first_name)) } }
                tr { th scope="row" { (t.birth_place) } td { (optional(&citizen.birth_place)) } }
            }
        }
        @if citizen.status != AccountStatus::Validated {
        h2 { (t.in_hand) }
        @if typed.document_cnp.is_some() {
            // Not a dead end: a newer document of the same person is recorded.
            div.warn role="status" {
                h3 { (i.document_differs_title) }
                p { (i.document_differs.replace("{registered}", &document_label(ctx, &citizen.id_document))) }
                p { (i.document_differs_say) }
            }
        }
        form method="post" action=(action) novalidate {
            (csrf_field(ctx))
            (document_fields(ctx, typed.document, Some(t.in_hand_hint), document_error))
            @if let Some(cnp) = typed.document_cnp {
                (Input { hint: Some(i.document_cnp_hint), inputmode: Some("numeric"), class: "medium", ..Input::new("document_cnp", i.document_cnp, cnp) }.render(ctx, errors))
            }
            fieldset {
                legend { (i.document_names) }
                span.hint { (i.document_names_hint) }
                (Input { autocomplete: "off", ..Input::new("last_name", t.last_name, last) }.render(ctx, errors))
                (Input { autocomplete: "off", ..Input::new("first_name", t.first_name, first) }.render(ctx, errors))
            }
            @let checklist_error = errors.iter().any(|e| e.field == "checked");
            div.field.has-error[checklist_error] #checked-field {
                fieldset aria-describedby=[checklist_error.then_some("checked-error")] {
                    legend { (i.checklist) }
                    ul { @for item in i.checklist_items { li { (item) } } }
                    @if checklist_error { span.field-error #checked-error { (i.err_checklist) } }
                    div.choice {
                        input #checked type="checkbox" name="checked" value="yes" checked[typed.checked];
                        label for="checked" { (i.checklist_confirm) }
                    }
                }
            }
            button.primary type="submit" { (t.validate_submit) }
        }
        }
        p { a href=(Page::Console) { (t.next_citizen) } }
    };
    page(ctx, t.console_title, body)
}

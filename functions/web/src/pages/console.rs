//! The clerk console: find a citizen by counter code, compare the registered details with the
//! document in hand, validate; and the clerk's validations of the day (from the audit trail).

use crate::context::Ctx;
use crate::layout::{csrf_field, document_fields, error_summary, page, Input};
use cazier_shared::domain::{FieldError, IdDocument};
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
        form method="post" action="/ghiseu" novalidate {
            (csrf_field(ctx))
            (Input { hint: Some(t.console_lead), class: "short", ..Input::new("counter_code", t.counter_code, typed) }.render(ctx, errors))
            button.primary type="submit" { (t.lookup_submit) }
        }
        h2 { (t.today_title) }
        @if today.is_empty() {
            p { (t.none_today) }
        } @else {
            table {
                thead { tr { th scope="col" { (t.time) } th scope="col" { (t.account_id) } } }
                tbody {
                    @for v in today {
                        tr {
                            td data-label=(t.time) { (v.at.with_timezone(&Bucharest).format("%H:%M")) }
                            td data-label=(t.account_id) { (v.account_id.as_str()) }
                        }
                    }
                }
            }
        }
    };
    page(ctx, t.console_title, body)
}

fn document_text(d: &IdDocument) -> String {
    serde_json::to_value(d)
        .ok()
        .map(|v| {
            [
                v["type"].as_str(),
                v["series"].as_str(),
                v["number"].as_str(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
        })
        .unwrap_or_default()
}

/// The registered details beside the form for the document in hand.
pub fn validate(
    ctx: &mut Ctx,
    citizen: &CounterLookup,
    typed: (&str, &str, &str),
    errors: &[FieldError],
) -> String {
    let t = ctx.t();
    let action = format!("/ghiseu/cont/{}", citizen.account_id);
    let error = errors.first().map(|e| ctx.lang.field_error(e.code));
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (citizen.last_name) " " (citizen.first_name) }
        h2 { (t.registered_title) }
        table {
            tbody {
                tr { th scope="row" { (t.last_name) } td { (citizen.last_name) } }
                tr { th scope="row" { (t.first_name) } td { (citizen.first_name) } }
                tr { th scope="row" { "CNP" } td { (citizen.cnp) } }
                tr { th scope="row" { (t.id_document) } td { (document_text(&citizen.id_document)) } }
            }
        }
        h2 { (t.in_hand) }
        form method="post" action=(action) novalidate {
            (csrf_field(ctx))
            (document_fields(ctx, typed, Some(t.in_hand_hint), error))
            button.primary type="submit" { (t.validate_submit) }
        }
        p { a href="/ghiseu" { (t.next_citizen) } }
    };
    page(ctx, t.console_title, body)
}

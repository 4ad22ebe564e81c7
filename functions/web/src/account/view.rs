//! "Your details": what the citizen declared, as the certificate will print it, and (until the
//! account is validated) a form to correct it, filled in with what is registered.

use crate::context::Ctx;
use crate::forms::{person_fields, Registration};
use crate::layout::{csrf_field, error_summary, page};
use cazier_shared::domain::Page;
use cazier_shared::domain::{AccountStatus, ValidationMethod};
use cazier_shared::domain::{FieldError, IdDocument, Name, Person};
use cazier_shared::services::accounts::AccountView;
use cazier_shared::services::declared::Declared;
use maud::{html, Markup};

/// The form's values as registered (the CNP whole: this page is its holder's only).
pub fn registered(person: &Person) -> Registration {
    let text = |n: &Option<Name>| {
        n.as_ref()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default()
    };
    let (document, series, number) = match &person.id_document {
        IdDocument::Ci { series, number } => ("CI", series.clone(), number.clone()),
        IdDocument::Passport { number } => ("PASSPORT", String::new(), number.clone()),
    };
    Registration {
        email: String::new(),
        cnp: person.cnp.as_string(),
        last_name: person.last_name.as_str().to_owned(),
        first_name: person.first_name.as_str().to_owned(),
        father_first_name: text(&person.father_first_name),
        mother_first_name: text(&person.mother_first_name),
        birth_place: text(&person.birth_place),
        document: document.to_owned(),
        series,
        number,
    }
}

/// The declared data as certificates print them (the CNP masked).
/// An identity document as people read it: "Carte de identitate RX 123456", "Pașaport …".
pub fn document_label(ctx: &Ctx, document: &IdDocument) -> String {
    let t = ctx.t();
    match document {
        IdDocument::Ci { series, number } => format!("{} {series} {number}", t.id_ci),
        IdDocument::Passport { number } => format!("{} {number}", t.id_passport),
    }
}

pub fn facts(ctx: &Ctx, p: &Person) -> Markup {
    let (t, d) = (ctx.t(), ctx.lang.d());
    let or_none = |n: &Option<Name>| {
        n.as_ref()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_else(|| format!("— ({})", d.not_declared))
    };
    let document = document_label(ctx, &p.id_document);
    html! {
        dl.facts {
            div { dt { (t.last_name) " / " (t.first_name) } dd { (p.full_name()) } }
            div { dt { "CNP" } dd { (p.cnp.masked()) } }
            div { dt { (t.father_first_name) } dd { (or_none(&p.father_first_name)) } }
            div { dt { (t.mother_first_name) } dd { (or_none(&p.mother_first_name)) } }
            div { dt { (t.birth_place) } dd { (or_none(&p.birth_place)) } }
            div { dt { (t.id_document) } dd { (document) } }
        }
    }
}

pub fn declared(
    ctx: &mut Ctx,
    declared: &Declared,
    typed: Option<&Registration>,
    errors: &[FieldError],
    problem: Option<&str>,
) -> String {
    let (t, d) = (ctx.t(), ctx.lang.d());
    let p = &declared.person;
    let values = typed.cloned().unwrap_or_else(|| registered(p));
    let body = html! {
        (error_summary(ctx, errors, problem))
        h1 { (d.title) }
        p.lead { @if declared.changeable { (d.lead_pending) } @else { (d.lead_validated) } }
        (facts(ctx, p))
        @if declared.changeable {
            h2 #change { (d.change_title) }
            p { (d.change_lead) }
            form method="post" action=(Page::Declared) novalidate {
                (csrf_field(ctx))
                (person_fields(ctx, &values, errors))
                div.actions {
                    button.primary type="submit" { (d.save) }
                    a href=(Page::Account) { (d.cancel) }
                }
            }
        } @else {
            p { (d.new_document) }
            p { a href=(Page::Account) { (t.nav_account) } }
        }
    };
    page(ctx, d.title, body)
}

/// What the account page shows besides the account itself.
pub struct Shown<'a> {
    pub counter_code: Option<&'a str>,
    pub awaiting_confirmation: bool,
    pub declared: Option<&'a Declared>,
    /// Requests for consent waiting for the holder's answer.
    pub consents_waiting: usize,
}

// The account page: who the holder is, and how to validate.
pub fn account(ctx: &mut Ctx, me: &AccountView, shown: Shown) -> String {
    let Shown {
        counter_code,
        awaiting_confirmation,
        declared,
        consents_waiting,
    } = shown;
    let (t, i) = (ctx.t(), ctx.lang.i());
    let name = format!(
        "{} {}",
        me.last_name.as_deref().unwrap_or_default(),
        me.first_name.as_deref().unwrap_or_default()
    );
    let body = html! {
        h1 { (t.account_title) }
        @if awaiting_confirmation {
            div.notice { p { a href=(Page::Proven) { (i.awaiting_link) } } }
        }
        @if consents_waiting > 0 {
            div.notice { p { a href=(Page::Consents) { (ctx.lang.consents_waiting(consents_waiting)) } } }
        }
        table {
            tbody {
                tr { th scope="row" { (t.last_name) " / " (t.first_name) } td { (name) } }
                tr { th scope="row" { (t.email) } td { (me.email) } }
                tr { th scope="row" { "CNP" } td { (me.cnp_masked.as_deref().unwrap_or_default()) } }
                tr {
                    th scope="row" { (t.status) }
                    td {
                        @match (&me.status, &me.validation) {
                            (AccountStatus::Validated, Some(v)) => {
                                strong.tag { (t.status_validated) } " "
                                (match v.method {
                                    ValidationMethod::Counter => t.validated_by_counter,
                                    ValidationMethod::Ghiseul => t.validated_by_ghiseul,
                                    ValidationMethod::Roeid => t.validated_by_roeid,
                                })
                            }
                            (AccountStatus::Validated, None) => strong.tag { (t.status_validated) },
                            _ => strong.tag.off { (t.status_pending) },
                        }
                    }
                }
            }
        }
        @if let Some(declared) = declared.filter(|d| d.changeable) {
            // Check your answers: what will be printed, before anyone validates it.
            section.panel aria-labelledby="declared-title" {
                h2 #declared-title { (ctx.lang.d().check_title) }
                p { (ctx.lang.d().check_lead) }
                (facts(ctx, &declared.person))
                p { a href={(Page::Declared) "#change"} { (ctx.lang.d().change_title) } }
            }
        } @else if me.cnp_masked.is_some() {
            p { a href=(Page::Declared) { (ctx.lang.d().link_validated) } }
        }
        p { a href=(Page::ChangePassword) { (i.change_link) } }
        @if me.status == AccountStatus::Validated {
            p { a href=(Page::Consents) { (ctx.lang.c().title) } }
            p { a.primary href=(Page::NewRequest) { (t.nav_request) } }
        } @else {
            @if let Some(day) = me.validate_before {
                p { (i.validate_before) " " strong { (day.format("%d.%m.%Y")) } " " (i.validate_before_after) }
            }
            h2 { (t.validate_title) }
            div.panel {
                p { (t.counter_code) ":" }
                p.code {
                    span aria-hidden="true" { (counter_code.unwrap_or_default()) }
                    span.skip { (counter_code.map(spelled).unwrap_or_default()) }
                }
                p { (t.counter_how) }
                p { (t.counter_bring) }
            }
            h2 { (t.validate_online) }
            p { (t.validate_online_how) }
            div.actions {
                form method="post" action=(Page::GhiseulStart) {
                    (csrf_field(ctx))
                    button.primary type="submit" { (t.validate_ghiseul) }
                }
                form method="post" action=(Page::RoeidStart) {
                    (csrf_field(ctx))
                    button.primary type="submit" { (t.validate_roeid) }
                }
            }
        }
    };
    page(ctx, t.account_title, body)
}

/// A code read out one character at a time by screen readers (hyphens are read as pauses).
pub(crate) fn spelled(code: &str) -> String {
    code.split('-')
        .map(|group| {
            group
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

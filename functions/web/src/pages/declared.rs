//! "Your details": what the citizen declared, as the certificate will print it, and (until the
//! account is validated) a form to correct it, filled in with what is registered.

use crate::context::Ctx;
use crate::layout::{csrf_field, error_summary, page};
use crate::pages::forms::{person_fields, Registration};
use cazier_shared::domain::Page;
use cazier_shared::domain::{FieldError, IdDocument, Name, Person};
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
pub fn facts(ctx: &Ctx, p: &Person) -> Markup {
    let (t, d) = (ctx.t(), ctx.lang.d());
    let or_none = |n: &Option<Name>| {
        n.as_ref()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_else(|| format!("— ({})", d.not_declared))
    };
    let document = match &p.id_document {
        IdDocument::Ci { series, number } => format!("{} {series} {number}", t.id_ci),
        IdDocument::Passport { number } => format!("{} {number}", t.id_passport),
    };
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

//! Creating an account and signing in: forms that keep what was typed and show every error
//! next to its field and in a summary at the top.

use crate::context::{Ctx, FormData};
use crate::layout::{csrf_field, document_fields, error_summary, page, Input};
use cazier_shared::domain::Page;
use cazier_shared::domain::{FieldCode, FieldError};
use cazier_shared::services::accounts::IdDocumentDto;
use cazier_shared::services::declared::DeclaredDto;
use maud::{html, Markup};

/// What was typed in the registration form (never the password: it is not sent back).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct Registration {
    pub email: String,
    pub cnp: String,
    pub last_name: String,
    pub first_name: String,
    pub father_first_name: String,
    pub mother_first_name: String,
    pub birth_place: String,
    #[serde(rename = "id_document")]
    pub document: String,
    pub series: String,
    pub number: String,
}

/// A field left empty is told so ("this field is required"), not that its value is wrong.
pub fn missing_said(mut errors: Vec<FieldError>, form: &FormData) -> Vec<FieldError> {
    for e in errors.iter_mut() {
        let said_wrong = matches!(
            e.code,
            FieldCode::InvalidName | FieldCode::InvalidCnp | FieldCode::InvalidEmail
        );
        if said_wrong && form.text(e.field.as_str()).trim().is_empty() {
            e.code = FieldCode::Required;
        }
    }
    errors
}

/// The civil-status fields a citizen types (registering, or correcting them): CNP, names,
/// parents' names, place of birth, the identity document.
pub fn person_fields(ctx: &Ctx, typed: &Registration, errors: &[FieldError]) -> Markup {
    let t = ctx.t();
    let optional = |label: &str| format!("{label} {}", t.optional);
    let (father, mother, place) = (
        optional(t.father_first_name),
        optional(t.mother_first_name),
        optional(t.birth_place),
    );
    let document_error = errors
        .iter()
        .any(|e| e.field == "id_document")
        .then(|| ctx.lang.field_error(FieldCode::InvalidIdDocument));
    html! {
        (Input { hint: Some(t.cnp_hint), class: "short", inputmode: Some("numeric"), ..Input::new("cnp", t.cnp, &typed.cnp) }.render(ctx, errors))
        (Input { autocomplete: "family-name", ..Input::new("last_name", t.last_name, &typed.last_name) }.render(ctx, errors))
        (Input { autocomplete: "given-name", ..Input::new("first_name", t.first_name, &typed.first_name) }.render(ctx, errors))
        (Input::new("father_first_name", &father, &typed.father_first_name).render(ctx, errors))
        (Input::new("mother_first_name", &mother, &typed.mother_first_name).render(ctx, errors))
        (Input::new("birth_place", &place, &typed.birth_place).render(ctx, errors))
        (document_fields(ctx, (&typed.document, &typed.series, &typed.number), None, document_error))
    }
}

/// The civil-status part of the form as the services take it.
/// The civil-status part of the form as the API takes it. A CNP and a document number are
/// often typed in groups, as printed ("1 900101 ...", "123 456"): the spaces mean nothing
/// here (the API, whose schema has no spaces, refuses them).
pub fn declared_dto(typed: &Registration) -> DeclaredDto {
    let optional = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    DeclaredDto {
        cnp: without_spaces(&typed.cnp),
        last_name: typed.last_name.clone(),
        first_name: typed.first_name.clone(),
        father_first_name: optional(&typed.father_first_name),
        mother_first_name: optional(&typed.mother_first_name),
        birth_place: optional(&typed.birth_place),
        id_document: IdDocumentDto {
            series: (typed.document != "PASSPORT").then(|| typed.series.trim().to_owned()),
            kind: typed.document.clone(),
            number: without_spaces(&typed.number),
        },
    }
}

/// The text without any space (typed in groups, or pasted with a tab or a no-break space).
pub fn without_spaces(typed: &str) -> String {
    typed.chars().filter(|c| !c.is_whitespace()).collect()
}

pub fn register(
    ctx: &mut Ctx,
    typed: &Registration,
    errors: &[FieldError],
    problem: Option<&str>,
) -> String {
    let t = ctx.t();
    let body = html! {
        (error_summary(ctx, errors, problem))
        h1 { (t.register_title) }
        p.lead { (t.register_lead) }
        form method="post" action=(Page::Register) novalidate {
            (csrf_field(ctx))
            (Input { kind: "email", autocomplete: "email", ..Input::new("email", t.email, &typed.email) }.render(ctx, errors))
            (Input { kind: "password", autocomplete: "new-password", hint: Some(if errors.is_empty() && problem.is_none() { t.password_hint } else { t.password_again }), ..Input::new("password", t.password, "") }.render(ctx, errors))
            (person_fields(ctx, typed, errors))
            button.primary type="submit" { (t.create_account) }
        }
        p { a href=(Page::SignIn) { (t.have_account) } }
    };
    page(ctx, t.register_title, body)
}

/// The sign-in form: a field left empty is said at its field; a refused sign-in as one
/// problem for both (which of the two was wrong is never said).
pub fn sign_in(ctx: &mut Ctx, email: &str, errors: &[FieldError], problem: Option<&str>) -> String {
    let t = ctx.t();
    let body = html! {
        (error_summary(ctx, errors, problem))
        h1 { (t.sign_in_title) }
        form method="post" action=(Page::SignIn) novalidate {
            (csrf_field(ctx))
            (Input { kind: "email", autocomplete: "username", ..Input::new("email", t.email, email) }.render(ctx, errors))
            (Input { kind: "password", autocomplete: "current-password", ..Input::new("password", t.password, "") }.render(ctx, errors))
            button.primary type="submit" { (t.sign_in) }
        }
        p { a href=(Page::ForgotPassword) { (ctx.lang.i().forgot_link) } }
        p { a href=(Page::Register) { (t.no_account) } }
    };
    page(ctx, t.sign_in_title, body)
}

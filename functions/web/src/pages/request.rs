//! A new request: the purpose, for whom (the citizen, or a company they represent), and what
//! the certificate will print, before anything is sent.

use crate::context::Ctx;
use crate::layout::{csrf_field, error_summary, page, Input};
use cazier_shared::domain::Page;
use cazier_shared::domain::{FieldError, Purpose};
use cazier_shared::services::accounts::PrintedDetails;
use maud::html;

/// What the citizen chose, shown again with errors.
#[derive(Default)]
pub struct Chosen {
    pub purpose: String,
    /// `SELF` or `LEGAL_PERSON`.
    pub subject: String,
    pub cui: String,
}

pub fn new_request(
    ctx: &mut Ctx,
    chosen: &Chosen,
    errors: &[FieldError],
    printed: Option<&PrintedDetails>,
) -> String {
    let (t, r) = (ctx.t(), ctx.lang.r());
    let lang = ctx.lang;
    let purpose_error = errors.iter().find(|e| e.field == "purpose");
    let company = chosen.subject == "LEGAL_PERSON";
    let declared = |v: &Option<String>| match v {
        Some(v) => format!("{v} {}", r.declared),
        None => r.not_given.to_owned(),
    };
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (t.request_title) }
        form method="post" action=(Page::NewRequest) novalidate {
            (csrf_field(ctx))
            div.field.has-error[purpose_error.is_some()] #purpose tabindex="-1" {
                fieldset aria-describedby="purpose-hint" {
                    legend { (t.purpose) }
                    span.hint #purpose-hint { (t.request_lead) }
                    @if let Some(e) = purpose_error { span.field-error { (lang.field_error(e.code)) } }
                    @for p in Purpose::ALL {
                        div.choice {
                            input #{"purpose-" (p.code())} type="radio" name="purpose" value=(p.code())
                                checked[chosen.purpose == p.code()];
                            label for={"purpose-" (p.code())} { (lang.purpose(p)) }
                        }
                    }
                }
            }
            fieldset {
                legend { (r.for_whom) }
                div.choice {
                    input #subject-self type="radio" name="subject" value="SELF" checked[!company];
                    label for="subject-self" { (r.for_me) }
                }
                div.choice {
                    input #subject-company type="radio" name="subject" value="LEGAL_PERSON" checked[company];
                    label for="subject-company" { (r.for_company) }
                }
                span.hint { (r.for_company_hint) }
                (Input { class: "medium", hint: Some(r.cui_hint), inputmode: Some("numeric"), ..Input::new("subject.cui", r.cui, &chosen.cui) }.render(ctx, errors))
            }
            @if let Some(p) = printed {
                section.panel aria-labelledby="preview-title" {
                    h2 #preview-title { (r.preview_title) }
                    p { (r.preview_lead) }
                    dl.facts {
                        div { dt { (r.holder) } dd { (p.holder_name) } }
                        div { dt { "CNP" } dd { (p.cnp_masked) } }
                        div { dt { (r.father) } dd { (declared(&p.father_first_name)) } }
                        div { dt { (r.mother) } dd { (declared(&p.mother_first_name)) } }
                        div { dt { (r.birth_place) } dd { (declared(&p.birth_place)) } }
                    }
                    p { (r.company_preview) }
                    p { (r.wrong_details) }
                }
            }
            button.primary type="submit" { (t.submit_request) }
        }
    };
    page(ctx, t.request_title, body)
}

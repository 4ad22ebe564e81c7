//! A new request: the purpose, for whom (the citizen, or a company they represent), and what
//! the certificate will print, before anything is sent.

use crate::context::Ctx;
use crate::layout::page_refreshing;
use crate::layout::{csrf_field, error_summary, page, Input};
use cazier_shared::domain::Page;
use cazier_shared::domain::RequestStatus;
use cazier_shared::domain::{FieldError, Purpose};
use cazier_shared::services::accounts::PrintedDetails;
use cazier_shared::services::requests::RequestView;
use maud::html;

/// What the citizen chose, as the form sends it and as it is shown again with errors.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Chosen {
    pub purpose: String,
    /// `SELF` or `LEGAL_PERSON`.
    pub subject: String,
    #[serde(rename = "subject.cui")]
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

/// How many times the status page reloads itself while the certificate is being made (five
/// seconds apart, a minute), before it stops and offers a button; a link stops it at once
/// (WCAG 2.2.1).
pub const STATUS_REFRESHES: u32 = 12;
/// Seconds between two reloads.
const STATUS_REFRESH_SECS: u32 = 5;

/// The request's status; `refreshed`: how many times the page has reloaded itself so far.
pub fn status(ctx: &mut Ctx, request: &RequestView, refreshed: u32) -> String {
    let t = ctx.t();
    let lang = ctx.lang;
    let purpose = Purpose::parse(request.purpose)
        .map(|p| lang.purpose(p))
        .unwrap_or_default();
    let body = html! {
        h1 { (t.status_title) }
        p { (t.purpose) ": " strong { (purpose) } }
        div role="status" {
            @match request.status {
                RequestStatus::Pending if refreshed >= STATUS_REFRESHES => div.panel {
                    p { strong { (t.req_pending) } }
                    p { (t.req_still_pending) }
                    p { a.primary href=(Page::Request(request.request_id.clone())) { (t.check_again) } }
                },
                RequestStatus::Pending => div.panel {
                    p { strong { (t.req_pending) } }
                    p { (t.req_pending_hint) }
                    p { a href={(Page::Request(request.request_id.clone())) "?reincarcat=" (STATUS_REFRESHES)} { (t.stop_refreshing) } }
                },
                RequestStatus::Issued => div.notice {
                    p { strong { (t.req_issued) } }
                    @if let Some(n) = &request.certificate_number {
                        p { (t.number) ": " (n.as_str()) }
                        p { a.primary href=(Page::CertificatePdf(n.clone())) download { (t.download) } }
                        p { a href=(Page::Contents(n.clone())) { (ctx.lang.e().title) } }
                    }
                },
                RequestStatus::Rejected => div.warn {
                    p { strong { (t.req_rejected) } }
                    @if let Some(code) = request.rejection_code { p { (lang.rejection(code)) } }
                },
            }
        }
    };
    // While it is being made, the browser itself asks again in a few seconds (no script),
    // a bounded number of times; the title says the outcome.
    let refresh =
        (request.status == RequestStatus::Pending && refreshed < STATUS_REFRESHES).then(|| {
            let page = Page::Request(request.request_id.clone());
            let next = format!("{page}?reincarcat={}", refreshed + 1);
            (STATUS_REFRESH_SECS, next)
        });
    let issued_next = request
        .certificate_number
        .as_ref()
        .filter(|_| request.status == RequestStatus::Issued)
        .map(|n| {
            html! {
                h2 { (t.what_next) }
                ul {
                    li { (t.next_valid) }
                    li { a href=(Page::ShareCodes(n.clone())) { (t.next_share) } }
                    li { (t.next_check) " " a href=(Page::Verify) { (t.verify_link) } }
                }
            }
        });
    let body = html! { (body) @if let Some(next) = issued_next { (next) } };
    let title = match request.status {
        RequestStatus::Pending => t.status_title,
        RequestStatus::Issued => t.issued_title,
        RequestStatus::Rejected => t.rejected_title,
    };
    page_refreshing(ctx, title, body, refresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cazier_shared::domain::RequestId;

    fn view(status: RequestStatus) -> RequestView {
        RequestView {
            request_id: RequestId::from("r-1".to_owned()),
            status,
            purpose: "ANGAJARE",
            created_at: chrono::Utc::now(),
            certificate_number: (status == RequestStatus::Issued)
                .then(|| cazier_shared::domain::CertificateNumber::parse("CJ-2026-00000001"))
                .flatten(),
            rejection_code: None,
        }
    }

    fn render(status: RequestStatus, refreshed: u32) -> String {
        let req = lambda_http::http::Request::builder()
            .uri("/cereri/r-1")
            .body(lambda_http::Body::Empty)
            .unwrap();
        let mut ctx = Ctx::new(&req, "default-src 'none'".into());
        status_page(&mut ctx, &view(status), refreshed)
    }

    use super::status as status_page;

    #[test]
    fn the_status_page_reloads_itself_a_bounded_number_of_times_then_offers_a_button() {
        let first = render(RequestStatus::Pending, 0);
        assert!(
            first.contains(r#"content="5; url=/cereri/r-1?reincarcat=1""#),
            "{first}"
        );
        let last = render(RequestStatus::Pending, STATUS_REFRESHES - 1);
        assert!(last.contains(&format!("reincarcat={STATUS_REFRESHES}")));
        let stopped = render(RequestStatus::Pending, STATUS_REFRESHES);
        assert!(!stopped.contains("http-equiv=\"refresh\""), "{stopped}");
        assert!(
            stopped.contains(r#"href="/cereri/r-1""#),
            "a button to look again"
        );
        // The outcome is in the title, for the tab and for screen readers.
        let issued = render(RequestStatus::Issued, 3);
        assert!(!issued.contains("http-equiv=\"refresh\""));
        assert!(issued.contains("<title>Certificat eliberat"), "{issued}");
        // What next: validity, a share code, how others check it.
        assert!(
            issued.contains("Ce urmează")
                && issued.contains("/certificate/CJ-2026-00000001/coduri")
        );
    }
}

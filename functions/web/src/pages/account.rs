//! The citizen's own pages: the account and how to validate it, a new request, a request's
//! status, the certificates.

use crate::context::Ctx;
use crate::layout::{csrf_field, page, page_refreshing};
use cazier_shared::domain::Page;
use cazier_shared::domain::{
    bucharest_date, AccountStatus, CertificateStatus, CheckResult, Purpose, RequestStatus,
    ValidationMethod,
};
use cazier_shared::services::accounts::AccountView;
use cazier_shared::services::checks::{CheckChannel, Checks};
use cazier_shared::services::declared::Declared;
use cazier_shared::services::requests::{CertificateSummary, RequestView};
use maud::{html, Markup};

pub fn account(
    ctx: &mut Ctx,
    me: &AccountView,
    counter_code: Option<&str>,
    awaiting_confirmation: bool,
    declared: Option<&Declared>,
) -> String {
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
                (super::declared::facts(ctx, &declared.person))
                p { a href={(Page::Declared) "#change"} { (ctx.lang.d().change_title) } }
            }
        } @else if me.cnp_masked.is_some() {
            p { a href=(Page::Declared) { (ctx.lang.d().link_validated) } }
        }
        p { a href=(Page::ChangePassword) { (i.change_link) } }
        @if me.status == AccountStatus::Validated {
            p { a.primary href=(Page::NewRequest) { (t.nav_request) } }
        } @else {
            @if let Some(day) = me.validate_before {
                p { (i.validate_before) " " strong { (day.format("%d.%m.%Y")) } " " (i.validate_before_after) }
            }
            h2 { (t.validate_title) }
            div.panel {
                p { (t.counter_code) ":" }
                p.code aria-label=(counter_code.map(spelled).unwrap_or_default()) {
                    (counter_code.unwrap_or_default())
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

pub(crate) fn status_tag(ctx: &Ctx, status: CertificateStatus) -> Markup {
    let t = ctx.t();
    html! {
        @match status {
            CertificateStatus::Valid => span.tag { (t.cert_valid) },
            CertificateStatus::Expired => span.tag.off { (t.cert_expired) },
            CertificateStatus::Revoked => span.tag.bad { (t.cert_revoked) },
        }
    }
}

pub fn certificates(ctx: &mut Ctx, list: &[CertificateSummary]) -> String {
    let t = ctx.t();
    let lang = ctx.lang;
    let body = html! {
        h1 { (t.certificates_title) }
        @if list.is_empty() {
            p { (t.no_certificates) }
            p { a.primary href=(Page::NewRequest) { (t.nav_request) } }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (t.number) } th scope="col" { (t.purpose) }
                    th scope="col" { (t.issued_on) } th scope="col" { (t.valid_until) }
                    th scope="col" { (t.cert_status) } th scope="col" { span.skip { "PDF" } }
                } }
                tbody {
                    @for c in list {
                        tr {
                            td data-label=(t.number) { (c.certificate_number.as_str()) }
                            td data-label=(t.purpose) { (Purpose::parse(c.purpose).map(|p| lang.purpose(p)).unwrap_or_default()) }
                            td data-label=(t.issued_on) { (bucharest_date(c.issued_at).format("%d.%m.%Y")) }
                            td data-label=(t.valid_until) { (c.valid_until.format("%d.%m.%Y")) }
                            td data-label=(t.cert_status) { (status_tag(ctx, c.status)) }
                            td {
                                a href=(Page::CertificatePdf(c.certificate_number.clone())) download {
                                    (t.download) span.skip { " " (c.certificate_number.as_str()) }
                                }
                                br;
                                a href=(Page::ShareCodes(c.certificate_number.clone())) {
                                    (ctx.lang.s().link) span.skip { " " (c.certificate_number.as_str()) }
                                }
                                br;
                                a href=(Page::Contents(c.certificate_number.clone())) {
                                    (ctx.lang.e().link) span.skip { " " (c.certificate_number.as_str()) }
                                }
                                br;
                                a href=(Page::Checks(c.certificate_number.clone())) {
                                    (t.checks_link) span.skip { " " (c.certificate_number.as_str()) }
                                }
                                @if c.status == CertificateStatus::Valid {
                                    form method="post" action=(Page::WalletOffer(c.certificate_number.clone())) {
                                        (csrf_field(ctx))
                                        button.secondary type="submit" {
                                            (ctx.lang.w().add) span.skip { " " (c.certificate_number.as_str()) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, t.certificates_title, body)
}

/// "Who checked my certificate": when, how and with what answer; never who.
pub fn checks(ctx: &mut Ctx, checks: &Checks) -> String {
    let t = ctx.t();
    let answer = |result: CheckResult| match result {
        CheckResult::Valid => t.cert_valid,
        CheckResult::Expired => t.cert_expired,
        CheckResult::Revoked => t.cert_revoked,
        CheckResult::NotFound => t.check_not_found,
        CheckResult::Tampered => t.check_tampered,
        CheckResult::NotIssuedHere => t.check_not_issued_here,
        CheckResult::RevocationNotChecked => t.check_not_checked,
    };
    let body = html! {
        h1 { (t.checks_title) }
        p { strong { (checks.certificate_number.as_str()) } }
        p { (t.checks_intro) }
        @if checks.checks.is_empty() {
            p { (t.checks_none) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (t.checked_at) } th scope="col" { (t.check_channel) }
                    th scope="col" { (t.check_result) }
                } }
                tbody {
                    @for c in &checks.checks {
                        tr {
                            td data-label=(t.checked_at) { (bucharest_time(c.at)) }
                            td data-label=(t.check_channel) {
                                @match c.channel {
                                    CheckChannel::NumberAndCnp => (t.channel_number),
                                    CheckChannel::Document => (t.channel_document),
                                    CheckChannel::ShareCode => {
                                        (t.channel_share)
                                        @if let Some(o) = &c.organisation { " (" (o) ")" }
                                    },
                                    CheckChannel::Wallet => {
                                        (t.channel_wallet)
                                        @if let Some(o) = &c.organisation { " (" (o) ")" }
                                    },
                                }
                            }
                            td data-label=(t.check_result) { (answer(c.result)) }
                        }
                    }
                }
            }
        }
        p { a href=(Page::Certificates) { (t.back_to_certificates) } }
    };
    page(ctx, t.checks_title, body)
}

/// A time as read in Romania: `02.12.2026 14:05`.
pub(crate) fn bucharest_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Bucharest)
        .format("%d.%m.%Y %H:%M")
        .to_string()
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

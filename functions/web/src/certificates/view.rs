//! The certificates: the list, each one's "who checked" list.

use crate::context::Ctx;
use crate::layout::{csrf_field, page};
use cazier_shared::domain::Page;
use cazier_shared::domain::{bucharest_date, CertificateStatus, CheckResult, Purpose};
use cazier_shared::services::checks::{CheckChannel, Checks};
use cazier_shared::services::requests::CertificateSummary;
use maud::{html, Markup};

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

//! Share codes in the portal: the holder's codes for one certificate (make, copy, revoke), and
//! the public page where a third party uses one (a form: the code travels in the body only).

use crate::context::Ctx;
use crate::layout::{csrf_field, error_summary, page, Input};
use cazier_shared::domain::Page;
use cazier_shared::domain::{
    bucharest_date, last_bucharest_day, CertificateStatus, FieldError, Purpose, ShareStatus,
};
use cazier_shared::services::requests::CertificateSummary;
use cazier_shared::services::shares::{CreatedShare, ShareView, SharedCertificate};
use maud::{html, Markup};

/// What the holder's codes page shows besides the list.
#[derive(Default)]
pub struct CodesPage<'a> {
    pub created: Option<&'a CreatedShare>,
    pub typed_expiry: &'a str,
    pub errors: &'a [FieldError],
    pub problem: Option<&'static str>,
    /// Where the portal is reached, to name the page the third party opens.
    pub origin: &'a str,
}

/// The holder's codes for one certificate, newest first, and the form for a new one.
pub fn codes(
    ctx: &mut Ctx,
    certificate: &CertificateSummary,
    shares: &[ShareView],
    shown: CodesPage,
) -> String {
    let (t, s) = (ctx.t(), ctx.lang.s());
    let number = &certificate.certificate_number;
    let body = html! {
        (error_summary(ctx, shown.errors, shown.problem))
        h1 { (s.title) }
        p { strong { (number) } " " (crate::certificates::view::status_tag(ctx, certificate.status)) }
        @if certificate.has_entries { (crate::certificates::entries::before_sharing(ctx, number)) }
        p { (s.intro) }
        @if let Some(created) = shown.created {
            div.notice role="status" {
                h2 { (s.created_title) }
                (crate::layout::code_shown(&created.code))
                p { (s.works_until) ": " (last_bucharest_day(created.expires_at).format("%d.%m.%Y")) }
                p { (s.created_copy) }
                p { (s.created_where) " " a href=(Page::UseShare) { (Page::UseShare.at(shown.origin)) } "." }
            }
        }
        @if shares.is_empty() {
            p { (s.none) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (s.created_at) } th scope="col" { (s.works_until) }
                    th scope="col" { (t.cert_status) } th scope="col" { span.skip { (s.revoke) } }
                } }
                tbody {
                    @for share in shares {
                        tr {
                            td data-label=(s.created_at) { (crate::certificates::view::bucharest_time(share.created_at)) }
                            td data-label=(s.works_until) { (last_bucharest_day(share.expires_at).format("%d.%m.%Y")) }
                            td data-label=(t.cert_status) { (share_tag(ctx, share.status)) }
                            td {
                                @if share.status == ShareStatus::Active {
                                    form method="post" action=(Page::RevokeShare(number.clone(), share.share_id.clone())) {
                                        (csrf_field(ctx))
                                        button.secondary type="submit" {
                                            (s.revoke) span.skip { " " (crate::certificates::view::bucharest_time(share.created_at)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if certificate.status == CertificateStatus::Valid {
            h2 { (s.new_title) }
            form method="post" action=(Page::ShareCodes(number.clone())) novalidate {
                (csrf_field(ctx))
                (Input { kind: "date", hint: Some(s.expires_on_hint), ..Input::new("expires_on", s.expires_on, shown.typed_expiry) }.render(ctx, shown.errors))
                button.primary type="submit" { (s.create) }
            }
        } @else {
            p { (s.not_valid) }
        }
        p { a href=(Page::Certificates) { (t.back_to_certificates) } }
    };
    page(ctx, s.title, body)
}

fn share_tag(ctx: &Ctx, status: ShareStatus) -> Markup {
    let s = ctx.lang.s();
    html! {
        @match status {
            ShareStatus::Active => span.tag { (s.active) },
            ShareStatus::Expired => span.tag.off { (s.expired) },
            ShareStatus::Revoked => span.tag.bad { (s.revoked) },
        }
    }
}

/// The third party's form.
pub fn use_form(
    ctx: &mut Ctx,
    typed: (&str, &str),
    errors: &[FieldError],
    problem: Option<&'static str>,
) -> String {
    let s = ctx.lang.s();
    let (code, organisation) = typed;
    let body = html! {
        (error_summary(ctx, errors, problem))
        h1 { (s.use_title) }
        p.lead { (s.use_lead) }
        form method="post" action=(Page::UseShare) novalidate {
            (csrf_field(ctx))
            (Input { hint: Some(s.code_hint), autocomplete: "off", ..Input::new("code", s.code, code) }.render(ctx, errors))
            (Input { hint: Some(s.organisation_hint), autocomplete: "organization", ..Input::new("organisation", s.organisation, organisation) }.render(ctx, errors))
            button.primary type="submit" { (s.check) }
        }
    };
    page(ctx, s.use_title, body)
}

/// What the code shows: the certificate's status and particulars, and its download.
pub fn shared(ctx: &mut Ctx, certificate: &SharedCertificate, typed: (&str, &str)) -> String {
    let (t, s) = (ctx.t(), ctx.lang.s());
    let lang = ctx.lang;
    let (code, organisation) = typed;
    let body = html! {
        h1 { (s.result_title) }
        div role="status" {
            p { (crate::certificates::view::status_tag(ctx, certificate.status)) }
        }
        table {
            tbody {
                tr { th scope="row" { (t.number) } td { (certificate.certificate_number.as_str()) } }
                tr { th scope="row" { (s.holder) } td { (certificate.holder_name) } }
                tr { th scope="row" { (t.purpose) } td { (Purpose::parse(certificate.purpose).map(|p| lang.purpose(p)).unwrap_or_default()) } }
                tr { th scope="row" { (t.issued_on) } td { (bucharest_date(certificate.issued_at).format("%d.%m.%Y")) } }
                tr { th scope="row" { (t.valid_until) } td { (certificate.valid_until.format("%d.%m.%Y")) } }
                tr { th scope="row" { (s.entries) } td { (if certificate.has_entries { s.has_entries } else { s.no_entries }) } }
                tr { th scope="row" { (s.code_works_until) } td { (last_bucharest_day(certificate.share_expires_at).format("%d.%m.%Y")) } }
            }
        }
        @if certificate.status == CertificateStatus::Valid {
            form method="post" action=(Page::SharedPdf) {
                (csrf_field(ctx))
                input type="hidden" name="code" value=(code);
                input type="hidden" name="organisation" value=(organisation);
                button.primary type="submit" { (t.download) }
            }
        } @else {
            p { (s.no_download) }
        }
        p { a href=(Page::UseShare) { (s.another) } }
    };
    page(ctx, s.result_title, body)
}

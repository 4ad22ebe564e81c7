//! The wallet pages: the holder's "add to wallet" (the OpenID4VCI offer as a QR code, and its
//! transaction code), and the employer's request to a wallet (OpenID4VP) and its result. The
//! QR codes are inline SVG: no image request, nothing for the CSP to allow.

use crate::context::Ctx;
use crate::layout::{csrf_field, error_summary, page, Input};
use cazier_shared::domain::{CertificateNumber, Page};
use cazier_shared::domain::{FieldError, PresentationOutcome, PresentationStatus};
use cazier_shared::services::presentation::Started;
use maud::{html, Markup, PreEscaped};
use serde_json::Value;

/// `text` as a QR code (ISO/IEC 18004, level M, with its quiet zone), one SVG path: each run
/// of dark modules in a row is one rectangle.
pub fn qr_svg(text: &str, label: &str) -> Markup {
    let Ok(code) = fast_qr::QRBuilder::new(text).ecl(fast_qr::ECL::M).build() else {
        return html! {};
    };
    let (n, quiet) = (code.size, 4);
    let mut path = String::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if !code[row][col].value() {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && code[row][col].value() {
                col += 1;
            }
            path.push_str(&format!(
                "M{} {}h{}v1h-{}z",
                start + quiet,
                row + quiet,
                col - start,
                col - start
            ));
        }
    }
    let side = n + 2 * quiet;
    html! {
        svg.qr xmlns="http://www.w3.org/2000/svg" viewBox={"0 0 " (side) " " (side)}
            role="img" aria-label=(label) shape-rendering="crispEdges" {
            rect width=(side) height=(side) fill="#fff" {}
            path d=(PreEscaped(path)) fill="#000" {}
        }
    }
}

/// The holder's offer: the QR code, the same-phone link, the transaction code.
/// The offer for the holder's wallet; `has_entries`: the certificate lists entries (said
/// before it goes into the wallet).
/// The offer as the page shows it: the link (and QR code) and the transaction code.
pub struct ShownOffer<'a> {
    pub uri: &'a str,
    pub tx_code: &'a str,
}

pub fn offer(
    ctx: &mut Ctx,
    number: &CertificateNumber,
    offer: &ShownOffer,
    has_entries: bool,
) -> String {
    let w = ctx.lang.w();
    let t = ctx.t();
    let body = html! {
        h1 { (w.add_title) }
        p { strong { (number) } }
        @if has_entries { (crate::certificates::entries::before_sharing(ctx, number)) }
        ol {
            @for step in w.add_steps { li { (step) } }
        }
        (qr_svg(offer.uri, w.offer_qr))
        p { a href=(offer.uri) { (w.same_phone) } }
        h2 { (w.tx_code) }
        p.code aria-label=(crate::account::view::spelled(offer.tx_code)) { (offer.tx_code) }
        p { a href=(Page::Certificates) { (t.back_to_certificates) } }
    };
    page(ctx, w.add_title, body)
}

/// The employer's form: who is asking, then the request.
pub fn ask_form(ctx: &mut Ctx, organisation: &str, errors: &[FieldError]) -> String {
    let (w, s) = (ctx.lang.w(), ctx.lang.s());
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (w.verify_title) }
        p.lead { (w.verify_lead) }
        p { (w.asks_for) }
        form method="post" action=(Page::AskWallet) novalidate {
            (csrf_field(ctx))
            (Input { hint: Some(w.organisation_hint), autocomplete: "organization", ..Input::new("organisation", s.organisation, organisation) }.render(ctx, errors))
            button.primary type="submit" { (w.ask) }
        }
    };
    page(ctx, w.verify_title, body)
}

/// The request to show the holder, and the button that reads the outcome. The transaction
/// secret and the request ride in the form, never in a URL.
fn request_panel(ctx: &mut Ctx, transaction: &str, link: &str) -> Markup {
    let w = ctx.lang.w();
    html! {
        (qr_svg(link, w.request_qr))
        p { a href=(link) { (w.same_phone) } }
        form method="post" action=(Page::WalletResult) {
            (csrf_field(ctx))
            input type="hidden" name="transaction" value=(transaction);
            input type="hidden" name="request" value=(link);
            button.primary type="submit" { (w.show_result) }
        }
    }
}

pub fn scan(ctx: &mut Ctx, started: &Started) -> String {
    let w = ctx.lang.w();
    let body = html! {
        h1 { (w.scan_title) }
        ol { @for step in w.scan_steps { li { (step) } } }
        (request_panel(ctx, &started.transaction, &started.wallet_uri))
    };
    page(ctx, w.scan_title, body)
}

/// Still waiting: the same request again.
pub fn pending(ctx: &mut Ctx, transaction: &str, link: &str) -> String {
    let w = ctx.lang.w();
    let body = html! {
        h1 { (w.scan_title) }
        div.notice role="status" { p { (w.pending) } }
        (request_panel(ctx, transaction, link))
    };
    page(ctx, w.scan_title, body)
}

fn claim_text(value: Option<&Value>, absent: &str) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => absent.to_owned(),
    }
}

/// An ISO date claim as the portal writes dates (`10.09.2026`).
fn day(value: Option<&Value>, absent: &str) -> String {
    value
        .and_then(Value::as_str)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_else(|| claim_text(value, absent))
}

/// The wallet's answer, as the employer reads it.
pub fn result(ctx: &mut Ctx, outcome: &PresentationOutcome) -> String {
    let (w, t, s) = (ctx.lang.w(), ctx.t(), ctx.lang.s());
    let body = html! {
        h1 { (w.result_title) }
        @match outcome {
            PresentationOutcome::Verified { status, certificate_number, claims } => {
                div role="status" {
                    @match status {
                        PresentationStatus::RevocationNotChecked => {
                            p { span.tag.off { (w.not_checked) } }
                        }
                        PresentationStatus::Revoked => p { span.tag.bad { (w.revoked) } },
                        PresentationStatus::Valid if outcome.valid_without_entries() => {
                            p { span.tag { (w.valid_no_entries) } }
                        }
                        PresentationStatus::Valid => p { span.tag.off { (w.valid_with_entries) } },
                    }
                }
                table { tbody {
                    tr { th scope="row" { (s.holder) } td { (claim_text(claims.get("holder_name"), w.not_disclosed)) } }
                    tr { th scope="row" { (t.valid_until) } td { (day(claims.get("expiry_date"), w.not_disclosed)) } }
                    tr { th scope="row" { (s.entries) } td {
                        @match claims.get("has_entries") {
                            Some(Value::Bool(false)) => (s.no_entries),
                            Some(Value::Bool(true)) => (s.has_entries),
                            _ => (w.not_disclosed),
                        }
                    } }
                    tr { th scope="row" { (t.number) } td { (certificate_number) } }
                } }
                p { (w.how_checked) }
            }
            PresentationOutcome::Refused { reason } => {
                div role="status" { p { span.tag.bad { (w.refused) } } }
                p { (w.refused_detail) ": " (reason) }
            }
            PresentationOutcome::Declined { .. } => {
                div role="status" { p { (w.declined) } }
            }
            PresentationOutcome::Pending => {}
        }
        p { a.primary href=(Page::AskWallet) { (w.another) } }
    };
    page(ctx, w.result_title, body)
}

#[cfg(test)]
mod tests {
    use super::qr_svg;

    /// The side of the code, in modules with its quiet zone, from the SVG's viewBox.
    fn side(svg: &str) -> usize {
        let view = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
        view.split(' ').next().unwrap().parse().unwrap()
    }

    #[test]
    fn a_wallet_link_fits_a_small_code_a_phone_reads_off_a_screen() {
        // The link as the service makes it: `openid4vp://?client_id=x509_hash:…&request_uri=`
        // and the request's address (187 characters on the local stack; a deployed address is
        // about as long), with room to spare.
        let link = format!(
            "openid4vp://?client_id=x509_hash%3A{}&request_uri={}",
            "A".repeat(43),
            "h".repeat(150)
        );
        let svg = qr_svg(&link, "request").into_string();
        let modules = side(&svg) - 8;
        println!(
            "a {}-character link: {modules} × {modules} modules",
            link.len()
        );
        // Version 11 (61 modules) at level M: large modules, read from across a desk.
        assert!(modules <= 61, "{modules}");
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-label=\"request\""));
    }
}

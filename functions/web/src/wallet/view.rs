//! The wallet pages: the holder's "add to wallet" (the OpenID4VCI offer as a QR code, and its
//! transaction code), and what an employer can do with a wallet (registered organisations
//! ask from their systems). The QR codes are inline SVG: no image request, nothing for the
//! CSP to allow.

use crate::context::Ctx;
use crate::layout::page;
use cazier_shared::domain::{CertificateNumber, Page};
use maud::{html, Markup, PreEscaped};

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
        p.code {
            span aria-hidden="true" { (offer.tx_code) }
            span.skip { (crate::account::view::spelled(offer.tx_code)) }
        }
        p { a href=(Page::Certificates) { (t.back_to_certificates) } }
    };
    page(ctx, w.add_title, body)
}

/// Who may ask a wallet (registered organisations, from their systems), and what an
/// employer without registration can do instead.
pub fn who_may_ask(ctx: &mut Ctx) -> String {
    let w = ctx.lang.w();
    let body = html! {
        h1 { (w.verify_title) }
        p.lead { (w.verify_lead) }
        p { (w.who_asks) }
        p { (w.why_registered) }
        h2 { (w.without_title) }
        ul {
            li { a href=(Page::UseShare) { (w.without_share) } }
            li { a href=(Page::Verify) { (w.without_qr) } }
            li { a href={ (Page::Verify) "#by-document" } { (w.without_document) } }
        }
        h2 { (w.register_title) }
        p { (w.register) }
        p { a href={ "mailto:" (w.register_contact) } { (w.register_contact) } }
    };
    page(ctx, w.verify_title, body)
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

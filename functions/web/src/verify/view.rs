//! The verification page (`/verificare`), the one every QR code and printed link opens: three
//! forms (number and CNP, the PDF, the QR code's text) and, after one is sent, its answer in
//! plain words above them. The QR code's statement in the address's fragment is checked by the
//! page's one script, in the browser, offline (`verify.js`); everything else works without it.

use crate::context::Ctx;
use crate::layout::{csrf_field, error_summary, page_with_script, Input};
use cazier_shared::domain::Page;
use cazier_shared::domain::{
    bucharest_date, DocumentResult, FieldError, Purpose, VerificationResult,
};
use cazier_shared::services::verification::{
    DocumentAnswer, SignatureCheck, StatementCheck, VerificationAnswer,
};
use cazier_shared::statement::{Refusal, Verdict};
use chrono::NaiveDate;
use maud::{html, Markup, PreEscaped};

/// The page's script: checks the statement in the fragment, and the QR text form, offline.
pub const SCRIPT: &str = include_str!("../verify.js");

/// What the page answers, if a form was sent.
pub enum Shown<'a> {
    Nothing,
    Number(&'a VerificationAnswer),
    Document(&'a DocumentAnswer),
    Statement(&'a StatementCheck),
}

/// A sealed receipt of the check just made: its number, and the file to keep (the JWS).
pub struct IssuedReceipt {
    pub number: String,
    /// `data:` address of the receipt file, downloaded by the link (no script, no second
    /// request: the receipt is made once, with the check).
    pub href: String,
}

impl IssuedReceipt {
    pub fn of(number: &str, jws: &str) -> Self {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(jws);
        Self {
            number: number.to_owned(),
            href: format!("data:application/jwt;base64,{encoded}"),
        }
    }
}

/// What the verifier typed, shown again.
#[derive(Default, Clone)]
pub struct Typed {
    pub number: String,
    pub identifier: String,
    pub statement: String,
}

pub fn page(
    ctx: &mut Ctx,
    typed: &Typed,
    shown: Shown,
    receipt: Option<&IssuedReceipt>,
    errors: &[FieldError],
    script_data: &str,
    trust_url: &str,
) -> String {
    let v = ctx.lang.v();
    let field_errors = |fields: &[&str]| -> Vec<FieldError> {
        errors
            .iter()
            .filter(|e| fields.contains(&e.field.as_str()))
            .cloned()
            .collect()
    };
    let number_errors = field_errors(&["certificate_number", "identifier"]);
    let document_errors = field_errors(&["document"]);
    let statement_errors = field_errors(&["statement"]);
    let nothing_shown = matches!(shown, Shown::Nothing);
    let (result, heading) = match shown {
        Shown::Nothing => (html! {}, None),
        Shown::Number(a) => number_result(ctx, a),
        Shown::Document(a) => document_result(ctx, a),
        Shown::Statement(c) => statement_result(ctx, c),
    };
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (v.title) }
        p.lead { (v.lead) }
        p { strong { (v.free) } }
        p { (v.share_code) " " a href=(Page::UseShare) { (v.share_code_link) } }
        (result)
        @if let Some(receipt) = receipt {
            section.panel #receipt aria-labelledby="receipt-title" {
                h2 #receipt-title { (v.receipt_title) " " (receipt.number) }
                p { (v.receipt_lead) }
                p { a #receipt-file href=(receipt.href) download={ "chitanta-" (receipt.number) ".jwt" } { (v.receipt_download) } }
                p { (v.receipt_offline) " " a href=(trust_url) { (v.trust_link) } "." }
            }
        }
        // Filled by the script when the address carries a QR code's statement.
        div #statement-slot {}
        @if nothing_shown {
            noscript {
                div.panel {
                    @if typed.number.is_empty() { p { (v.no_script) } }
                    @else { p { (v.no_script_number.replace("{number}", &typed.number)) } }
                }
            }
        }
        h2 #by-number-title { (v.by_number) }
        form #by-number method="post" action=(Page::Verify) novalidate aria-labelledby="by-number-title" {
            (csrf_field(ctx))
            (Input { class: "medium", hint: Some(v.number_hint), ..Input::new("certificate_number", v.number, &typed.number) }.render(ctx, &number_errors))
            (Input { class: "medium", hint: Some(v.identifier_hint), inputmode: Some("numeric"), ..Input::new("identifier", v.identifier, &typed.identifier) }.render(ctx, &number_errors))
            (receipt_choice(v, "number-receipt"))
            button.primary type="submit" { (v.check) }
        }
        h2 #by-document-title { (v.by_document) }
        form #by-document method="post" action=(Page::VerifyDocument) enctype="multipart/form-data" novalidate aria-labelledby="by-document-title" {
            (csrf_field(ctx))
            (Input { kind: "file", hint: Some(v.document_hint), ..Input::new("document", v.document, "") }.render(ctx, &document_errors))
            (receipt_choice(v, "document-receipt"))
            button.primary type="submit" { (v.check_document) }
        }
        h2 #by-statement-title { (v.by_statement) }
        form #by-statement method="post" action=(Page::VerifyStatement) novalidate aria-labelledby="by-statement-title" {
            (csrf_field(ctx))
            (Input { hint: Some(v.statement_hint), ..Input::new("statement", v.statement, &typed.statement) }.render(ctx, &statement_errors))
            button.primary type="submit" { (v.check_statement) }
        }
        h2 { (v.offline_title) }
        p { (v.offline_text) " " a href=(trust_url) { (v.trust_link) } "." }
    };
    // The outcome is the title, for the tab and for screen readers.
    let title = heading.unwrap_or(v.title);
    page_with_script(ctx, title, body, SCRIPT, script_data)
}

/// The box that asks for a sealed receipt of the check (unticked: none is made).
fn receipt_choice(v: &crate::verify::text::VerifyTexts, id: &str) -> Markup {
    let hint = format!("{id}-hint");
    html! {
        div.field {
            div.choice {
                input #(id) type="checkbox" name="receipt" value="yes" aria-describedby=(hint);
                label for=(id) { (v.receipt_choice) }
            }
            span.hint #(hint) { (v.receipt_choice_hint) }
        }
    }
}

/// A result box: its heading (the answer in words), what to do, the facts, and the
/// technical details folded away.
struct ResultBox<'a> {
    id: &'a str,
    code: &'a str,
    good: bool,
    heading: &'a str,
    advice: Option<&'a str>,
    facts: Option<Markup>,
    technical: Option<Markup>,
}

impl ResultBox<'_> {
    fn render(self, v: &crate::verify::text::VerifyTexts) -> Markup {
        html! {
            section #(self.id) .result.(self.code).bad[!self.good] role="status" data-result=(self.code) tabindex="-1" autofocus {
                h2 { (self.heading) }
                @if let Some(advice) = self.advice { p { (advice) } }
                @if let Some(facts) = self.facts { (facts) }
                @if let Some(technical) = self.technical { details { summary { (v.technical) } (technical) } }
            }
        }
    }
}

fn facts(rows: &[(&str, String)]) -> Markup {
    html! {
        dl.facts {
            @for (label, value) in rows {
                div { dt { (label) } dd { (value) } }
            }
        }
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

fn purpose_name(ctx: &Ctx, code: &str) -> String {
    Purpose::parse(code)
        .map(|p| ctx.lang.purpose(p).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

fn number_result(ctx: &Ctx, a: &VerificationAnswer) -> (Markup, Option<&'static str>) {
    let v = ctx.lang.v();
    let entries = a.has_entries.unwrap_or(false);
    let (heading, advice, good) = match a.result {
        VerificationResult::Valid if entries => (v.valid_entries, Some(v.entries_advice), true),
        VerificationResult::Valid => (v.valid_clear, None, true),
        VerificationResult::Expired => (v.expired, None, false),
        VerificationResult::Revoked => (v.revoked, Some(v.revoked_advice), false),
        VerificationResult::NotFound => (v.not_found, Some(v.not_found_advice), false),
    };
    let mut rows = Vec::new();
    if let Some(n) = &a.certificate_number {
        rows.push((ctx.t().number, n.as_str().to_owned()));
    }
    if let Some(name) = &a.holder_name {
        rows.push((v.holder, name.clone()));
    }
    if let Some(p) = a.purpose {
        rows.push((v.purpose, purpose_name(ctx, p)));
    }
    if let Some(at) = a.issued_at {
        rows.push((v.issued, date(bucharest_date(at))));
    }
    if let Some(d) = a.valid_until {
        rows.push((v.valid_until, date(d)));
    }
    if let Some(e) = a.has_entries {
        rows.push((
            v.entries,
            (if e { v.entries_some } else { v.entries_none }).to_owned(),
        ));
    }
    let found = a.result != VerificationResult::NotFound;
    let technical = a
        .document_sha256
        .as_ref()
        .map(|hash| facts(&[(v.document_hash, hash.clone())]));
    let shown = ResultBox {
        id: "number-result",
        code: a.result.as_str(),
        good,
        heading,
        advice,
        facts: found.then(|| facts(&rows)),
        technical,
    }
    .render(v);
    (shown, Some(heading))
}

fn document_result(ctx: &Ctx, a: &DocumentAnswer) -> (Markup, Option<&'static str>) {
    let v = ctx.lang.v();
    let (heading, advice, good) = match a.result {
        DocumentResult::Valid => (v.doc_genuine, Some(v.doc_compare), true),
        DocumentResult::Expired => (v.expired, None, false),
        DocumentResult::Revoked => (v.revoked, Some(v.revoked_advice), false),
        DocumentResult::Tampered if a.says_extract => {
            (v.tampered, Some(v.tampered_extract_advice), false)
        }
        DocumentResult::Tampered => (v.tampered, Some(v.tampered_advice), false),
        DocumentResult::NotIssuedHere => (v.not_issued_here, Some(v.not_issued_here_advice), false),
        DocumentResult::Extract => (v.doc_extract, Some(v.doc_extract_advice), true),
    };
    let mut rows = Vec::new();
    if let Some(n) = &a.certificate_number {
        rows.push((ctx.t().number, n.as_str().to_owned()));
    }
    if let Some(found) = &a.extract {
        rows.push((ctx.t().number, found.number.clone()));
        rows.push((v.issued_to, found.organisation.clone()));
        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&found.issued_at) {
            let day = cazier_shared::domain::bucharest_date(at.with_timezone(&chrono::Utc));
            rows.push((v.issued, date(day)));
        }
    }
    // An extract's answer is of its day (shown): "valid until" would read as "still so".
    if let Some(d) = a.valid_until.filter(|_| a.extract.is_none()) {
        rows.push((v.valid_until, date(d)));
    }
    let signature = match a.signature {
        SignatureCheck::Valid => v.signature_valid,
        SignatureCheck::Invalid => v.signature_invalid,
    };
    let shown = ResultBox {
        id: "document-result",
        code: a.result.as_str(),
        good,
        heading,
        advice,
        facts: (!rows.is_empty()).then(|| facts(&rows)),
        technical: Some(facts(&[(v.signature, signature.to_owned())])),
    }
    .render(v);
    (shown, Some(heading))
}

fn statement_result(ctx: &Ctx, c: &StatementCheck) -> (Markup, Option<&'static str>) {
    let v = ctx.lang.v();
    let (statement, expired) = match &c.verdict {
        Verdict::Valid(s) => (s, false),
        Verdict::Expired(s) => (s, true),
        Verdict::Invalid(refusal) => {
            let why = match refusal {
                Refusal::NoStatement => v.no_statement,
                Refusal::UnknownKey => v.unknown_key,
                Refusal::BadSignature => v.bad_signature,
                _ => v.malformed,
            };
            let shown = ResultBox {
                id: "statement-result",
                code: "INVALID",
                good: false,
                heading: v.invalid,
                advice: Some(why),
                facts: Some(html! { p { (v.invalid_advice) } }),
                technical: None,
            }
            .render(v);
            return (shown, Some(v.invalid));
        }
    };
    let (code, heading, advice, good) = if c.revoked {
        ("REVOKED", v.revoked, Some(v.revoked_advice), false)
    } else if expired {
        ("EXPIRED", v.expired, None, false)
    } else if statement.has_entries {
        ("VALID", v.valid_entries, Some(v.entries_advice), true)
    } else {
        ("VALID", v.valid_clear, None, true)
    };
    let mut rows = vec![
        (ctx.t().number, statement.number.as_str().to_owned()),
        (v.holder, statement.holder_name.clone()),
    ];
    if let Some(born) = statement.birth_date {
        rows.push((v.born, date(born)));
    }
    rows.push((v.purpose, ctx.lang.purpose(statement.purpose).to_owned()));
    rows.push((v.issued, date(bucharest_date(statement.issued_at))));
    rows.push((v.valid_until, date(statement.valid_until)));
    let entries = if statement.has_entries {
        v.entries_some
    } else {
        v.entries_none
    };
    rows.push((v.entries, entries.to_owned()));
    if !c.revoked {
        rows.push((v.revocation, v.revocation_records.to_owned()));
    }
    let shown = ResultBox {
        id: "statement-result",
        code,
        good,
        heading,
        advice,
        facts: Some(facts(&rows)),
        technical: Some(html! { p { (v.checked_by_server) } }),
    }
    .render(v);
    (shown, Some(heading))
}

/// Keeps a string safe inside a `<script type="application/json">` block.
pub fn script_json(value: &serde_json::Value) -> PreEscaped<String> {
    PreEscaped(value.to_string().replace('<', "\\u003c"))
}

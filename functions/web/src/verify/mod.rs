//! The verification page's handlers: `GET /verificare` and its three forms, each a POST
//! (nothing personal in a URL). The page answers in the portal's layout, in one language.
//! (Over 400 lines: the three checks share their form parsing, throttle answer and receipt
//! panel; apart, each would repeat them.)

pub(crate) mod text;
pub(crate) mod view;

use crate::context::{Ctx, FormData};
use crate::notices;
use crate::{Answer, Refusal};
use cazier_edge::http::source_ip;
use cazier_shared::domain::Page;
use cazier_shared::domain::{
    CertificateNumber, Cnp, CnpError, Cui, FieldCode, FieldError, Purpose,
};
use cazier_shared::services::receipts::ReceiptService;
use cazier_shared::services::verification::{
    Claimed, DocumentAnswer, DocumentVerifyError, StatementCheck, VerificationAnswer, VerifyError,
    VerifyQuery, MAX_PDF_BYTES,
};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::Request;
use serde_json::json;
use std::sync::Arc;
use view::{IssuedReceipt, Shown, Typed};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// A check by number and the holder's CNP (or the company's CUI).
struct NumberForm {
    certificate_number: String,
    identifier: String,
    /// `yes`: a sealed receipt of the check too.
    receipt: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// A check of the QR code's text.
struct StatementForm {
    statement: String,
}

/// What the service answered, owned (the page borrows it as [`Shown`]).
enum Answered {
    Number(VerificationAnswer),
    Document(DocumentAnswer),
    Statement(StatementCheck),
}

/// Which of the page's forms was sent (and whether a receipt was asked for).
enum Sent {
    Number(VerifyQuery, Receipt),
    Document(Vec<u8>, Receipt),
    Statement(String),
}

/// Whether the verifier asked for a sealed receipt of the check (issue 27, item 6).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Receipt {
    Wanted,
    NotWanted,
}

impl Receipt {
    fn from_field(value: Option<&str>) -> Self {
        match value {
            Some("yes") => Receipt::Wanted,
            _ => Receipt::NotWanted,
        }
    }
}

/// What the verification page uses: the checks, with or without a sealed receipt.
pub(crate) struct Verify {
    pub(crate) receipts: ReceiptService,
    pub(crate) portal: Arc<str>,
}

impl Verify {
    /// `GET /verificare` (`?number=` prefills the number, as the QR code's address does).
    pub(crate) async fn verify_page(&self, ctx: &mut Ctx, req: &Request) -> Answer {
        let number = crate::query_value(req, "number")
            .filter(|v| v.len() <= 32)
            .unwrap_or_default();
        if !number.is_empty() {
            // The other language shows the same certificate (verify.js adds the fragment).
            ctx.lang_query = serde_urlencoded::to_string([("number", &number)]).ok();
        }
        let typed = Typed {
            number,
            ..Typed::default()
        };
        self.verify_answer(ctx, &typed, Shown::Nothing, None, &[], StatusCode::OK)
            .await
    }

    /// `POST /verificare`: by number and the holder's CNP (or the company's CUI).
    pub(crate) async fn verify_number(
        &self,
        ctx: &mut Ctx,
        req: &Request,
        form: &FormData,
    ) -> Answer {
        let NumberForm {
            certificate_number,
            identifier,
            receipt,
        } = form.read()?;
        let receipt = Receipt::from_field(Some(&receipt));
        let typed = Typed {
            number: certificate_number.trim().to_owned(),
            identifier: identifier.trim().to_owned(),
            ..Typed::default()
        };
        match number_form(&typed) {
            Ok(dto) => {
                self.check(ctx, req, &typed, Sent::Number(dto, receipt))
                    .await
            }
            Err(errors) => self.form_errors(ctx, &typed, errors).await,
        }
    }

    /// `POST /verificare/document`: the PDF, as a multipart form.
    pub(crate) async fn verify_document(
        &self,
        ctx: &mut Ctx,
        req: &Request,
        form: &FormData,
    ) -> Answer {
        let typed = Typed::default();
        let problem = match &form.file {
            None => Some(FieldCode::PdfRequired),
            Some(pdf) if pdf.len() > MAX_PDF_BYTES => Some(FieldCode::PdfTooLarge),
            Some(pdf) if !pdf.starts_with(b"%PDF-") => Some(FieldCode::NotAPdf),
            Some(_) => None,
        };
        match (problem, &form.file) {
            (None, Some(pdf)) => {
                let receipt = Receipt::from_field(form.get("receipt"));
                let sent = Sent::Document(pdf.clone(), receipt);
                self.check(ctx, req, &typed, sent).await
            }
            (code, _) => {
                let errors = vec![FieldError::new(
                    "document",
                    code.unwrap_or(FieldCode::PdfRequired),
                    "",
                )];
                self.form_errors(ctx, &typed, errors).await
            }
        }
    }

    /// `POST /verificare/declaratie`: the QR code's text checked by the service (the page
    /// does it in the browser when it can).
    pub(crate) async fn verify_statement(
        &self,
        ctx: &mut Ctx,
        req: &Request,
        form: &FormData,
    ) -> Answer {
        let StatementForm { statement } = form.read()?;
        let typed = Typed {
            statement: statement.trim().to_owned(),
            ..Typed::default()
        };
        if typed.statement.is_empty() {
            let errors = vec![FieldError::new(
                "statement",
                FieldCode::StatementRequired,
                "",
            )];
            return self.form_errors(ctx, &typed, errors).await;
        }
        let text = typed.statement.clone();
        self.check(ctx, req, &typed, Sent::Statement(text)).await
    }

    async fn check(&self, ctx: &mut Ctx, req: &Request, typed: &Typed, sent: Sent) -> Answer {
        let client = source_ip(req);
        let service = &self.receipts.verification;
        let mut sealed: Option<IssuedReceipt> = None;
        let outcome = match sent {
            Sent::Number(dto, Receipt::NotWanted) => {
                service.verify(dto, &client).await.map(Answered::Number)
            }
            Sent::Number(dto, Receipt::Wanted) => {
                self.receipts.verify(dto, &client).await.map(|r| {
                    sealed = Some(IssuedReceipt::of(&r.receipt_number, &r.receipt));
                    Answered::Number(r.answer)
                })
            }
            Sent::Statement(text) => service
                .check_statement(&text, &client)
                .await
                .map(Answered::Statement),
            Sent::Document(pdf, receipt) => {
                let checked = match receipt {
                    Receipt::NotWanted => {
                        service
                            .verify_document(&pdf, Some("application/pdf"), &client)
                            .await
                    }
                    Receipt::Wanted => self
                        .receipts
                        .verify_document(&pdf, Some("application/pdf"), &client)
                        .await
                        .map(|r| {
                            sealed = Some(IssuedReceipt::of(&r.receipt_number, &r.receipt));
                            r.answer
                        }),
                };
                match checked {
                    Ok(answer) => Ok(Answered::Document(answer)),
                    Err(DocumentVerifyError::Throttled { retry_after_secs }) => {
                        Err(VerifyError::Throttled { retry_after_secs })
                    }
                    Err(DocumentVerifyError::Unavailable(e)) => Err(VerifyError::Unavailable(e)),
                    Err(_) => {
                        let errors = vec![FieldError::new("document", FieldCode::NotAPdf, "")];
                        return self.form_errors(ctx, typed, errors).await;
                    }
                }
            }
        };
        let outcome = match outcome {
            Ok(answered) => {
                let shown = match &answered {
                    Answered::Number(a) => Shown::Number(a),
                    Answered::Document(a) => Shown::Document(a),
                    Answered::Statement(c) => Shown::Statement(c),
                };
                // Answered: the CNP is not left in the form for the next person at this
                // screen (a counter's, a library's); the number stays, for another check.
                let typed = Typed {
                    identifier: String::new(),
                    ..typed.clone()
                };
                return self
                    .verify_answer(ctx, &typed, shown, sealed.as_ref(), &[], StatusCode::OK)
                    .await;
            }
            Err(e) => e,
        };
        match outcome {
            VerifyError::Throttled { retry_after_secs } => {
                let t = ctx.t();
                let html = notices::notice(
                    ctx,
                    t.throttled_title,
                    t.throttled,
                    Some((Page::Verify, ctx.lang.v().another)),
                );
                let mut response = ctx.page(StatusCode::TOO_MANY_REQUESTS, html);
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                Ok(response)
            }
            VerifyError::Invalid(errors) => self.form_errors(ctx, typed, errors).await,
            VerifyError::Malformed(_) => Err(Refusal::BadForm),
            VerifyError::Unavailable(e) => Err(e.into()),
        }
    }

    async fn form_errors(&self, ctx: &mut Ctx, typed: &Typed, errors: Vec<FieldError>) -> Answer {
        self.verify_answer(
            ctx,
            typed,
            Shown::Nothing,
            None,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    }

    /// The page, with the seal keys and words its script needs.
    async fn verify_answer(
        &self,
        ctx: &mut Ctx,
        typed: &Typed,
        shown: Shown<'_>,
        receipt: Option<&IssuedReceipt>,
        errors: &[FieldError],
        status: StatusCode,
    ) -> Answer {
        // Without the keys (no chain installed yet, or S3 down) the page still checks by
        // number and by file; its script then says the seal is unknown.
        let keys = match self.receipts.verification.statement_keys().await {
            Ok(keys) => keys,
            Err(e) => {
                tracing::warn!(error = %e, "verification page without seal keys");
                Vec::new()
            }
        };
        let data = script_data(ctx, &keys);
        let trust_url = format!("{}/v1/trust/certificates", self.portal);
        let html = view::page(ctx, typed, shown, receipt, errors, &data, &trust_url);
        Ok(ctx.page(status, html))
    }
}

/// The number form's fields, parsed, or what is wrong with them.
fn number_form(typed: &Typed) -> Result<VerifyQuery, Vec<FieldError>> {
    let mut errors = Vec::new();
    // As read off paper: `cj 2026 4` is `CJ-2026-4`.
    let number = typed
        .number
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_ascii_uppercase();
    let parsed = CertificateNumber::parse(&number);
    if number.is_empty() {
        errors.push(FieldError::new(
            "certificate_number",
            FieldCode::NumberRequired,
            "",
        ));
    } else if parsed.is_none() {
        errors.push(FieldError::new(
            "certificate_number",
            FieldCode::InvalidCertificateNumber,
            "",
        ));
    }
    let identifier = crate::forms::without_spaces(&typed.identifier);
    let claimed = if identifier.is_empty() {
        errors.push(FieldError::new(
            "identifier",
            FieldCode::IdentifierRequired,
            "",
        ));
        None
    } else if identifier.len() >= 11 {
        // Longer than any CUI: meant as a CNP.
        Cnp::parse(&identifier)
            .map(Claimed::Person)
            .map_err(|e| errors.push(FieldError::new("identifier", cnp_code(&e), "")))
            .ok()
    } else {
        Cui::parse(&identifier)
            .map(Claimed::Company)
            .map_err(|_| errors.push(FieldError::new("identifier", FieldCode::InvalidCui, "")))
            .ok()
    };
    match (parsed, claimed) {
        (Some(number), Some(claimed)) if errors.is_empty() => Ok(VerifyQuery {
            number: Some(number),
            claimed,
        }),
        _ => Err(errors),
    }
}

/// A registration's or correction's "invalid CNP" said precisely (format, birth date, check
/// digit), as on the verification page: the typed value is read again here, at the edge.
pub(crate) fn precise_cnp_errors(mut errors: Vec<FieldError>, typed: &str) -> Vec<FieldError> {
    let digits = crate::forms::without_spaces(typed);
    for e in errors.iter_mut().filter(|e| e.field == "cnp") {
        if let Err(why) = Cnp::parse(&digits) {
            e.code = cnp_code(&why);
        }
    }
    errors
}

/// The field-error code that says what is wrong with a typed CNP.
pub(crate) fn cnp_code(e: &CnpError) -> FieldCode {
    match e {
        CnpError::Format => FieldCode::CnpFormat,
        CnpError::BirthDate => FieldCode::CnpBirthDate,
        CnpError::Checksum => FieldCode::CnpCheckDigit,
        CnpError::Sex | CnpError::County | CnpError::Serial => FieldCode::CnpNotValid,
    }
}

/// What the page's script reads: the seal keys (JWK) and its words in the page's language.
fn script_data(ctx: &Ctx, keys: &[cazier_shared::statement::TrustedKey]) -> String {
    let (v, t) = (ctx.lang.v(), ctx.t());
    let purposes: serde_json::Map<String, serde_json::Value> = Purpose::ALL
        .iter()
        .map(|p| (p.code().to_owned(), json!(ctx.lang.purpose(*p))))
        .collect();
    let data = json!({
        "keys": keys.iter().map(cazier_shared::statement::TrustedKey::jwk).collect::<Vec<_>>(),
        "purposes": purposes,
        "texts": {
            "valid_clear": v.valid_clear, "valid_entries": v.valid_entries,
            "expired": v.expired, "revoked": v.revoked, "revoked_advice": v.revoked_advice,
            "entries_advice": v.entries_advice, "invalid": v.invalid,
            "number": t.number, "holder": v.holder, "born": v.born, "purpose": v.purpose,
            "issued": v.issued, "valid_until": v.valid_until, "entries": v.entries,
            "entries_none": v.entries_none, "entries_some": v.entries_some,
            "revocation": v.revocation, "revocation_unknown": v.revocation_unknown,
            "revocation_as_of": v.revocation_as_of, "technical": v.technical,
            "checked_here": v.checked_here, "seal_key": v.seal_key,
            "authentic_unchecked": v.authentic_unchecked, "unchecked_advice": v.unchecked_advice,
            "invalid_advice": v.invalid_advice,
            "NoStatement": v.no_statement, "UnknownKey": v.unknown_key,
            "BadSignature": v.bad_signature, "Malformed": v.malformed,
        },
    });
    view::script_json(&data).into_string()
}

//! `cazier-verify`: checks a certificate with no network at all, against a trust file (the seal
//! certificates and the timestamping authority's, PEM, as `GET /v1/trust/certificates` serves
//! them): a QR code's text (the signed statement, `docs/QR.md`) or the PDF (its seal over the
//! whole file but its appended validation material, the seal's timestamp, and the statement
//! of its QR code), or an extract an organisation pulled under a person's consent (its seal and
//! what it says). Prints VALID, EXPIRED, REVOKED or INVALID and why. With `--status-list`
//! (a year's list saved from `GET /v1/status-lists/{year}`) it also checks revocation.
//!
//! Exit status: 0 valid, 1 expired, 2 invalid (a timestamp no trusted authority signed
//! included) or revoked, 3 the command itself failed.

use cazier_formats::pdf::pades::read_signed;
use cazier_formats::statement::status_list::{self, ListStatus, VerifiedList};
use cazier_formats::statement::{
    carries_extract, verify, verify_extract_pdf, verify_pdf, Statement, TrustFile, Verdict,
};
use cazier_formats::timestamp::{seal_time, SealTime};
use std::io::Read;
use std::process::ExitCode;

const USAGE: &str =
    "usage: cazier-verify --trust <seal-certificates.pem> <certificate.pdf | QR code text | ->
  <certificate.pdf>  a certificate's PDF file
  <QR code text>     what a QR code reader gives (the page's address with #CZ1:…), or CZ1:… alone
  <extract.jwt>      an extract an organisation obtained with the person's consent (a sealed JWS)
  <extract.pdf>      the same extract as a PDF
  <receipt.jwt>      a receipt of a check (POST /v1/verifications/receipt, …/document/receipt,
                     /v1/shared-certificate/receipt)
  -                  either of them, read from standard input";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(problem) => {
            eprintln!("cazier-verify: {problem}\n{USAGE}");
            ExitCode::from(3)
        }
    }
}

/// What revocation checking found.
enum Revocation {
    NotChecked,
    CouldNot(String),
    Checked(VerifiedList),
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut trust = None;
    let mut status = None;
    let mut subject = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--trust" => trust = args.next(),
            "--status-list" => status = args.next(),
            _ if subject.is_none() => subject = Some(arg),
            _ => return Err(format!("one certificate at a time ({arg}?)")),
        }
    }
    let (Some(trust), Some(subject)) = (trust, subject) else {
        return Err("a trust file and one certificate are needed".into());
    };
    let pem = std::fs::read_to_string(trust).map_err(|e| format!("{trust}: {e}"))?;
    let trust_file = TrustFile::from_pem(&pem);
    let trusted = &trust_file.keys;
    if trusted.is_empty() {
        return Err(format!("{trust}: no seal certificate (PEM) in it"));
    }
    let now = chrono::Utc::now();
    let revocation = match status {
        None => Revocation::NotChecked,
        Some(file) => {
            let token = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
            match status_list::verify(&token, trusted, now) {
                Ok(list) => Revocation::Checked(list),
                Err(why) => Revocation::CouldNot(format!("{file}: {why}")),
            }
        }
    };
    let bytes = if subject == "-" {
        let mut input = Vec::new();
        std::io::stdin()
            .read_to_end(&mut input)
            .map_err(|e| format!("standard input: {e}"))?;
        input
    } else if std::path::Path::new(subject).is_file() {
        std::fs::read(subject).map_err(|e| format!("{subject}: {e}"))?
    } else {
        subject.as_bytes().to_vec()
    };
    // An extract an organisation pulled under a person's consent, or a verification receipt
    // (sealed JWSs).
    if bytes.trim_ascii_start().starts_with(b"eyJ") {
        let token = String::from_utf8_lossy(&bytes);
        return Ok(match cazier_formats::sealed::typ_of(&token).as_deref() {
            Some(cazier_formats::receipt::TYP) => report_receipt(&token, trusted),
            Some(cazier_formats::extract::TYP) => report_extract(
                cazier_formats::extract::verify(&token, trusted).map_err(|e| e.to_string()),
            ),
            other => {
                // Neither: said as such, not judged as one of them.
                println!(
                    "INVALID: a JWS of type {}, neither an extract nor a receipt",
                    other.unwrap_or("(none)")
                );
                ExitCode::from(2)
            }
        });
    }
    // An extract's PDF: its seal, and the sealed JWS it carries in place of a QR statement.
    if bytes.starts_with(b"%PDF-") && carries_extract(&bytes) {
        let code =
            report_extract(verify_extract_pdf(&bytes, &trust_file).map_err(|e| e.to_string()));
        if code == ExitCode::SUCCESS {
            print_seal_time(&bytes, &trust_file);
        }
        return Ok(code);
    }
    let verdict = if bytes.starts_with(b"%PDF-") {
        verify_pdf(&bytes, &trust_file, now)
    } else {
        verify(&String::from_utf8_lossy(&bytes), trusted, now)
    };
    let code = report(&verdict, &revocation);
    // The time the seal was made, proven by its timestamp (PAdES-B-T), when it is a document.
    if bytes.starts_with(b"%PDF-") && !matches!(verdict, Verdict::Invalid(_)) {
        print_seal_time(&bytes, &trust_file);
    }
    Ok(code)
}

/// The time the seal was made, proven by its timestamp (PAdES-B-T).
fn print_seal_time(bytes: &[u8], trust_file: &TrustFile) {
    let stamp = read_signed(bytes)
        .map(|signed| seal_time(&signed.cms, &trust_file.certificates))
        .unwrap_or(SealTime::Absent);
    match stamp {
        SealTime::Trusted { time, authority } => println!(
            "  timestamped:  {} by {authority}",
            time.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        SealTime::Absent => println!("  timestamped:  no (no timestamp over this seal)"),
        // Only where the trust file names no authority: otherwise the verdict is INVALID.
        SealTime::Untrusted => println!(
            "  timestamped:  not checked (the trust file names no timestamping authority; \
             save it again from /v1/trust/certificates)"
        ),
    }
}

fn report(verdict: &Verdict, revocation: &Revocation) -> ExitCode {
    let statement = match verdict {
        Verdict::Valid(s) | Verdict::Expired(s) => s,
        Verdict::Invalid(why) => {
            println!("INVALID: {why}");
            return ExitCode::from(2);
        }
    };
    // The list must be the certificate's year's and cover its index (the statement's, or
    // for statements signed before indexes were drawn, the number's sequence).
    let (year, _) = statement.number.year_and_sequence();
    let listed = match revocation {
        Revocation::Checked(list) => Some((
            list.status_in_year(year, statement.status_index()),
            list.issued_at,
        )),
        _ => None,
    };
    let revoked = matches!(listed, Some((Ok(ListStatus::Revoked), _)));
    let code = match verdict {
        _ if revoked => {
            println!("REVOKED: {}", statement.number.as_str());
            ExitCode::from(2)
        }
        Verdict::Expired(s) => {
            println!(
                "EXPIRED: {} (its last valid day was {})",
                s.number.as_str(),
                s.valid_until
            );
            ExitCode::from(1)
        }
        _ => {
            println!("VALID: {}", statement.number.as_str());
            ExitCode::SUCCESS
        }
    };
    particulars(statement);
    let made = |at: &chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
    match (revocation, listed) {
        (Revocation::NotChecked, _) => {
            println!(
                "  revocation:   not checked (no --status-list; this tool makes no network call)"
            )
        }
        (Revocation::CouldNot(why), _) => println!("  revocation:   could not be checked: {why}"),
        (_, Some((Ok(ListStatus::Revoked), at))) => {
            println!(
                "  revocation:   revoked, per the status list of {}",
                made(&at)
            )
        }
        (_, Some((Ok(ListStatus::NotRevoked), at))) => {
            println!(
                "  revocation:   not revoked, per the status list of {}",
                made(&at)
            )
        }
        (_, Some((Err(why), _))) => println!("  revocation:   could not be checked: {why}"),
        (Revocation::Checked(_), None) => {}
    }
    code
}

fn particulars(s: &Statement) {
    println!("  holder:       {}", s.holder_name);
    if let Some(born) = s.birth_date {
        println!("  born:         {born}");
    }
    println!("  purpose:      {}", s.purpose.code());
    println!(
        "  issued:       {}",
        s.issued_at.format("%Y-%m-%d %H:%M UTC")
    );
    println!("  valid until:  {}", s.valid_until);
    println!(
        "  entries:      {}",
        if s.has_entries {
            "yes (listed in the document)"
        } else {
            "none"
        }
    );
    println!("  sealed by:    a seal certificate of the trust file");
}

/// An extract's check: sealed by us over exactly these claims; what it says.
fn report_extract(checked: Result<cazier_formats::extract::ExtractClaims, String>) -> ExitCode {
    match checked {
        Ok(claims) => {
            // Its answer holds until the end of its `valid_until` day, as a certificate's.
            let expired = !claims.holds_at(chrono::Utc::now());
            let verdict = if expired { "EXPIRED" } else { "VALID" };
            println!(
                "{verdict} extract {} (sealed by the service)",
                claims.number
            );
            println!("  issued:       {}", claims.issued_at);
            println!(
                "  for:          {} (CUI {}), purpose {}, level {}",
                claims.organisation.name, claims.organisation.cui, claims.purpose, claims.level
            );
            println!(
                "  holder:       {} (born {})",
                claims.holder_name, claims.holder_birth_date
            );
            println!("  holds until:  {}", claims.valid_until);
            let listed = if claims.has_entries {
                "the record lists entries"
            } else {
                "the record lists no entries"
            };
            println!("  answer:       {listed}");
            for e in &claims.entries {
                println!(
                    "  entry:        {} {} ({}): {}; {}",
                    e.court, e.decision, e.decision_date, e.offence, e.penalty
                );
            }
            if expired {
                println!("  expired:      its answer no longer holds; ask for a fresh extract");
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(why) => {
            println!("INVALID extract: {why}");
            ExitCode::from(2)
        }
    }
}

/// A receipt's check: sealed by us over exactly these claims; what was checked and answered.
fn report_receipt(token: &str, trusted: &[cazier_formats::statement::TrustedKey]) -> ExitCode {
    match cazier_formats::receipt::verify(token, trusted) {
        Ok(r) => {
            println!("VALID receipt {} (sealed by the service)", r.number);
            println!("  checked:      {} by {}", r.checked_at, r.how);
            println!(
                "  certificate:  {}",
                r.certificate_number
                    .as_deref()
                    .unwrap_or("(not a certificate number)")
            );
            println!("  answer:       {}", r.result);
            if let Some(name) = &r.holder_name {
                println!("  holder:       {name}");
            }
            if let Some(until) = &r.valid_until {
                println!("  valid until:  {until}");
            }
            if let Some(sha256) = &r.document_sha256 {
                // Which file was checked: `sha256sum` of the PDF kept beside it says the same.
                println!("  document:     SHA-256 {sha256}");
            }
            ExitCode::SUCCESS
        }
        Err(why) => {
            println!("INVALID receipt: {why}");
            ExitCode::from(2)
        }
    }
}

//! `cazier-verify`: checks a certificate with no network at all, against a trust file (the seal
//! certificates, PEM, as `GET /v1/trust/certificates` serves them): a QR code's text (the
//! signed statement, `docs/QR.md`) or the PDF (its seal over the whole file, and the statement
//! of its QR code). Prints VALID, EXPIRED or INVALID and why.
//!
//! Exit status: 0 valid, 1 expired, 2 invalid, 3 the command itself failed (usage, files).

use cazier_shared::statement::{trusted_keys, verify, verify_pdf, Statement, Verdict};
use std::io::Read;
use std::process::ExitCode;

const USAGE: &str =
    "usage: cazier-verify --trust <seal-certificates.pem> <certificate.pdf | QR code text | ->
  <certificate.pdf>  a certificate's PDF file
  <QR code text>     what a QR code reader gives (the page's address with #CZ1:…), or CZ1:… alone
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

fn run(args: &[String]) -> Result<ExitCode, String> {
    let (trust, subject) = match args {
        [flag, trust, subject] if flag == "--trust" => (trust, subject),
        [subject, flag, trust] if flag == "--trust" => (trust, subject),
        _ => return Err("a trust file and one certificate are needed".into()),
    };
    let pem = std::fs::read_to_string(trust).map_err(|e| format!("{trust}: {e}"))?;
    let trusted = trusted_keys(&pem);
    if trusted.is_empty() {
        return Err(format!("{trust}: no seal certificate (PEM) in it"));
    }
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
    let now = chrono::Utc::now();
    let verdict = if bytes.starts_with(b"%PDF-") {
        verify_pdf(&bytes, &trusted, now)
    } else {
        verify(&String::from_utf8_lossy(&bytes), &trusted, now)
    };
    Ok(report(&verdict))
}

fn report(verdict: &Verdict) -> ExitCode {
    match verdict {
        Verdict::Valid(s) => {
            println!("VALID: {}", s.number.as_str());
            particulars(s);
            ExitCode::SUCCESS
        }
        Verdict::Expired(s) => {
            println!(
                "EXPIRED: {} (its last valid day was {})",
                s.number.as_str(),
                s.valid_until
            );
            particulars(s);
            ExitCode::from(1)
        }
        Verdict::Invalid(why) => {
            println!("INVALID: {why}");
            ExitCode::from(2)
        }
    }
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
    println!("  revocation:   not checked (no network): check the number online");
}

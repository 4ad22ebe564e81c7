//! The command line against a certificate issued with the in-memory ports: the PDF and its QR
//! code's text verify; an altered or extended file, another trust file, and bad usage do not.

use std::process::Command;

use cazier_e2e::forgery::issued_in_memory as issue;
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;

fn verify(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cazier-verify"))
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn a_certificate_verifies_offline_and_its_forgeries_do_not() {
    let issued = issue().await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    std::fs::write(path("trust.pem"), &issued.chain).unwrap();
    std::fs::write(path("certificate.pdf"), &issued.pdf).unwrap();
    let trust = path("trust.pem");

    let (code, out) = verify(&["--trust", &trust, &path("certificate.pdf")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with(&format!("VALID: {}", issued.number)),
        "{out}"
    );
    assert!(
        out.contains("Ștefănescu Ana-Maria") && out.contains("STUDII"),
        "{out}"
    );
    assert!(out.contains("revocation:   not checked"), "{out}");
    // The time its seal was made, from the seal's timestamp (the in-memory TSA here).
    assert!(
        out.contains("timestamped:  ") && out.contains("by CN=cazier test TSA"),
        "{out}"
    );

    // The QR code's text alone, as a reader gives it.
    let pdf_text = String::from_utf8_lossy(&issued.pdf).into_owned();
    let at = pdf_text.find("/URI (").unwrap() + 6;
    let qr = &pdf_text[at..at + pdf_text[at..].find(')').unwrap()];
    let (code, out) = verify(&["--trust", &trust, qr]);
    assert_eq!(code, 0, "{out}");

    // One byte of the signed content changed: the seal no longer matches.
    let mut altered = issued.pdf.clone();
    let at = memchr(&altered, b"STUDII").unwrap_or(altered.len() / 3);
    altered[at] ^= 0x20;
    std::fs::write(path("altered.pdf"), &altered).unwrap();
    let (code, out) = verify(&["--trust", &trust, &path("altered.pdf")]);
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("INVALID"), "{out}");

    // Bytes appended after the seal (an incremental update could change what is shown).
    let mut extended = issued.pdf.clone();
    extended.extend_from_slice(b"\n% appended\n");
    std::fs::write(path("extended.pdf"), &extended).unwrap();
    let (code, out) = verify(&["--trust", &trust, &path("extended.pdf")]);
    assert_eq!(
        (code, out.trim()),
        (
            2,
            "INVALID: the document was changed after its seal: bytes follow the update's end"
        )
    );

    // Another service's trust file: neither the seal nor the statement is trusted.
    let other = issue().await;
    std::fs::write(path("other.pem"), &other.chain).unwrap();
    for subject in [path("certificate.pdf"), qr.to_owned()] {
        let (code, out) = verify(&["--trust", &path("other.pem"), &subject]);
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("not a trusted seal"), "{out}");
    }

    // The command itself misused.
    assert_eq!(verify(&[&path("certificate.pdf")]).0, 3);
    assert_eq!(verify(&["--trust", &path("missing.pem"), qr]).0, 3);
}

fn memchr(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn a_status_list_tells_a_revoked_certificate_and_a_foreign_list_is_not_used() {
    let issued = issue().await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    std::fs::write(path("trust.pem"), &issued.chain).unwrap();
    std::fs::write(path("certificate.pdf"), &issued.pdf).unwrap();
    let number = cazier_shared::domain::CertificateNumber::parse(&issued.number).unwrap();
    let (year, _) = number.year_and_sequence();
    let publish = |memory: &Memory| {
        let service = memory.status_list_service().unwrap();
        async move { service.publish(year).await.unwrap() }
    };
    let list_of = |memory: &Memory| {
        let service = memory.verification_service().unwrap();
        async move { service.status_list(year).await.unwrap().unwrap() }
    };
    publish(&issued.memory).await;
    std::fs::write(path("before.jwt"), list_of(&issued.memory).await).unwrap();
    let revoked = cazier_shared::services::revocation::revoke(
        &*issued.memory.certificates,
        &cazier_shared::ports::SystemClock,
        &number,
        "issued in error",
        "ops",
    )
    .await
    .unwrap();
    assert!(revoked);
    publish(&issued.memory).await;
    std::fs::write(path("after.jwt"), list_of(&issued.memory).await).unwrap();

    let (trust, pdf) = (path("trust.pem"), path("certificate.pdf"));
    let (code, out) = verify(&[
        "--trust",
        &trust,
        "--status-list",
        &path("before.jwt"),
        &pdf,
    ]);
    assert_eq!(code, 0, "{out}");
    // Which list's time the verdict rests on.
    assert!(
        out.contains("not revoked, per the status list of 20"),
        "{out}"
    );
    let (code, out) = verify(&["--trust", &trust, "--status-list", &path("after.jwt"), &pdf]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.starts_with(&format!("REVOKED: {}", issued.number)),
        "{out}"
    );

    // Last year's list, genuine and current, says nothing of this year's certificate.
    let service = issued.memory.status_list_service().unwrap();
    service.publish(year - 1).await.unwrap();
    let last_year = issued
        .memory
        .verification_service()
        .unwrap()
        .status_list(year - 1)
        .await
        .unwrap()
        .unwrap();
    std::fs::write(path("last-year.jwt"), last_year).unwrap();
    let (code, out) = verify(&[
        "--trust",
        &trust,
        "--status-list",
        &path("last-year.jwt"),
        &pdf,
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("could not be checked: the list is")
            && out.contains(&format!("/{}", year - 1)),
        "{out}"
    );
    assert!(!out.contains("not revoked"), "{out}");

    // Another service's list is not trusted: revocation could not be checked, and it says so.
    let other = issue().await;
    publish(&other.memory).await;
    std::fs::write(path("foreign.jwt"), list_of(&other.memory).await).unwrap();
    let (code, out) = verify(&[
        "--trust",
        &trust,
        "--status-list",
        &path("foreign.jwt"),
        &pdf,
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("could not be checked") && out.contains("not a trusted seal"),
        "{out}"
    );
}

/// An extract's answer holds six months: past its `valid_until`, still sealed by us but
/// EXPIRED (exit 1), as a certificate past its date.
#[tokio::test]
async fn an_extract_past_its_term_is_expired_not_valid() {
    use cazier_shared::extract::{seal, ExtractClaims, ExtractOrganisation};
    let memory = Memory::new(chrono::Utc::now()).await;
    let chain = cazier_shared::services::trust::load(&*memory.blobs)
        .await
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    std::fs::write(path("trust.pem"), chain.to_pem().unwrap()).unwrap();
    let claims = |valid_until: &str| ExtractClaims {
        number: "EX-2026-0123456789AB".into(),
        issued_at: "2026-01-05T10:00:00Z".into(),
        organisation: ExtractOrganisation {
            cui: "14399840".into(),
            name: "Dunărea SA".into(),
        },
        purpose: "ANGAJARE".into(),
        level: "STATUS".into(),
        consent: "c-1".into(),
        holder_name: "Ștefănescu Ana-Maria".into(),
        holder_birth_date: "1990-04-02".into(),
        valid_until: valid_until.into(),
        has_entries: false,
        entries: vec![],
    };
    for (valid_until, code, said) in [("2999-01-01", 0, "VALID"), ("2020-01-01", 1, "EXPIRED")] {
        let token = seal(
            &claims(valid_until),
            "https://cazier.test",
            chain.x5c_ders(),
            &*memory.signer,
        )
        .await
        .unwrap();
        std::fs::write(path("extract.jwt"), token).unwrap();
        let (exit, out) = verify(&["--trust", &path("trust.pem"), &path("extract.jwt")]);
        assert_eq!(exit, code, "{out}");
        assert!(
            out.starts_with(&format!("{said} extract EX-2026-")),
            "{out}"
        );
    }
}

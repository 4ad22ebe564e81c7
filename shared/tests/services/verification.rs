//! Verification by number and CNP, and by the PDF itself: what a verifier learns, what they
//! cannot tell apart, validity to the last Bucharest day, revocation, throttling, the audit.

use crate::common::{bucharest, by, by_dto, issued, memory, new_cnp};
use cazier_shared::domain::{AuditEventKind, AuditSubject, DocumentResult, VerificationResult};
use cazier_shared::ports::{AuditLog, Clock};
use cazier_shared::services::revocation::revoke;
use cazier_shared::services::verification::{
    DocumentVerifyError, SignatureCheck, VerificationAnswer, VerifyDto, VerifyError,
    CHECKS_PER_CERTIFICATE_PER_DAY, VERIFICATIONS_PER_MINUTE,
};
use cazier_shared::wiring::ServiceGraphs;

#[tokio::test]
async fn a_wrong_cnp_and_an_unknown_number_get_the_very_same_answer() {
    let memory = memory().await;
    let (certificate, cnp, _) = issued(&memory).await;
    let service = memory.verification_service().unwrap();
    let number = certificate.number.as_str();
    let right = service.verify(by(number, &cnp), "v1").await.unwrap();
    assert_eq!(right.result, VerificationResult::Valid);
    assert_eq!(right.holder_name.as_deref(), Some("Ștefănescu Ana-Maria"));
    let wrong_cnp = service.verify(by(number, &new_cnp()), "v1").await.unwrap();
    let unknown = service
        .verify(by("CJ-2026-00009999", &cnp), "v1")
        .await
        .unwrap();
    let malformed = service.verify(by("CJ-20", &cnp), "v1").await.unwrap();
    for answer in [&wrong_cnp, &unknown, &malformed] {
        assert_eq!(
            serde_json::to_string(answer).unwrap(),
            serde_json::to_string(&VerificationAnswer::not_found()).unwrap()
        );
    }
}

#[tokio::test]
async fn valid_through_the_last_bucharest_day_then_expired_everywhere() {
    let memory = memory().await;
    let (certificate, cnp, pdf) = issued(&memory).await;
    assert_eq!(certificate.valid_until.to_string(), "2027-05-22");
    let service = memory.verification_service().unwrap();
    let number = certificate.number.as_str();
    memory.clock.set(bucharest(2027, 5, 22, 23, 59, 0));
    assert_eq!(
        service.verify(by(number, &cnp), "v").await.unwrap().result,
        VerificationResult::Valid
    );
    memory.clock.set(bucharest(2027, 5, 23, 0, 1, 0));
    assert_eq!(
        service.verify(by(number, &cnp), "v").await.unwrap().result,
        VerificationResult::Expired
    );
    let document = service
        .verify_document(&pdf, Some("application/pdf"), "v")
        .await
        .unwrap();
    assert_eq!(document.result, DocumentResult::Expired);
    assert_eq!(document.signature, SignatureCheck::Valid);
    assert_eq!(certificate.status(memory.clock.now()).as_str(), "EXPIRED");
}

#[tokio::test]
async fn revocation_shows_everywhere_and_is_audited_once() {
    let memory = memory().await;
    let (certificate, cnp, pdf) = issued(&memory).await;
    let number = &certificate.number;
    assert!(revoke(
        &*memory.certificates,
        &*memory.clock,
        number,
        "emis din eroare",
        "ops"
    )
    .await
    .unwrap());
    assert!(!revoke(
        &*memory.certificates,
        &*memory.clock,
        number,
        "again",
        "ops"
    )
    .await
    .unwrap());
    assert!(
        revoke(&*memory.certificates, &*memory.clock, number, "  ", "ops")
            .await
            .is_err(),
        "a reason is required"
    );
    let service = memory.verification_service().unwrap();
    let answer = service
        .verify(by(number.as_str(), &cnp), "v")
        .await
        .unwrap();
    assert_eq!(answer.result, VerificationResult::Revoked);
    let document = service
        .verify_document(&pdf, Some("application/pdf"), "v")
        .await
        .unwrap();
    assert_eq!(document.result, DocumentResult::Revoked);
    let history = memory
        .audit
        .history(&AuditSubject::Certificate(number.clone()))
        .await
        .unwrap();
    let kinds: Vec<_> = history.iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        [
            AuditEventKind::Issued,
            AuditEventKind::Revoked,
            AuditEventKind::Verified,
            AuditEventKind::DocumentVerified
        ]
    );
    assert_eq!(history[1].details["reason"], "emis din eroare");
    let logged = format!("{history:?}");
    assert!(!logged.contains(&cnp), "the audit trail never holds a CNP");
}

#[tokio::test]
async fn a_changed_byte_or_another_key_is_caught() {
    let memory = memory().await;
    let (certificate, _, pdf) = issued(&memory).await;
    let service = memory.verification_service().unwrap();
    let check = |bytes: Vec<u8>| {
        let service = &service;
        async move {
            service
                .verify_document(&bytes, Some("application/pdf; charset=binary"), "v")
                .await
        }
    };
    assert_eq!(
        check(pdf.clone()).await.unwrap().result,
        DocumentResult::Valid
    );

    let mut altered = pdf.clone();
    // A byte of the page description, well inside the signed range.
    let at = find(&altered, b"stream").expect("a content stream") + 20;
    altered[at] ^= 0x01;
    let answer = check(altered).await.unwrap();
    assert_eq!(answer.result, DocumentResult::Tampered);

    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n% appended\n");
    assert_eq!(
        check(appended).await.unwrap().result,
        DocumentResult::Tampered
    );

    // The same kind of document, sealed by another deployment's key.
    let elsewhere = crate::common::memory().await;
    let (_, _, foreign) = issued(&elsewhere).await;
    let answer = check(foreign).await.unwrap();
    assert_eq!(answer.result, DocumentResult::NotIssuedHere);
    assert_eq!(answer.certificate_number, None);
    assert_eq!(certificate.number.as_str(), "CJ-2026-00000001");
}

#[tokio::test]
async fn documents_sealed_before_the_seal_key_was_replaced_keep_verifying() {
    let memory = memory().await;
    let (certificate, _, pdf) = issued(&memory).await;
    // The seal key pair replaced: the installed chain is now another key's.
    let elsewhere = crate::common::memory().await;
    let mut service = memory.verification_service().unwrap();
    service.chain = elsewhere.verification_service().unwrap().chain;
    let check = |bytes: Vec<u8>| {
        let service = &service;
        async move {
            service
                .verify_document(&bytes, Some("application/pdf"), "v")
                .await
                .unwrap()
        }
    };
    let answer = check(pdf.clone()).await;
    assert_eq!(answer.result, DocumentResult::Valid);
    assert_eq!(
        answer.certificate_number.as_ref().map(|n| n.as_str()),
        Some(certificate.number.as_str())
    );
    // Only the very file recorded at issue: one byte more and the old key's seal is not
    // enough (the record's hash no longer matches), and nothing about the number is said.
    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n% appended\n");
    let answer = check(appended).await;
    assert_eq!(answer.result, DocumentResult::NotIssuedHere);
    assert_eq!(answer.certificate_number, None);
    // A document sealed elsewhere under a number we also issued is still not ours.
    let (_, _, foreign) = issued(&crate::common::memory().await).await;
    assert_eq!(check(foreign).await.result, DocumentResult::NotIssuedHere);
}

#[tokio::test]
async fn what_is_not_a_signed_pdf_is_refused_with_a_reason() {
    let memory = memory().await;
    let service = memory.verification_service().unwrap();
    assert!(matches!(
        service
            .verify_document(b"hello", Some("application/pdf"), "v")
            .await,
        Err(DocumentVerifyError::NotAPdf)
    ));
    assert!(matches!(
        service
            .verify_document(b"%PDF-1.7", Some("text/plain"), "v")
            .await,
        Err(DocumentVerifyError::NotDeclaredPdf)
    ));
    let huge = vec![b' '; cazier_shared::services::verification::MAX_PDF_BYTES + 1];
    assert!(matches!(
        service
            .verify_document(&huge, Some("application/pdf"), "v")
            .await,
        Err(DocumentVerifyError::TooLarge { .. })
    ));
    let unsigned = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let answer = service
        .verify_document(unsigned, Some("application/pdf"), "v")
        .await
        .unwrap();
    assert_eq!(answer.result, DocumentResult::NotIssuedHere);
}

#[tokio::test]
async fn each_client_gets_thirty_verifications_a_minute() {
    let memory = memory().await;
    let service = memory.verification_service().unwrap();
    let cnp = new_cnp();
    for _ in 0..VERIFICATIONS_PER_MINUTE {
        assert!(service.verify(by("CJ-2026-1", &cnp), "busy").await.is_ok());
    }
    match service.verify(by("CJ-2026-1", &cnp), "busy").await {
        Err(VerifyError::Throttled { retry_after_secs }) => {
            assert!((1..=60).contains(&retry_after_secs))
        }
        other => panic!("expected throttling, got {other:?}"),
    }
    assert!(service.verify(by("CJ-2026-1", &cnp), "other").await.is_ok());
    let both = VerifyDto {
        cui: Some("123".into()),
        ..by_dto("CJ-2026-00000001", &cnp)
    };
    assert!(matches!(
        both.try_into_domain(),
        Err(VerifyError::Malformed(_))
    ));
}

/// Found by the attack on issue 23's build: from many addresses, a holder's CNP could be
/// guessed for a known number (the QR code gives the birth date). Each certificate takes a
/// bounded number of checks by number a day, whoever asks; other certificates are untouched.
#[tokio::test]
async fn a_certificate_takes_a_bounded_number_of_checks_by_number_a_day() {
    let memory = memory().await;
    let (certificate, cnp, _) = issued(&memory).await;
    let service = memory.verification_service().unwrap();
    let number = certificate.number.as_str();
    for i in 0..CHECKS_PER_CERTIFICATE_PER_DAY {
        // Each guess from its own address: the per-address limit never applies.
        let answer = service
            .verify(
                by(number, &new_cnp()),
                &format!("10.0.{}.{}", i / 200, i % 200),
            )
            .await;
        assert_eq!(answer.unwrap().result, VerificationResult::NotFound);
    }
    match service.verify(by(number, &cnp), "10.9.9.9").await {
        Err(VerifyError::Throttled { retry_after_secs }) => {
            assert!((1..=86_400).contains(&retry_after_secs))
        }
        other => panic!("expected the certificate's daily limit, got {other:?}"),
    }
    let other = service
        .verify(by("CJ-2026-00009999", &cnp), "10.9.9.9")
        .await;
    assert!(other.is_ok(), "another number is not limited");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A check with a receipt (issue 27): the same answer as the plain check, counted and audited
/// alike, sealed in a receipt that verifies offline and names no CNP.
#[tokio::test]
async fn a_check_by_number_comes_with_a_sealed_receipt() {
    use cazier_shared::wiring::PortSource;
    let memory = crate::common::memory().await;
    let (certificate, cnp, _) = crate::common::issued(&memory).await;
    let receipts = memory.receipt_service().unwrap();
    let answered = receipts
        .verify(
            crate::common::by(certificate.number.as_str(), &cnp),
            "checker",
        )
        .await
        .unwrap();
    assert_eq!(
        answered.answer.result,
        cazier_shared::domain::VerificationResult::Valid
    );
    assert!(!answered.receipt.contains(&cnp));
    let chain = memory.chain().unwrap().get().await.unwrap();
    let keys = cazier_shared::statement::TrustFile::from_pem(&chain.to_pem().unwrap()).keys;
    let claims = cazier_shared::receipt::verify(&answered.receipt, &keys).unwrap();
    assert_eq!(claims.number, answered.receipt_number);
    assert_eq!(claims.result, "VALID");
    assert_eq!(claims.how, "NUMBER_AND_CNP");
    assert_eq!(
        claims.certificate_number.as_deref(),
        Some(certificate.number.as_str())
    );
    assert_eq!(
        claims.holder_name.as_deref(),
        Some(certificate.holder_name.as_str())
    );
    assert!(!serde_json::to_string(&claims).unwrap().contains(&cnp));
    // A wrong CNP: a receipt of NOT_FOUND, nothing about the certificate.
    let other = crate::common::new_cnp();
    let wrong = receipts
        .verify(
            crate::common::by(certificate.number.as_str(), &other),
            "checker",
        )
        .await
        .unwrap();
    let claims = cazier_shared::receipt::verify(&wrong.receipt, &keys).unwrap();
    assert_eq!(claims.result, "NOT_FOUND");
    assert!(claims.holder_name.is_none() && claims.valid_until.is_none());
    // An extract is not a receipt, nor the reverse.
    assert!(cazier_shared::extract::verify(&answered.receipt, &keys).is_err());
}

//! The QR code's signed statement: what it carries comes back only from the seal's signature,
//! and every forged, altered, truncated, re-signed or expired statement is refused with its
//! reason.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cazier_shared::domain::{end_of_bucharest_day, CertificateNumber, Purpose};
use cazier_shared::statement::{self, cose, Refusal, Statement, TrustedKey, Verdict};
use cazier_shared::testing::LocalSigner;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use p256::pkcs8::DecodePublicKey;

fn person() -> Statement {
    Statement {
        number: CertificateNumber::new(2026, 1234),
        holder_name: "Ștefănescu Ana-Maria".into(),
        birth_date: NaiveDate::from_ymd_opt(1990, 3, 15),
        purpose: Purpose::Angajare,
        issued_at: Utc.with_ymd_and_hms(2026, 12, 2, 10, 30, 0).unwrap(),
        valid_until: NaiveDate::from_ymd_opt(2027, 6, 2).unwrap(),
        has_entries: false,
        status_index: Some(5_123_456),
    }
}

/// A signer, and the trust list that names it by its key id.
fn seal(kid: [u8; 8]) -> (LocalSigner, Vec<TrustedKey>) {
    let signer = LocalSigner::random();
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&signer.public_key_der()).unwrap();
    (signer, vec![TrustedKey { kid, key }])
}

async fn sign(statement: &Statement, kid: &[u8], signer: &LocalSigner) -> String {
    statement::sign(statement, kid, signer).await.unwrap()
}

fn during(s: &Statement) -> chrono::DateTime<Utc> {
    s.issued_at + Duration::days(1)
}

#[tokio::test]
async fn a_signed_statement_verifies_with_its_contents_until_its_last_day() {
    let kid = statement::key_id(b"seal certificate");
    let (signer, trusted) = seal(kid);
    for original in [
        person(),
        Statement {
            holder_name: "DUNĂREA TRANSPORT SRL".into(),
            birth_date: None,
            has_entries: true,
            ..person()
        },
    ] {
        let text = sign(&original, &kid, &signer).await;
        assert!(text.starts_with("CZ1:"), "{text}");
        // Short enough for a QR code that reads at 150 dpi.
        assert!(text.len() < 320, "{} characters", text.len());
        let url = format!("https://cazier.example.ro/verificare?number=CJ-2026-00001234#{text}");
        assert_eq!(
            statement::verify(&url, &trusted, during(&original)),
            Verdict::Valid(original.clone())
        );
        let last_instant = end_of_bucharest_day(original.valid_until) - Duration::seconds(1);
        assert!(matches!(
            statement::verify(&text, &trusted, last_instant),
            Verdict::Valid(_)
        ));
        assert_eq!(
            statement::verify(&text, &trusted, last_instant + Duration::seconds(1)),
            Verdict::Expired(original)
        );
    }
    assert_eq!(signer.signatures(), 2, "one signature each");
}

#[tokio::test]
async fn forged_altered_truncated_and_resigned_statements_are_refused_with_their_reason() {
    let kid = statement::key_id(b"seal certificate");
    let (signer, trusted) = seal(kid);
    let genuine = person();
    let text = sign(&genuine, &kid, &signer).await;
    let now = during(&genuine);
    let refused = |text: &str| match statement::verify(text, &trusted, now) {
        Verdict::Invalid(reason) => reason,
        other => panic!("accepted: {other:?}"),
    };

    // Another name, byte for byte the same length, in the signed bytes.
    let mut bytes = URL_SAFE_NO_PAD.decode(&text[4..]).unwrap();
    let at = bytes.windows(5).position(|w| w == b"Ana-M").unwrap();
    bytes[at..at + 5].copy_from_slice(b"Ion-M");
    let altered = format!("CZ1:{}", URL_SAFE_NO_PAD.encode(&bytes));
    assert_eq!(refused(&altered), Refusal::BadSignature);

    // A valid-until pushed a year on.
    let mut bytes = URL_SAFE_NO_PAD.decode(&text[4..]).unwrap();
    let at = bytes.windows(10).position(|w| w == b"2027-06-02").unwrap();
    bytes[at..at + 4].copy_from_slice(b"2028");
    assert_eq!(
        refused(&format!("CZ1:{}", URL_SAFE_NO_PAD.encode(&bytes))),
        Refusal::BadSignature
    );

    // Cut short, by a character or by half.
    for cut in [1, 2, text.len() / 2] {
        let reason = refused(&text[..text.len() - cut]);
        assert!(
            matches!(reason, Refusal::NotBase64 | Refusal::Malformed(_)),
            "cut {cut}: {reason:?}"
        );
    }

    // Made by another key that claims the seal's key id; by another key under its own id.
    let (impostor, _) = seal(kid);
    assert_eq!(
        refused(&sign(&genuine, &kid, &impostor).await),
        Refusal::BadSignature
    );
    let (other, _) = seal([9; 8]);
    assert_eq!(
        refused(&sign(&genuine, &[9; 8], &other).await),
        Refusal::UnknownKey
    );

    // Not a statement at all.
    assert_eq!(
        refused("https://cazier.example.ro/verificare?number=CJ-2026-00001234"),
        Refusal::NoStatement
    );
    assert_eq!(refused("CZ1:not base64!"), Refusal::NotBase64);
    let not_cose = format!("CZ1:{}", URL_SAFE_NO_PAD.encode([0xa0]));
    assert_eq!(
        refused(&not_cose),
        Refusal::Malformed(cose::CoseError::NotSign1)
    );
    let huge = format!("CZ1:{}", "A".repeat(10_000));
    assert_eq!(
        refused(&huge),
        Refusal::Malformed(cose::CoseError::TooLarge)
    );

    // Another algorithm named in the protected header ("none" has no COSE number; -35 is ES384).
    let message = cose::parse(&URL_SAFE_NO_PAD.decode(&text[4..]).unwrap()).unwrap();
    let mut protected = message.protected.clone();
    let at = protected.iter().position(|b| *b == 0x26).unwrap(); // -7
    protected[at..at + 1].copy_from_slice(&[0x38]);
    protected.insert(at + 1, 0x22); // -35
    let swapped = cose::message(protected, message.payload, message.signature);
    assert_eq!(
        refused(&format!("CZ1:{}", URL_SAFE_NO_PAD.encode(swapped))),
        Refusal::Malformed(cose::CoseError::Algorithm)
    );
}

#[tokio::test]
async fn the_trust_file_yields_the_seal_key_and_never_its_issuers() {
    let memory = crate::common::memory().await;
    let chain = cazier_shared::services::trust::load(&*memory.blobs)
        .await
        .unwrap()
        .expect("installed");
    let trusted = statement::trusted_keys(&chain.to_pem().unwrap());
    assert_eq!(trusted.len(), 1, "the seal only, not the root CA");
    use der::Encode;
    let seal_kid = statement::key_id(&chain.seal().to_der().unwrap());
    assert_eq!(trusted[0].kid, seal_kid);
    let text = sign(&person(), &seal_kid, &memory.signer).await;
    assert!(matches!(
        statement::verify(&text, &trusted, during(&person())),
        Verdict::Valid(_)
    ));
    // A statement signed by the root CA's key under the root's id is not trusted.
    let root_kid = statement::key_id(&chain.root().to_der().unwrap());
    assert_eq!(
        statement::verify(
            &sign(&person(), &root_kid, &memory.signer).await,
            &trusted,
            during(&person())
        ),
        Verdict::Invalid(Refusal::UnknownKey)
    );
    let jwk = trusted[0].jwk();
    assert_eq!(
        (jwk["kty"].as_str(), jwk["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    assert_eq!(
        jwk["x"].as_str().map(str::len),
        Some(43),
        "32 bytes, base64url"
    );
}

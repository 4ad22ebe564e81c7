//! The revocation status list (IETF Token Status List): the draft's own example, a signed list
//! of fixed size that verifies and tells revoked indexes, lists that are forged, altered,
//! stale, of another year, too short or not lists at all, and a zip bomb.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cazier_shared::domain::CertificateNumber;
use cazier_shared::domain::{LEGACY_STATUS_INDEXES, STATUS_LIST_BITS};
use cazier_shared::statement::status_list::{self, ListRefusal, ListStatus, StatusList, Unlisted};
use cazier_shared::statement::{key_id, TrustedKey};
use cazier_shared::testing::LocalSigner;
use chrono::{Duration, TimeZone, Utc};
use p256::pkcs8::DecodePublicKey;

fn seal() -> (LocalSigner, [u8; 8], Vec<TrustedKey>) {
    let signer = LocalSigner::random();
    let kid = key_id(&signer.public_key_der());
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&signer.public_key_der()).unwrap();
    (signer, kid, vec![TrustedKey { kid, key }])
}

#[test]
fn bits_are_in_the_drafts_order() {
    // draft-ietf-oauth-status-list, "Status List": statuses 1,0,0,1,1,1,0,1, 1,1,0,0,0,1,0,1.
    let drafts = StatusList::decode("eNrbuRgAAhcBXQ").unwrap();
    let revoked = [0, 3, 4, 5, 7, 8, 9, 13, 15];
    let mut ours = StatusList::new();
    for i in revoked {
        ours.revoke(i);
    }
    for i in 0..16 {
        assert_eq!(drafts.status(i), Some(revoked.contains(&i)), "index {i}");
        assert_eq!(ours.status(i), Some(revoked.contains(&i)), "index {i}");
    }
    // Beyond a (short) list nothing can be said: never "not revoked".
    assert_eq!(drafts.status(16), None);
    // Ours covers every index that can be drawn, and nothing beyond.
    assert_eq!(ours.bits(), STATUS_LIST_BITS);
    assert_eq!(ours.status(STATUS_LIST_BITS - 1), Some(false));
    assert_eq!(ours.status(STATUS_LIST_BITS), None);
    for _ in 0..1000 {
        let drawn = cazier_shared::domain::random_status_index();
        assert!((LEGACY_STATUS_INDEXES..STATUS_LIST_BITS).contains(&drawn));
    }
    assert_eq!(
        CertificateNumber::new(2026, 1234).year_and_sequence(),
        (2026, 1234)
    );
}

#[tokio::test]
async fn a_signed_list_verifies_and_forgeries_stale_or_broken_lists_do_not() {
    let (signer, kid, trusted) = seal();
    let at = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
    let mut list = StatusList::new();
    list.revoke(1234);
    let uri = "https://cazier.example.ro/v1/status-lists/2026";
    let token = status_list::sign(&list, uri, at, 86_400, &kid, &[b"seal".to_vec()], &signer)
        .await
        .unwrap();
    // Compressed, a year's list with a revocation is small.
    assert!(token.len() < 4096, "{} bytes", token.len());
    let read = status_list::verify(&token, &trusted, at + Duration::hours(1)).unwrap();
    assert_eq!(read.status_of(uri, 1234), Ok(ListStatus::Revoked));
    assert_eq!(read.status_of(uri, 1233), Ok(ListStatus::NotRevoked));
    assert_eq!(read.issued_at, at);
    // The list of 2026 says nothing of a certificate of 2025.
    assert!(matches!(
        read.status_in_year(2025, 1234),
        Err(Unlisted::OtherList(..))
    ));
    assert_eq!(read.status_in_year(2026, 1234), Ok(ListStatus::Revoked));
    // The header carries the seal's certificate (x5c), the root left out.
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["x5c"].as_array().map(Vec::len), Some(1));

    // A day later it is stale: a verifier must say it could not check revocation.
    assert!(matches!(
        status_list::verify(&token, &trusted, at + Duration::days(1)),
        Err(ListRefusal::Stale(_))
    ));
    // The revoked bit cleared in the signed claims.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["status_list"]["lst"] = StatusList::new().encoded().into();
    let cleared = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    assert_eq!(
        status_list::verify(&cleared, &trusted, at),
        Err(ListRefusal::BadSignature)
    );
    // Signed by another key, under the seal's kid or its own.
    let (impostor, impostor_kid, _) = seal();
    let forged = status_list::sign(&StatusList::new(), uri, at, 86_400, &kid, &[], &impostor)
        .await
        .unwrap();
    assert_eq!(
        status_list::verify(&forged, &trusted, at),
        Err(ListRefusal::BadSignature)
    );
    let foreign = status_list::sign(
        &StatusList::new(),
        uri,
        at,
        86_400,
        &impostor_kid,
        &[],
        &impostor,
    )
    .await
    .unwrap();
    assert_eq!(
        status_list::verify(&foreign, &trusted, at),
        Err(ListRefusal::UnknownKey)
    );
    // A list of another service's making but this seal's (another `sub`): not this year's.
    let elsewhere = status_list::sign(
        &list,
        "https://evil.example/2026",
        at,
        86_400,
        &kid,
        &[],
        &signer,
    )
    .await
    .unwrap();
    let read = status_list::verify(&elsewhere, &trusted, at).unwrap();
    assert!(read.status_of(uri, 1234).is_err());
    for broken in ["", "a.b", "a.b.c.d", &token[..token.len() / 2]] {
        assert!(
            status_list::verify(broken, &trusted, at).is_err(),
            "{broken}"
        );
    }
}

#[tokio::test]
async fn a_revocation_shows_in_the_published_list_of_its_year() {
    use cazier_shared::ports::Clock;
    use cazier_shared::wiring::ServiceGraphs;
    let memory = crate::common::memory().await;
    let (certificate, _, _) = crate::common::issued(&memory).await;
    let (other, _, _) = crate::common::issued(&memory).await;
    let service = memory.status_list_service().unwrap();
    let (year, _) = certificate.number.year_and_sequence();
    let verification = memory.verification_service().unwrap();
    assert_eq!(
        verification.status_list(year).await.unwrap(),
        None,
        "never published"
    );
    let revoked = cazier_shared::services::revocation::revoke(
        &*memory.certificates,
        &*memory.clock,
        &certificate.number,
        "issued in error",
        "ops",
    )
    .await
    .unwrap();
    assert!(revoked);
    service.publish(year).await.unwrap();

    let token = verification
        .status_list(year)
        .await
        .unwrap()
        .expect("published");
    let chain = cazier_shared::services::trust::load(&*memory.blobs)
        .await
        .unwrap()
        .unwrap();
    let trusted = cazier_shared::statement::trusted_in(chain.certificates());
    let list = status_list::verify(&token, &trusted, memory.clock.now()).unwrap();
    // The bit is at the index drawn at issue, which is not the number's sequence.
    let index = certificate.status_index.expect("drawn at issue");
    assert!(index >= LEGACY_STATUS_INDEXES);
    assert_eq!(list.status_in_year(year, index), Ok(ListStatus::Revoked));
    assert_eq!(
        list.status_in_year(year, other.status_index()),
        Ok(ListStatus::NotRevoked)
    );
    assert_ne!(index, other.status_index(), "unique within the year");
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(claims["sub"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v1/status-lists/{year}")));
}

#[tokio::test]
async fn a_zip_bomb_is_refused_quickly() {
    let (signer, kid, trusted) = seal();
    let at = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
    let token = status_list::sign(
        &StatusList::new(),
        "https://cazier.example.ro/v1/status-lists/2026",
        at,
        86_400,
        &kid,
        &[],
        &signer,
    )
    .await
    .unwrap();
    // 100 MB of zeros compress to about 100 KB: the claims say so, signed by the seal.
    let bomb = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; 100 << 20], 9);
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["status_list"]["lst"] = URL_SAFE_NO_PAD.encode(&bomb).into();
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{}.{body}", parts[0]);
    use cazier_shared::ports::Signer;
    let der = signer.sign(signed.as_bytes()).await.unwrap();
    let signature = p256::ecdsa::Signature::from_der(&der).unwrap();
    let token = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
    let started = std::time::Instant::now();
    assert_eq!(
        status_list::verify(&token, &trusted, at),
        Err(ListRefusal::Malformed)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

//! The SD-JWT VC credential without AWS: issued by the seal key, presented with a subset of
//! its disclosures and a key-binding JWT, and every forgery a verifier must catch refused.

use crate::common::memory;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cazier_shared::jose::public_jwk;
use cazier_shared::services::trust;
use cazier_shared::statement::trusted_keys;
use cazier_shared::wallet::credential_type::CredentialType;
use cazier_shared::wallet::sd_jwt::{
    issue, verify_presentation, CredentialFacts, PresentationRefusal as R, StatusReference,
};
use chrono::{Duration, TimeZone, Utc};
use p256::ecdsa::SigningKey;
use serde_json::json;

fn facts() -> CredentialFacts {
    CredentialFacts {
        number: "CJ-2026-00000042".into(),
        issued_at: Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap(),
        valid_until: chrono::NaiveDate::from_ymd_opt(2026, 9, 10).unwrap(),
        purpose: "ANGAJARE".into(),
        has_entries: false,
        holder_name: "Ștefănescu Ana-Maria".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1985, 1, 1),
        entries: Vec::new(),
    }
}

/// The wallet's presentation of the disclosures named.
fn present(
    c: &str,
    names: &[&str],
    holder: &SigningKey,
    aud: &str,
    nonce: &str,
    iat: i64,
) -> String {
    cazier_shared::testing::wallet::present(c, Some(names), holder, aud, nonce, iat)
}

#[tokio::test]
async fn a_presentation_shows_only_what_the_holder_chose_and_forgeries_are_refused() {
    let memory = memory().await;
    let chain = trust::load(&*memory.blobs).await.unwrap().unwrap();
    let holder = SigningKey::random(&mut rand::rngs::OsRng);
    let status = StatusReference {
        uri: "https://cazier.test/v1/status-lists/2026".into(),
        idx: 42,
    };
    let expires = Utc.with_ymd_and_hms(2026, 9, 10, 21, 0, 0).unwrap();
    let cazier_type = CredentialType::of("https://cazier.test");
    let vct = cazier_type.vct.as_str();
    let credential = issue(
        &facts(),
        &status,
        "https://cazier.test",
        &cazier_type,
        &public_jwk(holder.verifying_key()),
        chain.ders(),
        &*memory.signer,
        expires,
    )
    .await
    .unwrap();
    let trusted = trusted_keys(&chain.to_pem().unwrap());
    let now = Utc.with_ymd_and_hms(2026, 4, 1, 12, 0, 0).unwrap();
    let (aud, nonce) = ("https://employer.example", "n-0S6_WzA2Mj");
    let verify = |p: &str| verify_presentation(p, &trusted, vct, aud, nonce, now);

    // "Valid, no entries": two disclosures, nothing about the birth date or the name.
    let minimal = present(
        &credential,
        &["has_entries", "expiry_date"],
        &holder,
        aud,
        nonce,
        now.timestamp(),
    );
    let shown = verify(&minimal).unwrap();
    assert_eq!(shown.disclosed.len(), 2);
    assert_eq!(shown.disclosed["has_entries"], false);
    assert_eq!(shown.disclosed["expiry_date"], "2026-09-10");
    assert_eq!(shown.status, Some(status.clone()));
    assert!(!minimal.contains(&URL_SAFE_NO_PAD.encode("Ștefănescu")));
    println!(
        "credential {} bytes, minimal presentation {} bytes",
        credential.len(),
        minimal.len()
    );

    // The verifier and request it was made for, only.
    assert_eq!(
        verify_presentation(&minimal, &trusted, vct, "https://other.example", nonce, now),
        Err(R::WrongAudienceOrNonce)
    );
    assert_eq!(
        verify_presentation(&minimal, &trusted, vct, aud, "another-nonce", now),
        Err(R::WrongAudienceOrNonce)
    );
    // A proof by another key than the credential's holder's.
    let thief = SigningKey::random(&mut rand::rngs::OsRng);
    assert_eq!(
        verify(&present(
            &credential,
            &["has_entries"],
            &thief,
            aud,
            nonce,
            now.timestamp()
        )),
        Err(R::BadKeyBinding)
    );
    // Replayed an hour later.
    assert_eq!(
        verify(&present(
            &credential,
            &["has_entries"],
            &holder,
            aud,
            nonce,
            now.timestamp() - 3600
        )),
        Err(R::StaleKeyBinding)
    );
    // Without a proof.
    let bare = minimal[..minimal.rfind('~').unwrap() + 1].to_owned();
    assert_eq!(verify(&bare), Err(R::NoKeyBinding));
    // A disclosure removed after the proof was made, or one added.
    let parts: Vec<&str> = minimal.split('~').collect();
    let fewer = format!("{}~{}~{}", parts[0], parts[1], parts[3]);
    assert_eq!(verify(&fewer), Err(R::WrongDisclosures));
    // A disclosure the credential never had ("has_entries": true, made up).
    let forged = URL_SAFE_NO_PAD.encode(json!(["c2FsdA", "has_entries", true]).to_string());
    let with_forged = format!("{}~{}~{}~{}", parts[0], forged, parts[2], parts[3]);
    assert_eq!(verify(&with_forged), Err(R::ForeignDisclosure));
    // The same disclosure twice.
    let twice = format!("{}~{}~{}~{}", parts[0], parts[1], parts[1], parts[3]);
    assert_eq!(verify(&twice), Err(R::ForeignDisclosure));
    // One character of the issuer's JWT changed.
    let mut tampered = minimal.clone().into_bytes();
    let at = minimal.find('.').unwrap() + 5;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    assert!(matches!(
        verify(std::str::from_utf8(&tampered).unwrap()),
        Err(R::BadSignature | R::Malformed)
    ));
    // Expired, and checked against another service's seal.
    assert_eq!(
        verify_presentation(
            &minimal,
            &trusted,
            vct,
            aud,
            nonce,
            expires + Duration::seconds(1)
        ),
        Err(R::Expired)
    );
    let other = cazier_shared::testing::Memory::new(now).await;
    let other_chain = trust::load(&*other.blobs).await.unwrap().unwrap();
    let foreign = trusted_keys(&other_chain.to_pem().unwrap());
    assert_eq!(
        verify_presentation(&minimal, &foreign, vct, aud, nonce, now),
        Err(R::UnknownIssuer)
    );
    assert_eq!(verify("garbage"), Err(R::Malformed));
}

/// The seal key is found by the `x5c` leaf (credentials since 2026-12-07 carry no `kid`), and
/// by `kid` in credentials issued before, which wallets still hold; a `kid` of no key of ours,
/// or an `x5c` leaf that is not our seal, is no issuer of ours.
#[tokio::test]
async fn the_seal_key_is_found_by_x5c_and_by_the_kid_of_older_credentials() {
    let memory = memory().await;
    let chain = trust::load(&*memory.blobs).await.unwrap().unwrap();
    let holder = SigningKey::random(&mut rand::rngs::OsRng);
    let status = StatusReference {
        uri: "https://cazier.test/v1/status-lists/2026".into(),
        idx: 7,
    };
    let cazier_type = CredentialType::of("https://cazier.test");
    let expires = Utc.with_ymd_and_hms(2026, 9, 10, 21, 0, 0).unwrap();
    let credential = issue(
        &facts(),
        &status,
        "https://cazier.test",
        &cazier_type,
        &public_jwk(holder.verifying_key()),
        chain.ders(),
        &*memory.signer,
        expires,
    )
    .await
    .unwrap();
    let (jwt, disclosures) = credential.split_once('~').unwrap();
    let part = |i: usize| -> serde_json::Value {
        let text = jwt.split('.').nth(i).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).unwrap()).unwrap()
    };
    let (header, claims) = (part(0), part(1));
    assert!(header.get("kid").is_none(), "{header}");
    // The same credential as issued before, with the seal key's id beside x5c; and with a
    // made-up id.
    let seal_kid = cazier_shared::statement::seal_key_id(&chain).unwrap();
    let trusted = trusted_keys(&chain.to_pem().unwrap());
    let now = Utc.with_ymd_and_hms(2026, 4, 1, 12, 0, 0).unwrap();
    let (aud, nonce) = ("https://employer.example", "n-1");
    let shown = |c: &str| {
        let p = present(c, &["has_entries"], &holder, aud, nonce, now.timestamp());
        verify_presentation(&p, &trusted, &cazier_type.vct, aud, nonce, now)
    };
    assert!(shown(&credential).is_ok(), "by x5c");
    let mut resigned = Vec::new();
    for kid in [&seal_kid[..], b"not-ours"] {
        let mut older = header.clone();
        older["kid"] = json!(URL_SAFE_NO_PAD.encode(kid));
        let jwt = cazier_shared::jose::sign(&older, &claims, &*memory.signer)
            .await
            .unwrap();
        resigned.push(format!("{jwt}~{disclosures}"));
    }
    assert!(shown(&resigned[0]).is_ok(), "by the kid of before");
    assert!(matches!(shown(&resigned[1]), Err(R::UnknownIssuer)));
    // Signed by another key whose certificate is not ours, named by x5c alone.
    let stranger = cazier_shared::testing::wallet::TestWalletProvider::untrusted().await;
    let mut foreign = header.clone();
    foreign["x5c"] =
        json!([base64::engine::general_purpose::STANDARD.encode(&stranger.certificate)]);
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    let forged = cazier_shared::testing::wallet::jws(&foreign, &claims, &key);
    assert!(matches!(
        shown(&format!("{forged}~{disclosures}")),
        Err(R::UnknownIssuer)
    ));
}

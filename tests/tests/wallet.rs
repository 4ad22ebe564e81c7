//! The certificate's SD-JWT VC read and presented by an independent implementation: the IETF
//! reference `sd-jwt` package (PyPI) plays the wallet. It verifies the credential we issue with
//! the seal's public key, sees every claim, then presents only "no entries, valid until" with
//! a key-binding JWT that our verifier accepts (and refuses for another verifier).

use cazier_e2e::workspace_root;
use cazier_shared::jose::public_jwk;
use cazier_shared::services::trust;
use cazier_shared::statement::trusted_keys;
use cazier_shared::wallet::credential_type::CredentialType;
use cazier_shared::wallet::sd_jwt::{
    issue, verify_presentation, CredentialFacts, PresentationRefusal, StatusReference,
};
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::process::Command;

fn wallet(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(workspace_root().join(".venv/bin/python"))
        .arg(workspace_root().join("tests/interop/sd_jwt_wallet.py"))
        .args(args)
        .output()
        .expect("the .venv's python (make venv)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    )
}

#[tokio::test]
async fn the_reference_wallet_reads_our_credential_and_presents_only_what_it_chooses() {
    let now = Utc::now();
    let memory = cazier_shared::testing::Memory::new(now).await;
    let chain = trust::load(&*memory.blobs).await.unwrap().unwrap();

    // The wallet makes its key; the credential is bound to its public half.
    let (ok, holder_private, err) = wallet(&["key"]);
    assert!(ok, "{err}");
    let mut holder_public: Value = serde_json::from_str(&holder_private).unwrap();
    holder_public.as_object_mut().unwrap().remove("d");
    let facts = CredentialFacts {
        number: "CJ-2026-00000042".into(),
        issued_at: now,
        valid_until: (now + Duration::days(183)).date_naive(),
        purpose: "ANGAJARE".into(),
        has_entries: false,
        holder_name: "Ștefănescu Ana-Maria".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1985, 1, 1),
        entries: Vec::new(),
    };
    let status = StatusReference {
        uri: "https://cazier.test/v1/status-lists/2026".into(),
        idx: 42,
    };
    let cazier_type = CredentialType::of("https://cazier.test");
    let credential = issue(
        &facts,
        &status,
        "https://cazier.test",
        &cazier_type,
        &holder_public,
        chain.ders(),
        &*memory.signer,
        now + Duration::days(183),
    )
    .await
    .unwrap();

    // The issuer's key as the wallet fetches it: the seal's public key, as a JWK.
    let seal = p256::ecdsa::VerifyingKey::from_sec1_bytes(
        chain
            .seal()
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
    .unwrap();
    let issuer_jwk = public_jwk(&seal);
    let dir = std::env::temp_dir().join(format!("cazier-wallet-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let issuer_file = write("issuer.jwk", &issuer_jwk.to_string());
    let holder_file = write("holder.jwk", &holder_private);
    let credential_file = write("credential.txt", &credential);
    let (aud, nonce) = ("https://employer.example/verify", "4b1c7e2a9d");

    let (ok, presentation, seen) = wallet(&[
        "present",
        &issuer_file,
        &holder_file,
        &credential_file,
        nonce,
        aud,
        "has_entries",
        "expiry_date",
    ]);
    assert!(ok, "{seen}");
    println!("the reference implementation verified the credential and read:\n{seen}");
    let seen: Value = serde_json::from_str(seen.lines().last().unwrap()).unwrap();
    assert_eq!(seen["vct"], "https://cazier.test/credentials/cazier/1");
    assert_eq!(seen["vct#integrity"], cazier_type.integrity.as_str());
    assert_eq!(seen["holder_name"], "Ștefănescu Ana-Maria");
    assert_eq!(seen["birth_date"], "1985-01-01");
    assert_eq!(seen["certificate_number"], "CJ-2026-00000042");
    assert_eq!(seen["has_entries"], false);
    assert_eq!(seen["status"]["status_list"]["idx"], 42);

    // Its presentation, checked by ours: two claims shown, for this verifier and request.
    let trusted = trusted_keys(&chain.to_pem().unwrap());
    let shown = verify_presentation(
        &presentation,
        &trusted,
        &cazier_type.vct,
        aud,
        nonce,
        Utc::now(),
    )
    .unwrap();
    let names: Vec<&String> = shown.disclosed.keys().collect();
    assert_eq!(names, ["expiry_date", "has_entries"], "{shown:?}");
    assert_eq!(shown.disclosed["has_entries"], false);
    println!(
        "credential {} bytes; the reference wallet's minimal presentation {} bytes",
        credential.len(),
        presentation.len()
    );
    assert_eq!(
        verify_presentation(
            &presentation,
            &trusted,
            &cazier_type.vct,
            "https://other.example",
            nonce,
            Utc::now()
        ),
        Err(PresentationRefusal::WrongAudienceOrNonce)
    );

    // The reference verifier refuses the credential with another issuer's key.
    let other = json!({"kty": "EC", "crv": "P-256",
        "x": holder_public["x"], "y": holder_public["y"]});
    let other_file = write("other.jwk", &other.to_string());
    let (ok, _, err) = wallet(&[
        "present",
        &other_file,
        &holder_file,
        &credential_file,
        nonce,
        aud,
        "has_entries",
    ]);
    assert!(!ok, "accepted with another key");
    assert!(
        err.contains("Verification failed") || err.contains("InvalidJWSSignature"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

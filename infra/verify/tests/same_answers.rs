//! One table, every verifier of ours, the same inputs (issue 22, item 5): the QR code's
//! statement (the library, `cazier-verify`, the verification page's own script run in Node),
//! the PDF (the library, `cazier-verify`, the online document route) and the status-list
//! cases (the library, `cazier-verify`, the page's script, the wallet verifier). Each row must
//! read the same in every column. The table is printed and written to
//! target/forgery/same-answers.txt. (Just over 400 lines: one table's rows and the wallet
//! path that makes its last column.)

use cazier_e2e::forgery::{corpus, forged_timestamp, issued_in_memory, timestamp_removed};
use cazier_shared::domain::{
    DocumentResult, PresentationOutcome, PresentationStatus, Principal, Role,
};
use cazier_shared::jose::public_jwk;
use cazier_shared::pdf::pades::read_signed;
use cazier_shared::ports::BlobStore;
use cazier_shared::services::status::blob_key;
use cazier_shared::services::wallet::{CONFIGURATION_ID, PRE_AUTHORIZED_GRANT};
use cazier_shared::statement::status_list::{self, ListStatus, StatusList};
use cazier_shared::statement::{verify, verify_pdf, TrustFile, Verdict};
use cazier_shared::testing::wallet::{jws, present};
use cazier_shared::testing::wallet::{redeem, TestWalletProvider};
use cazier_shared::wiring::ServiceGraphs;
use der::Encode;
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};
use std::process::Command;

fn cli(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cazier-verify"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// What the page's script says (tests/interop/page_check.mjs).
fn page(html: &str, keys: &str, statement: &str, list: Option<&str>) -> Value {
    let script = cazier_e2e::workspace_root().join("tests/interop/page_check.mjs");
    let mut command = Command::new("node");
    command.arg(script).args([html, keys, statement]);
    if let Some(list) = list {
        command.arg(list);
    }
    let out = command.output().expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON line")
}

fn verdict(v: &Verdict) -> &'static str {
    match v {
        Verdict::Valid(_) => "VALID",
        Verdict::Expired(_) => "EXPIRED",
        Verdict::Invalid(_) => "INVALID",
    }
}

fn cli_verdict(out: &str) -> String {
    out.split(':').next().unwrap_or_default().to_owned()
}

/// `cazier-verify`'s revocation line, as one of the three answers.
fn cli_revocation(out: &str) -> &'static str {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("revocation:"))
        .unwrap_or_default();
    if line.contains("could not be checked") || line.contains("not checked") {
        "not-checked"
    } else if line.contains("not revoked") {
        "not-revoked"
    } else {
        "revoked"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_verifier_gives_the_same_answer() {
    let issued = issued_in_memory().await;
    let memory = &issued.memory;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    };
    let trust_path = write("trust.pem", issued.chain.as_bytes());
    let trust = TrustFile::from_pem(&issued.chain);
    let jwks: Vec<Value> = trust.keys.iter().map(|k| k.jwk()).collect();
    let keys_path = write("keys.json", Value::from(jwks).to_string().as_bytes());
    let html = cazier_e2e::workspace_root()
        .join("functions/web/src/verify.js")
        .to_string_lossy()
        .into_owned();
    let now = chrono::Utc::now();
    // What cazier-verify prints, for the report.
    let mut printed = Vec::new();
    let mut table = vec![format!(
        "{:<42} {:<12} {:<12} {:<12} {:<12} expected",
        "case", "library", "cli", "page/online", "wallet"
    )];

    // --- The QR code's statement -------------------------------------------------------------
    let text = String::from_utf8_lossy(&issued.pdf).into_owned();
    let at = text.find("#CZ1:").unwrap() + 1;
    let genuine: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_:".contains(*c))
        .collect();
    let mut altered = genuine.clone().into_bytes();
    let middle = altered.len() / 2;
    altered[middle] = if altered[middle] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for (case, statement, expected) in [
        ("statement, genuine", genuine.as_str(), "VALID"),
        ("statement, one letter changed", altered.as_str(), "INVALID"),
        ("statement, not one", "CZ1:AAAA", "INVALID"),
    ] {
        let library = verdict(&verify(statement, &trust.keys, now));
        let (_, out) = cli(&["--trust", &trust_path, statement]);
        let by_page = page(&html, &keys_path, statement, None);
        let row = [
            library.to_owned(),
            cli_verdict(&out),
            by_page["result"].as_str().unwrap_or_default().to_owned(),
        ];
        table.push(format!(
            "{case:<42} {:<12} {:<12} {:<12} {:<12} {expected}",
            row[0], row[1], row[2], "-"
        ));
        assert!(
            row.iter().all(|r| r == expected),
            "{case}: {row:?} {by_page}"
        );
    }

    // --- The PDF -------------------------------------------------------------------------------
    let signed_len = read_signed(&issued.pdf).unwrap().signed_len;
    let chain = x509_cert::Certificate::load_pem_chain(issued.chain.as_bytes()).unwrap();
    let forgeries = corpus(&issued.pdf, signed_len, &chain[0].to_der().unwrap());
    let online = memory.verification_service().unwrap();
    let mut pdfs: Vec<(String, Vec<u8>, &str)> = forgeries
        .into_iter()
        .map(|f| {
            (
                format!("pdf, {}", f.name),
                f.bytes,
                if f.genuine { "VALID" } else { "INVALID" },
            )
        })
        .collect();
    let stamp = forged_timestamp(&issued).await;
    pdfs.push((format!("pdf, {}", stamp.name), stamp.bytes, "INVALID"));
    let removed = timestamp_removed(&issued);
    pdfs.push((format!("pdf, {}", removed.name), removed.bytes, "INVALID"));
    for (case, bytes, expected) in &pdfs {
        let library = verdict(&verify_pdf(bytes, &trust, now));
        let path = write("case.pdf", bytes);
        let (_, out) = cli(&["--trust", &trust_path, &path]);
        let answer = online
            .verify_document(bytes, Some("application/pdf"), case)
            .await;
        let online_verdict = match answer {
            Ok(a) if a.result == DocumentResult::Valid => "VALID",
            _ => "INVALID",
        };
        if case.contains("genuine-b-lt") || case.contains("forged-timestamp") {
            printed.push(format!("$ cazier-verify --trust trust.pem <{case}>\n{out}"));
        }
        let row = [
            library.to_owned(),
            cli_verdict(&out),
            online_verdict.to_owned(),
        ];
        table.push(format!(
            "{case:<42} {:<12} {:<12} {:<12} {:<12} {expected}",
            row[0], row[1], row[2], "-"
        ));
        assert!(row.iter().all(|r| r == expected), "{case}: {row:?}");
    }

    // --- Revocation: the status-list cases ------------------------------------------------------
    let certificate = memory.certificates.all().into_iter().next().unwrap();
    let (year, _) = certificate.number.year_and_sequence();
    let index = certificate.status_index();
    let holder = Principal {
        account_id: certificate.account_id.clone(),
        role: Role::Citizen,
        token_hash: "session".into(),
    };
    let wallet_key = SigningKey::random(&mut rand::rngs::OsRng);
    let credential = wallet_credential(memory, &holder, &certificate.number, &wallet_key).await;
    let lists = memory.status_list_service().unwrap();
    let list_of = |year: i32| {
        let online = memory.verification_service().unwrap();
        async move { online.status_list(year).await.unwrap().unwrap() }
    };
    lists.publish(year).await.unwrap();
    let current = list_of(year).await;
    lists.publish(year - 1).await.unwrap();
    let last_year = list_of(year - 1).await;
    let seal_chain = cazier_shared::services::trust::load(&*memory.blobs)
        .await
        .unwrap()
        .unwrap();
    let kid = cazier_shared::statement::seal_key_id(&seal_chain).unwrap();
    let uri = cazier_shared::services::status::list_uri(&lists.lists_url, year);
    let sign = |list: StatusList, at: chrono::DateTime<chrono::Utc>| {
        let (uri, signer) = (uri.clone(), memory.signer.clone());
        async move {
            status_list::sign(&list, &uri, at, 2 * 86_400, &kid, &[], &*signer)
                .await
                .unwrap()
        }
    };
    // Signed three days ago (valid two): out of date.
    let stale = sign(StatusList::new(), now - chrono::Duration::days(3)).await;
    // A list as published before lists had a fixed size: as long as its highest revoked index.
    let short = sign(StatusList::decode("eNrbuRgAAhcBXQ").unwrap(), now).await;
    let mut cases = vec![
        ("list of its year, current", current, "not-revoked"),
        ("list of last year", last_year, "not-checked"),
        ("list out of date", stale, "not-checked"),
        ("list too short for its index", short, "not-checked"),
    ];
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
    lists.publish(year).await.unwrap();
    cases.push((
        "list of its year, after revocation",
        list_of(year).await,
        "revoked",
    ));

    let presentations = memory.presentation_service().unwrap();
    // A registered organisation asks the wallet.
    let employer = cazier_shared::testing::organisations::sample_organisation("Angajator SRL");
    cazier_shared::ports::Organisations::add(&*memory.organisations, &employer)
        .await
        .unwrap();
    for (case, token, expected) in cases {
        let library = match status_list::verify(&token, &trust.keys, now) {
            Ok(list) => match list.status_in_year(year, index) {
                Ok(ListStatus::Revoked) => "revoked",
                Ok(ListStatus::NotRevoked) => "not-revoked",
                Err(_) => "not-checked",
            },
            Err(_) => "not-checked",
        };
        let list_path = write("list.jwt", token.as_bytes());
        let pdf_path = write("certificate.pdf", &issued.pdf);
        let (_, out) = cli(&[
            "--trust",
            &trust_path,
            "--status-list",
            &list_path,
            &pdf_path,
        ]);
        printed.push(format!(
            "$ cazier-verify --trust trust.pem --status-list <{case}> certificate.pdf\n{out}"
        ));
        let by_page = page(&html, &keys_path, &genuine, Some(&list_path));
        // The wallet verifier reads the published list: this case's, in its place.
        memory
            .blobs
            .put(
                &blob_key(year),
                token.clone().into_bytes(),
                "application/statuslist+jwt",
            )
            .await
            .unwrap();
        let started = presentations.start(&employer, None).await.unwrap();
        let field = |name: &str| {
            started.authorization_request[name]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let presentation = present(
            &credential,
            Some(&cazier_shared::services::presentation::REQUESTED_CLAIMS[..]),
            &wallet_key,
            &field("client_id"),
            &field("nonce"),
            chrono::Utc::now().timestamp(),
        );
        let vp_token = json!({"cazier": [presentation]}).to_string();
        let response = cazier_shared::testing::wallet::encrypted_response(
            &started.authorization_request,
            &vp_token,
        );
        let outcome = presentations
            .respond(cazier_shared::services::presentation::WalletResponse {
                response: Some(&response),
                ..Default::default()
            })
            .await
            .unwrap()
            .outcome;
        let wallet = match &outcome {
            PresentationOutcome::Verified { status, .. } => match status {
                PresentationStatus::Valid => "not-revoked",
                PresentationStatus::Revoked => "revoked",
                PresentationStatus::RevocationNotChecked => "not-checked",
            },
            other => panic!("{case}: the wallet verifier says {other:?}"),
        };
        let row = [
            library.to_owned(),
            cli_revocation(&out).to_owned(),
            by_page["revocation"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            wallet.to_owned(),
        ];
        table.push(format!(
            "{case:<42} {:<12} {:<12} {:<12} {:<12} {expected}",
            row[0], row[1], row[2], row[3]
        ));
        assert!(row.iter().all(|r| r == expected), "{case}: {row:?}\n{out}");
    }

    let report = format!("{}\n\n{}", table.join("\n"), printed.join("\n"));
    println!("{report}");
    let out = cazier_e2e::workspace_root().join("target/forgery");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("same-answers.txt"), &report).unwrap();
}

/// The credential a wallet with key `wallet` gets for the holder's certificate: offer, token,
/// nonce, proof (OpenID4VCI 1.0).
async fn wallet_credential(
    memory: &cazier_shared::testing::Memory,
    holder: &Principal,
    number: &cazier_shared::domain::CertificateNumber,
    wallet: &SigningKey,
) -> String {
    let service = memory.wallet_service().unwrap();
    let offer = service.offer(holder, number).await.unwrap();
    let code = offer
        .credential_offer
        .grants
        .pre_authorized_code
        .code
        .clone();
    let token = redeem(
        &service,
        Some(PRE_AUTHORIZED_GRANT),
        Some(&code),
        Some(&offer.tx_code),
    )
    .await
    .unwrap();
    let nonce = service.nonce("wallet").await.unwrap();
    let proof = jws(
        &json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": public_jwk(wallet.verifying_key()),
            "key_attestation": TestWalletProvider::dev().key_attestation(wallet.verifying_key(), &["iso_18045_high"])}),
        &json!({"aud": service.issuer_url, "iat": chrono::Utc::now().timestamp(), "nonce": nonce}),
        wallet,
    );
    service
        .credential(&token.access_token, Some(CONFIGURATION_ID), Some(&proof))
        .await
        .unwrap()
}

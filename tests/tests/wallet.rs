//! The certificate's SD-JWT VC read and presented by an independent implementation: the IETF
//! reference `sd-jwt` package (PyPI) plays the wallet. It verifies the credential we issue with
//! the seal's public key, sees every claim, then presents only "no entries, valid until" with
//! a key-binding JWT that our verifier accepts (and refuses for another verifier).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cazier_e2e::workspace_root;
use cazier_shared::services::trust;
use cazier_shared::statement::{seal_key_id, trusted_keys};
use cazier_shared::wallet::sd_jwt::{
    issue, verify_presentation, CredentialFacts, PresentationRefusal, StatusReference,
};
use chrono::{Duration, Utc};
use der::Encode;
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
    let kid = seal_key_id(&chain).unwrap();
    let ders: Vec<Vec<u8>> = chain
        .certificates()
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect();

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
    let credential = issue(
        &facts,
        &status,
        "https://cazier.test",
        &holder_public,
        &kid,
        &ders,
        &*memory.signer,
        now + Duration::days(183),
    )
    .await
    .unwrap();

    // The issuer's key as the wallet fetches it: the seal's public key, as a JWK.
    let seal = p256::PublicKey::from_sec1_bytes(
        chain
            .seal()
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
    .unwrap();
    let point = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&seal, false);
    let issuer_jwk = json!({"kty": "EC", "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()), "y": URL_SAFE_NO_PAD.encode(point.y().unwrap())});
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
    assert_eq!(seen["vct"], "urn:eu.europa.ec.eudi:cazier:1");
    assert_eq!(seen["holder_name"], "Ștefănescu Ana-Maria");
    assert_eq!(seen["birth_date"], "1985-01-01");
    assert_eq!(seen["certificate_number"], "CJ-2026-00000042");
    assert_eq!(seen["has_entries"], false);
    assert_eq!(seen["status"]["status_list"]["idx"], 42);

    // Its presentation, checked by ours: two claims shown, for this verifier and request.
    let trusted = trusted_keys(&chain.to_pem().unwrap());
    let shown = verify_presentation(&presentation, &trusted, aud, nonce, Utc::now()).unwrap();
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

/// A compact ES256 JWS by `key`.
fn sign_jws(header: Value, claims: Value, key: &p256::ecdsa::SigningKey) -> String {
    use p256::ecdsa::signature::Signer as _;
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let c = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature: p256::ecdsa::Signature = key.sign(format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// The wallet's proof of possession (OpenID4VCI 1.0, 8.2.1.1).
fn proof_jwt(key: &p256::ecdsa::SigningKey, aud: &str, nonce: &str) -> String {
    let point = key.verifying_key().to_encoded_point(false);
    let jwk = json!({"kty": "EC", "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()), "y": URL_SAFE_NO_PAD.encode(point.y().unwrap())});
    sign_jws(
        json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": jwk}),
        json!({"aud": aud, "iat": Utc::now().timestamp(), "nonce": nonce}),
        key,
    )
}

/// A stack whose issuer identifier (PortalUrl) is its own address, so that a wallet can
/// resolve the issuer's metadata from the offer.
fn wallet_stack() -> &'static cazier_e2e::TestStack {
    static STACK: std::sync::OnceLock<cazier_e2e::TestStack> = std::sync::OnceLock::new();
    STACK.get_or_init(|| {
        cazier_e2e::TestStack::start(&[
            ("IdentityIssuers", &cazier_e2e::dev_issuers()),
            ("PortalUrl", "{base}"),
        ])
    })
}

/// The whole OpenID4VCI exchange over HTTP against the local stack, as a wallet makes it.
#[test]
fn a_wallet_gets_the_certificate_over_openid4vci() {
    use cazier_e2e::*;
    let stack = wallet_stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let request = citizen.request_and_wait(&client, "ANGAJARE");
    let number = request["certificate_number"].as_str().unwrap().to_owned();

    let metadata = client
        .get("/.well-known/openid-credential-issuer", None)
        .json();
    let issuer = metadata["credential_issuer"].as_str().unwrap().to_owned();
    assert_eq!(
        metadata["credential_configurations_supported"]["cazier_sd_jwt_vc"]["format"],
        "dc+sd-jwt"
    );
    let server = client
        .get("/.well-known/oauth-authorization-server", None)
        .json();
    assert!(server["token_endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/oid4vci/token"));

    let path = format!("/v1/certificates/{number}/wallet-offer");
    assert_eq!(
        client.post(&path, None, json!({})).status,
        401,
        "signed-in holders only"
    );
    let offer = client.post(&path, Some(&citizen.token), json!({}));
    assert_eq!(offer.status, 201);
    assert_eq!(offer.header("cache-control"), Some("no-store"));
    let offer = offer.json();
    let code = offer["credential_offer"]["grants"]
        ["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let tx_code = offer["tx_code"].as_str().unwrap().to_owned();
    let form = |body: &str| {
        client.raw(
            "POST",
            "/oid4vci/token",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(body.as_bytes()),
        )
    };
    let grant = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code";
    let token = form(&format!(
        "grant_type={grant}&pre-authorized_code={code}&tx_code={tx_code}"
    ));
    assert_eq!(
        token.status,
        200,
        "{}",
        String::from_utf8_lossy(&token.body)
    );
    let access = token.json()["access_token"].as_str().unwrap().to_owned();
    let again = form(&format!(
        "grant_type={grant}&pre-authorized_code={code}&tx_code={tx_code}"
    ));
    assert_eq!(
        (again.status, again.json()["error"].clone()),
        (400, json!("invalid_grant"))
    );

    let nonce = client.post("/oid4vci/nonce", None, json!({})).json()["c_nonce"]
        .as_str()
        .unwrap()
        .to_owned();
    let wallet_key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let body = json!({"credential_configuration_id": "cazier_sd_jwt_vc",
        "proofs": {"jwt": [proof_jwt(&wallet_key, &issuer, &nonce)]}});
    let no_token = client.post("/oid4vci/credential", None, body.clone());
    assert_eq!(no_token.status, 401);
    assert_eq!(no_token.json()["error"], "invalid_token");
    let issued = client.post("/oid4vci/credential", Some(&access), body.clone());
    assert_eq!(
        issued.status,
        200,
        "{}",
        String::from_utf8_lossy(&issued.body)
    );
    let credential = issued.json()["credentials"][0]["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    // Nothing issued twice for one access token.
    let twice = client.post("/oid4vci/credential", Some(&access), body);
    assert_eq!(twice.status, 401);

    // The credential, presented with the wallet's key, verifies against the published seal.
    let chain = String::from_utf8(client.get("/v1/trust/certificates", None).body).unwrap();
    let trusted = trusted_keys(&chain);
    let sd_hash = URL_SAFE_NO_PAD.encode(<sha2::Sha256 as sha2::Digest>::digest(
        credential.as_bytes(),
    ));
    let kb = sign_jws(
        json!({"typ": "kb+jwt", "alg": "ES256"}),
        json!({"aud": "https://employer.example", "nonce": "v1",
            "iat": Utc::now().timestamp(), "sd_hash": sd_hash}),
        &wallet_key,
    );
    let shown = verify_presentation(
        &format!("{credential}{kb}"),
        &trusted,
        "https://employer.example",
        "v1",
        Utc::now(),
    )
    .unwrap();
    assert_eq!(shown.disclosed["certificate_number"], number.as_str());
    assert_eq!(shown.disclosed["has_entries"], false);
    println!("credential over OpenID4VCI: {} bytes", credential.len());

    // Revoking the certificate flips its bit in the list the credential names: the verifier,
    // reading the published list, says REVOKED.
    let status = shown.status.clone().expect("a status reference");
    let year = status.uri.rsplit('/').next().unwrap().to_owned();
    let list = || {
        stack
            .runtime
            .block_on(stack.status_lists().publish(year.parse().unwrap()))
            .expect("published");
        let token = client.get(&format!("/v1/status-lists/{year}"), None);
        cazier_shared::statement::status_list::verify(
            &String::from_utf8(token.body).unwrap(),
            &trusted,
            Utc::now(),
        )
        .expect("a genuine, current list")
    };
    assert_eq!(shown.revoked_in(&list()), Some(false));
    let revoked = stack
        .runtime
        .block_on(cazier_shared::services::revocation::revoke(
            &*stack.certificates(),
            &*cazier_shared::wiring::PortSource::clock(&stack.wiring),
            &cazier_shared::domain::CertificateNumber::parse(&number).unwrap(),
            "emis din eroare",
            "ops",
        ));
    assert!(revoked.unwrap());
    assert_eq!(shown.revoked_in(&list()), Some(true), "REVOKED");
}

/// An independent OpenID4VCI client library (@openid4vc/openid4vci, npm) as the wallet: from
/// the holder's offer and transaction code to the credential, which then presents and verifies.
#[test]
fn an_independent_openid4vci_client_gets_the_certificate() {
    use cazier_e2e::*;
    let stack = wallet_stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let request = citizen.request_and_wait(&client, "STUDII");
    let number = request["certificate_number"].as_str().unwrap().to_owned();
    let offer = client
        .post(
            &format!("/v1/certificates/{number}/wallet-offer"),
            Some(&citizen.token),
            json!({}),
        )
        .json();
    let script = workspace_root().join("tests/interop/oid4vci_wallet.mjs");
    assert!(
        workspace_root()
            .join("tests/interop/node_modules/@openid4vc/openid4vci")
            .exists(),
        "tests/interop/node_modules is missing: run `make venv` (or `make test`) first"
    );
    let out = Command::new("node")
        .arg(&script)
        .arg(offer["credential_offer_uri"].as_str().unwrap())
        .arg(offer["tx_code"].as_str().unwrap())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the client failed:\n{stderr}\n{stdout}"
    );
    let got: Value = serde_json::from_str(stdout.trim()).expect("the client's JSON");
    let credential = got["credential"].as_str().unwrap().to_owned();
    println!(
        "@openid4vc/openid4vci 0.4.6 retrieved a credential of {} bytes",
        credential.len()
    );

    // Presented with the key the client proved, it verifies against the published seal.
    let d = URL_SAFE_NO_PAD
        .decode(got["holder_jwk"]["d"].as_str().unwrap())
        .unwrap();
    let holder = p256::ecdsa::SigningKey::from_slice(&d).unwrap();
    let sd_hash = URL_SAFE_NO_PAD.encode(<sha2::Sha256 as sha2::Digest>::digest(
        credential.as_bytes(),
    ));
    let kb = sign_jws(
        json!({"typ": "kb+jwt", "alg": "ES256"}),
        json!({"aud": "https://employer.example", "nonce": "v2",
            "iat": Utc::now().timestamp(), "sd_hash": sd_hash}),
        &holder,
    );
    let chain = String::from_utf8(client.get("/v1/trust/certificates", None).body).unwrap();
    let shown = verify_presentation(
        &format!("{credential}{kb}"),
        &trusted_keys(&chain),
        "https://employer.example",
        "v2",
        Utc::now(),
    )
    .unwrap();
    assert_eq!(shown.disclosed["certificate_number"], number.as_str());
    assert_eq!(shown.disclosed["purpose"], "STUDII");
}

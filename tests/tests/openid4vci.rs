//! The certificate into a wallet over HTTP, by OpenID4VCI 1.0 against the local stack: as a
//! wallet written here makes the exchange (each step and its refusals, then revocation seen in
//! the status list), and as an independent client library (@openid4vc/openid4vci, npm) does.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cazier_e2e::wallets::{independent_wallet_credential, wallet_stack};
use cazier_e2e::*;
use cazier_shared::jose::public_jwk;
use cazier_shared::statement::trusted_keys;
use cazier_shared::testing::wallet::present;
use cazier_shared::testing::wallet::TestWalletProvider;
use cazier_shared::wallet::credential_type::CredentialType;
use cazier_shared::wallet::sd_jwt::verify_presentation;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::Digest;

/// A compact ES256 JWS by `key`.
fn sign_jws(header: Value, claims: Value, key: &p256::ecdsa::SigningKey) -> String {
    cazier_shared::testing::wallet::jws(&header, &claims, key)
}

/// The wallet's proof of possession (OpenID4VCI 1.0, 8.2.1.1), with its provider's key
/// attestation (the key in a secure element).
fn proof_jwt(key: &p256::ecdsa::SigningKey, aud: &str, nonce: &str) -> String {
    let attested =
        TestWalletProvider::dev().key_attestation(key.verifying_key(), &["iso_18045_high"]);
    sign_jws(
        json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": public_jwk(key.verifying_key()),
               "key_attestation": attested}),
        json!({"aud": aud, "iat": Utc::now().timestamp(), "nonce": nonce}),
        key,
    )
}

/// The whole OpenID4VCI exchange over HTTP against the local stack, as a wallet makes it.
#[test]
fn a_wallet_gets_the_certificate_over_openid4vci() {
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
    // Wallets authenticate with their provider's attestation (HAIP); the key too is attested.
    assert_eq!(
        server["token_endpoint_auth_methods_supported"],
        json!(["attest_jwt_client_auth"])
    );
    assert_eq!(
        metadata["credential_configurations_supported"]["cazier_sd_jwt_vc"]
            ["proof_types_supported"]["jwt"]["key_attestations_required"]["key_storage"],
        json!(["iso_18045_high", "iso_18045_moderate"])
    );

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
    // The wallet instance, attested by the development wallet provider the stack trusts.
    let server_issuer = server["issuer"].as_str().unwrap().to_owned();
    let form_as = |body: &str, attested: bool| {
        let (attestation, pop) =
            TestWalletProvider::dev().attest_instance(&server_issuer, Utc::now().timestamp());
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        if attested {
            headers.push(("oauth-client-attestation", attestation.as_str()));
            headers.push(("oauth-client-attestation-pop", pop.as_str()));
        }
        client.raw(
            "POST",
            "/oid4vci/token",
            None,
            &headers,
            Some(body.as_bytes()),
        )
    };
    let form = |body: &str| form_as(body, true);
    let grant = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code";
    // Without an attestation: 401 invalid_client, and the offer is not spent.
    let anonymous = form_as(
        &format!("grant_type={grant}&pre-authorized_code={code}&tx_code={tx_code}"),
        false,
    );
    assert_eq!(
        (anonymous.status, anonymous.json()["error"].clone()),
        (401, json!("invalid_client"))
    );
    assert_eq!(anonymous.header("www-authenticate"), Some("Attestation"));
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
    // Nothing issued twice for one access token (with a fresh nonce: the spent one is an
    // invalid_nonce, checked before the token).
    let nonce = client.post("/oid4vci/nonce", None, json!({})).json()["c_nonce"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"credential_configuration_id": "cazier_sd_jwt_vc",
        "proofs": {"jwt": [proof_jwt(&wallet_key, &issuer, &nonce)]}});
    let twice = client.post("/oid4vci/credential", Some(&access), body);
    assert_eq!(twice.status, 401);

    // Its type is the service's own: the vct URL serves the SD-JWT VC Type Metadata whose
    // hash the credential carries, also under .well-known/vct (issue 26).
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(credential.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let vct = payload["vct"].as_str().unwrap();
    assert_eq!(vct, format!("{}/credentials/cazier/1", stack.base_url));
    assert_eq!(
        metadata["credential_configurations_supported"]["cazier_sd_jwt_vc"]["vct"],
        vct
    );
    let served = client.get("/credentials/cazier/1", None);
    assert_eq!(served.status, 200);
    let well_known = client.get("/.well-known/vct/credentials/cazier/1", None);
    assert_eq!(served.body, well_known.body);
    let integrity = format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&served.body))
    );
    assert_eq!(payload["vct#integrity"], integrity);
    let type_metadata: Value = serde_json::from_slice(&served.body).unwrap();
    assert_eq!(type_metadata["vct"], vct);
    assert_eq!(
        type_metadata["display"][1]["name"],
        "Criminal record certificate"
    );

    // The credential, presented with the wallet's key, verifies against the published seal.
    let chain = String::from_utf8(client.get("/v1/trust/certificates", None).body).unwrap();
    let trusted = trusted_keys(&chain);
    let iat = Utc::now().timestamp();
    let presented = present(
        &credential,
        None,
        &wallet_key,
        "https://employer.example",
        "v1",
        iat,
    );
    let shown = verify_presentation(
        &presented,
        &trusted,
        &CredentialType::of(&stack.base_url).vct,
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
    use cazier_shared::statement::status_list::ListStatus;
    // The index is drawn, not the number's sequence: it says nothing of the number.
    let sequence: u64 = number[8..].parse().unwrap();
    assert!(
        status.idx >= cazier_shared::domain::LEGACY_STATUS_INDEXES,
        "{}",
        status.idx
    );
    assert_ne!(status.idx, sequence);
    assert_eq!(
        list().status_of(&status.uri, status.idx),
        Ok(ListStatus::NotRevoked)
    );
    assert!(stack.revoke(&number));
    assert_eq!(
        list().status_of(&status.uri, status.idx),
        Ok(ListStatus::Revoked),
        "REVOKED"
    );
}

/// An independent OpenID4VCI client library (@openid4vc/openid4vci, npm) as the wallet: from
/// the holder's offer and transaction code to the credential, which then presents and verifies.
#[test]
fn an_independent_openid4vci_client_gets_the_certificate() {
    let stack = wallet_stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let request = citizen.request_and_wait(&client, "STUDII");
    let number = request["certificate_number"].as_str().unwrap().to_owned();
    // The same library without a wallet attestation: refused at the token endpoint.
    let offer = client
        .post(
            &format!("/v1/certificates/{number}/wallet-offer"),
            Some(&citizen.token),
            json!({}),
        )
        .json();
    let anonymous = cazier_e2e::wallets::interop(
        "oid4vci_wallet.mjs",
        &[
            offer["credential_offer_uri"].as_str().unwrap(),
            offer["tx_code"].as_str().unwrap(),
            "no-attestation",
        ],
    )
    .expect_err("no attestation, no token");
    assert!(anonymous.contains("invalid_client"), "{anonymous}");
    println!(
        "without a wallet attestation: {}",
        anonymous
            .lines()
            .find(|l| l.contains("invalid_client"))
            .unwrap_or_default()
    );
    // With the development provider's attestations (the instance and the key).
    let got = independent_wallet_credential(&client, &citizen, &number);
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
    let iat = Utc::now().timestamp();
    let presented = present(
        &credential,
        None,
        &holder,
        "https://employer.example",
        "v2",
        iat,
    );
    let chain = String::from_utf8(client.get("/v1/trust/certificates", None).body).unwrap();
    let shown = verify_presentation(
        &presented,
        &trusted_keys(&chain),
        &CredentialType::of(&stack.base_url).vct,
        "https://employer.example",
        "v2",
        Utc::now(),
    )
    .unwrap();
    assert_eq!(shown.disclosed["certificate_number"], number.as_str());
    assert_eq!(shown.disclosed["purpose"], "STUDII");
}

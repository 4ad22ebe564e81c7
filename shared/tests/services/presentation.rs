//! OpenID4VP verification without AWS: a registered organisation's request, signed with its
//! access key, a wallet's presentation of a credential issued by OpenID4VCI, the outcome only
//! the verifier's secret reads, the holder's "who checked" entry; replays, other requests'
//! proofs, revoked certificates, declined requests, suspended organisations and an
//! unreadable status list each handled. (Over 400 lines: each rule
//! of one protocol beside its refusals.)

use crate::common::memory;
use crate::wallet_issuance::{holder_of_a_certificate, wallet_credential};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cazier_shared::domain::organisation::{Organisation, OrganisationStatus};
use cazier_shared::domain::CertificateNumber;
use cazier_shared::domain::{
    CheckResult, FieldCode, PresentationOutcome as Outcome, PresentationStatus,
};
use cazier_shared::ports::{BlobStore, CertificateStore, Clock};
use cazier_shared::services::checks::CheckChannel;
use cazier_shared::services::presentation::{
    Answered, OutcomeError, PresentationService, RedirectUri, RequestObjectError, RespondError,
    StartError, Started, WalletResponse, REQUESTED_CLAIMS,
};
use cazier_shared::services::revocation::revoke;
use cazier_shared::services::status::blob_key;
use cazier_shared::services::trust;
use cazier_shared::testing::wallet::{encrypted_response, present};
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use chrono::Datelike;
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The wallet's `vp_token`: the credential with only `names` disclosed, bound to the request
/// (`aud`, `nonce`) by a key-binding JWT of `key`.
fn vp_token(
    credential: &str,
    names: &[&str],
    key: &SigningKey,
    aud: &str,
    nonce: &str,
    iat: i64,
) -> String {
    let presentation = present(credential, Some(names), key, aud, nonce, iat);
    json!({"cazier": [presentation]}).to_string()
}

/// A compact JWS verified with the key `certificate` (DER) names: its header and claims.
fn verified_jws(jws: &str, certificate: &[u8]) -> (Value, Value) {
    use der::Decode;
    use p256::ecdsa::signature::Verifier;
    use p256::pkcs8::DecodePublicKey;
    let certificate = x509_cert::Certificate::from_der(certificate).unwrap();
    let spki = der::Encode::to_der(&certificate.tbs_certificate.subject_public_key_info).unwrap();
    let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
    let parts: Vec<&str> = jws.split('.').collect();
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("signed by the seal key");
    let json = |p: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    (json(parts[0]), json(parts[1]))
}

/// The wallet's answer to `started`, encrypted to the request's own key as `direct_post.jwt`
/// asks (the payload's `vp_token` the object itself, OpenID4VP 1.0).
fn encrypted(started: &Started, vp_token: &str) -> String {
    let jwk = &started.authorization_request["client_metadata"]["jwks"]["keys"][0];
    assert_eq!(
        (&jwk["use"], &jwk["alg"]),
        (&json!("enc"), &json!("ECDH-ES"))
    );
    encrypted_response(&started.authorization_request, vp_token)
}

/// What the response endpoint does with `vp_token` for `started`, encrypted.
async fn answer(
    service: &PresentationService,
    started: &Started,
    vp_token: &str,
) -> Result<Answered, RespondError> {
    let jwe = encrypted(started, vp_token);
    let response = WalletResponse {
        response: Some(&jwe),
        ..Default::default()
    };
    service.respond(response).await
}

/// A plain response (a decline, or what a wallet that does not encrypt sends).
fn plain<'a>(
    state: Option<&'a str>,
    vp_token: Option<&'a str>,
    error: Option<&'a str>,
) -> WalletResponse<'a> {
    WalletResponse {
        state,
        vp_token,
        error,
        response: None,
    }
}

fn request_field<'a>(started: &'a Started, name: &str) -> &'a str {
    started.authorization_request[name].as_str().unwrap()
}

/// This year's status list, as the daily job and each revocation publish it.
async fn publish_this_years_list(memory: &Memory) {
    let year = memory.clock.now().year();
    let lists = memory.status_list_service().unwrap();
    lists.publish(year).await.unwrap();
}

/// `name`, registered with one key of its own, its access certificate from the access CA
/// (the memory stack's root key stands in for the access CA's).
async fn registered(memory: &Memory, name: &str) -> Organisation {
    let registry = memory.organisation_registry().unwrap();
    if registry.access_ca().await.unwrap().is_none() {
        registry.init_access_ca(&*memory.root).await.unwrap();
    }
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    let mut jwk = cazier_shared::jose::public_jwk(key.verifying_key());
    jwk["kid"] = json!("k1");
    let new = cazier_shared::services::organisations::NewOrganisation {
        cui: cazier_shared::testing::cui_from(rand::Rng::gen_range(
            &mut rand::thread_rng(),
            1_000_000..99_999_999,
        )),
        name: name.into(),
        kind: "EMPLOYER".into(),
        purposes: vec!["ANGAJARE".into()],
        jwks: json!({ "keys": [jwk] }).to_string(),
        redirect_origins: vec!["https://angajari.dunarea.ro".into()],
        webhook_url: None,
    };
    registry.register(new, &*memory.root).await.unwrap()
}

/// A holder with a credential in a wallet (key `wallet`), and the year's list published.
async fn holder_with_wallet() -> (Memory, String, String, SigningKey) {
    let (memory, certificate, holder) = holder_of_a_certificate().await;
    let wallet = SigningKey::random(&mut rand::rngs::OsRng);
    let number = certificate.number.as_str().to_owned();
    let credential = wallet_credential(&memory, &holder, &certificate.number, &wallet).await;
    publish_this_years_list(&memory).await;
    (memory, number, credential, wallet)
}

#[tokio::test]
async fn an_employer_sees_valid_and_no_entries_and_the_holder_sees_who_checked() {
    let (memory, number, credential, wallet) = holder_with_wallet().await;
    let service = memory.presentation_service().unwrap();
    let employer = registered(&memory, "Dunărea SA").await;
    let started = service.start(&employer, None).await.unwrap();

    // The request: DCQL for our credential type and the three claims, answered encrypted
    // (direct_post.jwt) at our response endpoint.
    let request = &started.authorization_request;
    assert_eq!(request["response_mode"], "direct_post.jwt");
    assert_eq!(
        request["response_uri"],
        "https://cazier.test/oid4vp/response"
    );
    // The employer is named by its access certificate's hash (x509_hash), whose key signs
    // the request: not the seal's.
    let access = &employer.access.certificate;
    let client_id = format!(
        "x509_hash:{}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(access))
    );
    let chain = trust::load(&*memory.blobs).await.unwrap().unwrap();
    assert_ne!(access, &chain.ders()[0]);
    assert_eq!(request["client_id"], client_id.as_str());
    let query = &request["dcql_query"]["credentials"][0];
    assert_eq!(
        query["meta"]["vct_values"][0],
        "https://cazier.test/credentials/cazier/1"
    );
    let asked: Vec<&str> = query["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"][0].as_str().unwrap())
        .collect();
    assert_eq!(asked, REQUESTED_CLAIMS);
    // The link: who asks, and where the signed request is.
    let state = request_field(&started, "state");
    assert_eq!(
        started.wallet_uri,
        format!(
            "openid4vp://?client_id={}&request_uri=https%3A%2F%2Fcazier.test%2Foid4vp%2Frequests%2F{state}",
            client_id.replace(':', "%3A")
        )
    );
    // The transaction secret is the verifier's alone: not in what the wallet sees.
    assert!(!started.wallet_uri.contains(&started.transaction));

    // The request object: the same request, signed with the employer's access key, its
    // certificate in x5c, for wallets (aud), fetched as often as the wallet likes until it
    // answers.
    let objects = memory.request_objects().unwrap();
    let signed_before = memory.signer.signatures();
    let jwt = objects.request_object(state).await.unwrap();
    // Fetched a thousand times, the same object, and never a KMS `Sign` with the seal key
    // the generator needs (issue 26: each fetch was one).
    for _ in 0..1_000 {
        assert_eq!(objects.request_object(state).await.unwrap(), jwt);
    }
    assert_eq!(memory.signer.signatures(), signed_before);
    let (header, claims) = verified_jws(&jwt, access);
    assert_eq!(header["typ"], "oauth-authz-req+jwt");
    assert_eq!(
        header["x5c"],
        json!([base64::engine::general_purpose::STANDARD.encode(access)]),
        "the access certificate alone (HAIP: the access CA, the anchor, is the wallet's)"
    );
    assert_eq!(claims["aud"], "https://self-issued.me/v2");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600,
        "expires with its request"
    );
    for (name, value) in request.as_object().unwrap() {
        assert_eq!(&claims[name], value, "{name}");
    }
    assert_eq!(
        service.outcome(&started.transaction, None).await.unwrap(),
        Outcome::Pending
    );

    let now = memory.clock.now().timestamp();
    let token = vp_token(
        &credential,
        &REQUESTED_CLAIMS,
        &wallet,
        request_field(&started, "client_id"),
        request_field(&started, "nonce"),
        now,
    );
    // In the clear, the presentation is refused and the request is not spent: whoever posts
    // it cannot end the request the wallet will answer encrypted.
    assert!(matches!(
        service
            .respond(plain(Some(state), Some(&token), None))
            .await,
        Err(RespondError::EncryptionRequired)
    ));
    let outcome = answer(&service, &started, &token).await.unwrap().outcome;
    assert!(
        matches!(
            memory
                .request_objects()
                .unwrap()
                .request_object(state)
                .await,
            Err(RequestObjectError::NotFound)
        ),
        "answered: no longer served"
    );
    assert!(outcome.valid_without_entries(), "{outcome:?}");
    assert_eq!(
        service.outcome(&started.transaction, None).await.unwrap(),
        outcome
    );
    let Outcome::Verified { claims, status } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(status.as_str(), "VALID");
    // Only what the holder disclosed: not even the certificate's number.
    assert!(!serde_json::to_string(&outcome).unwrap().contains(&number));
    assert_eq!(claims["holder_name"], "Ștefănescu Ana-Maria");
    // Only what was asked, and chosen, is shown: not the birth date, not the purpose.
    assert!(claims.get("birth_date").is_none() && claims.get("purpose").is_none());

    // The same answer again: the request is spent.
    assert!(matches!(
        answer(&service, &started, &token).await,
        Err(RespondError::UnknownState)
    ));

    // The holder's "who checked": a wallet presentation, VALID, by the registered organisation.
    let checks = memory
        .check_service()
        .unwrap()
        .checks(
            &owner(&memory, &number).await,
            &CertificateNumber::parse(&number).unwrap(),
        )
        .await
        .unwrap();
    let check = &checks.checks[0];
    assert_eq!(check.channel, CheckChannel::Wallet);
    assert_eq!(check.result, CheckResult::Valid);
    assert_eq!(check.organisation.as_deref(), Some("Dunărea SA"));

    // Another secret reads nothing.
    assert!(matches!(
        service.outcome("not-the-secret", None).await,
        Err(OutcomeError::NotFound)
    ));

    // A receipt asked for minutes later states when the wallet answered, not when it was
    // asked for: a verifier cannot date a check later than it happened.
    let answered_at = memory.clock.now();
    memory.clock.advance(chrono::Duration::minutes(7));
    let receipted = memory
        .wallet_receipts()
        .unwrap()
        .outcome(&started.transaction, None, "client")
        .await
        .unwrap();
    let receipt = receipted.receipt.unwrap();
    let claims: Value = cazier_shared::jose::Jws::parse(&receipt)
        .unwrap()
        .payload()
        .unwrap();
    assert_eq!(claims["how"], "WALLET");
    assert_eq!(
        claims["checked_at"],
        cazier_shared::services::rfc3339(answered_at)
    );
}

/// The principal that owns the certificate.
async fn owner(memory: &Memory, number: &str) -> cazier_shared::domain::Principal {
    let number = cazier_shared::domain::CertificateNumber::parse(number).unwrap();
    let certificate = memory.certificates.get(&number).await.unwrap().unwrap();
    cazier_shared::domain::Principal {
        account_id: certificate.account_id,
        role: cazier_shared::domain::Role::Citizen,
        token_hash: "session".into(),
    }
}

#[tokio::test]
async fn proofs_for_other_requests_and_revoked_certificates_are_what_the_verifier_sees() {
    let (memory, number, credential, wallet) = holder_with_wallet().await;
    let service = memory.presentation_service().unwrap();
    let employer = registered(&memory, "Dunărea SA").await;
    let now = memory.clock.now().timestamp();
    let token_for = |aud: &str, nonce: &str, key: &SigningKey| {
        vp_token(&credential, &REQUESTED_CLAIMS, key, aud, nonce, now)
    };

    // A proof for another request's nonce: refused, and the verifier is told why.
    let first = service.start(&employer, None).await.unwrap();
    let second = service.start(&employer, None).await.unwrap();
    let client_id = request_field(&first, "client_id").to_owned();
    let other_nonce = request_field(&second, "nonce");
    let token = token_for(&client_id, other_nonce, &wallet);
    let r = answer(&service, &first, &token).await;
    assert!(
        matches!(&r, Err(RespondError::Refused(why)) if why.contains("another verifier")),
        "{r:?}"
    );
    assert!(matches!(
        service.outcome(&first.transaction, None).await.unwrap(),
        Outcome::Refused { reason } if reason.contains("another verifier")
    ));

    // Another audience; another holder's key; no presentation at all.
    let third = service.start(&employer, None).await.unwrap();
    let token = token_for(
        "https://elsewhere.example",
        request_field(&third, "nonce"),
        &wallet,
    );
    assert!(matches!(
        answer(&service, &third, &token).await,
        Err(RespondError::Refused(_))
    ));
    let thief = SigningKey::random(&mut rand::rngs::OsRng);
    let fourth = service.start(&employer, None).await.unwrap();
    let token = token_for(&client_id, request_field(&fourth, "nonce"), &thief);
    assert!(matches!(
        answer(&service, &fourth, &token).await,
        Err(RespondError::Refused(why)) if why.contains("does not verify")
    ));
    let fifth = service.start(&employer, None).await.unwrap();
    assert!(matches!(
        answer(&service, &fifth, "{\"other\": []}").await,
        Err(RespondError::Refused(_))
    ));

    // A presentation that withholds what the request asks for (here whose certificate it
    // is) does not answer it: refused (found by the attack on issue 25).
    let sixth = service.start(&employer, None).await.unwrap();
    let token = vp_token(
        &credential,
        &["has_entries", "expiry_date"],
        &wallet,
        &client_id,
        request_field(&sixth, "nonce"),
        now,
    );
    assert!(matches!(
        answer(&service, &sixth, &token).await,
        Err(RespondError::Refused(why)) if why.contains("withholds holder_name")
    ));

    // The holder declines.
    let declined = service.start(&employer, None).await.unwrap();
    let outcome = service
        .respond(plain(
            Some(request_field(&declined, "state")),
            None,
            Some("access_denied"),
        ))
        .await
        .unwrap()
        .outcome;
    assert_eq!(
        outcome,
        Outcome::Declined {
            error: "access_denied".into()
        }
    );

    // Neither a token nor an error, or no state: nothing taken.
    let waiting = service.start(&employer, None).await.unwrap();
    let state = request_field(&waiting, "state");
    assert!(matches!(
        service.respond(plain(Some(state), None, None)).await,
        Err(RespondError::Malformed(_))
    ));
    assert!(matches!(
        service.respond(plain(None, Some("{}"), None)).await,
        Err(RespondError::Malformed(_))
    ));
    assert_eq!(
        service.outcome(&waiting.transaction, None).await.unwrap(),
        Outcome::Pending
    );

    // Revoked, and the list republished: the verifier sees REVOKED, and so does the holder.
    let certificate_number = cazier_shared::domain::CertificateNumber::parse(&number).unwrap();
    revoke(
        &*memory.certificates,
        &*memory.clock,
        &certificate_number,
        "emis din eroare",
        "ops",
    )
    .await
    .unwrap();
    publish_this_years_list(&memory).await;
    let token = token_for(&client_id, request_field(&waiting, "nonce"), &wallet);
    let outcome = answer(&service, &waiting, &token).await.unwrap().outcome;
    assert!(
        matches!(&outcome, Outcome::Verified { status, .. } if *status == PresentationStatus::Revoked)
    );
    assert!(!outcome.valid_without_entries());
}

#[tokio::test]
async fn without_a_genuine_status_list_the_request_waits_for_the_wallet_to_try_again() {
    let (memory, _, credential, wallet) = holder_with_wallet().await;
    let service = memory.presentation_service().unwrap();
    let employer = registered(&memory, "Dunărea SA").await;
    let started = service.start(&employer, None).await.unwrap();
    let year = memory.clock.now().year();
    let list = memory.blobs.get(&blob_key(year)).await.unwrap().unwrap();
    // A list that does not verify (a bad deployment, a half-written object).
    memory
        .blobs
        .put(&blob_key(year), b"not a list".to_vec(), "text/plain")
        .await
        .unwrap();
    let token = vp_token(
        &credential,
        &REQUESTED_CLAIMS,
        &wallet,
        request_field(&started, "client_id"),
        request_field(&started, "nonce"),
        memory.clock.now().timestamp(),
    );
    assert!(matches!(
        answer(&service, &started, &token).await,
        Err(RespondError::Unavailable(_))
    ));
    assert_eq!(
        service.outcome(&started.transaction, None).await.unwrap(),
        Outcome::Pending
    );
    memory
        .blobs
        .put(&blob_key(year), list, "application/statuslist+jwt")
        .await
        .unwrap();
    let outcome = answer(&service, &started, &token).await.unwrap().outcome;
    assert!(outcome.valid_without_entries());
}

#[tokio::test]
async fn requests_expire_are_throttled_per_organisation_and_end_with_its_suspension() {
    let memory = memory().await;
    let service = memory.presentation_service().unwrap();
    let employer = registered(&memory, "Dunărea SA").await;
    let started = service.start(&employer, None).await.unwrap();
    memory.clock.advance(chrono::Duration::minutes(11));
    assert!(matches!(
        service.outcome(&started.transaction, None).await,
        Err(OutcomeError::NotFound)
    ));
    assert!(matches!(
        service
            .respond(plain(
                Some(request_field(&started, "state")),
                None,
                Some("access_denied")
            ))
            .await,
        Err(RespondError::UnknownState)
    ));

    let busy = registered(&memory, "Angajări Rapide SRL").await;
    for _ in 0..60 {
        service.start(&busy, None).await.unwrap();
    }
    assert!(matches!(
        service.start(&busy, None).await,
        Err(StartError::Throttled { retry_after }) if retry_after > 0
    ));
    // Another organisation is not held up.
    let open = service.start(&employer, None).await.unwrap();

    // A decline from anyone who saw the link: the organisation reads one of the
    // specification's codes, never the stranger's text (found by the attack on issue 26).
    let declined = service.start(&employer, None).await.unwrap();
    let said = "Holder_has_a_criminal_record_call_0700000000";
    let answered = service
        .respond(plain(
            Some(request_field(&declined, "state")),
            None,
            Some(said),
        ))
        .await
        .unwrap();
    assert_eq!(
        answered.outcome,
        Outcome::Declined {
            error: "other".into()
        }
    );

    // Suspended: its open request is no longer served to wallets, nor answered.
    let answerable = service.start(&employer, None).await.unwrap();
    memory
        .organisation_registry()
        .unwrap()
        .set_status(&employer.cui, OrganisationStatus::Suspended)
        .await
        .unwrap();
    assert!(matches!(
        service
            .respond(plain(
                Some(request_field(&answerable, "state")),
                None,
                Some("access_denied")
            ))
            .await,
        Err(RespondError::UnknownState)
    ));
    assert!(matches!(
        memory
            .request_objects()
            .unwrap()
            .request_object(request_field(&open, "state"))
            .await,
        Err(RequestObjectError::NotFound)
    ));
}

/// A list past its validity says nothing: the employer reads "revocation not checked", never
/// VALID.
#[tokio::test]
async fn an_out_of_date_list_gives_revocation_not_checked_never_valid() {
    let (memory, _, credential, wallet) = holder_with_wallet().await;
    // The daily job has not run for three days (a list is valid for two).
    memory.clock.advance(chrono::Duration::days(3));
    let service = memory.presentation_service().unwrap();
    let started = service
        .start(&registered(&memory, "Dunărea SA").await, None)
        .await
        .unwrap();
    let token = vp_token(
        &credential,
        &REQUESTED_CLAIMS,
        &wallet,
        request_field(&started, "client_id"),
        request_field(&started, "nonce"),
        memory.clock.now().timestamp(),
    );
    let outcome = answer(&service, &started, &token).await.unwrap().outcome;
    assert!(
        matches!(&outcome, Outcome::Verified { status, .. } if *status == PresentationStatus::RevocationNotChecked),
        "{outcome:?}"
    );
    assert!(!outcome.valid_without_entries());
}

/// `direct_post.jwt`: a response encrypted to another request's key, altered, or naming no
/// request is refused, and the request it names keeps waiting for its wallet.
#[tokio::test]
async fn a_response_encrypted_to_another_requests_key_is_refused_and_spends_nothing() {
    let (memory, _, credential, wallet) = holder_with_wallet().await;
    let service = memory.presentation_service().unwrap();
    let employer = registered(&memory, "Dunărea SA").await;
    let (first, second) = (
        service.start(&employer, None).await.unwrap(),
        service.start(&employer, None).await.unwrap(),
    );
    let token = vp_token(
        &credential,
        &REQUESTED_CLAIMS,
        &wallet,
        request_field(&first, "client_id"),
        request_field(&first, "nonce"),
        memory.clock.now().timestamp(),
    );
    // Each request has a key of its own, named by its state.
    let jwk = |s: &Started| s.authorization_request["client_metadata"]["jwks"]["keys"][0].clone();
    assert_ne!(jwk(&first)["x"], jwk(&second)["x"]);
    assert_eq!(jwk(&first)["kid"], request_field(&first, "state"));
    assert_eq!(
        first.authorization_request["response_mode"],
        "direct_post.jwt"
    );
    // Encrypted to the second request's key, but naming the first.
    let to_second = encrypted(&second, &json!({"cazier": ["x"]}).to_string());
    let parts: Vec<&str> = to_second.split('.').collect();
    let mut header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    header["kid"] = json!(request_field(&first, "state"));
    let renamed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        parts[1..].join(".")
    );
    let response = WalletResponse {
        response: Some(&renamed),
        ..Default::default()
    };
    assert!(matches!(
        service.respond(response).await,
        Err(RespondError::Malformed(why)) if why.contains("does not decrypt")
    ));
    // Naming no request, or one unknown; a JWS instead of a JWE.
    let unnamed = WalletResponse {
        response: Some("eyJhbGciOiJFQ0RILUVTIn0..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA"),
        ..Default::default()
    };
    assert!(service.respond(unnamed).await.is_err());
    let jws = WalletResponse {
        response: Some("e30.e30.AA"),
        ..Default::default()
    };
    assert!(matches!(
        service.respond(jws).await,
        Err(RespondError::Malformed(_))
    ));
    // The first request still takes its own wallet's answer.
    assert_eq!(
        service.outcome(&first.transaction, None).await.unwrap(),
        Outcome::Pending
    );
    let answered = answer(&service, &first, &token).await.unwrap();
    assert!(answered.outcome.valid_without_entries());
    assert_eq!(
        answered.redirect_uri, None,
        "cross-device: the holder goes nowhere"
    );
}

/// Same-device: the holder's browser goes back to the organisation's page with a response
/// code, and the outcome is shown only to the session that has both the transaction secret
/// and that code (a code carried to another browser, another request's, opens nothing).
#[tokio::test]
async fn same_device_the_outcome_needs_the_response_code_the_holders_browser_brought_back() {
    let (memory, _, credential, wallet) = holder_with_wallet().await;
    let service = memory.presentation_service().unwrap();
    let employer = registered(&memory, "Dunărea SA").await;
    // Only to the organisation's own registered origin: no open redirect.
    let elsewhere = RedirectUri::parse("https://phishing.example/dunarea").unwrap();
    assert!(matches!(
        service.start(&employer, Some(elsewhere)).await,
        Err(StartError::Invalid(e)) if e[0].code == FieldCode::InvalidRedirectUri
    ));
    let back = RedirectUri::parse("https://angajari.dunarea.ro/verificare/gata?x=1").unwrap();
    let (mine, other) = (
        service.start(&employer, Some(back.clone())).await.unwrap(),
        service.start(&employer, Some(back)).await.unwrap(),
    );
    // Before the answer there is nothing to hide: pending.
    assert_eq!(
        service.outcome(&mine.transaction, None).await.unwrap(),
        Outcome::Pending
    );
    let token_of = |started: &Started| {
        vp_token(
            &credential,
            &REQUESTED_CLAIMS,
            &wallet,
            request_field(started, "client_id"),
            request_field(started, "nonce"),
            memory.clock.now().timestamp(),
        )
    };
    let answered = answer(&service, &mine, &token_of(&mine)).await.unwrap();
    let redirect = answered
        .redirect_uri
        .expect("same-device: where the holder goes");
    let code = redirect
        .strip_prefix("https://angajari.dunarea.ro/verificare/gata?x=1#response_code=")
        .expect("the code in the fragment");
    let other_redirect = answer(&service, &other, &token_of(&other))
        .await
        .unwrap()
        .redirect_uri
        .unwrap();
    let other_code = other_redirect.split("response_code=").nth(1).unwrap();
    assert_ne!(code, other_code);
    for wrong in [None, Some("guessed"), Some(other_code)] {
        assert!(matches!(
            service.outcome(&mine.transaction, wrong).await,
            Err(OutcomeError::ResponseCodeRequired)
        ));
    }
    let shown = service
        .outcome(&mine.transaction, Some(code))
        .await
        .unwrap();
    assert!(shown.valid_without_entries());
    // The code without the secret opens nothing either.
    assert!(matches!(
        service.outcome(code, Some(code)).await,
        Err(OutcomeError::NotFound)
    ));
}

#[test]
fn a_redirect_uri_is_an_https_page_of_the_organisation() {
    for good in [
        "https://angajari.dunarea.ro/gata",
        "https://a.ro",
        "http://127.0.0.1:8080/back",
        "http://localhost/back?x=1",
    ] {
        assert!(RedirectUri::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "http://angajari.dunarea.ro/gata",
        "javascript:alert(1)",
        "https://a.ro/#frag",
        "https://",
        "https://user@evil.example/",
        "https://a.ro/ space",
        "openid4vp://x",
        &format!("https://a.ro/{}", "x".repeat(600)),
        "http://127.0.0.1.evil.example/",
        // Found by the attack on issue 26: what browsers read as another host, or no URL.
        "https://\\evil.example",
        "https://[::1",
        "https://a.example:99999999/",
        "http://localhost:x\\.evil.example/",
        "https://a.ro:/x",
        "https://a..ro/",
    ] {
        let refused = RedirectUri::parse(bad).unwrap_err();
        assert_eq!(refused.code, FieldCode::InvalidRedirectUri, "{bad}");
    }
}

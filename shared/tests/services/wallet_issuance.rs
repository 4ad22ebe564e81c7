//! OpenID4VCI issuance without AWS: offer, token, nonce, credential, and the credential then
//! presented and verified; reused, wrong, expired and foreign secrets and proofs refused, and
//! nothing issued twice for one offer. (Over 400 lines: each rule of one protocol beside its
//! refusals, and the helpers the presentation tests share.)

use crate::common::{issued, memory};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cazier_shared::domain::Certificate;
use cazier_shared::domain::CertificateNumber;
use cazier_shared::domain::{Principal, Role};
use cazier_shared::jose::public_jwk;
use cazier_shared::ports::Clock;
use cazier_shared::services::revocation::revoke;
use cazier_shared::services::trust;
use cazier_shared::services::wallet::{
    CredentialError, Offer, OfferError, TokenError, CONFIGURATION_ID, PRE_AUTHORIZED_GRANT,
};
use cazier_shared::statement::trusted_keys;
use cazier_shared::testing::wallet::present;
use cazier_shared::testing::wallet::{redeem, TestWalletProvider};
use cazier_shared::testing::Memory;
use cazier_shared::wallet::proof::ProofRefusal;
use cazier_shared::wallet::sd_jwt::verify_presentation;
use cazier_shared::wiring::ServiceGraphs;
use chrono::Duration;
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};

fn jws(header: Value, claims: Value, key: &SigningKey) -> String {
    cazier_shared::testing::wallet::jws(&header, &claims, key)
}

/// A memory with one issued certificate, and its holder signed in.
pub(crate) async fn holder_of_a_certificate() -> (Memory, Certificate, Principal) {
    let memory = memory().await;
    let (certificate, _, _) = issued(&memory).await;
    let holder = Principal {
        account_id: certificate.account_id.clone(),
        role: Role::Citizen,
        token_hash: "session".into(),
    };
    (memory, certificate, holder)
}

/// The offer as a wallet reads it.
fn wire(offer: &Offer) -> serde_json::Value {
    serde_json::to_value(&offer.credential_offer).unwrap()
}

/// The pre-authorized code an offer carries.
pub(crate) fn code_of(offer: &Offer) -> String {
    wire(offer)["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The wallet's proof of possession (OpenID4VCI 1.0, 8.2.1.1).
fn proof(key: &SigningKey, aud: &str, nonce: &str, iat: i64) -> String {
    jws(
        json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": public_jwk(key.verifying_key()),
            "key_attestation": TestWalletProvider::dev().key_attestation(key.verifying_key(), &["iso_18045_high"])}),
        json!({"aud": aud, "iat": iat, "nonce": nonce}),
        key,
    )
}

/// The credential a wallet with key `wallet` gets for the holder's certificate: offer, token,
/// nonce, proof.
pub(crate) async fn wallet_credential(
    memory: &Memory,
    holder: &Principal,
    number: &CertificateNumber,
    wallet: &SigningKey,
) -> String {
    let service = memory.wallet_service().unwrap();
    let offer = service.offer(holder, number).await.unwrap();
    let code = code_of(&offer);
    let token = redeem(
        &service,
        Some(PRE_AUTHORIZED_GRANT),
        Some(&code),
        Some(&offer.tx_code),
    )
    .await
    .unwrap();
    let nonce = service.nonce("wallet").await.unwrap();
    let now = memory.clock.now().timestamp();
    service
        .credential(
            &token.access_token,
            Some(CONFIGURATION_ID),
            Some(&proof(wallet, &service.issuer_url, &nonce, now)),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn a_holder_adds_a_valid_certificate_to_a_wallet_once() {
    let (memory, certificate, holder) = holder_of_a_certificate().await;
    let service = memory.wallet_service().unwrap();
    let number = &certificate.number;
    let now = memory.clock.now();
    let issuer = "https://cazier.test";

    // Someone else's certificate, or none: the same answer.
    let stranger = Principal {
        account_id: cazier_shared::domain::AccountId::random(),
        ..holder.clone()
    };
    assert!(matches!(
        service.offer(&stranger, number).await,
        Err(OfferError::NotFound)
    ));
    assert!(matches!(
        service
            .offer(&holder, &CertificateNumber::new(2026, 99_999_999))
            .await,
        Err(OfferError::NotFound)
    ));

    let offer = service.offer(&holder, number).await.unwrap();
    assert_eq!(offer.tx_code.len(), 6);
    assert!(offer
        .credential_offer_uri
        .starts_with("openid-credential-offer://?credential_offer=%7B"));
    // The transaction code travels apart from the offer: the offer only says how to type it.
    let offered = wire(&offer);
    let tx = offered["grants"][PRE_AUTHORIZED_GRANT]["tx_code"]
        .as_object()
        .unwrap();
    let mut keys: Vec<&String> = tx.keys().collect();
    keys.sort();
    assert_eq!(keys, ["description", "input_mode", "length"]);
    assert_eq!(offered["credential_issuer"], issuer);
    assert_eq!(offered["credential_configuration_ids"][0], CONFIGURATION_ID);
    let code = code_of(&offer);

    // A wrong transaction code burns the offer: a second try, even right, gets nothing.
    let wrong = if offer.tx_code == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert!(matches!(
        redeem(
            &service,
            Some(PRE_AUTHORIZED_GRANT),
            Some(&code),
            Some(wrong)
        )
        .await,
        Err(TokenError::InvalidGrant)
    ));
    assert!(matches!(
        redeem(
            &service,
            Some(PRE_AUTHORIZED_GRANT),
            Some(&code),
            Some(&offer.tx_code)
        )
        .await,
        Err(TokenError::InvalidGrant)
    ));
    assert!(matches!(
        redeem(&service, Some("authorization_code"), Some(&code), Some("1")).await,
        Err(TokenError::UnsupportedGrantType)
    ));

    // A fresh offer, redeemed once.
    let offer = service.offer(&holder, number).await.unwrap();
    let code = code_of(&offer);
    let token = redeem(
        &service,
        Some(PRE_AUTHORIZED_GRANT),
        Some(&code),
        Some(&offer.tx_code),
    )
    .await
    .unwrap();
    assert_eq!(token.token_type, "Bearer");
    assert!(
        matches!(
            redeem(
                &service,
                Some(PRE_AUTHORIZED_GRANT),
                Some(&code),
                Some(&offer.tx_code)
            )
            .await,
            Err(TokenError::InvalidGrant)
        ),
        "a reused pre-authorized code"
    );

    // The credential, for a proof with one of our nonces.
    let wallet = SigningKey::random(&mut rand::rngs::OsRng);
    let nonce = service.nonce("wallet").await.unwrap();
    let credential = service
        .credential(
            &token.access_token,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, issuer, &nonce, now.timestamp())),
        )
        .await
        .unwrap();
    // The same access token again: nothing issued twice.
    let nonce2 = service.nonce("wallet").await.unwrap();
    assert!(matches!(
        service
            .credential(
                &token.access_token,
                Some(CONFIGURATION_ID),
                Some(&proof(&wallet, issuer, &nonce2, now.timestamp()))
            )
            .await,
        Err(CredentialError::InvalidToken)
    ));

    // It is bound to the wallet's key: presented with it, it verifies.
    let chain = trust::load(&*memory.blobs).await.unwrap().unwrap();
    let trusted = trusted_keys(&chain.to_pem().unwrap());
    let iat = now.timestamp();
    let presented = present(
        &credential,
        None,
        &wallet,
        "https://employer.example",
        "n1",
        iat,
    );
    let shown = verify_presentation(
        &presented,
        &trusted,
        &service.credential_type.vct,
        "https://employer.example",
        "n1",
        now,
    )
    .unwrap();
    assert_eq!(shown.disclosed["certificate_number"], number.as_str());
    assert_eq!(
        shown.disclosed["holder_name"],
        certificate.holder_name.as_str()
    );
    let (year, sequence) = certificate.number.year_and_sequence();
    let status = shown.status.unwrap();
    // The index drawn at issue, not the number's sequence: it tells nothing of the number.
    assert_eq!(status.idx, certificate.status_index());
    assert_ne!(status.idx, sequence);
    assert_eq!(
        status.uri,
        format!("https://cazier.test/v1/status-lists/{year}")
    );
    // Its x5c: the seal's chain without the root (HAIP 1.0: the anchor is the verifier's).
    let issuer_jwt = credential.split('~').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            issuer_jwt.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let x5c = header["x5c"].as_array().unwrap();
    assert_eq!(x5c.len(), chain.certificates().len() - 1);
    let root = base64::engine::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        chain.ders().last().unwrap(),
    );
    assert!(x5c.iter().all(|c| c != &serde_json::json!(root)));
}

#[tokio::test]
async fn bad_proofs_and_nonces_and_a_revoked_certificate_get_no_credential() {
    let (memory, certificate, holder) = holder_of_a_certificate().await;
    let service = memory.wallet_service().unwrap();
    let number = &certificate.number;
    let issuer = "https://cazier.test";
    let now = memory.clock.now().timestamp();
    let access = || async {
        let offer = service.offer(&holder, number).await.unwrap();
        let code = code_of(&offer);
        redeem(
            &service,
            Some(PRE_AUTHORIZED_GRANT),
            Some(&code),
            Some(&offer.tx_code),
        )
        .await
        .unwrap()
        .access_token
    };
    let wallet = SigningKey::random(&mut rand::rngs::OsRng);
    let other = SigningKey::random(&mut rand::rngs::OsRng);
    let refused = |r: Result<String, CredentialError>| match r {
        Err(CredentialError::InvalidProof(why)) => Some(why),
        _ => None,
    };

    // Another issuer's audience; an hour old; signed by another key than its jwk; no nonce.
    let nonce = service.nonce("wallet").await.unwrap();
    let r = service
        .credential(
            &access().await,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, "https://other.example", &nonce, now)),
        )
        .await;
    assert_eq!(refused(r), Some(ProofRefusal::WrongAudience));
    let r = service
        .credential(
            &access().await,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, issuer, &nonce, now - 3600)),
        )
        .await;
    assert_eq!(refused(r), Some(ProofRefusal::Stale));
    let forged = {
        let honest = proof(&wallet, issuer, &nonce, now);
        let by_other = proof(&other, issuer, &nonce, now);
        let (h, _) = honest.split_once('.').unwrap();
        let (_, rest) = by_other.split_once('.').unwrap();
        format!("{h}.{rest}")
    };
    let r = service
        .credential(&access().await, Some(CONFIGURATION_ID), Some(&forged))
        .await;
    assert_eq!(refused(r), Some(ProofRefusal::BadSignature));
    // A nonce we never gave, and one used already.
    let r = service
        .credential(
            &access().await,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, issuer, "made-up", now)),
        )
        .await;
    assert!(matches!(r, Err(CredentialError::InvalidNonce)));
    assert!(service
        .credential(
            &access().await,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, issuer, &nonce, now))
        )
        .await
        .is_ok());
    let r = service
        .credential(
            &access().await,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, issuer, &nonce, now)),
        )
        .await;
    assert!(
        matches!(r, Err(CredentialError::InvalidNonce)),
        "a reused nonce"
    );
    // Another configuration, no proof.
    let r = service
        .credential(&access().await, Some("other"), None)
        .await;
    assert!(matches!(r, Err(CredentialError::InvalidRequest(_))));

    // Told invalid_nonce, the wallet retries with the same token and a new nonce (issue 26:
    // the token was spent by the refusal, and the holder had to start over from the portal);
    // once the credential is made, the token is spent.
    let token = access().await;
    let r = service
        .credential(
            &token,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, issuer, "expired-or-made-up", now)),
        )
        .await;
    assert!(matches!(r, Err(CredentialError::InvalidNonce)));
    let fresh = service.nonce("wallet").await.unwrap();
    assert!(service
        .credential(
            &token,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, issuer, &fresh, now))
        )
        .await
        .is_ok());
    let again = service.nonce("wallet").await.unwrap();
    let r = service
        .credential(
            &token,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, issuer, &again, now)),
        )
        .await;
    assert!(matches!(r, Err(CredentialError::InvalidToken)), "spent");

    // An offer made, then the certificate revoked: no credential, and no new offer.
    let token = access().await;
    revoke(
        &*memory.certificates,
        &*memory.clock,
        &certificate.number,
        "emis din eroare",
        "ops",
    )
    .await
    .unwrap();
    let nonce = service.nonce("wallet").await.unwrap();
    let r = service
        .credential(
            &token,
            Some(CONFIGURATION_ID),
            Some(&proof(&wallet, issuer, &nonce, now)),
        )
        .await;
    assert!(matches!(r, Err(CredentialError::Denied)));
    assert!(matches!(
        service.offer(&holder, number).await,
        Err(OfferError::NotValid(_))
    ));

    // Offers and tokens last five minutes.
    let (memory2, c2, h2) = holder_of_a_certificate().await;
    let s2 = memory2.wallet_service().unwrap();
    let offer = s2.offer(&h2, &c2.number).await.unwrap();
    let code = code_of(&offer);
    memory2.clock.advance(Duration::minutes(6));
    assert!(matches!(
        redeem(
            &s2,
            Some(PRE_AUTHORIZED_GRANT),
            Some(&code),
            Some(&offer.tx_code)
        )
        .await,
        Err(TokenError::InvalidGrant)
    ));
}

/// A certificate with entries: the credential carries them, as printed, in one disclosure the
/// holder may leave out.
#[tokio::test]
async fn the_entries_printed_on_the_certificate_are_one_disclosable_claim() {
    use cazier_shared::config::vars;
    use cazier_shared::domain::{RecordEntry, RecordSubject};
    use cazier_shared::ports::RecordStore;
    let memory = memory()
        .await
        .with_setting(vars::ISSUE_WITH_ENTRIES, "true");
    let (account, citizen) = crate::common::stored_citizen(&memory).await;
    let subject = RecordSubject::Person(account.person.clone().unwrap().cnp);
    let entry = RecordEntry {
        entry_id: "1".into(),
        court: "Judecătoria Sectorului 2 București".into(),
        decision: "1/2018".into(),
        decision_date: chrono::NaiveDate::from_ymd_opt(2018, 3, 9).unwrap(),
        offence: "furt calificat".into(),
        penalty: "1 an închisoare cu suspendare".into(),
        rehabilitated: false,
    };
    memory.records.add(&subject, &entry).await.unwrap();
    let id = crate::common::submit(&memory, &citizen, json!({"purpose": "VIZA"})).await;
    memory.issuance_service().unwrap().issue(&id).await.unwrap();
    let certificate = memory.certificates.all().pop().unwrap();
    assert_eq!(
        certificate.entries,
        vec![entry.clone()],
        "kept with the certificate"
    );

    let wallet = SigningKey::random(&mut rand::rngs::OsRng);
    let credential = wallet_credential(&memory, &citizen, &certificate.number, &wallet).await;
    let disclosed: Vec<Value> = credential
        .trim_end_matches('~')
        .split('~')
        .skip(1)
        .map(|d| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(d).unwrap()).unwrap())
        .collect();
    let entries = disclosed
        .iter()
        .find(|d| d[1] == "entries")
        .expect("an entries disclosure");
    assert_eq!(
        entries[2],
        json!([{"court": entry.court, "decision": "1/2018", "decision_date": "2018-03-09",
            "offence": "furt calificat", "penalty": "1 an închisoare cu suspendare",
            "rehabilitated": false}])
    );
    assert!(disclosed
        .iter()
        .any(|d| d[1] == "has_entries" && d[2] == true));
}

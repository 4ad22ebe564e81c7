//! Attestation-Based Client Authentication at the token endpoint and key attestations at the
//! credential endpoint (HAIP 1.0): who cannot get a credential, and why. Each refusal leaves
//! the holder's offer usable by their genuine wallet.

use crate::wallet_issuance::{code_of, holder_of_a_certificate};
use cazier_shared::jose::public_jwk;
use cazier_shared::ports::Clock;
use cazier_shared::services::wallet::{
    CredentialError, TokenError, TokenRequest, WalletService, CONFIGURATION_ID,
    PRE_AUTHORIZED_GRANT,
};
use cazier_shared::testing::wallet::{attestation_pop, jws, TestWalletProvider};
use cazier_shared::wallet::attestation::KeyAttestationRefusal;
use cazier_shared::wallet::proof::ProofRefusal;
use cazier_shared::wiring::ServiceGraphs;
use p256::ecdsa::SigningKey;
use serde_json::json;

fn key() -> SigningKey {
    SigningKey::random(&mut rand::rngs::OsRng)
}

/// The token endpoint's answer to `code` with these attestation headers.
async fn token_with(
    service: &WalletService,
    code: &str,
    tx_code: &str,
    attestation: Option<&str>,
    pop: Option<&str>,
    client_id: Option<&str>,
) -> Result<String, TokenError> {
    let request = TokenRequest {
        grant_type: Some(PRE_AUTHORIZED_GRANT),
        code: Some(code),
        tx_code: Some(tx_code),
        client_id,
        attestation,
        attestation_pop: pop,
    };
    service.token(request).await.map(|t| t.access_token)
}

#[tokio::test]
async fn a_wallet_without_a_trusted_fresh_attestation_gets_no_token_and_spends_no_offer() {
    let (memory, certificate, holder) = holder_of_a_certificate().await;
    let service = memory.wallet_service().unwrap();
    let offer = service.offer(&holder, &certificate.number).await.unwrap();
    let (code, tx) = (code_of(&offer), offer.tx_code.clone());
    let issuer = service.issuer_url.clone();
    let now = memory.clock.now().timestamp();
    let provider = TestWalletProvider::dev();
    let instance = key();
    let attested = provider.client_attestation("w1", &instance, now + 3600);
    let pop =
        |k: &SigningKey, client: &str, aud: &str, iat: i64| attestation_pop(k, client, aud, iat);
    let invalid_client =
        |r: Result<String, TokenError>| matches!(r, Err(TokenError::InvalidClient(_)));

    // None at all (as every wallet sent before): refused.
    assert!(invalid_client(
        token_with(&service, &code, &tx, None, None, None).await
    ));
    // An attestation without its proof of possession.
    assert!(invalid_client(
        token_with(&service, &code, &tx, Some(&attested), None, None).await
    ));
    // By a provider this deployment does not trust (the same name, another key).
    let stranger = TestWalletProvider::untrusted().await;
    let foreign = stranger.client_attestation("w1", &instance, now + 3600);
    let fresh = pop(&instance, "w1", &issuer, now);
    assert!(invalid_client(
        token_with(&service, &code, &tx, Some(&foreign), Some(&fresh), None).await
    ));
    // A proof signed by another key than the attested one; for another server; for another
    // client; a client_id that is not the attested one.
    for bad_pop in [
        pop(&key(), "w1", &issuer, now),
        pop(&instance, "w1", "https://other-issuer.example", now),
        pop(&instance, "w2", &issuer, now),
    ] {
        assert!(invalid_client(
            token_with(&service, &code, &tx, Some(&attested), Some(&bad_pop), None).await
        ));
    }
    let fresh = pop(&instance, "w1", &issuer, now);
    assert!(invalid_client(
        token_with(
            &service,
            &code,
            &tx,
            Some(&attested),
            Some(&fresh),
            Some("w2")
        )
        .await
    ));
    // Expired, or a proof ten minutes old: the wallet is asked for a fresh one.
    let expired = provider.client_attestation("w1", &instance, now - 1);
    let fresh = pop(&instance, "w1", &issuer, now);
    assert!(matches!(
        token_with(&service, &code, &tx, Some(&expired), Some(&fresh), None).await,
        Err(TokenError::UseFreshAttestation)
    ));
    let stale = pop(&instance, "w1", &issuer, now - 600);
    assert!(matches!(
        token_with(&service, &code, &tx, Some(&attested), Some(&stale), None).await,
        Err(TokenError::UseFreshAttestation)
    ));
    // A typ that is not an attestation's (a proof passed off as one).
    let retyped = jws(
        &json!({"alg": "ES256", "typ": "openid4vci-proof+jwt"}),
        &json!({"iss": "x", "sub": "w1", "exp": now + 60, "cnf": {"jwk": public_jwk(instance.verifying_key())}}),
        &instance,
    );
    assert!(invalid_client(
        token_with(&service, &code, &tx, Some(&retyped), Some(&fresh), None).await
    ));

    // None of these spent the offer: the genuine wallet gets its token, once; its proof of
    // possession replayed is refused.
    let genuine = pop(&instance, "w1", &issuer, now);
    assert!(token_with(
        &service,
        &code,
        &tx,
        Some(&attested),
        Some(&genuine),
        Some("w1")
    )
    .await
    .is_ok());
    let again = service.offer(&holder, &certificate.number).await.unwrap();
    assert!(invalid_client(
        token_with(
            &service,
            &code_of(&again),
            &again.tx_code,
            Some(&attested),
            Some(&genuine),
            None
        )
        .await
    ));
}

#[tokio::test]
async fn a_key_its_provider_does_not_attest_as_kept_in_secure_storage_gets_no_credential() {
    let (memory, certificate, holder) = holder_of_a_certificate().await;
    let service = memory.wallet_service().unwrap();
    let provider = TestWalletProvider::dev();
    let stranger = TestWalletProvider::untrusted().await;
    let issuer = service.issuer_url.clone();
    let wallet = key();
    let refusal = |r: Result<String, CredentialError>| match r {
        Err(CredentialError::InvalidProof(ProofRefusal::KeyAttestation(why))) => Some(why),
        _ => None,
    };
    let access = || async {
        let offer = service.offer(&holder, &certificate.number).await.unwrap();
        let now = memory.clock.now().timestamp();
        let (attestation, pop) = provider.attest_instance(&issuer, now);
        token_with(
            &service,
            &code_of(&offer),
            &offer.tx_code,
            Some(&attestation),
            Some(&pop),
            None,
        )
        .await
        .unwrap()
    };
    let token = access().await;
    let proof_with = |attestation: Option<String>, nonce: &str| {
        let mut header = json!({"typ": "openid4vci-proof+jwt", "alg": "ES256",
            "jwk": public_jwk(wallet.verifying_key())});
        if let Some(a) = attestation {
            header["key_attestation"] = json!(a);
        }
        let now = memory.clock.now().timestamp();
        jws(
            &header,
            &json!({"aud": issuer, "iat": now, "nonce": nonce}),
            &wallet,
        )
    };
    let cases = [
        (None, KeyAttestationRefusal::Missing),
        (
            Some(provider.key_attestation(key().verifying_key(), &["iso_18045_high"])),
            KeyAttestationRefusal::OtherKey,
        ),
        (
            Some(provider.key_attestation(wallet.verifying_key(), &["iso_18045_basic"])),
            KeyAttestationRefusal::WeakStorage,
        ),
        (
            Some(stranger.key_attestation(wallet.verifying_key(), &["iso_18045_high"])),
            KeyAttestationRefusal::Untrusted,
        ),
    ];
    for (attestation, expected) in cases {
        let nonce = service.nonce("wallet").await.unwrap();
        let proof = proof_with(attestation, &nonce);
        let refused = service
            .credential(&token, Some(CONFIGURATION_ID), Some(&proof))
            .await;
        assert_eq!(refusal(refused), Some(expected));
    }
    // The same token still gets the credential with the key attested as the issuer asks
    // (each refusal was before the token was spent).
    let nonce = service.nonce("wallet").await.unwrap();
    let attested = provider.key_attestation(wallet.verifying_key(), &["iso_18045_moderate"]);
    let proof = proof_with(Some(attested), &nonce);
    assert!(service
        .credential(&token, Some(CONFIGURATION_ID), Some(&proof))
        .await
        .is_ok());
}

/// A provider's chain links only through CAs (found by the attack on issue 26: the check
/// ignored basicConstraints): a leaf the trusted provider certified may attest; a key that
/// leaf certified in turn may not.
#[tokio::test]
async fn only_a_ca_of_a_trusted_provider_links_an_attestations_chain() {
    let (memory, certificate, holder) = holder_of_a_certificate().await;
    // The certificates below are made now, by the real clock.
    memory.clock.set(chrono::Utc::now());
    let service = memory.wallet_service().unwrap();
    let issuer = service.issuer_url.clone();
    let now = memory.clock.now().timestamp();
    let provider = TestWalletProvider::dev();
    let leaf = provider.issue(false).await;
    let under_leaf = leaf.issue(false).await;
    let intermediate = provider.issue(true).await;
    let under_intermediate = intermediate.issue(false).await;
    for (attester, admitted) in [
        (&leaf, true),
        (&under_intermediate, true),
        (&under_leaf, false),
    ] {
        let offer = service.offer(&holder, &certificate.number).await.unwrap();
        let instance = key();
        let attestation = attester.client_attestation("w1", &instance, now + 3600);
        let pop = attestation_pop(&instance, "w1", &issuer, now);
        let answer = token_with(
            &service,
            &code_of(&offer),
            &offer.tx_code,
            Some(&attestation),
            Some(&pop),
            None,
        )
        .await;
        assert_eq!(answer.is_ok(), admitted, "{answer:?}");
    }
}

//! ghiseul.ro validation: the assertion completes only for the token (API) or in the browser
//! (portal) that started it, names the account's CNP and names, and changes nothing before
//! the holder confirms on the portal. The attack of issue 21: a validation link sent to the
//! victim, whose browser brings the assertion back.

use crate::common::{citizen, memory, new_cnp, principal_of};
use cazier_shared::domain::{AccountStatus, Principal};
use cazier_shared::ports::{AccountStore, Clock};
use cazier_shared::services::ghiseul::{GhiseulError, Started};
use cazier_shared::testing::{sign_ghiseul_assertion, Memory};
use cazier_shared::wiring::ServiceGraphs;
use serde_json::{json, Value};

const BACK: &str = "https://cazier.test/cont/ghiseul/raspuns";

fn state_of(started: &Started) -> String {
    cazier_shared::testing::provider::query(&started.authorize_url)["state"].clone()
}

/// What ghiseul.ro hands back after the card holder with `cnp` passed 3-D Secure.
fn assertion(m: &Memory, state: &str, cnp: &str, names: (&str, &str)) -> String {
    let now = m.clock.now().timestamp();
    let claims: Value = json!({
        "iss": "https://ghiseul.local.test", "aud": "cazier-local", "iat": now, "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string(), "nonce": state, "cnp": cnp,
        "family_name": names.0, "given_name": names.1, "auth_method": "3DS_CARD"
    });
    sign_ghiseul_assertion(&claims)
}

async fn pending(m: &Memory, cnp: &str) -> Principal {
    let account = citizen(cnp, false);
    m.accounts.create(&account, m.clock.now()).await.unwrap();
    principal_of(&account)
}

async fn status(m: &Memory, who: &Principal) -> AccountStatus {
    m.accounts
        .get(&who.account_id)
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test]
async fn a_link_sent_to_the_victim_validates_nothing() {
    let m = memory().await;
    let service = m.ghiseul_service().unwrap();
    let victim_cnp = new_cnp();
    // Mallory registered with Victor's CNP and starts a validation from the portal.
    let mallory = pending(&m, &victim_cnp).await;
    let started = service.start(&mallory, Some(BACK)).await.unwrap();
    assert!(started.browser_binding.is_some());
    // Victor opens the link and passes 3-D Secure; his browser posts the assertion back,
    // without Mallory's cookie.
    let victors = assertion(
        &m,
        &state_of(&started),
        &victim_cnp,
        ("Ștefănescu", "Ana-Maria"),
    );
    for his_cookie in [None, Some("victor's own browser binding")] {
        assert!(matches!(
            service.returned(&victors, his_cookie).await,
            Err(GhiseulError::StartedElsewhere) | Err(GhiseulError::InvalidAssertion)
        ));
    }
    assert_eq!(status(&m, &mallory).await, AccountStatus::PendingValidation);
    // Nor can Mallory use it afterwards, in her browser or through the API.
    let binding = started.browser_binding.clone();
    assert!(service
        .returned(&victors, binding.as_deref())
        .await
        .is_err());
    assert!(service.complete(&mallory, &victors).await.is_err());
    assert_eq!(status(&m, &mallory).await, AccountStatus::PendingValidation);
}

#[tokio::test]
async fn the_same_flow_in_the_browser_that_started_it_validates_after_confirmation() {
    let m = memory().await;
    let service = m.ghiseul_service().unwrap();
    let proven = m.proven_service().unwrap();
    let cnp = new_cnp();
    let owner = pending(&m, &cnp).await;
    let started = service.start(&owner, Some(BACK)).await.unwrap();
    let binding = started.browser_binding.clone().unwrap();
    let signed = assertion(&m, &state_of(&started), &cnp, ("ȘTEFĂNESCU", "ANA MARIA"));
    service.returned(&signed, Some(&binding)).await.unwrap();
    assert_eq!(status(&m, &owner).await, AccountStatus::PendingValidation);
    let view = proven.confirm(&owner, Some(&binding)).await.unwrap();
    assert_eq!(view.status, AccountStatus::Validated);
    assert_eq!(view.last_name.as_deref(), Some("ȘTEFĂNESCU"));
    // The assertion is spent.
    assert!(service.returned(&signed, Some(&binding)).await.is_err());
}

#[tokio::test]
async fn the_api_completes_only_what_its_token_started_through_the_api() {
    let m = memory().await;
    let service = m.ghiseul_service().unwrap();
    let cnp = new_cnp();
    let owner = pending(&m, &cnp).await;
    // Started in a browser: the API cannot complete it.
    let in_browser = service.start(&owner, Some(BACK)).await.unwrap();
    let signed = assertion(
        &m,
        &state_of(&in_browser),
        &cnp,
        ("Ștefănescu", "Ana-Maria"),
    );
    assert!(matches!(
        service.complete(&owner, &signed).await,
        Err(GhiseulError::StartedElsewhere)
    ));
    // Started by another token of the same account (another session): neither.
    let other_session = Principal {
        token_hash: "another session".into(),
        ..owner.clone()
    };
    let by_other_session = service.start(&other_session, None).await.unwrap();
    let signed = assertion(
        &m,
        &state_of(&by_other_session),
        &cnp,
        ("Ștefănescu", "Ana-Maria"),
    );
    assert!(matches!(
        service.complete(&owner, &signed).await,
        Err(GhiseulError::StartedElsewhere)
    ));
    assert_eq!(status(&m, &owner).await, AccountStatus::PendingValidation);
    // Started by another account's token: neither.
    let other = pending(&m, &new_cnp()).await;
    let theirs = service.start(&other, None).await.unwrap();
    let signed = assertion(&m, &state_of(&theirs), &cnp, ("Ștefănescu", "Ana-Maria"));
    assert!(matches!(
        service.complete(&owner, &signed).await,
        Err(GhiseulError::InvalidAssertion)
    ));
    // Its own: validated at once (the client is the holder's app).
    let mine = service.start(&owner, None).await.unwrap();
    assert!(mine.browser_binding.is_none());
    let signed = assertion(&m, &state_of(&mine), &cnp, ("Ștefănescu", "Ana Maria"));
    let view = service.complete(&owner, &signed).await.unwrap();
    assert_eq!(view.status, AccountStatus::Validated);
}

#[tokio::test]
async fn a_name_nobody_proved_is_never_sealed() {
    let m = memory().await;
    let service = m.ghiseul_service().unwrap();
    let cnp = new_cnp();
    let owner = pending(&m, &cnp).await;
    for names in [("Real", "Victim"), ("Orice", "Nume"), ("Ștefănescu", "Ana")] {
        let started = service.start(&owner, None).await.unwrap();
        let signed = assertion(&m, &state_of(&started), &cnp, names);
        assert!(
            matches!(
                service.complete(&owner, &signed).await,
                Err(GhiseulError::NameMismatch)
            ),
            "{names:?}"
        );
    }
    assert_eq!(status(&m, &owner).await, AccountStatus::PendingValidation);
    // Bidi overrides or zero-width characters in the evidence are no name either.
    let started = service.start(&owner, None).await.unwrap();
    let signed = assertion(
        &m,
        &state_of(&started),
        &cnp,
        ("Ștefănescu\u{200B}", "Ana-Maria"),
    );
    assert!(service.complete(&owner, &signed).await.is_err());
}

#[tokio::test]
async fn the_first_validated_account_takes_the_cnp() {
    let m = memory().await;
    let service = m.ghiseul_service().unwrap();
    let cnp = new_cnp();
    let first = pending(&m, &cnp).await;
    let second = pending(&m, &cnp).await;
    let mut outcomes = Vec::new();
    for who in [&first, &second] {
        let started = service.start(who, None).await.unwrap();
        let signed = assertion(&m, &state_of(&started), &cnp, ("Ștefănescu", "Ana-Maria"));
        outcomes.push(service.complete(who, &signed).await);
    }
    assert!(outcomes[0].is_ok());
    assert!(matches!(
        outcomes[1],
        Err(GhiseulError::CnpAlreadyValidated)
    ));
}

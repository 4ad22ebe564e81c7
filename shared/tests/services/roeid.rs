//! ROeID / CEI sign-in: a citizen is validated only by an ID token that the provider issued for
//! this sign-in (state, nonce, PKCE), for our client, in time, and about the same person.

use crate::common::{citizen, memory, new_cnp};
use cazier_shared::domain::{AccountStatus, Principal, Role, ValidationMethod};
use cazier_shared::ports::{AccountStore, Clock};
use cazier_shared::services::roeid::{Callback, RoeidError, RoeidService};
use cazier_shared::testing::{provider, Memory};
use cazier_shared::wiring::ServiceGraphs;
use serde_json::{json, Value};

/// A change to the claims of the ID token the provider will sign.
type Edit = Box<dyn FnOnce(&mut Value)>;

const BACK: &str = "https://cazier.test/cont/roeid/raspuns";

async fn pending_citizen(m: &Memory) -> (Principal, String) {
    let cnp = new_cnp();
    let account = citizen(&cnp, false);
    m.accounts.create(&account).await.expect("created");
    let principal = Principal {
        account_id: account.account_id,
        role: Role::Citizen,
        token_hash: String::new(),
    };
    (principal, cnp)
}

async fn attempt(
    m: &Memory,
    edit: impl FnOnce(&mut Value),
) -> (RoeidService, Principal, Result<AccountStatus, RoeidError>) {
    let service = m.roeid_service().expect("wired");
    let (principal, cnp) = pending_citizen(m).await;
    let url = service.start(&principal, BACK).await.expect("started");
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), edit);
    let outcome = service
        .complete(&principal, callback, BACK)
        .await
        .map(|v| v.status);
    (service, principal, outcome)
}

#[tokio::test]
async fn a_citizen_signed_in_with_roeid_is_validated_by_it() {
    let m = memory().await;
    let (_, principal, outcome) = attempt(&m, |_| {}).await;
    assert_eq!(outcome.expect("validated"), AccountStatus::Validated);
    let account = m
        .accounts
        .get(&principal.account_id)
        .await
        .unwrap()
        .unwrap();
    let validation = account.validation.expect("recorded");
    assert_eq!(validation.method, ValidationMethod::Roeid);
    assert_eq!(validation.operator_id, None);
}

#[tokio::test]
async fn the_authorization_request_asks_for_a_code_with_pkce() {
    let m = memory().await;
    let service = m.roeid_service().unwrap();
    let (principal, _) = pending_citizen(&m).await;
    let url = service.start(&principal, BACK).await.unwrap();
    let q = provider::query(&url);
    assert!(url.starts_with("https://roeid.test/auth?"));
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], provider::CLIENT_ID);
    assert_eq!(q["redirect_uri"], BACK);
    assert_eq!(q["scope"], "openid cnp");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["state"].len() >= 32 && q["nonce"].len() >= 32 && q["code_challenge"].len() == 43);
    assert_ne!(q["state"], q["nonce"]);
}

#[tokio::test]
async fn another_persons_identity_card_does_not_validate() {
    let m = memory().await;
    let other = new_cnp();
    let (_, principal, outcome) = attempt(&m, |c| c["cnp"] = json!(other)).await;
    assert!(matches!(outcome, Err(RoeidError::OtherPerson)));
    let account = m
        .accounts
        .get(&principal.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.status, AccountStatus::PendingValidation);
}

#[tokio::test]
async fn tokens_failing_a_check_are_refused() {
    let edits: Vec<(&str, Edit)> = vec![
        ("nonce", Box::new(|c| c["nonce"] = json!("another sign-in"))),
        ("audience", Box::new(|c| c["aud"] = json!("another-client"))),
        (
            "issuer",
            Box::new(|c| c["iss"] = json!("https://evil.test")),
        ),
        (
            "expired",
            Box::new(|c| c["exp"] = json!(c["iat"].as_i64().unwrap() - 1)),
        ),
        ("no CNP", Box::new(|c| c["cnp"] = Value::Null)),
    ];
    for (what, edit) in edits {
        let m = memory().await;
        let (_, principal, outcome) = attempt(&m, edit).await;
        assert!(
            matches!(outcome, Err(RoeidError::InvalidResponse)),
            "{what}: {outcome:?}"
        );
        let account = m
            .accounts
            .get(&principal.account_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(account.status, AccountStatus::PendingValidation, "{what}");
    }
}

#[tokio::test]
async fn a_callback_works_once_and_only_for_the_session_that_started_it() {
    let m = memory().await;
    let service = m.roeid_service().unwrap();
    let (principal, cnp) = pending_citizen(&m).await;
    let (intruder, _) = pending_citizen(&m).await;
    let url = service.start(&principal, BACK).await.unwrap();
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    let copy = Callback {
        state: callback.state.clone(),
        code: callback.code.clone(),
        iss: callback.iss.clone(),
        error: None,
    };
    // Someone else's session with the victim's callback: refused, and it spends nothing.
    let stolen = service.complete(&intruder, copy, BACK).await;
    assert!(matches!(stolen, Err(RoeidError::InvalidResponse)));
    let again = Callback {
        state: callback.state.clone(),
        code: callback.code.clone(),
        iss: callback.iss.clone(),
        error: None,
    };
    assert!(service.complete(&principal, callback, BACK).await.is_ok());
    // Replayed by its owner (already validated) or after: never twice.
    assert!(matches!(
        service.complete(&principal, again, BACK).await,
        Err(RoeidError::AlreadyValidated)
    ));
}

#[tokio::test]
async fn a_wrong_verifier_redirect_or_issuer_is_refused() {
    let m = memory().await;
    let service = m.roeid_service().unwrap();
    let (principal, cnp) = pending_citizen(&m).await;
    // Redeemed for another redirect: the provider refuses the code.
    let url = service.start(&principal, BACK).await.unwrap();
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    let other_back = "https://evil.test/cont/roeid/raspuns";
    assert!(matches!(
        service.complete(&principal, callback, other_back).await,
        Err(RoeidError::InvalidResponse)
    ));
    // A code from another sign-in (its PKCE verifier differs) does not complete this one.
    let first = service.start(&principal, BACK).await.unwrap();
    let second = service.start(&principal, BACK).await.unwrap();
    let for_first = m.provider.sign_in(&first, &cnp, m.clock.now(), |_| {});
    let for_second = m.provider.sign_in(&second, &cnp, m.clock.now(), |_| {});
    let crossed = Callback {
        state: for_second.state,
        code: for_first.code,
        iss: for_first.iss,
        error: None,
    };
    assert!(matches!(
        service.complete(&principal, crossed, BACK).await,
        Err(RoeidError::InvalidResponse)
    ));
    // The answer names another issuer (RFC 9207 mix-up defence).
    let url = service.start(&principal, BACK).await.unwrap();
    let mut callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    callback.iss = Some("https://evil.test".into());
    assert!(matches!(
        service.complete(&principal, callback, BACK).await,
        Err(RoeidError::InvalidResponse)
    ));
    let account = m
        .accounts
        .get(&principal.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.status, AccountStatus::PendingValidation);
}

#[tokio::test]
async fn cancelling_expiry_and_outages_leave_the_account_pending() {
    let m = memory().await;
    let service = m.roeid_service().unwrap();
    let (principal, cnp) = pending_citizen(&m).await;
    // Cancelled at the provider.
    let url = service.start(&principal, BACK).await.unwrap();
    let cancelled = Callback {
        state: provider::query(&url).get("state").cloned(),
        error: Some("access_denied".into()),
        ..Default::default()
    };
    assert!(matches!(
        service.complete(&principal, cancelled, BACK).await,
        Err(RoeidError::Cancelled)
    ));
    // Back after the 15 minutes.
    let url = service.start(&principal, BACK).await.unwrap();
    let late = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    m.clock.advance(chrono::Duration::minutes(16));
    assert!(matches!(
        service.complete(&principal, late, BACK).await,
        Err(RoeidError::InvalidResponse)
    ));
    // The provider is down: a 503 for the edge, nothing validated.
    m.provider.set_failing(true);
    let url = service.start(&principal, BACK).await.unwrap();
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    assert!(matches!(
        service.complete(&principal, callback, BACK).await,
        Err(RoeidError::Unavailable(_))
    ));
    // Garbage instead of a callback.
    let garbage = Callback {
        state: Some("x".repeat(10_000)),
        code: Some("c".into()),
        ..Default::default()
    };
    assert!(matches!(
        service.complete(&principal, garbage, BACK).await,
        Err(RoeidError::InvalidResponse)
    ));
    let account = m
        .accounts
        .get(&principal.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.status, AccountStatus::PendingValidation);
}

#[tokio::test]
async fn a_deployment_without_roeid_says_so() {
    let m = memory()
        .await
        .with_setting(cazier_shared::config::vars::IDENTITY_ISSUERS, "[]");
    let service = m.roeid_service().unwrap();
    let (principal, _) = pending_citizen(&m).await;
    assert!(!service.configured());
    assert!(matches!(
        service.start(&principal, BACK).await,
        Err(RoeidError::NotConfigured)
    ));
}

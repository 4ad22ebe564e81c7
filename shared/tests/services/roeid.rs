//! ROeID / CEI sign-in: a citizen is validated only by an ID token that the provider issued for
//! this sign-in (state, nonce, PKCE), for our client, in time, about the same person (CNP and
//! names), coming back to the browser that started, and confirmed there by its holder.
//! (Over 400 lines: the ROeID flow's attacks, one test each.)

use crate::common::{citizen, memory, new_cnp};
use cazier_shared::domain::{AccountStatus, Principal, Role, ValidationMethod};
use cazier_shared::ports::{AccountStore, Clock};
use cazier_shared::services::online::ConfirmValidationError;
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
    m.accounts
        .create(&account, chrono::Utc::now())
        .await
        .expect("created");
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
    let (url, binding) = service.start(&principal, BACK).await.expect("started");
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), edit);
    let outcome = match service
        .complete(&principal, callback, BACK, Some(&binding))
        .await
    {
        Ok(()) => {
            let proven = m.proven_service().expect("wired");
            let view = proven
                .confirm(&principal, Some(&binding))
                .await
                .expect("confirmed");
            Ok(view.status)
        }
        Err(e) => Err(e),
    };
    (service, principal, outcome)
}

#[tokio::test]
async fn a_citizen_signed_in_with_roeid_is_validated_by_it_under_the_registers_spelling() {
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
    // Typed "Ștefănescu Ana-Maria"; the register says "ȘTEFĂNESCU ANA MARIA": that is sealed.
    assert_eq!(account.person.unwrap().full_name(), "ȘTEFĂNESCU ANA MARIA");
}

#[tokio::test]
async fn nothing_changes_before_the_holder_confirms_and_a_cancel_keeps_it_so() {
    let m = memory().await;
    let service = m.roeid_service().unwrap();
    let proven = m.proven_service().unwrap();
    let (principal, cnp) = pending_citizen(&m).await;
    let (url, binding) = service.start(&principal, BACK).await.unwrap();
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    service
        .complete(&principal, callback, BACK, Some(&binding))
        .await
        .unwrap();
    let status = |m: &Memory| {
        let accounts = m.accounts.clone();
        let id = principal.account_id.clone();
        async move { accounts.get(&id).await.unwrap().unwrap().status }
    };
    assert_eq!(status(&m).await, AccountStatus::PendingValidation);
    let awaiting = proven
        .awaiting(&principal, Some(&binding))
        .await
        .unwrap()
        .expect("waiting for the holder");
    assert_eq!(awaiting.last_name, "ȘTEFĂNESCU");
    // Typed "Ștefănescu Ana-Maria": the same letters as the register's capitals, so nothing
    // to point out (a spelling with other letters is: `online.rs`'s test).
    assert_eq!(awaiting.declared, None);
    assert!(awaiting.email_masked.contains("***@"));
    // Another account's session cannot see or confirm it, even with the binding.
    let (stranger, _) = pending_citizen(&m).await;
    assert_eq!(
        proven.awaiting(&stranger, Some(&binding)).await.unwrap(),
        None
    );
    assert!(matches!(
        proven.confirm(&stranger, Some(&binding)).await,
        Err(ConfirmValidationError::NothingPending)
    ));
    // Without the binding: nothing either.
    assert!(matches!(
        proven.confirm(&principal, None).await,
        Err(ConfirmValidationError::NothingPending)
    ));
    proven.cancel(&principal, Some(&binding)).await.unwrap();
    assert!(matches!(
        proven.confirm(&principal, Some(&binding)).await,
        Err(ConfirmValidationError::NothingPending)
    ));
    assert_eq!(status(&m).await, AccountStatus::PendingValidation);
    // And a proof waits 10 minutes at most.
    let (url, binding) = service.start(&principal, BACK).await.unwrap();
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    service
        .complete(&principal, callback, BACK, Some(&binding))
        .await
        .unwrap();
    m.clock.advance(chrono::Duration::minutes(11));
    assert!(matches!(
        proven.confirm(&principal, Some(&binding)).await,
        Err(ConfirmValidationError::NothingPending)
    ));
    assert_eq!(status(&m).await, AccountStatus::PendingValidation);
}

#[tokio::test]
async fn a_name_without_its_accents_is_the_same_name_sealed_as_the_evidence_spells_it() {
    let m = memory().await;
    let (_, principal, outcome) = attempt(&m, |c| {
        c["family_name"] = json!("STEFANESCU");
        c["given_name"] = json!("ANA MARIA");
    })
    .await;
    // Typed "Ștefănescu": the same name. What is sealed is what the evidence proves (the
    // holder saw it on the confirmation page before it replaced the typed spelling).
    assert_eq!(outcome.expect("validated"), AccountStatus::Validated);
    let account = m
        .accounts
        .get(&principal.account_id)
        .await
        .unwrap()
        .unwrap();
    let person = account.person.unwrap();
    assert_eq!(person.last_name.as_str(), "STEFANESCU");
}

#[tokio::test]
async fn the_names_must_be_the_accounts_and_nothing_changes_otherwise() {
    for (family, given) in [
        ("REAL", "VICTIM"),
        ("ȘTEFĂNESCU", "ANA"),
        ("STEFANESCUL", "ANA MARIA"),
    ] {
        let m = memory().await;
        let (_, principal, outcome) = attempt(&m, |c| {
            c["family_name"] = json!(family);
            c["given_name"] = json!(given);
        })
        .await;
        assert!(
            matches!(outcome, Err(RoeidError::NameMismatch)),
            "{family} {given}: {outcome:?}"
        );
        let account = m
            .accounts
            .get(&principal.account_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(account.status, AccountStatus::PendingValidation);
        assert_eq!(account.person.unwrap().last_name.as_str(), "Ștefănescu");
    }
}

#[tokio::test]
async fn a_callback_in_a_browser_that_did_not_start_it_validates_nothing() {
    let m = memory().await;
    let service = m.roeid_service().unwrap();
    let (principal, cnp) = pending_citizen(&m).await;
    for wrong in [None, Some("another browser's binding")] {
        let (url, _binding) = service.start(&principal, BACK).await.unwrap();
        let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
        assert!(matches!(
            service.complete(&principal, callback, BACK, wrong).await,
            Err(RoeidError::StartedElsewhere)
        ));
    }
    let account = m
        .accounts
        .get(&principal.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.status, AccountStatus::PendingValidation);
}

#[tokio::test]
async fn one_validated_account_per_cnp_whoever_validates_first() {
    let m = memory().await;
    let service = m.roeid_service().unwrap();
    let proven = m.proven_service().unwrap();
    let cnp = new_cnp();
    let mut principals = Vec::new();
    for _ in 0..2 {
        let account = citizen(&cnp, false);
        m.accounts.create(&account, m.clock.now()).await.unwrap();
        principals.push(Principal {
            account_id: account.account_id,
            role: Role::Citizen,
            token_hash: String::new(),
        });
    }
    let mut outcomes = Vec::new();
    for principal in &principals {
        let (url, binding) = service.start(principal, BACK).await.unwrap();
        let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
        service
            .complete(principal, callback, BACK, Some(&binding))
            .await
            .unwrap();
        outcomes.push(proven.confirm(principal, Some(&binding)).await);
    }
    assert!(outcomes[0].is_ok());
    assert!(matches!(
        outcomes[1],
        Err(ConfirmValidationError::CnpAlreadyValidated)
    ));
}

#[tokio::test]
async fn the_authorization_request_asks_for_a_code_with_pkce() {
    let m = memory().await;
    let service = m.roeid_service().unwrap();
    let (principal, _) = pending_citizen(&m).await;
    let (url, _) = service.start(&principal, BACK).await.unwrap();
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
    let (url, binding) = service.start(&principal, BACK).await.unwrap();
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    let copy = |c: &Callback| Callback {
        state: c.state.clone(),
        code: c.code.clone(),
        iss: c.iss.clone(),
        error: None,
    };
    // Someone else's session with the victim's callback (and even the binding): refused,
    // and it spends nothing.
    let stolen = service
        .complete(&intruder, copy(&callback), BACK, Some(&binding))
        .await;
    assert!(matches!(stolen, Err(RoeidError::InvalidResponse)));
    let again = copy(&callback);
    assert!(service
        .complete(&principal, callback, BACK, Some(&binding))
        .await
        .is_ok());
    // Replayed: the state was spent.
    assert!(matches!(
        service
            .complete(&principal, again, BACK, Some(&binding))
            .await,
        Err(RoeidError::InvalidResponse)
    ));
}

#[tokio::test]
async fn a_wrong_verifier_redirect_or_issuer_is_refused() {
    let m = memory().await;
    let service = m.roeid_service().unwrap();
    let (principal, cnp) = pending_citizen(&m).await;
    // Redeemed for another redirect: the provider refuses the code.
    let (url, binding) = service.start(&principal, BACK).await.unwrap();
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    let other_back = "https://evil.test/cont/roeid/raspuns";
    assert!(matches!(
        service
            .complete(&principal, callback, other_back, Some(&binding))
            .await,
        Err(RoeidError::InvalidResponse)
    ));
    // A code from another sign-in (its PKCE verifier differs) does not complete this one.
    let (first, _) = service.start(&principal, BACK).await.unwrap();
    let (second, binding) = service.start(&principal, BACK).await.unwrap();
    let for_first = m.provider.sign_in(&first, &cnp, m.clock.now(), |_| {});
    let for_second = m.provider.sign_in(&second, &cnp, m.clock.now(), |_| {});
    let crossed = Callback {
        state: for_second.state,
        code: for_first.code,
        iss: for_first.iss,
        error: None,
    };
    assert!(matches!(
        service
            .complete(&principal, crossed, BACK, Some(&binding))
            .await,
        Err(RoeidError::InvalidResponse)
    ));
    // The answer names another issuer (RFC 9207 mix-up defence).
    let (url, binding) = service.start(&principal, BACK).await.unwrap();
    let mut callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    callback.iss = Some("https://evil.test".into());
    assert!(matches!(
        service
            .complete(&principal, callback, BACK, Some(&binding))
            .await,
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
    let (url, binding) = service.start(&principal, BACK).await.unwrap();
    let cancelled = Callback {
        state: provider::query(&url).get("state").cloned(),
        error: Some("access_denied".into()),
        ..Default::default()
    };
    assert!(matches!(
        service
            .complete(&principal, cancelled, BACK, Some(&binding))
            .await,
        Err(RoeidError::Cancelled)
    ));
    // Back after the 15 minutes.
    let (url, binding) = service.start(&principal, BACK).await.unwrap();
    let late = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    m.clock.advance(chrono::Duration::minutes(16));
    assert!(matches!(
        service
            .complete(&principal, late, BACK, Some(&binding))
            .await,
        Err(RoeidError::InvalidResponse)
    ));
    // The provider is down: a 503 for the edge, nothing validated.
    m.provider.set_failing(true);
    let (url, binding) = service.start(&principal, BACK).await.unwrap();
    let callback = m.provider.sign_in(&url, &cnp, m.clock.now(), |_| {});
    assert!(matches!(
        service
            .complete(&principal, callback, BACK, Some(&binding))
            .await,
        Err(RoeidError::Unavailable(_))
    ));
    // Garbage instead of a callback.
    let garbage = Callback {
        state: Some("x".repeat(10_000)),
        code: Some("c".into()),
        ..Default::default()
    };
    assert!(matches!(
        service
            .complete(&principal, garbage, BACK, Some(&binding))
            .await,
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

//! Registration, sign-in throttling and sessions.

use crate::common::{memory, new_cnp};
use cazier_shared::domain::{AccountStatus, Role};
use cazier_shared::ports::SessionStore;
use cazier_shared::services::accounts::{
    LoginDto, LoginError, RegisterDto, RegisterError, SessionError, LOGIN_FAILURE_LIMIT,
    LOGIN_FAILURE_LIMIT_PER_ADDRESS, LOGIN_FAILURE_LIMIT_PER_DAY,
};
use cazier_shared::wiring::ServiceGraphs;
use serde_json::json;

fn registration(email: &str, cnp: &str) -> RegisterDto {
    serde_json::from_value(json!({
        "email": email, "password": "at least 12 characters", "cnp": cnp,
        "last_name": "Popescu", "first_name": "Ana-Maria", "birth_place": "Constanţa",
        "id_document": {"type": "CI", "series": "RX", "number": "123456"}
    }))
    .expect("a registration")
}

fn login(email: &str, password: &str) -> LoginDto {
    LoginDto {
        email: email.into(),
        password: password.into(),
        device_token: None,
    }
}

#[tokio::test]
async fn every_wrong_field_is_reported_at_once_and_nothing_is_stored() {
    let memory = memory().await;
    let service = memory.account_service().unwrap();
    let dto: RegisterDto = serde_json::from_value(json!({
        "email": "not-an-address", "password": "short", "cnp": "1234567890123",
        "last_name": "", "first_name": "Ana\u{7}",
        "id_document": {"type": "CI", "series": "R1", "number": "12"}
    }))
    .unwrap();
    let Err(RegisterError::Invalid(errors)) = service.register(dto).await else {
        panic!("expected the fields to be refused");
    };
    let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        fields,
        [
            ("email", "INVALID_EMAIL"),
            ("password", "INVALID_PASSWORD"),
            ("cnp", "INVALID_CNP"),
            ("last_name", "INVALID_NAME"),
            ("first_name", "INVALID_NAME"),
            ("id_document", "INVALID_ID_DOCUMENT"),
        ]
    );
    let taken = service
        .register(registration("ok@example.ro", &new_cnp()))
        .await;
    assert!(
        taken.is_ok(),
        "the e-mail was not taken by the refused form"
    );
}

#[tokio::test]
async fn a_second_account_with_the_same_email_or_cnp_is_refused_alike() {
    let memory = memory().await;
    let service = memory.account_service().unwrap();
    let cnp = new_cnp();
    let created = service
        .register(registration("Ana@Example.ro", &cnp))
        .await
        .unwrap();
    assert_eq!(created.status, AccountStatus::PendingValidation);
    assert_eq!(created.counter_code.len(), 8);
    for (email, cnp) in [("ana@example.ro", new_cnp()), ("other@example.ro", cnp)] {
        assert!(matches!(
            service.register(registration(email, &cnp)).await,
            Err(RegisterError::AccountExists)
        ));
    }
}

#[tokio::test]
async fn names_keep_comma_below_diacritics() {
    let memory = memory().await;
    let service = memory.account_service().unwrap();
    service
        .register(registration("c@example.ro", &new_cnp()))
        .await
        .unwrap();
    let session = service
        .login(
            login("c@example.ro", "at least 12 characters"),
            "198.51.100.1",
        )
        .await
        .unwrap();
    assert_eq!(session.role, Role::Citizen);
    let account = memory
        .sessions
        .get(&cazier_shared::crypto::sha256_hex(session.token.as_bytes()))
        .await
        .unwrap()
        .expect("the session is stored by its hash");
    let principal = cazier_shared::domain::Principal {
        account_id: account.account_id,
        role: account.role,
        token_hash: String::new(),
    };
    let me = service.me(&principal).await.unwrap();
    assert_eq!(me.last_name.as_deref(), Some("Popescu"));
    assert!(me.cnp_masked.is_some_and(|m| m.contains('*')));
}

#[tokio::test]
async fn guessing_from_one_address_is_stopped_without_locking_the_owner_out() {
    let memory = memory().await;
    let service = memory.account_service().unwrap();
    service
        .register(registration("t@example.ro", &new_cnp()))
        .await
        .unwrap();
    assert!(matches!(
        service
            .login(login("nobody@example.ro", "whatever password"), "a")
            .await,
        Err(LoginError::InvalidCredentials)
    ));
    for _ in 0..LOGIN_FAILURE_LIMIT {
        assert!(matches!(
            service
                .login(login("t@example.ro", "wrong password!"), "attacker")
                .await,
            Err(LoginError::InvalidCredentials)
        ));
    }
    // The guessing address is stopped, even with the right password: it learns nothing.
    match service
        .login(login("t@example.ro", "at least 12 characters"), "attacker")
        .await
    {
        Err(LoginError::Throttled { retry_after_secs }) => {
            assert!((1..=900).contains(&retry_after_secs))
        }
        other => panic!("expected throttling, got {other:?}"),
    }
    // The owner, elsewhere, signs in as usual.
    assert!(service
        .login(login("t@example.ro", "at least 12 characters"), "owner")
        .await
        .is_ok());
    // The window ends: the address is counted afresh.
    memory.clock.advance(chrono::Duration::minutes(15));
    assert!(service
        .login(login("t@example.ro", "at least 12 characters"), "attacker")
        .await
        .is_ok());
}

#[tokio::test]
async fn distributed_guessing_is_bounded_per_day_and_a_known_device_still_signs_in() {
    let memory = memory().await;
    let service = memory.account_service().unwrap();
    service
        .register(registration("d@example.ro", &new_cnp()))
        .await
        .unwrap();
    let home = service
        .login(login("d@example.ro", "at least 12 characters"), "home")
        .await
        .unwrap();
    // Guesses from as many addresses as it takes, each under its own limit.
    for n in 0..LOGIN_FAILURE_LIMIT_PER_DAY {
        let address = format!("bot-{}", n / (LOGIN_FAILURE_LIMIT - 1));
        assert!(matches!(
            service
                .login(login("d@example.ro", "guess {n}"), &address)
                .await,
            Err(LoginError::InvalidCredentials)
        ));
    }
    let fresh = || login("d@example.ro", "at least 12 characters");
    assert!(matches!(
        service.login(fresh(), "new-bot").await,
        Err(LoginError::Throttled { .. })
    ));
    // The device that signed in before is not locked out, from any address.
    let with_device = LoginDto {
        device_token: Some(home.device_token.clone()),
        ..fresh()
    };
    let again = service.login(with_device, "hotel-wifi").await.unwrap();
    assert_eq!(
        again.device_token, home.device_token,
        "the device keeps its token"
    );
    // Another account's device token does not count for this one.
    let forged = LoginDto {
        device_token: Some("made-up".into()),
        ..fresh()
    };
    assert!(matches!(
        service.login(forged, "x").await,
        Err(LoginError::Throttled { .. })
    ));
    memory.clock.advance(chrono::Duration::hours(24));
    assert!(service.login(fresh(), "new-device").await.is_ok());
}

#[tokio::test]
async fn one_address_cannot_try_many_emails_but_known_devices_pass() {
    let memory = memory().await;
    let service = memory.account_service().unwrap();
    service
        .register(registration("n@example.ro", &new_cnp()))
        .await
        .unwrap();
    let device = service
        .login(login("n@example.ro", "at least 12 characters"), "elsewhere")
        .await
        .unwrap()
        .device_token;
    for n in 0..LOGIN_FAILURE_LIMIT_PER_ADDRESS {
        let _ = service
            .login(login(&format!("u{n}@example.ro"), "guessing"), "office")
            .await;
    }
    assert!(matches!(
        service
            .login(login("n@example.ro", "at least 12 characters"), "office")
            .await,
        Err(LoginError::Throttled { .. })
    ));
    let known = LoginDto {
        device_token: Some(device),
        ..login("n@example.ro", "at least 12 characters")
    };
    assert!(service.login(known, "office").await.is_ok());
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let memory = memory().await;
    let service = memory.account_service().unwrap();
    service
        .register(registration("s@example.ro", &new_cnp()))
        .await
        .unwrap();
    let session = service
        .login(login("s@example.ro", "at least 12 characters"), "a")
        .await
        .unwrap();
    let hash = cazier_shared::crypto::sha256_hex(session.token.as_bytes());
    let stored = memory.sessions.get(&hash).await.unwrap().unwrap();
    assert_eq!(
        stored.expires_at,
        memory_now(&memory) + chrono::Duration::hours(1)
    );
    let principal = cazier_shared::domain::Principal {
        account_id: stored.account_id.clone(),
        role: stored.role,
        token_hash: hash.clone(),
    };
    service.logout(&principal).await.unwrap();
    assert!(memory.sessions.get(&hash).await.unwrap().is_none());
    // A session whose account is gone is not a session.
    let ghost = cazier_shared::domain::Principal {
        account_id: "gone".into(),
        ..principal
    };
    assert!(matches!(
        service.me(&ghost).await,
        Err(SessionError::NoAccount)
    ));
}

fn memory_now(memory: &cazier_shared::testing::Memory) -> chrono::DateTime<chrono::Utc> {
    use cazier_shared::ports::Clock;
    memory.clock.now()
}

//! "Who checked my certificate": every verification of it, by number and CNP (right or wrong)
//! and by document, shown to its holder only, newest first.

use crate::common::{by, issued, memory, new_cnp, stored_citizen};
use cazier_shared::domain::CertificateNumber;
use cazier_shared::domain::{Principal, Role};
use cazier_shared::services::checks::CheckChannel;
use cazier_shared::services::requests::OwnedError;
use cazier_shared::wiring::ServiceGraphs;
use chrono::Duration;

#[tokio::test]
async fn the_holder_sees_every_check_newest_first_and_no_one_else_does() {
    let memory = memory().await;
    let (certificate, cnp, pdf) = issued(&memory).await;
    let number = certificate.number.clone();
    let verification = memory.verification_service().unwrap();
    let checks = memory.check_service().unwrap();
    let holder = Principal {
        account_id: certificate.account_id.clone(),
        role: Role::Citizen,
        token_hash: "session".into(),
    };
    assert!(checks
        .checks(&holder, &number)
        .await
        .unwrap()
        .checks
        .is_empty());

    verification
        .verify(by(number.as_str(), &cnp), "employer")
        .await
        .unwrap();
    memory.clock.advance(Duration::minutes(1));
    // Someone with the number but not the CNP: the holder should know.
    verification
        .verify(by(number.as_str(), &new_cnp()), "stranger")
        .await
        .unwrap();
    memory.clock.advance(Duration::minutes(1));
    verification
        .verify_document(&pdf, Some("application/pdf"), "embassy")
        .await
        .unwrap();

    let seen = checks.checks(&holder, &number).await.unwrap();
    let got: Vec<(CheckChannel, &str)> = seen
        .checks
        .iter()
        .map(|c| (c.channel, c.result.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (CheckChannel::Document, "VALID"),
            (CheckChannel::NumberAndCnp, "NOT_FOUND"),
            (CheckChannel::NumberAndCnp, "VALID"),
        ]
    );
    assert!(seen.checks[0].at > seen.checks[2].at);
    let json = serde_json::to_string(&seen).unwrap();
    assert!(json.contains("\"channel\":\"NUMBER_AND_CNP\""), "{json}");
    assert!(!json.contains(&cnp) && !json.contains("employer"), "{json}");

    // Another citizen or an unknown number: not found, alike.
    let (_, other) = stored_citizen(&memory).await;
    // (A malformed number never reaches the service: the edges parse it, 404.)
    let unknown = CertificateNumber::new(2026, 9999);
    for (who, n) in [(&other, &number), (&holder, &unknown)] {
        assert!(matches!(
            checks.checks(who, n).await,
            Err(OwnedError::NotFound)
        ));
    }
}

//! The daily expiry notices.

use crate::common::{bucharest, memory, stored_citizen, submit};
use cazier_shared::services::notices::ExpiryReport;
use cazier_shared::services::revocation::revoke;
use cazier_shared::wiring::ServiceGraphs;
use serde_json::json;

#[tokio::test]
async fn holders_are_told_once_fourteen_days_before_the_end() {
    let memory = memory().await;
    let (account, citizen) = stored_citizen(&memory).await;
    let (_, other) = stored_citizen(&memory).await;
    let service = memory.issuance_service().unwrap();
    for (who, purpose) in [(&citizen, "ANGAJARE"), (&other, "STUDII")] {
        let id = submit(&memory, who, json!({ "purpose": purpose })).await;
        service.issue(&id).await.unwrap();
    }
    let certificates = memory.certificates.all();
    assert_eq!(certificates[0].valid_until.to_string(), "2027-05-22");
    let revoked = certificates
        .iter()
        .find(|c| c.account_id != account.account_id)
        .unwrap();
    revoke(
        &*memory.certificates,
        &*memory.clock,
        &revoked.number,
        "emis din eroare",
        "ops",
    )
    .await
    .unwrap();
    let notices = memory.notice_service().unwrap();
    let before = memory.mailer.sent().len();

    memory.clock.set(bucharest(2027, 5, 7, 9, 0, 0));
    assert_eq!(
        notices.send_expiry_notices().await.unwrap(),
        ExpiryReport::default()
    );
    memory.clock.set(bucharest(2027, 5, 8, 9, 0, 0));
    let report = notices.send_expiry_notices().await.unwrap();
    assert_eq!(
        (report.sent, report.skipped),
        (1, 1),
        "the revoked one is not told"
    );
    let sent = memory.mailer.sent();
    let notice = &sent[before];
    assert_eq!(notice.to, account.email);
    assert!(notice.subject.contains("14"));
    assert!(notice.text.contains("https://cazier.test/certificate"));
    assert!(!notice
        .text
        .contains(&account.person.unwrap().cnp.as_string()));
    // Run again the same day: nobody is told twice.
    let again = notices.send_expiry_notices().await.unwrap();
    assert_eq!(again.sent, 0);
    assert_eq!(memory.mailer.sent().len(), before + 1);
}

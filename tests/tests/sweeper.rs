//! The sweeper: a request that the stream could not get issued is issued later, or rejected
//! with a reason after a day; none stays PENDING. One test, since sweeps see every request.

use cazier_e2e::*;
use cazier_shared::domain::*;
use cazier_shared::testing::TestClock;
use chrono::{Duration, Utc};

/// A request whose account does not exist (yet): generation fails until it does.
async fn orphan_request(stack: &TestStack) -> CertificateRequest {
    submit_request(stack, &AccountId::random(), Purpose::PortArma).await
}

#[test]
fn no_request_stays_pending() {
    let stack = stack();
    let requests = stack.requests();
    let accounts = stack.accounts();
    let certificates = stack.certificates();
    stack.runtime.block_on(async {
        // 1. Generation fails (no account): the request waits, and young ones are left alone.
        let stuck = orphan_request(stack).await;
        let now = issuance_service(stack, TestClock::at(Utc::now()));
        assert_eq!(
            now.sweep().await.unwrap().failed,
            0,
            "younger than 2 minutes: the stream's"
        );
        let later = issuance_service(stack, TestClock::at(Utc::now() + Duration::minutes(3)));
        let report = later.sweep().await.unwrap();
        assert_eq!(report.failed, 1, "{report:?}");
        assert_eq!(
            requests
                .get(&stuck.request_id)
                .await
                .unwrap()
                .unwrap()
                .status,
            RequestStatus::Pending
        );

        // 2. The cause goes away: the next sweep issues it, once.
        let mut account = citizen_account(&random_cnp());
        account.account_id = stuck.account_id.clone();
        accounts.create(&account, chrono::Utc::now()).await.unwrap();
        let report = later.sweep().await.unwrap();
        let issued = requests.get(&stuck.request_id).await.unwrap().unwrap();
        assert_eq!(issued.status, RequestStatus::Issued, "{report:?}");
        assert_eq!(
            certificates
                .list_for_account(&account.account_id)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            later.sweep().await.unwrap(),
            Default::default(),
            "issued requests leave the index"
        );

        // 3. A cause that does not go away: after a day the citizen gets a reason.
        let hopeless = orphan_request(stack).await;
        let next_day = issuance_service(stack, TestClock::at(Utc::now() + Duration::hours(25)));
        let report = next_day.sweep().await.unwrap();
        assert_eq!(report.rejected, 1, "{report:?}");
        let rejected = requests.get(&hopeless.request_id).await.unwrap().unwrap();
        assert_eq!(rejected.status, RequestStatus::Rejected);
        assert_eq!(
            rejected.rejection_code,
            Some(RejectionCode::GenerationFailed)
        );
        assert_eq!(next_day.sweep().await.unwrap(), Default::default());
    });
}

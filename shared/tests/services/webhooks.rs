//! Webhook deliveries (issue 27, item 5): a record change under a continuous consent is pushed
//! to the organisation's receiver, sealed and addressed to it; a receiver down for a day gets
//! it when back, once; after two days it is a dead letter ops can redrive; two deliverers at
//! once post it once; a suspended organisation, or one without a webhook, is pushed nothing.

use crate::consents::{employer, given, holder, trust};
use cazier_shared::domain::organisation::OrganisationStatus;
use cazier_shared::domain::webhook::{Delivery, GIVE_UP_AFTER};
use cazier_shared::domain::{Cnp, DeliveryState};
use cazier_shared::ports::{Clock, Organisations, WebhookOutbox};
use cazier_shared::services::consents::webhooks::DeliveryReport;
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use chrono::Duration;

const HOOK: &str = "https://hr.dunarea.example/cazier/changes";

/// The employer registered with a webhook, a continuous consent of a person given to it, and
/// that person's record changed once: the memory, the person's CNP.
async fn changed(hook: Option<&str>) -> (Memory, Cnp) {
    let memory = crate::common::memory().await;
    let organisation = employer().organisation;
    memory.organisations.add(&organisation).await.unwrap();
    memory
        .organisations
        .set_webhook(&organisation.cui, hook)
        .await
        .unwrap();
    let (_, principal, cnp) = holder(&memory).await;
    given(
        &memory,
        &employer(),
        &principal,
        &cnp,
        "ANGAJARE",
        Some("2027-06-30"),
    )
    .await;
    let cnp = Cnp::parse(&cnp).unwrap();
    memory
        .change_notices()
        .unwrap()
        .record_changed(&cnp)
        .await
        .unwrap();
    (memory, cnp)
}

fn only(memory: &Memory) -> Delivery {
    let all = memory.outbox.all();
    assert_eq!(all.len(), 1, "{all:?}");
    all[0].clone()
}

/// One run of the deliverer's schedule.
async fn deliver(memory: &Memory) -> cazier_shared::services::consents::webhooks::DeliveryReport {
    memory
        .webhook_deliveries()
        .unwrap()
        .deliver_due()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_change_is_pushed_sealed_and_addressed_to_its_organisation() {
    let (memory, cnp) = changed(Some(HOOK)).await;
    let report = deliver(&memory).await;
    assert_eq!(report.delivered, 1, "{report:?}");
    let received = memory.receiver.received();
    let (url, key, body) = &received[0];
    assert_eq!(url, HOOK);
    let delivery = only(&memory);
    assert_eq!(
        (key.as_str(), delivery.state),
        (delivery.id.as_str(), DeliveryState::Delivered)
    );
    let claims = cazier_shared::change::verify(body, &trust(&memory).await.keys).unwrap();
    assert_eq!(claims.aud, employer().organisation.cui.as_str());
    assert_eq!(claims.consent_id, delivery.consent.as_str());
    assert!(!body.contains(&cnp.as_string()));
    // The cursor is the feed's: polling after it gives nothing more.
    let feed = memory
        .change_feeds()
        .unwrap()
        .feed(&employer(), Some(&claims.cursor))
        .await
        .unwrap();
    assert!(feed.changes.is_empty());
    // A changed claim does not verify.
    let forged = cazier_shared::testing::with_changed_claims(body, |c| {
        c["aud"] = "RO4267117".into();
    });
    assert!(cazier_shared::change::verify(&forged, &trust(&memory).await.keys).is_err());
    // Nothing more to do.
    let again = deliver(&memory).await;
    assert_eq!(again, DeliveryReport::default());
    assert_eq!(memory.receiver.received().len(), 1);
}

/// The figures of the note: a receiver down for a day, then back.
#[tokio::test]
async fn a_receiver_down_for_a_day_gets_the_change_once_when_back() {
    let (memory, _) = changed(Some(HOOK)).await;
    memory.receiver.set_down(true);
    let deliveries = memory.webhook_deliveries().unwrap();
    let start = memory.clock.now();
    let mut runs = 0;
    // The schedule runs every minute for a day.
    while memory.clock.now() - start < Duration::hours(24) {
        deliveries.deliver_due().await.unwrap();
        memory.clock.advance(Duration::minutes(1));
        runs += 1;
    }
    let waiting = only(&memory);
    assert_eq!(waiting.state, DeliveryState::Due);
    assert!(
        (25..=35).contains(&waiting.attempts),
        "{} attempts",
        waiting.attempts
    );
    assert_eq!(
        waiting.last_error.as_deref(),
        Some("the receiver answered 503")
    );
    println!("a day down: {runs} runs, {} attempts", waiting.attempts);
    memory.receiver.set_down(false);
    let mut delivered_after = Duration::zero();
    while only(&memory).state == DeliveryState::Due {
        deliveries.deliver_due().await.unwrap();
        memory.clock.advance(Duration::minutes(1));
        delivered_after += Duration::minutes(1);
    }
    assert!(
        delivered_after <= Duration::hours(1),
        "at most an hour's wait once back"
    );
    assert_eq!(only(&memory).state, DeliveryState::Delivered);
    assert_eq!(memory.receiver.received().len(), 1, "once");
}

#[tokio::test]
async fn two_days_down_is_a_dead_letter_that_ops_redrive_with_the_same_key() {
    let (memory, _) = changed(Some(HOOK)).await;
    memory.receiver.set_down(true);
    let deliveries = memory.webhook_deliveries().unwrap();
    let start = memory.clock.now();
    while only(&memory).state == DeliveryState::Due {
        deliveries.deliver_due().await.unwrap();
        memory.clock.advance(Duration::minutes(1));
    }
    let dead = only(&memory);
    assert_eq!(dead.state, DeliveryState::Dead);
    assert!(memory.clock.now() - start >= GIVE_UP_AFTER);
    assert_eq!(
        deliveries.dead_letters(10).await.unwrap(),
        vec![dead.clone()]
    );
    // Not tried again on its own.
    memory.receiver.set_down(false);
    assert_eq!(
        deliveries.deliver_due().await.unwrap(),
        DeliveryReport::default()
    );
    assert!(deliveries.redrive(&dead.id).await.unwrap());
    assert!(
        !deliveries.redrive(&dead.id).await.unwrap(),
        "not a dead letter any more"
    );
    assert_eq!(deliveries.deliver_due().await.unwrap().delivered, 1);
    let received = memory.receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].1, dead.id.as_str(), "the same idempotency key");
}

#[tokio::test]
async fn two_deliverers_at_once_post_a_change_once() {
    let (memory, _) = changed(Some(HOOK)).await;
    let (a, b) = (
        memory.webhook_deliveries().unwrap(),
        memory.webhook_deliveries().unwrap(),
    );
    let (ra, rb) = tokio::join!(a.deliver_due(), b.deliver_due());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.delivered + rb.delivered, 1, "{ra:?} {rb:?}");
    assert_eq!(memory.receiver.received().len(), 1);
}

#[tokio::test]
async fn a_suspended_organisation_or_one_without_a_webhook_is_pushed_nothing() {
    let (memory, _) = changed(None).await;
    assert!(memory.outbox.all().is_empty(), "no webhook: the feed only");

    let (memory, _) = changed(Some(HOOK)).await;
    memory
        .organisations
        .set_status(&employer().organisation.cui, OrganisationStatus::Suspended)
        .await
        .unwrap();
    let report = deliver(&memory).await;
    assert_eq!(report.dead, 1);
    assert!(memory.receiver.received().is_empty());
    assert_eq!(
        only(&memory).last_error.as_deref(),
        Some("the organisation is suspended")
    );
    // A webhook removed after the change: given up, said why.
    let (memory, _) = changed(Some(HOOK)).await;
    let cui = employer().organisation.cui;
    memory.organisations.set_webhook(&cui, None).await.unwrap();
    deliver(&memory).await;
    assert_eq!(only(&memory).state, DeliveryState::Dead);
    assert!(memory.outbox.dead(10).await.unwrap().len() == 1);
}

/// One organisation's dead receiver with a backlog costs the others nothing: its lane stops
/// at its first failure in a run, the other organisation's change goes at once.
#[tokio::test]
async fn a_dead_receiver_with_a_backlog_does_not_hold_up_another_organisation() {
    use cazier_shared::domain::webhook::Delivery;
    use cazier_shared::domain::{ConsentId, Cui};
    let memory = crate::common::memory().await;
    let now = memory.clock.now();
    let slow = employer().organisation;
    let mut quick = employer().organisation;
    quick.cui = Cui::parse(&cazier_shared::testing::cui_from(4267117)).unwrap();
    let quick_hook = "https://angajari.quick.example/hook";
    for (organisation, hook) in [(&slow, HOOK), (&quick, quick_hook)] {
        memory.organisations.add(organisation).await.unwrap();
        memory
            .organisations
            .set_webhook(&organisation.cui, Some(hook))
            .await
            .unwrap();
    }
    memory.receiver.set_down_at(HOOK);
    // The slow one's backlog is older: it comes first in the due list.
    for i in 0..120 {
        let at = now - Duration::minutes(200 - i);
        let d = Delivery::new(slow.cui.clone(), ConsentId::random(), at, "c".into(), at);
        memory.outbox.enqueue(&d).await.unwrap();
    }
    let d = Delivery::new(quick.cui.clone(), ConsentId::random(), now, "c".into(), now);
    memory.outbox.enqueue(&d).await.unwrap();
    let report = deliver(&memory).await;
    assert_eq!(report.delivered, 1, "{report:?}");
    assert_eq!(
        memory.receiver.tried_at(HOOK),
        1,
        "one attempt at the dead receiver a run"
    );
    assert_eq!((report.failed, report.skipped), (1, 119));
    // The rest were held until the failed one's next attempt: out of the front of the due
    // list (a backlog beyond one run's read would otherwise keep others out of every run).
    let in_front = memory
        .outbox
        .due(now + Duration::seconds(30), 1000)
        .await
        .unwrap();
    assert!(in_front.is_empty(), "{} still in front", in_front.len());
    // Two days on, the backlog is given up in one run, one post tried, not 120.
    memory.clock.advance(GIVE_UP_AFTER);
    let report = deliver(&memory).await;
    assert_eq!(memory.receiver.tried_at(HOOK), 2);
    assert_eq!(report.dead, 120, "{report:?}");
}

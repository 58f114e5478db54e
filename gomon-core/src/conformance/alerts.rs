//! Conformance cases for alerts.

use chrono::{DateTime, Utc};

use super::{at, monitor};
use crate::model::{Alert, AlertCursor, AlertId, MonitorId, ProbeError, ProbeOutcome, UserId};
use crate::{Error, Store};

fn alert(monitor: MonitorId, opened_at: DateTime<Utc>) -> Alert {
    Alert {
        id: AlertId::new(),
        monitor,
        opened_at,
        resolved_at: None,
        failures: 3,
        last_outcome: ProbeOutcome::Error(ProbeError::Connect),
    }
}

async fn new_monitor(store: &dyn Store) -> MonitorId {
    let m = monitor(UserId::new(), "alerting");
    store.create_monitor(&m).await.expect("create monitor");
    m.id()
}

/// An opened alert is listed and open; resolving it keeps the first resolution time.
pub async fn alerts_open_list_and_resolve(store: &dyn Store) {
    let id = new_monitor(store).await;
    let mut a = alert(id, at(60));
    a.last_outcome = ProbeOutcome::Status(502);
    store.open_alert(&a).await.expect("open");
    assert_eq!(
        store.list_alerts(id, None, 10).await.expect("list"),
        [a.clone()]
    );
    assert_eq!(store.open_alerts().await.expect("open alerts"), [a.clone()]);

    store.resolve_alert(a.id, at(400)).await.expect("resolve");
    let resolved = Alert {
        resolved_at: Some(at(400)),
        ..a.clone()
    };
    assert_eq!(
        store.list_alerts(id, None, 10).await.expect("list"),
        std::slice::from_ref(&resolved)
    );
    assert!(store.open_alerts().await.expect("open alerts").is_empty());

    store
        .resolve_alert(a.id, at(999))
        .await
        .expect("resolve again");
    assert_eq!(
        store.list_alerts(id, None, 10).await.expect("list"),
        [resolved]
    );
}

/// A second open alert for one monitor conflicts; after resolving, a new one may open.
pub async fn a_monitor_has_at_most_one_open_alert(store: &dyn Store) {
    let id = new_monitor(store).await;
    let first = alert(id, at(60));
    store.open_alert(&first).await.expect("open");
    let err = store
        .open_alert(&alert(id, at(70)))
        .await
        .expect_err("second open");
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(
        store.list_alerts(id, None, 10).await.expect("list").len(),
        1
    );

    store
        .resolve_alert(first.id, at(500))
        .await
        .expect("resolve");
    let second = alert(id, at(600));
    store.open_alert(&second).await.expect("a new incident");
    assert_eq!(store.open_alerts().await.expect("open"), [second]);
}

/// Alerts need an existing monitor; unknown alerts cannot be resolved.
pub async fn alerts_of_unknown_monitors_are_not_found(store: &dyn Store) {
    let err = store
        .open_alert(&alert(MonitorId::new(), at(1)))
        .await
        .expect_err("unknown monitor");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = store
        .resolve_alert(AlertId::new(), at(1))
        .await
        .expect_err("unknown alert");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(
        store
            .list_alerts(MonitorId::new(), None, 10)
            .await
            .expect("list")
            .is_empty()
    );
}

/// Newest first by `(opened_at, id)`, paginated by cursor, only the monitor's own.
pub async fn alert_lists_are_newest_first_and_paginated(store: &dyn Store) {
    let id = new_monitor(store).await;
    let other = {
        let m = monitor(UserId::new(), "other");
        store.create_monitor(&m).await.expect("create");
        m.id()
    };
    let mut all = Vec::new();
    // Two alerts share an opened_at: the id breaks the tie.
    for t in [100, 300, 300, 500, 700] {
        let a = alert(id, at(t));
        store.open_alert(&a).await.expect("open");
        store
            .resolve_alert(a.id, at(t + 50))
            .await
            .expect("resolve");
        all.push(Alert {
            resolved_at: Some(at(t + 50)),
            ..a
        });
    }
    store
        .open_alert(&alert(other, at(800)))
        .await
        .expect("other's alert");
    all.sort_by_key(|a| std::cmp::Reverse((a.opened_at, a.id)));

    let page1 = store.list_alerts(id, None, 2).await.expect("page 1");
    assert_eq!(page1, all[..2]);
    let cursor: Option<AlertCursor> = page1.last().map(Alert::cursor);
    let page2 = store.list_alerts(id, cursor, 2).await.expect("page 2");
    assert_eq!(
        page2,
        all[2..4],
        "the tie at the same opened_at splits correctly"
    );
    let page3 = store
        .list_alerts(id, page2.last().map(Alert::cursor), 2)
        .await
        .expect("3");
    assert_eq!(page3, all[4..]);
    assert!(
        store
            .list_alerts(id, page3.last().map(Alert::cursor), 2)
            .await
            .expect("end")
            .is_empty()
    );
}

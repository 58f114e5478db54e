//! Conformance cases for monitors.

use std::time::Duration;

use super::{at, monitor, result};
use crate::model::{Alert, AlertId, MonitorId, ProbeOutcome, TimeRange, UserId};
use crate::{Error, Store};

fn assert_not_found<T: std::fmt::Debug>(r: crate::Result<T>, what: &str) {
    match r {
        Err(Error::NotFound { .. }) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

fn assert_conflict<T: std::fmt::Debug>(r: crate::Result<T>, what: &str) {
    match r {
        Err(Error::Conflict(_)) => {}
        other => panic!("{what}: expected Conflict, got {other:?}"),
    }
}

/// A created monitor reads back equal, by id and by name.
pub async fn monitors_round_trip(store: &dyn Store) {
    let owner = UserId::new();
    let spec = monitor(owner, "api")
        .to_spec()
        .with_interval(Duration::from_secs(30))
        .with_timeout(Duration::from_millis(2500))
        .with_window(Duration::from_secs(600));
    let m = spec.build_with(MonitorId::new(), at(0)).expect("valid");
    store.create_monitor(&m).await.expect("create");
    assert_eq!(store.monitor(m.id()).await.expect("by id"), m);
    assert_eq!(
        store.monitor_by_name(owner, "api").await.expect("by name"),
        m
    );
}

/// Every single-monitor method reports `NotFound` for an unknown monitor.
pub async fn unknown_monitors_are_not_found(store: &dyn Store) {
    let owner = UserId::new();
    let ghost = monitor(owner, "ghost");
    assert_not_found(store.monitor(ghost.id()).await, "monitor");
    assert_not_found(
        store.monitor_by_name(owner, "ghost").await,
        "monitor_by_name",
    );
    assert_not_found(store.update_monitor(&ghost).await, "update_monitor");
    assert_not_found(store.delete_monitor(ghost.id()).await, "delete_monitor");
    assert!(store.all_monitors().await.expect("all").is_empty());
}

/// Names are unique per owner (not globally), ids are unique, and a refused
/// create leaves the store as it was.
pub async fn monitor_names_are_unique_per_owner(store: &dyn Store) {
    let (alice, bob) = (UserId::new(), UserId::new());
    let first = monitor(alice, "api");
    store.create_monitor(&first).await.expect("create");
    assert_conflict(
        store.create_monitor(&monitor(alice, "api")).await,
        "same owner, same name",
    );
    assert_conflict(store.create_monitor(&first).await, "same id");
    let same_id_other_name = monitor(alice, "web")
        .to_spec()
        .build_with(first.id(), at(0))
        .expect("valid");
    assert_conflict(
        store.create_monitor(&same_id_other_name).await,
        "same id, new name",
    );
    store
        .create_monitor(&monitor(bob, "api"))
        .await
        .expect("another owner may use the name");
    assert_eq!(
        store.monitor_by_name(alice, "api").await.expect("find"),
        first
    );
    assert_eq!(store.count_monitors(alice).await.expect("count"), 1);
    assert_not_found(
        store.monitor_by_name(alice, "web").await,
        "refused create stored nothing",
    );
}

/// One owner never sees another's monitors through owner-scoped methods.
pub async fn owners_see_only_their_monitors(store: &dyn Store) {
    let (alice, bob) = (UserId::new(), UserId::new());
    store
        .create_monitor(&monitor(alice, "secret"))
        .await
        .expect("create");
    store
        .create_monitor(&monitor(bob, "mine"))
        .await
        .expect("create");
    assert_not_found(
        store.monitor_by_name(bob, "secret").await,
        "bob looks up alice's",
    );
    let bobs = store.list_monitors(bob, None, 100).await.expect("list");
    assert_eq!(bobs.iter().map(|m| m.name()).collect::<Vec<_>>(), ["mine"]);
    assert_eq!(store.count_monitors(bob).await.expect("count"), 1);
    assert_eq!(store.count_monitors(UserId::new()).await.expect("count"), 0);
}

/// Lists are ordered by name and paginate by the last name seen.
pub async fn monitor_lists_are_ordered_and_paginated(store: &dyn Store) {
    let owner = UserId::new();
    for name in ["delta", "alpha", "echo", "charlie", "bravo"] {
        store
            .create_monitor(&monitor(owner, name))
            .await
            .expect("create");
    }
    let names =
        |ms: Vec<crate::Monitor>| ms.iter().map(|m| m.name().to_owned()).collect::<Vec<_>>();
    let page1 = store.list_monitors(owner, None, 2).await.expect("page 1");
    assert_eq!(names(page1), ["alpha", "bravo"]);
    let page2 = store
        .list_monitors(owner, Some("bravo"), 2)
        .await
        .expect("page 2");
    assert_eq!(names(page2), ["charlie", "delta"]);
    let page3 = store
        .list_monitors(owner, Some("delta"), 2)
        .await
        .expect("page 3");
    assert_eq!(names(page3), ["echo"]);
    let after_end = store
        .list_monitors(owner, Some("echo"), 2)
        .await
        .expect("past the end");
    assert!(after_end.is_empty());
    let between = store
        .list_monitors(owner, Some("b"), 1)
        .await
        .expect("absent cursor");
    assert_eq!(names(between), ["bravo"]);
    assert!(
        store
            .list_monitors(owner, None, 0)
            .await
            .expect("limit 0")
            .is_empty()
    );
    assert_eq!(store.count_monitors(owner).await.expect("count"), 5);
}

/// `all_monitors` returns every owner's monitors, ordered by id.
pub async fn all_monitors_spans_every_owner(store: &dyn Store) {
    let mut created = Vec::new();
    for i in 0..6 {
        let m = monitor(UserId::new(), &format!("m{i}"));
        store.create_monitor(&m).await.expect("create");
        created.push(m);
    }
    created.sort_by_key(|m| m.id());
    assert_eq!(store.all_monitors().await.expect("all"), created);
}

/// Updates replace every field; renames are checked against the owner's names.
pub async fn monitors_update_and_rename(store: &dyn Store) {
    let owner = UserId::new();
    let api = monitor(owner, "api");
    let web = monitor(owner, "web");
    store.create_monitor(&api).await.expect("create");
    store.create_monitor(&web).await.expect("create");

    let mut spec = api
        .to_spec()
        .with_interval(Duration::from_secs(10))
        .with_timeout(Duration::from_secs(5));
    spec.url = "https://example.com/changed".into();
    spec.threshold = 7;
    spec.window = Duration::from_secs(120);
    let changed = api.updated(spec).expect("valid");
    store.update_monitor(&changed).await.expect("update");
    assert_eq!(store.monitor(api.id()).await.expect("get"), changed);

    let clash = changed.updated(web.to_spec()).expect("valid");
    assert_conflict(store.update_monitor(&clash).await, "rename onto web");
    assert_eq!(
        store.monitor(api.id()).await.expect("get"),
        changed,
        "unchanged"
    );

    let mut renamed_spec = changed.to_spec();
    renamed_spec.name = "api-v2".into();
    let renamed = changed.updated(renamed_spec).expect("valid");
    store.update_monitor(&renamed).await.expect("rename");
    assert_not_found(store.monitor_by_name(owner, "api").await, "old name");
    assert_eq!(
        store
            .monitor_by_name(owner, "api-v2")
            .await
            .expect("new name"),
        renamed
    );
    // The freed name can be taken again.
    store
        .create_monitor(&monitor(owner, "api"))
        .await
        .expect("reuse name");
}

/// Deleting a monitor removes its results and alerts, and only its own.
pub async fn deleting_a_monitor_deletes_its_results_and_alerts(store: &dyn Store) {
    let owner = UserId::new();
    let doomed = monitor(owner, "doomed");
    let kept = monitor(owner, "kept");
    for m in [&doomed, &kept] {
        store.create_monitor(m).await.expect("create");
        let failing = [result(m.id(), at(1), ProbeOutcome::Status(503))];
        store.record_results(&failing).await.expect("record");
        let alert = Alert {
            id: AlertId::new(),
            monitor: m.id(),
            opened_at: at(1),
            resolved_at: None,
            failures: 3,
            last_outcome: ProbeOutcome::Status(503),
        };
        store.open_alert(&alert).await.expect("open");
    }
    store.delete_monitor(doomed.id()).await.expect("delete");

    assert_not_found(store.monitor(doomed.id()).await, "deleted monitor");
    let range = TimeRange::new(at(0), at(10));
    assert_not_found(store.stats(doomed.id(), range).await, "stats of deleted");
    assert!(
        store
            .list_alerts(doomed.id(), None, 10)
            .await
            .expect("alerts")
            .is_empty()
    );
    let open = store.open_alerts().await.expect("open alerts");
    assert_eq!(
        open.iter().map(|a| a.monitor).collect::<Vec<_>>(),
        [kept.id()]
    );
    let failures = store.failures_since(at(0)).await.expect("failures");
    assert_eq!(
        failures.iter().map(|r| r.monitor).collect::<Vec<_>>(),
        [kept.id()]
    );
    assert_eq!(
        store.stats(kept.id(), range).await.expect("stats").failures,
        1
    );

    // The name is free again, and the new monitor starts with no history.
    let reborn = monitor(owner, "doomed");
    store.create_monitor(&reborn).await.expect("recreate");
    assert_eq!(
        store
            .stats(reborn.id(), range)
            .await
            .expect("stats")
            .total(),
        0
    );
}

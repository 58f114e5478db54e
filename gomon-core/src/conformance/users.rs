//! Conformance cases for users.

use crate::Error;
use crate::Store;
use crate::model::NewUser;

fn new_user(name: &str) -> NewUser {
    NewUser {
        username: name.to_owned(),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$salt${name}"),
    }
}

/// A created user is found by name with its hash intact; unknown names are not found.
pub async fn users_are_created_and_found(store: &dyn Store) {
    let alice = store.create_user(new_user("alice")).await.expect("create");
    assert_eq!(alice.username, "alice");
    let found = store.user_by_name("alice").await.expect("find");
    assert_eq!(found, alice);
    assert_eq!(found.password_hash, new_user("alice").password_hash);
    let err = store
        .user_by_name("bob")
        .await
        .expect_err("bob does not exist");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let err = store
        .user_by_name("ALICE")
        .await
        .expect_err("names are exact");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

/// A second user with a taken name conflicts and changes nothing.
pub async fn duplicate_usernames_conflict(store: &dyn Store) {
    let first = store.create_user(new_user("carol")).await.expect("create");
    let mut again = new_user("carol");
    again.password_hash = "other".into();
    let err = store.create_user(again).await.expect_err("duplicate");
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(store.user_by_name("carol").await.expect("find"), first);
}

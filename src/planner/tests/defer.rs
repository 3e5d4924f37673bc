//! Deletes held back (`keep_removed:`): what waits, what goes, and when.

use std::time::Duration;

use time::macros::datetime;

use super::*;
use crate::planner::{defer, Keep};

fn plan_deleting(keys: &[&str]) -> Plan {
    let mut plan = Plan::default();
    plan.delete_also(keys.iter().map(|key| key.to_string()));
    plan
}

fn waiting(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    (entries.iter())
        .map(|(key, at)| (key.to_string(), at.to_string()))
        .collect()
}

const HOUR: Keep = Keep {
    removed: Some(Duration::from_secs(3600)),
    now: datetime!(2026-12-06 12:00 UTC),
};

#[test]
fn a_removed_key_waits_from_now_and_goes_once_it_waited_long_enough() {
    let before = waiting(&[
        ("old.css", "2026-12-06T10:59:00Z"),
        ("new-ish.css", "2026-12-06T11:30:00Z"),
    ]);
    let mut plan = plan_deleting(&["gone.js"]);
    let after = defer(&mut plan, &before, HOUR, |_| false, |_| false, |_| false);
    assert_eq!(plan.deletes(), ["old.css"], "an hour and a minute: due");
    assert_eq!(
        after,
        waiting(&[
            ("gone.js", "2026-12-06T12:00:00Z"),
            ("new-ish.css", "2026-12-06T11:30:00Z"),
        ])
    );
}

#[test]
fn a_key_written_again_waits_no_more_and_a_key_written_beneath_goes_now() {
    let before = waiting(&[
        ("back.css", "2026-12-06T11:59:00Z"),
        ("a", "2026-12-06T11:59:00Z"),
    ]);
    let mut plan = Plan::default();
    plan.upload(
        objects(&file("a/b.html"), &Rules::new(""))
            .unwrap()
            .uploads()
            .to_vec(),
    );
    let after = defer(
        &mut plan,
        &before,
        HOUR,
        |key| key == "back.css",
        |_| false,
        |_| false,
    );
    assert_eq!(plan.clear(), ["a"], "a file that became a folder");
    assert!(plan.deletes().is_empty());
    assert!(after.is_empty(), "{after:?}");
}

#[test]
fn without_keep_removed_every_waiting_key_goes_and_nothing_waits() {
    let before = waiting(&[("old.css", "2026-12-06T11:59:00Z")]);
    let mut plan = plan_deleting(&["gone.js"]);
    let after = defer(
        &mut plan,
        &before,
        Keep::default(),
        |_| false,
        |_| false,
        |_| false,
    );
    assert_eq!(plan.deletes(), ["gone.js", "old.css"]);
    assert!(after.is_empty());
}

#[test]
fn a_key_kept_again_keeps_the_time_it_was_first_removed() {
    let before = waiting(&[("gone.js", "2026-12-06T11:30:00Z")]);
    let mut plan = plan_deleting(&["gone.js"]);
    let after = defer(&mut plan, &before, HOUR, |_| false, |_| false, |_| false);
    assert!(plan.deletes().is_empty());
    assert_eq!(after, before);
    // One that a streamed upload goes beneath (the survey says) goes now.
    let mut plan = plan_deleting(&[]);
    let after = defer(
        &mut plan,
        &before,
        HOUR,
        |_| false,
        |key| key == "gone.js",
        |_| false,
    );
    assert_eq!(plan.clear(), ["gone.js"]);
    assert!(after.is_empty());
}

#[test]
fn a_due_key_that_is_a_file_of_the_tree_is_neither_deleted_nor_kept() {
    let before = waiting(&[
        ("index.html", "2000-01-01T00:00:00Z"),
        ("old.css", "2000-01-01T00:00:00Z"),
        ("new.css", "2026-12-06T11:59:00Z"),
    ]);
    let mut asked = std::cell::RefCell::new(Vec::new());
    let live = |key: &str| {
        asked.borrow_mut().push(key.to_owned());
        key == "index.html" || key == "new.css"
    };
    let mut plan = plan_deleting(&[]);
    let after = defer(&mut plan, &before, HOUR, |_| false, |_| false, live);
    assert_eq!(plan.deletes(), ["old.css"]);
    assert_eq!(after, waiting(&[("new.css", "2026-12-06T11:59:00Z")]));
    assert_eq!(
        asked.get_mut().as_slice(),
        ["index.html", "old.css"],
        "only the due keys"
    );
}

#[test]
fn a_waiting_key_svn2s3_could_not_have_written_is_refused() {
    use crate::planner::check_waiting;
    let now = HOUR.now;
    let ok = waiting(&[("site/a.css", "2026-12-06T11:00:00Z")]);
    assert_eq!(check_waiting(&ok, "site/", now), Ok(()));
    for (key, at, why) in [
        (
            "other/a.css",
            "2026-12-06T11:00:00Z",
            "not under this publish's prefix",
        ),
        ("site/", "2026-12-06T11:00:00Z", "the prefix itself"),
        ("site/a/../b", "2026-12-06T11:00:00Z", ". or .. part"),
        (
            "site/.svn2s3/state.yaml",
            "2026-12-06T11:00:00Z",
            "state folder",
        ),
        ("site/a.css", "2026-12-09T11:00:00Z", "in the future"),
    ] {
        let err = check_waiting(&waiting(&[(key, at)]), "site/", now).unwrap_err();
        assert!(err.to_string().contains(why), "{key}: {err}");
    }
}

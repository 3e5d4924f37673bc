//! The state object's cases: its YAML, its claims, its versions.

use super::*;

fn claim(host: String, pid: u32, until: OffsetDateTime) -> Claim {
    Claim {
        revisions: vec![7],
        keys: Vec::new(),
        every_key: false,
        host,
        pid,
        started_at: "2026-11-24T06:00:00Z".into(),
        until: timestamp(until),
    }
}

#[test]
fn the_state_round_trips_through_yaml() {
    let state = State {
        uuid: "9b5f2c6e-0000-4000-8000-000000000000".into(),
        path: "trunk/media files".into(),
        revision: Some(42),
        rolled_back_from: None,
        published_at: Some("2026-11-24T06:00:00Z".into()),
        version: "0.2.0".into(),
        build: None,
        rules: None,
        redirects: BTreeMap::from([("old.html".into(), "new.html".into())]),
        links: BTreeMap::from([("l.css".into(), vec!["css/a.css".into()])]),
        unresolved: BTreeMap::new(),
        nested: BTreeSet::from(["trunk/media files/previews/x/".into()]),
        removed: BTreeMap::from([("old.css".into(), "2026-11-24T05:00:00Z".into())]),
        publishing: Some(claim("ci-2".into(), 4242, OffsetDateTime::UNIX_EPOCH)),
        history: Vec::new(),
    };
    let yaml = state.to_yaml();
    assert!(yaml.contains("\nrevision: 42\n"), "{yaml}");
    assert!(
        yaml.contains("\nredirects:\n  old.html: new.html\n"),
        "{yaml}"
    );
    assert_eq!(State::parse(yaml.as_bytes(), "k").unwrap(), state);
    let finished = state.finished(Published {
        revision: 40,
        rolled_back_from: Some(42),
        rules: Shaping::of(&crate::plan::Rules::new("")),
        redirects: BTreeMap::new(),
        links: BTreeMap::new(),
        unresolved: BTreeMap::new(),
        nested: BTreeSet::new(),
        removed: BTreeMap::new(),
    });
    let yaml = finished.to_yaml();
    assert!(!yaml.contains("publishing"), "{yaml}");
    assert!(!yaml.contains("\nredirects:"), "{yaml}");
    assert!(
        yaml.contains("\nrevision: 40\nrolled_back_from: 42\n"),
        "{yaml}"
    );
    assert!(yaml.contains("\nrules:\n  digest: "), "{yaml}");
    assert_eq!(State::parse(yaml.as_bytes(), "k").unwrap(), finished);
    let err = State::parse(b"hello: world", "p/.svn2s3/state.yaml").unwrap_err();
    assert!(format!("{err:#}").contains("p/.svn2s3/state.yaml is not svn2s3's"));
}

#[test]
fn a_claim_holds_while_its_lease_runs_and_its_process_lives() {
    let soon = OffsetDateTime::now_utc() + LEASE;
    let here = hostname();
    let me = std::process::id();
    assert!(claim(here.clone(), me, soon).is_held());
    assert!(!claim(here.clone(), me, OffsetDateTime::now_utc()).is_held());
    // Process ids stop below 2^22 on Linux.
    assert!(!claim(here, u32::MAX, soon).is_held(), "a dead process's");
    assert!(claim("elsewhere".into(), u32::MAX, soon).is_held());
}

#[test]
fn a_claim_svn2s3_never_writes_is_malformed_and_refused_with_how_to_clear_it() {
    let mut garbled = claim("elsewhere".into(), 1, OffsetDateTime::now_utc());
    garbled.until = "tomorrow".into();
    assert!(matches!(garbled.hold(), Hold::Malformed(why) if why.contains("no time")));
    let far = claim(
        "elsewhere".into(),
        1,
        OffsetDateTime::now_utc() + Duration::from_secs(86_400),
    );
    assert!(matches!(far.hold(), Hold::Malformed(ref why) if why.contains("further ahead")));
    // A host whose clock runs half an hour ahead is not malformed.
    let ahead = claim(
        "elsewhere".into(),
        1,
        OffsetDateTime::now_utc() + LEASE + Duration::from_secs(1800),
    );
    assert_eq!(ahead.hold(), Hold::Held);

    let state = State {
        publishing: Some(far),
        ..State::claim(None, &tree())
    };
    let err = state.check_unclaimed("s3://b/p/").unwrap_err().to_string();
    assert!(
        err.starts_with("the claim on s3://b/p/ is malformed (its lease ends "),
        "{err}"
    );
    assert!(err.ends_with("`svn2s3 unlock` releases it"), "{err}");

    let unlocked = state.unlocked(false);
    assert_eq!(unlocked.publishing.as_ref().unwrap().hold(), Hold::Lapsed);
    assert_eq!(unlocked.publishing.as_ref().unwrap().revisions, [7]);
    assert_eq!(unlocked.history.len(), 1);
    assert!(unlocked.history[0]
        .what
        .starts_with("unlocked the claim of r7, process 1 on elsewhere"));
    unlocked.check_unclaimed("s3://b/p/").unwrap();
    let mut again = unlocked.clone();
    for _ in 0..30 {
        again.publishing = state.publishing.clone();
        again = again.unlocked(true);
    }
    assert_eq!(again.history.len(), HISTORY_KEPT);
    assert!(again.history[0].what.starts_with("unlocked with --force"));
}

fn tree() -> Tree {
    Tree {
        uuid: "u".into(),
        path: "trunk".into(),
        revision: 7,
        name: "/wc".into(),
        read_from: crate::tree::ReadFrom::WorkingCopy,
    }
}

#[test]
fn a_build_claims_the_keys_it_touches_and_those_a_publish_cut_off_touched() {
    let keys = |keys: &[&str]| Touched::Keys(keys.iter().map(|k| k.to_string()).collect());
    let first = State::claim_build(None, keys(&["b", "a"]));
    assert!(first.is_build());
    let yaml = first.to_yaml();
    assert!(
        yaml.contains("publishing:\n  keys:\n  - a\n  - b\n  host:"),
        "{yaml}"
    );
    assert!(
        !yaml.contains("uuid") && !yaml.contains("revisions"),
        "{yaml}"
    );
    let parsed = State::parse(yaml.as_bytes(), "k").unwrap();
    assert_eq!(parsed, first);
    // Cut off, then claimed again: the next publish distrusts both.
    let cut_off = first.released();
    assert_eq!(cut_off.distrusted(), keys(&["a", "b"]));
    let next = State::claim_build(Some(&cut_off), keys(&["c"]));
    assert_eq!(next.distrusted(), keys(&["a", "b", "c"]));
    assert_eq!(
        next.publishing
            .as_ref()
            .unwrap()
            .describe()
            .split(',')
            .next(),
        Some("a build")
    );
    let finished = next.built(
        Build {
            number: 1,
            manifest: "e".into(),
            objects: 3,
            from: None,
        },
        Shaping::of(&crate::plan::Rules::new("")),
        BTreeSet::new(),
        BTreeMap::new(),
    );
    assert_eq!(finished.distrusted(), Touched::default());
    // Too many keys to name: every key.
    let many: Vec<String> = (0..MAX_TOUCHED_BYTES / 8)
        .map(|n| format!("{n:08}"))
        .collect();
    let every = State::claim_build(Some(&cut_off), Touched::of(many.into_iter().collect()));
    assert_eq!(every.distrusted(), Touched::Every);
    assert!(every.publishing.unwrap().keys.is_empty());
    // A tree over a build, and a build over a tree, are refused.
    let err = finished.check_continues(&tree(), "k", false).unwrap_err();
    assert!(
        err.to_string().contains("holds a build folder's publish"),
        "{err}"
    );
}

#[test]
fn a_state_a_newer_svn2s3_wrote_says_to_upgrade() {
    let newer = "uuid: u\npath: trunk\nrevision: 3\nversion: 99.1.0\nfuture: yes\n";
    let err = format!(
        "{:#}",
        State::parse(newer.as_bytes(), "p/.svn2s3/state.yaml").unwrap_err()
    );
    assert!(
        err.contains("written by svn2s3 99.1.0, newer than this one")
            && err.ends_with("upgrade svn2s3 to 99.1.0 or later to publish here"),
        "{err}"
    );
    // An older or the same version that is not read is not svn2s3's.
    let older = "uuid: u\npath: trunk\nversion: 0.0.1\nfuture: yes\n";
    let err = format!("{:#}", State::parse(older.as_bytes(), "k").unwrap_err());
    assert!(
        err.starts_with("the state object k is not svn2s3's"),
        "{err}"
    );
    assert!(is_newer("0.10.0", "0.9.3") && !is_newer("0.2.0", "0.2.0"));
    assert!(!is_newer("garbage", "0.2.0") && is_newer("1.0.0-rc1", "0.2.0"));
}

#[test]
fn a_claim_is_described_with_its_control_characters_escaped() {
    let mut planted = claim("ci\x1b[2J\nfake".into(), 7, OffsetDateTime::UNIX_EPOCH);
    planted.started_at = "today\r".into();
    let said = planted.describe();
    assert!(!said.chars().any(char::is_control), "{said}");
    assert!(
        said.contains("on ci\\u{1b}[2J\\nfake, started today\\r"),
        "{said}"
    );
}

#[test]
fn a_state_whose_version_is_no_version_is_refused() {
    for version in [
        "\"\"",
        "\"1\"",
        "v1.0.0",
        "1.0",
        "1.0.0.0",
        "1.x.0",
        "\"1.0.\\r\"",
    ] {
        let yaml = format!("uuid: u\npath: trunk\nrevision: 3\nversion: {version}\n");
        let err = format!("{:#}", State::parse(yaml.as_bytes(), "k").unwrap_err());
        assert!(
            err.starts_with("the state object k says version ")
                && err.ends_with(", which no svn2s3 writes")
                && !err.contains('\r'),
            "{version}: {err}"
        );
    }
    let yaml = "uuid: u\npath: trunk\nrevision: 3\nversion: 0.1.7-dev+g1\n";
    assert!(State::parse(yaml.as_bytes(), "k").is_ok());
}

#[test]
fn a_publish_continues_only_its_own_tree_forward_or_rolled_back_on_purpose() {
    let at = |revision: Revnum| State {
        revision: Some(revision),
        ..State::claim(None, &tree()).released()
    };
    let (tree, key) = (tree(), "p/.svn2s3/state.yaml");
    let said = |state: State, tree: &Tree, rollback: bool| {
        state
            .check_continues(tree, key, rollback)
            .map_err(|err| format!("{err:#}"))
    };
    // The bucket at r5 or at r7; the tree at r7.
    assert!(said(at(5), &tree, false).is_ok());
    assert!(said(at(7), &tree, false).is_ok());
    let newer = said(at(9), &tree, false).unwrap_err();
    assert!(
        newer.starts_with("the bucket is at r9, newer than /wc at r7;")
            && newer.ends_with("or publish r7 with --rollback"),
        "{newer}"
    );
    assert!(said(at(9), &tree, true).is_ok(), "a rollback to r7");
    let not_older = said(at(7), &tree, true).unwrap_err();
    assert!(
        not_older.starts_with("--rollback publishes a revision older than the bucket's r7"),
        "{not_older}"
    );
    let other = Tree {
        uuid: "v".into(),
        ..tree.clone()
    };
    let repository = said(at(5), &other, false).unwrap_err();
    assert!(
        repository.contains("holds a publish of repository u, but /wc belongs to repository v"),
        "{repository}"
    );
    let branch = Tree {
        path: "branches/b".into(),
        ..tree.clone()
    };
    let folder = said(at(5), &branch, false).unwrap_err();
    assert!(
        folder.contains("holds a publish of ^/trunk, but /wc is ^/branches/b")
            && folder.contains("delete p/.svn2s3/state.yaml"),
        "{folder}"
    );
}

#[test]
fn a_removal_time_that_does_not_read_is_refused() {
    let yaml = "version: 0.3.0\nremoved:\n  old.css: yesterday\n";
    let err = State::parse(yaml.as_bytes(), "s").unwrap_err().to_string();
    assert!(
        err.contains("old.css was removed at \"yesterday\""),
        "{err}"
    );
    let yaml = "version: 0.3.0\nremoved:\n  old.css: 2026-11-24T05:00:00Z\n";
    assert_eq!(State::parse(yaml.as_bytes(), "s").unwrap().removed.len(), 1);
}

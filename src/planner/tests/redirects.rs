//! Redirects from moves, links and properties, followed to their end.

use super::*;

#[test]
fn a_file_moved_away_and_added_again_holds_its_new_bytes_not_a_redirect() {
    let rules = with_redirects();
    let before = state(1, &rules, &[], &[]);
    // svn mv old.txt new.txt; echo fresh > old.txt; svn add old.txt: the
    // log says old.txt moved; the diff names old.txt changed, and, as a
    // node replaced, perhaps deleted too.
    for deletes in [&["old.txt"][..], &[]] {
        let change = changes(&["new.txt", "old.txt"], deletes);
        let planned = publish(
            &rules,
            &before,
            change,
            Some(moved(2, "old.txt", "new.txt")),
            &[],
        )
        .unwrap();
        assert_eq!(keys(&planned.plan), ["new.txt", "old.txt"]);
        assert_eq!(redirects(&planned.plan), []);
        assert!(planned.plan.deletes().is_empty());
        assert!(planned.published.redirects.is_empty());
    }
    // The same with folders: d moved to e, and d/x.txt added again.
    let change = Changeset {
        uploads: ["d/x.txt", "e/x.txt", "e/y.txt"].map(file).to_vec(),
        deletes: vec!["d/x.txt".into(), "d/y.txt".into()],
        ..Changeset::default()
    };
    let planned = publish(&rules, &before, change, Some(moved(2, "d", "e")), &[]).unwrap();
    assert_eq!(redirects(&planned.plan), [("d/y.txt", "/e/y.txt")]);
    assert_eq!(keys(&planned.plan), ["d/x.txt", "e/x.txt", "e/y.txt"]);
    assert_eq!(
        planned.published.redirects,
        table(&[("d/y.txt", "e/y.txt")])
    );
    // A redirect kept from before gives way to a file added at its path.
    let before = state(1, &rules, &[("a.html", "b.html")], &[]);
    let planned = publish(
        &rules,
        &before,
        changes(&["a.html"], &[]),
        None,
        &[file("b.html")],
    )
    .unwrap();
    assert_eq!(keys(&planned.plan), ["a.html"]);
    assert_eq!(redirects(&planned.plan), []);
    assert!(planned.published.redirects.is_empty());
    assert!(planned.plan.deletes().is_empty());
}

#[test]
fn no_redirect_is_kept_at_the_key_of_a_twin() {
    // old.gz.css moved to new.css before *.css got gzip twins: its key
    // is now the twin of old.css, whether or not old.css is there yet.
    let rules = Rules {
        redirects: true,
        ..gzip(&["*.css"])
    };
    let before = state(1, &rules, &[("old.gz.css", "new.css")], &[]);
    let planned = publish(
        &rules,
        &before,
        changes(&["other.txt"], &[]),
        None,
        &[file("new.css")],
    )
    .unwrap();
    assert_eq!(redirects(&planned.plan), []);
    assert_eq!(planned.plan.deletes(), ["old.gz.css"]);
    assert!(planned.published.redirects.is_empty());
    // Once old.css is added, its twin is written there, and not deleted.
    let planned = publish(
        &rules,
        &before,
        changes(&["old.css"], &[]),
        None,
        &[file("new.css")],
    )
    .unwrap();
    assert_eq!(keys(&planned.plan), ["old.css", "old.gz.css"]);
    assert_eq!(redirects(&planned.plan), []);
    assert!(planned.plan.deletes().is_empty());
    assert!(planned.published.redirects.is_empty());
}

#[test]
fn a_move_beside_a_copy_of_its_folder_that_drops_it_leaves_its_redirect() {
    let rules = with_redirects();
    let mut history = History::default();
    history.copied(2, "js/a", 1, "js/b");
    history.deleted(2, "js/b/x/f.js");
    history.copied(2, "js/a/x/f.js", 1, "js/c/f.js");
    history.deleted(2, "js/a/x/f.js");
    let change = changes(&["js/b/y.js", "js/c/f.js"], &["js/a/x/f.js"]);
    let before = state(1, &rules, &[], &[]);
    let planned = publish(&rules, &before, change, Some(history), &[file("js/a/y.js")]).unwrap();
    assert_eq!(redirects(&planned.plan), [("js/a/x/f.js", "/js/c/f.js")]);
}

#[test]
fn moves_leave_redirects_that_follow_later_moves_and_go_with_their_target() {
    let rules = with_redirects();
    // A -> B before, B -> C now: both lead to C.
    let before = state(1, &rules, &[("a", "b")], &[]);
    let planned = publish(
        &rules,
        &before,
        changes(&["c"], &["b"]),
        Some(moved(2, "b", "c")),
        &[],
    )
    .unwrap();
    assert_eq!(redirects(&planned.plan), [("a", "/c"), ("b", "/c")]);
    assert_eq!(
        planned.published.redirects,
        table(&[("a", "c"), ("b", "c")])
    );
    // C deleted: both go.
    let before = state(1, &rules, &[("a", "c"), ("b", "c")], &[]);
    let planned = publish(
        &rules,
        &before,
        changes(&[], &["c"]),
        Some(History::default()),
        &[],
    )
    .unwrap();
    assert_eq!(planned.plan.deletes(), ["a", "b", "c"]);
    assert!(planned.published.redirects.is_empty());
    // C replaced by a folder: a moved file is not there any more.
    let before = state(1, &rules, &[("a", "c")], &[]);
    let planned = publish(&rules, &before, changes(&["c/x"], &["c"]), None, &[]).unwrap();
    assert_eq!(
        (planned.plan.clear(), planned.plan.deletes()),
        (&["c".into()][..], &["a".into()][..])
    );
    assert!(planned.published.redirects.is_empty());
    // A redirect whose target only changed stays, with no request.
    let before = state(1, &rules, &[("a", "c")], &[]);
    let planned = publish(&rules, &before, changes(&["c"], &[]), None, &[]).unwrap();
    assert_eq!(keys(&planned.plan), ["c"]);
    assert_eq!(redirects(&planned.plan), []);
    assert_eq!(planned.published.redirects, table(&[("a", "c")]));
    // Nor below a file that is a redirect now.
    let change = changed(vec![redirecting("d", "/c"), file("e/f")], &["d/f"]);
    let planned = publish(
        &rules,
        &before,
        change,
        Some(moved(2, "d/f", "e/f")),
        &[file("c")],
    )
    .unwrap();
    assert_eq!(redirects(&planned.plan), [("d", "/c")]);
    assert_eq!(
        planned.plan.clear(),
        ["d/f"],
        "gone before the redirect above it"
    );
    // A move to an excluded path, or below a folder that is a file now,
    // leaves no redirect.
    let rules = Rules {
        exclude: Globs::new(&["*.psd"]).unwrap(),
        ..with_redirects()
    };
    let before = state(1, &rules, &[], &[]);
    let planned = publish(
        &rules,
        &before,
        changes(&[], &["a.png"]),
        Some(moved(2, "a.png", "a.psd")),
        &[],
    )
    .unwrap();
    assert_eq!(planned.plan.deletes(), ["a.png"]);
    assert_eq!(redirects(&planned.plan), []);
    let planned = publish(
        &rules,
        &before,
        changes(&["d", "e/f"], &["d/f"]),
        Some(moved(2, "d/f", "e/f")),
        &[],
    )
    .unwrap();
    assert_eq!(planned.plan.clear(), ["d/f"]);
    assert_eq!(redirects(&planned.plan), []);
}

#[test]
fn a_symlinks_redirect_goes_with_its_target_or_follows_its_move() {
    let rules = with_redirects();
    let before = state(1, &rules, &[], &[("l.css", &["a.js"])]);
    let rest = [symlink("l.css", "a.js")];
    // a.js deleted: the link leads nowhere; its object goes, and it is said.
    let planned = publish(
        &rules,
        &before,
        changes(&[], &["a.js"]),
        Some(History::default()),
        &rest,
    )
    .unwrap();
    assert_eq!(planned.plan.deletes(), ["a.js", "l.css"]);
    assert_eq!(
        planned.plan.skipped(),
        [Skipped {
            path: "l.css".into(),
            reason: "a symbolic link to nothing published"
        }]
    );
    assert!(planned.published.links.is_empty());
    // a.js moved to b.js: the link follows it.
    let history = moved(2, "a.js", "b.js");
    let planned = publish(
        &rules,
        &before,
        changes(&["b.js"], &["a.js"]),
        Some(history),
        &rest,
    )
    .unwrap();
    assert_eq!(
        redirects(&planned.plan),
        [("a.js", "/b.js"), ("l.css", "/b.js")]
    );
    let through = vec!["a.js".to_string(), "b.js".to_string()];
    assert_eq!(
        planned.published.links,
        BTreeMap::from([("l.css".to_string(), through)])
    );
    // a.js edited: the link leads where it led; nothing to write.
    let planned = publish(&rules, &before, changes(&["a.js"], &[]), None, &rest).unwrap();
    assert_eq!(redirects(&planned.plan), []);
    assert_eq!(planned.published.links, before.links);
    // A link of the change to nothing is skipped; one added is no delete.
    let mut change = changed(vec![symlink("m.css", "nothing.js")], &[]);
    change.added.insert("m.css".into());
    let planned = publish(&rules, &before, change, None, &rest).unwrap();
    assert!(planned.plan.is_empty(), "{:?}", planned.plan);
    assert_eq!(planned.plan.skipped()[0].path, "m.css");
    // A file that becomes a link loses its twins, and its key redirects.
    let twins = Rules {
        gzip: Some(Globs::new(&["*.css"]).unwrap()),
        ..with_redirects()
    };
    let before = state(1, &twins, &[], &[]);
    let change = changed(vec![symlink("s.css", "a.js")], &[]);
    let planned = publish(&twins, &before, change, None, &[file("a.js")]).unwrap();
    assert_eq!(redirects(&planned.plan), [("s.css", "/a.js")]);
    assert_eq!(planned.plan.deletes(), ["s.gz.css"]);
}

#[test]
fn a_symlink_to_nothing_is_written_once_its_target_is_there() {
    let rules = with_redirects();
    let before = state(1, &rules, &[], &[]);
    let mut change = changed(
        vec![symlink("soon", "later.html"), symlink("dlink", "d")],
        &[],
    );
    change.added = ["soon".to_string(), "dlink".to_string()].into();
    let planned = publish(&rules, &before, change, None, &[]).unwrap();
    assert_eq!(planned.plan.skipped().len(), 2);
    let unresolved: Vec<(&str, &[String])> = (planned.published.unresolved.iter())
        .map(|(path, through)| (path.as_str(), through.as_slice()))
        .collect();
    assert_eq!(
        unresolved,
        [
            ("dlink", &["d".to_string()][..]),
            ("soon", &["later.html".to_string()][..])
        ]
    );
    // The targets come, in a later change that names neither link.
    let mut after = state(2, &rules, &[], &[]);
    after.unresolved = planned.published.unresolved.clone();
    let rest = [symlink("soon", "later.html"), symlink("dlink", "d")];
    let planned = publish(
        &rules,
        &after,
        changes(&["later.html", "d/f.html"], &[]),
        None,
        &rest,
    )
    .unwrap();
    assert_eq!(
        redirects(&planned.plan),
        [("dlink", "/d/"), ("soon", "/later.html")]
    );
    assert!(planned.published.unresolved.is_empty());
    assert_eq!(planned.published.links.len(), 2);
    // A change that touches nothing on their way leaves them skipped.
    let planned = publish(&rules, &after, changes(&["other.html"], &[]), None, &rest).unwrap();
    assert_eq!(redirects(&planned.plan), []);
    assert_eq!(planned.published.unresolved, after.unresolved);
}

#[test]
fn a_redirect_leads_to_the_end_of_its_chain_a_folder_with_a_slash() {
    let rules = with_redirects();
    let before = state(1, &rules, &[], &[]);
    let change = changed(
        vec![
            redirecting("a.html", "b.html"),
            symlink("b.html", "c.html"),
            symlink("pics", "img"),
            redirecting("away.html", "https://example.com/x"),
        ],
        &[],
    );
    let rest = [file("c.html"), file("img/x.png")];
    let planned = publish(&rules, &before, change, None, &rest).unwrap();
    assert_eq!(
        redirects(&planned.plan),
        [
            ("a.html", "/c.html"),
            ("away.html", "https://example.com/x"),
            ("b.html", "/c.html"),
            ("pics", "/img/")
        ]
    );
    let links: Vec<(&str, Vec<&str>)> = (planned.published.links.iter())
        .map(|(path, through)| (path.as_str(), through.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        links,
        [
            ("a.html", vec!["b.html", "c.html"]),
            ("b.html", vec!["c.html"]),
            ("pics", vec!["img/"])
        ]
    );
    // The end of the chain goes: every link through it is followed again.
    let before = state(
        1,
        &rules,
        &[],
        &[("a.html", &["b.html", "c.html"]), ("b.html", &["c.html"])],
    );
    let rest = [redirecting("a.html", "b.html"), symlink("b.html", "c.html")];
    let result = publish(&rules, &before, changes(&[], &["c.html"]), None, &rest);
    assert_eq!(
        error(result),
        "a.html: svn2s3:redirect \"b.html\" leads to c.html, which is not in the tree at r2"
    );
}

#[test]
fn redirects_that_loop_or_lead_nowhere_are_refused_for_properties_and_skipped_for_links() {
    let rules = Rules {
        exclude: Globs::new(&["*.psd"]).unwrap(),
        ..with_redirects()
    };
    let before = state(1, &rules, &[], &[]);
    let refused = |files: Vec<File>| {
        error(publish(
            &rules,
            &before,
            changed(files, &[]),
            None,
            &[file("x.psd")],
        ))
    };
    assert_eq!(
            refused(vec![redirecting("a.html", "/b.html"), redirecting("b.html", "a.html")]),
            "a.html: svn2s3:redirect \"/b.html\" is in a loop of redirects: a.html -> b.html -> a.html at r2"
        );
    assert_eq!(
        refused(vec![redirecting("d/a.html", "a.html")]),
        "d/a.html: svn2s3:redirect \"a.html\" redirects to itself at r2"
    );
    assert_eq!(
        refused(vec![redirecting("a.html", "/gone.html")]),
        "a.html: svn2s3:redirect \"/gone.html\" leads to gone.html, which is not in the tree at r2"
    );
    assert!(refused(vec![redirecting("a.html", "x.psd")])
        .ends_with("leads to x.psd, which is excluded at r2"));
    assert!(
        refused(vec![redirecting("a.html", "/.svn2s3/state.yaml")]).contains("leads into .svn2s3/")
    );
    assert!(refused(vec![redirecting("a.html", "/x.psd/")]).contains("excluded"));
    // Links in a loop are skipped, and said so; a link that was a file
    // before takes that file's object away.
    let mut change = changed(
        vec![
            symlink("l1", "l2"),
            symlink("l2", "l1"),
            symlink("me", "me"),
        ],
        &[],
    );
    change.added = ["l1".to_string(), "l2".to_string()].into();
    let planned = publish(&rules, &before, change, None, &[]).unwrap();
    assert_eq!(planned.plan.deletes(), ["me"]);
    assert_eq!(planned.plan.write_count(), 0);
    let reasons: BTreeSet<&str> = planned
        .plan
        .skipped()
        .iter()
        .map(|skip| skip.reason)
        .collect();
    assert_eq!(
        reasons,
        BTreeSet::from(["a symbolic link in a loop of redirects"])
    );
    assert_eq!(planned.plan.skipped().len(), 3);
}

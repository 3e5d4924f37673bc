//! Surveys of the whole tree, and other publishes' prefixes.

use super::*;

fn listed(keys: &[&str]) -> Vec<Listed> {
    keys.iter()
        .map(|key| Listed {
            key: key.to_string(),
            etag: None,
            size: 1,
        })
        .collect()
}

#[test]
fn a_survey_refuses_what_an_incremental_publish_refuses_before_any_write() {
    let rules = Rules::new("");
    let cx = cx(&rules, None);
    let mut survey = Survey::new(&cx, Some(Vec::new()), None);
    survey.see(&file("a.txt")).unwrap();
    let refused = |file: File| {
        Survey::new(&cx, None, None)
            .see(&file)
            .unwrap_err()
            .to_string()
    };
    assert!(refused(redirecting("x/y.html", "../../x.html"))
        .ends_with("leads outside the published folder"));
    assert!(refused(redirecting("y.html", "/a\rb")).contains("control characters"));
    assert!(refused(file(".svn2s3/state.yaml"))
        .starts_with(".svn2s3/state.yaml: svn2s3 keeps its state"));
    assert!(
        refused(with_prop("c.css", Name::Expires.property(), "\u{1}"))
            .starts_with("c.css: svn2s3:expires")
    );
    // Where a redirect leads is known once every file was seen.
    survey.see(&redirecting("b.html", "/nothing.html")).unwrap();
    let err = survey
        .finish(&Files::new(&[]), Vec::new())
        .unwrap_err()
        .to_string();
    assert_eq!(err, "b.html: svn2s3:redirect \"/nothing.html\" leads to nothing.html, which is not in the tree at r2");
}

#[test]
fn a_survey_counts_what_it_streams_and_keeps_its_redirects() {
    let rules = Rules {
        gzip: Some(Globs::new(&["*.css"]).unwrap()),
        ..with_redirects()
    };
    let before = state(
        1,
        &rules,
        &[
            ("moved.css", "site.css"),
            ("gone.css", "nowhere.css"),
            ("back.css", "site.css"),
        ],
        &[],
    );
    let cx = Context {
        full: true,
        ..cx(&rules, Some(&before))
    };
    let mut survey = Survey::new(
        &cx,
        Some(listed(&[
            "site.css",
            "gone.css",
            "old.txt",
            ".svn2s3/state.yaml",
        ])),
        None,
    );
    for file in [
        file("site.css"),
        symlink("l.css", "site.css"),
        file("back.css"),
    ] {
        survey.see(&file).unwrap();
    }
    survey.skip([Skipped {
        path: "ext".into(),
        reason: "an external (svn:externals), not published",
    }]);
    let planned = survey
        .finish(&Files::new(&[]), vec!["cut-off.css".into()])
        .unwrap();
    assert_eq!(planned.streamed, Some(4), "two files and their twins");
    assert!(planned.plan.uploads().is_empty(), "streamed, not kept");
    assert_eq!(
        redirects(&planned.plan),
        [("l.css", "/site.css"), ("moved.css", "/site.css")]
    );
    assert_eq!(
        planned.plan.deletes(),
        ["cut-off.css", "cut-off.gz.css", "gone.css", "old.txt"]
    );
    assert_eq!(
        planned.published.redirects,
        table(&[("moved.css", "site.css")])
    );
    assert_eq!(planned.present.keys().collect::<Vec<_>>(), ["site.css"]);
    assert_eq!(planned.plan.skipped()[0].path, "ext");
}

#[test]
fn a_full_survey_leaves_the_moves_of_its_range_as_an_incremental_publish_does() {
    let rules = with_redirects();
    let before = state(1, &rules, &[("x", "a")], &[]);
    let cx = Context {
        full: true,
        ..cx(&rules, Some(&before))
    };
    assert_eq!(needs(&cx).unwrap().history, Some(1));
    let moves = Moves {
        history: moved(2, "a", "b"),
        deleted: vec!["a".into()],
    };
    let mut survey = Survey::new(&cx, Some(Vec::new()), Some(moves));
    for file in [file("b"), redirecting("c", "/a")] {
        survey.see(&file).unwrap();
    }
    let planned = survey.finish(&Files::new(&[]), Vec::new()).unwrap();
    assert_eq!(
        redirects(&planned.plan),
        [("a", "/b"), ("c", "/b"), ("x", "/b")]
    );
    assert_eq!(
        planned.published.redirects,
        table(&[("a", "b"), ("x", "b")])
    );
    // A file added again at a moved file's path keeps it.
    let moves = Moves {
        history: moved(2, "a", "b"),
        deleted: vec!["a".into()],
    };
    let mut survey = Survey::new(&cx, Some(Vec::new()), Some(moves));
    for file in [file("a"), file("b")] {
        survey.see(&file).unwrap();
    }
    let planned = survey.finish(&Files::new(&[]), Vec::new()).unwrap();
    assert_eq!(redirects(&planned.plan), [("x", "/a")]);
    assert_eq!(planned.published.redirects, table(&[("x", "a")]));
}

#[test]
fn an_incremental_publish_never_writes_nor_deletes_inside_another_publish() {
    let rules = Rules::new("a/");
    let mut before = state(1, &rules, &[], &[]);
    before.nested = BTreeSet::from(["a/b/".to_string(), "elsewhere/".to_string()]);
    let err = error(publish(
        &rules,
        &before,
        changes(&["b/x.txt", "c.txt"], &[]),
        None,
        &[],
    ));
    assert_eq!(
        err,
        "b/x.txt would be written to a/b/x.txt, under a/b/, where another publish keeps its \
             state (a/b/.svn2s3/); publish one of them under another prefix"
    );
    let planned = publish(
        &rules,
        &before,
        changes(&["c.txt"], &["b/y.txt", "d.txt"]),
        None,
        &[],
    )
    .unwrap();
    assert_eq!(planned.plan.deletes(), ["a/d.txt"]);
    assert_eq!(
            planned.notes,
            ["holds another publish's state at a/b/.svn2s3/state.yaml: 1 delete under a/b/ left alone"]
        );
    assert_eq!(
        planned.published.nested,
        BTreeSet::from(["a/b/".to_string()])
    );
}

#[test]
fn a_survey_deletes_first_the_keys_a_file_goes_beneath_or_above() {
    let rules = Rules::new("");
    let cx = Context {
        full: true,
        ..cx(&rules, None)
    };
    let listing = listed(&["a b.txt", "x/y", "old/f", "keep.txt"]);
    let mut survey = Survey::new(&cx, Some(listing), None);
    for path in ["a b.txt/inside.txt", "x", "keep.txt"] {
        survey.see(&file(path)).unwrap();
    }
    let planned = survey.finish(&Files::new(&[]), Vec::new()).unwrap();
    assert_eq!(planned.plan.clear(), ["a b.txt", "x/y"]);
    assert_eq!(planned.plan.deletes(), ["old/f"]);
    // A first publish after one that was cut off deletes what that one
    // deleted: first too, where a file goes beneath it.
    let first = Context { full: false, ..cx };
    let listing = listed(&["a b.txt", "old/f"]);
    let mut survey = Survey::new(&first, Some(listing), None);
    survey.see(&file("a b.txt/inside.txt")).unwrap();
    let gone = vec!["a b.txt".to_owned(), "old/f".to_owned()];
    let planned = survey.finish(&Files::new(&[]), gone).unwrap();
    assert_eq!(planned.plan.clear(), ["a b.txt"]);
    assert_eq!(planned.plan.deletes(), ["old/f"]);
}

#[test]
fn a_survey_writes_no_recorded_redirect_inside_another_publish() {
    // docs/ moved to guide/, then another publish began under docs/.
    let rules = with_redirects();
    let before = state(3, &rules, &[("docs/a.html", "guide/a.html")], &[]);
    let cx = Context {
        full: true,
        ..cx(&rules, Some(&before))
    };
    let listing = listed(&["docs/.svn2s3/state.yaml", "docs/a.html", "guide/a.html"]);
    let mut survey = Survey::new(&cx, Some(listing), None);
    survey.see(&file("guide/a.html")).unwrap();
    let guide = [file("guide/a.html")];
    let err = survey.finish(&Files::new(&guide), Vec::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "docs/a.html would be written to docs/a.html, under docs/, where another publish \
             keeps its state (docs/.svn2s3/); publish one of them under another prefix"
    );
}

#[test]
fn a_survey_leaves_the_prefixes_of_other_publishes_alone() {
    let rules = Rules::new("a/");
    let listing = listed(&[
        "a/x.txt",
        "a/b/.svn2s3/state.yaml",
        "a/b/y.txt",
        "a/.svn2s3/state.yaml",
        "a/.svn2s3/other.yaml",
        "a/stray.txt",
    ]);
    for full in [true, false] {
        let cx = Context {
            full,
            ..cx(&rules, None)
        };
        let mut survey = Survey::new(&cx, Some(listing.clone()), None);
        survey.see(&file("x.txt")).unwrap();
        let err = survey.see(&file("b/z.txt")).unwrap_err().to_string();
        assert_eq!(
            err,
            "b/z.txt would be written to a/b/z.txt, under a/b/, where another publish keeps \
                 its state (a/b/.svn2s3/); publish one of them under another prefix"
        );
        let planned = survey.finish(&Files::new(&[]), Vec::new()).unwrap();
        assert_eq!(
                planned.notes[0],
                "holds another publish's state at a/b/.svn2s3/state.yaml: 2 objects under a/b/ left alone"
            );
        match full {
            true => assert_eq!(planned.plan.deletes(), ["a/stray.txt"]),
            false => {
                assert!(planned.plan.deletes().is_empty());
                assert_eq!(
                    planned.notes[1],
                    "holds 1 object the tree does not have, left alone (--full deletes them)"
                );
            }
        }
    }
    assert_eq!(
        foreign_prefixes(
            [
                "x/.svn2s3/state.yaml",
                ".svn2s3/state.yaml",
                "a.svn2s3/state.yaml"
            ],
            ""
        ),
        BTreeSet::from(["x/".to_string()])
    );
}

#[test]
fn a_plan_moves_the_state_only_where_the_state_it_writes_differs() {
    let rules = Rules::new("");
    let before = state(1, &rules, &[], &[]);
    let planned = publish(&rules, &before, Changeset::default(), None, &[]).unwrap();
    // Nothing to write, but the revision moves from r1 to r2.
    assert!(planned.plan.is_empty() && planned.moves_state(Some(&before)));
    assert!(
        planned.moves_state(None),
        "a bucket without a state gets one"
    );
    // The state it would write, written: nothing moves, whenever it was.
    let after = before.finished(planned.published.clone());
    assert!(!planned.moves_state(Some(&after)));
    let later = State {
        published_at: Some("2099-01-01T00:00:00Z".into()),
        ..after.clone()
    };
    assert!(!planned.moves_state(Some(&later)));
    // A claim left behind, or other rules recorded, are written over.
    let claimed = State::claim(
        Some(&after),
        &crate::tree::Tree {
            uuid: "u".into(),
            path: "trunk".into(),
            revision: 2,
            name: "/wc".into(),
            read_from: crate::tree::ReadFrom::WorkingCopy,
        },
    );
    assert!(planned.moves_state(Some(&claimed)));
    let other_rules = State {
        rules: Some(Shaping::of(&gzip(&["*.css"]))),
        ..after
    };
    assert!(planned.moves_state(Some(&other_rules)));
}

//! What a change publishes: keys, twins, headers, excludes, rules that
//! changed, rollback, and what is refused.

use super::*;

#[test]
fn keys_are_the_prefix_then_the_path() {
    let plan = plan(
        &changes(&["css/site.css", "a b+c%d#e?f&g.txt"], &["old.png"]),
        &Rules::new("static/"),
    )
    .unwrap();
    assert_eq!(
        keys(&plan),
        ["static/a b+c%d#e?f&g.txt", "static/css/site.css"]
    );
    assert_eq!(plan.deletes(), ["static/old.png"]);
    assert!(plan.clear().is_empty());
}

#[test]
fn an_empty_prefix_publishes_to_the_bucket_root() {
    let plan = plan(&changes(&["index.html"], &[]), &Rules::new("")).unwrap();
    assert_eq!(keys(&plan), ["index.html"]);
}

#[test]
fn matching_files_get_a_gzip_twin_with_the_same_headers() {
    let plan = plan(
        &changes(&["css/site.css", "img/a.png"], &[]),
        &gzip(&["*.css"]),
    )
    .unwrap();
    assert_eq!(
        keys(&plan),
        ["css/site.css", "css/site.gz.css", "img/a.png"]
    );
    let (plain, twin) = (&plan.uploads()[0], &plan.uploads()[1]);
    assert_eq!(
        (twin.encoding(), plain.encoding()),
        (Some(Encoding::Gzip), None)
    );
    assert_eq!(twin.local(), plain.local());
    assert_eq!(twin.headers.content_encoding, Some("gzip"));
    assert_eq!(plain.headers.content_encoding, None);
    assert_eq!(twin.headers.content_type, "text/css");
    assert_eq!(twin.headers.content_type, plain.headers.content_type);
}

#[test]
fn deleting_a_file_deletes_its_twin() {
    let plan = plan(&changes(&[], &["js/app.js", "img/a.png"]), &gzip(&["*.js"])).unwrap();
    assert_eq!(plan.deletes(), ["img/a.png", "js/app.gz.js", "js/app.js"]);
}

#[test]
fn brotli_twins_go_beside_gzip_twins_and_with_their_file() {
    let rules = Rules {
        brotli: Some(Globs::new(&["*.css", "*.js"]).unwrap()),
        ..gzip(&["*.css"])
    };
    let planned = plan(
        &changes(&["css/site.css", "js/app.js"], &["old.css"]),
        &rules,
    )
    .unwrap();
    assert_eq!(
        keys(&planned),
        [
            "css/site.br.css",
            "css/site.css",
            "css/site.gz.css",
            "js/app.br.js",
            "js/app.js"
        ]
    );
    let brotli = &planned.uploads()[0];
    assert_eq!(brotli.encoding(), Some(Encoding::Brotli));
    assert_eq!(brotli.headers.content_encoding, Some("br"));
    assert_eq!(brotli.headers.content_type, "text/css");
    assert_eq!(planned.deletes(), ["old.br.css", "old.css", "old.gz.css"]);

    let err = plan(&changes(&["a.css", "a.br.css"], &[]), &rules).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a.br.css is named as the br twin of a.css would be, and svn2s3 writes that twin \
             there; rename it, or leave it out with `exclude:`"
    );
}

#[test]
fn a_file_named_as_a_twin_is_refused_whether_or_not_its_file_is_in_the_change() {
    // The file is unchanged, or not there at all: the name alone is refused,
    // in an incremental publish as in a survey.
    for change in [&["site.gz.css"][..], &["site.css", "site.gz.css"]] {
        let err = plan(&changes(change, &[]), &gzip(&["*.css"])).unwrap_err();
        assert!(
            matches!(err, PlanError::TwinNamed { ref path, ref twin_of, .. }
                    if path == "site.gz.css" && twin_of == "site.css"),
            "{err}"
        );
    }
    let rules = gzip(&["*.css"]);
    let cx = cx(&rules, None);
    let mut survey = Survey::new(&cx, None, None);
    survey.see(&file("site.css")).unwrap();
    assert!(survey.see(&file("site.gz.css")).is_err());
}

#[test]
fn content_type_comes_from_svn_mime_type_then_the_extension() {
    let mut typed = file("data.bin");
    typed.mime_type = Some("image/x-custom".into());
    let changes = Changeset {
        uploads: vec![typed, file("a.svg"), file("noext"), file("b.weird-ext")],
        ..Default::default()
    };
    let plan = plan(&changes, &Rules::new("")).unwrap();
    let types: Vec<_> = plan
        .uploads()
        .iter()
        .map(|u| (u.key.as_str(), u.headers.content_type.as_str()))
        .collect();
    assert_eq!(
        types,
        [
            ("a.svg", "image/svg+xml"),
            ("b.weird-ext", "application/octet-stream"),
            ("data.bin", "image/x-custom"),
            ("noext", "application/octet-stream"),
        ]
    );
}

#[test]
fn svn_generic_binary_type_gives_way_to_the_extension() {
    let mut video = file("clip.mp4");
    video.mime_type = Some("application/octet-stream".into());
    let mut unknown = file("blob.weird-ext");
    unknown.mime_type = Some("application/octet-stream".into());
    let changes = Changeset {
        uploads: vec![video, unknown],
        ..Default::default()
    };
    let plan = plan(&changes, &Rules::new("")).unwrap();
    assert_eq!(
        plan.uploads()[0].headers.content_type,
        "application/octet-stream"
    );
    assert_eq!(plan.uploads()[1].headers.content_type, "video/mp4");
}

#[test]
fn the_first_matching_header_rule_wins() {
    let rules = Rules {
        headers: HeaderRules::new(vec![
            HeaderRule::new("*.css", [(Name::CacheControl, "max-age=1")]),
            HeaderRule::new(
                "*",
                [
                    (Name::CacheControl, "no-cache"),
                    (Name::ContentDisposition, "inline"),
                ],
            ),
        ])
        .unwrap(),
        acl: Some("public-read".into()),
        ..Rules::new("")
    };
    let plan = plan(&changes(&["a/site.css", "b.html"], &[]), &rules).unwrap();
    assert_eq!(
        plan.uploads()[0].headers.values.get(Name::CacheControl),
        Some("max-age=1")
    );
    assert_eq!(
        plan.uploads()[0]
            .headers
            .values
            .get(Name::ContentDisposition),
        None
    );
    assert_eq!(
        plan.uploads()[1].headers.values.get(Name::CacheControl),
        Some("no-cache")
    );
    assert_eq!(
        plan.uploads()[1]
            .headers
            .values
            .get(Name::ContentDisposition),
        Some("inline")
    );
    assert!(plan
        .uploads()
        .iter()
        .all(|u| u.headers.acl.as_deref() == Some("public-read")));
}

#[test]
fn excluded_paths_are_neither_uploaded_nor_deleted() {
    let rules = Rules {
        exclude: Globs::new(&["*.psd", "drafts/**"]).unwrap(),
        ..Rules::new("")
    };
    let plan = plan(
        &changes(
            &["art/x.psd", "drafts/a/b.html", "ok.html"],
            &["drafts/old.txt", "y.psd", "gone.txt"],
        ),
        &rules,
    )
    .unwrap();
    assert_eq!(keys(&plan), ["ok.html"]);
    assert_eq!(plan.deletes(), ["gone.txt"]);
}

#[test]
fn a_file_replaced_in_the_same_change_is_not_deleted() {
    let plan = plan(&changes(&["a.txt"], &["a.txt", "b.txt"]), &Rules::new("")).unwrap();
    assert_eq!(keys(&plan), ["a.txt"]);
    assert_eq!(plan.deletes(), ["b.txt"]);
}

#[test]
fn a_file_replaced_by_a_folder_is_deleted_before_the_uploads() {
    let plan = plan(
        &changes(&["top/z", "other"], &["top", "unrelated"]),
        &Rules::new("p/"),
    )
    .unwrap();
    assert_eq!(plan.clear(), ["p/top"]);
    assert_eq!(plan.deletes(), ["p/unrelated"]);
}

#[test]
fn a_folder_replaced_by_a_file_is_deleted_before_the_uploads() {
    let plan = plan(
        &changes(&["top"], &["top/z", "top/y/x", "topper"]),
        &Rules::new(""),
    )
    .unwrap();
    assert_eq!(plan.clear(), ["top/y/x", "top/z"]);
    assert_eq!(plan.deletes(), ["topper"]);
    assert_eq!(plan.delete_count(), 3);
}

#[test]
fn a_key_over_1024_bytes_is_an_error() {
    let long = "é".repeat(512); // 1,024 bytes
    assert!(plan(&changes(&[&long], &[]), &Rules::new("")).is_ok());
    let err = plan(&changes(&[&long], &[]), &Rules::new("p/")).unwrap_err();
    assert!(
        matches!(err, PlanError::KeyTooLong { bytes: 1026, .. }),
        "{err}"
    );
}

#[test]
fn an_empty_changeset_plans_nothing() {
    let plan = plan(&Changeset::default(), &gzip(&["*"])).unwrap();
    assert!(plan.is_empty());
}

#[test]
fn a_file_under_a_state_folder_is_refused_before_anything_and_never_deleted() {
    let rules = Rules::new("p/");
    let err = plan(&changes(&[".svn2s3/state.yaml", "a.txt"], &[]), &rules).unwrap_err();
    assert!(matches!(err, PlanError::Reserved { ref path, .. } if path == ".svn2s3/state.yaml"));
    let plan = plan(
        &changes(&["a.txt"], &[".svn2s3/state.yaml", "x/.svn2s3/y"]),
        &rules,
    )
    .unwrap();
    assert!(plan.deletes().is_empty(), "{:?}", plan.deletes());
    let excluded = Rules {
        exclude: Globs::new(&[".svn2s3/**"]).unwrap(),
        ..Rules::new("p/")
    };
    let plan = self::plan(&changes(&[".svn2s3/state.yaml", "a.txt"], &[]), &excluded).unwrap();
    assert_eq!(keys(&plan), ["p/a.txt"]);
}

#[test]
fn header_values_a_store_cannot_carry_are_refused_before_anything() {
    let rules = Rules::new("");
    let before = state(1, &rules, &[], &[]);
    let change = changed(
        vec![with_prop(
            "a.css",
            Name::CacheControl.property(),
            "public\r\nX-Evil: 1",
        )],
        &[],
    );
    let err = error(publish(&rules, &before, change, None, &[]));
    assert!(
        err.starts_with("a.css: svn2s3:cache-control \"public\\r\\nX-Evil: 1\" holds the control"),
        "{err}"
    );
    // A folder's property reaches its files, and is refused naming one.
    let change = Changeset {
        reshaped: vec![with_prop(
            "d/b.html",
            Name::ContentLanguage.property(),
            "fran\u{e7}ais",
        )],
        ..Changeset::default()
    };
    let err = error(publish(&rules, &before, change, None, &[]));
    assert!(
        err.starts_with("d/b.html: svn2s3:content-language \"français\" holds 'ç'"),
        "{err}"
    );
}

#[test]
fn a_folder_whose_properties_changed_publishes_its_files_again() {
    let rules = Rules::new("");
    let before = state(1, &rules, &[], &[]);
    let change = Changeset {
        reshaped: vec![with_prop(
            "d/a.html",
            Name::CacheControl.property(),
            "no-cache",
        )],
        ..changes(&["b.txt"], &[])
    };
    let planned = publish(&rules, &before, change, None, &[]).unwrap();
    assert_eq!(keys(&planned.plan), ["b.txt", "d/a.html"]);
    assert_eq!(
        planned.plan.uploads()[1]
            .headers
            .values
            .get(Name::CacheControl),
        Some("no-cache")
    );
}

#[test]
fn rules_that_changed_reach_every_file_and_every_redirect() {
    let rule = |cache_control: &str| {
        let rule = HeaderRule::new("*.html", [(Name::CacheControl, cache_control)]);
        HeaderRules::new(vec![rule]).unwrap()
    };
    let old = Rules {
        headers: rule("max-age=60"),
        ..with_redirects()
    };
    let new = Rules {
        headers: rule("no-cache"),
        ..with_redirects()
    };
    let before = state(1, &old, &[("old.html", "a.html")], &[]);
    let cx = cx(&new, Some(&before));
    assert!(needs(&cx).unwrap().whole);
    let input = Changes {
        changes: Changeset::default(),
        history: Some(History::default()),
        whole: Some(vec![file("a.html"), file("b.png")]),
    };
    let planned = incremental(&cx, input, &Files::new(&[])).unwrap();
    let rewritten: Vec<&str> = planned
        .plan
        .rewrites()
        .iter()
        .map(|up| up.key.as_str())
        .collect();
    assert_eq!(rewritten, ["a.html"]);
    assert_eq!(redirects(&planned.plan), [("old.html", "/a.html")]);
    assert_eq!(
        planned.plan.redirects()[0]
            .headers
            .values
            .get(Name::CacheControl),
        Some("no-cache")
    );
    assert_eq!(planned.walked.as_deref(), Some("header rules"));
    // Without the tree, the rules cannot be applied: no guess is made.
    let input = Changes::default();
    assert!(incremental(&cx, input, &Files::new(&[])).is_err());
}

#[test]
fn a_file_that_became_a_link_as_the_rules_changed_loses_its_old_twin() {
    // site.css had a gzip twin; now gzip is off, and site.css is a link.
    let old = Rules {
        redirects: true,
        ..gzip(&["*.css"])
    };
    let new = with_redirects();
    let before = state(1, &old, &[], &[]);
    let link = symlink("site.css", "other.css");
    let input = Changes {
        changes: changed(vec![link.clone()], &[]),
        history: None,
        whole: Some(vec![link, file("other.css")]),
    };
    let planned = incremental(&cx(&new, Some(&before)), input, &Files::new(&[])).unwrap();
    assert_eq!(redirects(&planned.plan), [("site.css", "/other.css")]);
    assert_eq!(planned.plan.deletes(), ["other.gz.css", "site.gz.css"]);
}

#[test]
fn a_rollback_takes_away_redirects_where_files_are_again() {
    let rules = with_redirects();
    let mut before = state(5, &rules, &[("x.html", "y.html")], &[]);
    before.published_at = Some("then".into());
    let cx = Context {
        revision: 3,
        ..cx(&rules, Some(&before))
    };
    let needs = needs(&cx).unwrap();
    assert_eq!(
        (needs.from, needs.history),
        (Some(5), None),
        "no moves backwards"
    );
    let input = Changes {
        changes: changes(&["x.html"], &["y.html"]),
        ..Changes::default()
    };
    let planned = incremental(&cx, input, &Files::new(&[])).unwrap();
    assert_eq!(keys(&planned.plan), ["x.html"]);
    assert_eq!(planned.plan.deletes(), ["y.html"]);
    assert_eq!(redirects(&planned.plan), []);
    assert!(planned.published.redirects.is_empty());
    assert_eq!(planned.published.rolled_back_from, Some(5));
}

#[test]
fn what_a_publish_needs_follows_from_what_it_is_asked() {
    let rules = with_redirects();
    let mut before = state(1, &rules, &[], &[]);
    before.publishing = State::claim(
        Some(&before),
        &crate::tree::Tree {
            uuid: "u".into(),
            path: "trunk".into(),
            revision: 4,
            name: "wc".into(),
            read_from: crate::tree::ReadFrom::WorkingCopy,
        },
    )
    .publishing;
    let asked = |full| {
        needs(&Context {
            full,
            ..cx(&rules, Some(&before))
        })
        .unwrap()
    };
    assert_eq!(
        asked(false),
        Needs {
            from: Some(1),
            unfinished: vec![4],
            history: Some(1),
            whole: false
        }
    );
    assert_eq!(
        asked(true),
        Needs {
            from: None,
            unfinished: Vec::new(),
            history: Some(1),
            whole: false
        }
    );
    let plain = Rules::new("");
    let first = needs(&cx(&plain, None)).unwrap();
    assert_eq!(
        (first.from, first.history, first.whole),
        (None, None, false)
    );
}

#[test]
fn more_deletes_than_allowed_are_refused() {
    let rules = Rules::new("");
    let before = state(1, &rules, &[], &[]);
    let cx = Context {
        max_delete: 2,
        ..cx(&rules, Some(&before))
    };
    let input = Changes {
        changes: changes(&[], &["a", "b", "c"]),
        ..Changes::default()
    };
    let err = incremental(&cx, input, &Files::new(&[]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "refusing to delete 3 objects, more than --max-delete 2; raise it if that is intended"
    );
}

//! What a file becomes, and the plan's invariants, one unit test each.

use super::*;

fn file(path: &str) -> File {
    File::at(path)
}

fn changes(uploads: &[&str], deletes: &[&str]) -> Changeset {
    Changeset {
        uploads: uploads.iter().map(|p| file(p)).collect(),
        deletes: deletes.iter().map(|p| p.to_string()).collect(),
        ..Changeset::default()
    }
}

#[test]
fn merged_changesets_name_each_path_once() {
    let mut since_published = changes(&["a.css", "b.js"], &["old.png", "z.txt"]);
    let since_cut_off = changes(&["b.js", "c.html"], &["gone.txt", "z.txt"]);
    since_published.merge(since_cut_off);
    let paths: Vec<&str> = since_published
        .uploads
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(paths, ["a.css", "b.js", "c.html"]);
    assert_eq!(since_published.deletes, ["gone.txt", "old.png", "z.txt"]);
}

fn twin_path(path: &str) -> String {
    Encoding::Gzip.twin_path(path)
}

#[test]
fn twin_names_put_gz_before_the_last_extension() {
    assert_eq!(twin_path("css/site.css"), "css/site.gz.css");
    assert_eq!(twin_path("js/app.min.js"), "js/app.min.gz.js");
    assert_eq!(twin_path("LICENSE"), "LICENSE.gz");
    assert_eq!(twin_path("v1.2/LICENSE"), "v1.2/LICENSE.gz");
    assert_eq!(twin_path(".htaccess"), ".htaccess.gz");
    assert_eq!(twin_path("conf/.env.js"), "conf/.env.gz.js");
}

#[test]
fn a_file_named_as_a_twin_would_be_is_refused_when_such_twins_are_made() {
    let rules = Rules {
        gzip: Some(Globs::new(&["*.css", "*.js"]).unwrap()),
        brotli: Some(Globs::new(&["*.css"]).unwrap()),
        ..Rules::new("static/")
    };
    assert_eq!(
        twin_of("a/site.gz.css", &rules),
        Some(("a/site.css".into(), Encoding::Gzip))
    );
    assert_eq!(
        twin_of("site.br.css", &rules),
        Some(("site.css".into(), Encoding::Brotli))
    );
    assert_eq!(
        twin_of("app.min.gz.js", &rules),
        Some(("app.min.js".into(), Encoding::Gzip))
    );
    // Twins no rule makes, and names that only look alike, are files.
    for path in [
        "app.br.js",
        "site.gz.html",
        "app.js.gz",
        "x.gz",
        ".gz.css",
        "a.gzip.css",
    ] {
        assert_eq!(twin_of(path, &rules), None, "{path}");
    }
    let err = objects(&file("a/site.gz.css"), &rules).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a/site.gz.css is named as the gzip twin of a/site.css would be, and svn2s3 writes \
             that twin there; rename it, or leave it out with `exclude:`"
    );
    let everything = Rules {
        gzip: Some(Globs::new(&["*"]).unwrap()),
        ..Rules::new("")
    };
    assert_eq!(
        twin_of("LICENSE.gz", &everything),
        Some(("LICENSE".into(), Encoding::Gzip))
    );
    assert!(objects(&file("site.gz.css"), &Rules::new("")).is_ok());
}

fn uploads(paths: &[&str]) -> Vec<Upload> {
    let rules = Rules::new("");
    let objects = paths
        .iter()
        .map(|path| objects(&file(path), &rules).unwrap());
    objects
        .flat_map(|objects| objects.uploads().to_vec())
        .collect()
}

#[test]
fn stale_keys_join_the_deletes_in_their_phase() {
    let mut plan = Plan::default();
    plan.upload(uploads(&["a/b", "c"]));
    plan.delete_also(["d".to_string()]);
    plan.delete_also(["a".to_string(), "c".to_string(), "e".to_string()]);
    assert_eq!(plan.clear(), ["a"]);
    assert_eq!(plan.deletes(), ["d", "e"]);
}

#[test]
fn a_files_key_never_holds_a_redirect_nor_is_deleted() {
    let mut plan = Plan::default();
    let redirect =
        |key: &str| Upload::redirect(key.into(), "/b".into(), uploads(&["x"])[0].headers.clone());
    plan.redirect([redirect("a")]);
    plan.delete_also(["a".to_string(), "z".to_string()]);
    assert_eq!(plan.deletes(), ["z"], "a redirected key is not deleted");
    // The file at `a` takes the redirect's place, and its own upload stays.
    plan.upload(uploads(&["a"]));
    assert!(plan.redirects().is_empty());
    plan.redirect([redirect("a")]);
    assert!(
        plan.redirects().is_empty(),
        "a redirect never takes a file's key"
    );
    assert_eq!(plan.uploads()[0].local(), Some(Path::new("/wc/a")));
    plan.rewrite(uploads(&["a", "b"]));
    assert_eq!(plan.rewrites().len(), 1, "an uploaded key is not rewritten");
    assert_eq!(plan.written_keys(), BTreeSet::from(["a", "b"]));
}

#[test]
fn no_file_is_written_in_a_state_folder_at_any_depth() {
    let rules = Rules::new("p/");
    for (path, pattern) in [
        (".svn2s3/state.yaml", ".svn2s3/**"),
        ("docs/.svn2s3/state.yaml", "docs/.svn2s3/**"),
        (".svn2s3", ".svn2s3"),
    ] {
        let err = objects(&file(path), &rules).unwrap_err();
        assert_eq!(
            err,
            PlanError::Reserved {
                path: path.into(),
                pattern: pattern.into()
            }
        );
        assert!(
            err.to_string()
                .contains(&format!("`exclude: [\"{pattern}\"]`")),
            "{err}"
        );
        assert_eq!(keys_of(path, &rules), Ok(Vec::new()), "never deleted");
    }
    // Names that only look alike are files like any other.
    for path in [".svn2s3x/a", "a.svn2s3", "x/.svn2s3.yaml"] {
        assert!(
            matches!(objects(&file(path), &rules), Ok(Objects::Written(_))),
            "{path}"
        );
    }
    let excluded = Rules {
        exclude: Globs::new(&[".svn2s3/**"]).unwrap(),
        ..Rules::new("")
    };
    assert_eq!(
        objects(&file(".svn2s3/state.yaml"), &excluded),
        Ok(Objects::Excluded)
    );
}

fn with_props(path: &str, props: &[(&str, &str)]) -> File {
    File {
        props: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..file(path)
    }
}

#[test]
fn header_values_are_checked_naming_the_file_and_the_property() {
    let rules = Rules::new("");
    let err = objects(
        &with_props(
            "a.css",
            &[(Name::CacheControl.property(), "max-age=1\r\nX: y")],
        ),
        &rules,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
            err,
            "a.css: svn2s3:cache-control \"max-age=1\\r\\nX: y\" holds the control character \\u{d}, which HTTP cannot carry"
        );
    let typed = File {
        mime_type: Some("text/html; charset=\u{e9}".into()),
        ..file("b.html")
    };
    let err = objects(&typed, &rules).unwrap_err().to_string();
    assert!(err.starts_with("b.html: svn:mime-type "), "{err}");
    let expires = with_props(
        "c.txt",
        &[(Name::Expires.property(), "Thu,\t01 Jan 2026 00:00:00 GMT")],
    );
    let Objects::Written(written) = objects(&expires, &rules).unwrap() else {
        panic!("a file")
    };
    assert_eq!(
        written[0].headers.values.get(Name::Expires),
        Some("Thu, 01 Jan 2026 00:00:00 GMT")
    );
    let named = with_props(
        "d.pdf",
        &[(
            Name::ContentDisposition.property(),
            "attachment; filename=\"menü.pdf\"",
        )],
    );
    let Objects::Written(written) = objects(&named, &rules).unwrap() else {
        panic!("a file")
    };
    assert_eq!(
        written[0].headers.values.get(Name::ContentDisposition),
        Some("attachment; filename=\"men_.pdf\"; filename*=UTF-8''men%C3%BC.pdf")
    );
    // A property holding a control character is refused even where it
    // makes the file a redirect, and a redirect's headers are checked too.
    let redirect = with_props("e.html", &[(props::REDIRECT, "/a\nb.html")]);
    let err = objects(&redirect, &rules).unwrap_err().to_string();
    assert!(err.contains("holds control characters"), "{err}");
    let redirect = with_props(
        "e.html",
        &[
            (props::REDIRECT, "/a.html"),
            (Name::ContentLanguage.property(), "d\u{e9}"),
        ],
    );
    assert!(objects(&redirect, &rules).is_err());
}

#[test]
fn redirects_are_read_as_written_from_the_files_folder() {
    let rules = Rules {
        redirects: true,
        ..Rules::new("p/")
    };
    let target = |file: File| match objects(&file, &rules).unwrap() {
        Objects::Redirect(link) => (link.target, link.by),
        other => panic!("{other:?}"),
    };
    let path = |path: &str, folder| Target::Path {
        path: path.into(),
        folder,
    };
    assert_eq!(
        target(with_props("a/b.html", &[(props::REDIRECT, "../c d.html")])),
        (path("c d.html", false), By::Property)
    );
    assert_eq!(
        target(with_props("a/b.html", &[(props::REDIRECT, "/img/")])),
        (path("img", true), By::Property)
    );
    assert_eq!(
        target(with_props(
            "a/b.html",
            &[(props::REDIRECT, "https://x.org/?a=1")]
        )),
        (Target::Url("https://x.org/?a=1".into()), By::Property)
    );
    let link = File {
        link: Some("../../index.html".into()),
        ..file("a/b/c.html")
    };
    assert_eq!(target(link), (path("index.html", false), By::Symlink));
    let err = objects(
        &with_props("a.html", &[(props::REDIRECT, "https://x.org/a b")]),
        &rules,
    );
    assert!(err.unwrap_err().to_string().contains("is not a URL"));
    for (value, why) in [
        ("https://", "is not a URL: it names no host"),
        ("http:///a.html", "is not a URL: it names no host"),
        (
            "https://x!y.org/",
            "its host holds characters no host name has",
        ),
        ("https://u:secret@x.org/", "holds a user name or password"),
    ] {
        let err = objects(&with_props("a.html", &[(props::REDIRECT, value)]), &rules);
        let err = err.unwrap_err().to_string();
        assert!(err.contains(why), "{value}: {err}");
    }
    for value in ["https://x.org", "http://[::1]:8080/a", "https://x.org#top"] {
        let ok = objects(&with_props("a.html", &[(props::REDIRECT, value)]), &rules);
        assert!(ok.is_ok(), "{value}");
    }
    assert_eq!(location("p/", "a b/ü", false), "/p/a%20b/%C3%BC");
    assert_eq!(location("p/", "img", true), "/p/img/");
}

#[test]
fn a_header_rule_stores_its_files_as_it_says_over_the_target() {
    let kms = |key: &str| Storage {
        sse: Some("aws:kms".into()),
        sse_kms_key_id: Some(key.into()),
        ..Storage::default()
    };
    let mut rules = Rules::new("");
    rules.storage = Storage {
        storage_class: Some("STANDARD_IA".into()),
        ..kms("alias/site")
    };
    let archive = HeaderRule {
        storage: Storage {
            storage_class: Some("GLACIER_IR".into()),
            ..Storage::default()
        },
        ..HeaderRule::new("archive/**", [])
    };
    let plain = HeaderRule {
        storage: Storage {
            sse: Some("AES256".into()),
            ..Storage::default()
        },
        ..HeaderRule::new("*.txt", [])
    };
    rules.headers = HeaderRules::new(vec![archive, plain]).unwrap();
    let stored = |path: &str| {
        let objects = objects(&file(path), &rules).unwrap();
        objects.uploads()[0].headers.storage.clone()
    };
    // The rule's class, the target's encryption.
    assert_eq!(
        stored("archive/2019.zip"),
        Storage {
            storage_class: Some("GLACIER_IR".into()),
            ..kms("alias/site")
        }
    );
    // A rule that names its algorithm takes no key from the target.
    assert_eq!(
        stored("notes.txt"),
        Storage {
            storage_class: Some("STANDARD_IA".into()),
            sse: Some("AES256".into()),
            ..Storage::default()
        }
    );
    // No rule: the target's settings.
    assert_eq!(stored("index.html"), rules.storage);
}

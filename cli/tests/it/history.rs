//! What only a publisher that reads the history can do: redirects where
//! files moved, rollback, rules that take effect without a commit, and
//! headers from svn properties. Each publish is compared with `svn export`
//! of its revision, redirects and headers read back from the bucket.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;

use crate::harness::*;

fn base(repo: &Repo) -> u64 {
    repo.write("index.html", "home\n");
    repo.write("docs/a.html", "<p>a</p>\n");
    repo.write("docs/img/b.png", "png bytes\n");
    repo.write("site.css", "body {}\n");
    repo.commit("base")
}

fn check(server: &Server, repo: &Repo, rev: u64, moved: &[(&str, &str)]) {
    Mirror {
        redirects: redirects(moved),
        ..Mirror::default()
    }
    .check(server, repo, rev);
}

#[test]
fn moved_files_and_folders_leave_redirects_that_follow_later_moves() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        base(&repo);
        publish(&server, &repo, &["--redirects"]);

        repo.svn(&["mv", "-q", "docs", "guide"]);
        repo.svn(&["mv", "-q", "site.css", "main.css"]);
        let rev = repo.commit("moves");
        let run = publish(&server, &repo, &["--redirects"]);
        let counts = ["uploaded", "redirected", "deleted"].map(|what| run.count(what));
        assert_eq!(counts, [3, 3, 0], "{}", run.stdout);
        assert!(run.stdout.contains("3 uploaded (27 B)"), "{}", run.stdout);
        check(
            &server,
            &repo,
            rev,
            &[
                ("docs/a.html", "/guide/a.html"),
                ("docs/img/b.png", "/guide/img/b.png"),
                ("site.css", "/main.css"),
            ],
        );
        verify(&server, &repo, &["--redirects"]).expect(0);

        // A -> B, then B -> C: A and B both point at C. A moved file whose
        // new name is deleted later loses its redirect.
        repo.svn(&["mv", "-q", "guide/a.html", "guide/intro.html"]);
        repo.svn(&["rm", "-q", "guide/img/b.png"]);
        let rev = repo.commit("move again, delete");
        publish(&server, &repo, &["--redirects"]);
        check(
            &server,
            &repo,
            rev,
            &[
                ("docs/a.html", "/guide/intro.html"),
                ("guide/a.html", "/guide/intro.html"),
                ("site.css", "/main.css"),
            ],
        );
        let state = server.state().unwrap();
        assert!(
            state.contains("redirects:\n  docs/a.html: guide/intro.html\n  guide/a.html: guide/intro.html\n  site.css: main.css\n"),
            "{state}"
        );

        // A file added where a redirect is replaces it, and stays when the
        // redirect's old target goes.
        repo.write("site.css", "a new site.css\n");
        let rev = repo.commit("a file where a redirect was");
        publish(&server, &repo, &["--redirects"]);
        repo.svn(&["rm", "-q", "main.css"]);
        let rev2 = repo.commit("the old target goes");
        assert_eq!(rev2, rev + 1);
        publish(&server, &repo, &["--redirects"]);
        check(
            &server,
            &repo,
            rev2,
            &[
                ("docs/a.html", "/guide/intro.html"),
                ("guide/a.html", "/guide/intro.html"),
            ],
        );
        verify(&server, &repo, &["--redirects"]).expect(0);
    }
}

#[test]
fn moves_inside_one_range_collapse_and_without_redirects_delete() {
    let (repo, server) = (Repo::new(), Server::moto());
    base(&repo);
    publish(&server, &repo, &[]);
    repo.svn(&["mv", "-q", "site.css", "b.css"]);
    repo.commit("a to b");
    repo.svn(&["mv", "-q", "b.css", "c.css"]);
    // A copy whose source is deleted in a later revision is a move too.
    repo.svn(&["cp", "-q", "index.html", "home.html"]);
    repo.commit("b to c, a copy");
    repo.svn(&["rm", "-q", "index.html"]);
    let rev = repo.commit("the copy's source goes");

    let dry = publish(&server, &repo, &["--redirects", "--dry-run", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&dry.stdout).unwrap();
    let planned: Vec<(String, String)> = json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|done| done["action"] == "redirect")
        .map(|done| {
            let field = |name: &str| done[name].as_str().unwrap().to_owned();
            (field("key"), field("location"))
        })
        .collect();
    assert_eq!(
        planned,
        [
            ("index.html".to_string(), "/home.html".to_string()),
            ("site.css".to_string(), "/c.css".to_string())
        ]
    );
    assert_eq!(json["redirected"], 2);

    // Without redirects, a move deletes the old key, as before.
    publish(&server, &repo, &[]);
    check(&server, &repo, rev, &[]);
}

#[test]
fn symlinks_inside_the_tree_and_the_redirect_property_publish_as_redirects() {
    let (repo, server) = (Repo::new(), Server::moto());
    base(&repo);
    symlink("docs/a.html", repo.wc.join("start.html")).unwrap();
    symlink("../site.css", repo.wc.join("docs/style.css")).unwrap();
    symlink("img/", repo.wc.join("docs/pictures")).unwrap();
    symlink("/etc/passwd", repo.wc.join("passwd")).unwrap();
    symlink("../../outside", repo.wc.join("docs/out")).unwrap();
    repo.write("old.html", "moved to example.com\n");
    repo.write("legacy/one.html", "one\n");
    repo.write("legacy/two.html", "two\n");
    repo.svn(&["add", "-q", "--force", "."]);
    let url = "https://example.com/new?a=1&b=2";
    repo.svn(&["propset", "-q", "svn2s3:redirect", url, "old.html"]);
    repo.svn(&["propset", "-q", "svn2s3:redirect", "/index.html", "legacy"]);
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:redirect",
        "../site.css",
        "legacy/two.html",
    ]);
    let rev = repo.commit("links and redirects");

    let run = publish(&server, &repo, &["--redirects"]);
    for skipped in ["passwd", "docs/out"] {
        let line = format!("skipped {skipped}: a symbolic link to outside the published folder");
        assert!(run.stdout.contains(&line), "{}", run.stdout);
    }
    let mut objects = server.objects();
    let mut exported = repo.export(rev, "");
    for key in [
        "start.html",
        "docs/style.css",
        "docs/pictures",
        "old.html",
        "legacy/one.html",
        "legacy/two.html",
    ] {
        let object = objects.remove(key).unwrap_or_else(|| panic!("no {key}"));
        assert!(object.body.is_empty(), "{key}");
        let to = match key {
            "start.html" => "/docs/a.html",
            "docs/style.css" => "/site.css",
            "docs/pictures" => "/docs/img/",
            "old.html" => url,
            "legacy/one.html" => "/index.html",
            _ => "/site.css",
        };
        assert_eq!(object.redirect.as_deref(), Some(to), "{key}");
        exported.remove(key);
    }
    objects.remove(STATE);
    let bodies: BTreeMap<String, Vec<u8>> = objects
        .into_iter()
        .map(|(key, object)| (key, object.body))
        .collect();
    assert_eq!(bodies, exported);
    verify(&server, &repo, &["--redirects"]).expect(0);

    // A redirect that leaves the tree is refused, naming the file.
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:redirect",
        "../../x",
        "legacy/one.html",
    ]);
    repo.commit("a redirect out of the tree");
    let wc = repo.wc.to_str().unwrap();
    refused(
        &server,
        &mut svn2s3(&server, &["publish", wc, "--redirects"]),
        "legacy/one.html: svn2s3:redirect \"../../x\" leads outside the published folder",
    );
}

#[test]
fn rollback_publishes_an_older_revision_then_forward_again() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let first = base(&repo);
        publish(&server, &repo, &["--redirects"]);
        repo.write("index.html", "home, second version\n");
        repo.svn(&["mv", "-q", "site.css", "main.css"]);
        repo.svn(&["rm", "-q", "docs/img"]);
        repo.write("new/page.html", "new\n");
        let last = repo.commit("forward");
        publish(&server, &repo, &["--redirects"]);

        // An older working copy is refused without --rollback.
        repo.update(&repo.wc, first);
        let wc = repo.wc.to_str().unwrap();
        refused(
            &server,
            &mut svn2s3(&server, &["publish", wc, "--redirects"]),
            "or publish r1 with --rollback",
        );
        let before = server.requests().len();
        let run = publish(&server, &repo, &["--redirects", "--rollback"]);
        assert!(
            run.stdout
                .contains(&format!("published r{last} -> r{first} (a rollback)")),
            "{}",
            run.stdout
        );
        // The rollback costs the change, not the tree: no listing, one
        // write per path that differs (3 uploads, the claim and the
        // state), and the 2 deletes in one request.
        let ops: Vec<String> = server.requests()[before..]
            .iter()
            .map(|request| request.op.clone())
            .collect();
        let count = |name: &str| ops.iter().filter(|op| *op == name).count();
        assert_eq!(
            (
                count("GetObject"),
                count("PutObject"),
                count("DeleteObjects"),
                ops.len()
            ),
            (1, 3 + 2, 1, 7),
            "{ops:?}"
        );
        check(&server, &repo, first, &[]);
        let state = server.state().unwrap();
        assert!(
            state.contains(&format!("\nrolled_back_from: {last}\n")),
            "{state}"
        );
        assert!(!state.contains("redirects:\n "), "{state}");

        let status = finish(&mut svn2s3(&server, &["status", wc]))
            .expect(0)
            .stdout
            .clone();
        assert!(
            status.contains(&format!("rolled back from r{last}")),
            "{status}"
        );
        // Rolling back to what the bucket holds already is no rollback.
        refused(
            &server,
            &mut svn2s3(&server, &["publish", wc, "--rollback"]),
            "--rollback publishes a revision older than the bucket's",
        );

        repo.svn(&["update", "-q"]);
        publish(&server, &repo, &["--redirects"]);
        check(&server, &repo, last, &[("site.css", "/main.css")]);
        assert!(!server.state().unwrap().contains("rolled_back_from"));

        // From a URL, with --revision.
        let url_publish = |args: &[&str]| {
            let run = finish(&mut svn2s3(
                &server,
                &[&["publish", &repo.url], args].concat(),
            ));
            run.expect(0);
        };
        url_publish(&["--revision", &first.to_string(), "--rollback"]);
        check(&server, &repo, first, &[]);
        url_publish(&[]);
        check(&server, &repo, last, &[]);
    }
}

#[test]
fn a_header_rule_changed_without_a_commit_rewrites_only_the_headers() {
    let (repo, server) = (Repo::new(), Server::start());
    base(&repo);
    let config = |yaml: &str| repo.write("../svn2s3.yaml", yaml);
    let config_path = repo.wc.join("../svn2s3.yaml");
    let config_path = config_path.to_str().unwrap();
    config("headers:\n  - match: '*.html'\n    cache_control: max-age=60\n");
    let rev = repo.revision();
    publish(&server, &repo, &["--config", config_path]);

    config("headers:\n  - match: '*.html'\n    cache_control: no-cache\n");
    let wc = repo.wc.to_str().unwrap();
    let status = finish(&mut svn2s3(
        &server,
        &["status", wc, "--config", config_path],
    ));
    assert!(
        status.expect(0).stdout.contains(
            "pending:      0 uploads, 2 header rewrites, 0 deletes\nrules:        changed (header rules)"
        ),
        "{}",
        status.stdout
    );
    let before = server.requests().len();
    let run = publish(&server, &repo, &["--config", config_path]);
    assert!(
        run.stdout
            .contains("the rules changed (header rules): the tree was walked to apply them"),
        "{}",
        run.stdout
    );
    // The state's read and two writes, and one copy per HTML file: nothing else.
    let mut ops: Vec<(String, String)> = server.requests()[before..]
        .iter()
        .map(|request| (request.op.clone(), request.key.clone()))
        .collect();
    ops.sort();
    let op = |op: &str, key: &str| (op.to_string(), key.to_string());
    assert_eq!(
        ops,
        [
            op("CopyObject", "docs/a.html"),
            op("CopyObject", "index.html"),
            op("GetObject", STATE),
            op("PutObject", STATE),
            op("PutObject", STATE),
        ]
    );
    Mirror::default().check(&server, &repo, rev);
    let objects = server.objects();
    for (key, object) in &objects {
        let expected = key.ends_with(".html").then_some("no-cache");
        assert_eq!(object.cache_control.as_deref(), expected, "{key}");
    }
    let again = publish(&server, &repo, &["--config", config_path]);
    assert!(
        again.stdout.starts_with("nothing to publish"),
        "{}",
        again.stdout
    );
}

#[test]
fn gzip_twins_come_and_go_with_their_pattern() {
    let (repo, server) = (Repo::new(), Server::start());
    let rev = base(&repo);
    publish(&server, &repo, &[]);
    let run = publish(&server, &repo, &["--gzip"]);
    assert!(
        run.stdout.contains("the rules changed (gzip)"),
        "{}",
        run.stdout
    );
    assert_eq!(run.count("uploaded"), 1, "{}", run.stdout);
    Mirror {
        twins: &[".css"],
        ..Mirror::default()
    }
    .check(&server, &repo, rev);
    let run = publish(&server, &repo, &[]);
    let counts = ["uploaded", "deleted"].map(|what| run.count(what));
    assert_eq!(counts, [0, 1], "{}", run.stdout);
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn headers_come_from_svn_properties_nearest_first() {
    let (repo, server) = (Repo::new(), Server::start());
    base(&repo);
    repo.write(
        "svn2s3.yaml",
        "exclude: [svn2s3.yaml]\nheaders:\n  - match: '*'\n    cache_control: max-age=60\n    content_language: en\n",
    );
    repo.svn(&["add", "-q", "svn2s3.yaml"]);
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:cache-control",
        "max-age=31536000",
        "docs",
    ]);
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:content-disposition",
        "attachment",
        "docs/img/b.png",
    ]);
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:expires",
        "Thu, 01 Dec 2044 16:00:00 GMT",
        "docs/img",
    ]);
    repo.svn(&["propset", "-q", "svn2s3:content-language", "", "site.css"]);
    repo.commit("properties");
    publish(&server, &repo, &[]);
    let headers = |key: &str| {
        let object = server.get(&[key.to_string()]).remove(key).unwrap();
        (
            object.cache_control,
            object.content_disposition,
            object.content_language,
            object.expires,
        )
    };
    let some = |text: &str| Some(text.to_string());
    assert_eq!(
        headers("docs/a.html"),
        (some("max-age=31536000"), None, some("en"), None)
    );
    assert_eq!(
        headers("docs/img/b.png"),
        (
            some("max-age=31536000"),
            some("attachment"),
            some("en"),
            some("Thu, 01 Dec 2044 16:00:00 GMT")
        )
    );
    assert_eq!(
        headers("index.html"),
        (some("max-age=60"), None, some("en"), None)
    );
    // An empty property takes the rule's header away.
    assert_eq!(headers("site.css"), (some("max-age=60"), None, None, None));

    // A file's own property beats its folder's; the folder's change
    // publishes every file below it again.
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:cache-control",
        "no-store",
        "docs/a.html",
    ]);
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:cache-control",
        "max-age=600",
        "docs",
    ]);
    repo.commit("a file overrides its folder, the folder changes");
    let run = publish(&server, &repo, &[]);
    assert_eq!(run.count("uploaded"), 2, "{}", run.stdout);
    assert_eq!(headers("docs/a.html").0, some("no-store"));
    assert_eq!(headers("docs/img/b.png").0, some("max-age=600"));

    // A property removed gives the rule back; an unrelated property change
    // on the folder publishes nothing.
    repo.svn(&["propdel", "-q", "svn2s3:cache-control", "docs"]);
    repo.svn(&["propdel", "-q", "svn2s3:cache-control", "docs/a.html"]);
    repo.commit("properties removed");
    publish(&server, &repo, &[]);
    assert_eq!(headers("docs/a.html").0, some("max-age=60"));
    assert_eq!(headers("docs/img/b.png").0, some("max-age=60"));
    repo.svn(&["propset", "-q", "svn:ignore", "*.tmp", "docs"]);
    repo.commit("svn:ignore on the folder");
    let run = publish(&server, &repo, &[]);
    let counts = ["uploaded", "deleted"].map(|what| run.count(what));
    assert_eq!(counts, [0, 0], "{}", run.stdout);
}

#[test]
fn properties_set_above_the_published_folder_apply_and_their_change_is_seen() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("site/index.html", "home\n");
    repo.write("site/img/a.png", "png\n");
    repo.write("other/x.txt", "not published\n");
    repo.commit("two folders");
    repo.svn(&["propset", "-q", "svn2s3:cache-control", "max-age=5", "."]);
    let rev = repo.commit("a property on the root");
    let site = format!("{}/site", repo.url);
    let url_publish = || {
        let run = finish(&mut svn2s3(&server, &["publish", &site]));
        run.expect(0);
        run
    };
    url_publish();
    let cache = |key: &str| {
        server
            .get(&[key.to_string()])
            .remove(key)
            .unwrap()
            .cache_control
    };
    assert_eq!(cache("img/a.png").as_deref(), Some("max-age=5"));

    repo.svn(&["propset", "-q", "svn2s3:cache-control", "max-age=7", "."]);
    repo.commit("the root's property changes");
    let run = url_publish();
    assert!(
        (run.stdout).contains("the rules changed (svn2s3 properties above the published folder)"),
        "{}",
        run.stdout
    );
    assert_eq!(run.count("rewritten"), 2, "{}", run.stdout);
    assert_eq!(cache("img/a.png").as_deref(), Some("max-age=7"));
    Mirror {
        folder: "site",
        ..Mirror::default()
    }
    .check(&server, &repo, rev + 1);
}

//! A repository reached over the network (svn://, password-protected), with
//! the credentials Subversion cached at checkout, and never a prompt.

use std::collections::BTreeMap;

use crate::harness::*;

#[test]
fn a_served_repository_publishes_with_cached_credentials() {
    let (repo, server) = (Repo::served(), Server::start());
    repo.write("index.html", "served\n");
    repo.write("img/a b.png", [0u8, 1, 2]);
    let first = repo.commit("first");
    publish(&server, &repo, &[]);
    Mirror::default().check(&server, &repo, first);

    repo.write("index.html", "served again\n");
    repo.svn(&["rm", "-q", "img"]);
    let second = repo.commit("second");
    let run = publish(&server, &repo, &[]);
    assert_eq!(run.count("uploaded"), 1, "{}", run.stdout);
    assert_eq!(run.count("deleted"), 1, "{}", run.stdout);
    Mirror::default().check(&server, &repo, second);
}

#[test]
fn without_cached_credentials_it_fails_at_once_instead_of_prompting() {
    let (repo, server) = (Repo::served(), Server::start());
    repo.write("index.html", "v1\n");
    repo.commit("v1");
    publish(&server, &repo, &[]);
    repo.write("index.html", "v2\n");
    repo.commit("v2");

    // Another HOME: nothing cached. stdin is closed, so a prompt would fail too;
    // the point is that none is attempted and the error names the cause.
    let empty_home = tempfile::tempdir().unwrap();
    let mut command = svn2s3(&server, &["publish", repo.wc.to_str().unwrap()]);
    let run = finish(command.env("HOME", empty_home.path()));
    run.expect(2);
    assert!(
        run.stderr.contains("Can't get username or password"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("never prompts: run `svn info svn://"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
}

#[test]
fn a_url_publishes_without_a_working_copy() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("site/index.html", "v1\n");
    repo.write("site/css/a b.css", "a {}\n");
    repo.write("site/kw.txt", "$Revision$\nline\n");
    repo.write("site/dos.txt", "one\ntwo\n");
    repo.write("site/img/logo.png", [0x89, b'P', b'N', b'G', 0]);
    repo.write("elsewhere.txt", "not published\n");
    repo.svn(&["add", "-q", "--force", "."]);
    repo.svn(&["propset", "-q", "svn:keywords", "Revision", "site/kw.txt"]);
    repo.svn(&["propset", "-q", "svn:eol-style", "CRLF", "site/dos.txt"]);
    repo.svn(&[
        "propset",
        "-q",
        "svn:mime-type",
        "text/x-custom",
        "site/index.html",
    ]);
    let first = repo.commit("site");
    let url = format!("{}/site", repo.url);

    let run = run_svn2s3(&server, &["publish", &url, "--gzip"]);
    run.expect(0);
    assert!(
        run.stdout.contains(&format!("r{first} (first publish)")),
        "{}",
        run.stdout
    );
    let twins = &[".css"];
    Mirror {
        folder: "site",
        twins,
        ..Mirror::default()
    }
    .check(&server, &repo, first);
    let objects = server.objects();
    assert_eq!(
        objects["index.html"].content_type.as_deref(),
        Some("text/x-custom")
    );
    assert_eq!(
        objects["img/logo.png"].content_type.as_deref(),
        Some("image/png")
    );
    assert_eq!(objects["dos.txt"].body, b"one\r\ntwo\r\n");

    repo.write("site/index.html", "v2\n");
    repo.svn(&["rm", "-q", "site/css"]);
    let second = repo.commit("v2");
    repo.write("site/index.html", "v3\n");
    let third = repo.commit("v3");

    // An older revision first, then HEAD; the state moves forward each time.
    run_svn2s3(
        &server,
        &["publish", &url, "--gzip", "--revision", &second.to_string()],
    )
    .expect(0);
    Mirror {
        folder: "site",
        twins,
        ..Mirror::default()
    }
    .check(&server, &repo, second);
    let run = run_svn2s3(&server, &["publish", &url, "--gzip"]);
    run.expect(0);
    assert!(
        run.stdout.contains(&format!("r{second} -> r{third}")),
        "{}",
        run.stdout
    );
    Mirror {
        folder: "site",
        twins,
        ..Mirror::default()
    }
    .check(&server, &repo, third);
    run_svn2s3(&server, &["verify", &url, "--gzip"]).expect(0);

    let run = run_svn2s3(
        &server,
        &["publish", &url, "--revision", &first.to_string()],
    );
    run.expect(2);
    assert!(
        run.stderr
            .contains(&format!("the bucket is at r{third}, newer than")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_served_url_publishes_with_cached_credentials() {
    let (repo, server) = (Repo::served(), Server::start());
    repo.write("index.html", "served\n");
    let rev = repo.commit("first");

    // The repository alone, from a machine whose svn cached the password.
    let mut command = svn2s3(&server, &["publish", &repo.url]);
    let run = finish(repo.with_home(&mut command));
    run.expect(0);
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn a_url_publishes_what_its_working_copy_publishes() {
    // One tree, read from the repository and from a working copy, published
    // to two prefixes of one bucket: the same objects at every step.
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "home\n");
    repo.write("docs/a.html", "a\n");
    repo.write("docs/deep/er/b.css", "b {}\n");
    repo.write("drafts/c.html", "not published\n");
    // Patterns match files: a folder that matches one is walked.
    repo.write("conf.d/site.conf", "published\n");
    std::os::unix::fs::symlink("docs/a.html", repo.wc.join("start.html")).unwrap();
    // Names a URL escapes: their properties must still be theirs.
    repo.write("odd dir/100% é.txt", "odd\n");
    std::os::unix::fs::symlink("../index.html", repo.wc.join("odd dir/a link")).unwrap();
    repo.svn(&["add", "-q", "--force", "."]);
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:cache-control",
        "max-age=60",
        "docs",
    ]);
    repo.svn(&[
        "propset",
        "-q",
        "svn:mime-type",
        "text/x-odd",
        "odd dir/100% é.txt",
    ]);
    repo.commit("a tree");
    let config = repo.wc.parent().unwrap().join("url-and-wc.yaml");
    std::fs::write(&config, "exclude: ['drafts/**', '*.d']\nredirects: true\n").unwrap();
    let wc = repo.wc.to_str().unwrap();
    let same = |extra: &[&str]| {
        for (tree, prefix) in [(repo.url.as_str(), "u/"), (wc, "w/")] {
            let config = config.to_str().unwrap();
            let args = [
                &["publish", tree, "--prefix", prefix, "--config", config],
                extra,
            ];
            run_svn2s3(&server, &args.concat()).expect(0);
        }
        let mut trees: [BTreeMap<String, Object>; 2] = Default::default();
        for (key, mut object) in server.objects() {
            if key.ends_with(".svn2s3/state.yaml") {
                continue;
            }
            let (prefix, rest) = key.split_at(2);
            let at = usize::from(prefix == "w/");
            object.redirect = object.redirect.map(|to| to.replacen(prefix, "", 1));
            trees[at].insert(rest.to_owned(), object);
        }
        assert_eq!(trees[0], trees[1]);
        trees[0].keys().cloned().collect::<Vec<_>>()
    };

    let keys = same(&[]);
    assert_eq!(
        keys,
        [
            "conf.d/site.conf",
            "docs/a.html",
            "docs/deep/er/b.css",
            "index.html",
            "odd dir/100% é.txt",
            "odd dir/a link",
            "start.html"
        ]
    );
    let objects = server.objects();
    let odd = &objects["u/odd dir/100% é.txt"];
    assert_eq!(odd.content_type.as_deref(), Some("text/x-odd"));
    assert_eq!(
        objects["u/odd dir/a link"].redirect.as_deref(),
        Some("/u/index.html")
    );
    // A folder's header changed: the files below it are published again.
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:cache-control",
        "max-age=5",
        "docs/deep",
    ]);
    repo.commit("a header");
    repo.svn(&["update", "-q"]);
    same(&[]);
    // The rules changed: every file is read again, and twins written.
    let keys = same(&["--gzip"]);
    assert!(
        keys.contains(&"docs/deep/er/b.gz.css".to_owned()),
        "{keys:?}"
    );
    assert_eq!(
        server.objects()["u/docs/deep/er/b.css"]
            .cache_control
            .as_deref(),
        Some("max-age=5")
    );
}

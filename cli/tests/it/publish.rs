//! `svn2s3 publish` end to end: real repositories, a real server, the bucket
//! read back and compared with `svn export`.

use crate::harness::*;
use crate::proxy::{Answer, Proxy};

fn sample(repo: &Repo) -> u64 {
    repo.write("index.html", "<h1>home</h1>\n");
    repo.write("css/site.css", "body { color: red }\n");
    repo.write("js/app.min.js", "console.log(1)\n");
    repo.write("img/logo.png", [0x89, b'P', b'N', b'G', 0, 1, 2, 255]);
    repo.write("docs/deep/er/notes.txt", "nested\n");
    repo.write("odd names/a b+c%d#e?f&g=h'i(j).txt", "odd\n");
    repo.write("odd names/-leading.txt", "dash\n");
    repo.write("odd names/café ü.txt", "non-ascii\n");
    repo.write("empty.txt", "");
    repo.commit("sample tree")
}

#[test]
fn a_first_publish_uploads_the_whole_tree() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let rev = sample(&repo);
        let run = publish(&server, &repo, &[]);
        assert!(run.stdout.contains("(first publish)"), "{}", run.stdout);
        assert_eq!(run.count("uploaded"), 9, "{}", run.stdout);
        Mirror::default().check(&server, &repo, rev);

        // `svn add` marked the binary logo application/octet-stream; its extension says more.
        let props = repo.svn(&["propget", "svn:mime-type", "img/logo.png"]);
        assert_eq!(props.trim(), "application/octet-stream");
        let objects = server.objects();
        assert_eq!(
            objects["img/logo.png"].content_type.as_deref(),
            Some("image/png")
        );
        assert_eq!(
            objects["css/site.css"].content_type.as_deref(),
            Some("text/css")
        );
    }
}

#[test]
fn an_incremental_publish_adds_modifies_and_deletes() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        sample(&repo);
        publish(&server, &repo, &[]);

        repo.write("index.html", "<h1>home, again</h1>\n");
        repo.write("new/page.html", "new\n");
        repo.svn(&["rm", "-q", "img/logo.png"]);
        let rev = repo.commit("edit, add, delete");
        let before = server.requests().len();
        let run = publish(&server, &repo, &[]);
        let ops: Vec<(String, String)> = server.requests()[before..]
            .iter()
            .map(|r| (r.op.clone(), r.key.clone()))
            .collect();
        assert_eq!(run.count("uploaded"), 2, "{}", run.stdout);
        assert_eq!(run.count("deleted"), 1, "{}", run.stdout);
        Mirror::default().check(&server, &repo, rev);

        let expected = [
            ("GetObject", STATE),
            ("PutObject", STATE), // the claim
            ("PutObject", "index.html"),
            ("PutObject", "new/page.html"),
            ("DeleteObjects", ""), // img/logo.png, in one request for them all
            ("PutObject", STATE),  // the new revision
        ];
        let mut sorted_ops = ops.clone();
        sorted_ops[2..4].sort();
        assert_eq!(
            sorted_ops,
            expected.map(|(op, key)| (op.to_owned(), key.to_owned())),
            "the state is read and claimed first, uploads go before deletes, and the state is written last"
        );
    }
}

#[test]
fn a_deleted_folder_deletes_every_file_it_held() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        sample(&repo);
        repo.write("docs/a.txt", "a\n");
        repo.write("docs/deep/b.txt", "b\n");
        repo.commit("more docs");
        publish(&server, &repo, &[]);

        repo.svn(&["rm", "-q", "docs"]);
        let rev = repo.commit("remove docs");
        let run = publish(&server, &repo, &[]);
        assert_eq!(run.count("deleted"), 3, "{}", run.stdout);
        Mirror::default().check(&server, &repo, rev);
    }
}

#[test]
fn a_moved_folder_is_published_at_its_new_path() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        sample(&repo);
        publish(&server, &repo, &[]);

        repo.svn(&["mv", "-q", "docs", "manual"]);
        let rev = repo.commit("move docs");
        let run = publish(&server, &repo, &[]);
        assert_eq!(run.count("uploaded"), 1, "{}", run.stdout);
        assert_eq!(run.count("deleted"), 1, "{}", run.stdout);
        Mirror::default().check(&server, &repo, rev);
        assert!(server.objects().contains_key("manual/deep/er/notes.txt"));
    }
}

#[test]
fn gzip_twins_are_named_before_the_extension_and_go_with_their_file() {
    let (repo, server) = (Repo::new(), Server::start());
    let rev = sample(&repo);
    publish(&server, &repo, &["--gzip"]);
    let twins = &[".css", ".js", ".mjs", ".json", ".svg"];
    Mirror {
        twins,
        ..Mirror::default()
    }
    .check(&server, &repo, rev);

    let objects = server.objects();
    let twin = &objects["css/site.gz.css"];
    assert_eq!(twin.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(twin.content_type.as_deref(), Some("text/css"));
    assert_eq!(gunzip(&twin.body), b"body { color: red }\n");
    assert!(objects.contains_key("js/app.min.gz.js"));
    assert_eq!(objects["css/site.css"].content_encoding, None);

    repo.svn(&["rm", "-q", "css/site.css"]);
    let rev = repo.commit("drop the stylesheet");
    publish(&server, &repo, &["--gzip"]);
    Mirror {
        twins,
        ..Mirror::default()
    }
    .check(&server, &repo, rev);
    assert!(!server.objects().contains_key("css/site.gz.css"));
}

#[test]
fn brotli_twins_are_named_before_the_extension_and_go_with_their_file() {
    let (repo, server) = (Repo::new(), Server::start());
    let css = "body { color: black; }\n".repeat(50);
    repo.write("css/site.css", &css);
    repo.write("js/app.min.js", "console.log(1);\n");
    repo.write("img/logo.png", [0x89, b'P', b'N', b'G']);
    let rev = repo.commit("assets");
    publish(&server, &repo, &["--brotli", "--gzip"]);
    let mirror = Mirror {
        twins: &[".css", ".js"],
        brotli: &[".css", ".js"],
        ..Mirror::default()
    };
    mirror.check(&server, &repo, rev);

    let twin = &server.get(&["css/site.br.css".to_owned()])["css/site.br.css"];
    assert_eq!(twin.content_encoding.as_deref(), Some("br"));
    assert_eq!(twin.content_type.as_deref(), Some("text/css"));
    assert!(
        twin.body.len() < css.len() / 10,
        "{} bytes",
        twin.body.len()
    );
    let wc = repo.wc.to_str().unwrap();
    run_svn2s3(&server, &["verify", wc, "--brotli", "--gzip"]).expect(0);

    repo.svn(&["rm", "-q", "css/site.css"]);
    let rev = repo.commit("no css");
    publish(&server, &repo, &["--brotli", "--gzip"]);
    mirror.check(&server, &repo, rev);
}

#[test]
fn svn_mime_type_sets_the_content_type_and_a_property_change_reuploads() {
    let (repo, server) = (Repo::new(), Server::start());
    sample(&repo);
    repo.svn(&[
        "propset",
        "-q",
        "svn:mime-type",
        "application/x-custom",
        "img/logo.png",
    ]);
    repo.commit("type the logo");
    publish(&server, &repo, &[]);
    let objects = server.objects();
    assert_eq!(
        objects["img/logo.png"].content_type.as_deref(),
        Some("application/x-custom")
    );
    assert_eq!(
        objects["index.html"].content_type.as_deref(),
        Some("text/html")
    );

    repo.svn(&[
        "propset",
        "-q",
        "svn:mime-type",
        "image/png",
        "img/logo.png",
    ]);
    let rev = repo.commit("retype the logo");
    let run = publish(&server, &repo, &[]);
    assert_eq!(run.count("uploaded"), 1, "{}", run.stdout);
    assert_eq!(
        server.objects()["img/logo.png"].content_type.as_deref(),
        Some("image/png")
    );
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn publishing_again_with_nothing_new_only_reads_the_state() {
    let (repo, server) = (Repo::new(), Server::start());
    let rev = sample(&repo);
    publish(&server, &repo, &[]);
    let before = server.requests().len();
    let run = publish(&server, &repo, &[]);
    assert!(run.stdout.contains("nothing to publish"), "{}", run.stdout);
    let ops: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.op.clone())
        .collect();
    assert_eq!(ops, ["GetObject"]);
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn a_dry_run_writes_nothing_and_says_what_it_would_do() {
    let (repo, server) = (Repo::new(), Server::start());
    let rev = sample(&repo);
    publish(&server, &repo, &[]);
    repo.write("index.html", "changed\n");
    repo.svn(&["rm", "-q", "empty.txt"]);
    repo.commit("change");

    let before = server.requests().len();
    let run = publish(&server, &repo, &["--dry-run"]);
    assert!(
        run.stdout.contains("upload index.html (8 B)\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("delete empty.txt\n"), "{}", run.stdout);
    assert!(run.stdout.contains("would publish"), "{}", run.stdout);
    let ops: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.op.clone())
        .collect();
    assert_eq!(ops, ["GetObject"], "a dry run only reads the state");
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn a_source_folder_publishes_under_the_prefix() {
    let (repo, server) = (Repo::new(), Server::start());
    sample(&repo);
    repo.write("svn2s3.yaml", "source: docs\nprefix: static\n");
    let rev = repo.commit("config");
    publish(&server, &repo, &[]);
    Mirror {
        prefix: "static/",
        folder: "docs",
        ..Mirror::default()
    }
    .check(&server, &repo, rev);
    let state =
        String::from_utf8(server.objects()["static/.svn2s3/state.yaml"].body.clone()).unwrap();
    assert!(state.contains("path: docs\n"), "{state}");
}

#[test]
fn a_local_modification_is_refused_and_nothing_is_written() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let rev = sample(&repo);
        publish(&server, &repo, &[]);
        repo.write("index.html", "v2\n");
        repo.commit("v2");
        repo.write("index.html", "uncommitted\n");

        let before = server.requests().len();
        let wc = repo.wc.to_str().unwrap();
        let run = run_svn2s3(&server, &["publish", wc]);
        run.expect(2);
        assert!(
            run.stderr.contains("index.html (locally modified)"),
            "{}",
            run.stderr
        );
        assert_eq!(
            run.stderr.trim().lines().count(),
            1,
            "one line: {}",
            run.stderr
        );
        assert!(server.requests()[before..]
            .iter()
            .all(|r| r.op == "GetObject"));
        Mirror::default().check(&server, &repo, rev);
    }
}

#[test]
fn a_local_edit_to_a_file_not_being_published_is_harmless() {
    let (repo, server) = (Repo::new(), Server::start());
    sample(&repo);
    publish(&server, &repo, &[]);
    repo.write("index.html", "v2\n");
    let rev = repo.commit("v2");
    repo.write("css/site.css", "local experiment\n");
    publish(&server, &repo, &[]);
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn excluded_files_are_neither_published_nor_checked() {
    let (repo, server) = (Repo::new(), Server::start());
    sample(&repo);
    repo.write("art/poster.psd", "layers v1\n");
    repo.write("svn2s3.yaml", "exclude: ['*.psd', 'svn2s3.yaml']\n");
    repo.commit("art");
    repo.write("art/poster.psd", "an edit in progress\n");
    publish(&server, &repo, &[]);

    repo.svn(&["revert", "-q", "art/poster.psd"]);
    repo.write("art/poster.psd", "layers v2\n");
    repo.write("index.html", "v2\n");
    let rev = repo.commit("v2");
    repo.write("art/poster.psd", "another edit in progress\n");
    publish(&server, &repo, &[]);

    let mut objects = server.objects();
    assert!(objects.remove("art/poster.psd").is_none());
    assert!(objects.remove("svn2s3.yaml").is_none());
    let mut exported = repo.export(rev, "");
    exported.remove("art/poster.psd");
    exported.remove("svn2s3.yaml");
    assert_eq!(objects["index.html"].body, exported["index.html"]);
    let published: Vec<&String> = objects.keys().filter(|k| *k != STATE).collect();
    assert_eq!(published, exported.keys().collect::<Vec<_>>());
}

#[test]
fn a_changed_file_at_another_revision_is_refused_and_nothing_is_written() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let rev = sample(&repo);
        publish(&server, &repo, &[]);
        repo.write("index.html", "v2\n");
        repo.write("css/site.css", "body { color: blue }\n");
        repo.commit("v2");
        // index.html is in the change, but back at the published revision.
        repo.svn(&["update", "-q", "-r", &rev.to_string(), "index.html"]);

        let wc = repo.wc.to_str().unwrap();
        let run = run_svn2s3(&server, &["publish", wc]);
        run.expect(2);
        assert!(
            run.stderr
                .contains(&format!("index.html (at r{rev}); run `svn update`")),
            "{}",
            run.stderr
        );
        Mirror::default().check(&server, &repo, rev);
    }
}

#[test]
fn after_a_commit_without_update_the_folders_revision_is_published() {
    let (repo, server) = (Repo::new(), Server::start());
    let rev = sample(&repo);
    publish(&server, &repo, &[]);
    repo.write("index.html", "v2\n");
    repo.svn(&["commit", "-q", "-m", "v2 without update"]);

    // The folder is still at `rev`: nothing of it changed, and the bucket
    // keeps the bytes of `rev`, not those of the newer index.html.
    let wc = repo.wc.to_str().unwrap();
    let run = run_svn2s3(&server, &["publish", wc]);
    run.expect(0);
    assert!(run.stdout.contains("nothing to publish"), "{}", run.stdout);
    Mirror::default().check(&server, &repo, rev);

    repo.svn(&["update", "-q"]);
    let run = run_svn2s3(&server, &["publish", wc]);
    run.expect(0);
    assert_eq!(run.count("uploaded"), 1, "{}", run.stdout);
    Mirror::default().check(&server, &repo, rev + 1);
}

#[test]
fn more_deletes_than_max_delete_are_refused() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let rev = sample(&repo);
        publish(&server, &repo, &[]);
        repo.svn(&["rm", "-q", "odd names"]);
        repo.commit("remove three");

        let wc = repo.wc.to_str().unwrap();
        let run = run_svn2s3(&server, &["publish", wc, "--max-delete", "2"]);
        run.expect(2);
        assert!(
            run.stderr.contains("refusing to delete 3 objects"),
            "{}",
            run.stderr
        );
        Mirror::default().check(&server, &repo, rev);
    }
}

#[test]
fn full_repairs_what_was_changed_behind_its_back() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let rev = sample(&repo);
        publish(&server, &repo, &[]);
        server.put("stray/extra.txt", b"not in svn");
        server.put("index.html", b"overwritten");

        publish(&server, &repo, &["--full"]);
        Mirror::default().check(&server, &repo, rev);
    }
}

#[test]
fn a_publish_cut_off_half_way_leaves_the_state_and_a_rerun_converges() {
    let (repo, server) = (Repo::new(), Server::start());
    sample(&repo);
    publish(&server, &repo, &[]);
    for i in 0..300 {
        repo.write(&format!("bulk/file-{i:03}.txt"), format!("{i}\n"));
    }
    let rev = repo.commit("300 files");

    let puts = |server: &Server| {
        server
            .requests()
            .iter()
            .filter(|r| r.op == "PutObject")
            .count()
    };
    let before = puts(&server);
    let wc = repo.wc.to_str().unwrap();
    // The store stops answering after ten of the 300 uploads, then goes away.
    let proxy = Proxy::answering(server.port, Answer::HoldUploadsAfter(10));
    let child = svn2s3_at(&proxy.endpoint(), &["publish", wc, "--workers", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while proxy.held() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the publish never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    drop(proxy);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("publish incomplete"), "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
    // The claim, then ten uploads: the store took nothing else.
    assert_eq!(puts(&server), before + 11);

    let state = String::from_utf8(server.objects()[STATE].body.clone()).unwrap();
    assert!(
        state.contains(&format!("revision: {}\n", rev - 1)),
        "{state}"
    );
    publish(&server, &repo, &[]);
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn a_large_file_is_sent_in_parts_with_its_headers() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let big: Vec<u8> = (0..20 * 1024 * 1024 + 17)
            .map(|i: u32| (i % 251) as u8)
            .collect();
        repo.write("video/clip.mp4", &big);
        let rev = repo.commit("a 20 MiB file");
        publish(&server, &repo, &[]);

        let ops: Vec<String> = server.requests().iter().map(|r| r.op.clone()).collect();
        assert!(ops.contains(&"CreateMultipartUpload".to_owned()), "{ops:?}");
        assert_eq!(
            ops.iter().filter(|op| *op == "UploadPart").count(),
            3,
            "{ops:?}"
        );
        assert!(
            ops.contains(&"CompleteMultipartUpload".to_owned()),
            "{ops:?}"
        );
        let object = &server.objects()["video/clip.mp4"];
        assert_eq!(object.content_type.as_deref(), Some("video/mp4"));
        Mirror::default().check(&server, &repo, rev);
    }
}

#[test]
fn a_bucket_holding_another_repository_is_refused() {
    for store in Store::BOTH {
        let (first, second, server) = (Repo::new(), Repo::new(), Server::of(store));
        let rev = sample(&first);
        publish(&server, &first, &[]);
        sample(&second);

        let run = run_svn2s3(&server, &["publish", second.wc.to_str().unwrap()]);
        run.expect(2);
        assert!(
            run.stderr.contains("holds a publish of repository"),
            "{}",
            run.stderr
        );
        Mirror::default().check(&server, &first, rev);
    }
}

#[test]
fn a_bucket_newer_than_the_working_copy_is_refused() {
    let (repo, server) = (Repo::new(), Server::start());
    sample(&repo);
    repo.write("index.html", "v2\n");
    let rev = repo.commit("v2");
    publish(&server, &repo, &[]);
    repo.svn(&["update", "-q", "-r", &(rev - 1).to_string()]);

    let run = run_svn2s3(&server, &["publish", repo.wc.to_str().unwrap()]);
    run.expect(2);
    assert!(
        run.stderr
            .contains(&format!("the bucket is at r{rev}, newer than")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("svn update"), "{}", run.stderr);
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn with_keep_removed_a_removed_file_stays_until_it_waited_then_goes() {
    for store in Store::BOTH {
        let server = Server::of(store);
        let repo = Repo::new();
        repo.write("index.html", "<h1>home</h1>\n");
        repo.write("old.css", "body {}\n");
        repo.commit("r1");
        let config = repo.wc.with_extension("yaml");
        std::fs::write(&config, "keep_removed: 1s\n").unwrap();
        let config = ["--config", config.to_str().unwrap()];
        publish(&server, &repo, &config);

        repo.svn(&["rm", "-q", "old.css"]);
        let rev = repo.commit("a stylesheet no page links to any more");
        let run = publish(&server, &repo, &config);
        assert!(
            run.stdout.contains("0 deleted, 1 waiting to be deleted"),
            "{}",
            run.stdout
        );
        assert!(
            server.listing().contains_key("old.css"),
            "kept for open pages"
        );
        let state = server.state().unwrap();
        assert!(state.contains("removed:\n  old.css: "), "{state}");
        verify(&server, &repo, &config).expect(0);
        let status = finish(repo.with_home(&mut svn2s3(
            &server,
            &[&["status", repo.wc.to_str().unwrap()], &config[..]].concat(),
        )));
        assert!(
            status
                .stdout
                .contains("removed:      1 object waiting to be deleted"),
            "{}",
            status.stdout
        );

        // Once it waited long enough, a publish with nothing else to do deletes it.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let run = publish(&server, &repo, &config);
        assert!(run.stdout.contains(", 1 deleted"), "{}", run.stdout);
        let state = server.state().unwrap();
        assert!(!state.contains("removed:"), "{state}");
        Mirror::default().check(&server, &repo, rev);
        verify(&server, &repo, &config).expect(0);

        // A state edited by hand cannot have a file of the revision deleted,
        // nor a key svn2s3 never writes.
        let edited = state.clone() + "removed:\n  index.html: 2000-01-01T00:00:00Z\n";
        server.put(".svn2s3/state.yaml", edited.as_bytes());
        publish(&server, &repo, &config);
        Mirror::default().check(&server, &repo, rev);
        assert!(!server.state().unwrap().contains("removed:"));
        let edited = state + "removed:\n  .svn2s3/manifest.gz: 2000-01-01T00:00:00Z\n";
        server.put(".svn2s3/state.yaml", edited.as_bytes());
        let wc = repo.wc.to_str().unwrap();
        let refused = finish(repo.with_home(&mut svn2s3(
            &server,
            &[&["publish", wc], &config[..]].concat(),
        )));
        assert_eq!(refused.code, 2, "{}", refused.stderr);
        assert!(
            refused
                .stderr
                .contains("\".svn2s3/manifest.gz\" was removed")
                && refused.stderr.contains("in the state folder"),
            "{}",
            refused.stderr
        );
    }
}

#[test]
fn the_storage_class_and_encryption_are_set_on_every_object_and_a_change_rewrites_them() {
    let server = Server::of(Store::Moto);
    let repo = Repo::new();
    repo.write("index.html", "<h1>home</h1>\n");
    repo.write("css/site.css", "body {}\n");
    let rev = repo.commit("r1");
    let config = repo.wc.with_extension("yaml");
    let settings = |class: &str| format!("storage_class: {class}\nsse: AES256\ngzip: true\n");
    std::fs::write(&config, settings("STANDARD_IA")).unwrap();
    let config = ["--config", config.to_str().unwrap()];
    publish(&server, &repo, &config);
    let stored = |class: &str| (Some(class.to_owned()), Some("AES256".to_owned()));
    for key in ["index.html", "css/site.css", "css/site.gz.css"] {
        assert_eq!(server.stored_as(key), stored("STANDARD_IA"), "{key}");
    }
    verify(&server, &repo, &config).expect(0);

    // Another class: every object is rewritten in place.
    std::fs::write(config[1], settings("ONEZONE_IA")).unwrap();
    let run = publish(&server, &repo, &config);
    assert!(
        run.stdout.contains("storage class, encryption or checksum")
            && run.stdout.contains("3 rewritten"),
        "{}",
        run.stdout
    );
    for key in ["index.html", "css/site.css", "css/site.gz.css"] {
        assert_eq!(server.stored_as(key), stored("ONEZONE_IA"), "{key}");
    }
    verify(&server, &repo, &config).expect(0);

    // A header rule stores its files (twins included) its own way; only
    // they are rewritten.
    let rule = "headers:\n  - match: '*.css'\n    storage_class: GLACIER_IR\n";
    std::fs::write(config[1], settings("ONEZONE_IA") + rule).unwrap();
    let run = publish(&server, &repo, &config);
    assert!(run.stdout.contains("2 rewritten"), "{}", run.stdout);
    assert_eq!(server.stored_as("index.html"), stored("ONEZONE_IA"));
    for key in ["css/site.css", "css/site.gz.css"] {
        assert_eq!(server.stored_as(key), stored("GLACIER_IR"), "{key}");
    }
    verify(&server, &repo, &config).expect(0);
    Mirror {
        twins: &[".css"],
        ..Mirror::default()
    }
    .check(&server, &repo, rev);
}

//! A build folder (`--build`, `build:`): published whole, then at the cost
//! of its change whatever its files' times say, compared with the manifest
//! in the bucket rather than a listing; repaired by `--full`, finished
//! after a cut-off, adopted from a bucket another tool filled, verified.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tempfile::TempDir;

use crate::harness::*;
use crate::proxy::{put_of, Answer, Proxy};

const MANIFEST: &str = ".svn2s3/manifest.gz";

/// A folder as a site generator leaves it, and a folder to run svn2s3 from
/// (not a working copy, so that nothing says where the build came from).
struct Site {
    root: TempDir,
    cwd: TempDir,
}

impl Site {
    fn new() -> Site {
        let site = Site {
            root: tempfile::tempdir().unwrap(),
            cwd: tempfile::tempdir().unwrap(),
        };
        site.write("index.html", "<h1>home</h1>\n");
        site.write("css/site.css", "body { margin: 0 }\n");
        site.write("js/app.js", "console.log(1)\n");
        site.write("docs/a b.txt", "a\n");
        site.write("docs/old.txt", "old\n");
        site.write("img/c.png", [137u8, 80, 78, 71, 1, 2, 3]);
        for i in 0..20 {
            site.write(&format!("posts/{i:02}.html"), format!("<p>{i}</p>\n"));
        }
        site
    }

    fn dir(&self) -> &str {
        self.root.path().to_str().unwrap()
    }

    fn write(&self, path: &str, bytes: impl AsRef<[u8]>) {
        let at = self.root.path().join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, bytes).unwrap();
    }

    /// Writes every file again with the bytes it has, and times an hour
    /// ahead: a rebuild that changed nothing.
    fn rebuild(&self) {
        let later = SystemTime::now() + Duration::from_secs(3600);
        for (path, bytes) in self.files() {
            self.write(&path, &bytes);
            let file = std::fs::File::options()
                .write(true)
                .open(self.root.path().join(&path))
                .unwrap();
            file.set_modified(later).unwrap();
        }
    }

    /// Every file of the folder and its bytes, by path.
    fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        let mut folders = vec![self.root.path().to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    let key = path.strip_prefix(self.root.path()).unwrap();
                    files.insert(
                        key.to_str().unwrap().to_owned(),
                        std::fs::read(&path).unwrap(),
                    );
                }
            }
        }
        files
    }

    /// svn2s3 with `args`, publishing this folder to `endpoint` from a
    /// folder that is not a working copy.
    fn svn2s3(&self, endpoint: &str, args: &[&str]) -> std::process::Command {
        let mut command = svn2s3_at(endpoint, args);
        command
            .args(["--build", self.dir()])
            .current_dir(self.cwd.path());
        command
    }

    fn run(&self, server: &Server, args: &[&str]) -> Run {
        finish(&mut self.svn2s3(&server.endpoint(), args))
    }

    /// Asserts that the bucket holds exactly the folder's files (and the
    /// gzip twins of those ending in `twins`), and svn2s3's own objects.
    #[track_caller]
    fn check(&self, server: &Server, twins: &[&str]) {
        let mut objects = server.objects();
        assert!(objects.remove(STATE).is_some() && objects.remove(MANIFEST).is_some());
        let mut expected = BTreeMap::new();
        for (path, bytes) in self.files() {
            if let Some(ending) = twins.iter().find(|ending| path.ends_with(*ending)) {
                let twin = format!("{}.gz{ending}", path.strip_suffix(ending).unwrap());
                let object = objects.remove(&twin).unwrap_or_else(|| panic!("no {twin}"));
                assert_eq!(gunzip(&object.body), bytes, "{twin}");
                assert_eq!(object.content_encoding.as_deref(), Some("gzip"));
            }
            expected.insert(path, bytes);
        }
        let held: BTreeMap<String, Vec<u8>> = (objects.into_iter())
            .map(|(key, object)| (key, object.body))
            .collect();
        assert_eq!(held, expected);
    }
}

/// The keys of the requests `op` made since the `since`th, in order.
fn keys(server: &Server, since: usize, op: &str) -> Vec<String> {
    let requests = server.requests();
    let mut keys: Vec<String> = (requests[since..].iter())
        .filter(|request| request.op == op)
        .map(|request| request.key.clone())
        .collect();
    keys.sort();
    keys
}

/// The kinds of request made since the `since`th, each once, in order.
fn ops(server: &Server, since: usize) -> Vec<String> {
    let mut ops: Vec<String> = (server.requests()[since..].iter())
        .map(|request| request.op.clone())
        .filter(|op| op != "ListBuckets")
        .collect();
    ops.sort();
    ops.dedup();
    ops
}

#[test]
fn a_build_is_published_then_only_its_change_whatever_its_times_say() {
    for store in Store::BOTH {
        let (site, server) = (Site::new(), Server::of(store));
        let run = site.run(&server, &["publish", "--gzip"]);
        run.expect(0);
        assert!(run.stdout.contains("(first publish)"), "{}", run.stdout);
        assert_eq!(run.count("uploaded"), 28, "26 files and 2 twins");
        site.check(&server, &[".css", ".js"]);

        // A rebuild that wrote every file again with other times.
        site.rebuild();
        let before = server.requests().len();
        let run = site.run(&server, &["publish", "--gzip"]);
        run.expect(0);
        assert!(
            run.stdout.starts_with("nothing to publish"),
            "{}",
            run.stdout
        );
        assert_eq!(
            keys(&server, before, "GetObject"),
            [MANIFEST, STATE],
            "the state and the manifest, and nothing else"
        );
        assert_eq!(ops(&server, before), ["GetObject"], "{store:?}");

        // Two files change, one goes.
        site.write("css/site.css", "body { margin: 1em }\n");
        site.write("posts/07.html", "<p>seven, again</p>\n");
        std::fs::remove_file(site.root.path().join("docs/old.txt")).unwrap();
        let before = server.requests().len();
        let run = site.run(&server, &["publish", "--gzip", "--json"]);
        run.expect(0);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            (report["from"].as_u64(), report["to"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(
            report["build"]["folder"],
            site.root.path().canonicalize().unwrap().to_str().unwrap()
        );
        assert_eq!(
            keys(&server, before, "PutObject"),
            [
                MANIFEST,
                STATE,
                STATE,
                "css/site.css",
                "css/site.gz.css",
                "posts/07.html"
            ],
            "the claim, the change, the manifest and the state"
        );
        assert_eq!(
            ops(&server, before),
            ["DeleteObjects", "GetObject", "PutObject"],
            "no listing, no HEAD"
        );
        assert_eq!(keys(&server, before, "DeleteObjects").len(), 1, "one batch");
        site.check(&server, &[".css", ".js"]);
        let verify = site.run(&server, &["verify", "--gzip"]);
        verify.expect(0);
        assert!(verify.stdout.contains("matches"), "{}", verify.stdout);
        assert!(
            verify.stdout.contains("(build 2 holds it)"),
            "{}",
            verify.stdout
        );
    }
}

#[test]
fn full_repairs_what_the_manifest_cannot_see_and_a_manifest_not_the_states_is_refused() {
    let (site, server) = (Site::new(), Server::start());
    site.run(&server, &["publish"]).expect(0);
    // Deleted behind svn2s3's back: the manifest still names it.
    server.delete("index.html");
    let run = site.run(&server, &["publish"]);
    assert!(
        run.stdout.starts_with("nothing to publish"),
        "{}",
        run.stdout
    );
    let verify = site.run(&server, &["verify"]);
    verify.expect(1);
    assert!(
        verify.stdout.contains("missing index.html"),
        "{}",
        verify.stdout
    );
    let run = site.run(&server, &["publish", "--full"]);
    run.expect(0);
    assert_eq!(run.count("uploaded"), 1, "{}", run.stdout);
    assert_eq!(
        run.count("already"),
        25,
        "the rest is in place: {}",
        run.stdout
    );
    site.check(&server, &[]);

    // A manifest that is not the one the state names is not trusted.
    server.put(MANIFEST, b"written by someone else");
    let run = site.run(&server, &["publish"]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("the manifest .svn2s3/manifest.gz is not the one .svn2s3/state.yaml names")
            && run.stderr.contains("--full"),
        "{}",
        run.stderr
    );
    site.run(&server, &["publish", "--full"]).expect(0);
    site.write("index.html", "<h1>new home</h1>\n");
    let run = site.run(&server, &["publish"]);
    run.expect(0);
    assert_eq!(run.count("uploaded"), 1, "{}", run.stdout);
    site.check(&server, &[]);
}

#[test]
fn a_publish_cut_off_is_finished_by_the_next_even_where_the_build_went_back() {
    let (site, server) = (Site::new(), Server::start());
    site.run(&server, &["publish"]).expect(0);
    let first = site.files();
    // A build that changes ten pages, cut off after two of them.
    for i in 0..10 {
        site.write(
            &format!("posts/{i:02}.html"),
            format!("<p>{i}, changed</p>\n"),
        );
    }
    let proxy = Proxy::answering(server.port, Answer::HoldUploadsAfter(2));
    let child = site
        .svn2s3(&proxy.endpoint(), &["publish", "--workers", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while proxy.held() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the publish never got going"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(proxy);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = server.state().unwrap();
    assert!(
        state.contains("publishing:") && state.contains("- posts/09.html"),
        "{state}"
    );

    // The next build is the first again: what the cut-off publish wrote
    // must be written back, though the manifest says it is in place.
    for (path, bytes) in &first {
        site.write(path, bytes);
    }
    let run = site.run(&server, &["publish"]);
    run.expect(0);
    assert_eq!(run.count("uploaded"), 10, "{}", run.stdout);
    site.check(&server, &[]);
    let state = server.state().unwrap();
    assert!(
        !state.contains("publishing:") && state.contains("number: 2"),
        "{state}"
    );
}

#[test]
fn a_bucket_filled_by_another_tool_is_adopted_and_a_stray_left_alone() {
    for store in Store::BOTH {
        let (site, server) = (Site::new(), Server::of(store));
        for (path, bytes) in site.files() {
            let content_type = match path.rsplit_once('.').map(|(_, ext)| ext) {
                Some("html") => "text/html",
                Some("css") => "text/css",
                Some("js") => "text/javascript",
                Some("png") => "image/png",
                _ => "text/plain",
            };
            match path.as_str() {
                "index.html" => server.put_typed(&path, b"stale", content_type),
                _ => server.put_typed(&path, &bytes, content_type),
            }
        }
        server.put("stray.txt", b"not the build's");
        let before = server.requests().len();
        let run = site.run(&server, &["publish"]);
        run.expect(0);
        assert_eq!(run.count("uploaded"), 1, "{}", run.stdout);
        assert!(
            run.stderr
                .contains("holds 1 object the build does not have, left alone"),
            "{}",
            run.stderr
        );
        let puts = keys(&server, before, "PutObject");
        assert_eq!(puts, [MANIFEST, STATE, STATE, "index.html"], "{store:?}");
        server.delete("stray.txt");
        site.check(&server, &[]);
    }
}

#[test]
fn a_build_in_a_working_copys_settings_says_what_it_was_built_from() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("src/index.md", "# home\n");
    repo.write(
        "svn2s3.yaml",
        "bucket: media\ntargets:\n  site:\n    build: out\n    prefix: site/\n",
    );
    let rev = repo.commit("sources and settings");
    // The generator's output, beside the sources, not under version control.
    std::fs::create_dir(repo.wc.join("out")).unwrap();
    std::fs::write(repo.wc.join("out/index.html"), "<h1>home</h1>\n").unwrap();
    let wc = repo.wc.to_str().unwrap();
    let run = finish(svn2s3(&server, &["publish", wc, "--target", "site"]).arg("--json"));
    run.expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // A target's report is one of a list.
    assert_eq!(
        report[0]["build"]["built_from"]["revision"].as_u64(),
        Some(rev)
    );
    let status = finish(&mut svn2s3(&server, &["status", wc, "--target", "site"]));
    status.expect(0);
    assert!(
        status
            .stdout
            .contains("published:    build 1 (1 object) at s3://media/site/")
            && status
                .stdout
                .contains(&format!(", built from r{rev} of file://")),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("pending:      0 uploads, 0 deletes"),
        "{}",
        status.stdout
    );
    let listing: Vec<String> = server.listing().into_keys().collect();
    assert_eq!(
        listing,
        [
            "site/.svn2s3/manifest.gz",
            "site/.svn2s3/state.yaml",
            "site/index.html"
        ]
    );
}

#[test]
fn what_a_build_cannot_publish_is_refused_before_anything_is_written() {
    let (site, server) = (Site::new(), Server::start());
    let refused = |args: &[&str], said: &str| {
        let before = server.requests().len();
        let run = site.run(&server, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(said), "{args:?}: {}", run.stderr);
        assert_eq!(keys(&server, before, "PutObject"), Vec::<String>::new());
    };
    refused(
        &["publish", "--rollback"],
        "--rollback publishes an older revision",
    );
    refused(
        &["publish", "svn://example.com/repo"],
        "not a repository URL",
    );
    site.write(".svn2s3/state.yaml", "uuid: evil\n");
    refused(&["publish"], "svn2s3 keeps its state in .svn2s3/ folders");
    std::fs::remove_dir_all(site.root.path().join(".svn2s3")).unwrap();
    site.write("css/site.gz.css", "not a twin");
    refused(
        &["publish", "--gzip"],
        "is named as the gzip twin of css/site.css",
    );
    std::fs::remove_file(site.root.path().join("css/site.gz.css")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(site.root.path().join("docs/pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    refused(
        &["publish"],
        "docs/pipe (neither a file, a folder nor a symbolic link)",
    );
    std::fs::remove_file(site.root.path().join("docs/pipe")).unwrap();
    let gone = Site {
        root: tempfile::tempdir().unwrap(),
        cwd: tempfile::tempdir().unwrap(),
    };
    let missing: PathBuf = gone.root.path().join("nothing here");
    let run = finish(
        svn2s3(&server, &["publish", "--build", missing.to_str().unwrap()])
            .current_dir(gone.cwd.path()),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("the build folder"), "{}", run.stderr);

    // A tree's publish and a build's do not share a prefix.
    let repo = Repo::new();
    repo.write("a.txt", "a\n");
    repo.commit("a");
    publish(&server, &repo, &[]);
    refused(
        &["publish"],
        "not of a build folder; publish the build under another --prefix",
    );
    let wc = repo.wc.to_str().unwrap();
    site.run(&server, &["publish", "--prefix", "built/"])
        .expect(0);
    let run = finish(&mut svn2s3(&server, &["publish", wc, "--prefix", "built/"]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("holds a build folder's publish"),
        "{}",
        run.stderr
    );
    assert!(Path::new(site.dir()).is_dir());
}

#[test]
fn a_rebuild_writes_its_pages_after_the_rest_and_deletes_last() {
    let (site, server) = (Site::new(), Server::start());
    site.run(&server, &["publish", "--gzip"]).expect(0);
    site.write("index.html", "<h1>new home</h1>\n");
    site.write("posts/03.html", "<p>three</p>\n");
    site.write("css/site.css", "body { margin: 1em }\n");
    site.write("js/app.js", "console.log(2)\n");
    std::fs::remove_file(site.root.path().join("docs/old.txt")).unwrap();

    // Every request takes 50 ms: a request that began after another ended
    // is plainly apart from those that ran beside it.
    let proxy = Proxy::answering(server.port, Answer::Delay(Duration::from_millis(50)));
    finish(&mut site.svn2s3(&proxy.endpoint(), &["publish", "--gzip"])).expect(0);
    let seen = proxy.seen();
    let put = |path: &str| put_of(&seen, path);
    let assets = [
        "css/site.css",
        "css/site.gz.css",
        "js/app.js",
        "js/app.gz.js",
    ];
    let last_asset = assets.iter().map(|path| put(path).ended.unwrap()).max();
    let pages = ["index.html", "posts/03.html"].map(put);
    assert!(
        pages.iter().all(|page| Some(page.began) >= last_asset),
        "the pages wait for the stylesheet and the script: {seen:#?}"
    );
    let delete = seen.iter().find(|s| s.method == "POST").unwrap();
    assert!(pages.iter().all(|page| page.ended.unwrap() <= delete.began));
    site.check(&server, &[".css", ".js"]);
}

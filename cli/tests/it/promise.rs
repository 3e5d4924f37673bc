//! The promise under every feature: the published revision moves only when
//! the bucket holds exactly that revision, and `verify` says so truthfully.
//! Each test here is a case that once broke it, tried as a hostile committer
//! or a careless user would, on the server where it showed: moto for keys,
//! redirects and prefixes, s3s-fs for signatures.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;

use crate::harness::*;

fn mirror(list: &[(&str, &str)]) -> Mirror<'static> {
    Mirror {
        redirects: redirects(list),
        ..Mirror::default()
    }
}

fn wc(repo: &Repo) -> &str {
    repo.wc.to_str().unwrap()
}

#[test]
fn a_committed_file_under_svn2s3_never_replaces_the_state_object() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("index.html", "home\n");
    let r1 = repo.commit("r1");
    publish(&server, &repo, &[]);
    // A state object with a claim that would lapse in 9999, committed.
    let hostile = "uuid: x\npath: ''\nversion: 0.2.0\npublishing:\n  revisions: [9]\n  \
                   host: elsewhere\n  pid: 1\n  started_at: 2026-01-01T00:00:00Z\n  \
                   until: 9999-12-31T23:59:59Z\n";
    repo.write(".svn2s3/state.yaml", hostile);
    repo.commit("a state object, committed");
    let named = ".svn2s3/state.yaml: svn2s3 keeps its state in .svn2s3/ folders, where no file \
                 of the tree is written; leave it out of the publish with `exclude: \
                 [\".svn2s3/**\"]`";
    refused(
        &server,
        &mut svn2s3(&server, &["publish", wc(&repo)]),
        named,
    );
    refused(
        &server,
        &mut svn2s3(&server, &["publish", wc(&repo), "--dry-run"]),
        named,
    );
    assert_eq!(server.published(), Some(r1));
    // A first publish, and one deeper down.
    let fresh = Server::moto();
    refused(&fresh, &mut svn2s3(&fresh, &["publish", wc(&repo)]), named);
    repo.write("docs/.svn2s3/state.yaml", hostile);
    repo.commit("another, deeper");
    // With the top one excluded, the deeper one alone is refused.
    let top = repo.wc.join("../top.yaml");
    std::fs::write(&top, "exclude: [\".svn2s3/**\"]\n").unwrap();
    let top = [
        "publish",
        wc(&repo),
        "--full",
        "--config",
        top.to_str().unwrap(),
    ];
    refused(
        &server,
        &mut svn2s3(&server, &top),
        "docs/.svn2s3/state.yaml: svn2s3 keeps its state",
    );

    // Excluded, the rest is published, and the state is svn2s3's own.
    let config = repo.wc.join("../publish.yaml");
    std::fs::write(&config, "exclude: [\".svn2s3/**\", \"docs/.svn2s3/**\"]\n").unwrap();
    let config = config.to_str().unwrap();
    let r4 = {
        repo.write("index.html", "home, again\n");
        repo.commit("r4")
    };
    publish(&server, &repo, &["--config", config]);
    let state = server.state().unwrap();
    assert!(state.contains(&format!("\nrevision: {r4}\n")), "{state}");
    assert!(!state.contains("9999"), "{state}");
    let keys: Vec<String> = server.listing().into_keys().collect();
    assert_eq!(keys, [STATE, "index.html"]);
    verify(&server, &repo, &["--config", config]).expect(0);
}

#[test]
fn a_file_moved_away_and_added_again_keeps_its_new_bytes_not_a_redirect() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("old.txt", "old\n");
    repo.write("d/x.txt", "x\n");
    repo.write("d/y.txt", "y\n");
    repo.commit("r1");
    publish(&server, &repo, &["--redirects"]);

    // In one commit.
    repo.svn(&["mv", "-q", "old.txt", "new.txt"]);
    repo.write("old.txt", "fresh\n");
    repo.svn(&["add", "-q", "old.txt"]);
    let r2 = repo.commit("move, then add the old name again");
    publish(&server, &repo, &["--redirects"]);
    mirror(&[]).check(&server, &repo, r2);
    verify(&server, &repo, &["--redirects"]).expect(0);

    // Across two commits of one range.
    repo.svn(&["mv", "-q", "new.txt", "newer.txt"]);
    repo.commit("move");
    repo.write("new.txt", "fresher\n");
    let r4 = repo.commit("add the old name again");
    publish(&server, &repo, &["--redirects"]);
    mirror(&[]).check(&server, &repo, r4);

    // A folder moved, and a file added again under its old name.
    repo.svn(&["mv", "-q", "d", "e"]);
    repo.write("d/x.txt", "x, again\n");
    let r5 = repo.commit("a folder moved, one file back");
    publish(&server, &repo, &["--redirects"]);
    mirror(&[("d/y.txt", "/e/y.txt")]).check(&server, &repo, r5);
    verify(&server, &repo, &["--redirects"]).expect(0);
}

#[test]
fn a_move_beside_a_copy_of_its_folder_that_drops_it_leaves_its_redirect() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("js/a/x/f.js", "f()\n");
    repo.write("js/a/g.js", "g()\n");
    repo.commit("r1");
    publish(&server, &repo, &["--redirects"]);
    repo.svn(&["cp", "-q", "js/a", "js/b"]);
    repo.svn(&["rm", "-q", "js/b/x/f.js"]);
    repo.svn(&["mkdir", "-q", "js/c"]);
    repo.svn(&["mv", "-q", "js/a/x/f.js", "js/c/f.js"]);
    let r2 = repo.commit("copy a folder, drop a file from the copy, move the original");
    publish(&server, &repo, &["--redirects"]);
    mirror(&[("js/a/x/f.js", "/js/c/f.js")]).check(&server, &repo, r2);
    verify(&server, &repo, &["--redirects"]).expect(0);
}

#[test]
fn a_symlinks_redirect_follows_its_target_and_goes_with_it() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("a.js", "a()\n");
    repo.write("img/p.png", "png\n");
    symlink("a.js", repo.wc.join("l.css")).unwrap();
    symlink("img", repo.wc.join("pics")).unwrap();
    let r1 = repo.commit("links");
    publish(&server, &repo, &["--redirects"]);
    mirror(&[("l.css", "/a.js"), ("pics", "/img/")]).check(&server, &repo, r1);

    repo.svn(&["mv", "-q", "a.js", "z.js"]);
    let r2 = repo.commit("the link's target moves");
    publish(&server, &repo, &["--redirects"]);
    mirror(&[("a.js", "/z.js"), ("l.css", "/z.js"), ("pics", "/img/")]).check(&server, &repo, r2);

    repo.svn(&["rm", "-q", "z.js"]);
    let r3 = repo.commit("the link's target goes");
    let run = publish(&server, &repo, &["--redirects"]);
    assert!(
        run.stdout
            .contains("skipped l.css: a symbolic link to nothing published"),
        "{}",
        run.stdout
    );
    mirror(&[("pics", "/img/")]).check(&server, &repo, r3);
    verify(&server, &repo, &["--redirects"]).expect(0);
}

#[test]
fn redirect_properties_that_loop_or_lead_nowhere_are_refused_before_any_write() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("index.html", "home\n");
    repo.write("a.html", "a\n");
    repo.write("b.html", "b\n");
    let r1 = repo.commit("r1");
    publish(&server, &repo, &[]);
    let set =
        |value: &str, path: &str| repo.svn(&["propset", "-q", "svn2s3:redirect", value, path]);
    let refuse = |names: &str| {
        refused(
            &server,
            &mut svn2s3(&server, &["publish", wc(&repo)]),
            names,
        );
        refused(
            &server,
            &mut svn2s3(&server, &["publish", wc(&repo), "--dry-run"]),
            names,
        );
    };

    set("/b.html", "a.html");
    set("a.html", "b.html");
    let r2 = repo.commit("a loop");
    refuse(&format!(
        "a.html: svn2s3:redirect \"/b.html\" is in a loop of redirects: a.html -> b.html -> a.html at r{r2}"
    ));
    set("a.html", "a.html");
    repo.svn(&["propdel", "-q", "svn2s3:redirect", "b.html"]);
    repo.commit("to itself");
    refuse("a.html: svn2s3:redirect \"a.html\" redirects to itself");
    set("gone.html", "a.html");
    repo.commit("to nothing");
    refuse("a.html: svn2s3:redirect \"gone.html\" leads to gone.html, which is not in the tree");
    assert_eq!(server.published(), Some(r1));

    // A chain leads to its end; when the end goes, the property is refused.
    set("/b.html", "a.html");
    set("index.html", "b.html");
    let r = repo.commit("a chain");
    publish(&server, &repo, &[]);
    let objects = server.objects();
    for key in ["a.html", "b.html"] {
        assert_eq!(
            objects[key].redirect.as_deref(),
            Some("/index.html"),
            "{key}"
        );
    }
    verify(&server, &repo, &[]).expect(0);
    repo.svn(&["rm", "-q", "index.html"]);
    repo.commit("the end of the chain goes");
    refuse("svn2s3:redirect \"/b.html\" leads to index.html, which is not in the tree");
    assert_eq!(server.published(), Some(r));
}

#[test]
fn a_first_publish_refuses_what_an_incremental_one_refuses_before_any_write() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("x/y.html", "y\n");
    repo.write("z.css", "z\n");
    repo.svn(&["add", "-q", "--force", "."]);
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:redirect",
        "../../x.html",
        "x/y.html",
    ]);
    repo.commit("a redirect out of the tree");
    let out = "x/y.html: svn2s3:redirect \"../../x.html\" leads outside the published folder";
    refused(&server, &mut svn2s3(&server, &["publish", wc(&repo)]), out);
    repo.svn(&["propdel", "-q", "svn2s3:redirect", "x/y.html"]);
    let value = repo.wc.join("../value");
    std::fs::write(&value, "max-age=60\r\nX-Evil: yes").unwrap();
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:cache-control",
        "-F",
        value.to_str().unwrap(),
        "z.css",
    ]);
    repo.commit("a header with CR/LF");
    refused(
        &server,
        &mut svn2s3(&server, &["publish", wc(&repo)]),
        "z.css: svn2s3:cache-control \"max-age=60\\r\\nX-Evil: yes\" holds the control character",
    );
    assert!(server.state().is_none());
}

#[test]
fn header_values_with_spaces_tabs_and_other_scripts_are_signed_and_stored_right() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("a.css", "a {}\n");
    repo.write("c.txt", "c\n");
    repo.write("b.pdf", "%PDF\n");
    let big: Vec<u8> = (0..9u32 << 20).map(|i| (i % 241) as u8).collect();
    repo.write("big.bin", &big);
    repo.svn(&["add", "-q", "--force", "."]);
    let set = |name: &str, value: &str, path: &str| repo.svn(&["propset", "-q", name, value, path]);
    set("svn2s3:cache-control", "public,  max-age=60", "a.css");
    set("svn2s3:cache-control", "public,\tmax-age=60", "c.txt");
    set("svn2s3:cache-control", "public,  max-age=60", "big.bin");
    set(
        "svn2s3:content-disposition",
        "attachment; filename=\"café menu.pdf\"",
        "b.pdf",
    );
    let r1 = repo.commit("headers");
    // s3s-fs checks every signature: it takes these only if they are right.
    publish(&server, &repo, &[]);
    Mirror::default().check(&server, &repo, r1);
    let objects = server.get(&[
        "a.css".into(),
        "c.txt".into(),
        "b.pdf".into(),
        "big.bin".into(),
    ]);
    assert_eq!(
        objects["a.css"].cache_control.as_deref(),
        Some("public,  max-age=60")
    );
    assert_eq!(
        objects["c.txt"].cache_control.as_deref(),
        Some("public, max-age=60")
    );
    assert_eq!(
        objects["big.bin"].cache_control.as_deref(),
        Some("public,  max-age=60")
    );
    assert_eq!(
        objects["b.pdf"].content_disposition.as_deref(),
        Some("attachment; filename=\"caf_ menu.pdf\"; filename*=UTF-8''caf%C3%A9%20menu.pdf")
    );
    verify(&server, &repo, &[]).expect(0);

    // A header rule with two spaces reaches the objects in place (CopyObject).
    let config = repo.wc.join("../rules.yaml");
    std::fs::write(
        &config,
        "headers:\n  - match: \"*.txt\"\n    content_language: \"en,  fr\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let run = publish(&server, &repo, &["--config", config]);
    assert!(run.stdout.contains("1 rewritten"), "{}", run.stdout);
    let objects = server.get(&["c.txt".into()]);
    assert_eq!(
        objects["c.txt"].content_language.as_deref(),
        Some("en,  fr")
    );
    verify(&server, &repo, &["--config", config]).expect(0);

    // Control characters and other scripts where HTTP has no room for them.
    set("svn2s3:content-language", "français", "c.txt");
    repo.commit("a language outside ASCII");
    refused(
        &server,
        &mut svn2s3(&server, &["publish", wc(&repo), "--config", config]),
        "c.txt: svn2s3:content-language \"français\" holds 'ç'; HTTP header values are ASCII",
    );
}

#[test]
fn a_publish_never_touches_the_prefix_of_another_publish_inside_its_own() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("a.txt", "a\n");
    repo.write("b/c.txt", "c\n");
    repo.commit("r1");
    publish(&server, &repo, &["--prefix", "outer"]);
    // A second config, in a prefix inside the first.
    publish(&server, &repo, &["--prefix", "outer/inner"]);
    let inner: BTreeMap<String, u64> = server
        .listing()
        .into_iter()
        .filter(|(key, _)| key.starts_with("outer/inner/"))
        .collect();
    assert_eq!(inner.len(), 3, "{inner:?}");

    let run = run_svn2s3(
        &server,
        &["publish", wc(&repo), "--prefix", "outer", "--full"],
    );
    run.expect(0);
    assert!(
        run.stderr.contains(
            "s3://media/outer/ holds another publish's state at \
             outer/inner/.svn2s3/state.yaml: 3 objects under outer/inner/ left alone"
        ),
        "{}",
        run.stderr
    );
    let after: BTreeMap<String, u64> = server
        .listing()
        .into_iter()
        .filter(|(key, _)| key.starts_with("outer/inner/"))
        .collect();
    assert_eq!(after, inner, "the inner publish was touched");
    verify(&server, &repo, &["--prefix", "outer"]).expect(0);

    // The inner publish told the outer one, in its state.
    let outer_state = "outer/.svn2s3/state.yaml".to_string();
    let state = server.get(std::slice::from_ref(&outer_state));
    let state = String::from_utf8_lossy(&state[&outer_state].body).into_owned();
    assert!(state.contains("\nnested:\n- outer/inner/\n"), "{state}");

    // A tree file that would land there is refused, by an incremental
    // publish as by --full.
    repo.write("inner/z.txt", "z\n");
    repo.commit("a folder named as the inner prefix");
    let named = "inner/z.txt would be written to outer/inner/z.txt, under outer/inner/, where \
                 another publish keeps its state";
    for full in [&[][..], &["--full"]] {
        let args = [&["publish", wc(&repo), "--prefix", "outer"], full].concat();
        refused(&server, &mut svn2s3(&server, &args), named);
    }

    // The other way round: the inner publish first, then the outer one,
    // whose first publish finds it in its listing.
    let other = Server::moto();
    repo.svn(&["rm", "-q", "inner"]);
    repo.commit("no such folder");
    publish(&other, &repo, &["--prefix", "outer/inner"]);
    publish(&other, &repo, &["--prefix", "outer"]);
    repo.write("inner/z.txt", "z\n");
    repo.commit("the folder again");
    refused(
        &other,
        &mut svn2s3(&other, &["publish", wc(&repo), "--prefix", "outer"]),
        named,
    );

    // An outer state this svn2s3 cannot read cannot be told: the inner
    // publish is refused rather than left to that publish's deletes.
    let third = Server::moto();
    third.put("outer/.svn2s3/state.yaml", b"uuid: [not, svn2s3's]\n");
    refused(
        &third,
        &mut svn2s3(&third, &["publish", wc(&repo), "--prefix", "outer/inner"]),
        "s3://media/outer/ holds outer/inner/, and cannot be told to leave it alone: \
         the state object outer/.svn2s3/state.yaml is not svn2s3's",
    );
    assert_eq!(third.listing().len(), 1);
}

#[test]
fn careless_settings_are_refused_in_one_line() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("index.html", "home\n");
    repo.commit("r1");
    for (args, said) in [
        (
            &["--prefix", "a//b"][..],
            "prefix \"a//b\" has an empty part (//); write each folder once",
        ),
        (
            &["--prefix", ".svn2s3"],
            "prefix \".svn2s3\" is inside a .svn2s3 folder",
        ),
        (
            &["--wait=9223372036854775807"],
            "9223372036854775807 is not in 0..=86400",
        ),
    ] {
        refused(
            &server,
            &mut svn2s3(&server, &[&["publish", wc(&repo)], args].concat()),
            said,
        );
    }
    repo.write(
        "svn2s3.yaml",
        format!(
            "bucket: {BUCKET}\nendpoint: {}\ntargets:\n  all: {{prefix: a}}\n  b: {{prefix: b}}\n",
            server.endpoint()
        ),
    );
    repo.commit("a target named all");
    let run = finish(&mut bare_svn2s3(&["publish", wc(&repo), "--target", "b"]));
    run.expect(2);
    assert!(
        run.stderr.contains("targets.all: `all` is reserved"),
        "{}",
        run.stderr
    );
}

#[test]
fn passwords_in_endpoint_and_repository_urls_are_never_shown() {
    let repo = Repo::new();
    repo.write("index.html", "home\n");
    repo.commit("r1");
    // An endpoint with user info is refused before any request, and is not
    // echoed, however its password is written.
    for endpoint in [
        "http://user:PASSWORD@127.0.0.1:9",
        "http:user:PASSWORD@127.0.0.1:9",
        "http://user:PASS WORD@127.0.0.1:9",
        "http://user:PASS/WORD@127.0.0.1:9",
        "http://127.0.0.1:9/path?token=PASSWORD",
    ] {
        for verbose in ["-q", "-v", "-vv"] {
            let run = finish(&mut bare_svn2s3(&[
                "publish",
                wc(&repo),
                "--bucket",
                BUCKET,
                "--endpoint",
                endpoint,
                verbose,
            ]));
            run.expect(2);
            let said = format!("{}{}", run.stdout, run.stderr);
            assert!(!said.contains("PASS"), "{endpoint}: {said}");
            assert!(
                said.starts_with("svn2s3: --endpoint: "),
                "{endpoint}: {said}"
            );
        }
    }
    // A repository URL's is redacted in what libsvn says of it.
    let run = finish(&mut bare_svn2s3(&[
        "status",
        "svn://alice:SECRET@127.0.0.1:9/repo",
        "--bucket",
        BUCKET,
        "--endpoint",
        "http://127.0.0.1:9",
    ]));
    run.expect(2);
    assert!(!run.stderr.contains("SECRET"), "{}", run.stderr);
    assert!(
        run.stderr.contains("svn://***@127.0.0.1:9/repo"),
        "{}",
        run.stderr
    );
}

/// When the claims planted here began, as their messages say.
const STARTED: &str = "2026-01-01T00:00:00Z";

#[test]
fn a_claim_svn2s3_never_writes_is_refused_and_unlock_releases_claims() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("index.html", "home\n");
    repo.commit("r1");
    publish(&server, &repo, &[]);
    let unlock = |args: &[&str]| run_svn2s3(&server, &[&["unlock", wc(&repo)], args].concat());
    let said = unlock(&[]);
    said.expect(0);
    assert_eq!(
        said.stdout.trim(),
        "s3://media/ holds no claim: nothing to unlock"
    );

    repo.write("index.html", "home, again\n");
    let r2 = repo.commit("r2");
    plant_claim(&server, r2, STARTED, "9999-12-31T23:59:59Z");
    refused(
        &server,
        &mut svn2s3(&server, &["publish", wc(&repo), "--wait=2"]),
        "the claim on s3://media/ is malformed (its lease ends 9999-12-31T23:59:59Z, further \
         ahead than svn2s3 ever writes): svn2s3 never writes such a claim; if no publish is \
         running, `svn2s3 unlock` releases it",
    );
    let said = unlock(&[]);
    said.expect(0);
    assert!(
        said.stdout.starts_with(&format!(
            "released the claim on s3://media/ of r{r2}, process 1 on elsewhere, started \
             2026-01-01T00:00:00Z"
        )),
        "{}",
        said.stdout
    );
    let state = server.state().unwrap();
    assert!(state.contains("history:\n- at: "), "{state}");
    assert!(
        state.contains(&format!("what: unlocked the claim of r{r2}")),
        "{state}"
    );
    // The claim stays, lapsed: the next publish takes over and repairs.
    publish(&server, &repo, &[]);
    Mirror::default().check(&server, &repo, r2);
    let state = server.state().unwrap();
    assert!(
        state.contains("history:") && !state.contains("publishing:"),
        "{state}"
    );

    // A claim that may still be held is released only with --force.
    plant_claim(&server, 3, STARTED, &from_now(600));
    let said = unlock(&[]);
    said.expect(2);
    assert!(
        said.stderr
            .contains("may still be held: r3, process 1 on elsewhere")
            && said.stderr.contains("`svn2s3 unlock --force` releases it"),
        "{}",
        said.stderr
    );
    unlock(&["--force"]).expect(0);
    assert!(server
        .state()
        .unwrap()
        .contains("what: unlocked with --force the claim of r3"));
    // Once its lease has ended, there is nothing to release, nor to note.
    let state = server.state();
    let said = unlock(&[]);
    said.expect(0);
    assert!(
        said.stdout.starts_with(
            "the claim on s3://media/ of r3, process 1 on elsewhere, started 2026-01-01T00:00:00Z \
             has lapsed already: nothing to unlock"
        ),
        "{}",
        said.stdout
    );
    assert_eq!(server.state(), state);
}

#[test]
fn a_state_too_big_or_from_a_newer_svn2s3_is_refused_saying_why() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("index.html", "home\n");
    repo.commit("r1");
    server.put(STATE, &vec![b'#'; 5 << 20]);
    refused(
        &server,
        &mut svn2s3(&server, &["publish", wc(&repo)]),
        ".svn2s3/state.yaml is 5.0 MiB or more, and svn2s3 reads at most 4.0 MiB of it: it is \
         not svn2s3's",
    );
    server.put(
        STATE,
        b"uuid: u\npath: ''\nrevision: 1\nversion: 99.0.0\nmanifest: {}\n",
    );
    refused(
        &server,
        &mut svn2s3(&server, &["publish", wc(&repo)]),
        "was written by svn2s3 99.0.0, newer than this one",
    );
}

#[test]
fn verify_tells_a_redirect_at_a_files_key_and_changed_headers() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("index.html", "home\n");
    repo.write("css/site.css", "body {}\n");
    repo.write("old.html", "old\n");
    repo.commit("r1");
    publish(&server, &repo, &["--redirects"]);
    repo.svn(&["mv", "-q", "old.html", "new.html"]);
    let r2 = repo.commit("a move");
    publish(&server, &repo, &["--redirects"]);
    verify(&server, &repo, &["--redirects"]).expect(0);

    server.put_redirect("index.html", "/new.html");
    server.put_typed("css/site.css", b"body {}\n", "text/plain");
    server.put_redirect("old.html", "/elsewhere.html");
    let run = verify(&server, &repo, &["--redirects"]);
    run.expect(1);
    for line in [
        "differs css/site.css (other headers)",
        "differs index.html (a redirect where the file belongs)",
        "differs old.html (a redirect that leads elsewhere)",
    ] {
        assert!(run.stdout.contains(line), "{line}:\n{}", run.stdout);
    }
    publish(&server, &repo, &["--redirects", "--full"]);
    verify(&server, &repo, &["--redirects"]).expect(0);
    mirror(&[("old.html", "/new.html")]).check(&server, &repo, r2);
}

#[test]
fn verify_is_not_fooled_by_other_bytes_under_svn2s3s_metadata() {
    let (repo, server) = (Repo::new(), Server::moto());
    let big: Vec<u8> = (0..9u32 << 20).map(|i| (i % 239) as u8).collect();
    repo.write("big.bin", &big);
    repo.commit("r1");
    publish(&server, &repo, &[]);
    verify(&server, &repo, &[]).expect(0);
    // The same size, other bytes, and the metadata of the file's MD5.
    let mut other = big.clone();
    other[5] ^= 1;
    let md5 = format!("{:x}", md5::compute(&big));
    server.put_claiming("big.bin", &other, &md5, &[]);
    let run = verify(&server, &repo, &[]);
    run.expect(1);
    assert!(
        run.stdout.contains("differs big.bin (other content)"),
        "{}",
        run.stdout
    );
}

#[test]
fn other_parts_under_svn2s3s_metadata_are_replaced_and_another_tools_twin_is_read() {
    let (repo, server) = (Repo::new(), Server::moto());
    let big: Vec<u8> = (0..9u32 << 20).map(|i| (i % 239) as u8).collect();
    let css = "body { color: red }\n".repeat(50);
    repo.write("big.bin", &big);
    repo.write("site.css", &css);
    let r1 = repo.commit("r1");
    publish(&server, &repo, &["--gzip"]);
    let mirror = Mirror {
        twins: &[".css"],
        ..Mirror::default()
    };
    // Other bytes in as many parts as svn2s3 sends, under the metadata of
    // the file's MD5: --full replaces them rather than taking them as
    // the file's.
    let mut other = big.clone();
    other[5] ^= 1;
    let md5 = format!("{:x}", md5::compute(&big));
    let etag = server.put_parts_claiming("big.bin", &other, &md5);
    assert!(etag.ends_with("-2"), "{etag}");
    let run = verify(&server, &repo, &["--gzip"]);
    run.expect(1);
    assert!(
        run.stdout.contains("differs big.bin (other content)"),
        "{}",
        run.stdout
    );
    let run = publish(&server, &repo, &["--gzip", "--full", "-v"]);
    assert!(run.stdout.contains("1 uploaded"), "{}", run.stdout);
    mirror.check(&server, &repo, r1);
    // The twin, as another gzip writes it: the same file, other bytes.
    let css_md5 = format!("{:x}", md5::compute(&css));
    let fast = gzip(css.as_bytes());
    let ours = &server.objects()["site.gz.css"];
    assert_ne!(fast, ours.body);
    let headers = [
        ("Content-Type", ours.content_type.as_deref().unwrap()),
        (
            "Content-Encoding",
            ours.content_encoding.as_deref().unwrap(),
        ),
    ];
    server.put_claiming("site.gz.css", &fast, &css_md5, &headers);
    verify(&server, &repo, &["--gzip"]).expect(0);
    // Another file's twin under the metadata of this one: other content.
    let forged = gzip(b"body { color: blue }\n");
    server.put_claiming("site.gz.css", &forged, &css_md5, &headers);
    let run = verify(&server, &repo, &["--gzip"]);
    run.expect(1);
    assert!(
        run.stdout.contains("differs site.gz.css (other content)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_keyword_file_touched_in_a_range_that_ends_where_it_began_is_published_again() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("notes.txt", "$Revision$\n");
    repo.write("other.txt", "other\n");
    repo.svn(&["add", "-q", "--force", "."]);
    repo.svn(&["propset", "-q", "svn:keywords", "Revision", "notes.txt"]);
    repo.commit("r1");
    publish(&server, &repo, &[]);
    // A property set, then taken away: the range's diff names nothing,
    // but the file's last-changed revision, and so its bytes, moved.
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:cache-control",
        "no-cache",
        "notes.txt",
    ]);
    repo.commit("r2");
    repo.svn(&["propdel", "-q", "svn2s3:cache-control", "notes.txt"]);
    repo.write("other.txt", "other, again\n");
    let r3 = repo.commit("r3");
    let run = publish(&server, &repo, &[]);
    assert!(run.stdout.contains("2 uploaded"), "{}", run.stdout);
    Mirror::default().check(&server, &repo, r3);
    verify(&server, &repo, &[]).expect(0);
}

#[test]
fn a_keyword_file_touched_in_a_range_is_refused_where_the_working_copy_holds_it_older() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("notes.txt", "$Revision$\n");
    repo.commit("r1");
    repo.svn(&["propset", "-q", "svn:keywords", "Revision", "notes.txt"]);
    let r2 = repo.commit("r2");
    publish(&server, &repo, &[]);
    repo.svn(&[
        "propset",
        "-q",
        "svn2s3:cache-control",
        "no-cache",
        "notes.txt",
    ]);
    // A file the range touched that is gone at its end has no keywords.
    repo.write("d/gone.txt", "gone\n");
    repo.commit("r3");
    repo.svn(&["propdel", "-q", "svn2s3:cache-control", "notes.txt"]);
    repo.svn(&["rm", "-q", "d"]);
    let r4 = repo.commit("r4");
    // r1's notes.txt has no keywords: the working copy must not say so
    // of r4's.
    repo.update(&repo.wc.join("notes.txt"), 1);
    let run = run_svn2s3(&server, &["publish", wc(&repo)]);
    run.expect(2);
    assert_eq!(server.published(), Some(r2));
    assert!(
        run.stderr.contains("1 path to publish is not") && run.stderr.contains("notes.txt (at r1)"),
        "{}",
        run.stderr
    );
    repo.svn(&["update", "-q"]);
    publish(&server, &repo, &[]);
    Mirror::default().check(&server, &repo, r4);
    assert_eq!(server.objects()["notes.txt"].body, b"$Revision: 4 $\n");
}

//! Publishing from hooks and CI: `--wait` for a publish under way, and the
//! post-commit hook `svn2s3 hook-script` prints, installed in a repository.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::harness::*;
use crate::proxy::{Answer, Proxy};

/// Writes into the state the claim of a publish of `rev` on another
/// machine, live for `seconds`.
fn plant_live_claim(server: &Server, rev: u64, seconds: u64) {
    plant_claim(server, rev, &from_now(0), &from_now(seconds));
}

fn two_revisions() -> Repo {
    let repo = Repo::new();
    repo.write("index.html", "home\n");
    repo.write("a/one.txt", "one\n");
    repo.commit("r1");
    repo.write("a/one.txt", "one, again\n");
    repo.write("a/two.txt", "two\n");
    repo.commit("r2");
    repo
}

/// Publishes r1 of `repo`, then updates its working copy to r2.
fn publish_r1(server: &Server, repo: &Repo) {
    repo.update(&repo.wc, 1);
    publish(server, repo, &[]);
    repo.update(&repo.wc, 2);
}

#[test]
fn with_wait_a_publish_waits_out_another_publishs_claim_then_publishes() {
    let repo = two_revisions();
    let server = Server::start();
    let wc = repo.wc.to_str().unwrap();
    publish_r1(&server, &repo);
    let unclaimed = server.state().unwrap();
    // A publish elsewhere holds the bucket, for an hour by its lease; it
    // ends only once this one says it is waiting, whatever the clock.
    plant_live_claim(&server, 2, 3600);

    let run = released_when_waiting(
        &mut svn2s3(&server, &["publish", wc, "--wait=120"]),
        &server,
        &unclaimed,
    );
    run.expect(0);
    assert!(run.stderr.contains("another publish"), "{}", run.stderr);
    assert!(run.stderr.contains("waiting"), "{}", run.stderr);
    assert!(run.stdout.contains("published r1 -> r2"), "{}", run.stdout);
    Mirror::default().check(&server, &repo, 2);
    assert!(!server.state().unwrap().contains("elsewhere"));
}

#[test]
fn a_wait_that_runs_out_is_refused_and_leaves_the_claim() {
    let repo = two_revisions();
    let server = Server::start();
    let wc = repo.wc.to_str().unwrap();
    publish_r1(&server, &repo);
    plant_live_claim(&server, 2, 3600);
    let claimed = server.state();

    let run = finish(&mut svn2s3(&server, &["publish", wc, "--wait=1"]));
    run.expect(2);
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("svn2s3: another publish"),
        "{}",
        run.stderr
    );
    assert!(last.contains("elsewhere"), "{last}");
    assert_eq!(server.state(), claimed, "the claim was touched");
    assert_eq!(server.published(), Some(1));
}

#[test]
fn two_publishes_started_at_once_with_wait_both_succeed_and_the_newer_wins() {
    let repo = two_revisions();
    let older = repo.checkout("at-r2");
    repo.write("a/one.txt", "one, third\n");
    repo.svn(&["rm", "-q", "index.html"]);
    let r3 = repo.commit("r3");
    let (older, newer) = (older.to_str().unwrap(), repo.wc.to_str().unwrap());

    let mut waited = 0;
    for round in 0..2 {
        let server = Server::start();
        // Every request waits a little, so that the two meet at the claim.
        let proxy = Proxy::answering(server.port, Answer::Delay(Duration::from_millis(150)));
        let order = if round == 0 {
            [older, newer]
        } else {
            [newer, older]
        };
        let spawn = |wc: &str| -> Child {
            svn2s3_at(&proxy.endpoint(), &["publish", wc, "--wait=120"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        for child in order.map(spawn) {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "round {round}: {stderr}");
            waited += usize::from(stderr.contains("waiting"));
        }
        assert_eq!(server.published(), Some(r3), "round {round}");
        Mirror::default().check(&server, &repo, r3);
    }
    assert!(waited > 0, "the two publishes never met");
}

/// Installs the hook `svn2s3 hook-script` prints in the repository at
/// `url`, with its settings and environment; the binary it runs is
/// `program`.
fn install_hook(url: &str, server: &Server, program: &Path) -> std::path::PathBuf {
    let hooks = Path::new(&percent_decode(url.strip_prefix("file://").unwrap())).join("hooks");
    let script = finish(&mut bare_svn2s3(&["hook-script"]))
        .expect(0)
        .stdout
        .clone();
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    let hook = hooks.join("post-commit");
    fs::write(&hook, script).unwrap();
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(
        hooks.join("svn2s3.yaml"),
        format!("bucket: {BUCKET}\nendpoint: {}\n", server.endpoint()),
    )
    .unwrap();
    // svn runs hooks with an empty environment: this file is all they get.
    fs::write(
        hooks.join("svn2s3.env"),
        format!(
            "SVN2S3={}\nAWS_ACCESS_KEY_ID={ACCESS_KEY}\nAWS_SECRET_ACCESS_KEY={SECRET_KEY}\n",
            program.display()
        ),
    )
    .unwrap();
    hooks
}

/// Waits up to two minutes for the hook's publish of `rev`, showing its log
/// if none comes.
fn wait_published(server: &Server, rev: u64, hooks: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while server.published() != Some(rev) {
        assert!(
            Instant::now() < deadline,
            "nothing published; the log:\n{}",
            fs::read_to_string(hooks.join("svn2s3.log")).unwrap_or_default()
        );
        sleep(Duration::from_millis(50));
    }
}

/// Lets through the hook's svn2s3, which waits to read a line from the
/// FIFO `gate`; fails if nothing comes to read it.
fn open_gate(gate: &Path) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut fifo = loop {
        // Without a reader, a non-blocking open fails rather than waits.
        match fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(gate)
        {
            Ok(fifo) => break fifo,
            Err(err) if Instant::now() < deadline => {
                assert_eq!(err.raw_os_error(), Some(libc::ENXIO), "{err}");
                sleep(Duration::from_millis(20));
            }
            Err(_) => panic!("the hook never ran svn2s3"),
        }
    };
    fifo.write_all(b"go\n").unwrap();
}

#[test]
fn the_hook_script_publishes_each_commit_without_holding_up_the_commit() {
    let (repo, server) = (Repo::new(), Server::start());
    // The hook runs svn2s3 through a gate the test opens: the publish
    // cannot begin before `svn commit` has returned.
    let gates = tempfile::tempdir().unwrap();
    let gate = gates.path().join("gate");
    run(Command::new("mkfifo").arg(&gate));
    let program = gates.path().join("svn2s3");
    fs::write(
        &program,
        format!(
            "#!/bin/sh\nread go < '{}'\nexec '{}' \"$@\"\n",
            gate.display(),
            env!("CARGO_BIN_EXE_svn2s3")
        ),
    )
    .unwrap();
    fs::set_permissions(&program, fs::Permissions::from_mode(0o755)).unwrap();
    let hooks = install_hook(&repo.url, &server, &program);

    repo.write("index.html", "home\n");
    repo.write("media/a.png", "png\n");
    repo.svn(&["add", "-q", "--force", "."]);
    let mut commit = Command::new("svn");
    commit.args(["commit", "-q", "-m", "r1"]).arg(&repo.wc);
    let mut commit = commit.spawn().unwrap();
    // Were the commit to wait for its hook, it would wait for ever: give up
    // after a minute rather than hang.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = commit.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            commit.kill().ok();
            open_gate(&gate);
            panic!("svn commit waited for its hook");
        }
        sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "svn commit failed");
    assert_eq!(server.published(), None, "published before the gate opened");

    // Open the gate; the publish goes on in the background.
    open_gate(&gate);
    wait_published(&server, 1, &hooks);
    Mirror::default().check(&server, &repo, 1);
    let log = fs::read_to_string(hooks.join("svn2s3.log")).unwrap();
    assert!(log.contains("r1: publishing file://"), "{log}");
    assert!(
        !log.contains(SECRET_KEY),
        "the log shows the secret:\n{log}"
    );
}

#[test]
fn the_hook_script_publishes_a_repository_whose_path_holds_percent_signs_and_spaces() {
    // `%41` read as a URL escape is `A`: another path, which does not exist.
    let (repo, server) = (Repo::in_folder("pc%41 #x"), Server::start());
    let hooks = install_hook(&repo.url, &server, Path::new(env!("CARGO_BIN_EXE_svn2s3")));
    repo.write("index.html", "home\n");
    repo.commit("r1");
    wait_published(&server, 1, &hooks);
    Mirror::default().check(&server, &repo, 1);
    let log = fs::read_to_string(hooks.join("svn2s3.log")).unwrap();
    assert!(log.contains("/pc%2541%20%23x/repo"), "{log}");
}

#[test]
fn with_previews_the_hook_publishes_a_branch_as_a_preview_and_prunes_it_when_deleted() {
    let (repo, server) = (Repo::new(), Server::start());
    let hooks = install_hook(&repo.url, &server, Path::new(env!("CARGO_BIN_EXE_svn2s3")));
    let settings = fs::read_to_string(hooks.join("svn2s3.yaml")).unwrap();
    fs::write(
        hooks.join("svn2s3.yaml"),
        format!("{settings}previews:\n  prefix: pr/\n"),
    )
    .unwrap();
    let mut env = fs::read_to_string(hooks.join("svn2s3.env")).unwrap();
    env.push_str(&format!("SVN2S3_URL={}/trunk\n", repo.url));
    fs::write(hooks.join("svn2s3.env"), env).unwrap();

    repo.write("trunk/index.html", "home\n");
    fs::create_dir(repo.wc.join("branches")).unwrap();
    let rev = repo.commit("r1");
    wait_published(&server, rev, &hooks);
    let url = |path: &str| format!("{}/{path}", repo.url);
    repo.svn(&[
        "copy",
        "-q",
        "-m",
        "a branch",
        &url("trunk"),
        &url("branches/b 1"),
    ]);
    let preview = || {
        server
            .listing()
            .keys()
            .filter(|key| key.starts_with("pr/"))
            .cloned()
            .collect::<Vec<_>>()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let log = || fs::read_to_string(hooks.join("svn2s3.log")).unwrap_or_default();
    // Its objects go up before its state is finished and its report logged.
    while preview().len() < 2 || !log().contains("preview") || !log().contains(" copied") {
        assert!(Instant::now() < deadline, "no preview; the log:\n{}", log());
        sleep(Duration::from_millis(50));
    }
    let slug = preview()[0].split('/').nth(1).unwrap().to_owned();
    assert!(slug.starts_with("b-1-"), "{slug}");
    assert_eq!(
        preview(),
        [
            format!("pr/{slug}/.svn2s3/state.yaml"),
            format!("pr/{slug}/index.html")
        ]
    );
    assert!(
        log().contains("publishing the preview of file://"),
        "{}",
        log()
    );
    assert!(
        log().contains("1 copied"),
        "copied from production: {}",
        log()
    );
    // Production was not published again for the branch's commit.
    assert_eq!(server.published(), Some(rev));

    repo.svn(&["delete", "-q", "-m", "merged", &url("branches/b 1")]);
    // Its objects go before its report is logged.
    while !preview().is_empty() || !log().contains("pruned") {
        assert!(Instant::now() < deadline, "not pruned; the log:\n{}", log());
        sleep(Duration::from_millis(50));
    }
    assert!(log().contains("pruned 1 preview"), "{}", log());
}

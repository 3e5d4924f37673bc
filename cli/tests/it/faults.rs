//! Faults, kills, signals and a second publisher. Whatever happens to a
//! publish, a run that reports success leaves the bucket equal to `svn
//! export` (no missing, extra or stale object), a run that fails leaves the
//! state where it was, and running the same command again repairs the rest.
//!
//! A failing seed prints itself; `SVN2S3_SEED=N cargo test --test it faults`
//! replays it alone.

use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

use fastrand::Rng;

use crate::harness::*;
use crate::model::{change, Ever, NO_REPLACEMENTS, TWINS};
use crate::proxy::{Fault, Proxy};

/// Seeded runs of the fault test unless `SVN2S3_SEEDS` says otherwise
/// (`make test-slow` runs 52), spread over this many threads: most of a
/// run is spent waiting (backoff, delays), not computing.
const SEEDS: u64 = 16;
const THREADS: u64 = 8;
/// The share of requests that get a fault. Every fifth seed makes the first
/// run of each revision face `HARSH_RATE`, where requests fail five times
/// running and most runs give up part-way.
const FAULT_RATE: f64 = 0.10;
const HARSH_RATE: f64 = 0.50;
/// Commits in the fault test's history; each seed publishes three of them.
const HISTORY: usize = 8;
/// Runs of one publish before the test gives up on convergence.
const ATTEMPTS: usize = 8;

/// What the fault test did, for its closing line.
#[derive(Default, Debug)]
struct Tally {
    runs: usize,
    incomplete: usize,
    refused: usize,
    faults: usize,
    objects_checked: usize,
    /// Runs that failed after their final write of the state had landed.
    landed_unseen: usize,
}

#[test]
fn with_ten_percent_faults_a_publish_succeeds_or_keeps_the_state_and_a_rerun_converges() {
    let repo = Repo::imported(|root| {
        for i in 0..40 {
            let ext = ["css", "js", "html", "png"][i % 4];
            std::fs::write(root.join(format!("file-{i:02}.{ext}")), format!("{i}\n")).unwrap();
        }
    });
    let mut rng = Rng::with_seed(0);
    let mut ever = Ever::default();
    for step in 0..HISTORY {
        for _ in 0..3 {
            // No file becomes a folder: once an upload under the new folder
            // has landed in a run that then failed, s3s-fs answers the rerun's
            // delete of the old file with a 500 (see DESIGN.md); S3 does not.
            change(&mut rng, &repo, &mut ever, NO_REPLACEMENTS);
        }
        repo.commit(&format!("step {step}"));
    }
    let head = repo.revision();

    let seeds = seeds(SEEDS);
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|scope| {
        for thread in 0..THREADS as usize {
            let (repo, seeds, tally) = (&repo, &seeds, &tally);
            scope.spawn(move || {
                let wc = repo.checkout(&format!("wc-{thread}"));
                for &seed in seeds.iter().skip(thread).step_by(THREADS as usize) {
                    let result = std::panic::catch_unwind(|| faulty(repo, &wc, head, seed, tally));
                    if let Err(panic) = result {
                        eprintln!("fault test failed for seed {seed}; replay: SVN2S3_SEED={seed} cargo test --test it faults");
                        std::panic::resume_unwind(panic);
                    }
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap();
    eprintln!("fault test: {tally:?}");
    // Over many seeds, not one replayed: the faults were many, and the
    // harsh seeds made runs give up.
    if seeds.len() >= 5 {
        assert!(tally.faults >= 2 * tally.runs, "too few faults: {tally:?}");
        assert!(tally.incomplete > 0, "no run gave up: {tally:?}");
    }
}

/// Publishes three revisions of the history through a proxy that injects
/// faults, each run again until it succeeds, checking after every run.
fn faulty(repo: &Repo, wc: &Path, head: u64, seed: u64, tally: &Mutex<Tally>) {
    let mut rng = Rng::with_seed(seed);
    let server = Server::start();
    let proxy = Proxy::start(server.port, seed, FAULT_RATE);
    let first = 1 + rng.u64(..head / 2);
    let revisions = [first, rng.u64(first + 1..head), head];
    let wc_arg = wc.to_str().unwrap();

    let mut published = None;
    for rev in revisions {
        repo.update(wc, rev);
        let mut attempt = 0;
        loop {
            attempt += 1;
            assert!(
                attempt <= ATTEMPTS,
                "r{rev} not published in {ATTEMPTS} runs"
            );
            let harsh = seed % 5 == 0 && attempt == 1;
            proxy.set_rate(if harsh { HARSH_RATE } else { FAULT_RATE });
            let before = proxy.count();
            let run = finish(&mut svn2s3_at(
                &proxy.endpoint(),
                &["publish", wc_arg, "--gzip"],
            ));
            let seen = &proxy.seen()[before..];
            let mut tally = tally.lock().unwrap();
            tally.runs += 1;
            tally.faults += seen.iter().filter(|s| s.fault.is_some()).count();
            match run.code {
                0 => break,
                1 => {
                    assert!(run.stderr.contains("publish incomplete"), "{}", run.stderr);
                    tally.incomplete += 1;
                }
                2 => {
                    let wrote = seen.iter().any(|s| s.method != "GET" && s.method != "HEAD");
                    assert!(!wrote, "exit 2 after a write: {}", run.stderr);
                    tally.refused += 1;
                }
                _ => panic!("exit {}: {}", run.code, run.stderr),
            }
            // The final write of the state may land after every attempt to
            // learn its outcome failed: the state may then name `rev`, which
            // the bucket holds, as checked below. Never anything else. Once
            // the server has answered all it was sent, nothing lands later.
            proxy.settle();
            let now = server.published();
            let landed_unseen = run.code == 1 && now == Some(rev) && now != published;
            tally.landed_unseen += usize::from(landed_unseen);
            drop(tally);
            if landed_unseen {
                break;
            }
            assert_eq!(
                now, published,
                "a failed run moved the state: exit {}, {}",
                run.code, run.stderr
            );
        }
        published = Some(rev);
        assert!(!server.state().unwrap().contains("publishing:"));
        Mirror {
            twins: TWINS,
            ..Mirror::default()
        }
        .check(&server, repo, rev);
        tally.lock().unwrap().objects_checked += server.listing().len();
    }
}

#[test]
fn a_request_that_keeps_failing_is_given_up_naming_the_key_and_the_last_error() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "hello");
    repo.commit("one file");
    let proxy = Proxy::only(server.port, 1, 1.0, &[Fault::SlowDown]);
    let wc = repo.wc.to_str().unwrap();
    let run = finish(&mut svn2s3_at(&proxy.endpoint(), &["publish", wc]));
    run.expect(2);
    let line = run.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains(STATE), "{line}");
    assert!(line.contains("HTTP 503"), "{line}");
    assert!(line.contains("SlowDown"), "{line}");
    assert!(line.contains("after 5 attempts"), "{line}");
    assert_eq!(proxy.count(), 5, "five attempts, then no more");
    assert!(server.listing().is_empty());
}

/// 500 files in 10 folders, a tenth of them stylesheets with gzip twins.
fn five_hundred_files(root: &Path) {
    fifty_files_in(root, 10);
}

/// 50 files in each of `dirs` folders, a tenth of them stylesheets.
fn fifty_files_in(root: &Path, dirs: usize) {
    for dir in 0..dirs {
        std::fs::create_dir(root.join(format!("d{dir}"))).unwrap();
        for file in 0..50 {
            let ext = if file % 10 == 0 { "css" } else { "txt" };
            std::fs::write(
                root.join(format!("d{dir}/f{file:02}.{ext}")),
                format!("d{dir}/f{file} at r1\n"),
            )
            .unwrap();
        }
    }
}

/// Runs `svn2s3 publish` through `proxy` and SIGKILLs it once the proxy has
/// taken `after` more requests; says whether it was killed before it ended.
fn publish_killed(proxy: &Proxy, wc: &str, after: usize) -> bool {
    let start = proxy.count();
    let mut child = svn2s3_at(&proxy.endpoint(), &["publish", wc, "--gzip"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0), "a run that was not killed failed");
            return false;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("a publish that was to be killed ran for five minutes");
        }
        if proxy.count() >= start.saturating_add(after) {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
        sleep(Duration::from_millis(1));
    }
}

/// After a kill, the state is where it was, or at `rev` with the whole of `rev` published.
#[track_caller]
fn check_after_kill(server: &Server, repo: &Repo, before: Option<u64>, rev: u64) {
    match server.published() {
        now if now == before => {}
        Some(now) if now == rev && !server.state().unwrap().contains("publishing:") => {
            mirror().check(server, repo, rev)
        }
        other => panic!("after a kill the state is at {other:?}, neither {before:?} nor r{rev}"),
    }
}

fn mirror() -> Mirror<'static> {
    Mirror {
        twins: &[".css"],
        ..Mirror::default()
    }
}

#[test]
fn killed_at_random_points_a_rerun_always_ends_in_the_exact_mirror() {
    let repo = Repo::imported(five_hundred_files);
    let server = Server::start();
    let proxy = Proxy::start(server.port, 0, 0.0);
    let wc = repo.wc.to_str().unwrap();
    let mut rng = Rng::with_seed(5);
    // 500 files and 50 twins: 550 uploads, the read, the claim and the state.
    let requests = 553;

    let mut kills = 0;
    for _ in 0..4 {
        if publish_killed(&proxy, wc, rng.usize(..requests)) {
            kills += 1;
            check_after_kill(&server, &repo, None, 1);
        }
    }
    assert!(!publish_killed(&proxy, wc, usize::MAX));
    mirror().check(&server, &repo, 1);

    // r2 changes 100 files and deletes 50; a publish of it is killed, and
    // the next run publishes r3, where half of r2's changes are undone.
    for dir in 0..10 {
        for file in 0..10 {
            repo.write(
                &format!(
                    "d{dir}/f{file:02}.{}",
                    if file == 0 { "css" } else { "txt" }
                ),
                format!("d{dir}/f{file} at r2\n"),
            );
        }
        for file in 45..50 {
            repo.svn(&["rm", "-q", &format!("d{dir}/f{file}.txt")]);
        }
    }
    let r2 = repo.commit("r2");
    for _ in 0..2 {
        if publish_killed(&proxy, wc, 3 + rng.usize(..100)) {
            kills += 1;
            check_after_kill(&server, &repo, Some(1), r2);
        }
    }
    for dir in 0..10 {
        for file in 0..5 {
            let ext = if file == 0 { "css" } else { "txt" };
            repo.write(
                &format!("d{dir}/f{file:02}.{ext}"),
                format!("d{dir}/f{file} at r1\n"),
            );
        }
    }
    let r3 = repo.commit("r3 undoes half of r2");
    let before = server.published();
    assert!(!publish_killed(&proxy, wc, usize::MAX));
    assert!(before.is_some());
    mirror().check(&server, &repo, r3);
    assert!(kills >= 4, "only {kills} runs were killed");
}

/// Starts `svn2s3 publish WC` through `proxy`, its output kept.
fn spawn_publish(proxy: &Proxy, wc: &str) -> Child {
    svn2s3_at(&proxy.endpoint(), &["publish", wc, "--gzip"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn sigint_and_sigterm_stop_a_publish_with_130_and_143_and_a_rerun_finishes_it() {
    let repo = Repo::imported(five_hundred_files);
    let server = Server::start();
    // Every request waits a little, so that the signal comes mid-publish.
    let proxy = Proxy::only(server.port, 3, 1.0, &[Fault::Delay]);
    let wc = repo.wc.to_str().unwrap();

    for (signal, status) in [("INT", 130), ("TERM", 143)] {
        let before = proxy.count();
        let mut child = spawn_publish(&proxy, wc);
        let deadline = Instant::now() + Duration::from_secs(120);
        while proxy.count() < before + 20 {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the publish ended ({status}) before it could be stopped");
            }
            assert!(Instant::now() < deadline, "the publish never got going");
            sleep(Duration::from_millis(5));
        }
        run(std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string()));
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{stderr}");
        assert!(
            stderr.contains(&format!("stopped by SIG{signal}")),
            "{stderr}"
        );
        assert!(stderr.contains("publish incomplete"), "{stderr}");
        assert_eq!(server.published(), None);

        // The claim is released: the next run takes over at once.
        let status = finish(&mut svn2s3_at(&proxy.endpoint(), &["status", wc]))
            .expect(0)
            .stdout
            .clone();
        assert!(status.contains("cut off"), "{status}");
    }
    proxy.set_rate(0.0);
    assert!(!publish_killed(&proxy, wc, usize::MAX));
    mirror().check(&server, &repo, 1);
}

#[test]
fn two_publishes_at_once_never_move_the_state_back_or_overwrite_each_other() {
    // Two folders are enough: the publishes meet at the claim, at the start.
    let repo = Repo::imported(|root| fifty_files_in(root, 2));
    for dir in 0..2 {
        repo.write(&format!("d{dir}/f01.txt"), "r2\n");
        repo.svn(&["rm", "-q", &format!("d{dir}/f49.txt")]);
    }
    let r2 = repo.commit("r2");
    let older = repo.checkout("at-r2");
    for dir in 0..2 {
        repo.write(&format!("d{dir}/f01.txt"), format!("d{dir}/f1 at r1\n"));
        repo.write(&format!("d{dir}/f02.txt"), "r3\n");
    }
    let r3 = repo.commit("r3");
    let (older, newer) = (older.to_str().unwrap(), repo.wc.to_str().unwrap());

    let mut overlapped = 0;
    for round in 0..6u64 {
        let server = Server::start();
        // Every request waits a little, so that the two overlap.
        let proxy = Proxy::only(server.port, round, 1.0, &[Fault::Delay]);
        let order = if round % 2 == 0 {
            [older, newer]
        } else {
            [newer, older]
        };
        let children = order.map(|wc| spawn_publish(&proxy, wc));
        let outcomes = children.map(|child| {
            let out = child.wait_with_output().unwrap();
            (
                out.status.code().unwrap(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        });
        let revisions = if round % 2 == 0 { [r2, r3] } else { [r3, r2] };
        let mut succeeded = Vec::new();
        for ((code, stderr), rev) in outcomes.iter().zip(revisions) {
            match code {
                0 => succeeded.push(rev),
                2 if stderr.contains("another publish") => overlapped += 1,
                2 => assert!(stderr.contains("newer than"), "round {round}: {stderr}"),
                _ => panic!("round {round}: exit {code}: {stderr}"),
            }
        }
        let last = *succeeded.iter().max().expect("one of the two succeeds");
        assert_eq!(server.published(), Some(last), "round {round}");
        mirror().check(&server, &repo, last);
    }
    assert!(overlapped > 0, "the two publishes never overlapped");
}

#[test]
fn a_multipart_upload_finished_but_unanswered_is_not_taken_for_a_failure() {
    let (repo, server) = (Repo::new(), Server::start());
    // 20 MiB: three parts.
    let video: Vec<u8> = (0..20u32 << 20).map(|i| (i % 251) as u8).collect();
    repo.write("video.bin", &video);
    let rev = repo.commit("video");
    // The store finishes the upload, then the connection drops before the answer.
    let finishing = |method: &str, target: &str| method == "POST" && target.contains("uploadId=");
    let proxy = Proxy::once(server.port, finishing, Fault::ResetAfter);
    let wc = repo.wc.to_str().unwrap();
    finish(&mut svn2s3_at(&proxy.endpoint(), &["publish", wc])).expect(0);

    let seen = proxy.seen();
    assert_eq!(
        seen.iter()
            .filter(|s| s.fault == Some(Fault::ResetAfter))
            .count(),
        1
    );
    let finishes = seen
        .iter()
        .filter(|s| finishing(&s.method, &s.target))
        .count();
    assert_eq!(finishes, 2, "the answer was lost, so it was asked again");
    let starts = seen
        .iter()
        .filter(|s| s.target.ends_with("?uploads"))
        .count();
    assert_eq!(starts, 1, "the file was not sent again");
    Mirror::default().check(&server, &repo, rev);
}

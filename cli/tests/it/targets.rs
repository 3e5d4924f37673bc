//! Named targets: one tree published to several places, each with the
//! settings that differ over the shared ones and a state of its own.

use crate::harness::*;

fn config(staging: &Server, production: &Server) -> String {
    format!(
        "bucket: {BUCKET}\n\
         gzip: true\n\
         targets:\n\
         \x20 staging:\n\
         \x20   endpoint: {staging}\n\
         \x20   prefix: staging\n\
         \x20 broken:\n\
         \x20   endpoint: http://127.0.0.1:9\n\
         \x20 production:\n\
         \x20   endpoint: {production}\n\
         \x20   gzip: false\n",
        staging = staging.endpoint(),
        production = production.endpoint()
    )
}

fn site(repo: &Repo, staging: &Server, production: &Server) -> u64 {
    repo.write("index.html", "<h1>home</h1>\n");
    repo.write("css/site.css", "body { margin: 0 }\n");
    repo.write("svn2s3.yaml", config(staging, production));
    repo.commit("site")
}

/// svn2s3 with the test credentials and no bucket or endpoint: the
/// config file names them.
fn targets(repo: &Repo, args: &[&str]) -> Run {
    let wc = repo.wc.to_str().unwrap();
    finish(&mut bare_svn2s3(&[&args[..1], &[wc], &args[1..]].concat()))
}

#[test]
fn every_target_is_published_on_its_own_and_the_worst_exit_status_wins() {
    let (repo, server, other) = (Repo::new(), Server::start(), Server::start());
    let r1 = site(&repo, &server, &other);

    let run = targets(&repo, &["publish", "--target", "all"]);
    // The broken target cannot be reached (2); the others are published.
    run.expect(2);
    assert!(
        run.stderr
            .lines()
            .any(|line| line.starts_with("svn2s3: broken: ")),
        "{}",
        run.stderr
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].contains(&format!("to s3://{BUCKET}/staging/")),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].contains(&format!("to s3://{BUCKET}/:")),
        "{}",
        run.stdout
    );
    let staging = Mirror {
        prefix: "staging/",
        twins: &[".css"],
        ..Mirror::default()
    };
    let check = |staging_at: u64, production_at: u64| {
        staging.check(&server, &repo, staging_at);
        Mirror::default().check(&other, &repo, production_at);
    };
    check(r1, r1);

    // A change, published to one target: the other stays where it was.
    repo.write("index.html", "<h1>home, again</h1>\n");
    let r2 = repo.commit("r2");
    let run = targets(&repo, &["publish", "--target", "production", "--json"]);
    run.expect(0);
    let reports: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(reports.as_array().unwrap().len(), 1, "{reports}");
    assert_eq!(reports[0]["name"], "production");
    assert_eq!(reports[0]["exit_status"], 0);
    assert_eq!(reports[0]["uploaded"], 1);

    let status = targets(
        &repo,
        &["status", "--target", "staging", "--target", "production"],
    );
    status.expect(0);
    assert!(
        status.stdout.contains(&format!("s3://{BUCKET}/staging/")),
        "{}",
        status.stdout
    );
    let key = format!("staging/{STATE}");
    let state = server.get(std::slice::from_ref(&key)).remove(&key).unwrap();
    let state = String::from_utf8(state.body).unwrap();
    assert!(state.contains(&format!("\nrevision: {r1}\n")), "{state}");
    assert_eq!(other.published(), Some(r2));

    // Then to every target that works, as JSON: one report each, named.
    let run = targets(
        &repo,
        &[
            "publish",
            "--target",
            "staging",
            "--target",
            "broken",
            "--target",
            "production",
            "--json",
        ],
    );
    run.expect(2);
    let reports: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let summary: Vec<(String, u64)> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|report| {
            (
                report["name"].as_str().unwrap().to_owned(),
                report["exit_status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("staging".into(), 0),
            ("broken".into(), 2),
            ("production".into(), 0)
        ]
    );
    assert!(
        reports[1]["error"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:9"),
        "{reports}"
    );
    assert_eq!(reports[2]["uploaded"], 0, "production holds r2 already");
    check(r2, r2);

    // verify says which target drifted.
    server.delete("staging/index.html");
    let run = targets(
        &repo,
        &["verify", "--target", "staging", "--target", "production"],
    );
    run.expect(1);
    assert!(run.stdout.contains("index.html"), "{}", run.stdout);
}

#[test]
fn unknown_targets_and_two_targets_in_one_place_are_refused_before_any_request() {
    let (repo, server, other) = (Repo::new(), Server::start(), Server::start());
    site(&repo, &server, &other);
    let run = targets(&repo, &["publish", "--target", "prod"]);
    run.expect(2);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "svn2s3: --target prod: {} names no such target; it names staging, broken, production",
            repo.wc.join("svn2s3.yaml").display()
        )
    );
    // Flags go over every target: now they share a bucket, one at its
    // root (so every other is inside it), two in one place.
    let endpoint = server.endpoint();
    let run = targets(
        &repo,
        &["publish", "--target", "all", "--endpoint", &endpoint],
    );
    run.expect(2);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "svn2s3: targets broken (s3://{BUCKET}/) and staging (s3://{BUCKET}/staging/) \
             overlap: the second is inside the first, whose --full would delete its objects; \
             give each a prefix outside the other's"
        )
    );
    assert!(server.listing().is_empty(), "a write after a refusal");
    assert!(other.listing().is_empty(), "a write after a refusal");

    // A file with targets and no bucket of its own says how to choose.
    repo.write(
        "svn2s3.yaml",
        config(&server, &other).replace(&format!("bucket: {BUCKET}\n"), ""),
    );
    let run = targets(&repo, &["publish"]);
    run.expect(2);
    assert!(
        run.stderr.contains("choose a target with --target NAME or --target all (the settings name staging, broken, production)"),
        "{}",
        run.stderr
    );
}

//! What a user trusts svn2s3 with: secrets never appear in any output, the
//! state object is never made public, and TLS certificates are verified.

use crate::harness::*;
use crate::proxy::{Fault, Proxy};

const SESSION_TOKEN: &str = "svn2s3-test-session-token-FwoGZXIvYXdzEJr";

/// Everything a run printed, for searching.
fn output(run: &Run) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

#[test]
fn no_output_at_any_verbosity_holds_a_secret() {
    let server = Server::start();
    let repo = Repo::served();
    repo.write("index.html", "<h1>hello</h1>");
    repo.write("css/site.css", "body {}");
    let rev = repo.commit("r1");
    let wc = repo.wc.to_str().unwrap();
    let faulty = Proxy::every(server.port, 3, Fault::SlowDown);

    let mut outputs = Vec::new();
    let mut run = |command: &mut std::process::Command| {
        let run = finish(repo.with_home(command.env("AWS_SESSION_TOKEN", SESSION_TOKEN)));
        outputs.push(output(&run));
        run
    };
    run(&mut svn2s3(&server, &["publish", wc, "-vv", "--dry-run"])).expect(0);
    // Through faults, so that retries and their errors are logged too.
    run(&mut svn2s3_at(
        &faulty.endpoint(),
        &["publish", wc, "-vv", "--gzip"],
    ))
    .expect(0);
    run(&mut svn2s3(&server, &["status", wc, "-vv"])).expect(0);
    run(&mut svn2s3(
        &server,
        &["verify", wc, "-vv", "--gzip", "--json"],
    ))
    .expect(0);
    // With the same rules: a publish without --gzip would delete the twins.
    run(svn2s3(&server, &["publish", wc, "-vv", "--gzip"]).env("RUST_LOG", "trace")).expect(0);
    // A signature the server rejects: its error body echoes what was signed.
    run(svn2s3(&server, &["publish", wc, "-vv", "--gzip"])
        .env("AWS_SECRET_ACCESS_KEY", "wrong-secret"))
    .expect(2);
    Mirror {
        twins: &[".css"],
        ..Mirror::default()
    }
    .check(&server, &repo, rev);

    let all = outputs.concat();
    assert!(all.contains("retrying"), "-vv logged no retry:\n{all}");
    assert!(
        all.contains("TRACE"),
        "RUST_LOG=trace logged nothing:\n{all}"
    );
    for secret in [SECRET_KEY, SESSION_TOKEN, SVN_PASSWORD] {
        for (i, output) in outputs.iter().enumerate() {
            assert!(
                !output.contains(secret),
                "run {i} printed {secret:?}:\n{output}"
            );
        }
    }
}

#[test]
fn the_state_object_is_never_public_even_with_acl_public_read() {
    let server = Server::start();
    let proxy = Proxy::start(server.port, 0, 0.0);
    let repo = Repo::new();
    repo.write("index.html", "<h1>hello</h1>");
    repo.write("svn2s3.yaml", "acl: public-read\n");
    repo.commit("r1");
    repo.write("index.html", "<h1>again</h1>");
    let rev = repo.commit("r2");
    let wc = repo.wc.to_str().unwrap();
    // Published in two steps: the state is written when created and when replaced.
    repo.update(&repo.wc, 1);
    finish(&mut svn2s3_at(&proxy.endpoint(), &["publish", wc])).expect(0);
    repo.update(&repo.wc, rev);
    finish(&mut svn2s3_at(&proxy.endpoint(), &["publish", wc])).expect(0);
    Mirror::default().check(&server, &repo, rev);

    let puts: Vec<_> = proxy
        .seen()
        .into_iter()
        .filter(|seen| seen.method == "PUT")
        .collect();
    let (state, files): (Vec<_>, Vec<_>) =
        puts.iter().partition(|seen| seen.target.ends_with(STATE));
    assert_eq!(state.len(), 4, "two claims and two states: {puts:?}");
    assert_eq!(files.len(), 3, "{puts:?}");
    for seen in files {
        assert_eq!(seen.header("x-amz-acl"), Some("public-read"), "{seen:?}");
    }
    for seen in state {
        assert_eq!(seen.header("x-amz-acl"), None, "{seen:?}");
    }
}

#[test]
fn tls_certificates_are_verified_against_the_trust_store() {
    let server = Server::start();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (certified.cert.pem(), certified.key_pair.serialize_pem());
    let proxy = Proxy::tls(server.port, &cert, &key);
    let repo = Repo::new();
    repo.write("index.html", "<h1>hello</h1>");
    let rev = repo.commit("r1");
    let wc = repo.wc.to_str().unwrap();

    // A certificate nobody vouches for: refused, and not tried again.
    let run = finish(&mut svn2s3_at(&proxy.endpoint(), &["publish", wc]));
    run.expect(2);
    assert!(run.stderr.contains("certificate"), "{}", run.stderr);
    assert!(!run.stderr.contains("attempts"), "{}", run.stderr);
    assert_eq!(proxy.count(), 0, "a request went through");

    // The same certificate, trusted the way the system's store is set.
    let trusted = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(trusted.path(), &cert).unwrap();
    let run = finish(
        svn2s3_at(&proxy.endpoint(), &["publish", wc])
            .env("SSL_CERT_FILE", trusted.path())
            .env_remove("SSL_CERT_DIR"),
    );
    run.expect(0);
    Mirror::default().check(&server, &repo, rev);
}

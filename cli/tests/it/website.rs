//! The bucket's website configuration as code (`website:`): shown by
//! `--dry-run` and `status`, written once where it differs, then left
//! alone; a bucket whose settings have none is never asked.

use std::process::Command;

use crate::harness::*;

const WEBSITE: &str = "website:\n  index: index.html\n  error: 404.html\n  routing_rules:\n    \
                       - Condition: {KeyPrefixEquals: docs/}\n      \
                       Redirect: {ReplaceKeyPrefixWith: documents/, HttpRedirectCode: \"301\"}\n";

/// The bucket's website configuration as moto gives it (moto does not
/// check signatures), or `None` where it has none.
fn website_of(server: &Server) -> Option<String> {
    let url = format!("{}/{BUCKET}?website", server.endpoint());
    let out = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", &url])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    match status {
        "200" => Some(body.to_owned()),
        "404" => None,
        other => panic!("GetBucketWebsite answered {other}: {body}"),
    }
}

fn asked(server: &Server, op: &str) -> usize {
    server.requests().iter().filter(|r| r.op == op).count()
}

#[test]
fn the_website_configuration_is_written_where_it_differs_and_only_then() {
    let server = Server::of(Store::Moto);
    let repo = Repo::imported(|root| {
        std::fs::write(root.join("index.html"), "home\n").unwrap();
        std::fs::write(root.join("404.html"), "not here\n").unwrap();
    });
    publish(&server, &repo, &["--prefix", "site/"]);
    assert_eq!(asked(&server, "GetBucketWebsite"), 0, "no website: setting");
    assert_eq!(website_of(&server), None);

    let config = repo.wc.with_extension("yaml");
    std::fs::write(
        &config,
        format!("bucket: {BUCKET}\nprefix: site/\n{WEBSITE}"),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let wc = repo.wc.to_str().unwrap();
    let run_with = |args: &[&str]| finish(repo.with_home(&mut svn2s3(&server, args)));
    let said = "the bucket's website configuration: index none -> \"index.html\", error none -> \
                \"site/404.html\", routing_rules 0 rules -> 1 rule";
    let dry = run_with(&["publish", wc, "--config", config, "--dry-run"]);
    dry.expect(0);
    assert!(
        dry.stdout.contains(&format!("would write {said}")),
        "{}",
        dry.stdout
    );
    let status = run_with(&["status", wc, "--config", config]);
    status.expect(0);
    assert!(
        status.stdout.contains("website:      differs: index none"),
        "{}",
        status.stdout
    );
    assert_eq!(
        asked(&server, "PutBucketWebsite"),
        0,
        "a dry run and status only look"
    );

    // Nothing else to publish: the configuration alone is written.
    let run = run_with(&["publish", wc, "--config", config, "--json"]);
    run.expect(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        report["website"].as_array().unwrap().len(),
        3,
        "{}",
        run.stdout
    );
    assert_eq!(asked(&server, "PutBucketWebsite"), 1);
    let held = website_of(&server).unwrap();
    for part in [
        "<Suffix>index.html</Suffix>",
        "<Key>site/404.html</Key>",
        "<KeyPrefixEquals>docs/</KeyPrefixEquals>",
        "<ReplaceKeyPrefixWith>documents/</ReplaceKeyPrefixWith>",
        "<HttpRedirectCode>301</HttpRedirectCode>",
    ] {
        assert!(held.contains(part), "{part}: {held}");
    }

    // Held already: read once a publish, never written again.
    repo.write("index.html", "home, again\n");
    let rev = repo.commit("a page");
    let again = run_with(&["publish", wc, "--config", config]);
    again.expect(0);
    assert!(!again.stdout.contains("website"), "{}", again.stdout);
    assert_eq!(asked(&server, "PutBucketWebsite"), 1);
    let status = run_with(&["status", wc, "--config", config]);
    assert!(!status.stdout.contains("website:"), "{}", status.stdout);
    Mirror {
        prefix: "site/",
        ..Mirror::default()
    }
    .check(&server, &repo, rev);

    // A bad setting is refused before anything is asked.
    std::fs::write(
        config,
        format!("bucket: {BUCKET}\nwebsite:\n  error: e.html\n"),
    )
    .unwrap();
    let refused = run_with(&["publish", wc, "--config", config]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("website: index is needed"),
        "{}",
        refused.stderr
    );
}

//! What the README promises and no other test checked: `status --json`,
//! credentials from an AWS profile, an ACL on adoption, and `--wait`
//! without a value.

use std::process::Command;

use crate::harness::*;

#[test]
fn status_json_says_what_is_published_and_what_a_publish_would_do() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("a.txt", "a\n");
    repo.write("gone.txt", "gone\n");
    let first = repo.commit("one");
    publish(&server, &repo, &[]);
    repo.write("b.txt", "b\n");
    repo.write("c.txt", "c\n");
    repo.svn(&["rm", "-q", "gone.txt"]);
    let second = repo.commit("two");
    let wc = repo.wc.to_str().unwrap();
    let run = run_svn2s3(&server, &["status", wc, "--json"]);
    run.expect(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["published"]["revision"], first, "{json}");
    assert_eq!(json["working_copy"], second, "{json}");
    assert_eq!(json["pending_uploads"], 2, "{json}");
    assert_eq!(json["pending_deletes"], 1, "{json}");
    assert_eq!(json["pending_redirects"], 0, "{json}");
    assert_eq!(json["target"], format!("s3://{BUCKET}/"), "{json}");
    assert_eq!(server.published(), Some(first), "status writes nothing");
}

#[test]
fn credentials_come_from_an_aws_profile_when_the_environment_has_none() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("a.txt", "a\n");
    let rev = repo.commit("one");
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!(
            "[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n\
             [media]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
        ),
    )
    .unwrap();
    let profiled = |command: &mut Command| {
        command
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .env_remove("AWS_CONFIG_FILE")
            .env("HOME", home.path())
            .env("AWS_PROFILE", "media");
    };
    let wc = repo.wc.to_str().unwrap();
    let mut command = svn2s3(&server, &["publish", wc]);
    profiled(&mut command);
    finish(&mut command).expect(0);
    Mirror::default().check(&server, &repo, rev);

    // The default profile's keys are not the store's: refused, as such.
    let mut command = svn2s3(&server, &["verify", wc]);
    profiled(&mut command);
    command.env("AWS_PROFILE", "default");
    let run = finish(&mut command);
    run.expect(2);
    assert!(run.stderr.contains("credentials"), "{}", run.stderr);
    assert!(!run.stderr.contains("wrong"), "{}", run.stderr);
}

#[test]
fn an_acl_is_given_to_objects_a_first_publish_finds_in_place() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("a.txt", "a\n");
    let rev = repo.commit("one");
    // The same bytes, put there by another tool: in place but for the ACL,
    // which a HEAD does not show, so the object is written again.
    server.put_typed("a.txt", b"a\n", "text/plain");
    repo.write("../svn2s3.yaml", "bucket: media\nacl: public-read\n");
    let config = repo.wc.join("../svn2s3.yaml");
    let published = publish(
        &server,
        &repo,
        &["--config", config.to_str().unwrap(), "--json"],
    );
    let json: serde_json::Value = serde_json::from_str(&published.stdout).unwrap();
    let written = ["uploaded", "rewritten"].map(|what| json[what].as_u64().unwrap());
    assert_eq!(written.iter().sum::<u64>(), 1, "{json}");
    Mirror::default().check(&server, &repo, rev);
    let acl = run(Command::new("curl")
        .arg("-sf")
        .arg(format!("{}/{BUCKET}/a.txt?acl", server.endpoint())));
    let acl = String::from_utf8(acl.stdout).unwrap();
    assert!(
        acl.contains("http://acs.amazonaws.com/groups/global/AllUsers"),
        "{acl}"
    );
}

#[test]
fn wait_without_a_value_waits_for_a_claim_to_end() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("a.txt", "a\n");
    repo.commit("one");
    publish(&server, &repo, &[]);
    repo.write("b.txt", "b\n");
    let rev = repo.commit("two");
    let unclaimed = server.state().unwrap();
    plant_claim(&server, rev, &from_now(0), &from_now(3600));
    let wc = repo.wc.to_str().unwrap();
    let run = released_when_waiting(
        &mut svn2s3(&server, &["publish", wc, "--wait"]),
        &server,
        &unclaimed,
    );
    run.expect(0);
    assert!(run.stderr.contains("waiting"), "{}", run.stderr);
    assert_eq!(server.published(), Some(rev));
}

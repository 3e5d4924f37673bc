//! A repository reached over the network (svn://, password-protected), with
//! the credentials Subversion cached at checkout, and never a prompt.

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
    assert!(run.stdout.contains("1 uploaded"), "{}", run.stdout);
    assert!(run.stdout.contains("1 deleted"), "{}", run.stdout);
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
        run.stderr.contains("never prompts: run `svn update`"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
}

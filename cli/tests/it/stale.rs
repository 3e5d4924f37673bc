//! A changed file that the working copy does not hold as the published
//! revision has it is refused before anything is written, never skipped: a
//! folder updated back where the revision has a file, a file gone from disk,
//! obstructed, replaced by a symlink, switched, excluded, or whose folder was
//! updated to a revision that lacks it. Each case is then repaired with svn,
//! and the publish gives a bucket equal to `svn export`.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use crate::harness::*;

/// `svn2s3 publish` of the repository's working copy.
fn publishing(server: &Server, repo: &Repo) -> Command {
    svn2s3(server, &["publish", repo.wc.to_str().unwrap()])
}

/// Publishes r1 of a small tree, and commits r2 (not published), which
/// changes every file but `same.txt`. Returns r2.
fn two_revisions(server: &Server, repo: &Repo) -> u64 {
    repo.write("index.html", "r1\n");
    repo.write("a/one.txt", "one r1\n");
    repo.write("a/two.txt", "two r1\n");
    repo.write("same.txt", "unchanged\n");
    repo.commit("r1");
    publish(server, repo, &[]);
    repo.write("index.html", "r2\n");
    repo.write("a/one.txt", "one r2\n");
    repo.write("a/two.txt", "two r2\n");
    repo.commit("r2")
}

/// The reproduction, against moto, which like S3 holds a key `d`
/// beside keys under `d/`.
#[test]
fn a_folder_updated_back_where_the_revision_has_a_file_is_refused() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("d/a.txt", "a\n");
    repo.write("d/b.txt", "b\n");
    repo.write("x.txt", "x\n");
    let r1 = repo.commit("r1");
    publish(&server, &repo, &[]);
    repo.svn(&["rm", "-q", "d"]);
    repo.write("d", "now a file\n");
    let r2 = repo.commit("r2");
    repo.update(&repo.wc.join("d"), r1);
    assert_eq!(
        repo.svn(&["info", "--show-item", "kind", "d"]).trim(),
        "dir"
    );

    refused(
        &server,
        &mut publishing(&server, &repo),
        "1 path to publish is not in the working copy as r2 has it: d (a folder at r1); \
         run `svn update`",
    );
    Mirror::default().check(&server, &repo, r1);

    repo.svn(&["update", "-q"]);
    publish(&server, &repo, &[]);
    Mirror::default().check(&server, &repo, r2);
}

/// Refused while the working copy is as `spoil` leaves it, naming `names`;
/// published exactly once `repair` has put it right. On both stores.
fn refused_until_repaired(spoil: impl Fn(&Repo), names: &str, repair: impl Fn(&Repo)) {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let r1 = two_revisions(&server, &repo) - 1;
        spoil(&repo);
        refused(&server, &mut publishing(&server, &repo), names);
        Mirror::default().check(&server, &repo, r1);
        repair(&repo);
        publish(&server, &repo, &[]);
        Mirror::default().check(&server, &repo, repo.revision());
    }
}

fn update(repo: &Repo) {
    repo.svn(&["update", "-q"]);
}

#[test]
fn a_changed_file_deleted_from_disk_without_svn_is_refused() {
    refused_until_repaired(
        |repo| std::fs::remove_file(repo.wc.join("a/one.txt")).unwrap(),
        "a/one.txt (missing from disk); run `svn update`",
        update,
    );
}

#[test]
fn a_changed_file_obstructed_by_an_unversioned_folder_is_refused() {
    let obstruct = |repo: &Repo| {
        let path = repo.wc.join("index.html");
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("stray.txt"), "not svn's\n").unwrap();
    };
    refused_until_repaired(
        obstruct,
        "index.html (something else is on disk in its place); \
         move aside what is in the way, then run `svn update`",
        |repo| {
            std::fs::remove_dir_all(repo.wc.join("index.html")).unwrap();
            update(repo);
        },
    );
}

#[test]
fn a_changed_file_replaced_by_a_symlink_on_disk_is_refused() {
    let link = |repo: &Repo| {
        let path = repo.wc.join("a/two.txt");
        std::fs::remove_file(&path).unwrap();
        symlink("../same.txt", &path).unwrap();
    };
    refused_until_repaired(
        link,
        "a/two.txt (something else is on disk in its place)",
        |repo| {
            std::fs::remove_file(repo.wc.join("a/two.txt")).unwrap();
            update(repo);
        },
    );
}

#[test]
fn a_switched_changed_file_is_refused() {
    let switch = |repo: &Repo, to: &str| {
        let url = format!("{}/{to}", repo.url);
        repo.svn(&["switch", "-q", "--ignore-ancestry", &url, "index.html"]);
    };
    refused_until_repaired(
        |repo| switch(repo, "same.txt"),
        "index.html (switched to ^/same.txt); `svn switch` back what is switched, \
         then run `svn update`",
        |repo| switch(repo, "index.html"),
    );
}

#[test]
fn a_changed_file_whose_folder_was_updated_to_a_revision_without_it_is_refused() {
    refused_until_repaired(
        |repo| {
            // `fresh/` and its file are new in r3; the folder goes back to r2.
            repo.write("fresh/new.txt", "new\n");
            let r3 = repo.commit("r3");
            repo.update(&repo.wc.join("fresh"), r3 - 1);
            assert!(!repo.wc.join("fresh").exists());
        },
        "fresh/new.txt (not in the working copy)",
        update,
    );
}

#[test]
fn a_changed_file_at_another_revision_is_refused_and_an_unchanged_one_is_not() {
    refused_until_repaired(
        |repo| {
            // same.txt is not in the change: its revision does not matter.
            let r1 = repo.revision() - 1;
            repo.update(&repo.wc.join("same.txt"), r1);
            repo.update(&repo.wc.join("a/one.txt"), r1);
        },
        "1 path to publish is not in the working copy as r2 has it: a/one.txt (at r1)",
        update,
    );
}

#[test]
fn an_excluded_changed_file_is_refused_with_the_depth_to_restore() {
    refused_until_repaired(
        |repo| set_depth(repo, "exclude", "a/one.txt"),
        "a/one.txt (excluded with --set-depth exclude); run `svn update --set-depth infinity`",
        |repo| set_depth(repo, "infinity", "."),
    );
}

#[test]
fn a_sparse_or_excluded_working_copy_is_refused_for_a_first_publish() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "home\n");
    repo.write("big/video.mp4", "frames\n");
    repo.write("media/a.png", "png\n");
    repo.write("media/b.png", "png\n");
    repo.write("old/deep/c.png", "png\n");
    let rev = repo.commit("r1");
    set_depth(&repo, "empty", "big");
    set_depth(&repo, "exclude", "media/b.png");
    set_depth(&repo, "exclude", "old");
    refused(
        &server,
        &mut publishing(&server, &repo),
        "3 paths to publish are not in the working copy as r1 has them: \
         big (checked out at depth empty), media/b.png (excluded with --set-depth exclude), \
         old (excluded with --set-depth exclude); run `svn update --set-depth infinity`",
    );
    assert_eq!(server.published(), None);
    set_depth(&repo, "infinity", ".");
    publish(&server, &repo, &[]);
    Mirror::default().check(&server, &repo, rev);
    // `--full` walks the tree too.
    set_depth(&repo, "files", ".");
    refused(
        &server,
        &mut svn2s3(&server, &["publish", repo.wc.to_str().unwrap(), "--full"]),
        "(checked out at depth files)",
    );
}

/// `svn update --set-depth DEPTH PATH`.
fn set_depth(repo: &Repo, depth: &str, path: &str) {
    let path = Path::new(path);
    repo.svn(&["update", "-q", "--set-depth", depth, path.to_str().unwrap()]);
}

#[test]
fn a_folder_whose_headers_changed_is_refused_while_it_is_excluded() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "home\n");
    repo.write("docs/a.html", "a\n");
    repo.commit("r1");
    publish(&server, &repo, &[]);
    // docs/ left out here; its headers changed from another working copy.
    set_depth(&repo, "exclude", "docs");
    let other = repo.checkout("other");
    let docs = other.join("docs");
    let docs = docs.to_str().unwrap();
    repo.svn(&["propset", "-q", "svn2s3:cache-control", "max-age=60", docs]);
    repo.svn(&[
        "commit",
        "-q",
        "-m",
        "docs headers",
        other.to_str().unwrap(),
    ]);
    repo.svn(&["update", "-q"]);
    refused(
        &server,
        &mut publishing(&server, &repo),
        "docs (excluded with --set-depth exclude); run `svn update --set-depth infinity`",
    );
    set_depth(&repo, "infinity", ".");
    publish(&server, &repo, &[]);
    assert_eq!(
        server.objects()["docs/a.html"].cache_control.as_deref(),
        Some("max-age=60")
    );
}

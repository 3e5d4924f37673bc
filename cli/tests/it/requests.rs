//! What a publish asks of the store, request by request: few round trips,
//! deletes in batches, the parts of a multipart upload several at a time and
//! signed as S3 takes them, and S3's answers that a local server never
//! gives (a bucket in another region, a key it failed to delete, a store
//! without DeleteObjects), given by the test proxy in the store's place.

use std::time::Duration;

use crate::harness::*;
use crate::proxy::{put_of, Answer, Proxy, Seen};

/// The longest chain of requests each sent after the one before it was
/// answered: the round trips a publish waits for, one after another.
fn round_trips(seen: &[Seen]) -> usize {
    let mut chain: Vec<usize> = Vec::new();
    for (i, request) in seen.iter().enumerate() {
        let before = seen[..i]
            .iter()
            .zip(&chain)
            .filter(|(earlier, _)| earlier.ended.is_some_and(|ended| ended <= request.began))
            .map(|(_, &length)| length)
            .max()
            .unwrap_or(0);
        chain.push(before + 1);
    }
    chain.into_iter().max().unwrap_or(0)
}

/// `svn2s3 publish` of `repo` through `proxy`, which must exit `code`.
fn publish_via(proxy: &Proxy, repo: &Repo, args: &[&str], code: i32) -> Run {
    let wc = repo.wc.to_str().unwrap();
    let run = finish(&mut svn2s3_at(
        &proxy.endpoint(),
        &[&["publish", wc], args].concat(),
    ));
    run.expect(code);
    run
}

/// A working copy of files `a/0.txt` ... and `gone/0.txt` ..., published.
fn published(server: &Server, files: usize, gone: usize) -> Repo {
    let repo = Repo::imported(|root| {
        for (dir, count) in [("a", files), ("gone", gone)] {
            std::fs::create_dir(root.join(dir)).unwrap();
            for i in 0..count {
                std::fs::write(root.join(format!("{dir}/{i}.txt")), format!("{dir} {i}\n"))
                    .unwrap();
            }
        }
    });
    publish(server, &repo, &["--max-delete", "5000"]);
    repo
}

#[test]
fn an_incremental_publish_waits_for_five_round_trips() {
    let server = Server::start();
    let repo = published(&server, 20, 30);
    for i in 0..12 {
        repo.write(&format!("a/{i}.txt"), format!("edited {i}\n"));
    }
    repo.svn(&["rm", "-q", "gone", "a/19.txt"]);
    let rev = repo.commit("12 edits, a folder of 30 and a file removed");

    // Every request takes 100 ms: overlapping ones are plainly apart from
    // those that wait for an answer.
    let proxy = Proxy::answering(server.port, Answer::Delay(Duration::from_millis(100)));
    publish_via(&proxy, &repo, &[], 0);
    let seen = proxy.seen();
    let count = |method: &str| seen.iter().filter(|s| s.method == method).count();
    assert_eq!(
        (count("GET"), count("PUT"), count("POST"), seen.len()),
        (1, 1 + 12 + 1, 1, 16),
        "the state, the claim, 12 uploads, one DeleteObjects for 31 keys, the state: {seen:#?}"
    );
    assert_eq!(
        round_trips(&seen),
        5,
        "state read, claim, one wave of uploads, one delete batch, state written"
    );
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn deletes_go_in_batches_of_at_most_a_thousand_keys() {
    for store in Store::BOTH {
        let server = Server::of(store);
        let repo = published(&server, 1, 2_345);
        repo.svn(&["rm", "-q", "gone"]);
        let rev = repo.commit("2,345 files removed");
        let before = server.requests().len();
        publish(&server, &repo, &["--max-delete", "5000"]);
        let batches = server.requests()[before..]
            .iter()
            .filter(|r| r.op == "DeleteObjects")
            .count();
        assert_eq!(batches, 3, "{store:?}: 1,000 + 1,000 + 345");
        Mirror::default().check(&server, &repo, rev);
    }
}

#[test]
fn a_key_the_store_fails_to_delete_is_sent_again_and_named_if_it_never_goes() {
    let server = Server::start();
    let repo = published(&server, 2, 3);
    repo.svn(&["rm", "-q", "gone"]);
    let rev = repo.commit("three files removed");

    // The answer names gone/1.txt as failed twice: it alone is sent again.
    let twice = Answer::DeleteError {
        key: "gone/1.txt",
        code: "InternalError",
        times: 2,
    };
    let proxy = Proxy::answering(server.port, twice);
    publish_via(&proxy, &repo, &[], 0);
    let deletes: Vec<_> = proxy
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST")
        .collect();
    assert_eq!(deletes.len(), 3, "{deletes:#?}");
    Mirror::default().check(&server, &repo, rev);

    // A key that never goes stops the publish, named with the store's code.
    let server = Server::start();
    let repo = published(&server, 2, 3);
    repo.svn(&["rm", "-q", "gone"]);
    repo.commit("three files removed");
    let published_before = server.published();
    let never = Answer::DeleteError {
        key: "gone/2.txt",
        code: "AccessDenied",
        times: usize::MAX,
    };
    let proxy = Proxy::answering(server.port, never);
    let run = publish_via(&proxy, &repo, &[], 1);
    assert!(
        run.stderr
            .contains("delete gone/2.txt: AccessDenied: injected by the test proxy"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("publish incomplete"), "{}", run.stderr);
    assert_eq!(server.published(), published_before);
}

#[test]
fn a_store_without_delete_objects_gets_one_delete_per_key() {
    let server = Server::start();
    let repo = published(&server, 2, 3);
    repo.svn(&["rm", "-q", "gone", "a/1.txt"]);
    let rev = repo.commit("four files removed");
    let proxy = Proxy::answering(server.port, Answer::NoMultiDelete);
    let run = publish_via(&proxy, &repo, &["-v"], 0);
    assert!(
        run.stderr.contains("has no DeleteObjects"),
        "{}",
        run.stderr
    );
    let seen = proxy.seen();
    let count = |method: &str| seen.iter().filter(|s| s.method == method).count();
    assert_eq!((count("POST"), count("DELETE")), (1, 4), "{seen:#?}");
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn the_parts_of_a_large_file_go_several_at_a_time_signed_as_s3_takes_them() {
    const MIB: usize = 1024 * 1024;
    let (repo, server) = (Repo::new(), Server::start());
    let big: Vec<u8> = (0..36 * MIB).map(|i| (i * 7 % 251) as u8).collect();
    repo.write("video/clip.mp4", &big);
    let rev = repo.commit("36 MiB: four parts of 8 MiB and one of 4");
    let proxy = Proxy::answering(server.port, Answer::Delay(Duration::from_millis(300)));
    publish_via(&proxy, &repo, &[], 0);

    let parts: Vec<Seen> = proxy
        .seen()
        .into_iter()
        .filter(|s| s.method == "PUT" && s.target.contains("partNumber="))
        .collect();
    assert_eq!(parts.len(), 5);
    for part in &parts {
        // S3 refuses a part whose declared SHA-256 is not its own; an
        // unsigned payload with its MD5 it takes, and checks the MD5.
        assert_eq!(
            part.header("x-amz-content-sha256"),
            Some("UNSIGNED-PAYLOAD")
        );
        assert!(part.header("content-md5").is_some(), "{part:#?}");
        assert!(
            part.header("transfer-encoding").is_none(),
            "S3 wants a length: {part:#?}"
        );
        let length: usize = part.header("content-length").unwrap().parse().unwrap();
        assert!(length == 8 * MIB || length == 4 * MIB, "{length}");
    }
    let overlapping = parts.iter().any(|a| {
        parts
            .iter()
            .any(|b| a.began < b.began && a.ended.is_some_and(|ended| ended > b.began))
    });
    assert!(overlapping, "the parts went one after another");
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn a_bucket_in_another_region_is_followed_there_once() {
    for answer in [Answer::InRegion("eu-west-1"), Answer::SignFor("eu-west-1")] {
        let (repo, server) = (Repo::new(), Server::start());
        repo.write("index.html", "home\n");
        let rev = repo.commit("r1");
        let proxy = Proxy::answering(server.port, answer);
        let run = publish_via(&proxy, &repo, &["--region", "us-east-1", "-v"], 0);
        assert!(
            run.stderr
                .contains("is in eu-west-1, not us-east-1: following S3's redirect"),
            "{answer:?}: {}",
            run.stderr
        );
        let writes: Vec<Seen> = proxy
            .seen()
            .into_iter()
            .filter(|s| s.method == "PUT")
            .collect();
        assert!(!writes.is_empty());
        for write in writes {
            let auth = write.header("authorization").unwrap();
            assert!(
                auth.contains("/eu-west-1/s3/aws4_request"),
                "{answer:?}: {auth}"
            );
        }
        Mirror::default().check(&server, &repo, rev);
    }
}

#[test]
fn a_region_redirect_is_followed_once_and_never_in_circles() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "home\n");
    repo.commit("r1");
    let proxy = Proxy::answering(server.port, Answer::AlwaysRedirect("eu-west-1"));
    let run = publish_via(&proxy, &repo, &["--region", "us-east-1"], 2);
    assert!(
        run.stderr
            .contains("redirects again after one redirect to eu-west-1 was followed"),
        "{}",
        run.stderr
    );
    let signed = proxy
        .seen()
        .iter()
        .filter(|s| s.header("authorization").is_some())
        .count();
    assert_eq!(
        signed,
        2,
        "one request in us-east-1, one in eu-west-1: {:#?}",
        proxy.seen()
    );
    assert_eq!(server.published(), None);
}

#[test]
fn pages_go_up_after_every_other_object_and_deletes_after_the_pages() {
    let server = Server::start();
    let pages = [
        "index.html",
        "docs/guide.htm",
        "sitemap.xml",
        "manifest.json",
    ];
    let assets = [
        "site.css",
        "app.js",
        "logo.png",
        "data/search.json",
        "feeds/all.xml",
    ];
    let repo = Repo::imported(|root| {
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::create_dir_all(root.join("feeds")).unwrap();
        for path in pages.iter().chain(&assets).chain(&["old.js"]) {
            std::fs::write(root.join(path), format!("{path} 1\n")).unwrap();
        }
    });
    publish(&server, &repo, &["--gzip"]);
    for path in pages.iter().chain(&assets) {
        repo.write(path, format!("{path} 2\n"));
    }
    repo.svn(&["rm", "-q", "old.js"]);
    let rev = repo.commit("a new release: every page and asset, one script gone");

    // Every request takes 50 ms: a request that began after another ended
    // is plainly apart from those that ran beside it.
    let proxy = Proxy::answering(server.port, Answer::Delay(Duration::from_millis(50)));
    publish_via(&proxy, &repo, &["--gzip"], 0);
    let seen = proxy.seen();
    let put = |path: &str| put_of(&seen, path);
    let twins = [
        "site.gz.css",
        "app.gz.js",
        "data/search.gz.json",
        "manifest.gz.json",
    ];
    let last_asset = (assets.iter().chain(&twins[..3]))
        .map(|path| put(path).ended.unwrap())
        .max()
        .unwrap();
    let pages: Vec<&Seen> = pages
        .iter()
        .chain(&twins[3..])
        .map(|path| put(path))
        .collect();
    for page in &pages {
        assert!(
            page.began >= last_asset,
            "{} began before every asset was up",
            page.target
        );
    }
    let delete = seen.iter().find(|s| s.method == "POST").unwrap();
    assert!(
        pages.iter().all(|page| page.ended.unwrap() <= delete.began),
        "the delete waits for the pages"
    );
    Mirror {
        twins: &[".css", ".js", ".json"],
        ..Mirror::default()
    }
    .check(&server, &repo, rev);
}

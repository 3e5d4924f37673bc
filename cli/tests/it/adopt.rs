//! Adopting a bucket that holds the tree already: filled by `aws s3 sync`
//! or plain PUTs, or published by svn2s3 and its state lost. A first
//! publish, and `--full`, send only what differs.

use std::collections::BTreeMap;

use crate::harness::*;

fn site(repo: &Repo) -> u64 {
    repo.write("index.html", "<h1>home</h1>\n");
    repo.write("css/site.css", "body { margin: 0 }\n");
    repo.write("docs/a.txt", "a\n");
    repo.write("docs/b.txt", "b\n");
    repo.write("media/c.png", [137u8, 80, 78, 71, 1, 2, 3]);
    repo.commit("site")
}

/// The writes a publish made, by key, with the state's left out.
fn writes(server: &Server, since: usize) -> BTreeMap<String, usize> {
    let mut writes = BTreeMap::new();
    for request in &server.requests()[since..] {
        let writing = matches!(
            request.op.as_str(),
            "PutObject" | "CopyObject" | "CreateMultipartUpload" | "DeleteObjects" | "DeleteObject"
        );
        if writing && request.key != STATE {
            *writes.entry(request.key.clone()).or_default() += 1;
        }
    }
    writes
}

fn json_actions(stdout: &str) -> BTreeMap<String, String> {
    let report: serde_json::Value = serde_json::from_str(stdout).unwrap();
    report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| {
            let mut what = action["action"].as_str().unwrap().to_owned();
            if action["headers_rewritten"] == true {
                what.push_str(" (headers)");
            }
            (action["key"].as_str().unwrap().to_owned(), what)
        })
        .collect()
}

#[test]
fn a_bucket_filled_by_plain_puts_is_adopted_with_only_what_differs_written() {
    for store in Store::BOTH {
        let repo = Repo::new();
        let rev = site(&repo);
        // What svn2s3 gives each file, read back from a bucket it published.
        let reference = Server::of(store);
        publish(&reference, &repo, &[]);
        let mut objects = reference.objects();
        objects.remove(STATE);
        drop(reference);

        // The same bytes with the same types, PUT by another tool; but one
        // object has other bytes, one another type.
        let server = Server::of(store);
        for (key, object) in &objects {
            let content_type = object.content_type.as_deref().unwrap();
            match key.as_str() {
                "docs/a.txt" => server.put_typed(key, b"a, as it was\n", content_type),
                "css/site.css" => server.put_typed(key, &object.body, "text/plain"),
                _ => server.put_typed(key, &object.body, content_type),
            }
        }
        let before = server.requests().len();
        let run = publish(&server, &repo, &["--json"]);
        let expected: BTreeMap<String, String> = [
            ("css/site.css", "in_place (headers)"),
            ("docs/a.txt", "upload"),
            ("docs/b.txt", "in_place"),
            ("index.html", "in_place"),
            ("media/c.png", "in_place"),
        ]
        .into_iter()
        .map(|(key, what)| (key.to_owned(), what.to_owned()))
        .collect();
        assert_eq!(json_actions(&run.stdout), expected, "{store:?}");
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            (
                &report["uploaded"],
                &report["rewritten"],
                &report["in_place"]
            ),
            (&1.into(), &1.into(), &4.into()),
            "{store:?}"
        );
        assert_eq!(
            writes(&server, before),
            BTreeMap::from([("css/site.css".to_owned(), 1), ("docs/a.txt".to_owned(), 1)]),
            "{store:?}: only the two that differ are written"
        );
        Mirror::default().check(&server, &repo, rev);
        let now = server.objects();
        for (key, object) in &objects {
            assert_eq!(
                now[key].content_type, object.content_type,
                "{store:?} {key}"
            );
        }

        // The summary says it in words.
        let server = Server::of(store);
        for (key, object) in &objects {
            server.put_typed(key, &object.body, object.content_type.as_deref().unwrap());
        }
        let run = publish(&server, &repo, &[]);
        assert!(
            run.stdout
                .contains(": 0 uploaded (0 B), 0 deleted, 5 already in place in "),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_bucket_whose_state_was_lost_is_adopted_twins_and_multipart_uploads_included() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        site(&repo);
        // 20 MiB: a multipart upload, whose ETag is no MD5.
        let video: Vec<u8> = (0..20u32 << 20).map(|i| (i % 251) as u8).collect();
        repo.write("media/video.bin", &video);
        let rev = repo.commit("video");
        publish(&server, &repo, &["--gzip"]);
        server.delete(STATE);
        // A stray object the tree does not have: a first publish leaves it.
        server.put("old/page.html", b"old\n");

        let before = server.requests().len();
        let run = publish(&server, &repo, &["--gzip"]);
        assert!(
            run.stdout
                .contains(": 0 uploaded (0 B), 0 deleted, 7 already in place in "),
            "{store:?}: {}",
            run.stdout
        );
        assert!(
            run.stderr
                .contains("holds 1 object the tree does not have, left alone"),
            "{}",
            run.stderr
        );
        assert_eq!(writes(&server, before), BTreeMap::new(), "{store:?}");
        assert!(server.listing().contains_key("old/page.html"));

        // --full deletes it, and sends nothing else again.
        let before = server.requests().len();
        let run = publish(&server, &repo, &["--gzip", "--full"]);
        assert!(
            run.stdout
                .contains(": 0 uploaded (0 B), 1 deleted, 7 already in place in "),
            "{store:?}: {}",
            run.stdout
        );
        let deletes = writes(&server, before);
        assert_eq!(deletes.len(), 1, "{store:?}: {deletes:?}");
        Mirror {
            twins: &[".css"],
            ..Mirror::default()
        }
        .check(&server, &repo, rev);
        finish(&mut svn2s3(
            &server,
            &["verify", repo.wc.to_str().unwrap(), "--gzip"],
        ))
        .expect(0);
    }
}

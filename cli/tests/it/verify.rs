//! `svn2s3 verify` finds what changed behind svn2s3's back, and `--full` repairs it.

use crate::harness::*;

fn site(repo: &Repo) -> u64 {
    repo.write("index.html", "<h1>home</h1>\n");
    repo.write("css/site.css", "body { color: red }\n");
    repo.write("js/app.js", "run()\n");
    repo.write("img/photo.jpg", [0xff, 0xd8, 0xff, 0, 1, 2]);
    let big: Vec<u8> = (0..9 * 1024 * 1024).map(|i: u32| (i % 253) as u8).collect();
    repo.write("video/clip.mp4", big);
    repo.commit("site")
}

#[test]
fn a_bucket_just_published_verifies_clean_with_twins_and_multipart_objects() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let rev = site(&repo);
        publish(&server, &repo, &["--gzip"]);

        let run = verify(&server, &repo, &["--gzip"]);
        run.expect(0);
        assert!(
            run.stdout
                .contains(&format!("matches r{rev}: 7 objects checked")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn verify_finds_a_deleted_an_added_and_an_overwritten_key_and_full_repairs_them() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let rev = site(&repo);
        publish(&server, &repo, &[]);
        server.delete("js/app.js");
        server.put("stray/extra.txt", b"not in svn");
        server.put("index.html", b"overwritten");
        server.put("video/clip.mp4", b"overwritten too");

        let run = verify(&server, &repo, &[]);
        run.expect(1);
        assert!(run.stdout.contains("missing js/app.js\n"), "{}", run.stdout);
        assert!(
            run.stdout.contains("extra   stray/extra.txt\n"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("differs index.html (other content)\n"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("differs video/clip.mp4 (other content)\n"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("1 missing, 1 extra, 2 different"),
            "{}",
            run.stdout
        );

        let json = verify(&server, &repo, &["--json"]);
        json.expect(1);
        let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(report["missing"], serde_json::json!(["js/app.js"]));
        assert_eq!(report["extra"], serde_json::json!(["stray/extra.txt"]));
        assert_eq!(
            report["differ"],
            serde_json::json!(["index.html", "video/clip.mp4"])
        );

        publish(&server, &repo, &["--full"]);
        verify(&server, &repo, &[]).expect(0);
        Mirror::default().check(&server, &repo, rev);
    }
}

#[test]
fn verify_needs_the_working_copy_at_the_published_revision() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let rev = site(&repo);
        publish(&server, &repo, &[]);
        repo.write("index.html", "v2\n");
        repo.commit("v2");

        let run = verify(&server, &repo, &[]);
        run.expect(2);
        assert!(
            run.stderr
                .contains(&format!("run `svn update -r {rev}` to verify it")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn full_honours_max_delete() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        let rev = site(&repo);
        publish(&server, &repo, &[]);
        for i in 0..3 {
            server.put(&format!("stray/{i}.txt"), b"not in svn");
        }

        let run = run_svn2s3(
            &server,
            &[
                "publish",
                repo.wc.to_str().unwrap(),
                "--full",
                "--max-delete",
                "2",
            ],
        );
        run.expect(2);
        assert!(
            run.stderr.contains("refusing to delete 3 objects"),
            "{}",
            run.stderr
        );
        assert!(server.objects().contains_key("stray/0.txt"));

        publish(&server, &repo, &["--full", "--max-delete", "3"]);
        Mirror::default().check(&server, &repo, rev);
    }
}

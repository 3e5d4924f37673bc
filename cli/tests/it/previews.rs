//! Branch previews: a branch published under `previews/<slug>/`, its
//! unchanged files copied from production in the bucket; left alone by
//! production; listed; removed by `prune` once its branch is gone.

use std::path::PathBuf;

use crate::harness::*;

const SETTINGS: &str =
    "bucket: media\ngzip: true\npreviews:\n  url: https://{slug}.preview.example.com/\n";

/// A repository with trunk (the site, published as production) and
/// branches, its settings in trunk's svn2s3.yaml.
fn site() -> (Repo, u64) {
    let repo = Repo::new();
    repo.write("trunk/svn2s3.yaml", SETTINGS);
    repo.write("trunk/index.html", "<h1>home</h1>\n");
    repo.write("trunk/css/site.css", "body { margin: 0 }\n");
    for i in 0..8 {
        repo.write(&format!("trunk/docs/{i}.html"), format!("<p>{i}</p>\n"));
    }
    // Its keywords name where it is: the same file differs in a branch.
    repo.write("trunk/about.html", "<p>$HeadURL$</p>\n");
    std::fs::create_dir(repo.wc.join("branches")).unwrap();
    repo.svn(&["add", "-q", "--force", "."]);
    repo.svn(&[
        "propset",
        "-q",
        "svn:keywords",
        "HeadURL",
        "trunk/about.html",
    ]);
    let rev = repo.commit("the site");
    (repo, rev)
}

/// `svn cp ^/trunk ^/branches/NAME`, checked out; the working copy.
fn branch(repo: &Repo, name: &str) -> PathBuf {
    let url = |path: &str| format!("{}/{path}", repo.url);
    repo.svn(&[
        "copy",
        "-q",
        "-m",
        "branch",
        &url("trunk"),
        &url(&format!("branches/{name}")),
    ]);
    repo.svn(&["update", "-q"]);
    repo.wc.join("branches").join(name)
}

fn run_in(server: &Server, repo: &Repo, args: &[&str]) -> Run {
    finish(repo.with_home(&mut svn2s3(server, args)))
}

#[test]
fn a_branch_is_published_as_a_preview_copying_what_production_holds_and_pruned_when_gone() {
    for store in Store::BOTH {
        let (repo, _) = site();
        let server = Server::of(store);
        let trunk = repo.wc.join("trunk");
        let trunk = trunk.to_str().unwrap();
        run_in(&server, &repo, &["publish", trunk]).expect(0);

        // The branch changes a page and the stylesheet, adds one, drops one.
        let wc = branch(&repo, "feature-42");
        std::fs::write(wc.join("index.html"), "<h1>new home</h1>\n").unwrap();
        std::fs::write(wc.join("css/site.css"), "body { margin: 1em }\n").unwrap();
        std::fs::write(wc.join("new.html"), "new\n").unwrap();
        repo.svn(&["add", "-q", wc.join("new.html").to_str().unwrap()]);
        repo.svn(&["delete", "-q", wc.join("docs/7.html").to_str().unwrap()]);
        let rev = repo.commit("the branch's change");
        let wc = wc.to_str().unwrap();
        let run = run_in(&server, &repo, &["publish", "--preview", wc, "--json"]);
        run.expect(0);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(report["target"], "s3://media/previews/feature-42/");
        assert_eq!(
            report["preview"]["url"],
            "https://feature-42.preview.example.com/"
        );
        // 7 pages and svn2s3.yaml copied; 2 changed, the twin of one, 1
        // new and the page with keywords: sent.
        assert_eq!(report["copied"], 8, "{}", run.stdout);
        assert_eq!(report["uploaded"], 5, "{}", run.stdout);
        let mirror = |prefix| Mirror {
            prefix,
            folder: "branches/feature-42",
            twins: &[".css"],
            inside_another: true,
            ..Mirror::default()
        };
        mirror("previews/feature-42/").check(&server, &repo, rev);
        let about = "previews/feature-42/about.html".to_owned();
        let about = &server.get(std::slice::from_ref(&about))[&about].body;
        assert!(
            String::from_utf8_lossy(about).contains("/branches/feature-42/about.html"),
            "the branch's own URL"
        );

        // Production, even --full, leaves the preview alone.
        repo.svn(&["update", "-q"]);
        run_in(&server, &repo, &["publish", trunk, "--full"]).expect(0);
        let production = Mirror {
            folder: "trunk",
            twins: &[".css"],
            ignore: &["previews/"],
            ..Mirror::default()
        };
        production.check(&server, &repo, rev);
        mirror("previews/feature-42/").check(&server, &repo, rev);

        // Another preview; then the first branch goes.
        branch(&repo, "other");
        run_in(
            &server,
            &repo,
            &[
                "publish",
                "--preview",
                &format!("{}/branches/other", repo.url),
            ],
        )
        .expect(0);
        let listed = run_in(&server, &repo, &["previews", trunk]);
        listed.expect(0);
        assert!(
            listed
                .stdout
                .starts_with("2 previews at s3://media/previews/:\n"),
            "{}",
            listed.stdout
        );
        assert!(
            listed
                .stdout
                .contains("feature-42  ^/branches/feature-42  r")
                && listed.stdout.contains("https://other.preview.example.com/"),
            "{}",
            listed.stdout
        );
        repo.svn(&[
            "delete",
            "-q",
            "-m",
            "merged",
            &format!("{}/branches/feature-42", repo.url),
        ]);
        let keys = || -> Vec<String> { server.listing().into_keys().collect() };
        let before = keys();
        let dry = run_in(&server, &repo, &["prune", trunk, "--dry-run"]);
        dry.expect(0);
        assert!(
            dry.stdout.contains("would remove feature-42"),
            "{}",
            dry.stdout
        );
        assert_eq!(keys(), before, "a dry run deletes nothing");
        let refused = run_in(&server, &repo, &["prune", trunk, "--max-delete", "5"]);
        assert_eq!(refused.code, 2, "{}", refused.stderr);
        assert_eq!(keys(), before);
        let pruned = run_in(&server, &repo, &["prune", trunk]);
        pruned.expect(0);
        assert!(
            pruned.stdout.ends_with(
                "pruned 1 preview at s3://media/previews/: 14 objects deleted, 1 kept\n"
            ),
            "{}",
            pruned.stdout
        );
        let gone: Vec<String> = before
            .into_iter()
            .filter(|key| !keys().contains(key))
            .collect();
        assert!(
            gone.len() == 14
                && gone
                    .iter()
                    .all(|key| key.starts_with("previews/feature-42/")),
            "{gone:?}"
        );
        // Production fences the preview that is left, and no longer the one gone.
        let production_state = server.state().unwrap();
        assert!(
            production_state.contains("previews/other/")
                && !production_state.contains("previews/feature-42/"),
            "{production_state}"
        );
        production.check(&server, &repo, rev);

        // Objects in a preview's folder that no preview wrote are refused.
        server.put("previews/taken/index.html", b"someone's");
        let taken = branch(&repo, "taken");
        let run = run_in(
            &server,
            &repo,
            &["publish", "--preview", taken.to_str().unwrap()],
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("previews/taken/ holds 1 object and no state"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn an_odd_branch_name_gets_a_slug_of_its_own_and_settings_are_checked() {
    let (repo, _) = site();
    let server = Server::start();
    let wc = branch(&repo, "Ünïcode Feature #1");
    let wc = wc.to_str().unwrap();
    // Nothing in production yet: every file is sent.
    let run = run_in(&server, &repo, &["publish", "--preview", wc]);
    run.expect(0);
    assert!(
        run.stderr
            .contains("copies nothing from production: production holds nothing"),
        "{}",
        run.stderr
    );
    let target = run
        .stdout
        .split(" to s3://media/")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap();
    assert!(
        target.starts_with("previews/n-code-feature-1-") && target.ends_with('/'),
        "{target}"
    );
    let slug = target.trim_start_matches("previews/").trim_end_matches('/');
    assert!(
        slug.len() <= 63
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{slug}"
    );
    assert!(
        run.stdout
            .contains(&format!("preview at https://{slug}.preview.example.com/")),
        "{}",
        run.stdout
    );

    let refused = |settings: &str, args: &[&str], said: &str| {
        let config = repo.wc.join("other.yaml");
        std::fs::write(&config, settings).unwrap();
        let run = run_in(
            &server,
            &repo,
            &[&["publish", wc, "--config", config.to_str().unwrap()], args].concat(),
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(said), "{}", run.stderr);
    };
    refused(
        "bucket: media\npreviews:\n  url: https://preview.example.com/\n",
        &["--preview"],
        "has no {slug}",
    );
    refused(
        "bucket: media\npreviews:\n  prefix: ../x\n",
        &["--preview"],
        "may not contain . or ..",
    );
    refused(
        "bucket: media\npreviews:\n  slug: x\n",
        &["--preview"],
        "unknown field `slug`",
    );
    refused(
        "bucket: media\n",
        &["--preview", "--build", "."],
        "a build folder is no branch",
    );
}

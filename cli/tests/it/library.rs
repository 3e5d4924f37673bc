//! The Rust library as another program embeds it, in this process: settings
//! built in code that cannot be invalid, two publishes at once from two
//! threads, a cancel handle, and libsvn's UTF-8 file names without a change
//! to the process's locale.

use std::num::NonZeroUsize;

use svn2s3::{ErrorKind, Progress, Publisher, Settings, Stopped};

use crate::harness::*;

/// Settings for `repo` and `server`, with the test credentials.
fn settings(repo: &Repo, server: &Server) -> svn2s3::SettingsBuilder {
    let mut settings = Settings::builder(&repo.wc, BUCKET);
    settings.endpoint(server.endpoint()).env(test_env);
    settings
}

#[test]
fn settings_built_in_code_refuse_every_invalid_value_and_never_publish() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "home\n");
    repo.commit("r1");
    let invalid: &[(&str, &str, &str)] = &[
        ("workers", "0", "workers must be at least 1"),
        ("workers", "many", "setting workers: workers: invalid type"),
        (
            "prefix",
            "a/../b",
            "prefix \"a/../b\" may not contain . or .. parts",
        ),
        ("endpoint", "ftp://x", "not an http:// or https:// URL"),
        ("region", "''", "the region is empty"),
        ("acl", "public", "not a canned ACL"),
        ("exclude", "['a[']", "exclude"),
        (
            "cloudfront.max_paths",
            "0",
            "cloudfront.max_paths: must be at least 1",
        ),
        ("buckett", "x", "unknown field `buckett`"),
    ];
    for (key, value, says) in invalid {
        let mut settings = Settings::builder(&repo.wc, BUCKET);
        let err = match settings.set(key, value) {
            Err(err) => err,
            Ok(settings) => settings.build().unwrap_err(),
        };
        assert_eq!(
            (err.kind(), err.exit_status()),
            (ErrorKind::Config, 2),
            "{key}: {err}"
        );
        assert!(err.to_string().contains(says), "{key}: {err}");
    }
    let empty = Settings::builder(&repo.wc, "");
    assert!(empty
        .build()
        .unwrap_err()
        .to_string()
        .contains("the bucket name is empty"));
    let mut ftp = Settings::builder(&repo.wc, BUCKET);
    let err = ftp.endpoint("ftp://x").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string()
            .contains("--endpoint: not an http:// or https:// URL"),
        "{err}"
    );
    assert!(
        server.requests().is_empty(),
        "nothing was asked of the store"
    );

    // A prefix is normalised once, whoever gives it.
    let mut settings = settings(&repo, &server);
    settings
        .prefix("static")
        .workers(NonZeroUsize::new(3).unwrap());
    let settings = settings.build().unwrap();
    assert_eq!(
        (settings.prefix(), settings.workers().get()),
        ("static/", 3)
    );
    Publisher::new(settings).publish().unwrap();
    Mirror {
        prefix: "static/",
        ..Mirror::default()
    }
    .check(&server, &repo, 1);
}

#[test]
fn two_publishes_of_different_trees_to_different_buckets_run_at_once() {
    let sites: Vec<(Repo, Server, u64)> = (0..2)
        .map(|site| {
            let (repo, server) = (Repo::new(), Server::start());
            for i in 0..40 {
                repo.write(
                    &format!("site{site}/page-{i}.html"),
                    format!("site {site} page {i}\n"),
                );
            }
            let rev = repo.commit("r1");
            (repo, server, rev)
        })
        .collect();
    std::thread::scope(|scope| {
        let publishing: Vec<_> = sites
            .iter()
            .map(|(repo, server, _)| {
                let settings = settings(repo, server).build().unwrap();
                scope.spawn(move || Publisher::new(settings).publish())
            })
            .collect();
        for publish in publishing {
            let report = publish.join().unwrap().unwrap();
            assert_eq!(report.uploaded, 40);
        }
    });
    for (repo, server, rev) in &sites {
        Mirror::default().check(server, repo, *rev);
    }
}

#[test]
fn a_cancel_handle_stops_a_publish_between_requests_and_releases_its_claim() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "home\n");
    let r1 = repo.commit("r1");
    Publisher::new(settings(&repo, &server).build().unwrap())
        .publish()
        .unwrap();
    for i in 0..200 {
        repo.write(&format!("img/{i}.png"), format!("png {i}\n"));
    }
    let r2 = repo.commit("r2");

    let mut settings = settings(&repo, &server);
    settings.workers(NonZeroUsize::new(1).unwrap());
    let publisher = Publisher::new(settings.build().unwrap());
    let cancel = publisher.cancel_handle();
    let publisher = publisher.on_progress(move |event| {
        if let Progress::Done(_) = event {
            cancel.cancel();
        }
    });
    let err = publisher.publish().unwrap_err();
    assert_eq!(
        (err.kind(), err.exit_status()),
        (ErrorKind::Cancelled, 130),
        "{err}"
    );
    assert!(err.to_string().starts_with("publish incomplete"), "{err}");
    assert_eq!(server.published(), Some(r1));
    assert!(
        server.listing().len() < 1 + 1 + 200,
        "it stopped before the end"
    );
    let state = server.state().unwrap();
    assert!(state.contains("publishing:"), "{state}");

    // A signal the caller turns into a stop gives the signal's status.
    let stopped = Publisher::new(settings.build().unwrap());
    stopped.cancel_handle().stop(Stopped::Signal(15));
    let err = stopped.publish().unwrap_err();
    assert_eq!(
        (err.kind(), err.exit_status()),
        (ErrorKind::Cancelled, 143),
        "{err}"
    );
    assert!(err.to_string().contains("stopped by SIGTERM"), "{err}");

    // The claim was released: the next publish takes over at once.
    Publisher::new(settings.build().unwrap()).publish().unwrap();
    Mirror::default().check(&server, &repo, r2);
}

#[test]
#[allow(unsafe_code)] // reads the locale, to show the library left it alone
fn non_ascii_names_publish_without_changing_the_processs_locale() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("caf\u{e9}/\u{65e5}\u{672c}.txt", "utf-8 names\n");
    repo.write("na\u{ef}ve.css", "body {}\n");
    let rev = repo.commit("r1");
    let ctype = || {
        // SAFETY: a query: a null locale name changes nothing.
        let name =
            unsafe { std::ffi::CStr::from_ptr(libc::setlocale(libc::LC_CTYPE, std::ptr::null())) };
        // SAFETY: nl_langinfo's answer is read before another call.
        let codeset = unsafe { std::ffi::CStr::from_ptr(libc::nl_langinfo(libc::CODESET)) };
        (name.to_owned(), codeset.to_owned())
    };
    let before = ctype();
    Publisher::new(settings(&repo, &server).build().unwrap())
        .publish()
        .unwrap();
    Mirror::default().check(&server, &repo, rev);
    assert_eq!(
        ctype(),
        before,
        "the process's and this thread's LC_CTYPE are as they were"
    );
}

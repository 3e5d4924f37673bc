//! The C API from other languages, as they would use an installed
//! libsvn2s3: one `make install` into a temporary prefix (of the debug build),
//! then the C program of capi/examples compiled with `cc` and `pkg-config
//! --cflags --libs svn2s3`, and the Python example loading it with ctypes,
//! each publishing a working copy to s3s-fs; the bucket is then compared
//! with `svn export`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::harness::*;

/// The prefix of a `make install` made once for this test binary.
fn installed() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = tempfile::tempdir().unwrap().keep();
        run(Command::new("make")
            .arg("-C")
            .arg(workspace())
            .arg("install")
            .arg(format!("PREFIX={}", prefix.display()))
            .arg("PROFILE=debug"));
        prefix
    })
}

/// capi/examples/publish.c, built against the installed library.
fn c_program() -> PathBuf {
    let prefix = installed();
    let flags = run(Command::new("pkg-config")
        .args(["--cflags", "--libs", "svn2s3"])
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig")));
    let flags = String::from_utf8(flags.stdout).unwrap();
    let program = prefix.join("publish");
    run(Command::new("cc")
        .arg(workspace().join("capi/examples/publish.c"))
        .args(flags.split_whitespace())
        .arg("-o")
        .arg(&program));
    program
}

/// `command` with the test credentials, finding the installed library.
fn with_library(command: &mut Command) -> &mut Command {
    command
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("LD_LIBRARY_PATH", installed().join("lib"))
}

#[test]
fn a_c_program_publishes_with_progress_and_cancels_from_its_callback() {
    let program = c_program();
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "<h1>from C</h1>\n");
    repo.write("css/site.css", "body {}\n");
    let r1 = repo.commit("r1");
    let publish = |cancel_after: Option<&str>| {
        let mut command = Command::new(&program);
        command
            .arg(&repo.wc)
            .arg(BUCKET)
            .arg(server.endpoint())
            .args(cancel_after);
        finish(with_library(&mut command))
    };

    let run = publish(None);
    run.expect(0);
    assert!(
        run.stdout.contains(r#"progress {"bytes":"#) && run.stdout.contains(r#""event":"started""#),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(r#""event":"done""#) && run.stdout.contains(r#""key":"css/site.css""#),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"uploaded\": 2"),
        "the report: {}",
        run.stdout
    );
    Mirror::default().check(&server, &repo, r1);

    // The callback returns non-zero at the first event: status 130, the
    // state at r1, and the claim released. More files than requests go at
    // once: a stop at the first one's end leaves most unsent.
    for i in 0..200 {
        repo.write(&format!("img/{i}.png"), format!("png {i}\n"));
    }
    let r2 = repo.commit("r2");
    let run = publish(Some("1"));
    assert_eq!(run.code, 130, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("publish incomplete") && run.stderr.contains("cancelled"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(status 130)"), "{}", run.stderr);
    assert_eq!(server.published(), Some(r1));
    // After the event that asked to stop, none but the one that says so.
    let events: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("progress "))
        .collect();
    assert_eq!(events.len(), 2, "{}", run.stdout);
    assert!(events[0].contains(r#""event":"started""#), "{}", run.stdout);
    assert_eq!(events[1], r#"{"event":"cancelled"}"#);
    // Asked to stop at the first request's end: the same.
    let run = publish(Some("2"));
    assert_eq!(run.code, 130, "{}\n{}", run.stdout, run.stderr);
    let events = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("progress "));
    assert_eq!(events.count(), 3, "{}", run.stdout);
    assert!(run.stdout.contains(r#"progress {"event":"cancelled"}"#));
    publish(None).expect(0);
    Mirror::default().check(&server, &repo, r2);

    // Asked to stop at the last request's end, when every request is made:
    // the publish completes, as the header says.
    repo.write("index.html", "<h1>from C, again</h1>\n");
    let r3 = repo.commit("r3");
    let run = publish(Some("2"));
    run.expect(0);
    assert!(!run.stdout.contains("cancelled"), "{}", run.stdout);
    Mirror::default().check(&server, &repo, r3);
}

#[test]
fn python_publishes_through_ctypes() {
    let library = installed().join("lib/libsvn2s3.so.0");
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("media/logo.png", [0x89, b'P', b'N', b'G']);
    repo.write("index.html", "<h1>from Python</h1>\n");
    let rev = repo.commit("r1");
    let mut command = Command::new("python3");
    command
        .arg(workspace().join("capi/examples/publish.py"))
        .arg(&repo.wc)
        .arg(BUCKET)
        .arg(server.endpoint())
        .env("SVN2S3_LIBRARY", &library);
    let run = finish(with_library(&mut command));
    run.expect(0);
    assert!(
        run.stdout
            .contains(&format!("published r{rev}: 2 uploaded, 0 deleted")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("'event': 'started'"), "{}", run.stdout);
    Mirror::default().check(&server, &repo, rev);

    // A bad setting comes back as the exit status and message svn2s3 gives.
    let run = python_with_example(
        &library,
        "try:\n    p.publish(lib, sys.argv[3], 'media', workers=0)\n\
         except p.PublishError as err:\n    print(err.status, err)\n",
        &[repo.wc.as_os_str()],
    );
    run.expect(0);
    assert_eq!(run.stdout.trim(), "2 workers must be at least 1 (status 2)");

    // A config file read through svn2s3_settings_load, under a key set one
    // by one; a file that is not there is named, with status 2.
    let config = repo.wc.join("../from-c.yaml");
    std::fs::write(&config, "prefix: from-file/\nworkers: 0\n").unwrap();
    let endpoint = server.endpoint();
    let run = python_with_example(
        &library,
        "for config in (sys.argv[4], sys.argv[4] + '.missing'):\n    \
             try:\n        \
                 report = p.publish(lib, sys.argv[3], 'media', config=config, \
                 workers=4, endpoint=sys.argv[5])\n        \
                 print('published', report['to'])\n    \
             except p.PublishError as err:\n        print(err.status, err)\n",
        &[repo.wc.as_os_str(), config.as_os_str(), endpoint.as_ref()],
    );
    run.expect(0);
    let said: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(said[0], format!("published {rev}"), "{}", run.stdout);
    assert!(
        said[1].starts_with("2 reading ") && said[1].contains("from-c.yaml.missing"),
        "{}",
        run.stdout
    );
    Mirror {
        prefix: "from-file/",
        inside_another: true,
        ..Mirror::default()
    }
    .check(&server, &repo, rev);
}

/// `body`, a Python program, run with capi/examples/publish.py imported
/// as `p` and the installed `library` loaded as `lib`; `sys.argv[3:]`
/// are `args`.
fn python_with_example(library: &Path, body: &str, args: &[&std::ffi::OsStr]) -> Run {
    let program = format!(
        "import sys; sys.path.insert(0, sys.argv[1]); import publish as p\n\
         lib = p.library(sys.argv[2])\n{body}"
    );
    let mut command = Command::new("python3");
    command
        .arg("-c")
        .arg(program)
        .arg(workspace().join("capi/examples"))
        .arg(library)
        .args(args);
    finish(with_library(&mut command))
}

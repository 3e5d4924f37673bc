//! What a person at a terminal sees: a progress bar on stderr while a publish
//! runs, and none when stderr is not a terminal or with `-q`.

use std::process::Command;

use crate::harness::*;
use crate::proxy::{Fault, Proxy};

/// Runs `svn2s3 ARGS` inside a pseudo-terminal made by `script`, and
/// returns everything the terminal received.
fn on_a_terminal(endpoint: &str, args: &[&str]) -> String {
    let command = svn2s3_at(endpoint, args);
    let line: Vec<String> = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|arg| format!("'{}'", arg.to_str().unwrap()))
        .collect();
    let mut script = Command::new("script");
    script
        .args([
            "--quiet",
            "--return",
            "--command",
            &line.join(" "),
            "/dev/null",
        ])
        .env("TERM", "xterm");
    keep_env(&mut script, &command);
    let out = run(&mut script);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn files(root: &std::path::Path) {
    for i in 0..40 {
        std::fs::write(
            root.join(format!("page-{i:02}.html")),
            format!("<p>{i}</p>"),
        )
        .unwrap();
    }
}

#[test]
fn a_progress_bar_is_drawn_on_a_terminal_and_nowhere_else() {
    let repo = Repo::imported(files);
    let server = Server::start();
    // Slow enough that the bar is drawn more than once.
    let proxy = Proxy::only(server.port, 1, 1.0, &[Fault::Delay]);
    let wc = repo.wc.to_str().unwrap();

    let drawn = on_a_terminal(&proxy.endpoint(), &["publish", wc]);
    assert!(drawn.contains("/40 requests, "), "{drawn}");
    assert!(drawn.contains(" sent at "), "{drawn}");
    assert!(drawn.contains("published r1 (first publish)"), "{drawn}");
    Mirror::default().check(&server, &repo, 1);

    repo.write("page-00.html", "<p>changed</p>");
    let rev = repo.commit("r2");
    let quiet = on_a_terminal(&proxy.endpoint(), &["publish", wc, "-q"]);
    assert!(!quiet.contains("requests"), "{quiet}");
    assert!(quiet.trim().is_empty(), "-q printed: {quiet}");

    repo.write("page-01.html", "<p>changed</p>");
    let rev2 = repo.commit("r3");
    let piped = finish(&mut svn2s3_at(&proxy.endpoint(), &["publish", wc]));
    piped.expect(0);
    assert_eq!(piped.stderr, "", "stderr is not a terminal");
    assert!(
        piped
            .stdout
            .starts_with(&format!("published r{rev} -> r{rev2}")),
        "{}",
        piped.stdout
    );
    Mirror::default().check(&server, &repo, rev2);
}

/// `examples/publish.rs`, which cargo builds beside the tests.
fn example(name: &str) -> std::path::PathBuf {
    let deps = std::env::current_exe().unwrap();
    deps.parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name)
}

#[test]
fn the_library_example_publishes_and_reports_progress() {
    let (repo, server) = (Repo::imported(files), Server::start());
    let wc = repo.wc.to_str().unwrap();
    let mut command = Command::new(example("publish"));
    command
        .args([wc, BUCKET, &server.endpoint()])
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    let run = finish(&mut command);
    run.expect(0);
    assert!(run.stderr.starts_with("40 requests, "), "{}", run.stderr);
    assert!(
        run.stderr.contains("upload page-07.html (8 B)\n"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 41, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("published r1 (first publish)"),
        "{}",
        run.stdout
    );
    Mirror::default().check(&server, &repo, 1);
}

//! The completions and man pages that `make dist` ships, made from the same
//! clap definition that parses the command line.

use std::process::Command;

use crate::harness::*;

fn completions(shell: &str) -> String {
    let out = run(Command::new(env!("CARGO_BIN_EXE_svn2s3")).args(["completions", shell]));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completion_scripts_name_every_command_and_flag() {
    let bash = completions("bash");
    for word in ["publish", "status", "verify", "--max-delete", "--dry-run"] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    // bash itself checks the script's syntax.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("svn2s3.bash");
    std::fs::write(&script, &bash).unwrap();
    run(Command::new("bash").arg("-n").arg(&script));

    let zsh = completions("zsh");
    assert!(zsh.starts_with("#compdef svn2s3\n"), "{zsh}");
    assert!(zsh.contains("--max-delete"));
    let fish = completions("fish");
    assert!(fish.contains("complete -c svn2s3"), "{fish}");
    assert!(fish.contains("max-delete"));

    let bad = finish(Command::new(env!("CARGO_BIN_EXE_svn2s3")).args(["completions", "tcsh"]));
    bad.expect(2);
    assert!(
        bad.stderr.contains("invalid value 'tcsh'"),
        "{}",
        bad.stderr
    );
}

#[test]
fn man_pages_cover_the_command_and_each_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    run(Command::new(env!("CARGO_BIN_EXE_svn2s3"))
        .arg("man")
        .arg(dir.path()));
    let page = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let main = page("svn2s3.1");
    assert!(main.contains(".TH svn2s3 1"), "{main}");
    assert!(main.contains("svn2s3\\-publish(1)"), "{main}");
    for section in [".SH \"EXIT STATUS\"", ".SH ENVIRONMENT", ".SH FILES"] {
        assert!(main.contains(section), "{section} is missing:\n{main}");
    }
    assert!(main.contains("AWS_ENDPOINT_URL_CLOUDFRONT"), "{main}");
    let publish = page("svn2s3-publish.1");
    assert!(
        publish.contains(&format!(
            ".TH svn2s3-publish 1  \"svn2s3-publish {}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{publish}"
    );
    assert!(publish.contains("\\-\\-max\\-delete"), "{publish}");
    assert!(page("svn2s3-status.1").contains(".SH NAME"));
    assert!(page("svn2s3-verify.1").contains(".SH NAME"));
}

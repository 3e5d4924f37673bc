//! Bad input is caught before anything is written: one line that names what
//! is wrong, exit 2, and a bucket exactly as it was. A file that cannot be
//! read is found only while publishing: exit 1, and the state unchanged.

use std::process::Command;

use crate::harness::*;
use crate::proxy::Proxy;

/// A repository with one published revision and a second, unpublished one.
fn published(server: &Server) -> Repo {
    let repo = Repo::new();
    repo.write("index.html", "<h1>r1</h1>");
    repo.write("media/logo.png", [0x89, b'P', b'N', b'G']);
    repo.commit("r1");
    publish(server, &repo, &[]);
    repo.write("index.html", "<h1>r2</h1>");
    repo.commit("r2");
    repo
}

#[test]
fn bad_config_files_are_named_with_file_line_and_column() {
    let server = Server::start();
    let repo = published(&server);
    let wc = repo.wc.to_str().unwrap();
    let cases = [
        (
            "bucket: 'media\nworkers: 8\n",
            "svn2s3.yaml:3:1: found unexpected end of stream",
        ),
        (
            "bucket: media\n- workers\n",
            "svn2s3.yaml:2:1: did not find expected key",
        ),
        (
            "bucket: media\nworkerz: 8\n",
            "svn2s3.yaml:2:1: unknown field `workerz`",
        ),
        (
            "bucket: media\nworkers: many\n",
            "svn2s3.yaml:2:10: workers: invalid type",
        ),
        ("bucket: media\ngzip: {enabled: maybe}\n", "svn2s3.yaml:2:"),
        (
            "bucket: media\nsource: nowhere\n",
            "source folder nowhere not found",
        ),
        (
            "bucket: media\nsource: index.html\n",
            "index.html is not a folder",
        ),
    ];
    let config = repo.wc.join("svn2s3.yaml");
    for (yaml, names) in cases {
        std::fs::write(&config, yaml).unwrap();
        refused(&server, &mut svn2s3(&server, &["publish", wc]), names);
    }
}

#[test]
fn bad_flags_and_settings_are_named() {
    let server = Server::start();
    let repo = published(&server);
    let wc = repo.wc.to_str().unwrap();
    let endpoint = server.endpoint();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--bucket", "", "--endpoint", &endpoint],
            "the bucket name is empty",
        ),
        (
            &["--bucket", "Not_A/Bucket", "--endpoint", &endpoint],
            "\"Not_A/Bucket\" is not a bucket name",
        ),
        (
            &["--bucket", BUCKET, "--endpoint", "not a url"],
            "--endpoint: not a URL",
        ),
        (
            &["--bucket", BUCKET, "--endpoint", "ftp://127.0.0.1"],
            "--endpoint: not an http:// or https:// URL",
        ),
        (
            &[
                "--bucket",
                BUCKET,
                "--endpoint",
                &endpoint,
                "--workers",
                "0",
            ],
            "--workers",
        ),
        (
            &[
                "--bucket",
                BUCKET,
                "--endpoint",
                &endpoint,
                "--prefix",
                "a/../b",
            ],
            "may not contain . or ..",
        ),
    ];
    for (flags, names) in cases {
        let args = [&["publish", wc][..], flags].concat();
        refused(&server, &mut bare_svn2s3(&args), names);
    }
}

#[test]
fn a_store_that_cannot_be_used_is_named_without_a_secret() {
    let server = Server::start();
    let repo = published(&server);
    let wc = repo.wc.to_str().unwrap();
    let endpoint = server.endpoint();
    let publish = |args: &[&str]| bare_svn2s3(&[&["publish", wc][..], args].concat());

    // A port nobody listens on: refused at once, tried five times.
    refused(
        &server,
        &mut publish(&["--bucket", BUCKET, "--endpoint", "http://127.0.0.1:9"]),
        "cannot reach s3://media at http://127.0.0.1:9: Connection refused",
    );
    // Through the proxy: s3s-fs would make the bucket at the first write.
    let proxy = Proxy::start(server.port, 0, 0.0);
    refused(
        &server,
        &mut publish(&["--bucket", "missing", "--endpoint", &proxy.endpoint()]),
        &format!("s3://missing at {}: no such bucket", proxy.endpoint()),
    );
    let mut stranger = publish(&["--bucket", BUCKET, "--endpoint", &endpoint]);
    stranger
        .env("AWS_ACCESS_KEY_ID", "someone-else")
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789");
    // s3s-fs answers NotSignedUp where S3 answers InvalidAccessKeyId.
    refused(
        &server,
        &mut stranger,
        "rejected the credentials (NotSignedUp)",
    );
    let mut wrong_secret = publish(&["--bucket", BUCKET, "--endpoint", &endpoint]);
    wrong_secret.env("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789");
    refused(
        &server,
        &mut wrong_secret,
        "rejected the credentials (SignatureDoesNotMatch)",
    );
    let mut nobody = publish(&["--bucket", BUCKET, "--endpoint", &endpoint]);
    // Instance metadata off: whether 169.254.169.254 answers is the
    // machine's network's business (a sandbox's may answer 403).
    nobody
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("HOME", repo.wc.join("no-home"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    refused(&server, &mut nobody, "no AWS credentials found");
}

#[test]
fn a_missing_bucket_is_named_as_s3_names_it() {
    // moto answers NoSuchBucket itself, as S3 does; s3s-fs needs the proxy.
    let server = Server::moto();
    let repo = published(&server);
    let wc = repo.wc.to_str().unwrap();
    let mut publish = bare_svn2s3(&[
        "publish",
        wc,
        "--bucket",
        "missing",
        "--endpoint",
        &server.endpoint(),
    ]);
    refused(
        &server,
        &mut publish,
        &format!("s3://missing at {}: no such bucket", server.endpoint()),
    );
}

#[test]
fn what_is_not_a_working_copy_of_something_is_refused() {
    let server = Server::start();
    published(&server);
    let folder = tempfile::tempdir().unwrap();
    let not_a_wc = folder.path().to_str().unwrap();
    refused(
        &server,
        &mut svn2s3(&server, &["publish", not_a_wc]),
        "is not a Subversion working copy",
    );
    let missing = format!("{not_a_wc}/nowhere");
    refused(
        &server,
        &mut svn2s3(&server, &["publish", &missing]),
        "nowhere: No such file or directory",
    );
    let empty = Repo::new();
    refused(
        &server,
        &mut svn2s3(&server, &["publish", empty.wc.to_str().unwrap()]),
        "is at r0, where every repository is empty",
    );
}

/// Runs `command` without the capabilities that let root read any file, so
/// that a file's permissions apply to the tests when they run as root too.
fn as_if_not_root(command: Command) -> Command {
    let root = run(Command::new("id").arg("-u")).stdout == b"0\n";
    if !root {
        return command;
    }
    let mut bounded = Command::new("setpriv");
    bounded
        .args([
            "--inh-caps=-all",
            "--bounding-set=-dac_override,-dac_read_search",
            "--",
        ])
        .arg(command.get_program())
        .args(command.get_args());
    keep_env(&mut bounded, &command);
    bounded
}

#[test]
fn a_file_that_cannot_be_read_fails_the_publish_and_keeps_the_state() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start();
    let repo = published(&server);
    repo.write("media/secret.png", "cannot be read");
    let rev = repo.commit("r3");
    let file = repo.wc.join("media/secret.png");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();

    let wc = repo.wc.to_str().unwrap();
    let run = finish(&mut as_if_not_root(svn2s3(&server, &["publish", wc])));
    run.expect(1);
    let line = run.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("publish incomplete"), "{line}");
    assert!(
        line.contains("media/secret.png: Permission denied"),
        "{line}"
    );
    assert_eq!(server.published(), Some(rev - 2));

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    publish(&server, &repo, &[]);
    Mirror::default().check(&server, &repo, rev);
}

//! Every credential source aws cli has, as svn2s3 finds it through the AWS
//! SDK's chain when its environment has no keys: a `credential_process`
//! (fetched again before it expires), a profile with `role_arn` and
//! `source_profile` and a web identity token (STS on moto), ECS container
//! credentials, EC2 instance metadata (IMDSv2) and SSO (small servers of
//! the test's own). Where the keys are the test keys, s3s-fs checks every
//! signature; where STS makes them, every request's signature is read from
//! the proxy's log and compared with what moto says it handed out.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;

use crate::harness::*;
use crate::proxy::Proxy;

/// A repository with a few files at its last revision.
fn site(repo: &Repo, text: &str) -> u64 {
    repo.write("index.html", format!("<h1>{text}</h1>\n"));
    repo.write("css/site.css", format!("/* {text} */\n"));
    repo.write("img/a.txt", text);
    repo.commit(text)
}

/// `svn2s3 publish` of `repo` to `endpoint` with no keys in its
/// environment, the AWS files of `aws`, instance metadata off, and `env`.
fn keyless(endpoint: &str, repo: &Repo, aws: &Path, env: &[(&str, &str)]) -> Run {
    let wc = repo.wc.to_str().unwrap();
    let mut command = svn2s3_at(endpoint, &["publish", wc]);
    repo.with_home(&mut command);
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    ] {
        command.env_remove(name);
    }
    command
        .env("AWS_CONFIG_FILE", aws.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied());
    finish(&mut command)
}

fn aws_files(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config"), config).unwrap();
    std::fs::write(dir.path().join("credentials"), "").unwrap();
    dir
}

/// An RFC 3339 time `seconds` from now, as AWS writes expirations.
fn expiring_in(seconds: u64) -> String {
    from_now(seconds)
}

#[test]
fn a_credential_process_is_run_again_before_its_keys_expire() {
    let (repo, server) = (Repo::new(), Server::start());
    let aws = aws_files("");
    let runs = aws.path().join("runs");
    let script = aws.path().join("keys.sh");
    // The test's keys, which s3s-fs checks every signature against, with
    // an expiration the script reads from a file.
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> {runs}\nprintf '{{\"Version\": 1, \"AccessKeyId\": \"%s\", \
             \"SecretAccessKey\": \"%s\", \"Expiration\": \"%s\"}}' {ACCESS_KEY} {SECRET_KEY} \
             \"$(cat {expiry})\"\n",
            runs = runs.display(),
            expiry = aws.path().join("expiry").display(),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(
        aws.path().join("config"),
        format!(
            "[profile site]\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
    let ran = || {
        std::fs::read_to_string(&runs)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let as_profile = |profile: &str| {
        keyless(
            &server.endpoint(),
            &repo,
            aws.path(),
            &[("AWS_PROFILE", profile)],
        )
    };

    // Keys good for an hour: fetched once for the whole publish.
    std::fs::write(aws.path().join("expiry"), expiring_in(3600)).unwrap();
    let rev = site(&repo, "one");
    let run = as_profile("site");
    run.expect(0);
    assert_eq!(ran(), 1, "{}", run.stderr);
    let requests = server.requests().len();
    assert!(requests > 3, "{requests} requests");
    Mirror::default().check(&server, &repo, rev);

    // Keys that expire within five minutes are fetched again before a
    // request is signed: every request of this publish asks for them.
    std::fs::write(aws.path().join("expiry"), expiring_in(120)).unwrap();
    let rev = site(&repo, "two");
    let before = server.requests().len();
    let run = as_profile("site");
    run.expect(0);
    let sent = server.requests().len() - before;
    assert_eq!(ran() - 1, sent, "one fetch a request: {}", run.stderr);
    Mirror::default().check(&server, &repo, rev);

    // A process that fails after giving keys: those keys go on signing
    // while they are valid, with a warning.
    std::fs::write(aws.path().join("expiry"), expiring_in(120)).unwrap();
    let flaky = aws.path().join("flaky.sh");
    std::fs::write(
        &flaky,
        format!(
            "#!/bin/sh\nif [ -e {given} ]; then echo 'STS is down' >&2; exit 1; fi\n\
             touch {given}\nexec {script}\n",
            given = aws.path().join("given").display(),
            script = script.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&flaky, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(
        aws.path().join("config"),
        format!("[profile site]\ncredential_process = {}\n", flaky.display()),
    )
    .unwrap();
    let rev = site(&repo, "flaky");
    let run = as_profile("site");
    run.expect(0);
    assert!(
        run.stderr.contains("signing with the keys fetched before"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("STS is down"), "{}", run.stderr);
    Mirror::default().check(&server, &repo, rev);

    // A process that fails is named, and nothing is written.
    std::fs::write(&script, "#!/bin/sh\necho 'no keys for you' >&2\nexit 3\n").unwrap();
    site(&repo, "three");
    let run = as_profile("site");
    run.expect(2);
    assert!(
        run.stderr
            .contains("the AWS credentials could not be loaded")
            && run.stderr.trim_end().lines().count() == 1,
        "{}",
        run.stderr
    );
    assert_eq!(server.published(), Some(rev));

    // A profile that is not there is named.
    let run = as_profile("nope");
    run.expect(2);
    assert!(
        run.stderr
            .contains("no AWS credentials found for the profile \"nope\""),
        "{}",
        run.stderr
    );
}

/// What moto's STS handed out: role ARN, session name, access key and
/// session token of each role assumed.
fn assumed(server: &Server) -> Vec<[String; 4]> {
    let url = format!("{}/moto-api/data.json", server.endpoint());
    let out = std::process::Command::new("curl")
        .args(["-sf", &url])
        .output()
        .unwrap();
    let data: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let roles = data["sts"]["AssumedRole"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    roles
        .iter()
        .map(|role| {
            ["role_arn", "session_name", "access_key_id", "session_token"]
                .map(|field| role[field].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

/// The one role moto's STS handed out for this publish, whose keys signed
/// every S3 request the proxy passed on: its ARN and session name.
fn the_one_role(server: &Server, proxy: &Proxy) -> (String, String) {
    let roles = assumed(server);
    assert_eq!(roles.len(), 1, "{roles:?}");
    let [role, session, access, token] = roles.into_iter().next().unwrap();
    assert!(access.starts_with("ASIA"), "{access}");
    assert!(signed_with(proxy, &access, &token) >= 4);
    (role, session)
}

/// Every request the proxy passed on (S3's: STS is asked directly) was
/// signed with `access` and carried `token`; how many there were.
fn signed_with(proxy: &Proxy, access: &str, token: &str) -> usize {
    let s3 = proxy.seen();
    for seen in &s3 {
        let auth = seen.header("authorization").unwrap_or_default();
        assert!(
            auth.contains(&format!("Credential={access}/")),
            "{} {} signed as {auth}",
            seen.method,
            seen.target
        );
        assert_eq!(seen.header("x-amz-security-token"), Some(token));
    }
    s3.len()
}

#[test]
fn a_profile_with_a_role_assumes_it_through_sts() {
    let (repo, server) = (Repo::new(), Server::moto());
    let proxy = Proxy::start(server.port, 1, 0.0);
    let aws = aws_files(
        "[profile base]\naws_access_key_id = AKIABASEPROFILE0001\n\
         aws_secret_access_key = base-secret\n\n\
         [profile site]\nrole_arn = arn:aws:iam::123456789012:role/publisher\n\
         source_profile = base\nrole_session_name = svn2s3-test\n",
    );
    let rev = site(&repo, "one");
    let endpoint = proxy.endpoint();
    let sts = server.endpoint();
    let env = [("AWS_PROFILE", "site"), ("AWS_ENDPOINT_URL_STS", &sts)];
    let run = keyless(&endpoint, &repo, aws.path(), &env);
    run.expect(0);
    Mirror::default().check(&server, &repo, rev);

    let (role, session) = the_one_role(&server, &proxy);
    assert_eq!(role, "arn:aws:iam::123456789012:role/publisher");
    assert_eq!(session, "svn2s3-test");
}

#[test]
fn a_web_identity_token_is_exchanged_for_a_role_through_sts() {
    let (repo, server) = (Repo::new(), Server::moto());
    let proxy = Proxy::start(server.port, 1, 0.0);
    let aws = aws_files("");
    let sts = server.endpoint();
    let token_file = aws.path().join("token");
    std::fs::write(
        &token_file,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl",
    )
    .unwrap();
    let rev = site(&repo, "one");
    let endpoint = proxy.endpoint();
    let env = [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token_file.to_str().unwrap()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci"),
        ("AWS_ROLE_SESSION_NAME", "ci-publish"),
        ("AWS_ENDPOINT_URL_STS", &sts),
    ];
    let run = keyless(&endpoint, &repo, aws.path(), &env);
    run.expect(0);
    Mirror::default().check(&server, &repo, rev);
    let (role, session) = the_one_role(&server, &proxy);
    assert_eq!(
        (role.as_str(), session.as_str()),
        ("arn:aws:iam::123456789012:role/ci", "ci-publish")
    );
}

/// A request a [`Metadata`] server took.
#[derive(Debug, Clone)]
struct Asked {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
}

/// A small HTTP server on 127.0.0.1 that answers each request as `answer`
/// says (status, body) and keeps what it was asked: the stand-in for a
/// container's, an instance's or SSO's credential service.
struct Metadata {
    port: u16,
    asked: Arc<Mutex<Vec<Asked>>>,
}

impl Metadata {
    fn start(answer: impl Fn(&Asked) -> (u16, String) + Send + 'static) -> Metadata {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&asked);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let mut parts = line.split_whitespace();
                let (method, path) = (parts.next().unwrap_or_default(), parts.next());
                let mut request = Asked {
                    method: method.to_owned(),
                    path: path.unwrap_or_default().to_owned(),
                    headers: BTreeMap::new(),
                };
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    let Some((name, value)) = header.trim_end().split_once(':') else {
                        break;
                    };
                    (request.headers).insert(name.to_lowercase(), value.trim().to_owned());
                }
                let length = request
                    .headers
                    .get("content-length")
                    .map_or(0, |length| length.parse().unwrap());
                reader.take(length).read_to_end(&mut Vec::new()).unwrap();
                let (status, body) = answer(&request);
                kept.lock().unwrap().push(request);
                let head = format!(
                    // The TTL header is IMDSv2's, for a session token.
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                     x-aws-ec2-metadata-token-ttl-seconds: 21600\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).ok();
                stream.write_all(body.as_bytes()).ok();
            }
        });
        Metadata { port, asked }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn asked(&self) -> Vec<Asked> {
        self.asked.lock().unwrap().clone()
    }
}

#[test]
fn container_credentials_come_from_the_uri_with_its_token() {
    let (repo, server) = (Repo::new(), Server::start());
    let aws = aws_files("");
    let service = Metadata::start(|asked| match asked.path.as_str() {
        "/v2/credentials/task" => (
            200,
            format!(
                "{{\"AccessKeyId\": \"{ACCESS_KEY}\", \"SecretAccessKey\": \"{SECRET_KEY}\", \
                 \"Token\": \"task-session\", \"Expiration\": \"{}\"}}",
                expiring_in(3600)
            ),
        ),
        _ => (404, String::new()),
    });
    let rev = site(&repo, "one");
    let uri = service.url("/v2/credentials/task");
    let env = [
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "task-token-1"),
    ];
    let run = keyless(&server.endpoint(), &repo, aws.path(), &env);
    run.expect(0);
    Mirror::default().check(&server, &repo, rev);
    let asked = service.asked();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(
        asked[0].headers.get("authorization").map(String::as_str),
        Some("task-token-1")
    );
}

#[test]
fn instance_metadata_is_asked_with_a_session_token_imdsv2() {
    let (repo, server) = (Repo::new(), Server::start());
    let aws = aws_files("");
    let instance = Metadata::start(|asked| {
        let tokened = asked
            .headers
            .get("x-aws-ec2-metadata-token")
            .map(String::as_str)
            == Some("imds-session-1");
        match (asked.method.as_str(), asked.path.as_str()) {
            ("PUT", "/latest/api/token") => (200, "imds-session-1".to_owned()),
            (_, _) if !tokened => (401, String::new()),
            ("GET", "/latest/meta-data/iam/security-credentials/") => (200, "publisher".to_owned()),
            ("GET", "/latest/meta-data/iam/security-credentials/publisher") => (
                200,
                format!(
                    "{{\"Code\": \"Success\", \"Type\": \"AWS-HMAC\", \
                     \"LastUpdated\": \"{}\", \"AccessKeyId\": \"{ACCESS_KEY}\", \
                     \"SecretAccessKey\": \"{SECRET_KEY}\", \"Token\": \"instance-token\", \
                     \"Expiration\": \"{}\"}}",
                    expiring_in(0),
                    expiring_in(3600)
                ),
            ),
            _ => (404, String::new()),
        }
    });
    let rev = site(&repo, "one");
    let wc = repo.wc.to_str().unwrap();
    let mut command = svn2s3(&server, &["publish", wc]);
    repo.with_home(&mut command)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", aws.path().join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            aws.path().join("credentials"),
        )
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", instance.url(""));
    finish(&mut command).expect(0);
    Mirror::default().check(&server, &repo, rev);
    let asked = instance.asked();
    assert_eq!(asked[0].method, "PUT", "{asked:?}");
    assert!(
        asked.iter().any(|a| a.path.ends_with("/publisher")),
        "{asked:?}"
    );
    assert!(
        asked[1..]
            .iter()
            .all(|a| a.headers.contains_key("x-aws-ec2-metadata-token")),
        "every read carries the session token: {asked:?}"
    );
}

#[test]
fn an_sso_profile_uses_the_cached_token_of_its_session() {
    let (repo, server) = (Repo::new(), Server::start());
    let portal = Metadata::start(|asked| {
        let path = asked.path.as_str();
        let bearer = asked
            .headers
            .get("x-amz-sso_bearer_token")
            .map(String::as_str);
        if path.starts_with("/federation/credentials")
            && path.contains("account_id=123456789012")
            && path.contains("role_name=Publisher")
            && bearer == Some("sso-access-token")
        {
            let expires = (std::time::SystemTime::now() + std::time::Duration::from_secs(3600))
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis();
            let body = format!(
                "{{\"roleCredentials\": {{\"accessKeyId\": \"{ACCESS_KEY}\", \
                 \"secretAccessKey\": \"{SECRET_KEY}\", \"sessionToken\": \"sso-session\", \
                 \"expiration\": {expires}}}}}"
            );
            (200, body)
        } else {
            (403, "{\"message\": \"no\"}".to_owned())
        }
    });
    let aws = aws_files(
        "[profile site]\nsso_session = corp\nsso_account_id = 123456789012\n\
         sso_role_name = Publisher\nregion = us-east-1\n\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
         sso_region = us-east-1\n",
    );
    // The token `aws sso login` leaves in HOME, named by the SHA-1 of the
    // session's name.
    let home = aws.path().to_str().unwrap();
    let cache = aws.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join(sha1_hex("corp") + ".json"),
        format!(
            "{{\"accessToken\": \"sso-access-token\", \"expiresAt\": \"{}\", \
             \"region\": \"us-east-1\", \"startUrl\": \"https://corp.awsapps.com/start\"}}",
            expiring_in(3600)
        ),
    )
    .unwrap();
    let rev = site(&repo, "one");
    let url = portal.url("");
    let env = [
        ("AWS_PROFILE", "site"),
        ("AWS_ENDPOINT_URL_SSO", url.as_str()),
        ("HOME", home),
    ];
    let run = keyless(&server.endpoint(), &repo, aws.path(), &env);
    run.expect(0);
    Mirror::default().check(&server, &repo, rev);
    assert_eq!(portal.asked().len(), 1, "{:?}", portal.asked());
}

/// The SHA-1 of `text` in hex, from `sha1sum`.
fn sha1_hex(text: &str) -> String {
    let mut child = std::process::Command::new("sha1sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..40].to_owned()
}

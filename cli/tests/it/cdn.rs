//! CloudFront invalidation, against moto's CloudFront in server mode on
//! 127.0.0.1 (`make deps` installs it into target/moto).

use std::process::{Child, Command, Stdio};

use crate::harness::*;

/// moto's server, stopped on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Moto {
    fn start() -> Moto {
        let (child, port) = spawn_on_a_free_port("moto_server", |port| {
            let mut command = Command::new(moto_venv().join("bin/moto_server"));
            command
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            command
        });
        let endpoint = format!("http://127.0.0.1:{port}");
        Moto { child, endpoint }
    }

    /// Runs Python with boto3 and `cf`, a CloudFront client of this server.
    fn python(&self, code: &str) -> String {
        let prelude = "import boto3, json, sys\n\
            cf = boto3.client('cloudfront', endpoint_url=sys.argv[1], region_name='us-east-1',\n\
                aws_access_key_id='moto', aws_secret_access_key='moto')\n";
        let out = run(Command::new(moto_venv().join("bin/python"))
            .arg("-c")
            .arg(format!("{prelude}{code}"))
            .arg(&self.endpoint));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn create_distribution(&self) -> String {
        self.distribution_at("", "svn2s3-test")
    }

    /// A distribution that serves the bucket from `origin_path`.
    fn distribution_at(&self, origin_path: &str, reference: &str) -> String {
        self.python(&format!(
            "origin = {{'Id': 'media', 'DomainName': '{BUCKET}.s3.us-east-1.amazonaws.com',\n\
                 'OriginPath': '{origin_path}', 'S3OriginConfig': {{'OriginAccessIdentity': ''}}}}\n\
             behaviour = {{'TargetOriginId': 'media', 'ViewerProtocolPolicy': 'allow-all', 'MinTTL': 0,\n\
                 'ForwardedValues': {{'QueryString': False, 'Cookies': {{'Forward': 'none'}}}},\n\
                 'TrustedSigners': {{'Enabled': False, 'Quantity': 0}}}}\n\
             made = cf.create_distribution(DistributionConfig={{'CallerReference': '{reference}',\n\
                 'Origins': {{'Quantity': 1, 'Items': [origin]}}, 'DefaultCacheBehavior': behaviour,\n\
                 'Comment': '', 'Enabled': True}})\n\
             print(made['Distribution']['Id'])",
        ))
    }

    /// Every invalidation of `distribution`: its ID and its paths.
    fn invalidations(&self, distribution: &str) -> Vec<(String, Vec<String>)> {
        let json = self.python(&format!(
            "listed = cf.list_invalidations(DistributionId='{distribution}')['InvalidationList']\n\
             made = []\n\
             for item in listed.get('Items', []):\n\
             \x20   batch = cf.get_invalidation(DistributionId='{distribution}', Id=item['Id'])\n\
             \x20   made.append([item['Id'], batch['Invalidation']['InvalidationBatch']['Paths']['Items']])\n\
             print(json.dumps(made))"
        ));
        serde_json::from_str(&json).unwrap()
    }
}

#[test]
fn a_publish_invalidates_what_it_changed_and_collapses_many_paths() {
    let moto = Moto::start();
    let distribution = moto.create_distribution();
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "<h1>r1</h1>");
    repo.write("css/site.css", "body {}");
    repo.write("img/a b.png", "png");
    repo.commit("r1");
    let wc = repo.wc.to_str().unwrap();
    publish(&server, &repo, &[]);
    assert!(moto.invalidations(&distribution).is_empty());

    // A change of three files: each path named.
    repo.write("index.html", "<h1>r2</h1>");
    repo.write("css/site.css", "body { color: red }");
    repo.svn(&["rm", "-q", "img/a b.png"]);
    let rev = repo.commit("r2");
    let list = repo.wc.join("../paths.txt");
    let mut command = svn2s3(
        &server,
        &["publish", wc, "--invalidate", &distribution, "--json", "-v"],
    );
    command
        .args(["--invalidation-paths", list.to_str().unwrap()])
        .env("AWS_ENDPOINT_URL_CLOUDFRONT", &moto.endpoint);
    let run = finish(&mut command);
    run.expect(0);
    Mirror::default().check(&server, &repo, rev);
    // The stylesheet, then the page, then the invalidation, then the delete.
    let at =
        |what: &str| (run.stderr.find(what)).unwrap_or_else(|| panic!("no {what}: {}", run.stderr));
    assert!(at("uploaded key=\"css/site.css\"") < at("uploaded key=\"index.html\""));
    assert!(at("uploaded key=\"index.html\"") < at("INFO invalidated"));
    assert!(at("INFO invalidated") < at("deleted key=\"img/a b.png\""));
    // index.html is served at / too.
    let expected = ["/", "/css/site.css", "/img/a%20b.png", "/index.html"];
    let made = moto.invalidations(&distribution);
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(made[0].1, expected);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["invalidations"][0]["id"], made[0].0.as_str());
    assert_eq!(
        report["invalidations"][0]["paths"],
        serde_json::json!(expected)
    );
    assert_eq!(
        std::fs::read_to_string(&list).unwrap(),
        expected.join("\n") + "\n"
    );

    // 30 changed files, more than cloudfront.max_paths: wildcards per folder.
    for i in 0..15 {
        repo.write(&format!("css/{i}.css"), "a {}");
        repo.write(&format!("js/{i}.js"), "1;");
    }
    repo.write(
        "svn2s3.yaml",
        format!("cloudfront:\n  distribution: {distribution}\n  max_paths: 5\n"),
    );
    repo.commit("r3");
    let mut command = svn2s3(&server, &["publish", wc]);
    command.env("AWS_ENDPOINT_URL_CLOUDFRONT", &moto.endpoint);
    let run = finish(&mut command);
    run.expect(0);
    assert!(
        run.stdout
            .contains(&format!("invalidated 3 paths in CloudFront {distribution}")),
        "{}",
        run.stdout
    );
    let made = moto.invalidations(&distribution);
    assert_eq!(made.len(), 2, "{made:?}");
    let newest = made.iter().find(|(_, paths)| *paths != expected).unwrap();
    assert_eq!(newest.1, ["/css/*", "/js/*", "/svn2s3.yaml"]);

    // Nothing published, nothing invalidated.
    finish(&mut command).expect(0);
    assert_eq!(moto.invalidations(&distribution).len(), 2);
}

#[test]
fn a_failed_invalidation_is_reported_after_a_complete_publish() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "<h1>r1</h1>");
    let rev = repo.commit("r1");
    let wc = repo.wc.to_str().unwrap();
    let mut command = svn2s3(&server, &["publish", wc, "--invalidate", "E2NOSUCHDIST"]);
    // Nobody listens there: the publish completes, the invalidation cannot.
    command.env("AWS_ENDPOINT_URL_CLOUDFRONT", "http://127.0.0.1:9");
    let run = finish(&mut command);
    run.expect(1);
    assert!(
        run.stdout.contains("published r1 (first publish)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("published, but not invalidated: reading the config of E2NOSUCHDIST"),
        "{}",
        run.stderr
    );
    assert_eq!(server.published(), Some(rev));
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn the_path_list_is_rewritten_by_every_publish_and_checked_before_it() {
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "<h1>r1</h1>");
    let rev = repo.commit("r1");
    let wc = repo.wc.to_str().unwrap();
    let list = repo.wc.join("../paths.txt");
    let list_arg = list.to_str().unwrap();

    let nowhere = repo.wc.join("../no/such/folder/paths.txt");
    let run = run_svn2s3(
        &server,
        &[
            "publish",
            wc,
            "--invalidation-paths",
            nowhere.to_str().unwrap(),
        ],
    );
    run.expect(2);
    assert!(
        run.stderr.contains("paths.txt: No such file or directory"),
        "{}",
        run.stderr
    );
    assert!(server.listing().is_empty(), "a write after a refusal");

    run_svn2s3(&server, &["publish", wc, "--invalidation-paths", list_arg]).expect(0);
    // Without a distribution, no index document is assumed.
    assert_eq!(std::fs::read_to_string(&list).unwrap(), "/index.html\n");
    run_svn2s3(&server, &["publish", wc, "--invalidation-paths", list_arg]).expect(0);
    assert_eq!(
        std::fs::read_to_string(&list).unwrap(),
        "",
        "nothing published, nothing to invalidate"
    );
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn index_pages_invalidate_their_folder_in_each_distribution_relative_to_its_origin_path() {
    let moto = Moto::start();
    // One distribution serves the bucket's static/ at its root, the other
    // the whole bucket.
    let at_static = moto.distribution_at("/static", "at-static");
    let at_root = moto.distribution_at("", "at-root");
    let (repo, server) = (Repo::new(), Server::start());
    repo.write("index.html", "<h1>home</h1>");
    repo.write("docs/index.html", "<h1>docs</h1>");
    repo.write("docs/a b.html", "<p>a</p>");
    repo.write("logo.png", "png");
    repo.commit("r1");
    publish(&server, &repo, &["--prefix", "static"]);

    repo.write("index.html", "<h1>home, again</h1>");
    repo.write("docs/index.html", "<h1>docs, again</h1>");
    repo.write("docs/a b.html", "<p>a, again</p>");
    let rev = repo.commit("r2");
    let wc = repo.wc.to_str().unwrap();
    let mut command = svn2s3(
        &server,
        &[
            "publish",
            wc,
            "--prefix",
            "static",
            "--invalidate",
            &at_static,
        ],
    );
    command
        .args(["--invalidate", &at_root, "--json"])
        .env("AWS_ENDPOINT_URL_CLOUDFRONT", &moto.endpoint);
    let run = finish(&mut command);
    run.expect(0);
    Mirror {
        prefix: "static/",
        ..Mirror::default()
    }
    .check(&server, &repo, rev);
    let from_static = [
        "/",
        "/docs/",
        "/docs/a%20b.html",
        "/docs/index.html",
        "/index.html",
    ];
    let from_root = [
        "/static/",
        "/static/docs/",
        "/static/docs/a%20b.html",
        "/static/docs/index.html",
        "/static/index.html",
    ];
    assert_eq!(moto.invalidations(&at_static)[0].1, from_static);
    assert_eq!(moto.invalidations(&at_root)[0].1, from_root);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["invalidations"].as_array().unwrap().len(), 2);

    // Set in the config, the origin path is not read from CloudFront; a
    // site that serves folders without the slash has those invalidated too.
    repo.write("docs/index.html", "<h1>docs, third</h1>");
    repo.write(
        "svn2s3.yaml",
        format!(
            "prefix: static\ncloudfront:\n  distribution: [{at_static}]\n  \
             origin_path: /static\n  bare_folders: true\n"
        ),
    );
    repo.commit("r3");
    let mut command = svn2s3(&server, &["publish", wc]);
    command.env("AWS_ENDPOINT_URL_CLOUDFRONT", "http://127.0.0.1:9");
    let run = finish(&mut command);
    // Nobody listens there: the config was not read, the invalidation failed.
    run.expect(1);
    assert!(
        run.stderr
            .contains("published, but not invalidated: invalidating"),
        "{}",
        run.stderr
    );
    let mut command = svn2s3(&server, &["publish", wc]);
    let list = repo.wc.join("../paths.txt");
    repo.write("docs/index.html", "<h1>docs, fourth</h1>");
    repo.commit("r4");
    command
        .args(["--invalidation-paths", list.to_str().unwrap()])
        .env("AWS_ENDPOINT_URL_CLOUDFRONT", &moto.endpoint);
    finish(&mut command).expect(0);
    let newest = ["/docs", "/docs/", "/docs/index.html"];
    assert_eq!(
        std::fs::read_to_string(&list).unwrap(),
        newest.join("\n") + "\n"
    );
    let made = moto.invalidations(&at_static);
    assert!(made.iter().any(|(_, paths)| paths == &newest), "{made:?}");
}

//! Settings from files, flags, keys and the environment, one unit test each.

use super::validate::*;
use super::*;
use crate::header::Name;

mod keys;

fn load(yaml: &str, flags: Flags, env: &[(&str, &str)]) -> Result<Settings> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CONFIG_FILE);
    std::fs::write(&path, yaml).unwrap();
    let flags = Flags {
        wc: dir.path().to_path_buf(),
        ..flags
    };
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::load(&flags, move |key| {
        env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    })
    .map_err(anyhow::Error::from)
}

fn message(result: Result<Settings>) -> String {
    format!("{:#}", result.unwrap_err())
}

#[test]
fn the_design_example_loads() {
    let yaml = r#"
bucket: media.example.com
region: eu-west-1
endpoint: http://127.0.0.1:9000
prefix: static/
source: media
workers: 4
gzip:
  enabled: true
  patterns: ["*.css", "*.js"]
headers:
  - match: "*.css"
    cache_control: "public, max-age=31536000"
acl: public-read
exclude: ["*.psd", "drafts/**"]
max_delete: 10
"#;
    let s = load(yaml, Flags::default(), &[]).unwrap();
    assert_eq!(s.bucket, "media.example.com");
    assert_eq!(s.region, "eu-west-1");
    assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    assert_eq!(s.rules.prefix, "static/");
    assert_eq!(s.source, Some(PathBuf::from("media")));
    assert_eq!((s.workers.get(), s.max_delete), (4, 10));
    assert_eq!(s.rules.gzip.unwrap().patterns(), ["*.css", "*.js"]);
    assert_eq!(
        (s.rules.headers.first_match("a.css")).and_then(|rule| rule.values.get(Name::CacheControl)),
        Some("public, max-age=31536000")
    );
    assert_eq!(s.rules.acl.as_deref(), Some("public-read"));
    assert!(s.rules.exclude.is_match("drafts/a/b.html"));
}

#[test]
fn flags_win_over_the_file_and_the_file_over_the_environment() {
    let env = [
        ("AWS_REGION", "ap-south-1"),
        ("AWS_ENDPOINT_URL", "http://env:1"),
    ];
    let flags = Flags {
        bucket: Some("flag-bucket".into()),
        workers: Some(3),
        ..Flags::default()
    };
    let s = load(
        "bucket: file-bucket\nregion: eu-west-1\nworkers: 5\n",
        flags,
        &env,
    )
    .unwrap();
    assert_eq!((s.bucket.as_str(), s.workers.get()), ("flag-bucket", 3));
    assert_eq!(s.region, "eu-west-1");
    assert_eq!(s.endpoint.as_deref(), Some("http://env:1"));
    let s = load("bucket: b\n", Flags::default(), &env).unwrap();
    assert_eq!(s.region, "ap-south-1");
}

#[test]
fn the_region_comes_from_aws_clis_chain_and_the_profile_last() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[default]\nregion = us-west-2\n\n[profile site]\noutput = json\nregion = eu-north-1\n\n\
             [site]\nregion = not-a-profile-section\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let region = |env: &[(&str, &str)]| load("bucket: b\n", Flags::default(), env).unwrap().region;
    assert_eq!(region(&[("AWS_CONFIG_FILE", config)]), "us-west-2");
    assert_eq!(
        region(&[("AWS_CONFIG_FILE", config), ("AWS_PROFILE", "site")]),
        "eu-north-1"
    );
    let default_region = [
        ("AWS_CONFIG_FILE", config),
        ("AWS_DEFAULT_REGION", "sa-east-1"),
    ];
    assert_eq!(region(&default_region), "sa-east-1");
    let both = [
        ("AWS_DEFAULT_REGION", "sa-east-1"),
        ("AWS_REGION", "ap-south-1"),
    ];
    assert_eq!(region(&both), "ap-south-1");
    assert_eq!(
        region(&[("AWS_PROFILE", "nobody"), ("AWS_CONFIG_FILE", config)]),
        "us-east-1"
    );
    assert_eq!(region(&[("AWS_CONFIG_FILE", "/nonexistent")]), "us-east-1");
}

#[test]
fn addressing_is_auto_unless_the_file_or_a_flag_says() {
    let s = load("bucket: b\n", Flags::default(), &[]).unwrap();
    assert_eq!(s.addressing, Addressing::Auto);
    let s = load("bucket: b\naddressing: path\n", Flags::default(), &[]).unwrap();
    assert_eq!(s.addressing, Addressing::Path);
    let flags = Flags {
        addressing: Some(Addressing::Virtual),
        ..Flags::default()
    };
    let s = load("bucket: b\naddressing: path\n", flags, &[]).unwrap();
    assert_eq!(s.addressing, Addressing::Virtual);
    let err = load("bucket: b\naddressing: sideways\n", Flags::default(), &[]).unwrap_err();
    assert!(
        format!("{err:#}").contains("unknown variant `sideways`"),
        "{err:#}"
    );
    assert!("sideways".parse::<Addressing>().is_err());
}

#[test]
fn defaults_apply_when_nothing_is_said() {
    let s = load(
        "bucket: b\n",
        Flags {
            gzip: true,
            ..Flags::default()
        },
        &[],
    )
    .unwrap();
    assert_eq!(
        (s.workers.get(), s.max_delete, s.region.as_str()),
        (64, 256, "us-east-1")
    );
    assert_eq!(s.rules.prefix, "");
    assert_eq!(s.rules.gzip.unwrap().patterns(), DEFAULT_TWINS);
}

#[test]
fn twins_are_switched_on_with_a_bool_or_a_mapping() {
    let s = load(
        "bucket: b\ngzip: true\nbrotli: false\n",
        Flags::default(),
        &[],
    )
    .unwrap();
    assert_eq!(s.rules.gzip.unwrap().patterns(), DEFAULT_TWINS);
    assert!(s.rules.brotli.is_none());
    let err = message(load(
        "bucket: b\ngzip: {enabled: maybe}\n",
        Flags::default(),
        &[],
    ));
    assert!(
        err.contains("svn2s3.yaml:2:17: gzip.enabled: invalid type"),
        "{err}"
    );
    let err = message(load("bucket: b\ngzip: 3\n", Flags::default(), &[]));
    assert!(err.contains("expected true, false, or a mapping"), "{err}");
}

#[test]
fn keys_set_one_by_one_go_over_the_file_and_name_what_is_wrong() {
    let mut builder = Settings::builder("/srv/wc", "b");
    builder.env(|_| None);
    builder.set("prefix", "static").unwrap();
    builder
        .set("cloudfront.distribution", "E2QWRUHAPOMQZL")
        .unwrap();
    builder.set("cloudfront.max_paths", "5").unwrap();
    builder.set("exclude", "['*.psd', 'drafts/**']").unwrap();
    builder.set("bucket", "123").unwrap();
    let s = builder.build().unwrap();
    assert_eq!(s.rules.prefix, "static/");
    let cloudfront = s.cloudfront.unwrap();
    assert_eq!(
        (&cloudfront.distributions[..], cloudfront.max_paths),
        (&["E2QWRUHAPOMQZL".to_owned()][..], 5)
    );
    assert_eq!(cloudfront.index.as_deref(), Some(DEFAULT_INDEX));
    assert!(s.rules.exclude.is_match("drafts/x.html"));
    assert_eq!(
        s.bucket, "b",
        "the bucket given to builder() is a flag, over set keys"
    );
    let err = builder.set("gzip", "{enabled: maybe}").unwrap_err();
    assert!(
        err.to_string()
            .contains("setting gzip: gzip.enabled: invalid type"),
        "{err}"
    );
}

#[test]
fn cloudfront_names_one_distribution_or_several_and_how_they_serve_the_bucket() {
    let yaml = "bucket: b\ncloudfront:\n  distribution: [E1, E2]\n  index: default.htm\n  \
                    bare_folders: true\n  origin_path: /static/\n";
    let s = load(yaml, Flags::default(), &[]).unwrap();
    let cloudfront = s.cloudfront.unwrap();
    assert_eq!(cloudfront.distributions, ["E1", "E2"]);
    assert_eq!(cloudfront.index.as_deref(), Some("default.htm"));
    assert!(cloudfront.bare_folders);
    assert_eq!(cloudfront.origin_path.as_deref(), Some("/static"));

    // --invalidate names the distributions instead of the file.
    let flags = Flags {
        invalidate: vec!["E3".into()],
        ..Flags::default()
    };
    let s = load(
        "bucket: b\ncloudfront: {distribution: E1, index: ''}\n",
        flags,
        &[],
    )
    .unwrap();
    let cloudfront = s.cloudfront.unwrap();
    assert_eq!(
        (&cloudfront.distributions[..], cloudfront.index),
        (&["E3".to_owned()][..], None)
    );
    assert_eq!(cloudfront.origin_path, None);

    for (yaml, wrong) in [
        (
            "cloudfront: {distribution: E1, origin_path: static}",
            "must start with /",
        ),
        (
            "cloudfront: {distribution: E1, index: a/index.html}",
            "is a file name, without /",
        ),
        (
            "cloudfront: {distribution: [E1, 'E 2']}",
            "\"E 2\" is not a CloudFront distribution ID",
        ),
        (
            "cloudfront: {distribution: {id: E1}}",
            "a distribution ID, or a list of them",
        ),
    ] {
        let err = message(load(&format!("bucket: b\n{yaml}\n"), Flags::default(), &[]));
        assert!(err.contains(wrong), "{yaml}: {err}");
    }
}

#[test]
fn targets_go_over_the_shared_settings_in_the_files_order() {
    let yaml = "bucket: shared\nprefix: site\ngzip: true\ntargets:\n  \
                    zeta: {prefix: staging}\n  alpha: {bucket: prod, gzip: false}\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CONFIG_FILE), yaml).unwrap();
    let flags = |targets: &[&str]| Flags {
        wc: dir.path().to_path_buf(),
        targets: targets.iter().map(|name| name.to_string()).collect(),
        ..Flags::default()
    };
    let load = |targets: &[&str]| Settings::load_targets(&flags(targets), |_| None);
    let all = load(&["all"]).unwrap();
    let names: Vec<&str> = all.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["zeta", "alpha"], "the file's order, not sorted");
    let (zeta, alpha) = (&all[0].1, &all[1].1);
    assert_eq!(
        (zeta.target(), zeta.rules.gzip.is_some()),
        ("s3://shared/staging/".into(), true)
    );
    assert_eq!(
        (alpha.target(), alpha.rules.gzip.is_some()),
        ("s3://prod/site/".into(), false)
    );
    // Named twice, or named and `all`: each once.
    assert_eq!(load(&["alpha", "all", "alpha"]).unwrap().len(), 2);
    // Without --target, the shared settings alone.
    assert_eq!(
        Settings::load(&flags(&[]), |_| None).unwrap().target(),
        "s3://shared/site/"
    );

    let err = format!("{:#}", load(&["beta"]).unwrap_err());
    assert!(
        err.starts_with("--target beta: ")
            && err.ends_with("names no such target; it names zeta, alpha"),
        "{err}"
    );
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "bucket: b\ntargets: {a: {targets: {b: {}}}}\n",
    )
    .unwrap();
    let err = format!("{:#}", load(&["a"]).unwrap_err());
    assert!(
        err.ends_with("targets.a: a target cannot name targets of its own"),
        "{err}"
    );
    std::fs::write(dir.path().join(CONFIG_FILE), "bucket: b\n").unwrap();
    let err = format!("{:#}", load(&["all"]).unwrap_err());
    assert_eq!(err, "--target all: the settings name no targets");
}

#[test]
fn brotli_twins_are_set_as_gzip_twins_are() {
    let yaml = "bucket: b\nbrotli:\n  enabled: true\n  patterns: [\"*.css\"]\n";
    let s = load(yaml, Flags::default(), &[]).unwrap();
    assert_eq!(s.rules.brotli.unwrap().patterns(), ["*.css"]);
    assert!(s.rules.gzip.is_none());
    let flags = Flags {
        brotli: true,
        ..Flags::default()
    };
    let s = load("bucket: b\n", flags, &[]).unwrap();
    assert_eq!(s.rules.brotli.unwrap().patterns(), DEFAULT_TWINS);
    let bad = "bucket: b\nbrotli:\n  enabled: true\n  patterns: [\"a[\"]\n";
    let err = message(load(bad, Flags::default(), &[]));
    assert!(err.contains("brotli.patterns"), "{err}");
}

#[test]
fn unknown_keys_are_named_with_file_line_and_column() {
    let err = message(load("bucket: b\nbukcet: c\n", Flags::default(), &[]));
    assert!(
        err.contains("svn2s3.yaml:2:1: unknown field `bukcet`"),
        "{err}"
    );
    assert!(!err.contains(" at line "), "{err}");
}

#[test]
fn wrong_types_and_bad_yaml_are_named_with_their_position() {
    let err = message(load("bucket: b\nworkers: many\n", Flags::default(), &[]));
    assert!(
        err.contains("svn2s3.yaml:2:10: workers: invalid type"),
        "{err}"
    );
    let err = message(load("bucket: b\nprefix: \"open\n", Flags::default(), &[]));
    assert!(
        err.contains("svn2s3.yaml:3:1: found unexpected end of stream"),
        "{err}"
    );
}

#[test]
fn bad_values_are_refused_with_the_setting_named() {
    assert!(message(load("", Flags::default(), &[])).contains("no bucket given"));
    assert!(message(load("bucket: ''\n", Flags::default(), &[])).contains("bucket name is empty"));
    assert!(message(load(
        "bucket: b\nendpoint: not a url\n",
        Flags::default(),
        &[]
    ))
    .contains("endpoint: not a URL"));
    assert!(message(load(
        "bucket: b\nendpoint: ftp://x\n",
        Flags::default(),
        &[]
    ))
    .contains("not an http:// or https:// URL"));
    assert!(
        message(load("bucket: b\nworkers: 0\n", Flags::default(), &[]))
            .contains("workers must be at least 1")
    );
    assert!(
        message(load("bucket: b\nacl: public\n", Flags::default(), &[]))
            .contains("not a canned ACL")
    );
    assert!(
        message(load("bucket: b\nsource: ../x\n", Flags::default(), &[]))
            .contains("source: ../x must be a folder inside")
    );
    assert!(
        message(load("bucket: b\nexclude: ['a[']\n", Flags::default(), &[])).contains("exclude")
    );
}

#[test]
fn urls_are_told_from_paths_and_revision_needs_one() {
    assert_eq!(
        as_url(Path::new("svn+ssh://host/repo")),
        Some("svn+ssh://host/repo")
    );
    assert_eq!(
        as_url(Path::new("file:///srv/repo/trunk")),
        Some("file:///srv/repo/trunk")
    );
    assert_eq!(as_url(Path::new("./a://b")), None);
    assert_eq!(as_url(Path::new("media")), None);
    let flags = Flags {
        revision: Some(3),
        ..Flags::default()
    };
    assert!(message(load("bucket: b\n", flags, &[])).contains("--revision is for a repository URL"));
}

#[test]
fn prefixes_end_in_one_slash() {
    assert_eq!(normalize_prefix("").unwrap(), "");
    assert_eq!(normalize_prefix("/").unwrap(), "");
    assert_eq!(normalize_prefix("static").unwrap(), "static/");
    assert_eq!(normalize_prefix("/static/v1/").unwrap(), "static/v1/");
    assert_eq!(normalize_prefix("//static").unwrap(), "static/");
    assert!(normalize_prefix("a/../b").is_err());
    let refused = |prefix| format!("{:#}", normalize_prefix(prefix).unwrap_err());
    assert_eq!(
        refused("a//b"),
        "prefix \"a//b\" has an empty part (//); write each folder once"
    );
    assert!(refused("a//").contains("empty part"));
    assert!(refused(".svn2s3").contains("inside a .svn2s3 folder"));
    assert!(refused("site/.svn2s3/x").contains("inside a .svn2s3 folder"));
    assert!(refused("a\nb").contains("control characters"));
    assert_eq!(normalize_prefix("site.svn2s3").unwrap(), "site.svn2s3/");
}

#[test]
fn endpoints_with_a_user_or_a_password_are_refused_without_echoing_them() {
    let refused = |endpoint: &str| {
        let flags = Flags {
            endpoint: Some(endpoint.into()),
            ..Flags::default()
        };
        message(load("bucket: b\n", flags, &[]))
    };
    for endpoint in [
        "http://u:PASSWORD@127.0.0.1:9",
        "http:u:PASSWORD@127.0.0.1:9",
        "http://u:PASS WORD@127.0.0.1:9",
        "https://PASSWORD@s3.example.com",
    ] {
        let err = refused(endpoint);
        assert!(
            err.contains("carries a user or a password"),
            "{endpoint}: {err}"
        );
        assert!(!err.contains("PASS"), "{endpoint}: {err}");
    }
    for endpoint in ["http://u:PA/SS@127.0.0.1:9", "http://h/sub?x=PASSWORD"] {
        let err = refused(endpoint);
        assert!(
            !err.contains("PASS") && !err.contains("SS@"),
            "{endpoint}: {err}"
        );
    }
    let ok = |endpoint: &str| {
        let flags = Flags {
            endpoint: Some(endpoint.into()),
            ..Flags::default()
        };
        load("bucket: b\n", flags, &[]).unwrap().endpoint.unwrap()
    };
    assert_eq!(ok("http://127.0.0.1:9000/"), "http://127.0.0.1:9000");
    assert_eq!(ok("HTTPS://S3.Example.com"), "https://s3.example.com");
}

#[test]
fn header_rules_are_checked_as_every_header_value() {
    let yaml = "bucket: b\nheaders:\n  - match: '*'\n    cache_control: \"a\\r\\nb\"\n";
    let err = message(load(yaml, Flags::default(), &[]));
    assert!(
        err.contains(
            "svn2s3.yaml: headers[0].cache_control: \"a\\r\\nb\" holds the control character"
        ),
        "{err}"
    );
    let yaml = "bucket: b\nheaders:\n  - match: '*'\n    content_language: français\n";
    assert!(message(load(yaml, Flags::default(), &[])).contains("headers[0].content_language"));
    let yaml = "bucket: b\nheaders:\n  - match: '*'\n    cache_control: \"public,  max-age=60\"\n";
    assert!(load(yaml, Flags::default(), &[]).is_ok());
}

#[test]
fn header_rules_set_only_the_headers_rules_may_set() {
    let rule = |line: &str| {
        let yaml = format!("bucket: b\nheaders:\n  - match: '*'\n    {line}\n");
        message(load(&yaml, Flags::default(), &[]))
    };
    assert!(
        rule("expires: Wed, 21 Oct 2026 07:28:00 GMT").contains(
            "svn2s3.yaml: headers[0].expires: a header rule cannot set it; set the property \
                 svn2s3:expires on the files or a folder"
        ),
        "{}",
        rule("expires: x")
    );
    let unknown = rule("cache-control: no-cache");
    assert!(
        unknown.contains(
            "unknown field `cache-control`, expected `match` or one of cache_control, \
                 content_disposition, content_language"
        ),
        "{unknown}"
    );
}

#[test]
fn targets_may_not_be_named_all_nor_overlap() {
    let flags = |targets: &[&str]| Flags {
        targets: targets.iter().map(|name| name.to_string()).collect(),
        ..Flags::default()
    };
    let load = |yaml: &str, targets: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), yaml).unwrap();
        let flags = Flags {
            wc: dir.path().to_path_buf(),
            ..flags(targets)
        };
        Settings::load_targets(&flags, |_| None).map_err(|err| err.to_string())
    };
    let err = load("bucket: b\ntargets: {all: {}, x: {prefix: x}}\n", &["x"]).unwrap_err();
    assert!(
        err.ends_with(
            "targets.all: `all` is reserved (`--target all` names every target); rename the target"
        ),
        "{err}"
    );
    let yaml = "bucket: b\ntargets:\n  outer: {prefix: a}\n  inner: {prefix: a/b}\n  apart: {prefix: ab}\n  other: {prefix: a/b, bucket: c}\n";
    let overlap =
        "targets outer (s3://b/a/) and inner (s3://b/a/b/) overlap: the second is inside the first";
    // Named together or alone, in either order: one is inside the other.
    for named in [&["all"][..], &["outer"], &["inner"], &["inner", "outer"]] {
        let err = load(yaml, named).unwrap_err();
        assert!(err.starts_with(overlap), "{named:?}: {err}");
    }
    let apart = load(yaml, &["apart", "other"]).unwrap();
    assert_eq!(apart.len(), 2);
    let err = load(
        "bucket: b\ntargets: {a: {prefix: x}, b: {prefix: /x/}}\n",
        &["b"],
    );
    assert_eq!(
        err.unwrap_err(),
        "targets a and b both publish to s3://b/x/; each needs a bucket or prefix of its own"
    );
    // The root holds every prefix of its bucket.
    let err = load(
        "bucket: b\ntargets: {root: {}, site: {prefix: site}}\n",
        &["site"],
    )
    .unwrap_err();
    assert!(
        err.starts_with("targets root (s3://b/) and site (s3://b/site/) overlap"),
        "{err}"
    );
}

#[test]
fn cloudfronts_endpoint_comes_from_the_settings_environment_and_is_checked() {
    let yaml = "bucket: b\ncloudfront:\n  distribution: E2QWRUHAPOMQZL\n";
    let endpoint = |env: &[(&str, &str)]| load(yaml, Flags::default(), env).map(|s| s.cloudfront);
    let set = [("AWS_ENDPOINT_URL_CLOUDFRONT", "http://127.0.0.1:5000/")];
    let cloudfront = endpoint(&set).unwrap().unwrap();
    assert_eq!(
        cloudfront.endpoint.as_deref(),
        Some("http://127.0.0.1:5000")
    );
    assert_eq!(endpoint(&[]).unwrap().unwrap().endpoint, None);
    // Without a distribution it is not used, nor refused.
    let unused = load(
        "bucket: b\n",
        Flags::default(),
        &[("AWS_ENDPOINT_URL_CLOUDFRONT", "x")],
    );
    assert_eq!(unused.unwrap().cloudfront, None);
    let secret = [(
        "AWS_ENDPOINT_URL_CLOUDFRONT",
        "http://u:hunter2@127.0.0.1:5000",
    )];
    let err = format!("{:#}", endpoint(&secret).unwrap_err());
    assert!(
        err.starts_with("AWS_ENDPOINT_URL_CLOUDFRONT: carries a user or a password")
            && !err.contains("hunter2"),
        "{err}"
    );
}

#[test]
fn the_profile_of_the_credentials_comes_from_the_settings_environment() {
    let profile = |env: &[(&str, &str)]| load("bucket: b\n", Flags::default(), env).unwrap();
    assert_eq!(
        profile(&[("AWS_PROFILE", "media")])
            .address()
            .profile
            .as_deref(),
        Some("media")
    );
    assert_eq!(profile(&[]).address().profile, None);
}

#[test]
fn the_keys_come_from_the_settings_environment_and_are_never_shown() {
    let loaded = |env: &[(&str, &str)]| load("bucket: b\n", Flags::default(), env).unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
        ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
        ("AWS_SESSION_TOKEN", "t0ken"),
    ];
    let settings = loaded(&env);
    let keys = settings.address().keys.unwrap();
    assert_eq!(
        (
            keys.access.as_str(),
            keys.secret.as_str(),
            keys.token.as_deref()
        ),
        ("AKIDTEST", "s3cr3t", Some("t0ken"))
    );
    let shown = format!("{settings:?}");
    for secret in ["AKIDTEST", "s3cr3t", "t0ken"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    // Half a pair, or an empty one, is no keys: the chain is asked.
    assert_eq!(loaded(&env[..1]).address().keys, None);
    assert_eq!(
        loaded(&[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "x")])
            .address()
            .keys,
        None
    );
}

#[test]
fn previews_go_to_a_folder_of_their_own_and_their_url_names_the_slug() {
    let settings = load("bucket: b\n", Flags::default(), &[]).unwrap();
    assert_eq!(
        (settings.previews.prefix.as_str(), settings.previews.url),
        ("previews/", None)
    );
    let yaml = "bucket: b\npreviews:\n  prefix: /review\n  url: https://{slug}.example.com/\n";
    let settings = load(yaml, Flags::default(), &[]).unwrap();
    assert_eq!(settings.previews.prefix, "review/");
    assert_eq!(
        settings.previews.url.as_deref(),
        Some("https://{slug}.example.com/")
    );
    for (prefix, why) in [
        ("''", "previews.prefix: is empty"),
        ("/", "previews.prefix: is empty"),
        ("a/../b", "may not contain . or .."),
    ] {
        let yaml = format!("bucket: b\npreviews:\n  prefix: {prefix}\n");
        let err = message(load(&yaml, Flags::default(), &[]));
        assert!(err.contains(why), "{prefix}: {err}");
    }
    for url in ["https://example.com/", "ftp://{slug}.example.com/"] {
        let yaml = format!("bucket: b\npreviews:\n  url: {url}\n");
        assert!(message(load(&yaml, Flags::default(), &[])).contains("previews.url"));
    }
}

#[test]
fn pages_are_html_anywhere_and_xml_and_json_at_the_root_unless_order_says() {
    let settings = load("bucket: b\nprefix: site/\n", Flags::default(), &[]).unwrap();
    let page = |key: &str| settings.rules.is_page(key);
    for key in [
        "site/index.html",
        "site/a/b/c.htm",
        "site/sitemap.xml",
        "site/manifest.json",
    ] {
        assert!(page(key), "{key}");
    }
    for key in [
        "site/a.css",
        "site/data/x.json",
        "site/feeds/all.xml",
        "index.html",
    ] {
        assert!(!page(key), "{key}");
    }
    let yaml = "bucket: b\norder: [\"**/*.php\"]\n";
    let settings = load(yaml, Flags::default(), &[]).unwrap();
    assert!(settings.rules.is_page("a/b.php") && !settings.rules.is_page("a.html"));
    let yaml =
        "bucket: b\norder: [\"**/index.html\", about]\ngzip: {enabled: true, patterns: [\"*\"]}\n";
    let settings = load(yaml, Flags::default(), &[]).unwrap();
    for twin in ["docs/index.gz.html", "about.gz"] {
        assert!(
            settings.rules.is_page(twin),
            "a page's twin goes with it: {twin}"
        );
    }
    assert!(!settings.rules.is_page("a.gz.css"));
    let none = load("bucket: b\norder: []\n", Flags::default(), &[]).unwrap();
    assert!(
        !none.rules.is_page("index.html"),
        "one phase for every file"
    );
    let err = message(load("bucket: b\norder: [\"a[\"]\n", Flags::default(), &[]));
    assert!(err.contains("order"), "{err}");
    let err = message(load(
        "bucket: b\norder: [\"/*.html\"]\n",
        Flags::default(),
        &[],
    ));
    assert!(err.contains("order: \"/*.html\" starts with /"), "{err}");
}

#[test]
fn website_is_checked_and_its_error_page_is_a_file_of_the_published_folder() {
    let settings = load("bucket: b\n", Flags::default(), &[]).unwrap();
    assert_eq!(settings.website, None, "never asked of the bucket");
    let yaml = "bucket: b\nprefix: site/\nwebsite:\n  index: index.html\n  error: 404.html\n  \
                routing_rules:\n    - Condition: {KeyPrefixEquals: docs/}\n      \
                Redirect: {ReplaceKeyPrefixWith: documents/}\n";
    let website = load(yaml, Flags::default(), &[]).unwrap().website.unwrap();
    assert_eq!(website.error.as_deref(), Some("site/404.html"));
    assert_eq!(
        website.routing_rules[0]
            .redirect
            .replace_key_prefix_with
            .as_deref(),
        Some("documents/")
    );
    let err = message(load(
        "bucket: b\nwebsite:\n  error: e.html\n",
        Flags::default(),
        &[],
    ));
    assert!(err.contains("website: index is needed"), "{err}");
    let err = message(load(
        "bucket: b\nwebsite:\n  index: i\n  redirect: x\n",
        Flags::default(),
        &[],
    ));
    assert!(err.contains("unknown field `redirect`"), "{err}");
}

#[test]
fn keep_removed_is_a_duration_with_its_unit() {
    assert_eq!(
        load("bucket: b\n", Flags::default(), &[])
            .unwrap()
            .keep_removed,
        None
    );
    for (text, seconds) in [("90s", 90), ("15m", 900), ("1h", 3600), ("2d", 172_800)] {
        let yaml = format!("bucket: b\nkeep_removed: {text}\n");
        let settings = load(&yaml, Flags::default(), &[]).unwrap();
        assert_eq!(
            settings.keep_removed,
            Some(Duration::from_secs(seconds)),
            "{text}"
        );
    }
    for text in [
        "1",
        "1w",
        "h",
        "0s",
        "-1h",
        "1.5h",
        "400d",
        "99999999999999999999d",
    ] {
        let yaml = format!("bucket: b\nkeep_removed: \"{text}\"\n");
        let err = message(load(&yaml, Flags::default(), &[]));
        assert!(err.contains("keep_removed"), "{text}: {err}");
    }
}

#[test]
fn storage_class_and_encryption_are_checked_and_kept_by_the_rules() {
    let yaml = "bucket: b\nstorage_class: STANDARD_IA\nsse: aws:kms\nsse_kms_key_id: alias/site\n";
    let storage = load(yaml, Flags::default(), &[]).unwrap().rules.storage;
    assert_eq!(storage.storage_class.as_deref(), Some("STANDARD_IA"));
    assert_eq!(storage.sse_kms_key_id.as_deref(), Some("alias/site"));
    for (yaml, says) in [
        (
            "storage_class: GLACIER\n",
            "cannot be read until they are restored",
        ),
        ("storage_class: standard\n", "is not one of STANDARD"),
        ("sse: aes256\n", "is not AES256, aws:kms or aws:kms:dsse"),
        ("sse: AES256\nsse_kms_key_id: k\n", "needs `sse: aws:kms`"),
        (
            "sse: aws:kms\nsse_kms_key_id: \"a b\"\n",
            "is not a KMS key ID",
        ),
    ] {
        let err = message(load(&format!("bucket: b\n{yaml}"), Flags::default(), &[]));
        assert!(err.contains(says), "{yaml}: {err}");
    }
    // The checksum: an algorithm S3 has, md5 being today's (none recorded).
    let checksum = |yaml: &str| load(&format!("bucket: b\n{yaml}"), Flags::default(), &[]);
    let crc = checksum("checksum: crc64nvme\n")
        .unwrap()
        .rules
        .storage
        .checksum;
    assert_eq!(crc, Some(crate::plan::Checksum::Crc64Nvme));
    assert_eq!(
        checksum("checksum: md5\n").unwrap().rules.storage.checksum,
        None
    );
    let err = message(checksum("checksum: CRC32\n"));
    assert!(
        err.contains("checksum: \"CRC32\" is not one of md5, crc32"),
        "{err}"
    );
    let err = message(checksum("headers:\n  - match: '*'\n    checksum: adler\n"));
    assert!(
        err.contains("checksum: \"adler\" is not one of md5"),
        "{err}"
    );
    let err = message(checksum(
        "checksum: crc32\nheaders:\n  - match: '*'\n    checksum: md5\n",
    ));
    assert!(err.contains("checksum: md5 is every upload's"), "{err}");
    // The store: named, or found from the endpoint; R2 is sent what it takes.
    let r2 = checksum("store: r2\nacl: public-read\nstorage_class: STANDARD_IA\n").unwrap();
    assert_eq!((r2.store, r2.rules.acl), (StoreKind::R2, None));
    assert_eq!(
        r2.rules.storage.storage_class.as_deref(),
        Some("STANDARD_IA")
    );
    let found = checksum("endpoint: https://abc.r2.cloudflarestorage.com\nacl: private\n").unwrap();
    assert_eq!((found.store, found.rules.acl), (StoreKind::R2, None));
    assert_eq!(checksum("acl: private\n").unwrap().store, StoreKind::Aws);
    let err = message(checksum("store: minio\n"));
    assert!(err.contains("store: unknown variant `minio`"), "{err}");
    // A header rule's, checked over the file's top-level settings.
    let rule = |settings: &str| {
        format!("bucket: b\nsse: aws:kms\nheaders:\n  - match: '*.zip'\n    {settings}\n")
    };
    let read = load(&rule("storage_class: GLACIER_IR"), Flags::default(), &[]).unwrap();
    let first = read.rules.headers.written().next().unwrap();
    assert_eq!(first.storage.storage_class.as_deref(), Some("GLACIER_IR"));
    for (settings, says) in [
        (
            "storage_class: DEEP_ARCHIVE",
            "headers[0].storage_class: DEEP_ARCHIVE objects cannot be read",
        ),
        ("sse: aes", "headers[0].sse: \"aes\" is not AES256"),
        (
            "sse_kms_key_id: \"a b\"",
            "headers[0].sse_kms_key_id: \"a b\"",
        ),
    ] {
        let err = message(load(&rule(settings), Flags::default(), &[]));
        assert!(err.contains(says), "{settings}: {err}");
    }
}

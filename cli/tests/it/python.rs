//! The Python package, as `pip install` gives it: the wheel `make wheel`
//! writes (target/wheels), installed into a fresh virtual environment with
//! Django from the wheels `make deps-python` downloads (target/wheelhouse),
//! then used as a Python program or a Django project would, against s3s-fs
//! and moto, the bucket read back and compared with `svn export`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::harness::*;

/// The fresh virtual environment (one for the test run), with the wheel
/// and Django installed: its `python`.
fn python() -> &'static Path {
    static VENV: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, python) = VENV.get_or_init(|| {
        let wheels = workspace().join("target/wheels");
        let wheel = std::fs::read_dir(&wheels)
            .ok()
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "whl"))
            .max_by_key(|path| path.metadata().and_then(|m| m.modified()).ok())
            .unwrap_or_else(|| {
                panic!(
                    "no wheel in {}: run `make wheel` (make test does)",
                    wheels.display()
                )
            });
        let wheelhouse = workspace().join("target/wheelhouse");
        assert!(
            wheelhouse.is_dir(),
            "no {}: run `make deps-python` (make test does)",
            wheelhouse.display()
        );
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("python3").args(["-m", "venv"]).arg(dir.path()));
        let python = dir.path().join("bin/python");
        run(Command::new(&python)
            .args(["-m", "pip", "install", "-q", "--no-index", "--find-links"])
            .arg(&wheelhouse)
            .arg(format!("{}[django]", wheel.display())));
        (dir, python)
    });
    python
}

/// `script` run by the venv's Python with the test credentials, the
/// server's endpoint as ENDPOINT and the bucket as BUCKET, in `dir`.
fn run_python(server: &Server, dir: &Path, script: &str) -> Output {
    Command::new(python())
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("ENDPOINT", server.endpoint())
        .env("BUCKET", BUCKET)
        .output()
        .unwrap()
}

#[track_caller]
fn succeeded(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_python_api_publishes_reports_raises_and_cancels() {
    for store in Store::BOTH {
        let (repo, server) = (Repo::new(), Server::of(store));
        repo.write("index.html", "<h1>home</h1>\n");
        repo.write("css/site.css", "body { margin: 0 }\n");
        repo.write("img/a b.txt", "odd name\n");
        let rev = repo.commit("site");
        let wc = repo.wc.to_str().unwrap();
        let script = format!(
            r#"
import os, svn2s3
events = []
report = svn2s3.publish({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"],
                        gzip=True, workers=4, progress=events.append)
assert report.to == {rev} and report.uploaded == 4, report.as_dict()
assert report.as_dict()["target"] == report.target == "s3://" + os.environ["BUCKET"] + "/"
assert str(report).startswith("published r{rev} (first publish) to s3://"), str(report)
assert events[0]["event"] == "started" and events[0]["requests"] >= 4, events
done = [e for e in events if e["event"] == "done"]
assert len(done) == 4 and all(e["text"] for e in done), events
status = svn2s3.status({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"])
assert status.as_dict()["published"]["revision"] == {rev}, status.as_dict()
verified = svn2s3.verify({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"],
                         gzip=True)
assert verified.missing == verified.extra == verified.differ == [], verified.as_dict()

try:
    svn2s3.publish({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"], workers=0)
    raise SystemExit("workers=0 published")
except svn2s3.ConfigError as err:
    assert err.status == 2 and "workers" in str(err), (err.status, str(err))
try:
    svn2s3.publish("/", bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"])
    raise SystemExit("/ published")
except svn2s3.Refused as err:
    assert err.status == 2 and isinstance(err, svn2s3.Error), err
try:
    svn2s3.publish({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"],
                   no_such_key=1)
    raise SystemExit("an unknown key published")
except svn2s3.ConfigError as err:
    assert "no_such_key" in str(err), str(err)
# A flag that is not a bool is never taken for one: not even 1 for True.
for odd in (1, "yes", "no"):
    try:
        svn2s3.publish({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"],
                       dry_run=odd)
        raise SystemExit(f"dry_run={{odd!r}} was taken")
    except svn2s3.ConfigError as err:
        assert err.status == 2 and "dry_run" in str(err), str(err)
# Arguments are checked before anything is sent; status takes no publish flags.
for bad in (dict(progress=42), dict(target=5), dict(config=b"x"), dict(bucket=b"media")):
    try:
        svn2s3.publish({wc:?}, **{{"bucket": os.environ["BUCKET"], "endpoint": os.environ["ENDPOINT"], **bad}})
        raise SystemExit(f"{{bad}} was taken")
    except svn2s3.ConfigError as err:
        assert err.status == 2, err
try:
    svn2s3.status({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"], dry_run=True)
    raise SystemExit("status took dry_run")
except svn2s3.ConfigError as err:
    assert "for publish, not status" in str(err), str(err)
# A report is read-only, its values copies.
try:
    report.to = 5
    raise SystemExit("a report changed")
except AttributeError:
    pass
report.actions.append("x")
assert "x" not in report.actions
# Errors and reports pickle whole.
import pickle
err = pickle.loads(pickle.dumps(svn2s3.Incomplete("cut off", 1)))
assert (type(err), err.status, str(err)) == (svn2s3.Incomplete, 1, "cut off")
assert pickle.loads(pickle.dumps(report)).as_dict() == report.as_dict()
print("ok")
"#
        );
        let out = run_python(&server, &repo.wc, &script);
        assert_eq!(succeeded(&out).trim(), "ok", "{store:?}");
        Mirror {
            twins: &[".css"],
            ..Mirror::default()
        }
        .check(&server, &repo, rev);
    }
}

#[test]
fn ctrl_c_cancels_a_python_publish_and_releases_its_claim() {
    let (repo, server) = (Repo::new(), Server::start());
    for i in 0..40 {
        repo.write(&format!("f/{i:02}.txt"), format!("file {i}\n"));
    }
    let rev = repo.commit("forty files");
    let wc = repo.wc.to_str().unwrap();
    // SIGINT, as Ctrl-C sends it, at the first request done; one request
    // at a time, and the callback waits (the GIL let go) until the calling
    // thread has seen the signal and cancelled, so that the rest are still
    // to go when it does.
    let script = format!(
        r#"
import os, signal, time, svn2s3
seen = []
def progress(event):
    if event["event"] == "done" and not seen:
        seen.append(event)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)
    elif event["event"] == "done":
        seen.append(event)
try:
    svn2s3.publish({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"],
                   workers=1, progress=progress)
    raise SystemExit("not interrupted")
except KeyboardInterrupt:
    print("interrupted after", len(seen))
status = svn2s3.status({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"])
# The claim was released (its `until` is when it stopped), no revision published.
print("published:", (status.published or {{}}).get("revision"))
report = svn2s3.publish({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"])
print(report.to, report.uploaded)
"#
    );
    let out = run_python(&server, &repo.wc, &script);
    let stdout = succeeded(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    // Stopped between two requests (after the first, unless the machine
    // kept the calling thread from seeing the signal for half a second),
    // before the state moved; the next publish (its claim released)
    // sends what was left.
    let done: usize = (lines[0].strip_prefix("interrupted after "))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!((1..40).contains(&done), "{stdout}");
    assert_eq!(lines[1], "published: None", "{stdout}");
    assert_eq!(lines[2], format!("{rev} {}", 40 - done), "{stdout}");
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn a_progress_callback_that_raises_cancels_the_publish_with_its_exception() {
    let (repo, server) = (Repo::new(), Server::start());
    for i in 0..20 {
        repo.write(&format!("f/{i:02}.txt"), format!("file {i}\n"));
    }
    repo.commit("twenty files");
    let wc = repo.wc.to_str().unwrap();
    let script = format!(
        r#"
import os, svn2s3
class Stop(Exception):
    pass
def progress(event):
    if event["event"] == "done":
        raise Stop("enough")
try:
    svn2s3.publish({wc:?}, bucket=os.environ["BUCKET"], endpoint=os.environ["ENDPOINT"],
                   workers=1, progress=progress)
except Stop as err:
    print("stopped:", err)
"#
    );
    let out = run_python(&server, &repo.wc, &script);
    assert_eq!(succeeded(&out).trim(), "stopped: enough");
    assert_eq!(server.published(), None, "the state did not move");
}

#[test]
fn a_django_project_publishes_its_media_and_its_collected_static_files() {
    let (repo, server) = (Repo::new(), Server::moto());
    repo.write("photos/cat.jpg", [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    repo.write("docs/readme.txt", "media\n");
    let rev = repo.commit("media");
    let project = tempfile::tempdir().unwrap();
    let root = project.path();
    std::fs::create_dir_all(root.join("assets/css")).unwrap();
    std::fs::write(root.join("assets/css/site.css"), "body { color: red }\n").unwrap();
    std::fs::write(
        root.join("settings.py"),
        format!(
            r#"
import os
BASE_DIR = {root:?}
SECRET_KEY = "test"
INSTALLED_APPS = ["django.contrib.staticfiles", "svn2s3.django"]
MEDIA_ROOT = {media:?}
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BASE_DIR, "collected")
STATICFILES_DIRS = [os.path.join(BASE_DIR, "assets")]
AWS_STORAGE_BUCKET_NAME = os.environ["BUCKET"]
AWS_LOCATION = "media"
AWS_S3_CUSTOM_DOMAIN = "cdn.example.com"
# Its prefix is media's; static files go under static/ all the same.
SVN2S3 = {{"endpoint": os.environ["ENDPOINT"], "prefix": "media/"}}
"#,
            root = root.to_str().unwrap(),
            media = repo.wc.to_str().unwrap(),
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("manage.py"),
        "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n\
         from django.core.management import execute_from_command_line\n\
         execute_from_command_line(sys.argv)\n",
    )
    .unwrap();
    let manage = |args: &str| {
        let script = format!(
            "import sys, runpy\nsys.argv = ['manage.py'] + {:?}.split()\n\
             runpy.run_path('manage.py', run_name='__main__')",
            args
        );
        run_python(&server, root, &script)
    };

    let out = manage("svn2s3 publish");
    let stdout = succeeded(&out);
    assert!(
        stdout.contains(&format!(
            "published r{rev} (first publish) to s3://{BUCKET}/media/"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("served at https://cdn.example.com/media/"),
        "{stdout}"
    );
    Mirror {
        prefix: "media/",
        inside_another: true,
        ..Mirror::default()
    }
    .check(&server, &repo, rev);

    succeeded(&manage("collectstatic --noinput -v 0"));
    let out = manage("svn2s3 publish --static");
    succeeded(&out);
    let objects = server.objects();
    assert_eq!(
        objects["static/css/site.css"].body,
        b"body { color: red }\n",
        "{:?}",
        objects.keys().collect::<Vec<_>>()
    );
    let out = manage("svn2s3 verify --static --json");
    let report: serde_json::Value = serde_json::from_str(&succeeded(&out)).unwrap();
    assert_eq!(report["differ"], serde_json::json!([]), "{report}");
    // With --json, stdout is the report alone, whatever the verbosity.
    std::fs::write(root.join("assets/css/more.css"), "p { margin: 0 }\n").unwrap();
    succeeded(&manage("collectstatic --noinput -v 0"));
    let out = manage("svn2s3 publish --static --json -v 2");
    let report: serde_json::Value = serde_json::from_str(&succeeded(&out)).unwrap();
    assert_eq!(report["uploaded"], 1, "{report}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("upload static/css/more.css"));

    // A setting svn2s3 refuses is the command's error, with its status.
    let out = manage("svn2s3 publish --target nope");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SVN2S3 has no target 'nope'"), "{stderr}");
}

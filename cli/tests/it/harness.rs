//! What every integration test stands on: a real Subversion repository and
//! working copy in a temporary folder, a real S3-compatible server (s3s-fs)
//! on 127.0.0.1, the svn2s3 binary, and a reading of the bucket compared with
//! `svn export`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub const ACCESS_KEY: &str = "svn2s3-test-access";
pub const SECRET_KEY: &str = "svn2s3-test-secret-0123456789";
pub const BUCKET: &str = "media";
pub const STATE: &str = ".svn2s3/state.yaml";

/// A repository and a working copy of it, in one temporary folder.
pub struct Repo {
    dir: TempDir,
    pub url: String,
    pub wc: PathBuf,
    /// HOME for svn, so that its credentials cache is the test's own.
    pub home: Option<PathBuf>,
    /// The svnserve serving `url`, if it is an svn:// URL.
    _serve: Option<ChildGuard>,
    /// Where the repository is when it is not in `dir`.
    _repos: Option<TempDir>,
}

/// Kills a child process on drop.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

pub const SVN_USER: &str = "alice";
pub const SVN_PASSWORD: &str = "svn-password-for-alice";

impl Repo {
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let url = create_repository(dir.path());
        Repo::checked_out(dir, url)
    }

    /// A working copy of `url` in `dir/wc`.
    fn checked_out(dir: TempDir, url: String) -> Repo {
        let wc = dir.path().join("wc");
        run(Command::new("svn").args(["checkout", "-q", &url]).arg(&wc));
        Repo {
            dir,
            url,
            wc,
            home: None,
            _serve: None,
            _repos: None,
        }
    }

    /// A repository served by svnserve on 127.0.0.1 to one user with a
    /// password, checked out the way a user would: `svn checkout --username
    /// --password`, which caches the credentials in HOME/.subversion.
    pub fn served() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("served");
        fs::create_dir(&root).unwrap();
        let repo = root.join("repo");
        run(Command::new("svnadmin").arg("create").arg(&repo));
        fs::write(
            repo.join("conf/svnserve.conf"),
            "[general]\nanon-access = none\nauth-access = write\npassword-db = passwd\nrealm = svn2s3-test\n",
        )
        .unwrap();
        fs::write(
            repo.join("conf/passwd"),
            format!("[users]\n{SVN_USER} = {SVN_PASSWORD}\n"),
        )
        .unwrap();

        let (serve, port) = spawn_on_a_free_port("svnserve (Debian package subversion)", |port| {
            let mut command = Command::new("svnserve");
            command
                .args(["-d", "--foreground", "--listen-host", "127.0.0.1"])
                .args(["--listen-port", &port.to_string(), "-r"])
                .arg(&root);
            command
        });
        let serve = ChildGuard(serve);

        // A HOME of the test's own, whose svn caches passwords in plain text.
        let home = dir.path().join("home");
        fs::create_dir_all(home.join(".subversion")).unwrap();
        fs::write(
            home.join(".subversion/config"),
            "[auth]\npassword-stores =\n",
        )
        .unwrap();
        fs::write(
            home.join(".subversion/servers"),
            "[global]\nstore-plaintext-passwords = yes\n",
        )
        .unwrap();

        let url = format!("svn://127.0.0.1:{port}/repo");
        let wc = dir.path().join("wc");
        run(Command::new("svn")
            .args([
                "checkout",
                "-q",
                "--non-interactive",
                "--username",
                SVN_USER,
                "--password",
                SVN_PASSWORD,
                &url,
            ])
            .arg(&wc)
            .env("HOME", &home));
        Repo {
            dir,
            url,
            wc,
            home: Some(home),
            _serve: Some(serve),
            _repos: None,
        }
    }

    /// A repository loaded from `dump` (`svnadmin load`), and a working copy
    /// of it, both on a RAM disk where there is one: a load and a checkout
    /// open a few small files per node, each 0.1 ms on a virtual disk.
    pub fn loaded(dump: &[u8]) -> Repo {
        let shm = Path::new("/dev/shm");
        let repos = match shm.is_dir() {
            true => tempfile::tempdir_in(shm).unwrap(),
            false => tempfile::tempdir().unwrap(),
        };
        let url = create_repository(repos.path());
        let mut load = Command::new("svnadmin")
            .arg("load")
            .arg("-q")
            .arg(repos.path().join("repo"))
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(load.stdin.as_mut().unwrap(), dump).unwrap();
        drop(load.stdin.take());
        assert!(load.wait().unwrap().success(), "svnadmin load failed");
        let dir = match shm.is_dir() {
            true => tempfile::tempdir_in(shm).unwrap(),
            false => tempfile::tempdir().unwrap(),
        };
        Repo {
            _repos: Some(repos),
            ..Repo::checked_out(dir, url)
        }
    }

    /// A repository whose first revision is `tree` (made by `make` in an empty
    /// folder), imported in one commit, and a working copy of it.
    pub fn imported(make: impl FnOnce(&Path)) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        fs::create_dir(&tree).unwrap();
        make(&tree);
        let url = create_repository(dir.path());
        run(Command::new("svn")
            .args(["import", "-q", "-m", "import"])
            .arg(&tree)
            .arg(&url));
        fs::remove_dir_all(&tree).unwrap();
        Repo::checked_out(dir, url)
    }

    /// A repository in a folder named `name`, which may hold `%`, `#` or
    /// spaces, and a working copy of it.
    pub fn in_folder(name: &str) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join(name);
        fs::create_dir(&folder).unwrap();
        let repo = folder.join("repo");
        run(Command::new("svnadmin").arg("create").arg(&repo));
        let url = format!("file://{}", percent_encode(repo.to_str().unwrap()));
        Repo::checked_out(dir, url)
    }

    /// Another working copy of the repository, in a folder of its own.
    pub fn checkout(&self, name: &str) -> PathBuf {
        let wc = self.dir.path().join(name);
        let mut command = Command::new("svn");
        command
            .args(["checkout", "-q", "--non-interactive", &self.url])
            .arg(&wc);
        run(self.with_home(&mut command));
        wc
    }

    /// Updates the working copy `wc` of this repository to `rev`.
    pub fn update(&self, wc: &Path, rev: u64) {
        let mut command = Command::new("svn");
        command
            .args(["update", "-q", "--non-interactive", "-r", &rev.to_string()])
            .arg(wc);
        run(self.with_home(&mut command));
    }

    /// Writes a file of the working copy, making its folders.
    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let file = self.wc.join(path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, content).unwrap();
    }

    /// Runs `svn ARGS` in the working copy.
    pub fn svn(&self, args: &[&str]) -> String {
        let mut command = Command::new("svn");
        // Options first, so that a test may end ARGS with `-- -name`.
        command
            .arg("--non-interactive")
            .args(args)
            .current_dir(&self.wc);
        String::from_utf8(run(self.with_home(&mut command)).stdout).unwrap()
    }

    /// Gives `command` this repository's HOME, where svn keeps its credentials.
    pub fn with_home<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        if let Some(home) = &self.home {
            command.env("HOME", home);
        }
        command
    }

    /// Adds whatever is new, commits, updates, and returns the new revision.
    pub fn commit(&self, message: &str) -> u64 {
        self.svn(&["add", "-q", "--force", "."]);
        self.svn(&["commit", "-q", "--force-log", "-m", message]);
        self.svn(&["update", "-q"]);
        self.revision()
    }

    pub fn revision(&self) -> u64 {
        self.svn(&["info", "--show-item", "revision"])
            .trim()
            .parse()
            .unwrap()
    }

    /// Every file of `svn export` of the repository (or a folder of it) at `rev`.
    pub fn export(&self, rev: u64, folder: &str) -> BTreeMap<String, Vec<u8>> {
        let target = self
            .dir
            .path()
            .join(format!("export-{rev}-{}", fastrand::u32(..)));
        let url = if folder.is_empty() {
            self.url.clone()
        } else {
            format!("{}/{folder}", self.url)
        };
        let mut export = Command::new("svn");
        export.args([
            "export",
            "-q",
            "--non-interactive",
            "--ignore-externals",
            "-r",
            &rev.to_string(),
            &url,
        ]);
        run(self.with_home(&mut export).arg(&target));
        let files = read_tree(&target);
        fs::remove_dir_all(&target).unwrap();
        files
    }
}

/// `svnadmin create DIR/repo`; returns its file:// URL.
fn create_repository(dir: &Path) -> String {
    let repo = dir.join("repo");
    run(Command::new("svnadmin").arg("create").arg(&repo));
    format!("file://{}", repo.display())
}

/// Waits until `child` listens on `port`: false if it ends first (another
/// process took the port after [`free_port`] found it free).
fn listening(child: &mut Child, port: u16, what: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            // What answered is the child only if the child still runs.
            return child.try_wait().unwrap().is_none();
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on port {port}"
        );
        sleep(Duration::from_millis(20));
    }
}

fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                let key = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                files.insert(key, fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Runs a command that must succeed, and says what it printed if it does not.
pub fn run(command: &mut Command) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|err| panic!("{command:?}: {err}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The S3 servers the tests run against, both on 127.0.0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// s3s-fs: objects as files on disk, so it survives a restart; it cannot
    /// hold a key `a` beside keys under `a/`.
    S3sFs,
    /// moto's S3, in memory and faithful to AWS where s3s-fs is not: `a`
    /// beside `a/b`, NoSuchBucket, DeleteObjects answered key by key.
    Moto,
}

impl Store {
    /// Both stores, for a test that holds for S3 wherever it runs.
    pub const BOTH: [Store; 2] = [Store::S3sFs, Store::Moto];
}

/// An S3 server with the bucket [`BUCKET`], stopped on drop.
pub struct Server {
    pub store: Store,
    child: Option<Child>,
    pub port: u16,
    /// s3s-fs's data, and both servers' logs.
    root: TempDir,
    log: PathBuf,
}

/// One request the server answered, as its log names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub op: String,
    pub key: String,
}

/// The seeds a seeded test (faults, model) runs: `SVN2S3_SEED=N` replays
/// one; `SVN2S3_SEEDS=K` runs 1 to K (`make test-slow` runs more than
/// `make test`); else 1 to `default`.
pub fn seeds(default: u64) -> Vec<u64> {
    let number = |name: &str| {
        let text = std::env::var(name).ok()?;
        Some(
            text.parse::<u64>()
                .unwrap_or_else(|_| panic!("{name} is a number")),
        )
    };
    match (number("SVN2S3_SEED"), number("SVN2S3_SEEDS")) {
        (Some(seed), _) => vec![seed],
        (None, count) => (1..=count.unwrap_or(default)).collect(),
    }
}

/// The workspace's root: the library's sources, the Makefile, the examples.
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the command's crate is a folder of the workspace")
}

/// The Python venv where `make deps` installs moto.
pub fn moto_venv() -> PathBuf {
    std::env::var_os("SVN2S3_MOTO")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/moto"))
}

/// A free port on 127.0.0.1, for a server of this process's own; a child
/// is started on one with [`spawn_on_a_free_port`].
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `command`, which is to listen on `port`, and waits until it does;
/// `None` if it ended first.
pub fn spawn_listening(command: &mut Command, port: u16, what: &str) -> Option<Child> {
    let mut child = command
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("starting {what} ({err}); `make deps` installs it"));
    match listening(&mut child, port, what) {
        true => Some(child),
        false => {
            child.kill().ok();
            child.wait().ok();
            None
        }
    }
}

/// Starts the server `command` makes for a port, on a free one, and waits
/// until it listens there: a port another process takes between the look
/// and the start costs another try, not a test.
pub fn spawn_on_a_free_port(what: &str, command: impl Fn(u16) -> Command) -> (Child, u16) {
    for _ in 0..5 {
        let port = free_port();
        if let Some(child) = spawn_listening(&mut command(port), port, what) {
            return (child, port);
        }
    }
    panic!("{what} ended before it listened, five times");
}

impl Server {
    /// s3s-fs, the store most tests use.
    pub fn start() -> Server {
        Server::of(Store::S3sFs)
    }

    /// moto's S3.
    pub fn moto() -> Server {
        Server::of(Store::Moto)
    }

    pub fn of(store: Store) -> Server {
        let root = tempfile::tempdir().unwrap();
        if store == Store::S3sFs {
            fs::create_dir_all(root.path().join("data").join(BUCKET)).unwrap();
        }
        let log = root.path().join("server.log");
        let mut server = Server {
            store,
            child: None,
            port: 0,
            root,
            log,
        };
        let (child, port) = spawn_on_a_free_port("the S3 server", |port| server.command(port));
        (server.child, server.port) = (Some(child), port);
        if store == Store::Moto {
            // moto takes requests unsigned.
            let made = server.plain_request("PUT", &format!("/{BUCKET}"));
            assert!(
                made.starts_with("HTTP/1.1 200"),
                "moto made no bucket: {made}"
            );
        }
        server
    }

    fn s3s_fs() -> PathBuf {
        if let Some(path) = std::env::var_os("S3S_FS") {
            return path.into();
        }
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
        let installed = home.join("bin").join("s3s-fs");
        if installed.is_file() {
            installed
        } else {
            PathBuf::from("s3s-fs")
        }
    }

    /// The command that starts this server on `port`, logging to its log.
    fn command(&self, port: u16) -> Command {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let port = port.to_string();
        let mut command = match self.store {
            Store::S3sFs => {
                let mut command = Command::new(Self::s3s_fs());
                command
                    .args(["--host", "127.0.0.1", "--port", &port])
                    .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
                    .arg(self.root.path().join("data"))
                    .env("RUST_LOG", "s3s::ops=debug");
                command
            }
            Store::Moto => {
                let mut command = Command::new(moto_venv().join("bin/moto_server"));
                command.args(["-H", "127.0.0.1", "-p", &port]);
                command
            }
        };
        command
            .env("NO_COLOR", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        command
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request answered so far, oldest first, named as S3's API names
    /// them (`PutObject`, `DeleteObjects`, ...).
    pub fn requests(&self) -> Vec<Request> {
        if self.store == Store::Moto {
            self.sync_log();
        }
        let text = fs::read_to_string(&self.log).unwrap();
        let parse = match self.store {
            Store::S3sFs => s3s_request,
            Store::Moto => moto_request,
        };
        text.lines().filter_map(parse).collect()
    }

    /// moto logs a request after answering it: a request of our own, once
    /// logged, shows that every request answered before it is logged too.
    fn sync_log(&self) {
        let mark = format!("{SYNC}{}", fastrand::u64(..));
        self.plain_request("GET", &format!("/?{mark}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !fs::read_to_string(&self.log).unwrap().contains(&mark) {
            assert!(Instant::now() < deadline, "moto did not log {mark}");
            sleep(Duration::from_millis(10));
        }
    }

    /// Sends an unsigned request without a body; returns the whole answer.
    fn plain_request(&self, method: &str, target: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let request = format!("{method} {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
        std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    /// The state object's text, if there is one.
    pub fn state(&self) -> Option<String> {
        let response = runtime().block_on(self.client().get_object(STATE)).ok()?;
        Some(String::from_utf8(response.to_vec()).unwrap())
    }

    /// The revision the state object says is published, if any.
    pub fn published(&self) -> Option<u64> {
        let state = self.state()?;
        let line = state.lines().find(|line| line.starts_with("revision: "))?;
        Some(line["revision: ".len()..].parse().unwrap())
    }

    /// Every key of the bucket and its size, from a listing.
    pub fn listing(&self) -> BTreeMap<String, u64> {
        let pages = runtime()
            .block_on(self.client().list(String::new(), None))
            .unwrap();
        pages
            .into_iter()
            .flat_map(|page| page.contents)
            .map(|object| (object.key, object.size))
            .collect()
    }

    /// Every key of an s3s-fs bucket and its size, read from the files
    /// s3s-fs keeps them in: for buckets too big for its listings, each
    /// page of which reads the whole bucket.
    pub fn files_on_disk(&self) -> BTreeMap<String, u64> {
        assert_eq!(
            self.store,
            Store::S3sFs,
            "only s3s-fs keeps objects as files"
        );
        let bucket = self.root.path().join("data").join(BUCKET);
        let mut found = BTreeMap::new();
        let mut folders = vec![bucket.clone()];
        while let Some(folder) = folders.pop() {
            for entry in fs::read_dir(&folder).unwrap() {
                let entry = entry.unwrap();
                let meta = entry.metadata().unwrap();
                if meta.is_dir() {
                    folders.push(entry.path());
                } else {
                    let key = entry.path().strip_prefix(&bucket).unwrap().to_owned();
                    found.insert(key.to_str().unwrap().to_owned(), meta.len());
                }
            }
        }
        found
    }

    /// Every object of the bucket, read back through the S3 API. One GET per
    /// object, and s3s-fs answers GETs slowly (its replies wait on delayed
    /// ACKs, about 40 ms each, 16 at a time here): for small buckets only.
    pub fn objects(&self) -> BTreeMap<String, Object> {
        let keys: Vec<String> = self.listing().into_keys().collect();
        self.get(&keys)
    }

    /// The objects under `keys`, read back through the S3 API.
    pub fn get(&self, keys: &[String]) -> BTreeMap<String, Object> {
        use futures_util::stream::{self, StreamExt};
        let bucket = self.client();
        let bucket = &bucket;
        runtime().block_on(
            stream::iter(keys)
                .map(|key| async move {
                    let response = bucket.get_object(key).await.unwrap();
                    let headers = response.headers();
                    let header = |name: &str| headers.get(name).cloned();
                    let object = Object {
                        body: response.to_vec(),
                        content_type: header("content-type"),
                        content_encoding: header("content-encoding"),
                        cache_control: header("cache-control"),
                        content_disposition: header("content-disposition"),
                        content_language: header("content-language"),
                        expires: header("expires"),
                        redirect: header("x-amz-website-redirect-location"),
                    };
                    (key.clone(), object)
                })
                // Many at once: each answer waits on a delayed ACK, not on work.
                .buffer_unordered(16)
                .collect(),
        )
    }

    /// Writes an object behind svn2s3's back.
    pub fn put(&self, key: &str, body: &[u8]) {
        let bucket = self.client();
        runtime().block_on(bucket.put_object(key, body)).unwrap();
    }

    /// Writes an object with a `Content-Type` behind svn2s3's back, as
    /// `aws s3 sync` would.
    pub fn put_typed(&self, key: &str, body: &[u8], content_type: &str) {
        let bucket = self.client();
        runtime()
            .block_on(bucket.put_object_with_content_type(key, body, content_type))
            .unwrap();
    }

    /// Writes an object with svn2s3's MD5 metadata saying `md5` and these
    /// `headers`, behind svn2s3's back: a forgery, or another tool's twin.
    pub fn put_claiming(&self, key: &str, body: &[u8], md5: &str, headers: &[(&str, &str)]) {
        let bucket = self.client();
        let mut put = bucket
            .put_object_builder(key, body)
            .with_header("x-amz-meta-svn2s3-md5", md5)
            .unwrap();
        // The builder sends a Content-Type of its own unless told one.
        for (name, value) in headers {
            put = match name.to_ascii_lowercase().as_str() {
                "content-type" => put.with_content_type(value),
                "content-encoding" => put.with_content_encoding(value).unwrap(),
                _ => put.with_header(name, value).unwrap(),
            };
        }
        runtime().block_on(put.execute()).unwrap();
    }

    /// Writes an object in 8 MiB parts, with svn2s3's MD5 metadata saying
    /// `md5`, behind svn2s3's back: a forgery of svn2s3's part count.
    /// Returns the ETag it got.
    pub fn put_parts_claiming(&self, key: &str, body: &[u8], md5: &str) -> String {
        let mut bucket = self.client();
        bucket.add_header("x-amz-meta-svn2s3-md5", md5);
        runtime()
            .block_on(bucket.put_object_stream(&mut &body[..], key))
            .unwrap();
        let head = runtime().block_on(bucket.head_object(key)).unwrap().0;
        head.e_tag.unwrap().trim_matches('"').to_owned()
    }

    /// Writes an empty object that redirects to `location`, behind svn2s3's
    /// back.
    pub fn put_redirect(&self, key: &str, location: &str) {
        let bucket = self.client();
        let put = bucket
            .put_object_builder(key, b"")
            .with_header("x-amz-website-redirect-location", location)
            .unwrap()
            .execute();
        runtime().block_on(put).unwrap();
    }

    /// Deletes an object behind svn2s3's back.
    pub fn delete(&self, key: &str) {
        runtime()
            .block_on(self.client().delete_object(key))
            .unwrap();
    }

    /// The storage class (none for STANDARD) and server-side encryption of
    /// `key`, from a HEAD.
    pub fn stored_as(&self, key: &str) -> (Option<String>, Option<String>) {
        let (head, _) = runtime().block_on(self.client().head_object(key)).unwrap();
        (head.storage_class, head.server_side_encryption)
    }

    fn client(&self) -> Box<s3::Bucket> {
        s3::Bucket::new(BUCKET, self.region(), credentials())
            .unwrap()
            .with_path_style()
    }

    fn region(&self) -> s3::Region {
        s3::Region::Custom {
            region: "us-east-1".into(),
            endpoint: self.endpoint(),
        }
    }
}

fn credentials() -> s3::creds::Credentials {
    s3::creds::Credentials::new(Some(ACCESS_KEY), Some(SECRET_KEY), None, None, None).unwrap()
}

/// A line of the sync requests in moto's log, which are not the test's.
const SYNC: &str = "svn2s3-test-sync=";

/// A request in s3s-fs's log: `... resolved route, op: PutObject, ... key: "a/b" }`.
fn s3s_request(line: &str) -> Option<Request> {
    let (_, rest) = line.split_once("resolved route, op: ")?;
    let (op, rest) = rest.split_once(',')?;
    let key = rest
        .split_once("key: \"")
        .map_or("", |(_, k)| k.trim_end_matches(&['"', ' ', '}'][..]));
    Some(Request {
        op: op.to_owned(),
        key: key.to_owned(),
    })
}

/// A request in moto's (werkzeug's) log, `... "PUT /media/a%20b?x HTTP/1.1" 200 -`,
/// named by its method, its path and its query as S3's API names it.
fn moto_request(line: &str) -> Option<Request> {
    // werkzeug colours the lines of some answers, whatever NO_COLOR says.
    let plain = strip_colours(line);
    let (_, rest) = plain.split_once("] \"")?;
    let (method, rest) = rest.split_once(' ')?;
    let (target, _) = rest.split_once(' ')?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let key = path
        .strip_prefix(&format!("/{BUCKET}"))?
        .trim_start_matches('/');
    if query.starts_with(SYNC) {
        return None;
    }
    let has = |param: &str| {
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some(param))
    };
    let op = match (method, key.is_empty()) {
        ("GET", true) if has("website") => "GetBucketWebsite",
        ("PUT", true) if has("website") => "PutBucketWebsite",
        ("GET", true) if has("list-type") => "ListObjectsV2",
        ("GET", true) => "ListObjects",
        ("PUT", true) => "CreateBucket",
        ("HEAD", true) => "HeadBucket",
        ("POST", true) if has("delete") => "DeleteObjects",
        ("GET", false) => "GetObject",
        ("HEAD", false) => "HeadObject",
        ("PUT", false) if has("partNumber") => "UploadPart",
        ("PUT", false) => "PutObject",
        ("POST", false) if has("uploads") => "CreateMultipartUpload",
        ("POST", false) if has("uploadId") => "CompleteMultipartUpload",
        ("DELETE", false) if has("uploadId") => "AbortMultipartUpload",
        ("DELETE", false) => "DeleteObject",
        (method, _) => method,
    };
    Some(Request {
        op: op.to_owned(),
        key: percent_decode(key),
    })
}

/// `line` without its ANSI colour sequences (`ESC [ ... m`).
fn strip_colours(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('\u{1b}') {
        plain.push_str(&rest[..at]);
        rest = &rest[at..];
        rest = rest.find('m').map_or("", |end| &rest[end + 1..]);
    }
    plain.push_str(rest);
    plain
}

/// A path as a URL path: every byte but unreserved ones and `/` as %XX.
pub fn percent_encode(path: &str) -> String {
    path.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Decodes the %XX escapes of a URL path.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = text.get(i + 1..i + 3).filter(|_| bytes[i] == b'%');
        match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// An object as read back from the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_language: Option<String>,
    pub expires: Option<String>,
    /// `x-amz-website-redirect-location`: where a redirect object points.
    pub redirect: Option<String>,
}

/// The outcome of one run of the svn2s3 binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The number before `what` ("uploaded", "deleted", "redirected",
    /// "rewritten") in the report's summary, read whole: "11 uploaded" is
    /// 11, never a match for 1. Exactly one summary says it.
    #[track_caller]
    pub fn count(&self, what: &str) -> u64 {
        let said: Vec<u64> = (self.stdout.split([' ', ',', '\n', '(', ')']))
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|pair| pair[1] == what)
            .map(|pair| pair[0].parse().expect("a count"))
            .collect();
        match said[..] {
            [count] => count,
            _ => panic!("{what} said {} times in:\n{}", said.len(), self.stdout),
        }
    }

    #[track_caller]
    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit status\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// The svn2s3 binary, pointed at a server with the test credentials.
pub fn svn2s3(server: &Server, args: &[&str]) -> Command {
    svn2s3_at(&server.endpoint(), args)
}

/// The svn2s3 binary, pointed at `endpoint` (a proxy, say) with the test credentials.
pub fn svn2s3_at(endpoint: &str, args: &[&str]) -> Command {
    let mut command = bare_svn2s3(args);
    command.args(["--bucket", BUCKET, "--endpoint", endpoint]);
    command
}

/// The svn2s3 binary with the test credentials, and no bucket or endpoint.
pub fn bare_svn2s3(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_svn2s3"));
    command
        .args(args)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("RUST_LOG")
        // A build's MD5 cache goes where the tests keep their own.
        .env("XDG_CACHE_HOME", workspace().join("target/test-cache"))
        .stdin(Stdio::null());
    command
}

/// The environment a publish in this process reads, as every svn2s3 the
/// tests run gets it: the test credentials, and none of the settings a
/// test must not inherit. This process's own is never changed: other
/// tests' threads read it.
pub fn test_env(name: &str) -> Option<String> {
    match name {
        "AWS_ACCESS_KEY_ID" => Some(ACCESS_KEY.to_owned()),
        "AWS_SECRET_ACCESS_KEY" => Some(SECRET_KEY.to_owned()),
        "AWS_SESSION_TOKEN" | "AWS_PROFILE" | "AWS_ENDPOINT_URL" => None,
        _ => std::env::var(name).ok(),
    }
}

/// Gives `wrapper`, a program that runs `command` (as setpriv or script do),
/// the environment `command` was given.
pub fn keep_env(wrapper: &mut Command, command: &Command) {
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapper.env(key, value),
            None => wrapper.env_remove(key),
        };
    }
}

/// Runs svn2s3 to the end.
pub fn run_svn2s3(server: &Server, args: &[&str]) -> Run {
    finish(&mut svn2s3(server, args))
}

/// Runs a publish that waits for another's claim (`--wait`), and puts
/// `unclaimed` back as the state once it says it is waiting: the claim
/// ends then, whatever the clock says, however slow the machine.
pub fn released_when_waiting(command: &mut Command, server: &Server, unclaimed: &str) -> Run {
    let mut waiting = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let said = std::io::BufReader::new(waiting.stderr.take().unwrap());
    let mut stderr = String::new();
    for line in std::io::BufRead::lines(said) {
        let line = line.unwrap();
        stderr.push_str(&line);
        stderr.push('\n');
        if line.contains("another publish") && line.ends_with("waiting") {
            server.put(STATE, unclaimed.as_bytes());
        }
    }
    let out = waiting.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

pub fn finish(command: &mut Command) -> Run {
    let out = command.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a command to the end and returns its outcome and its peak resident
/// memory in bytes, read from the kernel's high-water mark (VmHWM) until the
/// process exits: the last reading is the peak, or just below it.
pub fn with_peak_rss(command: &mut Command) -> (Run, u64) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Some(kib) = fs::read_to_string(&status_file).ok().and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        }) {
            peak = peak.max(kib * 1024);
        }
        sleep(Duration::from_millis(2));
    }
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (run, peak)
}

/// Runs `command`, which must refuse with exit 2 in one line holding
/// `names`, and checks that the bucket and its state are untouched.
#[track_caller]
pub fn refused(server: &Server, command: &mut Command, names: &str) {
    let (listing, state) = (server.listing(), server.state());
    let requests = server.requests().len();
    let run = finish(command);
    run.expect(2);
    let line = run.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "more than one line:\n{line}");
    assert!(line.starts_with("svn2s3: "), "{line}");
    assert!(line.contains(names), "{names:?} is not named in: {line}");
    let wrote: Vec<_> = server.requests()[requests..]
        .iter()
        .filter(|r| !matches!(r.op.as_str(), "GetObject" | "HeadObject" | "ListObjectsV2"))
        .cloned()
        .collect();
    assert!(wrote.is_empty(), "{wrote:?} after: {line}");
    assert_eq!(
        server.listing(),
        listing,
        "the bucket changed after: {line}"
    );
    assert_eq!(server.state(), state, "the state changed after: {line}");
}

/// `svn2s3 publish WC ARGS` with the repository's HOME, which must exit 0.
pub fn publish(server: &Server, repo: &Repo, args: &[&str]) -> Run {
    let wc = repo.wc.to_str().unwrap();
    let run = finish(repo.with_home(&mut svn2s3(server, &[&["publish", wc], args].concat())));
    run.expect(0);
    run
}

/// `svn2s3 verify WC ARGS` with the repository's HOME, to the end.
pub fn verify(server: &Server, repo: &Repo, args: &[&str]) -> Run {
    let wc = repo.wc.to_str().unwrap();
    finish(repo.with_home(&mut svn2s3(server, &[&["verify", wc], args].concat())))
}

/// Redirect objects, key to location.
pub fn redirects(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(key, to)| (key.to_string(), to.to_string()))
        .collect()
}

/// An RFC 3339 time `seconds` from now, as claims give it.
pub fn from_now(seconds: u64) -> String {
    let out = run(Command::new("date")
        .arg("-u")
        .arg(format!("--date=+{seconds} seconds"))
        .arg("+%Y-%m-%dT%H:%M:%SZ"));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Writes into the state the claim of a publish of `rev` on another
/// machine, `started` at one time and lasting `until` another.
pub fn plant_claim(server: &Server, rev: u64, started: &str, until: &str) {
    let state = server.state().expect("a state to claim");
    assert!(!state.contains("publishing:"), "{state}");
    let claim = format!(
        "publishing:\n  revisions:\n  - {rev}\n  host: elsewhere\n  pid: 1\n  started_at: {started}\n  until: {until}\n"
    );
    server.put(STATE, format!("{state}{claim}").as_bytes());
}

/// What the bucket must hold for a publish of `folder` at `rev`.
#[derive(Default)]
pub struct Mirror<'a> {
    pub prefix: &'a str,
    pub folder: &'a str,
    /// Files whose names end so get a gzip twin.
    pub twins: &'a [&'a str],
    /// Files whose names end so get a brotli twin.
    pub brotli: &'a [&'a str],
    /// Redirect objects the bucket holds besides the tree: key to location.
    pub redirects: BTreeMap<String, String>,
    /// Files of the export whose objects are redirects (`svn2s3:redirect`),
    /// which are among `redirects` rather than compared as files.
    pub not_files: BTreeSet<String>,
    /// Keys under these (another publish's prefix inside this one) are
    /// not this publish's.
    pub ignore: &'a [&'a str],
    /// Whether keys outside the prefix are another publish's (one whose
    /// prefix holds this one), and not compared; otherwise any is extra.
    pub inside_another: bool,
}

impl Mirror<'_> {
    /// Asserts that the bucket equals `svn export` of `rev`: the same keys,
    /// the same bytes, twins that gunzip to their file, and a state at
    /// `rev`; and, besides, exactly the redirects it names.
    #[track_caller]
    pub fn check(&self, server: &Server, repo: &Repo, rev: u64) {
        let mut objects = server.objects();
        objects.retain(|key, _| {
            (key.starts_with(self.prefix) || !self.inside_another)
                && !self.ignore.iter().any(|other| key.starts_with(other))
        });
        let redirects: BTreeMap<String, String> = objects
            .iter()
            .filter_map(|(key, object)| Some((key.clone(), object.redirect.clone()?)))
            .collect();
        assert_eq!(redirects, self.redirects, "the redirects of r{rev}");
        objects.retain(|key, _| !redirects.contains_key(key));
        let state = objects
            .remove(&format!("{}{STATE}", self.prefix))
            .unwrap_or_else(|| panic!("no state object under {:?}", self.prefix));
        let state = String::from_utf8(state.body).unwrap();
        assert!(
            state.contains(&format!("\nrevision: {rev}\n")),
            "state is not at r{rev}:\n{state}"
        );

        let mut expected = BTreeMap::new();
        for (path, bytes) in repo.export(rev, self.folder) {
            if self.not_files.contains(&path) {
                continue;
            }
            if self.twins.iter().any(|ext| path.ends_with(ext)) {
                expected.insert(
                    format!(
                        "{}{}",
                        self.prefix,
                        svn2s3::plan::Encoding::Gzip.twin_path(&path)
                    ),
                    gzip(&bytes),
                );
            }
            if self.brotli.iter().any(|ext| path.ends_with(ext)) {
                let twin = svn2s3::plan::Encoding::Brotli.twin_path(&path);
                expected.insert(format!("{}{twin}", self.prefix), brotli_marked(&bytes));
            }
            expected.insert(format!("{}{path}", self.prefix), bytes);
        }
        let actual: BTreeMap<String, Vec<u8>> = objects
            .into_iter()
            .map(|(key, object)| {
                // Compressed bytes differ with the level; compare what they
                // hold, marked so that a twin that is not compressed still fails.
                let body = match object.content_encoding.as_deref() {
                    Some("gzip") => gzip(&gunzip(&object.body)),
                    Some("br") => brotli_marked(&unbrotli(&object.body)),
                    _ => object.body,
                };
                (key, body)
            })
            .collect();
        assert_same(&expected, &actual, rev);
    }
}

#[track_caller]
fn assert_same(expected: &BTreeMap<String, Vec<u8>>, actual: &BTreeMap<String, Vec<u8>>, rev: u64) {
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<_> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    let differ: Vec<_> = expected
        .iter()
        .filter(|(k, v)| actual.get(*k).is_some_and(|a| a != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "the bucket is not r{rev}:\n  missing: {missing:?}\n  extra:   {extra:?}\n  differ:  {differ:?}"
    );
}

/// A canonical gzip of `bytes`, so that two gzips of the same bytes compare equal.
/// `bytes` gzipped, at the fast level (svn2s3 writes the best).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `bytes`, marked as what a brotli twin holds.
fn brotli_marked(bytes: &[u8]) -> Vec<u8> {
    [b"brotli:", bytes].concat()
}

pub fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("a brotli twin holds brotli");
    out
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip twin holds gzip");
    out
}

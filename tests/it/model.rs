//! The model test: seeded random histories made with the real svn client,
//! every kind of change mixed, a publish after each commit, and the whole
//! bucket compared with `svn export` every time: keys, bytes, Content-Type,
//! gzip twins and the state's revision.
//!
//! On moto, which like S3 holds a key `a` beside keys under `a/`, folders are
//! also replaced by files, and at random steps part of the working copy is
//! updated back to an older revision before the publish: it must be refused
//! exactly when a file of the change is not at the new revision, and publish
//! exactly otherwise. There, publishes leave redirects where files moved,
//! which are checked against the log as the svn command line gives it, and
//! at random steps the bucket is rolled back to an older revision first.
//!
//! A failing seed prints itself; `SVN2S3_SEED=N cargo test --test it model`
//! replays it alone.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use fastrand::Rng;

use crate::harness::*;

const STEPS: usize = 24;
pub const TWINS: &[&str] = &[".css", ".js", ".mjs", ".json", ".svg"];

/// Names that test keys, URLs and the shell: each is valid in svn.
const NAMES: &[&str] = &[
    "index",
    "site",
    "a b",
    "c+d",
    "e%f",
    "g#h",
    "i?j",
    "k&l",
    "m=n",
    "o'p",
    "q(r)",
    "-dash",
    "caf\u{e9}",
    "cafe\u{301}",
    "\u{65e5}\u{672c}",
    "x",
];
const EXTENSIONS: &[&str] = &[".css", ".js", ".html", ".txt", ".png", ".json", ""];
const TYPES: &[&str] = &["text/plain", "image/png", "application/x-custom"];

fn seeds() -> Vec<u64> {
    match std::env::var("SVN2S3_SEED") {
        Ok(seed) => vec![seed.parse().expect("SVN2S3_SEED is a number")],
        Err(_) => vec![1, 2, 3, 4],
    }
}

/// What a history may change beyond files and folders added, edited,
/// deleted, copied and moved, and properties set.
#[derive(Debug, Clone, Copy)]
pub struct Kinds {
    /// A file replaced by a folder of the same name.
    pub file_to_folder: bool,
    /// A folder replaced by a file of the same name, and a file named as a
    /// folder once was. s3s-fs keeps a deleted key's emptied folders on
    /// disk, where a file cannot then be written; S3 and moto have no folders.
    pub folder_to_file: bool,
}

/// No file becomes a folder, nor the reverse.
pub const NO_REPLACEMENTS: Kinds = Kinds {
    file_to_folder: false,
    folder_to_file: false,
};

/// On s3s-fs: files become folders, never the reverse.
const ON_S3S_FS: Kinds = Kinds {
    file_to_folder: true,
    folder_to_file: false,
};

#[test]
fn random_histories_publish_exactly() {
    replay("model", |seed| {
        history(seed, Store::S3sFs);
    });
}

#[test]
fn random_histories_with_folders_becoming_files_mixed_revisions_redirects_and_rollbacks_on_moto() {
    let tally = std::cell::Cell::new(Tally::default());
    replay("model", |seed| {
        let seen = history(seed, Store::Moto);
        let sum = tally.get();
        tally.set(Tally {
            refused: sum.refused + seen.refused,
            published: sum.published + seen.published,
            moves: sum.moves + seen.moves,
            rollbacks: sum.rollbacks + seen.rollbacks,
        });
    });
    let tally = tally.get();
    eprintln!("seen: {tally:?}");
    if std::env::var_os("SVN2S3_SEED").is_none() {
        assert!(tally.refused > 0 && tally.published > 0, "{tally:?}");
        assert!(tally.moves > 0 && tally.rollbacks > 0, "{tally:?}");
    }
}

/// How the publishes of mixed working copies ended; how many files moved
/// and left a redirect, and how many rollbacks were published.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    refused: usize,
    published: usize,
    moves: usize,
    rollbacks: usize,
}

/// Runs `test` for each seed; a failing seed says how to replay it.
fn replay(name: &str, test: impl Fn(u64)) {
    for seed in seeds() {
        if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(|| test(seed))) {
            eprintln!("{name} test failed for seed {seed}; replay: SVN2S3_SEED={seed} cargo test --test it {name}");
            panic::resume_unwind(panic);
        }
    }
}

/// Publishes a random history of `STEPS` commits, checking the bucket after
/// each; says what it saw.
fn history(seed: u64, store: Store) -> Tally {
    let mut rng = Rng::with_seed(seed);
    let mut mixed = Tally::default();
    let (repo, server) = (Repo::new(), Server::of(store));
    let kinds = match store {
        Store::S3sFs => ON_S3S_FS,
        Store::Moto => Kinds {
            file_to_folder: true,
            folder_to_file: true,
        },
    };
    // On moto, moves leave redirects, which the oracle tracks.
    let redirects = store == Store::Moto;
    let args: &[&str] = if redirects {
        &["--gzip", "--redirects"]
    } else {
        &["--gzip"]
    };
    let mut oracle = Oracle::default();
    let mut ever_dirs: BTreeSet<String> = BTreeSet::new();
    for step in 0..STEPS {
        let changes = 1 + rng.usize(..3);
        let mut did = Vec::new();
        for _ in 0..changes {
            did.push(change(&mut rng, &repo, &mut ever_dirs, kinds));
        }
        let rev = repo.commit(&format!("seed {seed} step {step}"));
        if rev == 0 {
            continue; // no change yet; svn2s3 refuses an empty repository
        }
        let rollback = server
            .published()
            .filter(|&from| redirects && from > 1 && rng.usize(..5) == 0);
        if let Some(from) = rollback {
            let back = 1 + rng.u64(..from - 1);
            repo.update(&repo.wc, back);
            let run = publish(&server, &repo, &[args, &["--rollback"]].concat());
            oracle.roll_back(&repo, back);
            mixed.rollbacks += 1;
            let context = format!(
                "seed {seed}, step {step}: rollback r{from} -> r{back}\n{}",
                run.stdout
            );
            check(&server, &repo, back, &oracle, &context);
            repo.svn(&["update", "-q"]);
        }
        // The publish after a rollback spans several commits; a mixed
        // working copy is tried on a publish of one.
        let published = server.published().filter(|_| rollback.is_none());
        if let Some(from) = published.filter(|_| store == Store::Moto && rng.usize(..3) == 0) {
            did.push(mix(&mut rng, &repo, from, rev));
            let context = format!("seed {seed}, step {step} (r{from} -> r{rev}): {did:?}");
            if publish_mixed(&server, &repo, from, rev, &oracle, args, &context) {
                mixed.published += 1;
                if redirects {
                    mixed.moves += oracle.advance(&repo, from, rev);
                }
            } else {
                mixed.refused += 1;
            }
            repo.svn(&["update", "-q"]);
        }
        let from = server.published();
        let run = publish(&server, &repo, args);
        if let (Some(from), true) = (from, redirects) {
            mixed.moves += oracle.advance(&repo, from, rev);
        }
        let context = format!(
            "seed {seed}, step {step} (r{rev}): {did:?}\nexpected redirects {:?}\n{}",
            oracle.table, run.stdout
        );
        check(&server, &repo, rev, &oracle, &context);
    }
    mixed
}

/// Publishes a working copy that `mix` left at mixed revisions, which must
/// be refused exactly when a file of the change from `from` is not at `rev`,
/// naming each such file, with the bucket left at `from`. Says whether it
/// was published; then the caller's publish checks the bucket.
fn publish_mixed(
    server: &Server,
    repo: &Repo,
    from: u64,
    rev: u64,
    oracle: &Oracle,
    args: &[&str],
    context: &str,
) -> bool {
    let unfit = unfit(repo, from, rev);
    let wc = repo.wc.to_str().unwrap();
    let run = finish(&mut svn2s3(server, &[&["publish", wc], args].concat()));
    let said = format!("{context}: unfit {unfit:?}\n{}{}", run.stdout, run.stderr);
    if unfit.is_empty() {
        assert_eq!(run.code, 0, "{said}");
        return true;
    }
    assert_eq!(run.code, 2, "{said}");
    let count = match unfit.len() {
        1 => "1 path to publish is not".to_owned(),
        n => format!("{n} paths to publish are not"),
    };
    assert!(run.stderr.contains(&count), "{said}");
    for path in unfit.iter().take(10) {
        assert!(run.stderr.contains(path.as_str()), "{path} unnamed: {said}");
    }
    let before = Mirror {
        twins: TWINS,
        redirects: oracle.expected(),
        ..Mirror::default()
    };
    before.check(server, repo, from);
    false
}

/// Updates one path of the working copy back to an older revision than
/// `to`: half the time a path of the change from `from`, or its folder.
fn mix(rng: &mut Rng, repo: &Repo, from: u64, to: u64) -> String {
    let (files, dirs) = tree(&repo.wc);
    // A path svn can update: its folder is in the working copy.
    let changed: Vec<String> = summarize(repo, from, to)
        .into_iter()
        .map(|(path, _, _)| path)
        .filter(|path| {
            let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
            repo.wc.join(folder).is_dir()
        })
        .collect();
    let everything: Vec<String> = files.into_iter().chain(dirs).collect();
    let from_change = !changed.is_empty() && rng.bool();
    let pool = if from_change { &changed } else { &everything };
    let Some(mut path) = pool.get(rng.usize(..pool.len().max(1))).cloned() else {
        return "nothing mixed".into();
    };
    if from_change && path.contains('/') && rng.bool() {
        path = path.rsplit_once('/').unwrap().0.to_owned();
    }
    let back = 1 + rng.u64(..to - 1);
    repo.update(&repo.wc.join(&path), back);
    format!("{path} updated back to r{back}")
}

/// The files of the change from `from` to `to` that the working copy does
/// not hold as a file at `to`: what a publish must refuse, asked of the svn
/// command line.
fn unfit(repo: &Repo, from: u64, to: u64) -> Vec<String> {
    summarize(repo, from, to)
        .into_iter()
        .filter(|(_, kind, item)| kind == "file" && item != "deleted")
        .map(|(path, _, _)| path)
        .filter(|path| {
            let info = std::process::Command::new("svn")
                .args(["info", "--non-interactive", "--xml", "--"])
                .arg(repo.wc.join(path))
                .output()
                .unwrap();
            let xml = String::from_utf8_lossy(&info.stdout);
            !(info.status.success()
                && xml.contains("kind=\"file\"")
                && xml.contains(&format!("revision=\"{to}\"")))
        })
        .collect()
}

/// `svn diff --summarize` of the repository from `from` to `to`: each
/// changed path, its kind and how it changed.
fn summarize(repo: &Repo, from: u64, to: u64) -> Vec<(String, String, String)> {
    let range = format!("{from}:{to}");
    let xml = repo.svn(&["diff", "--summarize", "--xml", "-r", &range, &repo.url]);
    let attr = |entry: &str, name: &str| -> String {
        let (_, rest) = entry.split_once(&format!("{name}=\"")).unwrap();
        rest.split_once('"').unwrap().0.to_owned()
    };
    xml.split("<path")
        .skip(1)
        .filter_map(|entry| {
            let url = entry.split_once('>')?.1.split_once("</path>")?.0;
            let url = unescape(url);
            let path = percent_decode(url.strip_prefix(&repo.url)?.trim_start_matches('/'));
            Some((path, attr(entry, "kind"), attr(entry, "item")))
        })
        .collect()
}

/// Makes one random change in the working copy, with svn; says what it did.
/// `ever_dirs` collects every folder's name, which a file does not take
/// unless `kinds.folder_to_file`.
pub fn change(
    rng: &mut Rng,
    repo: &Repo,
    ever_dirs: &mut BTreeSet<String>,
    kinds: Kinds,
) -> String {
    // What earlier changes of this step wrote is scheduled first, so that svn
    // can delete, copy and move it like anything else.
    repo.svn(&["add", "-q", "--force", "."]);
    let (files, dirs) = tree(&repo.wc);
    for dir in &dirs {
        ever_dirs.insert(dir.clone());
    }
    let pick = |rng: &mut Rng, from: &BTreeSet<String>| match from.len() {
        0 => None,
        n => from.iter().nth(rng.usize(..n)).cloned(),
    };
    let fresh = |rng: &mut Rng, parent: &str, ext: &str| -> Option<String> {
        let name = format!("{}{ext}", NAMES[rng.usize(..NAMES.len())]);
        let path = if parent.is_empty() {
            name
        } else {
            format!("{parent}/{name}")
        };
        let taken = files.contains(&path)
            || dirs.contains(&path)
            || (!kinds.folder_to_file && ever_dirs.contains(&path));
        (!taken).then_some(path)
    };
    let parent = |rng: &mut Rng| {
        if dirs.is_empty() || rng.bool() {
            String::new()
        } else {
            pick(rng, &dirs).unwrap()
        }
    };

    let replacements = [
        kinds.file_to_folder.then_some(Replace::FileByFolder),
        kinds.folder_to_file.then_some(Replace::FolderByFile),
    ];
    let replacements: Vec<Replace> = replacements.into_iter().flatten().collect();
    let arm = rng.usize(..11 + replacements.len());
    match arm {
        // Add a file, sometimes in a new folder.
        0..=2 => {
            let mut dir = parent(rng);
            if rng.usize(..3) == 0 {
                let Some(new_dir) = fresh(rng, &dir, "") else {
                    return "nothing".into();
                };
                dir = new_dir;
            }
            let ext = EXTENSIONS[rng.usize(..EXTENSIONS.len())];
            let Some(path) = fresh(rng, &dir, ext) else {
                return "nothing".into();
            };
            repo.write(&path, content(rng));
            format!("add {path}")
        }
        3 | 4 => match pick(rng, &files) {
            Some(path) => {
                let bytes = if has_eol_style(repo, &path) {
                    text(rng)
                } else {
                    content(rng)
                };
                repo.write(&path, bytes);
                format!("modify {path}")
            }
            None => "nothing".into(),
        },
        5 => match pick(rng, &files) {
            Some(path) => {
                repo.svn(&["rm", "-q", "--force", "--", &path]);
                format!("delete {path}")
            }
            None => "nothing".into(),
        },
        6 => match pick(rng, &dirs) {
            Some(dir) => {
                repo.svn(&["rm", "-q", "--force", "--", &dir]);
                format!("delete folder {dir}")
            }
            None => "nothing".into(),
        },
        // Copy or move a file or a folder, with history; moves twice as often.
        7 | 10 => {
            let all: BTreeSet<String> = files.union(&dirs).cloned().collect();
            let Some(from) = pick(rng, &all) else {
                return "nothing".into();
            };
            let into = parent(rng);
            if into == from || into.starts_with(&format!("{from}/")) {
                return "nothing".into();
            }
            let ext = Path::new(&from)
                .extension()
                .map_or(String::new(), |e| format!(".{}", e.to_str().unwrap()));
            let Some(to) = fresh(rng, &into, &ext) else {
                return "nothing".into();
            };
            let verb = if arm == 7 && rng.bool() { "cp" } else { "mv" };
            repo.svn(&[verb, "-q", "--", &from, &to]);
            format!("{verb} {from} {to}")
        }
        8 => match pick(rng, &files) {
            Some(path) if rng.bool() => {
                // svn keeps binary types off files whose line endings it manages.
                let mime = if has_eol_style(repo, &path) {
                    "text/plain"
                } else {
                    TYPES[rng.usize(..TYPES.len())]
                };
                repo.svn(&["propset", "-q", "svn:mime-type", mime, "--", &path]);
                format!("type {path} {mime}")
            }
            Some(path) => {
                repo.svn(&["propdel", "-q", "svn:mime-type", "--", &path]);
                format!("untype {path}")
            }
            None => "nothing".into(),
        },
        // Keywords and line endings on a text file.
        9 => {
            let dir = parent(rng);
            let Some(path) = fresh(rng, &dir, ".txt") else {
                return "nothing".into();
            };
            repo.write(
                &path,
                format!("$Revision$ $Id$\nline {}\nend\n", rng.u32(..)),
            );
            repo.svn(&["add", "-q", "--parents", "--", &path]);
            repo.svn(&["propset", "-q", "svn:keywords", "Revision Id", "--", &path]);
            let eol = ["native", "CRLF", "LF"][rng.usize(..3)];
            repo.svn(&["propset", "-q", "svn:eol-style", eol, "--", &path]);
            format!("keywords and eol {eol} on {path}")
        }
        // A file replaced by a folder of the same name, or the reverse, in one commit.
        n => match replacements[n - 11] {
            Replace::FileByFolder => match pick(rng, &files) {
                Some(path) => {
                    repo.svn(&["rm", "-q", "--force", "--", &path]);
                    repo.write(&format!("{path}/inside.txt"), content(rng));
                    format!("replace {path} by a folder")
                }
                None => "nothing".into(),
            },
            Replace::FolderByFile => match pick(rng, &dirs) {
                Some(dir) => {
                    repo.svn(&["rm", "-q", "--force", "--", &dir]);
                    repo.write(&dir, content(rng));
                    format!("replace folder {dir} by a file")
                }
                None => "nothing".into(),
            },
        },
    }
}

#[derive(Debug, Clone, Copy)]
enum Replace {
    FileByFolder,
    FolderByFile,
}

fn content(rng: &mut Rng) -> Vec<u8> {
    match rng.usize(..4) {
        0 => Vec::new(),
        1 => (0..rng.usize(1..3000)).map(|_| rng.u8(..)).collect(),
        _ => text(rng),
    }
}

fn text(rng: &mut Rng) -> Vec<u8> {
    format!("body {{ margin: {}px }}\n", rng.u32(..)).into_bytes()
}

/// Whether svn manages the file's line endings; a file not yet added has no properties.
fn has_eol_style(repo: &Repo, path: &str) -> bool {
    let out = std::process::Command::new("svn")
        .args(["propget", "--non-interactive", "svn:eol-style", "--", path])
        .current_dir(&repo.wc)
        .output()
        .unwrap();
    out.status.success() && !out.stdout.trim_ascii().is_empty()
}

/// The files and folders of the working copy, relative, `/`-separated.
fn tree(wc: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut files, mut dirs) = (BTreeSet::new(), BTreeSet::new());
    let mut stack = vec![wc.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() == ".svn" {
                continue;
            }
            let relative = path.strip_prefix(wc).unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                stack.push(path);
                dirs.insert(relative);
            } else {
                files.insert(relative);
            }
        }
    }
    (files, dirs)
}

/// The bucket is `svn export` of `rev` and the redirects the oracle
/// expects, and every object's type is right.
fn check(server: &Server, repo: &Repo, rev: u64, oracle: &Oracle, context: &str) {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Mirror {
            twins: TWINS,
            redirects: oracle.expected(),
            ..Mirror::default()
        }
        .check(server, repo, rev);
        let types = mime_types(repo);
        for (key, object) in server.objects() {
            if key == STATE {
                continue;
            }
            let twin = object.content_encoding.is_some();
            let path = if twin { untwin(&key) } else { key.clone() };
            let expected = types
                .get(&path)
                .filter(|t| t.as_str() != "application/octet-stream")
                .cloned()
                .or_else(|| mime_guess::from_path(&path).first_raw().map(str::to_owned))
                .unwrap_or_else(|| "application/octet-stream".into());
            assert_eq!(
                object.content_type.as_deref(),
                Some(expected.as_str()),
                "Content-Type of {key}"
            );
            assert_eq!(
                twin,
                TWINS.iter().any(|ext| key.ends_with(&format!(".gz{ext}"))),
                "{key}"
            );
        }
    }));
    if let Err(panic) = result {
        eprintln!("{context}");
        panic::resume_unwind(panic);
    }
}

/// `a/site.gz.css` -> `a/site.css`.
fn untwin(key: &str) -> String {
    let at = key.rfind(".gz").unwrap();
    format!("{}{}", &key[..at], &key[at + 3..])
}

/// Every file's `svn:mime-type` in the working copy (at the published revision).
fn mime_types(repo: &Repo) -> BTreeMap<String, String> {
    let xml = repo.svn(&["propget", "--xml", "-R", "svn:mime-type", "."]);
    let mut types = BTreeMap::new();
    for target in xml.split("<target").skip(1) {
        let path = target
            .split_once("path=\"")
            .unwrap()
            .1
            .split_once('"')
            .unwrap()
            .0;
        let value = target
            .split_once("name=\"svn:mime-type\">")
            .unwrap()
            .1
            .split_once("</property>")
            .unwrap()
            .0;
        // svn prints absolute paths, whatever the target.
        let path = unescape(path);
        let relative = Path::new(&path)
            .strip_prefix(&repo.wc)
            .unwrap()
            .to_str()
            .unwrap();
        types.insert(relative.to_owned(), unescape(value));
    }
    types
}

fn unescape(xml: &str) -> String {
    xml.replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The redirects the bucket must hold, worked out from what the svn
/// command line says (`svn log -v`, `svn list`) by following each file
/// forward through the revisions, rather than as svn2s3 does.
#[derive(Debug, Default)]
struct Oracle {
    /// Old path to the path it redirects to.
    table: BTreeMap<String, String>,
}

impl Oracle {
    /// Key to location, as the bucket holds them.
    fn expected(&self) -> BTreeMap<String, String> {
        self.table
            .iter()
            .map(|(from, to)| (from.clone(), location(to)))
            .collect()
    }

    /// After a publish from `from` to `to`: files that moved leave
    /// redirects, redirects follow their targets or go with them, and a
    /// file at a redirect's path replaces it. Says how many files moved.
    fn advance(&mut self, repo: &Repo, from: u64, to: u64) -> usize {
        if from == to {
            return 0;
        }
        let (before, after) = (files_at(repo, from), files_at(repo, to));
        let log = log(repo, from, to);
        let moved: BTreeMap<String, String> = before
            .difference(&after)
            .filter_map(|path| Some((path.clone(), follow(path, &log, &after)?)))
            .collect();
        let mut table = BTreeMap::new();
        for (from, to) in &self.table {
            if after.contains(from) {
                continue;
            }
            match moved.get(to) {
                Some(onward) => {
                    table.insert(from.clone(), onward.clone());
                }
                None if after.contains(to) => {
                    table.insert(from.clone(), to.clone());
                }
                None => {}
            }
        }
        let moves = moved.len();
        table.extend(moved);
        self.table = table;
        moves
    }

    /// After a rollback to `to`: no new redirects; those at a path `to`
    /// has, or to a path it has not, go.
    fn roll_back(&mut self, repo: &Repo, to: u64) {
        let files = files_at(repo, to);
        self.table
            .retain(|from, target| !files.contains(from) && files.contains(target));
    }
}

/// One revision of `svn log -v`: paths copied (to, from, from's revision)
/// and paths deleted or replaced.
#[derive(Debug, Default)]
struct Logged {
    revision: u64,
    copies: Vec<(String, String, u64)>,
    deleted: Vec<String>,
}

/// A name the file had: from which revision, until which, and the path the
/// copy that gave it made (itself, or a folder above it).
struct Name {
    path: String,
    born: u64,
    died: Option<u64>,
    copied_to: String,
}

/// Where the file at `path` went: following it forward through `log`,
/// each copy of a name it had then gives it a new name, each delete of a
/// name (or a folder above it) ends that name. Of the names still there at
/// the end, the one given first (by path within a revision). None when the
/// old path must be deleted instead: also when a file or folder that is
/// published now takes the place of the redirect.
fn follow(path: &str, log: &[Logged], after: &BTreeSet<String>) -> Option<String> {
    let is_under =
        |name: &str, folder: &str| name == folder || name.starts_with(&format!("{folder}/"));
    if after
        .iter()
        .any(|file| is_under(file, path) || is_under(path, file))
    {
        return None;
    }
    let mut names = vec![Name {
        path: path.to_owned(),
        born: 0,
        died: None,
        copied_to: path.to_owned(),
    }];
    for logged in log {
        let mut born = Vec::new();
        for (to, from, from_rev) in &logged.copies {
            for name in &names {
                let alive =
                    name.born <= *from_rev && !name.died.is_some_and(|died| died <= *from_rev);
                if alive && is_under(&name.path, from) {
                    born.push(Name {
                        path: format!("{to}{}", &name.path[from.len()..]),
                        born: logged.revision,
                        died: None,
                        copied_to: to.clone(),
                    });
                }
            }
        }
        for name in names.iter_mut().filter(|name| name.died.is_none()) {
            if logged.deleted.iter().any(|gone| is_under(&name.path, gone)) {
                name.died = Some(logged.revision);
            }
        }
        // A path deleted inside what a copy of this revision made was
        // deleted after the copy: svn cp d e; svn rm e/f.
        for name in born.iter_mut() {
            let inside = |gone: &&String| {
                gone.starts_with(&format!("{}/", name.copied_to)) && is_under(&name.path, gone)
            };
            if logged.deleted.iter().any(|gone| inside(&gone)) {
                name.died = Some(logged.revision);
            }
        }
        names.extend(born);
    }
    names
        .into_iter()
        .skip(1)
        .filter(|name| name.died.is_none() && after.contains(&name.path))
        .min_by(|a, b| (a.born, &a.path).cmp(&(b.born, &b.path)))
        .map(|name| name.path)
}

/// `svn log -v` of the repository after `from` up to `to`, oldest first.
fn log(repo: &Repo, from: u64, to: u64) -> Vec<Logged> {
    let range = format!("{}:{to}", from + 1);
    let xml = repo.svn(&["log", "-v", "--xml", "-r", &range, &repo.url]);
    let attr = |tag: &str, name: &str| -> Option<String> {
        let (_, rest) = tag.split_once(&format!(" {name}=\""))?;
        Some(unescape(rest.split_once('"')?.0))
    };
    xml.split("<logentry")
        .skip(1)
        .map(|entry| {
            let mut logged = Logged {
                revision: attr(entry, "revision").unwrap().parse().unwrap(),
                ..Logged::default()
            };
            // `<paths>` opens the list of `<path ...>` elements.
            for path in entry
                .split("<path")
                .skip(1)
                .filter(|path| !path.starts_with('s'))
            {
                let (tag, rest) = path.split_once('>').unwrap();
                let name = unescape(rest.split_once("</path>").unwrap().0);
                let name = name.trim_start_matches('/').to_owned();
                let action = attr(tag, "action").unwrap();
                if action == "D" || action == "R" {
                    logged.deleted.push(name.clone());
                }
                if let (Some(from), Some(rev)) =
                    (attr(tag, "copyfrom-path"), attr(tag, "copyfrom-rev"))
                {
                    let from = from.trim_start_matches('/').to_owned();
                    logged.copies.push((name, from, rev.parse().unwrap()));
                }
            }
            logged
        })
        .collect()
}

/// The files of the repository at `rev`, from `svn list -R`.
fn files_at(repo: &Repo, rev: u64) -> BTreeSet<String> {
    repo.svn(&["list", "-R", "-r", &rev.to_string(), &repo.url])
        .lines()
        .filter(|line| !line.ends_with('/'))
        .map(str::to_owned)
        .collect()
}

/// A redirect's location: `/` and the path, percent-encoded but its slashes.
fn location(path: &str) -> String {
    let mut out = String::from("/");
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

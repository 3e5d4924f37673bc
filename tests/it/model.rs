//! The model test: seeded random histories made with the real svn client,
//! every kind of change mixed, a publish after each commit, and the whole
//! bucket compared with `svn export` every time: keys, bytes, Content-Type,
//! gzip twins and the state's revision.
//!
//! On moto, which like S3 holds a key `a` beside keys under `a/`, folders are
//! also replaced by files, and at random steps part of the working copy is
//! updated back to an older revision before the publish: it must be refused
//! exactly when a file of the change is not at the new revision, and publish
//! exactly otherwise.
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
fn random_histories_with_folders_becoming_files_and_mixed_revisions_on_moto() {
    let tally = std::cell::Cell::new(Mixed::default());
    replay("model", |seed| {
        let mixed = history(seed, Store::Moto);
        let sum = tally.get();
        tally.set(Mixed {
            refused: sum.refused + mixed.refused,
            published: sum.published + mixed.published,
        });
    });
    let tally = tally.get();
    eprintln!("mixed working copies: {tally:?}");
    if std::env::var_os("SVN2S3_SEED").is_none() {
        assert!(tally.refused > 0 && tally.published > 0, "{tally:?}");
    }
}

/// How the publishes of mixed working copies ended.
#[derive(Debug, Default, Clone, Copy)]
struct Mixed {
    refused: usize,
    published: usize,
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
/// each; says how the publishes of mixed working copies ended.
fn history(seed: u64, store: Store) -> Mixed {
    let mut rng = Rng::with_seed(seed);
    let mut mixed = Mixed::default();
    let (repo, server) = (Repo::new(), Server::of(store));
    let kinds = match store {
        Store::S3sFs => ON_S3S_FS,
        Store::Moto => Kinds {
            file_to_folder: true,
            folder_to_file: true,
        },
    };
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
        let published = server.published();
        if let Some(from) = published.filter(|_| store == Store::Moto && rng.usize(..3) == 0) {
            did.push(mix(&mut rng, &repo, from, rev));
            let context = format!("seed {seed}, step {step} (r{from} -> r{rev}): {did:?}");
            if publish_mixed(&server, &repo, from, rev, &context) {
                mixed.published += 1;
            } else {
                mixed.refused += 1;
            }
            repo.svn(&["update", "-q"]);
        }
        let run = publish(&server, &repo, &["--gzip"]);
        let context = format!("seed {seed}, step {step} (r{rev}): {did:?}\n{}", run.stdout);
        check(&server, &repo, rev, &context);
    }
    mixed
}

/// Publishes a working copy that `mix` left at mixed revisions, which must
/// be refused exactly when a file of the change from `from` is not at `rev`,
/// naming each such file, with the bucket left at `from`. Says whether it
/// was published; then the caller's publish checks the bucket.
fn publish_mixed(server: &Server, repo: &Repo, from: u64, rev: u64, context: &str) -> bool {
    let unfit = unfit(repo, from, rev);
    let wc = repo.wc.to_str().unwrap();
    let run = finish(&mut svn2s3(server, &["publish", wc, "--gzip"]));
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
        ..Mirror::default()
    };
    before.check(server, repo, from);
    false
}

/// Updates one path of the working copy back to an older revision than
/// `to`: half the time a path of the change from `from`, or its folder.
fn mix(rng: &mut Rng, repo: &Repo, from: u64, to: u64) -> String {
    let (files, dirs) = tree(&repo.wc);
    let changed: Vec<String> = summarize(repo, from, to)
        .into_iter()
        .map(|(path, _, _)| path)
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
    match rng.usize(..10 + replacements.len()) {
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
        // Copy or move a file or a folder, with history.
        7 => {
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
            let verb = if rng.bool() { "cp" } else { "mv" };
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
        n => match replacements[n - 10] {
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

/// The bucket is `svn export` of `rev`, and every object's type is right.
fn check(server: &Server, repo: &Repo, rev: u64, context: &str) {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Mirror {
            twins: TWINS,
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

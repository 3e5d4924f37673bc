//! The model test: seeded random histories made with the real svn client,
//! every kind of change mixed, a publish after each commit, and the whole
//! bucket compared with `svn export` every time: keys, bytes, Content-Type,
//! gzip twins and the state's revision.
//!
//! On moto, which like S3 holds a key `a` beside keys under `a/`, folders are
//! also replaced by files, and at random steps part of the working copy is
//! updated back to an older revision before the publish: it must be refused
//! exactly when a file of the change is not at the new revision, and publish
//! exactly otherwise. There, publishes leave redirects where files moved and
//! for symbolic links, which are checked against the log as the svn command
//! line gives it, and at random steps the bucket is rolled back to an older
//! revision first.
//!
//! On both, the changes that once broke the promise are mixed in: a file
//! moved away and added again, a folder copied with a file dropped from the
//! copy and the original moved, symbolic links whose targets move and go,
//! `svn2s3:redirect` properties in chains (and in loops, or to nothing,
//! which must be refused), `svn2s3:cache-control` values with sequential
//! spaces, tabs and CR/LF (refused); several commits in one publish; and a
//! second publish of the tree inside the first one's prefix (`nested/`),
//! which the first one's `--full` leaves alone. A refusal is predicted from
//! what the svn command line says, and repaired by a commit.
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

/// Seeds of a model test unless `SVN2S3_SEEDS` says otherwise.
const SEEDS: u64 = 4;

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
    /// What once broke the promise: moves then re-adds, copies that drop
    /// what then moves, symbolic links, redirect properties, header values.
    pub promise: bool,
}

/// No file becomes a folder, nor the reverse; only plain changes.
pub const NO_REPLACEMENTS: Kinds = Kinds {
    file_to_folder: false,
    folder_to_file: false,
    promise: false,
};

/// On s3s-fs: files become folders, never the reverse.
const ON_S3S_FS: Kinds = Kinds {
    file_to_folder: true,
    folder_to_file: false,
    promise: true,
};

/// The names every file and folder of a history had.
#[derive(Debug, Default)]
pub struct Ever {
    pub dirs: BTreeSet<String>,
}

/// The second publish of the tree, inside the first one's prefix.
const NESTED: &str = "nested/";

#[test]
fn random_histories_publish_exactly() {
    let tally = std::cell::Cell::new(Tally::default());
    replay("model", |seed| {
        let seen = history(seed, Store::S3sFs);
        tally.set(tally.get().plus(seen));
    });
    let tally = tally.get();
    eprintln!("seen: {tally:?}");
    if std::env::var_os("SVN2S3_SEED").is_none() {
        assert!(tally.refusals > 0 && tally.nested > 0, "{tally:?}");
    }
}

#[test]
fn random_histories_with_folders_becoming_files_mixed_revisions_redirects_and_rollbacks_on_moto() {
    let tally = std::cell::Cell::new(Tally::default());
    replay("model", |seed| {
        let seen = history(seed, Store::Moto);
        tally.set(tally.get().plus(seen));
    });
    let tally = tally.get();
    eprintln!("seen: {tally:?}");
    if std::env::var_os("SVN2S3_SEED").is_none() {
        assert!(tally.refused > 0 && tally.published > 0, "{tally:?}");
        assert!(tally.moves > 0 && tally.rollbacks > 0, "{tally:?}");
        assert!(tally.refusals > 0 && tally.nested > 0, "{tally:?}");
    }
}

/// How the publishes of mixed working copies ended; how many files moved
/// and left a redirect, how many rollbacks were published, how many
/// publishes were refused for their properties, and how many were made
/// inside another's prefix.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    refused: usize,
    published: usize,
    moves: usize,
    rollbacks: usize,
    refusals: usize,
    nested: usize,
}

impl Tally {
    fn plus(self, other: Tally) -> Tally {
        Tally {
            refused: self.refused + other.refused,
            published: self.published + other.published,
            moves: self.moves + other.moves,
            rollbacks: self.rollbacks + other.rollbacks,
            refusals: self.refusals + other.refusals,
            nested: self.nested + other.nested,
        }
    }
}

/// Runs `test` for each seed; a failing seed says how to replay it.
fn replay(name: &str, test: impl Fn(u64)) {
    for seed in seeds(SEEDS) {
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
            promise: true,
        },
    };
    // On moto, moves and symbolic links leave redirects, which the oracle
    // tracks; on s3s-fs, whose keys cannot be a file and a folder at once,
    // symbolic links are skipped and only redirect properties are written.
    let redirects = store == Store::Moto;
    let args: &[&str] = if redirects {
        &["--gzip", "--redirects"]
    } else {
        &["--gzip"]
    };
    let nested_args = [args, &["--prefix", NESTED]].concat();
    let mut oracle = Oracle::new(redirects);
    let mut nested = Oracle::new(redirects);
    let mut nested_at = None;
    let mut good = BTreeSet::new();
    let mut ever = Ever::default();
    for step in 0..STEPS {
        let changes = 1 + rng.usize(..3);
        // A publish of several commits now and then.
        let split = rng.usize(..4) == 0;
        let mut did = Vec::new();
        for _ in 0..changes {
            did.push(change(&mut rng, &repo, &mut ever, kinds));
            if split {
                repo.commit(&format!("seed {seed} step {step}, part"));
            }
        }
        let mut rev = repo.commit(&format!("seed {seed} step {step}"));
        if rev == 0 {
            continue; // no change yet; svn2s3 refuses an empty repository
        }
        let context = format!("seed {seed}, step {step} (r{rev}): {did:?}");
        rev = refuse_then_repair(&server, &repo, rev, &oracle, args, &mut mixed, &context);
        let rollback = server
            .published()
            .filter(|_| redirects && rng.usize(..5) == 0);
        let back = rollback.and_then(|from| {
            let older: Vec<u64> = good.range(..from).copied().collect();
            older.get(rng.usize(..older.len().max(1))).copied()
        });
        let at_back = back.map(|back| TreeAt::read(&repo, back));
        // A rollback is refused where a redirect property of the older tree
        // led through a move the bucket no longer records.
        let refused_back = at_back.as_ref().is_some_and(|at| {
            let mut ahead = oracle.clone();
            ahead.roll_back(at);
            !ahead.refused(at).is_empty()
        });
        if let (Some(_), Some(back), true) = (rollback, back, refused_back) {
            repo.update(&repo.wc, back);
            let wc = repo.wc.to_str().unwrap();
            let rollback = [&["publish", wc, "--rollback"], args].concat();
            let said = format!("seed {seed}, step {step}: rollback to r{back}");
            refused_untouched(&server, &rollback, &said);
            mixed.refusals += 1;
            repo.svn(&["update", "-q"]);
        }
        let back = back.filter(|_| !refused_back);
        if let (Some(from), Some(back), Some(at)) = (rollback, back, at_back) {
            repo.update(&repo.wc, back);
            let run = publish(&server, &repo, &[args, &["--rollback"]].concat());
            oracle.roll_back(&at);
            mixed.rollbacks += 1;
            let context = format!(
                "seed {seed}, step {step}: rollback r{from} -> r{back}\n{}",
                run.stdout
            );
            check(&server, &repo, back, &oracle, &at, &context);
            repo.svn(&["update", "-q"]);
            // From the older revision, a redirect property may lead through
            // a move the bucket never saw published.
            rev = refuse_then_repair(&server, &repo, rev, &oracle, args, &mut mixed, &context);
        }
        // The publish after a rollback spans several commits; a mixed
        // working copy is tried on a publish of one.
        let published = server.published().filter(|_| back.is_none());
        if let Some(from) = published.filter(|_| store == Store::Moto && rng.usize(..3) == 0) {
            did.push(mix(&mut rng, &repo, from, rev));
            let context = format!("seed {seed}, step {step} (r{from} -> r{rev}): {did:?}");
            if publish_mixed(&server, &repo, from, rev, &oracle, args, &context) {
                mixed.published += 1;
                mixed.moves += oracle.advance(&repo, from, rev);
                good.insert(rev);
            } else {
                mixed.refused += 1;
            }
            repo.svn(&["update", "-q"]);
        }
        let from = server.published();
        let full = from.is_some() && rng.usize(..6) == 0;
        let wc = repo.wc.to_str().unwrap();
        let run = run_svn2s3(
            &server,
            &[&["publish", wc], args, &["--full"][..full as usize]].concat(),
        );
        assert_eq!(
            run.code,
            0,
            "seed {seed}, step {step} (r{rev}{}): {did:?}\nexpected redirects {:?}\nthe state:\n{}\n{}{}",
            if full { ", --full" } else { "" },
            oracle.table,
            server.state().unwrap_or_default(),
            run.stdout,
            run.stderr
        );
        let at = TreeAt::read(&repo, rev);
        if let Some(from) = from {
            mixed.moves += oracle.advance(&repo, from, rev);
        }
        good.insert(rev);
        let context = format!(
            "seed {seed}, step {step} (r{rev}{}): {did:?}\nexpected redirects {:?}\n{}{}",
            if full { ", --full" } else { "" },
            oracle.table,
            run.stdout,
            run.stderr
        );
        check(&server, &repo, rev, &oracle, &at, &context);
        // The second publish, inside the first one's prefix: now and then,
        // and left alone by the first one's --full.
        let mut ahead = nested.clone();
        if let Some(from) = nested_at {
            ahead.advance(&repo, from, rev);
        }
        // The second publish's own redirects may not hold what the first's
        // redirect properties lead through: then it is refused.
        let nested_refused = !ahead.refused(&at).is_empty();
        let nested_now = rng.usize(..3) == 0 || (full && nested_at.is_some());
        if nested_now && nested_refused {
            let publish = [&["publish", wc], &nested_args[..]].concat();
            refused_untouched(&server, &publish, &format!("{context}\nnested, refused"));
            mixed.refusals += 1;
        } else if nested_now {
            let run = publish(&server, &repo, &nested_args);
            nested = ahead;
            nested_at = Some(rev);
            mixed.nested += 1;
            let context = format!("{context}\nnested: {}", run.stdout);
            check_nested(&server, &repo, rev, &nested, &at, &context);
        } else if let Some(at_rev) = nested_at.filter(|_| full) {
            let at = TreeAt::read(&repo, at_rev);
            check_nested(&server, &repo, at_rev, &nested, &at, &context);
        }
    }
    mixed
}

/// Publishes `rev` when the oracle says its properties make it impossible
/// (a header value HTTP cannot carry, a redirect property that leads
/// nowhere or loops): it must be refused before any write, naming such a
/// file, with the bucket left as it was. Then a commit takes those
/// properties away; returns the revision that holds what is published.
fn refuse_then_repair(
    server: &Server,
    repo: &Repo,
    mut rev: u64,
    oracle: &Oracle,
    args: &[&str],
    tally: &mut Tally,
    context: &str,
) -> u64 {
    loop {
        let at = TreeAt::read(repo, rev);
        // The redirects this publish leaves are those a redirect may go through.
        let mut ahead = oracle.clone();
        if let Some(from) = server.published() {
            ahead.advance(repo, from, rev);
        }
        let bad = ahead.refused(&at);
        if bad.is_empty() {
            return rev;
        }
        let publish = [&["publish", repo.wc.to_str().unwrap()], args].concat();
        let said = format!("{context}: refused {bad:?}");
        let run = refused_untouched(server, &publish, &said);
        assert!(
            bad.keys()
                .any(|path| run.stderr.contains(&format!("svn2s3: {path}: "))),
            "{said}\n{}",
            run.stderr
        );
        tally.refusals += 1;
        for (path, property) in bad {
            repo.svn(&["propdel", "-q", property, "--", &path]);
        }
        rev = repo.commit("repair what was refused");
    }
}

/// Runs svn2s3 with `args`, which must be refused before any write: exit
/// 2, with the bucket and its state as they were.
fn refused_untouched(server: &Server, args: &[&str], context: &str) -> Run {
    let (listing, state) = (server.listing(), server.state());
    let run = run_svn2s3(server, args);
    let said = format!("{context}\n{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, 2, "{said}");
    assert_eq!(server.listing(), listing, "{said}");
    assert_eq!(server.state(), state, "{said}");
    run
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
    let run = run_svn2s3(server, &[&["publish", wc], args].concat());
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
    let at = TreeAt::read(repo, from);
    let before = Mirror {
        twins: TWINS,
        redirects: oracle.expected(&at, ""),
        not_files: at.not_files(),
        ignore: &[NESTED],
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
    let changed = summarize(repo, from, to);
    let named: BTreeSet<String> = changed.iter().map(|(path, _, _)| path.clone()).collect();
    // A file with svn:keywords that a revision of the range touched is
    // read too, when the range spans several: its keywords may say so.
    let (keywords, touched) = match to > from + 1 {
        true => (
            properties(repo, to, "svn:keywords"),
            touched(repo, from, to),
        ),
        false => (BTreeMap::new(), BTreeSet::new()),
    };
    let touched = touched
        .into_iter()
        .filter(|path| !named.contains(path) && keywords.contains_key(path))
        .map(|path| (path, "file".to_owned(), "touched".to_owned()));
    changed
        .into_iter()
        .chain(touched)
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

/// The paths a revision after `from` up to `to` added, changed or replaced,
/// from `svn log -v`.
fn touched(repo: &Repo, from: u64, to: u64) -> BTreeSet<String> {
    log(repo, from, to)
        .into_iter()
        .flat_map(|logged| logged.touched)
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
pub fn change(rng: &mut Rng, repo: &Repo, ever: &mut Ever, kinds: Kinds) -> String {
    // What earlier changes of this step wrote is scheduled first, so that svn
    // can delete, copy and move it like anything else.
    repo.svn(&["add", "-q", "--force", "."]);
    let (files, dirs) = tree(&repo.wc);
    for dir in &dirs {
        ever.dirs.insert(dir.clone());
    }
    let ever_dirs = &ever.dirs;
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
    let promise = if kinds.promise { PROMISE.len() } else { 0 };
    let arm = rng.usize(..11 + replacements.len() + promise);
    if let Some(kind) = arm.checked_sub(11 + replacements.len()) {
        let at = Picked {
            files: &files,
            dirs: &dirs,
            fresh: &fresh,
        };
        return promise_change(rng, repo, PROMISE[kind], &at);
    }
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
            Some(path) if is_link(repo, &path) => "nothing".into(),
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
            Some(path) if is_link(repo, &path) => "nothing".into(),
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

/// The changes that once broke the promise.
#[derive(Debug, Clone, Copy)]
enum Promise {
    /// `svn mv f g`, then a new `f` added, in one commit.
    MoveReAdd,
    /// `svn cp d e; svn rm e/x/f; svn mv d/x/f g`.
    CopyDropMove,
    /// A symbolic link to a file, a folder or nothing.
    Symlink,
    /// `svn2s3:redirect` to a file (maybe itself a redirect), or nothing.
    RedirectProperty,
    /// `svn2s3:cache-control` with sequential spaces, a tab or CR/LF.
    HeaderValue,
}

const PROMISE: [Promise; 5] = [
    Promise::MoveReAdd,
    Promise::CopyDropMove,
    Promise::Symlink,
    Promise::RedirectProperty,
    Promise::HeaderValue,
];

/// What a change may pick from: the files and folders of the working copy,
/// and a fresh name in a folder (`fresh(rng, folder, extension)`).
struct Picked<'a> {
    files: &'a BTreeSet<String>,
    dirs: &'a BTreeSet<String>,
    fresh: &'a dyn Fn(&mut Rng, &str, &str) -> Option<String>,
}

/// Makes one change of `kind`; says what it did.
fn promise_change(rng: &mut Rng, repo: &Repo, kind: Promise, at: &Picked) -> String {
    let pick = |rng: &mut Rng, from: &BTreeSet<String>| match from.len() {
        0 => None,
        n => from.iter().nth(rng.usize(..n)).cloned(),
    };
    let folder = |path: &str| {
        path.rsplit_once('/')
            .map_or("", |(folder, _)| folder)
            .to_owned()
    };
    let extension = |path: &str| {
        Path::new(path)
            .extension()
            .map_or(String::new(), |e| format!(".{}", e.to_str().unwrap()))
    };
    let nothing = || "nothing".to_owned();
    match kind {
        Promise::MoveReAdd => {
            let Some(from) = pick(rng, at.files) else {
                return nothing();
            };
            let Some(to) = (at.fresh)(rng, &folder(&from), &extension(&from)) else {
                return nothing();
            };
            repo.svn(&["mv", "-q", "--", &from, &to]);
            repo.write(&from, content(rng));
            repo.svn(&["add", "-q", "--", &from]);
            format!("mv {from} {to}, and {from} added again")
        }
        Promise::CopyDropMove => {
            let inside: BTreeSet<String> = at
                .files
                .iter()
                .filter(|file| file.contains('/'))
                .cloned()
                .collect();
            let Some(file) = pick(rng, &inside) else {
                return nothing();
            };
            let copied = folder(&file);
            let Some(copy) = (at.fresh)(rng, &folder(&copied), "") else {
                return nothing();
            };
            let Some(to) = (at.fresh)(rng, "", &extension(&file)) else {
                return nothing();
            };
            let rest = &file[copied.len()..];
            repo.svn(&["cp", "-q", "--", &copied, &copy]);
            repo.svn(&["rm", "-q", "--force", "--", &format!("{copy}{rest}")]);
            repo.svn(&["mv", "-q", "--", &file, &to]);
            format!("cp {copied} {copy}, rm {copy}{rest}, mv {file} {to}")
        }
        Promise::Symlink => {
            let dir = match pick(rng, at.dirs) {
                Some(dir) if rng.bool() => dir,
                _ => String::new(),
            };
            let ext = [".css", ".html", ""][rng.usize(..3)];
            let Some(link) = (at.fresh)(rng, &dir, ext) else {
                return nothing();
            };
            let targets: BTreeSet<String> = at.files.union(at.dirs).cloned().collect();
            let target = match pick(rng, &targets) {
                Some(target) if rng.usize(..4) != 0 => target,
                _ => "nothing.js".to_owned(),
            };
            let up = "../".repeat(dir.split('/').filter(|part| !part.is_empty()).count());
            std::os::unix::fs::symlink(format!("{up}{target}"), repo.wc.join(&link)).unwrap();
            format!("ln -s {up}{target} {link}")
        }
        Promise::RedirectProperty => {
            let Some(file) = pick(rng, at.files) else {
                return nothing();
            };
            let target = match pick(rng, at.files) {
                Some(target) if rng.usize(..5) != 0 => target,
                _ => "nothing.html".to_owned(),
            };
            let value = format!("/{target}");
            repo.svn(&["propset", "-q", "svn2s3:redirect", &value, "--", &file]);
            format!("{file} redirects to {value}")
        }
        Promise::HeaderValue => {
            let Some(file) = pick(rng, at.files) else {
                return nothing();
            };
            let value = [
                "public,  max-age=60",
                "public,\tmax-age=60",
                "max-age=60\r\nX-Evil: yes",
                "no-cache",
            ][rng.usize(..4)];
            let text = repo.wc.join("../value");
            fs::write(&text, value).unwrap();
            let text = text.to_str().unwrap();
            repo.svn(&[
                "propset",
                "-q",
                "svn2s3:cache-control",
                "-F",
                text,
                "--",
                &file,
            ]);
            format!("{file} cache-control {value:?}")
        }
    }
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

/// The files and folders of the working copy, relative, `/`-separated; a
/// symbolic link is a file, wherever it points.
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
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                stack.push(path);
                dirs.insert(relative);
            } else {
                files.insert(relative);
            }
        }
    }
    (files, dirs)
}

/// Whether `path` of the working copy is a symbolic link.
fn is_link(repo: &Repo, path: &str) -> bool {
    fs::symlink_metadata(repo.wc.join(path)).is_ok_and(|meta| meta.file_type().is_symlink())
}

/// The bucket is `svn export` of `rev` and the redirects the oracle
/// expects, and every object's type and Cache-Control is right.
fn check(server: &Server, repo: &Repo, rev: u64, oracle: &Oracle, at: &TreeAt, context: &str) {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Mirror {
            twins: TWINS,
            redirects: oracle.expected(at, ""),
            not_files: at.not_files(),
            ignore: &[NESTED],
            ..Mirror::default()
        }
        .check(server, repo, rev);
        let types = mime_types(repo);
        for (key, object) in server.objects() {
            if key == STATE || key.starts_with(NESTED) {
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
            let cache_control = at
                .cache_control
                .get(&path)
                .map(|value| value.replace('\t', " "));
            assert_eq!(
                object.cache_control, cache_control,
                "Cache-Control of {key}"
            );
        }
    }));
    if let Err(panic) = result {
        eprintln!("{context}");
        panic::resume_unwind(panic);
    }
}

/// The second publish, under [`NESTED`], is `svn export` of `rev` and its
/// own redirects.
fn check_nested(
    server: &Server,
    repo: &Repo,
    rev: u64,
    oracle: &Oracle,
    at: &TreeAt,
    context: &str,
) {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Mirror {
            prefix: NESTED,
            twins: TWINS,
            redirects: oracle.expected(at, NESTED),
            not_files: at.not_files(),
            inside_another: true,
            ..Mirror::default()
        }
        .check(server, repo, rev);
    }));
    if let Err(panic) = result {
        eprintln!("{context}\n(the publish under {NESTED}, at r{rev})");
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
/// command line says (`svn log -v`, `svn list`, `svn propget`, `svn cat`)
/// by following each file forward through the revisions, rather than as
/// svn2s3 does.
#[derive(Debug, Default, Clone)]
struct Oracle {
    /// Whether moves leave redirects and symbolic links publish as
    /// redirects (`--redirects`).
    redirects: bool,
    /// Old path to the path it redirects to.
    table: BTreeMap<String, String>,
}

impl Oracle {
    fn new(redirects: bool) -> Oracle {
        Oracle {
            redirects,
            table: BTreeMap::new(),
        }
    }

    /// Key (under `prefix`) to location, as the bucket holds them for the
    /// tree `at`: where files moved away, symbolic links and files with
    /// `svn2s3:redirect`, each to the end of its chain.
    fn expected(&self, at: &TreeAt, prefix: &str) -> BTreeMap<String, String> {
        let mut expected = BTreeMap::new();
        let mut add = |path: &str, end: Option<(String, bool)>| {
            if let Some((target, folder)) = end {
                let slash = if folder { "/" } else { "" };
                let location = format!("{}{slash}", location(&format!("{prefix}{target}")));
                expected.insert(format!("{prefix}{path}"), location);
            }
        };
        for (from, to) in &self.table {
            add(from, at.end(&self.table, from, to, true, self.redirects));
        }
        for path in at
            .files
            .iter()
            .filter(|path| at.is_redirect(path, self.redirects))
        {
            add(path, at.end(&self.table, path, path, false, self.redirects));
        }
        expected
    }

    /// The files whose properties make a publish of `at` impossible, and
    /// the property to take away from each: a header value HTTP cannot
    /// carry, a redirect property that leads nowhere or loops.
    fn refused(&self, at: &TreeAt) -> BTreeMap<String, &'static str> {
        let mut refused = BTreeMap::new();
        for (path, value) in &at.cache_control {
            // A symbolic link that is skipped is published with no headers.
            let skipped = at.links.contains_key(path)
                && !self.redirects
                && !at.redirect_props.contains_key(path);
            if value.chars().any(|c| c.is_control() && c != '\t') && !skipped {
                refused.insert(path.clone(), "svn2s3:cache-control");
            }
        }
        for path in at.redirect_props.keys() {
            if at
                .end(&self.table, path, path, false, self.redirects)
                .is_none()
            {
                refused.entry(path.clone()).or_insert("svn2s3:redirect");
            }
        }
        refused
    }

    /// After a publish from `from` to `to`: files that moved leave
    /// redirects, redirects follow their targets or go with them, and a
    /// file at a redirect's path replaces it. Says how many files moved.
    fn advance(&mut self, repo: &Repo, from: u64, to: u64) -> usize {
        if from == to || !self.redirects {
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
        // A redirect that leads nowhere published goes.
        let at = TreeAt::read(repo, to);
        let kept: BTreeMap<String, String> = (table.iter())
            .filter(|(from, to)| at.end(&table, from, to, true, self.redirects).is_some())
            .map(|(from, to)| (from.clone(), to.clone()))
            .collect();
        self.table = kept;
        moves
    }

    /// After a rollback to the tree `at`: no new redirects; those at a
    /// path `at` has, or that lead nowhere there, go.
    fn roll_back(&mut self, at: &TreeAt) {
        let table = self.table.clone();
        self.table.retain(|from, target| {
            !at.files.contains(from) && at.end(&table, from, target, true, self.redirects).is_some()
        });
    }
}

/// The tree at a revision, as the svn command line gives it.
#[derive(Debug, Default)]
struct TreeAt {
    /// Every file, symbolic links and redirect files too.
    files: BTreeSet<String>,
    /// Symbolic links and where they point, as written.
    links: BTreeMap<String, String>,
    /// `svn2s3:redirect` of each file that has one.
    redirect_props: BTreeMap<String, String>,
    /// `svn2s3:cache-control` of each file that has one.
    cache_control: BTreeMap<String, String>,
}

impl TreeAt {
    fn read(repo: &Repo, rev: u64) -> TreeAt {
        let links = properties(repo, rev, "svn:special")
            .into_keys()
            .map(|path| {
                let url = format!("{}/{}@{rev}", repo.url, percent_encode(&path));
                let text = repo.svn(&["cat", &url]);
                let target = text.strip_prefix("link ").unwrap().to_owned();
                (path, target)
            })
            .collect();
        TreeAt {
            files: files_at(repo, rev),
            links,
            redirect_props: properties(repo, rev, "svn2s3:redirect"),
            cache_control: properties(repo, rev, "svn2s3:cache-control"),
        }
    }

    /// The files published as redirects rather than as their bytes.
    fn not_files(&self) -> BTreeSet<String> {
        self.redirect_props.keys().cloned().collect()
    }

    /// Whether the file at `path` publishes as a redirect.
    fn is_redirect(&self, path: &str, links: bool) -> bool {
        self.redirect_props.contains_key(path) || (links && self.links.contains_key(path))
    }

    fn is_folder(&self, path: &str) -> bool {
        let below = format!("{path}/");
        path.is_empty() || self.files.iter().any(|file| file.starts_with(&below))
    }

    /// Where a redirect of `from` ends, starting at `to` (`to == from` for a
    /// file that is a redirect itself): a published file's or folder's
    /// path, and whether it is a folder; `None` when it leads nowhere or
    /// loops. Where a file moved, a folder is not where it went. Symbolic
    /// links lead on only with `links`.
    fn end(
        &self,
        table: &BTreeMap<String, String>,
        from: &str,
        to: &str,
        moved: bool,
        links: bool,
    ) -> Option<(String, bool)> {
        let mut seen = BTreeSet::new();
        let (mut at, mut a_move) = (to.to_owned(), moved);
        if to == from {
            seen.insert(from.to_owned());
            at = self.next(from, links)?;
            a_move = false;
        } else {
            seen.insert(from.to_owned());
        }
        loop {
            if !seen.insert(at.clone()) {
                return None;
            }
            if self.files.contains(&at) {
                if self.is_redirect(&at, links) {
                    at = self.next(&at, links)?;
                    a_move = false;
                    continue;
                }
                if self.links.contains_key(&at) {
                    return None; // a symbolic link, skipped
                }
                let value = self.cache_control.get(&at);
                if value.is_some_and(|value| value.chars().any(|c| c.is_control() && c != '\t')) {
                    return None; // a file that cannot be published
                }
                return Some((at, false));
            }
            if self.is_folder(&at) {
                return (!a_move).then_some((at, true));
            }
            at = table.get(&at)?.clone();
            a_move = true;
        }
    }

    /// Where the redirect file at `path` leads, as a path of the tree.
    fn next(&self, path: &str, links: bool) -> Option<String> {
        if let Some(value) = self.redirect_props.get(path) {
            return Some(value.strip_prefix('/').unwrap_or(value).to_owned());
        }
        let text = self.links.get(path).filter(|_| links)?;
        let mut parts: Vec<&str> = path.split('/').collect();
        parts.pop();
        for part in text.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                name => parts.push(name),
            }
        }
        Some(parts.join("/"))
    }
}

/// Every path of the repository at `rev` with the property `name`, and its
/// value, from `svn propget --xml -R`.
fn properties(repo: &Repo, rev: u64, name: &str) -> BTreeMap<String, String> {
    use base64::Engine;
    let xml = repo.svn(&[
        "propget",
        "--xml",
        "-R",
        "-r",
        &rev.to_string(),
        name,
        &repo.url,
    ]);
    let mut found = BTreeMap::new();
    for target in xml.split("<target").skip(1) {
        let attr = |text: &str, name: &str| -> Option<String> {
            let (_, rest) = text.split_once(&format!("{name}=\""))?;
            Some(unescape(rest.split_once('"')?.0))
        };
        let url = attr(target, "path").unwrap();
        let path = percent_decode(url.strip_prefix(&repo.url).unwrap().trim_start_matches('/'));
        let (tag, rest) = target
            .split_once("<property")
            .unwrap()
            .1
            .split_once('>')
            .unwrap();
        let text = unescape(rest.split_once("</property>").unwrap().0);
        let value = match attr(tag, "encoding").as_deref() {
            Some("base64") => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.split_whitespace().collect::<String>())
                    .unwrap();
                String::from_utf8(bytes).unwrap()
            }
            _ => text,
        };
        found.insert(path, value);
    }
    found
}

/// One revision of `svn log -v`: paths copied (to, from, from's revision)
/// and paths deleted or replaced.
#[derive(Debug, Default)]
struct Logged {
    revision: u64,
    copies: Vec<(String, String, u64)>,
    deleted: Vec<String>,
    /// The paths added, changed or replaced.
    touched: Vec<String>,
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
                if action != "D" {
                    logged.touched.push(name.clone());
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

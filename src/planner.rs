//! The publish policy: what a publish uploads, rewrites, redirects, deletes
//! and leaves alone. Every such decision is made here, from what the
//! session hands over (the changes svn reports, the state the bucket
//! holds, the rules, a listing when there is one), and none is made
//! anywhere else. Nothing here reads a file, calls libsvn or sends a
//! request: what the planner must know of the tree beyond the change it
//! asks through [`Lookup`], which the session answers from the repository
//! and the tests from a map. So every case that ever went wrong is a unit
//! test below.
//!
//! A publish is one of two kinds:
//! - [`incremental`]: the bucket holds a revision, and the change since
//!   then (and since any publish that was cut off) is published;
//! - a [`Survey`] of the whole tree, one file at a time: a first publish,
//!   `--full`, or `verify`'s idea of what the bucket must hold. It keeps
//!   the files' objects, or (for a streamed publish) only counts them.
//!
//! What both promise, whatever the change:
//! - no file of the tree is written under a state folder
//!   (`<prefix>.svn2s3/`), and no key there is ever deleted;
//! - a key that is a file at the published revision holds that file,
//!   never a redirect;
//! - a redirect is written only where it leads to a file or folder
//!   published at that revision (through any chain of redirects), and is
//!   taken away or written anew when that changes;
//! - nothing is written or deleted under a prefix that holds another
//!   publish's state;
//! - anything the plan cannot do exactly is an error before the first write.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::time::Duration;

use anyhow::{anyhow, Context as _, Result};

use crate::plan::{
    self, key, keys_of, location, objects, By, File, Link, Listed, Objects, Plan, PlanError, Rules,
    Skipped, Target, Upload,
};
use crate::redirect::{History, Table};
use crate::shape::{self, Shaping};
use crate::state::{Published, State, STATE_KEY};
use crate::tree::{Revnum, STATE_FOLDER};
use time::OffsetDateTime;

pub(crate) mod build;
mod copies;
mod redirects;
mod survey;
#[cfg(test)]
mod tests;

pub(crate) use copies::{check_preview_prefix, copies_from, Copies};
use redirects::Redirects;
pub(crate) use survey::{foreign_prefixes, Moves, Survey};

/// The most redirects followed from one: more is a loop.
const MAX_HOPS: usize = 32;

/// Paths to the paths each went through, for a bucket without a state.
static NO_PATHS: BTreeMap<String, Vec<String>> = BTreeMap::new();

/// What a publish is asked to do, and what the bucket holds before it.
pub(crate) struct Context<'a> {
    /// The rules of this publish, the properties inherited from above the
    /// published folder included.
    pub rules: &'a Rules,
    /// The state object, as read.
    pub state: Option<&'a State>,
    /// The revision of the tree.
    pub revision: Revnum,
    /// `--full`: every file, and every key the tree lacks deleted.
    pub full: bool,
    /// The most deletes allowed.
    pub max_delete: usize,
    /// How long removed objects wait before they are deleted.
    pub keep: Keep,
}

/// How long an object removed from the tree stays in the bucket before a
/// publish deletes it (`keep_removed:`; `None`: not at all), and the time
/// of this publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Keep {
    pub removed: Option<Duration>,
    pub now: OffsetDateTime,
}

impl Default for Keep {
    /// Nothing kept.
    fn default() -> Keep {
        Keep {
            removed: None,
            now: OffsetDateTime::UNIX_EPOCH,
        }
    }
}

/// Refuses a state whose waiting keys (`removed:`) this publish could not
/// have written: a key outside `prefix` (a state copied from another
/// prefix, say), empty, with a `.` or `..` part, in the state folder, or
/// removed more than a day in the future.
pub(crate) fn check_waiting(
    waiting: &BTreeMap<String, String>,
    prefix: &str,
    now: OffsetDateTime,
) -> Result<(), PlanError> {
    for (key, at) in waiting {
        let path = key.strip_prefix(prefix);
        let why = match path {
            None => Some("it is not under this publish's prefix"),
            Some("") => Some("it is the prefix itself"),
            Some(path) if path.split('/').any(|part| matches!(part, "" | "." | "..")) => {
                Some("it has an empty, . or .. part")
            }
            Some(path) if path.starts_with(&format!("{STATE_FOLDER}/")) => {
                Some("it is in the state folder")
            }
            Some(_) => match crate::state::removed_at(at) {
                Some(at) if at > now + Duration::from_secs(24 * 3600) => {
                    Some("it was removed in the future")
                }
                _ => None,
            },
        };
        if let Some(why) = why {
            return Err(PlanError::NotWaiting {
                key: key.clone(),
                prefix: prefix.to_owned(),
                why,
            });
        }
    }
    Ok(())
}

/// The deletes of `plan` held back as `keep` says, the keys that waited
/// already being `waiting` (the state's, each with when it was removed):
/// a key the plan deletes waits in the state instead, from now; a key that
/// waited long enough is deleted by this plan, and every key as soon as
/// nothing is kept. A key a write goes beneath (one the plan's objects go
/// beneath or above, or that `first` says) goes at once, and a key the
/// tree `has` again waits no more. A key about to be deleted that is
/// `live` (a file of the tree, which a state edited by hand may name) is
/// neither deleted nor kept waiting: asked of the due keys only, since it
/// may cost a request each. What waits after this publish.
pub(crate) fn defer(
    plan: &mut Plan,
    waiting: &BTreeMap<String, String>,
    keep: Keep,
    has: impl Fn(&str) -> bool,
    first: impl Fn(&str) -> bool,
    live: impl Fn(&str) -> bool,
) -> BTreeMap<String, String> {
    let mut waiting: BTreeMap<String, String> = (waiting.iter())
        .filter(|(key, _)| !has(key))
        .map(|(key, at)| (key.clone(), at.clone()))
        .collect();
    let Some(kept) = keep.removed else {
        let due = waiting.into_keys().filter(|key| !live(key));
        plan.delete_after(due.collect::<Vec<_>>(), first);
        return BTreeMap::new();
    };
    let now = crate::state::timestamp(keep.now);
    for key in plan.take_deletes() {
        waiting.entry(key).or_insert_with(|| now.clone());
    }
    let (due, waiting): (BTreeMap<_, _>, BTreeMap<_, _>) = {
        let blocks = plan.blocks();
        let due = |key: &str, at: &str| {
            first(key)
                || blocks(key)
                || crate::state::removed_at(at).map_or(true, |at| at + kept <= keep.now)
        };
        waiting.into_iter().partition(|(key, at)| due(key, at))
    };
    let due = due.into_keys().filter(|key| !live(key));
    plan.delete_after(due.collect::<Vec<_>>(), first);
    waiting
}

impl Context<'_> {
    /// The revision the bucket holds completely, if any.
    fn published(&self) -> Option<Revnum> {
        self.state.and_then(|state| state.revision)
    }

    /// The redirects from moves the bucket holds.
    fn table(&self) -> &Table {
        static NONE: Table = Table::new();
        self.state.map_or(&NONE, |state| &state.redirects)
    }

    /// The files published as redirects, and the paths each goes through.
    fn links(&self) -> &BTreeMap<String, Vec<String>> {
        self.state.map_or(&NO_PATHS, |state| &state.links)
    }

    /// The symbolic links skipped for leading nowhere, and the paths each
    /// went through.
    fn unresolved(&self) -> &BTreeMap<String, Vec<String>> {
        self.state.map_or(&NO_PATHS, |state| &state.unresolved)
    }

    /// The rules the bucket's objects were made by, and in a few words how
    /// they differ, when they differ from this publish's.
    fn old_rules(&self) -> Result<Option<(Rules, String)>> {
        let Some(before) = self.state.and_then(|state| state.rules.as_ref()) else {
            return Ok(None);
        };
        let now = Shaping::of(self.rules);
        if before.digest == now.digest {
            return Ok(None);
        }
        let old = before.rules(&self.rules.prefix).ok_or_else(|| {
            anyhow!(
                "the rules recorded in {}{STATE_KEY} no longer read; publish with --full",
                self.rules.prefix
            )
        })?;
        Ok(Some((old, now.changes_from(before))))
    }

    /// The objects removed from the tree that wait to be deleted.
    fn waiting(&self) -> &BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        self.state.map_or(&NONE, |state| &state.removed)
    }

    /// What the bucket records once the plan is done.
    fn published_state(
        &self,
        redirects: Redirects,
        nested: BTreeSet<String>,
        removed: BTreeMap<String, String>,
    ) -> Published {
        Published {
            revision: self.revision,
            rolled_back_from: self.published().filter(|&rev| rev > self.revision),
            rules: Shaping::of(self.rules),
            redirects: redirects.kept,
            links: redirects.links,
            unresolved: redirects.unresolved,
            nested,
            removed,
        }
    }

    /// The prefixes inside this one where other publishes keep their state,
    /// as the state records them.
    fn nested(&self) -> BTreeSet<String> {
        let prefix = &self.rules.prefix;
        let nested = self.state.iter().flat_map(|state| &state.nested);
        let inside = nested.filter(|other| other.starts_with(prefix.as_str()) && *other != prefix);
        inside.cloned().collect()
    }

    /// Whether `key` is in this publish's state folder: never written by a
    /// file, never deleted.
    pub(crate) fn is_state_key(&self, key: &str) -> bool {
        key.strip_prefix(&self.rules.prefix)
            .is_some_and(|rest| rest.starts_with(&format!("{STATE_FOLDER}/")))
    }
}

/// What the session must find out before the plan can be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Needs {
    /// The revision to list the changes from; `None`: the whole tree is
    /// surveyed (a first publish, `--full`).
    pub from: Option<Revnum>,
    /// Revisions a publish that was cut off may have written part of: what
    /// changed since each is published again (or, in a survey, what each
    /// deleted is deleted).
    pub unfinished: Vec<Revnum>,
    /// The log after this revision, for the files that moved (and, for a
    /// survey, the files gone since).
    pub history: Option<Revnum>,
    /// Every file of the tree, to apply rules that changed.
    pub whole: bool,
}

/// What a publish needs to know, given what it is asked to do.
pub(crate) fn needs(cx: &Context) -> Result<Needs> {
    check_waiting(cx.waiting(), &cx.rules.prefix, cx.keep.now)?;
    let from = cx.published().filter(|_| !cx.full);
    let unfinished = match cx.full {
        true => Vec::new(),
        false => cx
            .state
            .map_or_else(Vec::new, State::unfinished)
            .into_iter()
            .filter(|&rev| rev != cx.revision)
            .collect(),
    };
    // A survey (`--full`) of a tree whose bucket holds an older revision
    // leaves the range's moves too, as an incremental publish would.
    let published = cx.published();
    let history = published.filter(|&from| from < cx.revision && cx.rules.redirects);
    let whole = from.is_some() && cx.old_rules()?.is_some();
    Ok(Needs {
        from,
        unfinished,
        history,
        whole,
    })
}

/// What the tree holds at a path, at the revision being published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    File(File),
    Folder,
    Absent,
}

/// Answers what the tree holds where the change does not say.
pub(crate) trait Lookup {
    /// The node at `path` (relative to the published folder, "" its root).
    fn node(&self, path: &str) -> Result<Node>;
}

/// Every file of a tree, held in memory: a [`Lookup`] that asks nothing.
pub(crate) struct Files<'a> {
    files: BTreeMap<&'a str, &'a File>,
}

impl<'a> Files<'a> {
    pub fn new(files: &'a [File]) -> Files<'a> {
        Files {
            files: files
                .iter()
                .map(|file| (file.path.as_str(), file))
                .collect(),
        }
    }
}

impl Lookup for Files<'_> {
    fn node(&self, path: &str) -> Result<Node> {
        if let Some(file) = self.files.get(path) {
            return Ok(Node::File((*file).clone()));
        }
        Ok(match has_under(&self.files, path) {
            true => Node::Folder,
            false => Node::Absent,
        })
    }
}

/// The tree after a change: what the change says, else what `rest` says.
struct Overlay<'a> {
    files: BTreeMap<&'a str, &'a File>,
    deleted: BTreeSet<&'a str>,
    rest: &'a dyn Lookup,
}

impl Overlay<'_> {
    /// Whether the change makes `path` a file. A path that held a redirect
    /// or was deleted at the start of the range is a file at its end only
    /// if the change says so: no question asked.
    fn changes_to_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// Whether the change puts a file at `path`, above it or below it,
    /// where a moved file's redirect cannot be.
    fn crowds(&self, path: &str) -> bool {
        let above = path
            .match_indices('/')
            .any(|(at, _)| self.files.contains_key(&path[..at]));
        above || self.changes_to_file(path) || has_under(&self.files, path)
    }
}

impl Lookup for Overlay<'_> {
    fn node(&self, path: &str) -> Result<Node> {
        if let Some(file) = self.files.get(path) {
            return Ok(Node::File((*file).clone()));
        }
        if has_under(&self.files, path) {
            return Ok(Node::Folder);
        }
        if self.deleted.contains(path) {
            return Ok(Node::Absent);
        }
        self.rest.node(path)
    }
}

/// Whether some file of `files` is below the folder `folder`: one look
/// where such paths would sort.
fn has_under(files: &BTreeMap<&str, &File>, folder: &str) -> bool {
    if folder.is_empty() {
        return true;
    }
    let below = format!("{folder}/");
    let from = (Bound::Included(below.as_str()), Bound::Unbounded);
    (files.range::<str, _>(from).next()).is_some_and(|(path, _)| path.starts_with(&below))
}

/// The requests of a publish, and what the bucket holds after them.
#[derive(Debug)]
pub(crate) struct Planned {
    pub plan: Plan,
    /// What the state records once the plan is done.
    pub published: Published,
    /// When the rules changed since the last publish, which, in a few
    /// words: the whole tree was walked to apply them.
    pub walked: Option<String>,
    /// The objects a survey found under keys it uploads to: each is
    /// uploaded only if it does not hold its file already.
    pub present: HashMap<String, Listed>,
    /// For a survey that kept no file: how many objects the files make
    /// (the second walk publishes them as it goes).
    pub streamed: Option<usize>,
    /// What the publish leaves alone, each said after the target's name:
    /// `holds 3 objects the tree does not have, left alone ...`.
    pub notes: Vec<String>,
    /// Whether the prefix serves a site already (it held objects, or a
    /// state): its pages wait for the other objects even when a walk sends
    /// them, at the cost of holding those pages' requests.
    pub live: bool,
}

impl Planned {
    /// The objects the plan writes: uploads, rewrites and redirects.
    pub fn write_count(&self) -> usize {
        self.plan.write_count() + self.streamed.unwrap_or(0)
    }

    /// Whether the plan makes no request.
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty() && self.streamed.unwrap_or(0) == 0
    }

    /// Whether the state must be written even if no object is: the rules,
    /// the redirects or the revision differ from what `state` records.
    pub fn moves_state(&self, state: Option<&State>) -> bool {
        let Some(state) = state else { return true };
        // The state this publish would write, but for the time it says.
        let after = State {
            published_at: state.published_at.clone(),
            ..state.finished(self.published.clone())
        };
        after != *state
    }
}

/// The change since the published revision, as the session found it.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// What changed since the published revision, and since each
    /// unfinished one.
    pub changes: plan::Changeset,
    /// The log of the range, when redirects follow moves.
    pub history: Option<History>,
    /// Every file of the tree, when the rules changed ([`Needs::whole`]).
    pub whole: Option<Vec<File>>,
}

/// The plan of a publish from the revision the bucket holds: the changed
/// files, the deleted ones, the rules brought up to date, the redirects
/// kept true. O(change), but for rules that changed (O(tree), once).
pub(crate) fn incremental(cx: &Context, input: Changes, tree: &dyn Lookup) -> Result<Planned> {
    let rules = cx.rules;
    let Changes {
        changes,
        history,
        whole,
    } = input;
    let old = cx.old_rules()?;
    let mut plan = Plan::default();
    plan.skip(changes.skipped.iter().cloned());

    // The changed files, and those whose folders' properties changed.
    let changed: Vec<&File> = changes.uploads.iter().chain(&changes.reshaped).collect();
    let (mut uploads, mut links, mut gone) = (Vec::new(), Vec::new(), Vec::new());
    for file in &changed {
        let objects = objects(file, rules)?;
        // A file that is now a redirect, or skipped, may have been a file:
        // its twins go (a redirect takes its own key), or what it was; the
        // twins the bucket's rules gave it too, where those changed.
        let was = matches!(objects, Objects::Redirect(_) | Objects::Skipped(_));
        if was && !changes.added.contains(&file.path) {
            gone.extend(keys_of(&file.path, rules)?);
            if let Some((old, _)) = &old {
                gone.extend(keys_of(&file.path, old)?);
            }
        }
        match objects {
            Objects::Written(objects) => uploads.extend(objects),
            Objects::Redirect(link) => links.push(*link),
            Objects::Skipped(reason) => plan.skip([Skipped {
                path: file.path.clone(),
                reason,
            }]),
            Objects::Excluded => {}
        }
    }
    plan.upload(uploads);
    for path in &changes.deletes {
        gone.extend(keys_of(path, rules)?);
    }

    // Rules that changed since the last publish reach every file.
    let everything = whole.as_deref().map(Files::new);
    if let Some((old, _)) = &old {
        let whole = whole
            .as_deref()
            .context("the rules changed, but the tree was not read")?;
        // The files of the change are planned above: only the keys the
        // new rules drop are added for them.
        let named: BTreeSet<&str> = changed.iter().map(|file| file.path.as_str()).collect();
        let reshape = shape::reshape(whole, &named, old, rules)?;
        plan.upload(reshape.uploads);
        plan.rewrite(reshape.rewrites);
        plan.skip(reshape.skipped);
        gone.extend(reshape.deletes);
        links.extend(reshape.links);
        // Keys of paths the new rules exclude are left alone, gone or not.
        for path in changes
            .deletes
            .iter()
            .filter(|p| !rules.exclude.is_match(p))
        {
            gone.extend(keys_of(path, old)?);
        }
    }
    plan.delete_also(gone);

    let tree = Overlay {
        files: changed
            .iter()
            .map(|file| (file.path.as_str(), *file))
            .collect(),
        deleted: changes.deletes.iter().map(String::as_str).collect(),
        rest: match &everything {
            Some(files) => files,
            None => tree,
        },
    };
    let mut redirects = Redirects::incremental(
        cx,
        &changes,
        history.as_ref(),
        old.as_ref().map(|(old, _)| old),
        &tree,
    );
    redirects.write(cx, &mut plan, links, &tree, Some(&changes))?;
    let written: BTreeSet<String> = (plan.written_keys().into_iter())
        .map(str::to_owned)
        .collect();
    // A file of the tree the state says was removed (a state edited by
    // hand) is published, not deleted: one look-up of each key about to go.
    let is_file = |key: &str| {
        let path = key.strip_prefix(&rules.prefix);
        path.is_some_and(|path| matches!(tree.node(path), Ok(Node::File(_))))
    };
    let has = |key: &str| written.contains(key);
    let removed = defer(&mut plan, cx.waiting(), cx.keep, has, |_| false, is_file);
    let nested = cx.nested();
    let notes = fence(cx, &mut plan, &nested)?;
    keep_state_folder(cx, &mut plan);
    check_deletes(&plan, cx.max_delete)?;
    Ok(Planned {
        plan,
        published: cx.published_state(redirects, nested, removed),
        walked: old.map(|(_, why)| why),
        present: HashMap::new(),
        streamed: None,
        notes,
        live: true,
    })
}

/// Keeps the plan out of the prefixes `nested` inside this one, where other
/// publishes keep their state: a key it would write there is refused; the
/// keys it would delete there are left, and said so.
fn fence(
    cx: &Context,
    plan: &mut Plan,
    nested: &BTreeSet<String>,
) -> Result<Vec<String>, PlanError> {
    refuse_writes_inside(cx, plan, nested)?;
    let mut left: BTreeMap<&String, usize> = BTreeMap::new();
    for key in plan.clear().iter().chain(plan.deletes()) {
        if let Some(prefix) = holding(nested, key) {
            *left.entry(prefix).or_default() += 1;
        }
    }
    let notes = (left.into_iter())
        .map(|(prefix, count)| left_alone(prefix, count, "delete"))
        .collect();
    plan.keep(|key| holding(nested, key).is_some());
    Ok(notes)
}

/// Refuses a plan that writes a key under one of `prefixes`, where other
/// publishes keep their state.
fn refuse_writes_inside(
    cx: &Context,
    plan: &Plan,
    prefixes: &BTreeSet<String>,
) -> Result<(), PlanError> {
    let mut written = plan.written_keys().into_iter();
    match written.find_map(|key| Some((key, holding(prefixes, key)?))) {
        Some((key, prefix)) => Err(PlanError::Foreign {
            path: key.strip_prefix(&cx.rules.prefix).unwrap_or(key).to_owned(),
            key: key.to_owned(),
            prefix: prefix.clone(),
        }),
        None => Ok(()),
    }
}

/// The prefix, among `prefixes`, that holds `key`.
pub(crate) fn holding<'p>(prefixes: &'p BTreeSet<String>, key: &str) -> Option<&'p String> {
    prefixes
        .iter()
        .find(|prefix| key.starts_with(prefix.as_str()))
}

/// What a publish says of the `count` objects (or deletes) it leaves to
/// the publish whose state is under `prefix`.
fn left_alone(prefix: &str, count: usize, what: &str) -> String {
    format!(
        "holds another publish's state at {prefix}{STATE_KEY}: {} under {prefix} left alone",
        crate::report::counted(count, what)
    )
}

/// Keeps every key of this publish's state folder out of the deletes.
fn keep_state_folder(cx: &Context, plan: &mut Plan) {
    plan.keep(|key| cx.is_state_key(key));
}

/// Refuses a plan that deletes more than `most` objects.
pub(crate) fn check_deletes(plan: &Plan, most: usize) -> Result<(), PlanError> {
    match plan.delete_count() {
        count if count > most => Err(PlanError::TooManyDeletes { count, most }),
        _ => Ok(()),
    }
}

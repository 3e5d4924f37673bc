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

use anyhow::{anyhow, Context as _, Result};

use crate::plan::{
    self, key, keys_of, location, objects, By, File, Link, Listed, Objects, Plan, PlanError, Rules,
    Skipped, Target, Upload,
};
use crate::redirect::{History, Table};
use crate::shape::{self, Shaping};
use crate::state::{Published, State, STATE_KEY};
use crate::tree::{Revnum, STATE_FOLDER};

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

    /// What the bucket records once the plan is done.
    fn published_state(&self, redirects: Redirects, nested: BTreeSet<String>) -> Published {
        Published {
            revision: self.revision,
            rolled_back_from: self.published().filter(|&rev| rev > self.revision),
            rules: Shaping::of(self.rules),
            redirects: redirects.kept,
            links: redirects.links,
            unresolved: redirects.unresolved,
            nested,
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
    let nested = cx.nested();
    let notes = fence(cx, &mut plan, &nested)?;
    keep_state_folder(cx, &mut plan);
    check_deletes(&plan, cx.max_delete)?;
    Ok(Planned {
        plan,
        published: cx.published_state(redirects, nested),
        walked: old.map(|(_, why)| why),
        present: HashMap::new(),
        streamed: None,
        notes,
    })
}

/// The redirects of a publish: from moves (the table) and from files
/// (links), and what becomes of each.
struct Redirects {
    /// Old path to the path it moved to, before each is checked.
    table: Table,
    /// Old paths whose redirect is new or leads elsewhere now.
    changed: BTreeSet<String>,
    /// Paths the change touched: a redirect through one is followed again.
    touched: BTreeSet<String>,
    /// Everything is followed again and written (a survey, rules changed).
    all: bool,
    /// The redirects from moves that stay, once checked.
    kept: Table,
    /// The files published as redirects, and the paths each goes through.
    links: BTreeMap<String, Vec<String>>,
    /// The symbolic links skipped for leading nowhere, and the paths each
    /// went through.
    unresolved: BTreeMap<String, Vec<String>>,
}

impl Redirects {
    /// The table after a change: the files that moved leave redirects at
    /// their old paths, a redirect follows its target's move, and a file
    /// published at a redirect's path takes its place.
    fn incremental(
        cx: &Context,
        changes: &plan::Changeset,
        history: Option<&History>,
        old: Option<&Rules>,
        tree: &Overlay,
    ) -> Redirects {
        let rules = cx.rules;
        let deleted: BTreeSet<&str> = changes.deletes.iter().map(String::as_str).collect();
        let mut moved = match history {
            Some(history) => {
                let gone = deleted.iter().copied();
                history.moves(gone.filter(|path| !rules.exclude.is_match(path)))
            }
            None => BTreeMap::new(),
        };
        // A moved file's old path holds a redirect only where no file of
        // the tree is now: not there, nor above it, nor below it (a file
        // there now is new in the range, so the change names it).
        moved.retain(|old_path, new| !rules.exclude.is_match(new) && !tree.crowds(old_path));

        let mut table = Table::new();
        let mut changed = BTreeSet::new();
        for (from, to) in cx.table() {
            if tree.changes_to_file(from) {
                // The file's own upload writes its key.
                changed.insert(from.clone());
                continue;
            }
            let onward = moved.get(to).unwrap_or(to);
            if onward != to {
                changed.insert(from.clone());
            }
            table.insert(from.clone(), onward.clone());
        }
        for (from, to) in moved {
            changed.insert(from.clone());
            table.insert(from, to);
        }
        let touched = changes
            .uploads
            .iter()
            .chain(&changes.reshaped)
            .map(|file| file.path.clone())
            .chain(changes.deletes.iter().cloned())
            .chain(changed.iter().cloned())
            .collect();
        Redirects {
            table,
            changed,
            touched,
            all: old.is_some(),
            kept: Table::new(),
            links: cx.links().clone(),
            unresolved: cx.unresolved().clone(),
        }
    }

    /// The table a survey finds: every redirect whose path is not a file
    /// of the tree now (`files_at` are), with those the moves since the
    /// bucket's revision leave, each followed again and written.
    fn survey(
        cx: &Context,
        files_at: &BTreeSet<String>,
        crowded: &dyn Fn(&str) -> bool,
        moves: Option<&Moves>,
    ) -> Redirects {
        let rules = cx.rules;
        let moved = match moves {
            Some(moves) => {
                let gone = moves.deleted.iter().map(String::as_str);
                let mut moved = moves
                    .history
                    .moves(gone.filter(|path| !rules.exclude.is_match(path)));
                moved.retain(|old, new| !rules.exclude.is_match(new) && !crowded(old));
                moved
            }
            None => BTreeMap::new(),
        };
        let mut table: Table = (cx.table().iter())
            .filter(|(from, _)| !files_at.contains(*from))
            .map(|(from, to)| (from.clone(), moved.get(to).unwrap_or(to).clone()))
            .collect();
        table.extend(moved);
        Redirects {
            table,
            changed: BTreeSet::new(),
            touched: BTreeSet::new(),
            all: true,
            kept: Table::new(),
            links: BTreeMap::new(),
            unresolved: BTreeMap::new(),
        }
    }

    /// Whether a redirect through `path` must be followed again.
    fn touches(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        self.all
            || self.touched.contains(path)
            || self
                .touched
                .range(format!("{path}/")..)
                .next()
                .is_some_and(|touched| touched.starts_with(&format!("{path}/")))
    }

    /// Follows every redirect that the change may have moved, and plans
    /// what becomes of each: written (again) where it leads somewhere
    /// published, else taken away; a file's redirect that leads nowhere is
    /// refused (a property) or skipped (a symbolic link). `links` are the
    /// files of the change whose objects are redirects; `changes`, when
    /// there is a change, says which files it holds.
    fn write(
        &mut self,
        cx: &Context,
        plan: &mut Plan,
        mut links: Vec<Link>,
        tree: &dyn Lookup,
        changes: Option<&plan::Changeset>,
    ) -> Result<()> {
        let rules = cx.rules;
        let follow = Follow {
            tree,
            table: &self.table,
            rules,
        };
        let (before, recorded) = (cx.links(), cx.table());
        let (mut gone, mut written) = (Vec::new(), Vec::new());

        // Redirects from moves. None is kept at the key of a twin the rules
        // now give (a file named `a.gz.css` that moved before `*.css` got
        // gzip twins): that key is the twin's.
        for (from, to) in &self.table {
            if plan::twin_of(from, rules).is_some() {
                if recorded.contains_key(from) {
                    gone.push(key(rules, from)?);
                }
                continue;
            }
            let through = before.get(to).into_iter().flatten().map(String::as_str);
            let must = self.changed.contains(from)
                || self.touches(to)
                || through.clone().any(|path| self.touches(path));
            if !must {
                self.kept.insert(from.clone(), to.clone());
                continue;
            }
            let target = Target::Path {
                path: to.clone(),
                folder: false,
            };
            match follow.to_end(from, &target, true)? {
                End::At { location, .. } => {
                    let headers = plan::moved_headers(from, rules)?;
                    let was = (recorded.get(from) == Some(to))
                        .then(|| end_location(rules, to, before.get(to)));
                    if self.all || self.changed.contains(from) || was.as_ref() != Some(&location) {
                        written.push(Upload::redirect(key(rules, from)?, location, headers));
                    }
                    self.kept.insert(from.clone(), to.clone());
                }
                End::Nowhere { .. } => {
                    if recorded.contains_key(from) {
                        gone.push(key(rules, from)?);
                    }
                }
            }
        }

        // Files that are redirects: those of the change, and those the
        // change may lead elsewhere.
        let in_change: BTreeSet<&str> = match changes {
            Some(changes) => changes
                .uploads
                .iter()
                .chain(&changes.reshaped)
                .map(|file| file.path.as_str())
                .chain(changes.deletes.iter().map(String::as_str))
                .collect(),
            None => BTreeSet::new(),
        };
        let named: BTreeSet<String> = links.iter().map(|link| link.path.clone()).collect();
        // A survey saw every link of the tree: those recorded that it did
        // not see are links no more. A symbolic link skipped for leading
        // nowhere is recorded too, so that it is written once it leads
        // somewhere.
        let recorded = (before.iter())
            .chain(cx.unresolved())
            .filter(|_| changes.is_some());
        for (path, through) in recorded {
            // A link the change names is planned with the change.
            let named = in_change.contains(path.as_str()) || named.contains(path);
            if !named && !through.iter().any(|step| self.touches(step)) {
                continue;
            }
            self.links.remove(path);
            self.unresolved.remove(path);
            if named {
                continue;
            }
            if let Node::File(file) = tree.node(path)? {
                if let Objects::Redirect(link) = objects(&file, rules)? {
                    links.push(*link);
                }
            }
        }
        for link in links {
            match follow.to_end(&link.path, &link.target, false)? {
                End::At { location, through } => {
                    let was = before
                        .get(&link.path)
                        .map(|through| end_location(rules, "", Some(through)));
                    if self.all
                        || in_change.contains(link.path.as_str())
                        || was.as_ref() != Some(&location)
                    {
                        written.push(Upload::redirect(link.key, location, link.headers));
                    }
                    if let Target::Path { .. } = link.target {
                        self.links.insert(link.path, through);
                    }
                }
                End::Nowhere {
                    why,
                    looped,
                    through,
                } => match link.by {
                    By::Property => {
                        return Err(PlanError::BadRedirect {
                            path: link.path,
                            value: link.written,
                            why: format!("{why} at r{}", cx.revision),
                        }
                        .into())
                    }
                    By::Symlink => {
                        let listed = before.contains_key(&link.path)
                            || changes.is_some_and(|c| {
                                in_change.contains(link.path.as_str())
                                    && !c.added.contains(&link.path)
                            });
                        if listed {
                            gone.push(link.key);
                        }
                        plan.skip([Skipped {
                            path: link.path.clone(),
                            reason: match looped {
                                true => "a symbolic link in a loop of redirects",
                                false => "a symbolic link to nothing published",
                            },
                        }]);
                        self.unresolved.insert(link.path, through);
                    }
                },
            }
        }
        plan.redirect(written);
        plan.delete_also(gone);
        Ok(())
    }
}

/// Where a redirect that went `through` these paths led: the location of
/// the last (a folder's ends in `/`), or of `to` when there were none.
fn end_location(rules: &Rules, to: &str, through: Option<&Vec<String>>) -> String {
    let last = through
        .and_then(|through| through.last())
        .map_or(to, String::as_str);
    let folder = last.ends_with('/');
    location(&rules.prefix, last.trim_end_matches('/'), folder)
}

/// Where a redirect ends.
enum End {
    /// At a published file or folder, or a URL: its location, and the
    /// paths of the tree the redirect went through, its target last (a
    /// folder's ending in `/`).
    At {
        location: String,
        through: Vec<String>,
    },
    /// Nowhere published, or into a loop: why, and the paths it went
    /// through (the one that is missing last).
    Nowhere {
        why: String,
        looped: bool,
        through: Vec<String>,
    },
}

/// Follows redirects through the tree and the table of moves.
struct Follow<'a> {
    tree: &'a dyn Lookup,
    table: &'a Table,
    rules: &'a Rules,
}

impl Follow<'_> {
    /// Where the redirect of `from` to `target` ends, through every file
    /// that is itself a redirect and every move. Where a file moved (`moved`,
    /// and every step through the table), a folder is not where it went.
    fn to_end(&self, from: &str, target: &Target, moved: bool) -> Result<End> {
        let rules = self.rules;
        let mut through: Vec<String> = Vec::new();
        let mut seen = BTreeSet::from([from.to_owned()]);
        let mut at = target.clone();
        let mut a_move = moved;
        loop {
            let (path, folder) = match at {
                Target::Url(url) => {
                    return Ok(End::At {
                        location: url,
                        through,
                    })
                }
                Target::Path { path, folder } => (path, folder),
            };
            if !seen.insert(path.clone()) || through.len() >= MAX_HOPS {
                let mut steps: Vec<&str> = vec![from];
                steps.extend(through.iter().map(|step| step.trim_end_matches('/')));
                steps.push(&path);
                let why = match steps.len() {
                    2 if steps[0] == steps[1] => "redirects to itself".to_owned(),
                    _ => format!("is in a loop of redirects: {}", steps.join(" -> ")),
                };
                return Ok(End::Nowhere {
                    why,
                    looped: true,
                    through,
                });
            }
            through.push(path.clone());
            let nowhere = |why: String, through: Vec<String>| {
                Ok(End::Nowhere {
                    why,
                    looped: false,
                    through,
                })
            };
            if plan::is_reserved(&path) {
                return nowhere(
                    format!("leads into {STATE_FOLDER}/, which is never published"),
                    through,
                );
            }
            if !path.is_empty() && rules.exclude.is_match(&path) {
                return nowhere(format!("leads to {path}, which is excluded"), through);
            }
            match self.tree.node(&path)? {
                Node::Folder if a_move => {
                    return nowhere(
                        format!("leads to {path}, where a moved file was, and a folder is now"),
                        through,
                    )
                }
                Node::Folder => {
                    let location = location(&rules.prefix, &path, true);
                    if let Some(last) = through.last_mut() {
                        last.push('/');
                    }
                    return Ok(End::At { location, through });
                }
                Node::File(file) => match objects(&file, rules) {
                    Ok(Objects::Written(_)) if folder => {
                        return nowhere(format!("leads to {path}/, but {path} is a file"), through)
                    }
                    Ok(Objects::Written(_)) => {
                        let location = location(&rules.prefix, &path, false);
                        return Ok(End::At { location, through });
                    }
                    Ok(Objects::Redirect(link)) => {
                        at = link.target;
                        a_move = false;
                    }
                    Ok(Objects::Skipped(_) | Objects::Excluded) | Err(_) => {
                        return nowhere(format!("leads to {path}, which is not published"), through)
                    }
                },
                Node::Absent => match self.table.get(&path) {
                    Some(next) => {
                        at = Target::Path {
                            path: next.clone(),
                            folder: false,
                        };
                        a_move = true;
                    }
                    None => {
                        return nowhere(
                            format!(
                                "leads to {}, which is not in the tree",
                                match path.as_str() {
                                    "" => "/",
                                    path => path,
                                }
                            ),
                            through,
                        )
                    }
                },
            }
        }
    }
}

/// The files that moved since the revision the bucket holds, for a survey:
/// the log of the range, and the files gone since.
pub(crate) struct Moves {
    pub history: History,
    pub deleted: Vec<String>,
}

/// A first publish, `--full` or `verify`: the whole tree, seen one file at
/// a time, against the listing of the prefix when there is one. Memory
/// holds the listing and, unless it streams, the objects.
pub(crate) struct Survey<'a> {
    cx: &'a Context<'a>,
    /// Whether the files' objects are kept in the plan; else only counted.
    keep: bool,
    uploads: Vec<Upload>,
    objects: usize,
    skipped: Vec<Skipped>,
    links: Vec<Link>,
    /// The listing's objects the tree has not claimed yet.
    listing: BTreeMap<String, Listed>,
    /// Listed keys that a file of the tree goes beneath, or above: a file
    /// that became a folder, or the reverse. They must go first.
    blocking: BTreeSet<String>,
    /// The listing's objects under keys of the tree's files.
    present: HashMap<String, Listed>,
    /// Keys of links the listing holds.
    listed_links: BTreeSet<String>,
    /// Prefixes under this one where another publish keeps its state.
    foreign: BTreeSet<String>,
    /// Whether there is a listing.
    listed: bool,
    /// The moves since the revision the bucket holds.
    moves: Option<Moves>,
    /// What the walk found at the paths the redirects go through: known
    /// before the walk (the state's redirects), or named by a link met on
    /// the way (`late`, which the walk may have passed already).
    seen: BTreeMap<String, Option<Node>>,
    late: BTreeSet<String>,
}

impl<'a> Survey<'a> {
    /// A survey against `listing` (none for `verify`), which keeps the
    /// files' objects when `keep`.
    pub fn new(
        cx: &'a Context<'a>,
        listing: Option<Vec<Listed>>,
        keep: bool,
        moves: Option<Moves>,
    ) -> Survey<'a> {
        let listed = listing.is_some();
        let listing: BTreeMap<String, Listed> = listing
            .into_iter()
            .flatten()
            .map(|listed| (listed.key.clone(), listed))
            .collect();
        let foreign = foreign_prefixes(listing.keys().map(String::as_str), &cx.rules.prefix);
        let table = cx.table();
        let through = cx.links().values().flatten();
        // Where the moved files went, to know whether they are still there.
        let gone = moves.iter().flat_map(|moves| {
            let went = moves
                .history
                .moves(moves.deleted.iter().map(String::as_str));
            let above = moves
                .deleted
                .iter()
                .flat_map(|path| path.match_indices('/').map(|(at, _)| path[..at].to_owned()));
            let above: Vec<String> = above.collect();
            moves
                .deleted
                .iter()
                .cloned()
                .chain(went.into_values())
                .chain(above)
        });
        let seen = (table.keys().cloned())
            .chain(table.values().cloned())
            .chain(through.map(|path| path.trim_end_matches('/').to_owned()))
            .chain(gone)
            .map(|path| (path, None))
            .collect();
        Survey {
            cx,
            keep,
            uploads: Vec::new(),
            objects: 0,
            skipped: Vec::new(),
            links: Vec::new(),
            listing,
            blocking: BTreeSet::new(),
            present: HashMap::new(),
            listed_links: BTreeSet::new(),
            foreign,
            listed,
            moves,
            seen,
            late: BTreeSet::new(),
        }
    }

    /// Takes in one file of the tree: refused here, before any write, if
    /// it cannot be published as it is.
    pub fn see(&mut self, file: &File) -> Result<(), PlanError> {
        let rules = self.cx.rules;
        match objects(file, rules)? {
            Objects::Excluded => return Ok(()),
            Objects::Skipped(reason) => self.skipped.push(Skipped {
                path: file.path.clone(),
                reason,
            }),
            Objects::Written(uploads) => {
                for upload in uploads {
                    self.claim(&upload.key, &file.path)?;
                    if let Some(listed) = self.listing.remove(&upload.key) {
                        self.present.insert(upload.key.clone(), listed);
                    }
                    self.objects += 1;
                    if self.keep {
                        self.uploads.push(upload);
                    }
                }
            }
            Objects::Redirect(link) => {
                self.claim(&link.key, &file.path)?;
                if self.listing.remove(&link.key).is_some() {
                    self.listed_links.insert(link.key.clone());
                }
                if let Target::Path { path, .. } = &link.target {
                    if !self.seen.contains_key(path) {
                        self.seen.insert(path.clone(), None);
                        self.late.insert(path.clone());
                    }
                }
                self.links.push(*link);
            }
        }
        self.note(file);
        Ok(())
    }

    /// Notes what the walk found not to publish, and why.
    pub fn skip(&mut self, skipped: impl IntoIterator<Item = Skipped>) {
        self.skipped.extend(skipped);
    }

    /// Notes `file`, and the folders above it, where a redirect may lead.
    fn note(&mut self, file: &File) {
        if let Some(node) = self.seen.get_mut(&file.path) {
            *node = Some(Node::File(file.clone()));
        }
        for (at, _) in file.path.match_indices('/') {
            if let Some(node @ None) = self.seen.get_mut(&file.path[..at]) {
                *node = Some(Node::Folder);
            }
        }
    }

    /// Refuses a key under a prefix where another publish keeps its state,
    /// and notes the listed keys that cannot stay beside it.
    fn claim(&mut self, key: &str, path: &str) -> Result<(), PlanError> {
        if let Some(prefix) = holding(&self.foreign, key) {
            return Err(PlanError::Foreign {
                path: path.to_owned(),
                key: key.to_owned(),
                prefix: prefix.clone(),
            });
        }
        for (at, _) in key.match_indices('/') {
            if self.listing.contains_key(&key[..at]) {
                self.blocking.insert(key[..at].to_owned());
            }
        }
        let below = format!("{key}/");
        let under = self.listing.range(below.clone()..);
        let under = under.take_while(|(listed, _)| listed.starts_with(&below));
        self.blocking
            .extend(under.map(|(listed, _)| listed.clone()));
        Ok(())
    }

    /// The plan, once every file was seen: the redirects followed through
    /// `tree`, what publishes cut off in `unfinished` deleted, and the
    /// listed keys the tree lacks deleted (`--full`) or named.
    pub fn finish(self, tree: &dyn Lookup, unfinished: Vec<String>) -> Result<Planned> {
        let cx = self.cx;
        let rules = cx.rules;
        let mut plan = Plan::default();
        plan.upload(self.uploads);
        plan.skip(self.skipped);

        let files_at: BTreeSet<String> = (self.seen.iter())
            .filter(|(_, node)| matches!(node, Some(Node::File(_))))
            .map(|(path, _)| path.clone())
            .collect();
        let seen = &self.seen;
        let crowded = |path: &str| {
            let file = |path: &str| matches!(seen.get(path), Some(Some(Node::File(_))));
            let above = path.match_indices('/').any(|(at, _)| file(&path[..at]));
            above || file(path) || matches!(seen.get(path), Some(Some(Node::Folder)))
        };
        let mut redirects = Redirects::survey(cx, &files_at, &crowded, self.moves.as_ref());
        let walked = Walked {
            seen: &self.seen,
            late: &self.late,
            rest: tree,
        };
        redirects.write(cx, &mut plan, self.links, &walked, None)?;
        let mut gone = Vec::new();
        for link in plan.skipped() {
            if let Ok(key) = key(rules, &link.path) {
                if self.listed_links.contains(&key) {
                    gone.push(key);
                }
            }
        }
        for path in &unfinished {
            gone.extend(keys_of(path, rules)?);
        }
        plan.delete_also(gone);

        // What the listing holds that the tree does not.
        let written = plan.written_keys();
        let mut stray = Vec::new();
        let mut fenced: BTreeMap<&str, usize> = BTreeMap::new();
        for key in self.listing.keys() {
            if cx.is_state_key(key) || rules.is_excluded_key(key) || written.contains(key.as_str())
            {
                continue;
            }
            match holding(&self.foreign, key) {
                Some(prefix) => *fenced.entry(prefix).or_default() += 1,
                None => stray.push(key.clone()),
            }
        }
        let mut notes: Vec<String> = (fenced.into_iter())
            .map(|(prefix, count)| left_alone(prefix, count, "object"))
            .collect();
        if cx.full {
            plan.delete_also(stray);
        } else if !stray.is_empty() {
            notes.push(format!(
                "holds {} the tree does not have, left alone (--full deletes them)",
                crate::report::counted(stray.len(), "object")
            ));
        }
        // A streamed plan holds no upload to tell which deletes go first.
        let blocking = self.blocking;
        plan.clear_first(|key| blocking.contains(key));
        // Nothing is written there either: redirects the state recorded
        // included.
        let foreign = self.foreign;
        refuse_writes_inside(cx, &plan, &foreign)?;
        plan.keep(|key| holding(&foreign, key).is_some());
        keep_state_folder(cx, &mut plan);
        check_deletes(&plan, cx.max_delete)?;
        // The listing shows every publish inside this one: what it shows
        // is what the state records. Without a listing, the record stays.
        let nested = match self.listed {
            true => foreign,
            false => cx.nested(),
        };
        Ok(Planned {
            plan,
            published: cx.published_state(redirects, nested),
            walked: None,
            present: self.present,
            streamed: (!self.keep).then_some(self.objects),
            notes,
        })
    }
}

/// What a survey's walk found, and, where it cannot tell, what `rest` says.
struct Walked<'a> {
    seen: &'a BTreeMap<String, Option<Node>>,
    late: &'a BTreeSet<String>,
    rest: &'a dyn Lookup,
}

impl Lookup for Walked<'_> {
    fn node(&self, path: &str) -> Result<Node> {
        match self.seen.get(path) {
            Some(Some(node)) => Ok(node.clone()),
            // Looked for from the start of the walk, and not found.
            Some(None) if !self.late.contains(path) && !path.is_empty() => Ok(Node::Absent),
            _ => self.rest.node(path),
        }
    }
}

/// The prefixes, among `keys` under `prefix`, where another publish keeps
/// its state: each `X/` of an `X/.svn2s3/state.yaml` other than this one's.
pub(crate) fn foreign_prefixes<'k>(
    keys: impl IntoIterator<Item = &'k str>,
    prefix: &str,
) -> BTreeSet<String> {
    keys.into_iter()
        .filter_map(|key| key.strip_suffix(STATE_KEY))
        .filter(|other| *other != prefix && other.starts_with(prefix) && other.ends_with('/'))
        .map(str::to_owned)
        .collect()
}

/// A survey of every file of the tree, held in memory: each seen, then
/// the plan (see [`Survey`]).
pub(crate) fn survey(
    cx: &Context,
    listing: Option<Vec<Listed>>,
    moves: Option<Moves>,
    tree: plan::Changeset,
    unfinished: Vec<String>,
) -> Result<Planned> {
    let mut survey = Survey::new(cx, listing, true, moves);
    for file in &tree.uploads {
        survey.see(file)?;
    }
    survey.skip(tree.skipped);
    survey.finish(&Files::new(&tree.uploads), unfinished)
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
fn check_deletes(plan: &Plan, most: usize) -> Result<(), PlanError> {
    match plan.delete_count() {
        count if count > most => Err(PlanError::TooManyDeletes { count, most }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::{HeaderRule, Name};
    use crate::plan::{props, Changeset, Encoding, Globs, HeaderRules};

    fn file(path: &str) -> File {
        File::at(path)
    }

    fn symlink(path: &str, to: &str) -> File {
        File {
            link: Some(to.to_owned()),
            ..file(path)
        }
    }

    fn with_prop(path: &str, name: &str, value: &str) -> File {
        File {
            props: [(name.to_owned(), value.to_owned())].into(),
            ..file(path)
        }
    }

    fn redirecting(path: &str, to: &str) -> File {
        with_prop(path, props::REDIRECT, to)
    }

    fn changes(uploads: &[&str], deletes: &[&str]) -> Changeset {
        changed(uploads.iter().map(|p| file(p)).collect(), deletes)
    }

    fn changed(uploads: Vec<File>, deletes: &[&str]) -> Changeset {
        Changeset {
            uploads,
            deletes: deletes.iter().map(|p| p.to_string()).collect(),
            ..Changeset::default()
        }
    }

    /// A state at `revision` that recorded `rules`, the redirects of moves
    /// `table` and the files published as redirects `links`.
    fn state(
        revision: Revnum,
        rules: &Rules,
        table: &[(&str, &str)],
        links: &[(&str, &[&str])],
    ) -> State {
        State {
            uuid: "u".into(),
            path: "trunk".into(),
            revision: Some(revision),
            rolled_back_from: None,
            published_at: None,
            version: "0.2.0".into(),
            rules: Some(Shaping::of(rules)),
            redirects: table
                .iter()
                .map(|(from, to)| (from.to_string(), to.to_string()))
                .collect(),
            links: links
                .iter()
                .map(|(path, through)| {
                    (
                        path.to_string(),
                        through.iter().map(|p| p.to_string()).collect(),
                    )
                })
                .collect(),
            unresolved: BTreeMap::new(),
            nested: BTreeSet::new(),
            publishing: None,
            history: Vec::new(),
        }
    }

    /// A publish of r2 with `rules` over `state`.
    fn cx<'a>(rules: &'a Rules, state: Option<&'a State>) -> Context<'a> {
        Context {
            rules,
            state,
            revision: 2,
            full: false,
            max_delete: 256,
        }
    }

    /// The plan of a publish from r1 to r2 over `state`, where the tree
    /// holds `rest` besides what `changes` names.
    fn publish(
        rules: &Rules,
        state: &State,
        changes: Changeset,
        history: Option<History>,
        rest: &[File],
    ) -> Result<Planned> {
        let input = Changes {
            changes,
            history,
            whole: None,
        };
        incremental(&cx(rules, Some(state)), input, &Files::new(rest))
    }

    /// The plan of `changes` alone, published from r1 (whose state recorded
    /// the same rules) to r2.
    fn plan(changes: &Changeset, rules: &Rules) -> Result<Plan, PlanError> {
        let state = state(1, rules, &[], &[]);
        match publish(rules, &state, changes.clone(), None, &[]) {
            Ok(planned) => Ok(planned.plan),
            Err(err) => Err(err.downcast::<PlanError>().expect("a PlanError")),
        }
    }

    fn error(result: Result<Planned>) -> String {
        format!("{:#}", result.expect_err("a refusal"))
    }

    fn redirects(plan: &Plan) -> Vec<(&str, &str)> {
        (plan.redirects().iter())
            .map(|up| (up.key.as_str(), up.location().unwrap()))
            .collect()
    }

    fn table(list: &[(&str, &str)]) -> Table {
        list.iter()
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect()
    }

    fn with_redirects() -> Rules {
        Rules {
            redirects: true,
            ..Rules::new("")
        }
    }

    fn moved(revision: Revnum, from: &str, to: &str) -> History {
        let mut history = History::default();
        history.copied(revision, from, revision - 1, to);
        history.deleted(revision, from);
        history
    }

    fn keys(plan: &Plan) -> Vec<&str> {
        plan.uploads().iter().map(|u| u.key.as_str()).collect()
    }

    fn gzip(patterns: &[&str]) -> Rules {
        Rules {
            gzip: Some(Globs::new(patterns).unwrap()),
            ..Rules::new("")
        }
    }

    #[test]
    fn keys_are_the_prefix_then_the_path() {
        let plan = plan(
            &changes(&["css/site.css", "a b+c%d#e?f&g.txt"], &["old.png"]),
            &Rules::new("static/"),
        )
        .unwrap();
        assert_eq!(
            keys(&plan),
            ["static/a b+c%d#e?f&g.txt", "static/css/site.css"]
        );
        assert_eq!(plan.deletes(), ["static/old.png"]);
        assert!(plan.clear().is_empty());
    }

    #[test]
    fn an_empty_prefix_publishes_to_the_bucket_root() {
        let plan = plan(&changes(&["index.html"], &[]), &Rules::new("")).unwrap();
        assert_eq!(keys(&plan), ["index.html"]);
    }

    #[test]
    fn matching_files_get_a_gzip_twin_with_the_same_headers() {
        let plan = plan(
            &changes(&["css/site.css", "img/a.png"], &[]),
            &gzip(&["*.css"]),
        )
        .unwrap();
        assert_eq!(
            keys(&plan),
            ["css/site.css", "css/site.gz.css", "img/a.png"]
        );
        let (plain, twin) = (&plan.uploads()[0], &plan.uploads()[1]);
        assert_eq!(
            (twin.encoding(), plain.encoding()),
            (Some(Encoding::Gzip), None)
        );
        assert_eq!(twin.local(), plain.local());
        assert_eq!(twin.headers.content_encoding, Some("gzip"));
        assert_eq!(plain.headers.content_encoding, None);
        assert_eq!(twin.headers.content_type, "text/css");
        assert_eq!(twin.headers.content_type, plain.headers.content_type);
    }

    #[test]
    fn deleting_a_file_deletes_its_twin() {
        let plan = plan(&changes(&[], &["js/app.js", "img/a.png"]), &gzip(&["*.js"])).unwrap();
        assert_eq!(plan.deletes(), ["img/a.png", "js/app.gz.js", "js/app.js"]);
    }

    #[test]
    fn brotli_twins_go_beside_gzip_twins_and_with_their_file() {
        let rules = Rules {
            brotli: Some(Globs::new(&["*.css", "*.js"]).unwrap()),
            ..gzip(&["*.css"])
        };
        let planned = plan(
            &changes(&["css/site.css", "js/app.js"], &["old.css"]),
            &rules,
        )
        .unwrap();
        assert_eq!(
            keys(&planned),
            [
                "css/site.br.css",
                "css/site.css",
                "css/site.gz.css",
                "js/app.br.js",
                "js/app.js"
            ]
        );
        let brotli = &planned.uploads()[0];
        assert_eq!(brotli.encoding(), Some(Encoding::Brotli));
        assert_eq!(brotli.headers.content_encoding, Some("br"));
        assert_eq!(brotli.headers.content_type, "text/css");
        assert_eq!(planned.deletes(), ["old.br.css", "old.css", "old.gz.css"]);

        let err = plan(&changes(&["a.css", "a.br.css"], &[]), &rules).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a.br.css is named as the br twin of a.css would be, and svn2s3 writes that twin \
             there; rename it, or leave it out with `exclude:`"
        );
    }

    #[test]
    fn a_file_named_as_a_twin_is_refused_whether_or_not_its_file_is_in_the_change() {
        // The file is unchanged, or not there at all: the name alone is refused,
        // in an incremental publish as in a survey.
        for change in [&["site.gz.css"][..], &["site.css", "site.gz.css"]] {
            let err = plan(&changes(change, &[]), &gzip(&["*.css"])).unwrap_err();
            assert!(
                matches!(err, PlanError::TwinNamed { ref path, ref twin_of, .. }
                    if path == "site.gz.css" && twin_of == "site.css"),
                "{err}"
            );
        }
        let rules = gzip(&["*.css"]);
        let cx = cx(&rules, None);
        let mut survey = Survey::new(&cx, None, false, None);
        survey.see(&file("site.css")).unwrap();
        assert!(survey.see(&file("site.gz.css")).is_err());
    }

    #[test]
    fn content_type_comes_from_svn_mime_type_then_the_extension() {
        let mut typed = file("data.bin");
        typed.mime_type = Some("image/x-custom".into());
        let changes = Changeset {
            uploads: vec![typed, file("a.svg"), file("noext"), file("b.weird-ext")],
            ..Default::default()
        };
        let plan = plan(&changes, &Rules::new("")).unwrap();
        let types: Vec<_> = plan
            .uploads()
            .iter()
            .map(|u| (u.key.as_str(), u.headers.content_type.as_str()))
            .collect();
        assert_eq!(
            types,
            [
                ("a.svg", "image/svg+xml"),
                ("b.weird-ext", "application/octet-stream"),
                ("data.bin", "image/x-custom"),
                ("noext", "application/octet-stream"),
            ]
        );
    }

    #[test]
    fn svn_generic_binary_type_gives_way_to_the_extension() {
        let mut video = file("clip.mp4");
        video.mime_type = Some("application/octet-stream".into());
        let mut unknown = file("blob.weird-ext");
        unknown.mime_type = Some("application/octet-stream".into());
        let changes = Changeset {
            uploads: vec![video, unknown],
            ..Default::default()
        };
        let plan = plan(&changes, &Rules::new("")).unwrap();
        assert_eq!(
            plan.uploads()[0].headers.content_type,
            "application/octet-stream"
        );
        assert_eq!(plan.uploads()[1].headers.content_type, "video/mp4");
    }

    #[test]
    fn the_first_matching_header_rule_wins() {
        let rules = Rules {
            headers: HeaderRules::new(vec![
                HeaderRule::new("*.css", [(Name::CacheControl, "max-age=1")]),
                HeaderRule::new(
                    "*",
                    [
                        (Name::CacheControl, "no-cache"),
                        (Name::ContentDisposition, "inline"),
                    ],
                ),
            ])
            .unwrap(),
            acl: Some("public-read".into()),
            ..Rules::new("")
        };
        let plan = plan(&changes(&["a/site.css", "b.html"], &[]), &rules).unwrap();
        assert_eq!(
            plan.uploads()[0].headers.values.get(Name::CacheControl),
            Some("max-age=1")
        );
        assert_eq!(
            plan.uploads()[0]
                .headers
                .values
                .get(Name::ContentDisposition),
            None
        );
        assert_eq!(
            plan.uploads()[1].headers.values.get(Name::CacheControl),
            Some("no-cache")
        );
        assert_eq!(
            plan.uploads()[1]
                .headers
                .values
                .get(Name::ContentDisposition),
            Some("inline")
        );
        assert!(plan
            .uploads()
            .iter()
            .all(|u| u.headers.acl.as_deref() == Some("public-read")));
    }

    #[test]
    fn excluded_paths_are_neither_uploaded_nor_deleted() {
        let rules = Rules {
            exclude: Globs::new(&["*.psd", "drafts/**"]).unwrap(),
            ..Rules::new("")
        };
        let plan = plan(
            &changes(
                &["art/x.psd", "drafts/a/b.html", "ok.html"],
                &["drafts/old.txt", "y.psd", "gone.txt"],
            ),
            &rules,
        )
        .unwrap();
        assert_eq!(keys(&plan), ["ok.html"]);
        assert_eq!(plan.deletes(), ["gone.txt"]);
    }

    #[test]
    fn a_file_replaced_in_the_same_change_is_not_deleted() {
        let plan = plan(&changes(&["a.txt"], &["a.txt", "b.txt"]), &Rules::new("")).unwrap();
        assert_eq!(keys(&plan), ["a.txt"]);
        assert_eq!(plan.deletes(), ["b.txt"]);
    }

    #[test]
    fn a_file_replaced_by_a_folder_is_deleted_before_the_uploads() {
        let plan = plan(
            &changes(&["top/z", "other"], &["top", "unrelated"]),
            &Rules::new("p/"),
        )
        .unwrap();
        assert_eq!(plan.clear(), ["p/top"]);
        assert_eq!(plan.deletes(), ["p/unrelated"]);
    }

    #[test]
    fn a_folder_replaced_by_a_file_is_deleted_before_the_uploads() {
        let plan = plan(
            &changes(&["top"], &["top/z", "top/y/x", "topper"]),
            &Rules::new(""),
        )
        .unwrap();
        assert_eq!(plan.clear(), ["top/y/x", "top/z"]);
        assert_eq!(plan.deletes(), ["topper"]);
        assert_eq!(plan.delete_count(), 3);
    }

    #[test]
    fn a_key_over_1024_bytes_is_an_error() {
        let long = "é".repeat(512); // 1,024 bytes
        assert!(plan(&changes(&[&long], &[]), &Rules::new("")).is_ok());
        let err = plan(&changes(&[&long], &[]), &Rules::new("p/")).unwrap_err();
        assert!(
            matches!(err, PlanError::KeyTooLong { bytes: 1026, .. }),
            "{err}"
        );
    }

    #[test]
    fn an_empty_changeset_plans_nothing() {
        let plan = plan(&Changeset::default(), &gzip(&["*"])).unwrap();
        assert!(plan.is_empty());
    }

    #[test]
    fn a_file_moved_away_and_added_again_holds_its_new_bytes_not_a_redirect() {
        let rules = with_redirects();
        let before = state(1, &rules, &[], &[]);
        // svn mv old.txt new.txt; echo fresh > old.txt; svn add old.txt: the
        // log says old.txt moved; the diff names old.txt changed, and, as a
        // node replaced, perhaps deleted too.
        for deletes in [&["old.txt"][..], &[]] {
            let change = changes(&["new.txt", "old.txt"], deletes);
            let planned = publish(
                &rules,
                &before,
                change,
                Some(moved(2, "old.txt", "new.txt")),
                &[],
            )
            .unwrap();
            assert_eq!(keys(&planned.plan), ["new.txt", "old.txt"]);
            assert_eq!(redirects(&planned.plan), []);
            assert!(planned.plan.deletes().is_empty());
            assert!(planned.published.redirects.is_empty());
        }
        // The same with folders: d moved to e, and d/x.txt added again.
        let change = Changeset {
            uploads: ["d/x.txt", "e/x.txt", "e/y.txt"].map(file).to_vec(),
            deletes: vec!["d/x.txt".into(), "d/y.txt".into()],
            ..Changeset::default()
        };
        let planned = publish(&rules, &before, change, Some(moved(2, "d", "e")), &[]).unwrap();
        assert_eq!(redirects(&planned.plan), [("d/y.txt", "/e/y.txt")]);
        assert_eq!(keys(&planned.plan), ["d/x.txt", "e/x.txt", "e/y.txt"]);
        assert_eq!(
            planned.published.redirects,
            table(&[("d/y.txt", "e/y.txt")])
        );
        // A redirect kept from before gives way to a file added at its path.
        let before = state(1, &rules, &[("a.html", "b.html")], &[]);
        let planned = publish(
            &rules,
            &before,
            changes(&["a.html"], &[]),
            None,
            &[file("b.html")],
        )
        .unwrap();
        assert_eq!(keys(&planned.plan), ["a.html"]);
        assert_eq!(redirects(&planned.plan), []);
        assert!(planned.published.redirects.is_empty());
        assert!(planned.plan.deletes().is_empty());
    }

    #[test]
    fn no_redirect_is_kept_at_the_key_of_a_twin() {
        // old.gz.css moved to new.css before *.css got gzip twins: its key
        // is now the twin of old.css, whether or not old.css is there yet.
        let rules = Rules {
            redirects: true,
            ..gzip(&["*.css"])
        };
        let before = state(1, &rules, &[("old.gz.css", "new.css")], &[]);
        let planned = publish(
            &rules,
            &before,
            changes(&["other.txt"], &[]),
            None,
            &[file("new.css")],
        )
        .unwrap();
        assert_eq!(redirects(&planned.plan), []);
        assert_eq!(planned.plan.deletes(), ["old.gz.css"]);
        assert!(planned.published.redirects.is_empty());
        // Once old.css is added, its twin is written there, and not deleted.
        let planned = publish(
            &rules,
            &before,
            changes(&["old.css"], &[]),
            None,
            &[file("new.css")],
        )
        .unwrap();
        assert_eq!(keys(&planned.plan), ["old.css", "old.gz.css"]);
        assert_eq!(redirects(&planned.plan), []);
        assert!(planned.plan.deletes().is_empty());
        assert!(planned.published.redirects.is_empty());
    }

    #[test]
    fn a_move_beside_a_copy_of_its_folder_that_drops_it_leaves_its_redirect() {
        let rules = with_redirects();
        let mut history = History::default();
        history.copied(2, "js/a", 1, "js/b");
        history.deleted(2, "js/b/x/f.js");
        history.copied(2, "js/a/x/f.js", 1, "js/c/f.js");
        history.deleted(2, "js/a/x/f.js");
        let change = changes(&["js/b/y.js", "js/c/f.js"], &["js/a/x/f.js"]);
        let before = state(1, &rules, &[], &[]);
        let planned =
            publish(&rules, &before, change, Some(history), &[file("js/a/y.js")]).unwrap();
        assert_eq!(redirects(&planned.plan), [("js/a/x/f.js", "/js/c/f.js")]);
    }

    #[test]
    fn moves_leave_redirects_that_follow_later_moves_and_go_with_their_target() {
        let rules = with_redirects();
        // A -> B before, B -> C now: both lead to C.
        let before = state(1, &rules, &[("a", "b")], &[]);
        let planned = publish(
            &rules,
            &before,
            changes(&["c"], &["b"]),
            Some(moved(2, "b", "c")),
            &[],
        )
        .unwrap();
        assert_eq!(redirects(&planned.plan), [("a", "/c"), ("b", "/c")]);
        assert_eq!(
            planned.published.redirects,
            table(&[("a", "c"), ("b", "c")])
        );
        // C deleted: both go.
        let before = state(1, &rules, &[("a", "c"), ("b", "c")], &[]);
        let planned = publish(
            &rules,
            &before,
            changes(&[], &["c"]),
            Some(History::default()),
            &[],
        )
        .unwrap();
        assert_eq!(planned.plan.deletes(), ["a", "b", "c"]);
        assert!(planned.published.redirects.is_empty());
        // C replaced by a folder: a moved file is not there any more.
        let before = state(1, &rules, &[("a", "c")], &[]);
        let planned = publish(&rules, &before, changes(&["c/x"], &["c"]), None, &[]).unwrap();
        assert_eq!(
            (planned.plan.clear(), planned.plan.deletes()),
            (&["c".into()][..], &["a".into()][..])
        );
        assert!(planned.published.redirects.is_empty());
        // A redirect whose target only changed stays, with no request.
        let before = state(1, &rules, &[("a", "c")], &[]);
        let planned = publish(&rules, &before, changes(&["c"], &[]), None, &[]).unwrap();
        assert_eq!(keys(&planned.plan), ["c"]);
        assert_eq!(redirects(&planned.plan), []);
        assert_eq!(planned.published.redirects, table(&[("a", "c")]));
        // Nor below a file that is a redirect now.
        let change = changed(vec![redirecting("d", "/c"), file("e/f")], &["d/f"]);
        let planned = publish(
            &rules,
            &before,
            change,
            Some(moved(2, "d/f", "e/f")),
            &[file("c")],
        )
        .unwrap();
        assert_eq!(redirects(&planned.plan), [("d", "/c")]);
        assert_eq!(
            planned.plan.clear(),
            ["d/f"],
            "gone before the redirect above it"
        );
        // A move to an excluded path, or below a folder that is a file now,
        // leaves no redirect.
        let rules = Rules {
            exclude: Globs::new(&["*.psd"]).unwrap(),
            ..with_redirects()
        };
        let before = state(1, &rules, &[], &[]);
        let planned = publish(
            &rules,
            &before,
            changes(&[], &["a.png"]),
            Some(moved(2, "a.png", "a.psd")),
            &[],
        )
        .unwrap();
        assert_eq!(planned.plan.deletes(), ["a.png"]);
        assert_eq!(redirects(&planned.plan), []);
        let planned = publish(
            &rules,
            &before,
            changes(&["d", "e/f"], &["d/f"]),
            Some(moved(2, "d/f", "e/f")),
            &[],
        )
        .unwrap();
        assert_eq!(planned.plan.clear(), ["d/f"]);
        assert_eq!(redirects(&planned.plan), []);
    }

    #[test]
    fn a_symlinks_redirect_goes_with_its_target_or_follows_its_move() {
        let rules = with_redirects();
        let before = state(1, &rules, &[], &[("l.css", &["a.js"])]);
        let rest = [symlink("l.css", "a.js")];
        // a.js deleted: the link leads nowhere; its object goes, and it is said.
        let planned = publish(
            &rules,
            &before,
            changes(&[], &["a.js"]),
            Some(History::default()),
            &rest,
        )
        .unwrap();
        assert_eq!(planned.plan.deletes(), ["a.js", "l.css"]);
        assert_eq!(
            planned.plan.skipped(),
            [Skipped {
                path: "l.css".into(),
                reason: "a symbolic link to nothing published"
            }]
        );
        assert!(planned.published.links.is_empty());
        // a.js moved to b.js: the link follows it.
        let history = moved(2, "a.js", "b.js");
        let planned = publish(
            &rules,
            &before,
            changes(&["b.js"], &["a.js"]),
            Some(history),
            &rest,
        )
        .unwrap();
        assert_eq!(
            redirects(&planned.plan),
            [("a.js", "/b.js"), ("l.css", "/b.js")]
        );
        let through = vec!["a.js".to_string(), "b.js".to_string()];
        assert_eq!(
            planned.published.links,
            BTreeMap::from([("l.css".to_string(), through)])
        );
        // a.js edited: the link leads where it led; nothing to write.
        let planned = publish(&rules, &before, changes(&["a.js"], &[]), None, &rest).unwrap();
        assert_eq!(redirects(&planned.plan), []);
        assert_eq!(planned.published.links, before.links);
        // A link of the change to nothing is skipped; one added is no delete.
        let mut change = changed(vec![symlink("m.css", "nothing.js")], &[]);
        change.added.insert("m.css".into());
        let planned = publish(&rules, &before, change, None, &rest).unwrap();
        assert!(planned.plan.is_empty(), "{:?}", planned.plan);
        assert_eq!(planned.plan.skipped()[0].path, "m.css");
        // A file that becomes a link loses its twins, and its key redirects.
        let twins = Rules {
            gzip: Some(Globs::new(&["*.css"]).unwrap()),
            ..with_redirects()
        };
        let before = state(1, &twins, &[], &[]);
        let change = changed(vec![symlink("s.css", "a.js")], &[]);
        let planned = publish(&twins, &before, change, None, &[file("a.js")]).unwrap();
        assert_eq!(redirects(&planned.plan), [("s.css", "/a.js")]);
        assert_eq!(planned.plan.deletes(), ["s.gz.css"]);
    }

    #[test]
    fn a_symlink_to_nothing_is_written_once_its_target_is_there() {
        let rules = with_redirects();
        let before = state(1, &rules, &[], &[]);
        let mut change = changed(
            vec![symlink("soon", "later.html"), symlink("dlink", "d")],
            &[],
        );
        change.added = ["soon".to_string(), "dlink".to_string()].into();
        let planned = publish(&rules, &before, change, None, &[]).unwrap();
        assert_eq!(planned.plan.skipped().len(), 2);
        let unresolved: Vec<(&str, &[String])> = (planned.published.unresolved.iter())
            .map(|(path, through)| (path.as_str(), through.as_slice()))
            .collect();
        assert_eq!(
            unresolved,
            [
                ("dlink", &["d".to_string()][..]),
                ("soon", &["later.html".to_string()][..])
            ]
        );
        // The targets come, in a later change that names neither link.
        let mut after = state(2, &rules, &[], &[]);
        after.unresolved = planned.published.unresolved.clone();
        let rest = [symlink("soon", "later.html"), symlink("dlink", "d")];
        let planned = publish(
            &rules,
            &after,
            changes(&["later.html", "d/f.html"], &[]),
            None,
            &rest,
        )
        .unwrap();
        assert_eq!(
            redirects(&planned.plan),
            [("dlink", "/d/"), ("soon", "/later.html")]
        );
        assert!(planned.published.unresolved.is_empty());
        assert_eq!(planned.published.links.len(), 2);
        // A change that touches nothing on their way leaves them skipped.
        let planned = publish(&rules, &after, changes(&["other.html"], &[]), None, &rest).unwrap();
        assert_eq!(redirects(&planned.plan), []);
        assert_eq!(planned.published.unresolved, after.unresolved);
    }

    #[test]
    fn a_redirect_leads_to_the_end_of_its_chain_a_folder_with_a_slash() {
        let rules = with_redirects();
        let before = state(1, &rules, &[], &[]);
        let change = changed(
            vec![
                redirecting("a.html", "b.html"),
                symlink("b.html", "c.html"),
                symlink("pics", "img"),
                redirecting("away.html", "https://example.com/x"),
            ],
            &[],
        );
        let rest = [file("c.html"), file("img/x.png")];
        let planned = publish(&rules, &before, change, None, &rest).unwrap();
        assert_eq!(
            redirects(&planned.plan),
            [
                ("a.html", "/c.html"),
                ("away.html", "https://example.com/x"),
                ("b.html", "/c.html"),
                ("pics", "/img/")
            ]
        );
        let links: Vec<(&str, Vec<&str>)> = (planned.published.links.iter())
            .map(|(path, through)| (path.as_str(), through.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            links,
            [
                ("a.html", vec!["b.html", "c.html"]),
                ("b.html", vec!["c.html"]),
                ("pics", vec!["img/"])
            ]
        );
        // The end of the chain goes: every link through it is followed again.
        let before = state(
            1,
            &rules,
            &[],
            &[("a.html", &["b.html", "c.html"]), ("b.html", &["c.html"])],
        );
        let rest = [redirecting("a.html", "b.html"), symlink("b.html", "c.html")];
        let result = publish(&rules, &before, changes(&[], &["c.html"]), None, &rest);
        assert_eq!(
            error(result),
            "a.html: svn2s3:redirect \"b.html\" leads to c.html, which is not in the tree at r2"
        );
    }

    #[test]
    fn redirects_that_loop_or_lead_nowhere_are_refused_for_properties_and_skipped_for_links() {
        let rules = Rules {
            exclude: Globs::new(&["*.psd"]).unwrap(),
            ..with_redirects()
        };
        let before = state(1, &rules, &[], &[]);
        let refused = |files: Vec<File>| {
            error(publish(
                &rules,
                &before,
                changed(files, &[]),
                None,
                &[file("x.psd")],
            ))
        };
        assert_eq!(
            refused(vec![redirecting("a.html", "/b.html"), redirecting("b.html", "a.html")]),
            "a.html: svn2s3:redirect \"/b.html\" is in a loop of redirects: a.html -> b.html -> a.html at r2"
        );
        assert_eq!(
            refused(vec![redirecting("d/a.html", "a.html")]),
            "d/a.html: svn2s3:redirect \"a.html\" redirects to itself at r2"
        );
        assert_eq!(
            refused(vec![redirecting("a.html", "/gone.html")]),
            "a.html: svn2s3:redirect \"/gone.html\" leads to gone.html, which is not in the tree at r2"
        );
        assert!(refused(vec![redirecting("a.html", "x.psd")])
            .ends_with("leads to x.psd, which is excluded at r2"));
        assert!(refused(vec![redirecting("a.html", "/.svn2s3/state.yaml")])
            .contains("leads into .svn2s3/"));
        assert!(refused(vec![redirecting("a.html", "/x.psd/")]).contains("excluded"));
        // Links in a loop are skipped, and said so; a link that was a file
        // before takes that file's object away.
        let mut change = changed(
            vec![
                symlink("l1", "l2"),
                symlink("l2", "l1"),
                symlink("me", "me"),
            ],
            &[],
        );
        change.added = ["l1".to_string(), "l2".to_string()].into();
        let planned = publish(&rules, &before, change, None, &[]).unwrap();
        assert_eq!(planned.plan.deletes(), ["me"]);
        assert_eq!(planned.plan.write_count(), 0);
        let reasons: BTreeSet<&str> = planned
            .plan
            .skipped()
            .iter()
            .map(|skip| skip.reason)
            .collect();
        assert_eq!(
            reasons,
            BTreeSet::from(["a symbolic link in a loop of redirects"])
        );
        assert_eq!(planned.plan.skipped().len(), 3);
    }

    #[test]
    fn a_file_under_a_state_folder_is_refused_before_anything_and_never_deleted() {
        let rules = Rules::new("p/");
        let err = plan(&changes(&[".svn2s3/state.yaml", "a.txt"], &[]), &rules).unwrap_err();
        assert!(
            matches!(err, PlanError::Reserved { ref path, .. } if path == ".svn2s3/state.yaml")
        );
        let plan = plan(
            &changes(&["a.txt"], &[".svn2s3/state.yaml", "x/.svn2s3/y"]),
            &rules,
        )
        .unwrap();
        assert!(plan.deletes().is_empty(), "{:?}", plan.deletes());
        let excluded = Rules {
            exclude: Globs::new(&[".svn2s3/**"]).unwrap(),
            ..Rules::new("p/")
        };
        let plan = self::plan(&changes(&[".svn2s3/state.yaml", "a.txt"], &[]), &excluded).unwrap();
        assert_eq!(keys(&plan), ["p/a.txt"]);
    }

    #[test]
    fn header_values_a_store_cannot_carry_are_refused_before_anything() {
        let rules = Rules::new("");
        let before = state(1, &rules, &[], &[]);
        let change = changed(
            vec![with_prop(
                "a.css",
                Name::CacheControl.property(),
                "public\r\nX-Evil: 1",
            )],
            &[],
        );
        let err = error(publish(&rules, &before, change, None, &[]));
        assert!(
            err.starts_with(
                "a.css: svn2s3:cache-control \"public\\r\\nX-Evil: 1\" holds the control"
            ),
            "{err}"
        );
        // A folder's property reaches its files, and is refused naming one.
        let change = Changeset {
            reshaped: vec![with_prop(
                "d/b.html",
                Name::ContentLanguage.property(),
                "fran\u{e7}ais",
            )],
            ..Changeset::default()
        };
        let err = error(publish(&rules, &before, change, None, &[]));
        assert!(
            err.starts_with("d/b.html: svn2s3:content-language \"français\" holds 'ç'"),
            "{err}"
        );
    }

    #[test]
    fn a_folder_whose_properties_changed_publishes_its_files_again() {
        let rules = Rules::new("");
        let before = state(1, &rules, &[], &[]);
        let change = Changeset {
            reshaped: vec![with_prop(
                "d/a.html",
                Name::CacheControl.property(),
                "no-cache",
            )],
            ..changes(&["b.txt"], &[])
        };
        let planned = publish(&rules, &before, change, None, &[]).unwrap();
        assert_eq!(keys(&planned.plan), ["b.txt", "d/a.html"]);
        assert_eq!(
            planned.plan.uploads()[1]
                .headers
                .values
                .get(Name::CacheControl),
            Some("no-cache")
        );
    }

    #[test]
    fn rules_that_changed_reach_every_file_and_every_redirect() {
        let rule = |cache_control: &str| {
            let rule = HeaderRule::new("*.html", [(Name::CacheControl, cache_control)]);
            HeaderRules::new(vec![rule]).unwrap()
        };
        let old = Rules {
            headers: rule("max-age=60"),
            ..with_redirects()
        };
        let new = Rules {
            headers: rule("no-cache"),
            ..with_redirects()
        };
        let before = state(1, &old, &[("old.html", "a.html")], &[]);
        let cx = cx(&new, Some(&before));
        assert!(needs(&cx).unwrap().whole);
        let input = Changes {
            changes: Changeset::default(),
            history: Some(History::default()),
            whole: Some(vec![file("a.html"), file("b.png")]),
        };
        let planned = incremental(&cx, input, &Files::new(&[])).unwrap();
        let rewritten: Vec<&str> = planned
            .plan
            .rewrites()
            .iter()
            .map(|up| up.key.as_str())
            .collect();
        assert_eq!(rewritten, ["a.html"]);
        assert_eq!(redirects(&planned.plan), [("old.html", "/a.html")]);
        assert_eq!(
            planned.plan.redirects()[0]
                .headers
                .values
                .get(Name::CacheControl),
            Some("no-cache")
        );
        assert_eq!(planned.walked.as_deref(), Some("header rules"));
        // Without the tree, the rules cannot be applied: no guess is made.
        let input = Changes::default();
        assert!(incremental(&cx, input, &Files::new(&[])).is_err());
    }

    #[test]
    fn a_file_that_became_a_link_as_the_rules_changed_loses_its_old_twin() {
        // site.css had a gzip twin; now gzip is off, and site.css is a link.
        let old = Rules {
            redirects: true,
            ..gzip(&["*.css"])
        };
        let new = with_redirects();
        let before = state(1, &old, &[], &[]);
        let link = symlink("site.css", "other.css");
        let input = Changes {
            changes: changed(vec![link.clone()], &[]),
            history: None,
            whole: Some(vec![link, file("other.css")]),
        };
        let planned = incremental(&cx(&new, Some(&before)), input, &Files::new(&[])).unwrap();
        assert_eq!(redirects(&planned.plan), [("site.css", "/other.css")]);
        assert_eq!(planned.plan.deletes(), ["other.gz.css", "site.gz.css"]);
    }

    #[test]
    fn a_rollback_takes_away_redirects_where_files_are_again() {
        let rules = with_redirects();
        let mut before = state(5, &rules, &[("x.html", "y.html")], &[]);
        before.published_at = Some("then".into());
        let cx = Context {
            revision: 3,
            ..cx(&rules, Some(&before))
        };
        let needs = needs(&cx).unwrap();
        assert_eq!(
            (needs.from, needs.history),
            (Some(5), None),
            "no moves backwards"
        );
        let input = Changes {
            changes: changes(&["x.html"], &["y.html"]),
            ..Changes::default()
        };
        let planned = incremental(&cx, input, &Files::new(&[])).unwrap();
        assert_eq!(keys(&planned.plan), ["x.html"]);
        assert_eq!(planned.plan.deletes(), ["y.html"]);
        assert_eq!(redirects(&planned.plan), []);
        assert!(planned.published.redirects.is_empty());
        assert_eq!(planned.published.rolled_back_from, Some(5));
    }

    #[test]
    fn what_a_publish_needs_follows_from_what_it_is_asked() {
        let rules = with_redirects();
        let mut before = state(1, &rules, &[], &[]);
        before.publishing = State::claim(
            Some(&before),
            &crate::tree::Tree {
                uuid: "u".into(),
                path: "trunk".into(),
                revision: 4,
                name: "wc".into(),
                read_from: crate::tree::ReadFrom::WorkingCopy,
            },
        )
        .publishing;
        let asked = |full| {
            needs(&Context {
                full,
                ..cx(&rules, Some(&before))
            })
            .unwrap()
        };
        assert_eq!(
            asked(false),
            Needs {
                from: Some(1),
                unfinished: vec![4],
                history: Some(1),
                whole: false
            }
        );
        assert_eq!(
            asked(true),
            Needs {
                from: None,
                unfinished: Vec::new(),
                history: Some(1),
                whole: false
            }
        );
        let plain = Rules::new("");
        let first = needs(&cx(&plain, None)).unwrap();
        assert_eq!(
            (first.from, first.history, first.whole),
            (None, None, false)
        );
    }

    #[test]
    fn more_deletes_than_allowed_are_refused() {
        let rules = Rules::new("");
        let before = state(1, &rules, &[], &[]);
        let cx = Context {
            max_delete: 2,
            ..cx(&rules, Some(&before))
        };
        let input = Changes {
            changes: changes(&[], &["a", "b", "c"]),
            ..Changes::default()
        };
        let err = incremental(&cx, input, &Files::new(&[]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "refusing to delete 3 objects, more than --max-delete 2; raise it if that is intended"
        );
    }

    fn listed(keys: &[&str]) -> Vec<Listed> {
        keys.iter()
            .map(|key| Listed {
                key: key.to_string(),
                etag: None,
                size: 1,
            })
            .collect()
    }

    #[test]
    fn a_survey_refuses_what_an_incremental_publish_refuses_before_any_write() {
        let rules = Rules::new("");
        let cx = cx(&rules, None);
        let mut survey = Survey::new(&cx, Some(Vec::new()), false, None);
        survey.see(&file("a.txt")).unwrap();
        let refused = |file: File| {
            Survey::new(&cx, None, false, None)
                .see(&file)
                .unwrap_err()
                .to_string()
        };
        assert!(refused(redirecting("x/y.html", "../../x.html"))
            .ends_with("leads outside the published folder"));
        assert!(refused(redirecting("y.html", "/a\rb")).contains("control characters"));
        assert!(refused(file(".svn2s3/state.yaml"))
            .starts_with(".svn2s3/state.yaml: svn2s3 keeps its state"));
        assert!(
            refused(with_prop("c.css", Name::Expires.property(), "\u{1}"))
                .starts_with("c.css: svn2s3:expires")
        );
        // Where a redirect leads is known once every file was seen.
        survey.see(&redirecting("b.html", "/nothing.html")).unwrap();
        let err = survey
            .finish(&Files::new(&[]), Vec::new())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "b.html: svn2s3:redirect \"/nothing.html\" leads to nothing.html, which is not in the tree at r2");
    }

    #[test]
    fn a_survey_counts_what_it_streams_and_keeps_its_redirects() {
        let rules = Rules {
            gzip: Some(Globs::new(&["*.css"]).unwrap()),
            ..with_redirects()
        };
        let before = state(
            1,
            &rules,
            &[
                ("moved.css", "site.css"),
                ("gone.css", "nowhere.css"),
                ("back.css", "site.css"),
            ],
            &[],
        );
        let cx = Context {
            full: true,
            ..cx(&rules, Some(&before))
        };
        let mut survey = Survey::new(
            &cx,
            Some(listed(&[
                "site.css",
                "gone.css",
                "old.txt",
                ".svn2s3/state.yaml",
            ])),
            false,
            None,
        );
        for file in [
            file("site.css"),
            symlink("l.css", "site.css"),
            file("back.css"),
        ] {
            survey.see(&file).unwrap();
        }
        survey.skip([Skipped {
            path: "ext".into(),
            reason: "an external (svn:externals), not published",
        }]);
        let planned = survey
            .finish(&Files::new(&[]), vec!["cut-off.css".into()])
            .unwrap();
        assert_eq!(planned.streamed, Some(4), "two files and their twins");
        assert!(planned.plan.uploads().is_empty(), "streamed, not kept");
        assert_eq!(
            redirects(&planned.plan),
            [("l.css", "/site.css"), ("moved.css", "/site.css")]
        );
        assert_eq!(
            planned.plan.deletes(),
            ["cut-off.css", "cut-off.gz.css", "gone.css", "old.txt"]
        );
        assert_eq!(
            planned.published.redirects,
            table(&[("moved.css", "site.css")])
        );
        assert_eq!(planned.present.keys().collect::<Vec<_>>(), ["site.css"]);
        assert_eq!(planned.plan.skipped()[0].path, "ext");
    }

    #[test]
    fn a_full_survey_leaves_the_moves_of_its_range_as_an_incremental_publish_does() {
        let rules = with_redirects();
        let before = state(1, &rules, &[("x", "a")], &[]);
        let cx = Context {
            full: true,
            ..cx(&rules, Some(&before))
        };
        assert_eq!(needs(&cx).unwrap().history, Some(1));
        let moves = Moves {
            history: moved(2, "a", "b"),
            deleted: vec!["a".into()],
        };
        let mut survey = Survey::new(&cx, Some(Vec::new()), false, Some(moves));
        for file in [file("b"), redirecting("c", "/a")] {
            survey.see(&file).unwrap();
        }
        let planned = survey.finish(&Files::new(&[]), Vec::new()).unwrap();
        assert_eq!(
            redirects(&planned.plan),
            [("a", "/b"), ("c", "/b"), ("x", "/b")]
        );
        assert_eq!(
            planned.published.redirects,
            table(&[("a", "b"), ("x", "b")])
        );
        // A file added again at a moved file's path keeps it.
        let moves = Moves {
            history: moved(2, "a", "b"),
            deleted: vec!["a".into()],
        };
        let mut survey = Survey::new(&cx, Some(Vec::new()), false, Some(moves));
        for file in [file("a"), file("b")] {
            survey.see(&file).unwrap();
        }
        let planned = survey.finish(&Files::new(&[]), Vec::new()).unwrap();
        assert_eq!(redirects(&planned.plan), [("x", "/a")]);
        assert_eq!(planned.published.redirects, table(&[("x", "a")]));
    }

    #[test]
    fn an_incremental_publish_never_writes_nor_deletes_inside_another_publish() {
        let rules = Rules::new("a/");
        let mut before = state(1, &rules, &[], &[]);
        before.nested = BTreeSet::from(["a/b/".to_string(), "elsewhere/".to_string()]);
        let err = error(publish(
            &rules,
            &before,
            changes(&["b/x.txt", "c.txt"], &[]),
            None,
            &[],
        ));
        assert_eq!(
            err,
            "b/x.txt would be written to a/b/x.txt, under a/b/, where another publish keeps its \
             state (a/b/.svn2s3/); publish one of them under another prefix"
        );
        let planned = publish(
            &rules,
            &before,
            changes(&["c.txt"], &["b/y.txt", "d.txt"]),
            None,
            &[],
        )
        .unwrap();
        assert_eq!(planned.plan.deletes(), ["a/d.txt"]);
        assert_eq!(
            planned.notes,
            ["holds another publish's state at a/b/.svn2s3/state.yaml: 1 delete under a/b/ left alone"]
        );
        assert_eq!(
            planned.published.nested,
            BTreeSet::from(["a/b/".to_string()])
        );
    }

    #[test]
    fn a_survey_deletes_first_the_keys_a_file_goes_beneath_or_above() {
        let rules = Rules::new("");
        let cx = Context {
            full: true,
            ..cx(&rules, None)
        };
        let listing = listed(&["a b.txt", "x/y", "old/f", "keep.txt"]);
        let mut survey = Survey::new(&cx, Some(listing), false, None);
        for path in ["a b.txt/inside.txt", "x", "keep.txt"] {
            survey.see(&file(path)).unwrap();
        }
        let planned = survey.finish(&Files::new(&[]), Vec::new()).unwrap();
        assert_eq!(planned.plan.clear(), ["a b.txt", "x/y"]);
        assert_eq!(planned.plan.deletes(), ["old/f"]);
        // A first publish after one that was cut off deletes what that one
        // deleted: first too, where a file goes beneath it.
        let first = Context { full: false, ..cx };
        let listing = listed(&["a b.txt", "old/f"]);
        let mut survey = Survey::new(&first, Some(listing), false, None);
        survey.see(&file("a b.txt/inside.txt")).unwrap();
        let gone = vec!["a b.txt".to_owned(), "old/f".to_owned()];
        let planned = survey.finish(&Files::new(&[]), gone).unwrap();
        assert_eq!(planned.plan.clear(), ["a b.txt"]);
        assert_eq!(planned.plan.deletes(), ["old/f"]);
    }

    #[test]
    fn a_survey_writes_no_recorded_redirect_inside_another_publish() {
        // docs/ moved to guide/, then another publish began under docs/.
        let rules = with_redirects();
        let before = state(3, &rules, &[("docs/a.html", "guide/a.html")], &[]);
        let cx = Context {
            full: true,
            ..cx(&rules, Some(&before))
        };
        let listing = listed(&["docs/.svn2s3/state.yaml", "docs/a.html", "guide/a.html"]);
        let mut survey = Survey::new(&cx, Some(listing), true, None);
        survey.see(&file("guide/a.html")).unwrap();
        let guide = [file("guide/a.html")];
        let err = survey.finish(&Files::new(&guide), Vec::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "docs/a.html would be written to docs/a.html, under docs/, where another publish \
             keeps its state (docs/.svn2s3/); publish one of them under another prefix"
        );
    }

    #[test]
    fn a_survey_leaves_the_prefixes_of_other_publishes_alone() {
        let rules = Rules::new("a/");
        let listing = listed(&[
            "a/x.txt",
            "a/b/.svn2s3/state.yaml",
            "a/b/y.txt",
            "a/.svn2s3/state.yaml",
            "a/.svn2s3/other.yaml",
            "a/stray.txt",
        ]);
        for full in [true, false] {
            let cx = Context {
                full,
                ..cx(&rules, None)
            };
            let mut survey = Survey::new(&cx, Some(listing.clone()), true, None);
            survey.see(&file("x.txt")).unwrap();
            let err = survey.see(&file("b/z.txt")).unwrap_err().to_string();
            assert_eq!(
                err,
                "b/z.txt would be written to a/b/z.txt, under a/b/, where another publish keeps \
                 its state (a/b/.svn2s3/); publish one of them under another prefix"
            );
            let planned = survey.finish(&Files::new(&[]), Vec::new()).unwrap();
            assert_eq!(
                planned.notes[0],
                "holds another publish's state at a/b/.svn2s3/state.yaml: 2 objects under a/b/ left alone"
            );
            match full {
                true => assert_eq!(planned.plan.deletes(), ["a/stray.txt"]),
                false => {
                    assert!(planned.plan.deletes().is_empty());
                    assert_eq!(
                        planned.notes[1],
                        "holds 1 object the tree does not have, left alone (--full deletes them)"
                    );
                }
            }
        }
        assert_eq!(
            foreign_prefixes(
                [
                    "x/.svn2s3/state.yaml",
                    ".svn2s3/state.yaml",
                    "a.svn2s3/state.yaml"
                ],
                ""
            ),
            BTreeSet::from(["x/".to_string()])
        );
    }
}

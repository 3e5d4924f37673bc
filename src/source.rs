//! The tree being published: a working copy (or a folder of one), or a
//! repository URL at a revision. What it must pass before anything is written,
//! and what changed in it, file by file. Every question goes to libsvn through
//! [`crate::svn`]; what each costs is stated where it is asked.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use tempfile::TempDir;

use crate::plan::{self, Changeset, File, Globs, Skipped};
use crate::planner::{Lookup, Node};
use crate::redirect::History;
use crate::svn::{
    ChangeKind, Client, Depth, Info, LocalState, LogAction, NodeKind, Props, Status, SvnError,
    Target,
};
use crate::tree::Revnum;
use crate::tree::{ReadFrom, Tree};

/// Refusals name at most this many files; the count says the rest.
mod walk;

use walk::{name_some, outermost, remedy, Pass, Unfit};

const LIST_AT_MOST: usize = 10;

const EXTERNALS: &str = "svn:externals";
const SPECIAL: &str = "svn:special";
const MIME_TYPE: &str = "svn:mime-type";
const KEYWORDS: &str = "svn:keywords";

/// A tree of one repository at one revision, and where its bytes are read.
pub(crate) struct Source {
    client: Client,
    /// The published folder's URL, repository and revision.
    info: Info,
    revision: Revnum,
    /// Paths that are never published, so never checked or fetched either.
    exclude: Globs,
    origin: Origin,
    /// The svn2s3 properties of folders of the tree ("" is its root), as
    /// read at this revision: each folder is asked once.
    folders: RefCell<BTreeMap<String, Props>>,
}

/// Where a file's bytes come from.
enum Origin {
    /// A clean working copy holds the exported bytes: read them in place.
    /// `root` is the published folder, absolute and canonical.
    WorkingCopy { root: PathBuf },
    /// Each file is written into the staging folder from the repository,
    /// as `svn export` would write it, and uploaded from there.
    Url(Staging),
}

/// Where the files of a URL are written, numbered, not named: the staging
/// folder need not mirror the tree.
struct Staging {
    folder: TempDir,
    fetched: Cell<usize>,
}

impl Source {
    /// Opens `folder` of the working copy `wc` (or all of it), at the folder's
    /// revision, and refuses anything that is not a folder of a working copy.
    /// Reads the working-copy database only. Files matching `exclude` are left
    /// out of every answer; libsvn's walks stop once `cancel` is set.
    pub fn working_copy(
        wc: &Path,
        folder: Option<&Path>,
        exclude: Globs,
        cancel: Arc<AtomicBool>,
    ) -> Result<Source> {
        let client = Client::new(cancel).context("initialising libsvn")?;
        let published = folder.map_or_else(|| wc.to_path_buf(), |folder| wc.join(folder));
        let root = published.canonicalize().map_err(|err| match folder {
            Some(folder) => anyhow!(
                "source folder {} not found in {}: {err}",
                folder.display(),
                wc.display()
            ),
            None => anyhow!("{}: {err}", wc.display()),
        })?;
        let info = client.info(Target::Local(&root)).map_err(|err| {
            if err.is_not_working_copy() {
                anyhow!("{} is not a Subversion working copy", published.display())
            } else {
                anyhow!(err).context(format!("reading {}", published.display()))
            }
        })?;
        if info.kind != NodeKind::Dir {
            bail!(
                "{} is not a folder; publish a folder of the working copy",
                published.display()
            );
        }
        // The folder's own revision. Scanning every node for the lowest and
        // highest would cost O(tree); the files of the change are checked
        // against this one instead, in `collect`.
        let Some(revision) = info.revision else {
            bail!(
                "{} has no revision yet; commit it first",
                published.display()
            );
        };
        Ok(Source {
            client,
            info,
            revision,
            exclude,
            origin: Origin::WorkingCopy { root },
            folders: RefCell::default(),
        })
    }

    /// Opens `folder` of the repository folder at `url` (or all of it) at
    /// `revision`, HEAD when `None`: one `svn info` of the URL.
    pub fn url(
        url: &str,
        folder: Option<&Path>,
        revision: Option<Revnum>,
        exclude: Globs,
        cancel: Arc<AtomicBool>,
    ) -> Result<Source> {
        let client = Client::new(cancel).context("initialising libsvn")?;
        let url = match folder {
            Some(folder) => client.url_join(url, &folder.to_string_lossy())?,
            None => url.trim_end_matches('/').to_owned(),
        };
        let info = client
            .info(Target::Url(&url, revision))
            .map_err(|err| hint_credentials(err, &url))
            .with_context(|| format!("reading {}", Target::Url(&url, revision)))?;
        if info.kind != NodeKind::Dir {
            bail!("{url} is not a folder; publish a folder of the repository");
        }
        let revision = match (revision, info.revision) {
            (Some(rev), _) | (None, Some(rev)) => rev,
            (None, None) => bail!("{url}: the repository named no revision for HEAD"),
        };
        Ok(Source {
            client,
            info,
            revision,
            exclude,
            origin: Origin::Url(Staging {
                folder: tempfile::Builder::new().prefix("svn2s3-").tempdir()?,
                fetched: Cell::new(0),
            }),
            folders: RefCell::default(),
        })
    }

    /// The published folder's URL, without a password.
    pub fn folder_url(&self) -> String {
        crate::redact::urls(&self.info.url).into_owned()
    }

    /// The published folder's path in the repository, without a leading slash.
    fn repos_path(&self) -> &str {
        &self.info.repos_path
    }

    /// Which folder of which repository, at which revision, and its name.
    pub fn tree(&self) -> Tree {
        let (name, read_from) = match &self.origin {
            Origin::WorkingCopy { root } => (root.display().to_string(), ReadFrom::WorkingCopy),
            Origin::Url(_) => (
                crate::redact::urls(&self.info.url).into_owned(),
                ReadFrom::Url,
            ),
        };
        Tree {
            uuid: self.info.uuid.clone(),
            path: self.info.repos_path.clone(),
            revision: self.revision,
            name,
            read_from,
        }
    }

    /// Every file of the tree, its bytes at hand, for a change of rules:
    /// O(tree), on request only. One walk of the tree ([`Source::walk`]);
    /// from a URL, every file is fetched.
    pub fn everything(&self) -> Result<Changeset> {
        let mut found = Found::default();
        self.read_below("", |_| true, &mut found)?;
        found.into_changeset(self.revision, Vec::new())
    }

    /// Adds the files under the folder `dir` of the tree that `wanted`
    /// keeps, their bytes at hand, to `found`, with what is skipped and
    /// unfit there: one walk of that folder.
    fn read_below(
        &self,
        dir: &str,
        wanted: impl Fn(&str) -> bool,
        found: &mut Found,
    ) -> Result<()> {
        let mut files = Vec::new();
        self.walk(dir, Pass::Survey, found, |file| {
            if wanted(&file.path) {
                files.push(self.with_bytes(file)?);
            }
            Ok(())
        })?;
        found.files.append(&mut files);
        Ok(())
    }

    /// The svn2s3 properties the published folder inherits from the
    /// folders above it: from the working copy's cache of them, or one
    /// request to the repository.
    pub fn inherited(&self) -> Result<Props> {
        let (path, target);
        match &self.origin {
            Origin::WorkingCopy { root } => {
                path = root.clone();
                target = Target::Local(&path);
            }
            Origin::Url(_) => target = Target::Url(&self.info.url, Some(self.revision)),
        }
        let inherited = self
            .client
            .inherited(target)
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| format!("reading the properties {target} inherits"))?;
        Ok(ours(&inherited))
    }

    /// The copies and deletes of the revisions after `from` up to this one,
    /// inside the published folder: one log request.
    pub fn history(&self, from: Revnum) -> Result<History> {
        let mut history = History::default();
        if from >= self.revision {
            return Ok(history);
        }
        let inside = |path: &str| -> Option<String> {
            match self.repos_path() {
                "" => Some(path.to_owned()),
                folder => path
                    .strip_prefix(folder)?
                    .strip_prefix('/')
                    .map(str::to_owned),
            }
        };
        self.client
            .log(&self.info.url, from, self.revision, |logged| {
                for change in &logged.paths {
                    let Some(path) = inside(&change.path) else {
                        continue;
                    };
                    if matches!(change.action, LogAction::Deleted | LogAction::Replaced) {
                        history.deleted(logged.revision, &path);
                    }
                    let copied = change
                        .copied_from
                        .as_ref()
                        .and_then(|(from, rev)| Some((inside(from)?, *rev)));
                    if let Some((from, from_rev)) = copied {
                        history.copied(logged.revision, &from, from_rev, &path);
                    }
                }
            })
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| {
                format!(
                    "reading the log of {} from r{from} to r{}",
                    self.info.url, self.revision
                )
            })?;
        Ok(history)
    }

    /// The files of the tree that differ from those of the folder `path` of
    /// the repository at `revision` (bytes or properties), and the folders
    /// whose properties differ: one diff-summarize call. Nodes not related
    /// by history differ whatever they hold.
    pub fn differences_from(
        &self,
        path: &str,
        revision: Revnum,
    ) -> Result<(BTreeSet<String>, Vec<String>)> {
        let other = self.repository_url(path)?;
        let (mut files, mut folders) = (BTreeSet::new(), Vec::new());
        self.client
            .diff_summarize_between(
                (&other, revision),
                (&self.info.url, self.revision),
                |change| match change.node {
                    NodeKind::Dir if change.props_changed => folders.push(change.path),
                    NodeKind::Dir => {}
                    _ => {
                        files.insert(change.path);
                    }
                },
            )
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| format!("comparing ^/{path}@{revision} with {}", self.info.url))?;
        Ok((files, folders))
    }

    /// Whether the folder or file `path` of the repository is there at
    /// HEAD: one `svn info`.
    pub fn exists(&self, path: &str) -> Result<bool> {
        let url = self.repository_url(path)?;
        match self.client.info(Target::Url(&url, None)) {
            Ok(_) => Ok(true),
            Err(err) if err.is_not_found() => Ok(false),
            Err(err) => Err(hint_credentials(err, &self.info.url))
                .with_context(|| format!("looking up ^/{path}")),
        }
    }

    /// The repository's UUID.
    pub fn uuid(&self) -> &str {
        &self.info.uuid
    }

    /// The URL of `path` of the repository, from its root.
    fn repository_url(&self, path: &str) -> Result<String> {
        let depth = match self.repos_path() {
            "" => 0,
            own => own.split('/').count(),
        };
        let root = (0..depth).fold(self.info.url.as_str(), |url, _| {
            url.rsplit_once('/').map_or(url, |(parent, _)| parent)
        });
        match path {
            "" => Ok(root.to_owned()),
            path => Ok(self.client.url_join(root, path)?),
        }
    }

    /// The files that changed from `from` to this revision: one diff-summarize
    /// call, then, for each changed file only, a status and a property look-up
    /// (working copy) or a fetch (URL). O(change).
    pub fn changes_since(&self, from: Revnum) -> Result<Changeset> {
        let changes = self.summarize(from)?;
        let deleted_files = self.deleted(from, &changes)?;

        let mut found = Found::default();
        let mut added = BTreeSet::new();
        // Folders whose svn2s3 properties changed: the files below them are
        // published again with their new headers.
        let mut reshaped_dirs = Vec::new();
        for change in changes {
            match (change.kind, change.node) {
                (ChangeKind::Deleted, _) => {}
                (kind, NodeKind::File) if !self.exclude.is_match(&change.path) => {
                    self.read_file(&change.path, &mut found)?;
                    if kind == ChangeKind::Added {
                        added.insert(change.path);
                    }
                }
                (ChangeKind::Added, NodeKind::Dir) => {
                    self.note_externals(&change.path, &mut found)?
                }
                (_, NodeKind::Dir) if change.props_changed => {
                    self.note_externals(&change.path, &mut found)?;
                    if self.props_changed(&change.path, from)? {
                        reshaped_dirs.push(change.path);
                    }
                }
                // Folders are not objects (libsvn reports each file added
                // under one), and excluded files are not published.
                _ => {}
            }
        }
        // A file whose keywords (svn:keywords) say when it last changed has
        // new bytes whenever a revision of the range touched it, even where
        // the range as a whole did not (a property set, then taken away):
        // the diff of the range names no such file; its log does. One more
        // request, for a range of several revisions only, either way. The
        // repository says which have keywords: a working copy may hold an
        // older revision of the file, without them, that must be refused.
        if self.revision.abs_diff(from) > 1 {
            let named: BTreeSet<String> = (found.files.iter().map(|file| file.path.clone()))
                .chain(deleted_files.iter().cloned())
                .chain(found.unfit.iter().map(|(path, _)| path.clone()))
                .collect();
            for path in self.touched(from)? {
                if named.contains(&path)
                    || self.exclude.is_match(&path)
                    || !self.has_property_at_revision(&path, KEYWORDS)?
                {
                    continue;
                }
                self.read_file(&path, &mut found)?;
            }
        }
        let changed: BTreeSet<String> = found.files.iter().map(|f| f.path.clone()).collect();
        let mut below = Found::default();
        for dir in outermost(&reshaped_dirs.into_iter().collect()) {
            self.read_below(dir, |path| !changed.contains(path), &mut below)?;
        }
        found.unfit.append(&mut below.unfit);
        let mut changes = found.into_changeset(self.revision, deleted_files)?;
        changes.reshaped = below.files;
        changes.added = added;
        Ok(changes)
    }

    /// What changed from `from` to this revision, path by path: one
    /// diff-summarize call.
    fn summarize(&self, from: Revnum) -> Result<Vec<crate::svn::Change>> {
        let mut changes = Vec::new();
        self.client
            .diff_summarize(&self.info.url, from, self.revision, |change| {
                changes.push(change)
            })
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| {
                format!(
                    "comparing r{from} with r{} of {}",
                    self.revision, self.info.url
                )
            })?;
        Ok(changes)
    }

    /// The files there at `from` and gone at this revision, for where they
    /// went: one diff-summarize call, and one listing of each folder
    /// deleted. Reads nothing of the files that stayed.
    pub fn deleted_since(&self, from: Revnum) -> Result<Vec<String>> {
        self.deleted(from, &self.summarize(from)?)
    }

    /// The files there at `from` that `changes` delete, those in the
    /// folders they delete included: one listing of each such folder.
    fn deleted(&self, from: Revnum, changes: &[crate::svn::Change]) -> Result<Vec<String>> {
        let (mut files, mut dirs) = (Vec::new(), BTreeSet::new());
        for change in changes.iter().filter(|c| c.kind == ChangeKind::Deleted) {
            match change.node {
                NodeKind::Dir => {
                    dirs.insert(change.path.clone());
                }
                _ => files.push(change.path.clone()),
            }
        }
        for dir in outermost(&dirs) {
            self.files_at(from, dir, &mut files)?;
        }
        Ok(files)
    }

    /// One file of a change, read from the working copy (where it must be
    /// at this revision) or fetched from the repository, into `found`.
    fn read_file(&self, path: &str, found: &mut Found) -> Result<()> {
        match &self.origin {
            Origin::WorkingCopy { root } => self.one_file(root, path, found),
            Origin::Url(staging) => {
                let (local, own) = self.fetch(staging, path)?;
                found.files.push(self.file(path.to_owned(), local, &own)?);
                Ok(())
            }
        }
    }

    /// `file` with its bytes at hand: a URL's file fetched if it is not yet.
    fn with_bytes(&self, file: File) -> Result<File> {
        match &self.origin {
            Origin::Url(staging) if file.local.as_os_str().is_empty() => Ok(File {
                local: self.fetch(staging, &file.path)?.0,
                ..file
            }),
            _ => Ok(file),
        }
    }

    /// The paths inside the published folder that a revision between
    /// `from` and this one (after the older, up to the newer) added,
    /// changed or replaced: one log request.
    fn touched(&self, from: Revnum) -> Result<BTreeSet<String>> {
        let mut touched = BTreeSet::new();
        let folder = self.repos_path();
        let (older, newer) = (from.min(self.revision), from.max(self.revision));
        self.client
            .log(&self.info.url, older, newer, |logged| {
                for change in &logged.paths {
                    let inside = match folder {
                        "" => Some(change.path.as_str()),
                        folder => change
                            .path
                            .strip_prefix(folder)
                            .and_then(|rest| rest.strip_prefix('/')),
                    };
                    if let Some(path) = inside.filter(|_| change.action != LogAction::Deleted) {
                        touched.insert(path.to_owned());
                    }
                }
            })
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| format!("reading the log of {} after r{from}", self.info.url))?;
        Ok(touched)
    }

    /// Whether the node at `path` has the property `name` at this revision
    /// (in a working copy, as the working copy has it); a path that is not
    /// there has none. One property list of that node.
    fn has_property(&self, path: &str, name: &str) -> Result<bool> {
        match &self.origin {
            Origin::WorkingCopy { root } => {
                self.node_has(Target::Local(&local(root, path)), path, name)
            }
            Origin::Url(_) => self.has_property_at_revision(path, name),
        }
    }

    /// Whether the node at `path` has the property `name` at this revision
    /// as the repository has it, whatever revision a working copy holds.
    fn has_property_at_revision(&self, path: &str, name: &str) -> Result<bool> {
        let url = self.client.url_join(&self.info.url, path)?;
        self.node_has(Target::Url(&url, Some(self.revision)), path, name)
    }

    fn node_has(&self, target: Target, path: &str, name: &str) -> Result<bool> {
        let mut has = false;
        let listed = self.client.proplist(target, Depth::Empty, |_, props| {
            has |= props.contains_key(name)
        });
        match listed {
            Err(err) if err.is_unversioned() || err.is_not_found() => Ok(false),
            listed => {
                listed
                    .map_err(|err| hint_credentials(err, &self.info.url))
                    .with_context(|| format!("reading the properties of {path}"))?;
                Ok(has)
            }
        }
    }

    /// Whether the svn2s3 properties of the folder `dir` differ at `from`
    /// and now: one request to the repository.
    fn props_changed(&self, dir: &str, from: Revnum) -> Result<bool> {
        let url = self.client.url_join(&self.info.url, dir)?;
        let mut before = Props::new();
        self.client
            .proplist(Target::Url(&url, Some(from)), Depth::Empty, |_, list| {
                before = ours(&list)
            })
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| format!("reading the properties of {dir} at r{from}"))?;
        Ok(before != self.folder_props(dir)?)
    }

    /// The svn2s3 properties of the folder `dir` of the tree at this
    /// revision, asked once: of the working copy when the folder there is at
    /// this revision, else of the repository.
    fn folder_props(&self, dir: &str) -> Result<Props> {
        if let Some(props) = self.folders.borrow().get(dir) {
            return Ok(props.clone());
        }
        let local_path;
        let url;
        let target = match &self.origin {
            Origin::WorkingCopy { root }
                if self
                    .client
                    .info(Target::Local(&local(root, dir)))
                    .is_ok_and(|info| !info.excluded && info.revision == Some(self.revision)) =>
            {
                local_path = local(root, dir);
                Target::Local(&local_path)
            }
            _ => {
                url = self.client.url_join(&self.info.url, dir)?;
                Target::Url(&url, Some(self.revision))
            }
        };
        let mut props = Props::new();
        self.client
            .proplist(target, Depth::Empty, |_, list| props = ours(&list))
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| format!("reading the properties of {target}"))?;
        self.folders
            .borrow_mut()
            .insert(dir.to_owned(), props.clone());
        Ok(props)
    }

    /// A file of the tree to publish, from `local` on disk and its own
    /// properties: the svn2s3 properties in effect are its own over those of
    /// the folders above it, and a symbolic link says where it points.
    fn file(&self, path: String, local: PathBuf, own: &Props) -> Result<File> {
        let mut props = Props::new();
        let mut dir = String::new();
        props.extend(self.folder_props("")?);
        for part in path
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, dirs)| dirs)
        {
            dir = join(&dir, part);
            props.extend(self.folder_props(&dir)?);
        }
        props.extend(ours(own));
        let link = if own.contains_key(SPECIAL) {
            Some(link_target(&local).with_context(|| format!("reading the symbolic link {path}"))?)
        } else {
            None
        };
        Ok(File {
            path,
            local,
            mime_type: own.get(MIME_TYPE).cloned(),
            props,
            link,
            keywords: own.contains_key(KEYWORDS),
        })
    }

    /// Reports a folder that defines externals, which are not published.
    /// A folder the working copy lacks is not reported: the files below it
    /// are refused.
    fn note_externals(&self, dir: &str, found: &mut Found) -> Result<()> {
        if self.has_property(dir, EXTERNALS)? {
            found.skipped.push(defines_externals(dir));
        }
        Ok(())
    }

    /// Adds the paths of the files under `dir` at revision `rev` (a folder that
    /// is gone now) to `into`. Lists that folder only.
    fn files_at(&self, rev: Revnum, dir: &str, into: &mut Vec<String>) -> Result<()> {
        let url = self.client.url_join(&self.info.url, dir)?;
        self.client
            .list(&url, rev, Depth::Infinity, |entry| {
                if entry.kind == NodeKind::File {
                    into.push(join(dir, &entry.path));
                }
            })
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| format!("listing {dir} at r{rev}"))?;
        Ok(())
    }

    /// Writes one file of the repository into the staging folder, as `svn
    /// export` would: where it is, and its properties.
    fn fetch(&self, staging: &Staging, path: &str) -> Result<(PathBuf, Props)> {
        staging.fetched.set(staging.fetched.get() + 1);
        let dest = staging
            .folder
            .path()
            .join(staging.fetched.get().to_string());
        let url = self.client.url_join(&self.info.url, path)?;
        let props = self
            .client
            .cat(&url, self.revision, &dest)
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| format!("fetching {path}@{}", self.revision))?;
        Ok((dest, props))
    }

    /// A URL under the published folder as a `/`-separated relative path.
    fn relative_url(&self, url: &str) -> String {
        let below = url.strip_prefix(&self.info.url).unwrap_or(url);
        url_decode(below.trim_start_matches('/'))
    }
}

/// What the repository holds at a path of the tree, at the revision
/// published: one `svn info`, and for a file its properties (and, for a
/// symbolic link, its text). The planner asks this only of the few paths
/// a redirect leads through that the change does not name.
impl Lookup for Source {
    fn node(&self, path: &str) -> Result<Node> {
        if path.is_empty() {
            return Ok(Node::Folder);
        }
        let url = self.client.url_join(&self.info.url, path)?;
        let target = Target::Url(&url, Some(self.revision));
        let asking = || format!("looking up {path}@{}", self.revision);
        let info = match self.client.info(target) {
            Ok(info) => info,
            Err(err) if err.is_not_found() => return Ok(Node::Absent),
            Err(err) => return Err(hint_credentials(err, &self.info.url).context(asking())),
        };
        if info.kind == NodeKind::Dir {
            // A folder is published when a file is: an empty one is not.
            let mut holds_a_file = false;
            self.client
                .list(&url, self.revision, Depth::Infinity, |entry| {
                    holds_a_file |= entry.kind == NodeKind::File
                })
                .map_err(|err| hint_credentials(err, &self.info.url))
                .with_context(asking)?;
            return Ok(match holds_a_file {
                true => Node::Folder,
                false => Node::Absent,
            });
        }
        if info.kind != NodeKind::File {
            return Ok(Node::Absent);
        }
        let mut own = Props::new();
        self.client
            .proplist(target, Depth::Empty, |_, list| own = list)
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(asking)?;
        if !own.contains_key(SPECIAL) {
            return Ok(Node::File(self.file(
                path.to_owned(),
                PathBuf::new(),
                &own,
            )?));
        }
        // A symbolic link: where it points is its text, `link TARGET`,
        // written by svn into a file it makes.
        let folder = tempfile::Builder::new().prefix("svn2s3-").tempdir()?;
        let text = folder.path().join("link");
        self.client
            .cat(&url, self.revision, &text)
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(asking)?;
        Ok(Node::File(self.file(path.to_owned(), text, &own)?))
    }
}

/// What is said of a folder that defines externals: they are not published.
fn defines_externals(dir: &str) -> Skipped {
    Skipped {
        path: dir.to_owned(),
        reason: "defines svn:externals, which are not published",
    }
}

/// An error from the repository, with what to do when credentials are missing.
fn hint_credentials(err: SvnError, url: &str) -> anyhow::Error {
    if err.is_unauthorized() {
        anyhow!(
            "{err}; svn2s3 uses the credentials Subversion has cached and never prompts: \
             run `svn info {url}` once to cache them"
        )
    } else {
        anyhow!(err)
    }
}

/// The properties of `props` that svn2s3 reads.
fn ours(props: &Props) -> Props {
    props
        .iter()
        .filter(|(name, _)| plan::props::is_ours(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Where a symbolic link that svn wrote at `local` points: the link itself
/// in a working copy, or the `link TARGET` text svn keeps it as (what a
/// fetch from a URL writes, and a working copy on a system without links).
fn link_target(local: &Path) -> Result<String> {
    if let Ok(target) = std::fs::read_link(local) {
        return Ok(target.to_string_lossy().into_owned());
    }
    let text = std::fs::read_to_string(local)?;
    match text.strip_prefix("link ") {
        Some(target) => Ok(target.to_owned()),
        None => bail!("it does not hold `link TARGET`"),
    }
}

/// The local path of a `/`-separated path under `root`.
fn local(root: &Path, path: &str) -> PathBuf {
    path.split('/')
        .fold(root.to_path_buf(), |dir, part| dir.join(part))
}

/// A path under `root` as `/`-separated text.
fn relative(root: &Path, local: &Path) -> String {
    let below = local.strip_prefix(root).unwrap_or(local);
    below
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Decodes the %XX escapes of a URL path (libsvn writes them as UTF-8).
fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What walks of the tree found, before it becomes a changeset.
#[derive(Default)]
struct Found {
    files: Vec<File>,
    skipped: Vec<Skipped>,
    /// Paths that keep the publish from giving the revision's bytes, and why.
    unfit: Vec<(String, Unfit)>,
}

impl Found {
    /// The changeset, or a refusal that names every path the working copy
    /// cannot give as `revision` has it, and what to do about it.
    fn into_changeset(self, revision: Revnum, deletes: Vec<String>) -> Result<Changeset> {
        self.refuse_unfit(revision)?;
        let deletes: BTreeSet<String> = deletes.into_iter().collect();
        Ok(Changeset {
            uploads: self.files,
            deletes: deletes.into_iter().collect(),
            skipped: self.skipped,
            ..Changeset::default()
        })
    }

    /// A refusal that names every path the working copy cannot give as
    /// `revision` has it, and what to do about it; none if there is none.
    fn refuse_unfit(&self, revision: Revnum) -> Result<()> {
        let named = |unfit: &[&(String, Unfit)]| -> Vec<String> {
            unfit
                .iter()
                .map(|(path, why)| format!("{path} ({why})"))
                .collect()
        };
        let (changed, stale): (Vec<_>, Vec<_>) = self
            .unfit
            .iter()
            .partition(|(_, why)| matches!(why, Unfit::Changed(_)));
        if !changed.is_empty() {
            bail!(
                "local changes in files to publish: {}; commit or revert them, then `svn update`",
                name_some(&named(&changed))
            );
        }
        if !stale.is_empty() {
            let (count, them) = match stale.len() {
                1 => ("1 path to publish is".to_owned(), "it"),
                n => (format!("{n} paths to publish are"), "them"),
            };
            bail!(
                "{count} not in the working copy as r{revision} has {them}: {}; {}",
                name_some(&named(&stale)),
                remedy(stale.iter().map(|(_, why)| why))
            );
        }
        Ok(())
    }
}

fn join(dir: &str, path: &str) -> String {
    match (dir.is_empty(), path.is_empty()) {
        (_, true) => dir.to_owned(),
        (true, false) => path.to_owned(),
        (false, false) => format!("{dir}/{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outermost_drops_folders_inside_others() {
        let dirs: BTreeSet<String> = ["a", "a-b", "a/b", "a/b/c", "ab", "b/x", "b/x/y", "c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(outermost(&dirs), ["a", "a-b", "ab", "b/x", "c"]);
    }

    #[test]
    fn url_paths_are_decoded() {
        assert_eq!(url_decode("a%20b/caf%C3%A9%25"), "a b/café%");
        assert_eq!(url_decode("plain/100%"), "plain/100%");
    }

    #[test]
    fn join_handles_the_root_and_a_listed_file_itself() {
        assert_eq!(join("", "a/b"), "a/b");
        assert_eq!(join("d", ""), "d");
        assert_eq!(join("d", "e"), "d/e");
    }
}

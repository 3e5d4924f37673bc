//! The tree walked folder by folder, each node checked fit to publish:
//! what a first publish surveys and then streams, and what `--full`, a
//! change of rules and `verify` read. The one walker of the tree; a file
//! that a change names is read on its own ([`Source::one_file`]).

use super::*;

/// Which walk of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pass {
    /// Every node is checked and every one unfit to publish is named, at
    /// the end, by the caller. A URL's files are not fetched yet (a
    /// symbolic link's are: where it points is its text).
    Survey,
    /// The second walk of a streamed publish: each file's bytes are at
    /// hand (a URL's fetched), and a folder of the working copy that
    /// changed since the survey ends the walk.
    Publish,
}

/// One folder of the tree as a walk reads it: its files to publish, each
/// with its own properties, and the folders below it, in name order.
#[derive(Default)]
struct Folder {
    files: Vec<(String, PathBuf, Props)>,
    below: Vec<String>,
}

impl Source {
    /// Checks the whole tree as [`Source::everything`] does and refuses
    /// what it would refuse, keeping no file: `each` sees every file to
    /// publish, with its properties (a URL's bytes not fetched), and may
    /// refuse it too. Returns what is skipped. O(tree) in time, not in
    /// memory.
    pub fn survey(&self, each: impl FnMut(File) -> Result<()>) -> Result<Vec<Skipped>> {
        let mut found = Found::default();
        self.walk("", Pass::Survey, &mut found, each)?;
        found.refuse_unfit(self.revision)?;
        Ok(found.skipped)
    }

    /// Every file of the tree, one at a time, its bytes at hand: the second
    /// walk of a streamed publish, after [`Source::survey`]. A file no
    /// longer fit to publish (changed since the survey) ends it with an
    /// error; so does an error of `each`.
    pub fn each_file(&self, each: impl FnMut(File) -> Result<()>) -> Result<()> {
        self.walk("", Pass::Publish, &mut Found::default(), each)
    }

    /// Walks the tree from the folder `start`, depth first in name order,
    /// and gives each file to publish to `each`: in a working copy one
    /// status of each folder and a read of the properties of each node
    /// that has any, from a URL one listing and one property list of each
    /// folder (and a fetch of each file, in a [`Pass::Publish`]). What is skipped, and (in a survey) what is
    /// unfit, go to `found`.
    pub(super) fn walk(
        &self,
        start: &str,
        pass: Pass,
        found: &mut Found,
        mut each: impl FnMut(File) -> Result<()>,
    ) -> Result<()> {
        let mut folders = vec![start.to_owned()];
        while let Some(dir) = folders.pop() {
            let folder = match &self.origin {
                Origin::WorkingCopy { root } => self.read_folder(root, &dir, pass, found)?,
                Origin::Url(staging) => self.list_folder(staging, &dir, found)?,
            };
            folders.extend(folder.below.into_iter().rev());
            for (path, local, own) in folder.files {
                let file = self.file(path, local, &own)?;
                each(match pass {
                    Pass::Publish => self.with_bytes(file)?,
                    Pass::Survey => file,
                })?;
            }
        }
        if let (Origin::WorkingCopy { root }, Pass::Survey) = (&self.origin, pass) {
            // A status walk passes over excluded nodes in silence.
            let start = local(root, start);
            let excluded = self
                .client
                .excluded(&start)
                .with_context(|| format!("checking {}", start.display()))?;
            for path in excluded.iter().map(|path| relative(root, path)) {
                if !self.exclude.is_match(&path) {
                    found.unfit.push((path, Unfit::Excluded));
                }
            }
        }
        Ok(())
    }

    /// One folder of the working copy: one status of it and its children,
    /// each checked, and the properties of each that has any and is
    /// published, the folder's own included, node by node.
    fn read_folder(&self, root: &Path, dir: &str, pass: Pass, found: &mut Found) -> Result<Folder> {
        let folder_path = local(root, dir);
        let mut unfit = Vec::new();
        let mut clean = Vec::new();
        let mut below = Vec::new();
        let mut own_props = false;
        let mut versioned = false;
        let read = self
            .client
            .status(&folder_path, Depth::Immediates, |status| {
                if status.path == folder_path {
                    own_props = status.has_props;
                    versioned = status.state != LocalState::Unversioned;
                }
                let path = relative(root, &status.path);
                // A local edit to a file that is not published is nobody's
                // business. Patterns match files: a folder is walked.
                if status.kind != NodeKind::Dir && self.exclude.is_match(&path) {
                    return;
                }
                match self.verdict(&status, &path, false) {
                    Verdict::Publish => clean.push((path, status.path, status.has_props)),
                    // A folder of the tree: walked next. Not an
                    // unversioned one, nor an external (skipped).
                    Verdict::Pass
                        if status.kind == NodeKind::Dir
                            && status.state == LocalState::Clean
                            && status.path != folder_path =>
                    {
                        below.push(path)
                    }
                    Verdict::Pass => {}
                    Verdict::Skip(reason) => found.skipped.push(Skipped { path, reason }),
                    Verdict::Refuse(why) => unfit.push((path, why)),
                }
            });
        match read {
            // Not in the working copy at all (its folder is checked out
            // without it): not versioned, below.
            Err(err) if err.is_unversioned() => {}
            read => read.with_context(|| format!("reading {}", folder_path.display()))?,
        }
        if !versioned {
            // A status shows an excluded or absent folder as unversioned.
            unfit.push((dir.to_owned(), self.not_there(&folder_path)));
        }
        match pass {
            Pass::Survey => found.unfit.append(&mut unfit),
            Pass::Publish => Found {
                unfit,
                ..Found::default()
            }
            .refuse_unfit(self.revision)
            .context("the working copy changed while it was published")?,
        }
        below.sort();
        if !self.folders.borrow().contains_key(dir) {
            let own = ours(&self.props_of(&folder_path, own_props)?);
            self.folders.borrow_mut().insert(dir.to_owned(), own);
        }
        let mut files = Vec::with_capacity(clean.len());
        for (path, local, has_props) in clean {
            let own = self.props_of(&local, has_props)?;
            files.push((path, local, own));
        }
        Ok(Folder { files, below })
    }

    /// The properties of the working-copy node at `local`, which its
    /// status says it has (`has`) or not: one read of the node, or none.
    fn props_of(&self, local: &Path, has: bool) -> Result<Props> {
        if !has {
            return Ok(Props::new());
        }
        (self.client.props(local))
            .with_context(|| format!("reading the properties of {}", local.display()))
    }

    /// One folder of the repository: one listing of it and its children,
    /// and one property list of it and its files. A symbolic link is
    /// fetched, for where it points (its text); the other files are
    /// fetched by a [`Pass::Publish`] as it reaches them.
    fn list_folder(&self, staging: &Staging, dir: &str, found: &mut Found) -> Result<Folder> {
        let url = self.client.url_join(&self.info.url, dir)?;
        let mut folder = Folder::default();
        let mut files = Vec::new();
        self.client
            .list(&url, self.revision, Depth::Immediates, |entry| {
                let path = join(dir, &entry.path);
                // Patterns match files: a folder is walked.
                let excluded = entry.kind == NodeKind::File && self.exclude.is_match(&path);
                if entry.path.is_empty() || excluded {
                    return;
                }
                match entry.kind {
                    NodeKind::File => files.push(path),
                    NodeKind::Dir => folder.below.push(path),
                    NodeKind::Other => {}
                }
            })
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| format!("listing {url}@{}", self.revision))?;
        folder.below.sort();
        files.sort();
        let mut props = BTreeMap::new();
        let target = Target::Url(&url, Some(self.revision));
        self.client
            .proplist(target, Depth::Files, |url, list| {
                props.insert(self.relative_url(&url), list);
            })
            .map_err(|err| hint_credentials(err, &self.info.url))
            .with_context(|| format!("reading the properties of {target}"))?;
        let own = props.remove(dir).unwrap_or_default();
        if own.contains_key(EXTERNALS) {
            found.skipped.push(defines_externals(dir));
        }
        self.folders
            .borrow_mut()
            .entry(dir.to_owned())
            .or_insert_with(|| ours(&own));
        for path in files {
            let own = props.remove(&path).unwrap_or_default();
            let local = match own.contains_key(SPECIAL) {
                true => self.fetch(staging, &path)?.0,
                false => PathBuf::new(),
            };
            folder.files.push((path, local, own));
        }
        Ok(folder)
    }

    /// Checks the one file `path` of a change, which must be in the working
    /// copy at this revision, and gives it to `found` when it is fit to
    /// publish: one status of that node, and a read of its properties.
    pub(super) fn one_file(&self, root: &Path, path: &str, found: &mut Found) -> Result<()> {
        let target = local(root, path);
        let mut clean = None;
        let mut seen = false;
        let walked = self.client.status(&target, Depth::Empty, |status| {
            let path = relative(root, &status.path);
            // A local edit to a file that is not published is nobody's business.
            if self.exclude.is_match(&path) {
                return;
            }
            seen |= status.state != LocalState::Unversioned;
            match self.verdict(&status, &path, true) {
                Verdict::Publish => clean = Some((status.path, status.has_props)),
                Verdict::Pass => {}
                Verdict::Skip(reason) => found.skipped.push(Skipped { path, reason }),
                Verdict::Refuse(why) => found.unfit.push((path, why)),
            }
        });
        match walked {
            // Its folder is not in the working copy either: not seen.
            Err(err) if err.is_unversioned() => {}
            walked => walked.with_context(|| format!("checking {}", target.display()))?,
        }
        if !seen {
            // Status passes over an excluded node.
            found.unfit.push((path.to_owned(), self.not_there(&target)));
        }
        let Some((clean, has_props)) = clean else {
            return Ok(());
        };
        let own = self.props_of(&clean, has_props)?;
        found.files.push(self.file(path.to_owned(), clean, &own)?);
        Ok(())
    }

    /// Why a node that a status does not show is not in the working copy:
    /// left out with `--set-depth exclude`, which info tells, or absent.
    fn not_there(&self, local: &Path) -> Unfit {
        match self.client.info(Target::Local(local)) {
            Ok(info) if info.excluded => Unfit::Excluded,
            _ => Unfit::Absent,
        }
    }

    /// What a publish does with one node of a status walk at `path`. Its
    /// bytes are the revision's only if it is a clean file, at this revision,
    /// at its own place in the repository; a folder above it must be at this
    /// revision and whole, or the files below it may not be the revision's.
    pub(super) fn verdict(&self, status: &Status, path: &str, one_file: bool) -> Verdict {
        let unfit = match status.state {
            LocalState::Clean => None,
            // Not part of the tree: a file svn does not know is never
            // published (a changed path that is one is reported unseen).
            LocalState::Unversioned => return Verdict::Pass,
            LocalState::External => {
                return Verdict::Skip("an external (svn:externals), not published")
            }
            LocalState::Missing => Some(Unfit::Missing),
            LocalState::Obstructed => Some(Unfit::Obstructed),
            LocalState::Incomplete => Some(Unfit::Incomplete),
            state @ (LocalState::Modified | LocalState::Conflicted) => Some(Unfit::Changed(state)),
        };
        let expected = join(self.repos_path(), path);
        let unfit = unfit
            .or_else(|| {
                let at = status.repos_relpath.as_deref()?;
                (at != expected).then(|| Unfit::Switched(at.to_owned()))
            })
            .or(match status.kind {
                _ if status.revision == Some(self.revision) => None,
                NodeKind::File => Some(Unfit::Revision(status.revision)),
                _ => Some(Unfit::Folder(status.revision)),
            })
            .or(match (status.kind, status.depth) {
                (NodeKind::File, _) => None,
                (NodeKind::Dir, _) if one_file => Some(Unfit::Folder(status.revision)),
                (NodeKind::Dir, Some(depth)) if depth != Depth::Infinity => {
                    Some(Unfit::Sparse(depth))
                }
                (NodeKind::Dir, _) => None,
                (NodeKind::Other, _) => one_file.then_some(Unfit::NotAFile),
            });
        match (unfit, status.kind) {
            (Some(unfit), _) => Verdict::Refuse(unfit),
            (None, NodeKind::File) => Verdict::Publish,
            (None, _) => Verdict::Pass,
        }
    }
}

/// What a publish does with a node of the working copy.
pub(super) enum Verdict {
    /// A file whose bytes are the revision's.
    Publish,
    /// A folder, or a file that is not part of the tree: nothing to do.
    Pass,
    /// Not published, and said so in the report.
    Skip(&'static str),
    /// Keeps the publish from giving the revision's bytes: a refusal.
    Refuse(Unfit),
}

/// Why the working copy cannot give the bytes the revision has at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unfit {
    /// Edited, conflicted or scheduled: the user's work, not the revision.
    Changed(LocalState),
    /// A file at another revision than the published folder.
    Revision(Option<Revnum>),
    /// A folder: where the change has a file, or at another revision.
    Folder(Option<Revnum>),
    /// A node svn knows as neither file nor folder, where the change has a file.
    NotAFile,
    Missing,
    Obstructed,
    Incomplete,
    /// The working copy has no node where the change has a file.
    Absent,
    /// Switched to this path of the repository.
    Switched(String),
    /// A folder checked out to this depth, so files of the tree are not there.
    Sparse(Depth),
    /// Left out with `svn update --set-depth exclude`.
    Excluded,
}

impl fmt::Display for Unfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |rev: &Option<Revnum>| rev.map_or("no revision".into(), |rev| format!("r{rev}"));
        match self {
            Unfit::Changed(LocalState::Conflicted) => f.write_str("conflicted"),
            Unfit::Changed(_) => f.write_str("locally modified"),
            Unfit::Revision(rev) => write!(f, "at {}", at(rev)),
            Unfit::Folder(rev) => write!(f, "a folder at {}", at(rev)),
            Unfit::NotAFile => f.write_str("not a file in the working copy"),
            Unfit::Missing => f.write_str("missing from disk"),
            Unfit::Obstructed => f.write_str("something else is on disk in its place"),
            Unfit::Incomplete => f.write_str("incomplete: an update was cut off"),
            Unfit::Absent => f.write_str("not in the working copy"),
            Unfit::Switched(to) => write!(f, "switched to ^/{to}"),
            Unfit::Sparse(depth) => write!(f, "checked out at depth {depth}"),
            Unfit::Excluded => f.write_str("excluded with --set-depth exclude"),
        }
    }
}

/// What brings paths that are unfit in these ways to the published revision.
pub(super) fn remedy<'a>(unfit: impl Iterator<Item = &'a Unfit>) -> String {
    let (mut obstructed, mut switched, mut sparse) = (false, false, false);
    for why in unfit {
        obstructed |= *why == Unfit::Obstructed;
        switched |= matches!(why, Unfit::Switched(_));
        sparse |= matches!(why, Unfit::Sparse(_) | Unfit::Excluded);
    }
    let mut steps = Vec::new();
    if obstructed {
        steps.push("move aside what is in the way");
    }
    if switched {
        steps.push("`svn switch` back what is switched");
    }
    steps.push(if sparse {
        "run `svn update --set-depth infinity`"
    } else {
        "run `svn update`"
    });
    let last = steps.pop().unwrap_or_default();
    match steps.is_empty() {
        true => last.to_owned(),
        false => format!("{}, then {last}", steps.join(", ")),
    }
}

/// The first few of `paths`, and how many more there are.
pub(super) fn name_some(paths: &[String]) -> String {
    let mut named = paths[..paths.len().min(LIST_AT_MOST)].join(", ");
    if paths.len() > LIST_AT_MOST {
        named.push_str(&format!(" and {} more", paths.len() - LIST_AT_MOST));
    }
    named
}

/// The folders of `dirs` that are not inside another one of them.
pub(super) fn outermost(dirs: &BTreeSet<String>) -> Vec<&str> {
    dirs.iter()
        .filter(|dir| {
            !dir.match_indices('/')
                .any(|(at, _)| dirs.contains(&dir[..at]))
        })
        .map(String::as_str)
        .collect()
}

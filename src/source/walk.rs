//! A working copy walked file by file, each node checked fit to publish:
//! what a first publish surveys and then streams.

use super::*;

impl Source {
    /// Whether the whole tree can be walked twice, a first time to check
    /// it and a second to publish it file by file ([`Source::survey`],
    /// [`Source::each_file`]), so that memory does not grow with the tree:
    /// a working copy can; a URL's files are listed and fetched.
    pub fn streams(&self) -> bool {
        matches!(self.origin, Origin::WorkingCopy { .. })
    }

    /// Checks the whole working copy as [`Source::everything`] does and
    /// refuses what it would refuse, keeping no file: `each` sees every
    /// file to publish, with its properties, and may refuse it too. Returns
    /// what is skipped. O(tree) in time, not in memory.
    pub fn survey(&self, each: impl FnMut(File) -> Result<()>) -> Result<Vec<Skipped>> {
        self.walk(true, each)
    }

    /// Every file of the working copy, one at a time: the second walk of a
    /// streamed publish, after [`Source::survey`]. A file no longer fit to
    /// publish (changed since the survey) ends it with an error; so does
    /// an error of `each`.
    pub fn each_file(&self, each: impl FnMut(File) -> Result<()>) -> Result<()> {
        self.walk(false, each).map(drop)
    }

    /// Walks the working copy folder by folder (one status and one
    /// property list of each), and gives each file to publish to `each`.
    /// A `survey` names every path unfit to publish at the end, those
    /// `--set-depth exclude` left out included, and returns what it
    /// skipped; a second walk stops at the first folder that changed.
    pub(super) fn walk(
        &self,
        survey: bool,
        mut each: impl FnMut(File) -> Result<()>,
    ) -> Result<Vec<Skipped>> {
        let root = self.root().to_path_buf();
        let mut found = Found::default();
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            let mut unfit = Vec::new();
            let mut clean = Vec::new();
            let mut below = Vec::new();
            self.client
                .status(&folder, Depth::Immediates, |status| {
                    let path = relative(&root, &status.path);
                    if self.exclude.is_match(&path) {
                        return;
                    }
                    match self.verdict(&status, &path, false) {
                        Verdict::Publish => clean.push(status.path),
                        // A folder of the tree: walked next. Not an
                        // unversioned one, nor an external (skipped).
                        Verdict::Pass
                            if status.kind == NodeKind::Dir
                                && status.state == LocalState::Clean
                                && status.path != folder =>
                        {
                            below.push(status.path)
                        }
                        Verdict::Pass => {}
                        Verdict::Skip(reason) => found.skipped.push(Skipped { path, reason }),
                        Verdict::Refuse(why) => unfit.push((path, why)),
                    }
                })
                .with_context(|| format!("reading {}", folder.display()))?;
            if survey {
                found.unfit.append(&mut unfit);
            } else {
                let changed = Found {
                    unfit,
                    ..Found::default()
                };
                changed
                    .refuse_unfit(self.revision)
                    .context("the working copy changed while it was published")?;
            }
            // Depth first, in name order.
            below.sort();
            folders.extend(below.into_iter().rev());
            if clean.is_empty() {
                continue;
            }
            let mut props: BTreeMap<PathBuf, Props> = BTreeMap::new();
            self.client
                .proplist(Target::Local(&folder), Depth::Files, |path, list| {
                    props.insert(PathBuf::from(path), list);
                })
                .with_context(|| format!("reading the properties of {}", folder.display()))?;
            let dir = relative(&root, &folder);
            if !self.folders.borrow().contains_key(&dir) {
                let own = props.get(&folder).map(ours).unwrap_or_default();
                self.folders.borrow_mut().insert(dir, own);
            }
            for file in clean {
                let own = props.remove(&file).unwrap_or_default();
                each(self.file(relative(&root, &file), file, &own)?)?;
            }
        }
        if survey {
            // A status walk passes over excluded nodes in silence.
            let excluded = self
                .client
                .excluded(&root)
                .with_context(|| format!("checking {}", root.display()))?;
            for path in excluded.iter().map(|path| relative(&root, path)) {
                if !self.exclude.is_match(&path) {
                    found.unfit.push((path, Unfit::Excluded));
                }
            }
            found.refuse_unfit(self.revision)?;
        }
        Ok(found.skipped)
    }

    /// Walks `target` of the working copy to `depth` and checks every
    /// node: `publish` gets the path and the local path of each clean file
    /// to publish, `found` the nodes to skip and anything that keeps the
    /// working copy from giving a file's bytes at this revision. Returns
    /// the folders at this revision, relative and local.
    pub(super) fn check(
        &self,
        target: &Path,
        depth: Depth,
        found: &mut Found,
        mut publish: impl FnMut(&str, PathBuf),
    ) -> Result<Vec<(String, PathBuf)>> {
        let root = self.root();
        let one_file = depth == Depth::Empty;
        let mut folders = Vec::new();
        let mut seen = false;
        let walked = self.client.status(target, depth, |status| {
            let path = relative(root, &status.path);
            if status.kind == NodeKind::Dir && status.revision == Some(self.revision) {
                folders.push((path.clone(), status.path.clone()));
            }
            // A local edit to a file that is not published is nobody's business.
            if self.exclude.is_match(&path) {
                return;
            }
            seen |= status.state != LocalState::Unversioned;
            match self.verdict(&status, &path, one_file) {
                Verdict::Publish => publish(&path, status.path),
                Verdict::Pass => {}
                Verdict::Skip(reason) => found.skipped.push(Skipped { path, reason }),
                Verdict::Refuse(why) => found.unfit.push((path, why)),
            }
        });
        match walked {
            // Its folder is not in the working copy either: not seen.
            Err(err) if one_file && err.is_unversioned() => {}
            walked => walked.with_context(|| format!("checking {}", target.display()))?,
        }
        if one_file && !seen {
            // Status passes over an excluded node; info tells it from one that is not there.
            let excluded = self
                .client
                .info(Target::Local(target))
                .is_ok_and(|info| info.excluded);
            let why = if excluded {
                Unfit::Excluded
            } else {
                Unfit::Absent
            };
            found.unfit.push((relative(root, target), why));
        }
        if !one_file {
            // A status walk passes over excluded nodes in silence.
            let excluded = self
                .client
                .excluded(target)
                .with_context(|| format!("checking {}", target.display()))?;
            for path in excluded.iter().map(|path| relative(root, path)) {
                if !self.exclude.is_match(&path) {
                    found.unfit.push((path, Unfit::Excluded));
                }
            }
        }
        Ok(folders)
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

//! The working copy being published: the checks it must pass, and what
//! changed in it, file by file. Every question goes to libsvn through
//! [`crate::svn`]; what each costs is stated where it is asked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::plan::{Changeset, File, Globs, Skipped};
use crate::svn::{ChangeKind, Client, Depth, Info, LocalState, NodeKind, Props, Revnum, SvnError};

/// Refusals name at most this many files; the count says the rest.
const LIST_AT_MOST: usize = 10;

const EXTERNALS: &str = "svn:externals";

/// A working copy (or a folder of one) at a single revision.
pub struct WorkingCopy {
    client: Client,
    /// The published folder, absolute and canonical.
    root: PathBuf,
    info: Info,
    revision: Revnum,
    /// Paths that are never published, so never checked either.
    exclude: Globs,
}

impl WorkingCopy {
    /// Opens `source` (or the whole of `wc`) and refuses anything that is not
    /// a folder of a working copy at one revision. Reads the working-copy
    /// database only. Files matching `exclude` are left out of every answer.
    pub fn open(wc: &Path, source: Option<&Path>, exclude: Globs) -> Result<WorkingCopy> {
        let client = Client::new().context("initialising libsvn")?;
        let folder = source.map_or_else(|| wc.to_path_buf(), |source| wc.join(source));
        let root = folder.canonicalize().map_err(|err| match source {
            Some(source) => anyhow!(
                "source folder {} not found in {}: {err}",
                source.display(),
                wc.display()
            ),
            None => anyhow!("{}: {err}", wc.display()),
        })?;
        let info = client.info(&root).map_err(|err| {
            if err.is_not_working_copy() {
                anyhow!("{} is not a Subversion working copy", folder.display())
            } else {
                anyhow!(err).context(format!("reading {}", folder.display()))
            }
        })?;
        if info.kind != NodeKind::Dir {
            bail!(
                "{} is not a folder; publish a folder of the working copy",
                folder.display()
            );
        }
        let (min, max) = client.min_max_revisions(&root)?;
        if min != max {
            bail!(
                "{} holds mixed revisions (r{min} to r{max}); run `svn update` first",
                folder.display()
            );
        }
        Ok(WorkingCopy {
            client,
            root,
            info,
            revision: max,
            exclude,
        })
    }

    pub fn revision(&self) -> Revnum {
        self.revision
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn uuid(&self) -> &str {
        &self.info.uuid
    }

    /// The published folder's path in the repository, without a leading slash.
    pub fn repos_path(&self) -> &str {
        &self.info.repos_path
    }

    pub fn url(&self) -> &str {
        &self.info.url
    }

    /// Every file of the tree, for a first publish or `--full`. Walks the
    /// whole working copy: O(tree), on request only.
    pub fn everything(&self) -> Result<Changeset> {
        let mut found = Found::default();
        self.collect(&self.root, Depth::Infinity, &mut found)?;
        found.into_changeset(Vec::new())
    }

    /// The files that changed from `from` to the working copy's revision:
    /// one diff-summarize call, then a status and a property look-up of each
    /// changed file only. O(change).
    pub fn changes_since(&self, from: Revnum) -> Result<Changeset> {
        let mut changes = Vec::new();
        self.client
            .diff_summarize(&self.info.url, from, self.revision, |change| {
                changes.push(change)
            })
            .map_err(|err| self.repository_error(err))
            .with_context(|| {
                format!(
                    "comparing r{from} with r{} of {}",
                    self.revision, self.info.url
                )
            })?;

        let mut found = Found::default();
        let mut deleted_files = Vec::new();
        let mut deleted_dirs = BTreeSet::new();
        for change in changes {
            match (change.kind, change.node) {
                (ChangeKind::Deleted, NodeKind::Dir) => {
                    deleted_dirs.insert(change.path);
                }
                (ChangeKind::Deleted, _) => deleted_files.push(change.path),
                (_, NodeKind::File) if !self.exclude.is_match(&change.path) => {
                    self.collect(&self.local(&change.path), Depth::Empty, &mut found)?
                }
                (ChangeKind::Added, NodeKind::Dir) => {
                    self.note_externals(&change.path, &mut found)?
                }
                (_, NodeKind::Dir) if change.props_changed => {
                    self.note_externals(&change.path, &mut found)?
                }
                // Folders are not objects (libsvn reports each file added
                // under one), and excluded files are not published.
                _ => {}
            }
        }
        for dir in outermost(&deleted_dirs) {
            self.files_at(from, dir, &mut deleted_files)?;
        }
        found.into_changeset(deleted_files)
    }

    /// Reports a folder that defines externals, which are not published.
    fn note_externals(&self, dir: &str, found: &mut Found) -> Result<()> {
        let mut defines = false;
        self.client
            .proplist(&self.local(dir), Depth::Empty, |_, props| {
                defines |= props.contains_key(EXTERNALS);
            })
            .with_context(|| format!("reading the properties of {dir}"))?;
        if defines {
            found.skipped.push(Skipped {
                path: dir.to_owned(),
                reason: "defines svn:externals, which are not published",
            });
        }
        Ok(())
    }

    /// Adds the paths of the files under `dir` at revision `rev` (a folder that
    /// is gone now) to `into`. Lists that folder only.
    fn files_at(&self, rev: Revnum, dir: &str, into: &mut Vec<String>) -> Result<()> {
        let url = self.client.url_join(&self.info.url, dir)?;
        self.client
            .list(&url, rev, |entry| {
                if entry.kind == NodeKind::File {
                    into.push(join(dir, &entry.path));
                }
            })
            .map_err(|err| self.repository_error(err))
            .with_context(|| format!("listing {dir} at r{rev}"))?;
        Ok(())
    }

    /// Walks `target` to `depth` and files what it finds: clean files to
    /// publish, local changes that forbid publishing, and nodes to skip.
    fn collect(&self, target: &Path, depth: Depth, found: &mut Found) -> Result<()> {
        let mut clean = Vec::new();
        let mut seen = false;
        self.client
            .status(target, depth, |status| {
                let path = self.relative(&status.path);
                // A local edit to a file that is not published is nobody's business.
                if self.exclude.is_match(&path) {
                    return;
                }
                match (status.state, status.kind) {
                    (LocalState::Clean, NodeKind::File) => clean.push(status.path),
                    (LocalState::Clean, _) => {}
                    (LocalState::External, _) => found.skipped.push(Skipped {
                        path,
                        reason: "an external (svn:externals), not published",
                    }),
                    // Not part of the tree: a file svn does not know is never published.
                    (LocalState::Unversioned, _) if depth == Depth::Infinity => {}
                    (state, _) => found.dirty.push(format!("{path} ({})", describe(state))),
                }
                seen |= status.state != LocalState::Unversioned;
            })
            .with_context(|| format!("checking {}", target.display()))?;
        if !seen && depth == Depth::Empty {
            found.dirty.push(format!(
                "{} (not in the working copy)",
                self.relative(target)
            ));
        }
        if clean.is_empty() {
            return Ok(());
        }

        let mut props: BTreeMap<PathBuf, Props> = BTreeMap::new();
        self.client
            .proplist(target, depth, |path, list| {
                props.insert(path, list);
            })
            .with_context(|| format!("reading the properties of {}", target.display()))?;
        for local in clean {
            let path = self.relative(&local);
            let props = props.remove(&local).unwrap_or_default();
            if props.contains_key("svn:special") {
                found.skipped.push(Skipped {
                    path,
                    reason: "symbolic links (svn:special) are not published",
                });
                continue;
            }
            found.files.push(File {
                path,
                local,
                mime_type: props.get("svn:mime-type").cloned(),
            });
        }
        Ok(())
    }

    /// An error from the repository, with what to do when credentials are missing.
    fn repository_error(&self, err: SvnError) -> anyhow::Error {
        if err.is_unauthorized() {
            anyhow!(
                "{err}; svn2s3 uses the credentials Subversion has cached and never prompts: \
                 run `svn update` in {} once to cache them",
                self.root.display()
            )
        } else {
            anyhow!(err)
        }
    }

    fn local(&self, path: &str) -> PathBuf {
        path.split('/')
            .fold(self.root.clone(), |dir, part| dir.join(part))
    }

    /// A path under the published folder as `/`-separated text.
    fn relative(&self, local: &Path) -> String {
        let below = local.strip_prefix(&self.root).unwrap_or(local);
        below
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// What walks of the working copy found, before it becomes a changeset.
#[derive(Default)]
struct Found {
    files: Vec<File>,
    skipped: Vec<Skipped>,
    /// Files with local changes, as "path (why)".
    dirty: Vec<String>,
}

impl Found {
    fn into_changeset(self, deletes: Vec<String>) -> Result<Changeset> {
        if !self.dirty.is_empty() {
            let mut named = self.dirty[..self.dirty.len().min(LIST_AT_MOST)].join(", ");
            if self.dirty.len() > LIST_AT_MOST {
                named.push_str(&format!(" and {} more", self.dirty.len() - LIST_AT_MOST));
            }
            bail!("local changes in files to publish: {named}; commit or revert them, then `svn update`");
        }
        let deletes: BTreeSet<String> = deletes.into_iter().collect();
        Ok(Changeset {
            uploads: self.files,
            deletes: deletes.into_iter().collect(),
            skipped: self.skipped,
        })
    }
}

fn describe(state: LocalState) -> &'static str {
    match state {
        LocalState::Clean => "clean",
        LocalState::Modified => "locally modified",
        LocalState::Conflicted => "conflicted",
        LocalState::Missing => "missing",
        LocalState::Unversioned => "not in the working copy",
        LocalState::External => "external",
    }
}

/// The folders of `dirs` that are not inside another one of them.
fn outermost(dirs: &BTreeSet<String>) -> Vec<&str> {
    dirs.iter()
        .filter(|dir| {
            !dir.match_indices('/')
                .any(|(at, _)| dirs.contains(&dir[..at]))
        })
        .map(String::as_str)
        .collect()
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
    fn join_handles_the_root_and_a_listed_file_itself() {
        assert_eq!(join("", "a/b"), "a/b");
        assert_eq!(join("d", ""), "d");
        assert_eq!(join("d", "e"), "d/e");
    }
}

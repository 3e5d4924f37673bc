//! A build folder walked: every file and symbolic link, folder by folder
//! in name order, with its stat, but for Subversion's `.svn` folders (a
//! build folder that is a working copy, or inside one, is published as
//! `svn export` would write it). A symbolic link is never followed (as in
//! a working copy, where svn keeps it as a link): where it points is
//! published as a redirect, or skipped, by the rules. A name that is not
//! UTF-8 or holds a control character, and anything that is neither a
//! file, a folder nor a link (a FIFO, a socket, a device), cannot be
//! published: all are named in one refusal, before anything is written.

use std::cmp::Ordering;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::cache::Stat;
use crate::cancel::Cancel;

/// Subversion's administrative folder, which is never published.
const ADMIN_FOLDER: &str = ".svn";

/// Refusals name at most this many paths; the count says the rest.
const LIST_AT_MOST: usize = 10;

/// One file or symbolic link of the folder.
pub(crate) struct Walked {
    /// Relative to the folder, `/`-separated.
    pub path: String,
    pub stat: Stat,
    /// For a symbolic link, where it points, as written.
    pub link: Option<String>,
}

/// Gives every file and symbolic link under `root` to `each`, depth first
/// in name order; refuses what cannot be published (see the module), and
/// stops when `cancel` says so.
pub(crate) fn walk(
    root: &Path,
    cancel: &Cancel,
    mut each: impl FnMut(Walked) -> Result<()>,
) -> Result<()> {
    let mut unfit = Vec::new();
    let mut folders = vec![String::new()];
    while let Some(folder) = folders.pop() {
        if let Some(stopped) = cancel.stopped() {
            bail!("{stopped}");
        }
        let local = root.join(&folder);
        let mut names = Vec::new();
        for entry in
            std::fs::read_dir(&local).with_context(|| format!("reading {}", local.display()))?
        {
            let entry = entry.with_context(|| format!("reading {}", local.display()))?;
            let name = entry.file_name();
            let shown = name.to_string_lossy();
            let path = match folder.as_str() {
                "" => shown.to_string(),
                folder => format!("{folder}/{shown}"),
            };
            match name.to_str() {
                None => unfit.push(format!("{path} (its name is not UTF-8)")),
                Some(name) if name.chars().any(char::is_control) => unfit.push(format!(
                    "{} (its name holds control characters)",
                    path.escape_debug()
                )),
                Some(_) => names.push(path),
            }
        }
        names.sort();
        let mut below = Vec::new();
        for path in names {
            let local = root.join(&path);
            let meta = std::fs::symlink_metadata(&local)
                .with_context(|| format!("reading {}", local.display()))?;
            let kind = meta.file_type();
            let link = if kind.is_symlink() {
                let target = std::fs::read_link(&local)
                    .with_context(|| format!("reading the symbolic link {}", local.display()))?;
                match target.to_str() {
                    Some(target) => Some(target.to_owned()),
                    None => {
                        unfit.push(format!(
                            "{path} (a symbolic link whose target is not UTF-8)"
                        ));
                        continue;
                    }
                }
            } else if kind.is_dir() {
                if path.rsplit('/').next() != Some(ADMIN_FOLDER) {
                    below.push(path);
                }
                continue;
            } else if kind.is_file() {
                None
            } else {
                unfit.push(format!(
                    "{path} (neither a file, a folder nor a symbolic link)"
                ));
                continue;
            };
            each(Walked {
                path,
                stat: Stat::of(&meta),
                link,
            })?;
        }
        // Depth first, in name order: the stack pops the first name last.
        folders.extend(below.into_iter().rev());
    }
    if !unfit.is_empty() {
        let more = match unfit.len().saturating_sub(LIST_AT_MOST) {
            0 => String::new(),
            more => format!(" and {more} more"),
        };
        unfit.truncate(LIST_AT_MOST);
        bail!(
            "{} cannot be published: {}{more}; rename them, or take them out of the folder",
            root.display(),
            unfit.join(", ")
        );
    }
    Ok(())
}

/// The order [`walk`] gives paths in: a folder's files in name order,
/// then each of its folders, in name order, with all that is below it.
pub(crate) fn walk_order(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.split('/').peekable(), b.split('/').peekable());
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) => {
                let (x_file, y_file) = (a.peek().is_none(), b.peek().is_none());
                match (x_file, y_file) {
                    (false, false) if x == y => continue,
                    (true, false) => return Ordering::Less,
                    (false, true) => return Ordering::Greater,
                    _ => return x.cmp(y),
                }
            }
            (x, y) => return x.is_some().cmp(&y.is_some()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walked(root: &Path) -> Result<Vec<(String, Option<String>)>> {
        let mut seen = Vec::new();
        walk(root, &Cancel::new(), |found| {
            seen.push((found.path, found.link));
            Ok(())
        })?;
        Ok(seen)
    }

    #[test]
    fn a_folder_is_walked_depth_first_in_name_order_and_links_are_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let at = |path: &str| root.path().join(path);
        for folder in ["b", "b/c", "a-z", "empty", ".svn", "b/.svn", "b/x.svn"] {
            std::fs::create_dir(at(folder)).unwrap();
        }
        let files = ["b/c/d.html", "b/a.css", "a-z/x", "index.html", "sp ace"];
        for file in files
            .iter()
            .chain(&[".svn/wc.db", "b/.svn/entries", "b/x.svn/y"])
        {
            std::fs::write(at(file), file).unwrap();
        }
        std::os::unix::fs::symlink("b", at("to-b")).unwrap();
        std::os::unix::fs::symlink("../index.html", at("b/home")).unwrap();
        let seen = walked(root.path()).unwrap();
        let paths: Vec<&str> = seen.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "index.html",
                "sp ace",
                "to-b",
                "a-z/x",
                "b/a.css",
                "b/home",
                "b/c/d.html",
                "b/x.svn/y"
            ]
        );
        assert_eq!(seen[2].1.as_deref(), Some("b"));
        let mut sorted = paths.clone();
        sorted.reverse();
        sorted.sort_by(|a, b| walk_order(a, b));
        assert_eq!(sorted, paths, "walk_order is the walk's");
        assert_eq!(seen[5].1.as_deref(), Some("../index.html"));
    }

    #[test]
    fn names_and_nodes_that_cannot_be_published_are_all_refused_together() {
        use std::os::unix::ffi::OsStrExt;
        let root = tempfile::tempdir().unwrap();
        let at = |path: &str| root.path().join(path);
        std::fs::write(at("fine.html"), "x").unwrap();
        std::fs::write(at("line\nbreak"), "x").unwrap();
        std::fs::write(
            root.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9")),
            "x",
        )
        .unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(at("pipe"))
            .status();
        assert!(made.unwrap().success());
        let err = walked(root.path()).unwrap_err().to_string();
        assert!(err.contains("caf\u{fffd} (its name is not UTF-8)"), "{err}");
        assert!(
            err.contains("line\\nbreak (its name holds control characters)"),
            "{err}"
        );
        assert!(
            err.contains("pipe (neither a file, a folder nor a symbolic link)"),
            "{err}"
        );
        assert!(
            err.ends_with("rename them, or take them out of the folder"),
            "{err}"
        );
    }
}

//! Redirects from moves. Other sync tools see a file vanish at one key and
//! appear at another; the log of the range says it moved, so svn2s3 leaves
//! an empty object at the old key that S3's website endpoint answers with
//! `301 Moved Permanently` to the new one.
//!
//! This module reads the log of a range for where the files that are gone
//! went; what becomes of the redirects (kept true as their targets move,
//! taken away when they lead nowhere, replaced by files) is the planner's
//! (see [`crate::planner`]). Everything here is pure: the log is read once
//! per range by [`crate::source`].

use std::collections::BTreeMap;

use crate::tree::Revnum;

/// Old path to the path it redirects to, both relative to the published folder.
pub type Table = BTreeMap<String, String>;

/// At most this many names are followed from one path: a file copied
/// again and again must not make the plan slow.
const MAX_LINES: usize = 1000;

/// The copies and deletes of a range of revisions, inside the published
/// folder, paths relative to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct History {
    copies: Vec<Copy>,
    /// Each deleted (or replaced) path and the revision that deleted it.
    deletes: Vec<(Revnum, String)>,
}

/// A path copied with history.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Copy {
    revision: Revnum,
    from: String,
    from_rev: Revnum,
    to: String,
}

/// A file under one name: from the revision that gave it the name until
/// the one that deleted it (or its folder), if any.
struct Line {
    name: String,
    born: Revnum,
    died: Option<Revnum>,
}

/// Where a name came from: the path a copy made (the name itself, or a
/// folder above it), and in which revision.
struct Birth<'a> {
    revision: Revnum,
    copied_to: &'a str,
}

impl History {
    /// Records that `revision` copied `from@from_rev` to `to`.
    pub fn copied(&mut self, revision: Revnum, from: &str, from_rev: Revnum, to: &str) {
        self.copies.push(Copy {
            revision,
            from: from.to_owned(),
            from_rev,
            to: to.to_owned(),
        });
    }

    /// Records that `revision` deleted (or replaced) `path`.
    pub fn deleted(&mut self, revision: Revnum, path: &str) {
        self.deletes.push((revision, path.to_owned()));
    }

    /// Where the files at `gone` (each a file at the start of the range that
    /// is not there at its end) went, for those that moved: copied with
    /// history, themselves or a folder above them, under a name that is
    /// still there at the end of the range, through any chain of moves. Of
    /// several such names, the one given first wins (by name, within one
    /// revision).
    pub fn moves<'a>(&self, gone: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
        gone.into_iter()
            .filter_map(|path| Some((path.to_owned(), self.destination(path)?)))
            .collect()
    }

    /// Follows the file at `path` through every copy of every name it had,
    /// to the names it still has at the end of the range.
    fn destination(&self, path: &str) -> Option<String> {
        let start = Birth {
            revision: 0,
            copied_to: path,
        };
        let mut lines = vec![self.line(path, start)];
        let mut next = 0;
        while let Some(line) = lines.get(next) {
            next += 1;
            let copied: Vec<Line> = self
                .copies
                .iter()
                .filter(|copy| {
                    copy.revision > line.born
                        && copy.from_rev >= line.born
                        && !line.died.is_some_and(|died| copy.from_rev >= died)
                })
                .filter_map(|copy| {
                    let rest = below(&line.name, &copy.from)?;
                    let birth = Birth {
                        revision: copy.revision,
                        copied_to: &copy.to,
                    };
                    Some(self.line(&format!("{}{rest}", copy.to), birth))
                })
                .collect();
            lines.extend(copied);
            if lines.len() > MAX_LINES {
                return None;
            }
        }
        lines
            .into_iter()
            .skip(1)
            .filter(|line| line.died.is_none())
            .min_by(|a, b| (a.born, &a.name).cmp(&(b.born, &b.name)))
            .map(|line| line.name)
    }

    /// The file named `name` from its `birth`, until the first delete of it
    /// or of a folder above it after that. A delete in the revision of the
    /// copy itself comes after it when it is inside what the copy made (a
    /// file deleted from a folder just copied), and before it otherwise (a
    /// path replaced by the copy).
    fn line(&self, name: &str, birth: Birth) -> Line {
        let died = self
            .deletes
            .iter()
            .filter(|(revision, deleted)| {
                let after = *revision > birth.revision
                    || (*revision == birth.revision
                        && below(deleted, birth.copied_to).is_some_and(|rest| !rest.is_empty()));
                after && below(name, deleted).is_some()
            })
            .map(|(revision, _)| *revision)
            .min();
        Line {
            name: name.to_owned(),
            born: birth.revision,
            died,
        }
    }
}

/// What is left of `path` below `folder` (`""` when they are the same, `/b`
/// for `a/b` below `a`), or `None` when `path` is not `folder` nor under it.
fn below<'a>(path: &'a str, folder: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(folder)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moves(history: &History, gone: &[&str]) -> Vec<(String, String)> {
        history.moves(gone.iter().copied()).into_iter().collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_move_is_a_copy_and_a_delete_of_its_source() {
        let mut history = History::default();
        history.copied(5, "a.html", 4, "b.html");
        history.deleted(5, "a.html");
        assert_eq!(moves(&history, &["a.html"]), pairs(&[("a.html", "b.html")]));
    }

    #[test]
    fn a_moved_folder_moves_every_file_in_it() {
        let mut history = History::default();
        history.copied(3, "docs", 2, "guide");
        history.deleted(3, "docs");
        assert_eq!(
            moves(&history, &["docs/a.html", "docs/img/b.png", "docsx.html"]),
            pairs(&[
                ("docs/a.html", "guide/a.html"),
                ("docs/img/b.png", "guide/img/b.png")
            ])
        );
    }

    #[test]
    fn a_chain_of_moves_is_followed_to_its_end() {
        let mut history = History::default();
        history.copied(5, "a", 4, "b");
        history.deleted(5, "a");
        history.copied(6, "b", 5, "c");
        history.deleted(6, "b");
        assert_eq!(moves(&history, &["a"]), pairs(&[("a", "c")]));
    }

    #[test]
    fn a_copy_whose_source_is_deleted_later_is_a_move() {
        let mut history = History::default();
        history.copied(5, "a", 4, "b");
        history.deleted(7, "a");
        assert_eq!(moves(&history, &["a"]), pairs(&[("a", "b")]));
    }

    #[test]
    fn a_file_deleted_without_a_copy_did_not_move() {
        let mut history = History::default();
        history.deleted(5, "a");
        history.copied(6, "x", 5, "y");
        assert!(moves(&history, &["a"]).is_empty());
    }

    #[test]
    fn a_move_whose_target_is_deleted_later_is_no_move() {
        let mut history = History::default();
        history.copied(5, "a", 4, "b");
        history.deleted(5, "a");
        history.deleted(6, "b");
        assert!(moves(&history, &["a"]).is_empty());
    }

    #[test]
    fn a_copy_of_a_name_after_it_was_deleted_is_another_file() {
        let mut history = History::default();
        history.deleted(5, "a");
        // `a` is added again in r6 (no copy), then copied from r6.
        history.copied(7, "a", 6, "b");
        history.deleted(8, "a");
        assert!(moves(&history, &["a"]).is_empty());
    }

    #[test]
    fn a_file_deleted_from_a_folder_copy_in_the_same_revision_did_not_go_there() {
        // svn cp js/a js/b; svn rm js/b/x/f.js; svn mv js/a/x/f.js js/c/f.js
        let mut history = History::default();
        history.copied(5, "js/a", 4, "js/b");
        history.deleted(5, "js/b/x/f.js");
        history.copied(5, "js/a/x/f.js", 4, "js/c/f.js");
        history.deleted(5, "js/a/x/f.js");
        assert_eq!(
            moves(&history, &["js/a/x/f.js"]),
            pairs(&[("js/a/x/f.js", "js/c/f.js")])
        );
        // Without the move, the copy's own name is where it went.
        let mut copied = History::default();
        copied.copied(5, "js/a", 4, "js/b");
        copied.deleted(6, "js/a");
        assert_eq!(
            moves(&copied, &["js/a/x/f.js"]),
            pairs(&[("js/a/x/f.js", "js/b/x/f.js")])
        );
    }

    #[test]
    fn a_path_replaced_by_a_copy_in_one_revision_is_the_copy() {
        // svn rm b; svn cp a b; svn rm a: b (replaced) is where a went.
        let mut history = History::default();
        history.deleted(5, "b");
        history.copied(5, "a", 4, "b");
        history.deleted(5, "a");
        assert_eq!(moves(&history, &["a"]), pairs(&[("a", "b")]));
    }

    #[test]
    fn of_several_names_still_there_the_first_given_wins() {
        let mut history = History::default();
        history.copied(5, "a", 4, "b");
        history.copied(6, "a", 5, "c");
        history.deleted(7, "a");
        assert_eq!(moves(&history, &["a"]), pairs(&[("a", "b")]));
        history.deleted(8, "b");
        assert_eq!(moves(&history, &["a"]), pairs(&[("a", "c")]));

        let mut one_revision = History::default();
        one_revision.copied(5, "a", 4, "z");
        one_revision.copied(5, "a", 4, "m");
        one_revision.deleted(5, "a");
        assert_eq!(moves(&one_revision, &["a"]), pairs(&[("a", "m")]));
    }
}

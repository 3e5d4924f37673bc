//! What a preview's first publish copies from production, in the bucket,
//! rather than sends: every object of a file that the branch has as
//! production's published revision has it, under the same rules.

use super::*;
use crate::tree::Tree;

/// The files of a tree that differ from production's published folder;
/// the objects of every other file are copied from production's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Copies {
    /// Production's prefix, and the preview's.
    pub production: String,
    pub own: String,
    /// The files that differ, added or changed, bytes or properties.
    pub changed: BTreeSet<String>,
    /// Folders whose properties differ: the headers of every file below
    /// them may.
    pub reshaped: Vec<String>,
    /// Production's state as read: what was copied is what production
    /// published only if its state is the same after (but for the
    /// publishes it holds, which the preview adds itself to).
    pub production_state: State,
}

impl Copies {
    /// The key to copy `upload` (an object of `file`) from, if production
    /// holds it as this publish would write it. A file with keywords is
    /// sent: its bytes may name its URL, which the diff does not see.
    pub fn source_of(&self, file: &File, upload: &Upload) -> Option<String> {
        let path = &file.path;
        let below = |dir: &String| dir.is_empty() || path.starts_with(&format!("{dir}/"));
        if file.keywords || self.changed.contains(path) || self.reshaped.iter().any(below) {
            return None;
        }
        let relative = upload.key.strip_prefix(&self.own)?;
        upload
            .local()
            .map(|_| format!("{}{relative}", self.production))
    }
}

/// Whether a preview of `tree`, under `rules`, may copy from the
/// production publish whose state is `production`: the folder and the
/// revision to compare the tree with, or why not. Production must hold a
/// revision of the same repository completely, with no publish under way,
/// made by the same rules.
pub(crate) fn copies_from<'s>(
    production: &'s State,
    tree: &Tree,
    rules: &Rules,
) -> Result<(&'s str, Revnum), &'static str> {
    if production.is_build() {
        return Err("production publishes a build folder");
    }
    if production.uuid != tree.uuid {
        return Err("production publishes another repository");
    }
    if production.publishing.is_some() {
        return Err("a publish of production is under way, or was cut off");
    }
    let Some(revision) = production.revision else {
        return Err("production holds no revision yet");
    };
    let digest = production.rules.as_ref().map(|rules| &rules.digest);
    if digest != Some(&Shaping::of(rules).digest) {
        return Err("production's objects were made by other rules");
    }
    Ok((&production.path, revision))
}

/// Refuses a preview's first publish into `prefix` when its listing holds
/// objects: with no state of a preview there, they are someone else's (a
/// folder of production's named as a preview would be, say).
pub(crate) fn check_preview_prefix(prefix: &str, listing: &[Listed]) -> Result<(), PlanError> {
    match listing.len() {
        0 => Ok(()),
        count => Err(PlanError::NotAPreview {
            prefix: prefix.to_owned(),
            count,
        }),
    }
}

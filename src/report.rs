//! What a publish did, for people (`Display`) and for programs (`--json`).

use std::fmt;

use serde::Serialize;

use crate::cloudfront::Invalidation;
use crate::plan::{Skipped, Upload};
use crate::state::{BuiltFrom, Claim, Hold, State};
use crate::tree::Revnum;

/// One request of a publish that was made (or, in a dry run, would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Done {
    /// An object written.
    Upload {
        /// The object's key.
        key: String,
        /// Bytes sent; in a dry run, the file's size (`None` for a twin, whose size is not known yet).
        bytes: Option<u64>,
        /// The object's `Content-Type`.
        content_type: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        /// `gzip` for a twin.
        content_encoding: Option<&'static str>,
    },
    /// An empty object written that S3's website endpoint answers with a
    /// redirect: where a file moved away, or a symbolic link, or a file with
    /// `svn2s3:redirect`.
    Redirect {
        /// The object's key.
        key: String,
        /// Where it sends a browser: `/key` in the bucket, or a URL.
        location: String,
    },
    /// An object copied in the bucket from another (a preview's, from
    /// production), no bytes sent.
    Copy {
        /// The object's key.
        key: String,
        /// The key it was copied from.
        from: String,
    },
    /// An object whose headers were replaced, its bytes left as they are
    /// (a copy onto itself).
    Rewrite {
        /// The object's key.
        key: String,
        /// The object's `Content-Type`.
        content_type: String,
    },
    /// An object that held the file already, found by the listing of a
    /// first publish or `--full`: no bytes were sent, and at most its
    /// headers were replaced.
    #[serde(rename = "in_place")]
    InPlace {
        /// The object's key.
        key: String,
        /// Its headers differed from the rules' and were replaced.
        headers_rewritten: bool,
    },
    /// An object deleted.
    Delete {
        /// The object's key.
        key: String,
    },
}

/// `upload css/site.css (2.0 KiB)`, `delete img/old.png`.
impl std::fmt::Display for Done {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Done::Upload {
                key,
                bytes: Some(bytes),
                ..
            } => write!(f, "upload {key} ({})", human_bytes(*bytes)),
            Done::Upload { key, .. } => write!(f, "upload {key}"),
            Done::Redirect { key, location } => write!(f, "redirect {key} -> {location}"),
            Done::Copy { key, from } => write!(f, "copy {key} <- {from}"),
            Done::Rewrite { key, .. } => write!(f, "rewrite {key} (headers)"),
            Done::InPlace {
                key,
                headers_rewritten: true,
            } => write!(f, "in place {key} (headers rewritten)"),
            Done::InPlace { key, .. } => write!(f, "in place {key}"),
            Done::Delete { key } => write!(f, "delete {key}"),
        }
    }
}

impl Done {
    /// The object's key.
    pub fn key(&self) -> &str {
        match self {
            Done::Upload { key, .. }
            | Done::Redirect { key, .. }
            | Done::Copy { key, .. }
            | Done::Rewrite { key, .. }
            | Done::InPlace { key, .. }
            | Done::Delete { key } => key,
        }
    }

    /// The write `upload` would make.
    pub(crate) fn planned(upload: &Upload) -> Done {
        let size = match (upload.local(), upload.encoding()) {
            (Some(local), None) => std::fs::metadata(local).ok().map(|m| m.len()),
            _ => None,
        };
        Done::uploaded(upload, size)
    }

    /// The write of `upload`, `bytes` sent.
    pub(crate) fn uploaded(upload: &Upload, bytes: Option<u64>) -> Done {
        if let crate::plan::Content::Copy { from, .. } = &upload.content {
            return Done::Copy {
                key: upload.key.clone(),
                from: from.clone(),
            };
        }
        match upload.location() {
            Some(location) => Done::Redirect {
                key: upload.key.clone(),
                location: location.to_owned(),
            },
            None => Done::Upload {
                key: upload.key.clone(),
                bytes,
                content_type: upload.headers.content_type.clone(),
                content_encoding: upload.headers.content_encoding,
            },
        }
    }

    /// `upload`'s object found holding its file already.
    pub(crate) fn in_place(upload: &Upload, headers_rewritten: bool) -> Done {
        Done::InPlace {
            key: upload.key.clone(),
            headers_rewritten,
        }
    }

    /// The rewrite of `upload`'s headers.
    pub(crate) fn rewritten(upload: &Upload) -> Done {
        Done::Rewrite {
            key: upload.key.clone(),
            content_type: upload.headers.content_type.clone(),
        }
    }
}

/// The most actions a report lists; the rest are counted. A first publish
/// of a million files so holds a thousand, not a million.
pub const ACTIONS_KEPT: usize = 1_000;

/// What a publish did, as it goes: how many of each kind, and the first
/// [`ACTIONS_KEPT`] actions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub actions: Vec<Done>,
    /// Actions made but not kept.
    pub omitted: usize,
    pub uploaded: usize,
    pub redirected: usize,
    pub copied: usize,
    pub rewritten: usize,
    pub deleted: usize,
    pub in_place: usize,
    pub bytes: u64,
    /// Files found not to be published as the publish went (symbolic links).
    pub skipped: Vec<Skipped>,
    /// The CloudFront invalidations made before the deletes; `None`: not
    /// made yet.
    pub invalidations: Option<Vec<Invalidation>>,
}

impl Tally {
    /// What the requests counted so far changed (see [`Report::changed`]).
    pub fn changed(&self) -> Changed {
        let writes = self.uploaded + self.redirected + self.copied + self.rewritten;
        changed(writes + self.deleted, &self.actions, self.omitted)
    }

    /// Counts `done`, and keeps it while there is room.
    pub fn add(&mut self, done: Done) {
        match &done {
            Done::Upload { bytes, .. } => {
                self.uploaded += 1;
                self.bytes += bytes.unwrap_or(0);
            }
            Done::Redirect { .. } => self.redirected += 1,
            Done::Copy { .. } => self.copied += 1,
            Done::Rewrite { .. } => self.rewritten += 1,
            Done::Delete { .. } => self.deleted += 1,
            Done::InPlace {
                headers_rewritten, ..
            } => {
                self.in_place += 1;
                self.rewritten += usize::from(*headers_rewritten);
            }
        }
        if self.actions.len() < ACTIONS_KEPT {
            self.actions.push(done);
        } else {
            self.omitted += 1;
        }
    }
}

impl FromIterator<Done> for Tally {
    fn from_iter<I: IntoIterator<Item = Done>>(actions: I) -> Tally {
        let mut tally = Tally::default();
        for done in actions {
            tally.add(done);
        }
        tally
    }
}

/// What a publish says while it runs, for a progress bar or a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// The requests are about to start: this many, uploading about this many
    /// bytes (a gzip twin counted at its file's size).
    Started {
        /// Uploads and deletes.
        requests: usize,
        /// The size of the files to upload.
        bytes: u64,
    },
    /// One request is done.
    Done(&'a Done),
}

/// The outcome of `svn2s3 publish`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Where: `s3://bucket/prefix`.
    pub target: String,
    /// The revision published before, if any; for a build folder, the
    /// number of the build published before.
    pub from: Option<Revnum>,
    /// The revision the bucket holds now (or would, in a dry run); for a
    /// build folder, the number of this build.
    pub to: Revnum,
    /// For a build folder: which, and where it was built from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Built>,
    /// For a branch's preview: its slug, and where it is served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<Preview>,
    /// Nothing was written (`--dry-run`).
    pub dry_run: bool,
    /// Every file was uploaded (`--full`).
    pub full: bool,
    /// The rules changed since the last publish (which, in a few words), so
    /// the whole tree was walked to apply them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub walked: Option<String>,
    /// Objects uploaded, gzip twins included.
    pub uploaded: usize,
    /// Redirects written.
    pub redirected: usize,
    /// Objects copied in the bucket (a preview's first publish, from
    /// production), no bytes sent.
    pub copied: usize,
    /// Objects whose headers were rewritten, their bytes left alone.
    pub rewritten: usize,
    /// Objects deleted.
    pub deleted: usize,
    /// Objects that held their file already, found by the listing of a
    /// first publish or `--full`: nothing sent (those whose headers were
    /// replaced count as rewritten too).
    pub in_place: usize,
    /// Bytes sent (in a dry run: the size of the files, twins aside).
    pub bytes: u64,
    /// How long the publish took.
    pub seconds: f64,
    /// What the change held that is not published: symlinks, externals.
    pub skipped: Vec<Skipped>,
    /// The requests made, in order of completion within each phase: the
    /// first 1,000.
    pub actions: Vec<Done>,
    /// Requests made beyond those listed in `actions`.
    #[serde(skip_serializing_if = "is_zero")]
    pub actions_omitted: usize,
    /// The CloudFront invalidations made, one per distribution asked for:
    /// by a publish, once its pages were up and before its deletes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalidations: Vec<Invalidation>,
    /// Objects removed from the tree that wait to be deleted
    /// (`keep_removed:`) once the publish is done.
    #[serde(skip_serializing_if = "is_zero")]
    pub waiting: usize,
    /// Whether the invalidations were made (by the publish, before its
    /// deletes), rather than left to follow it.
    #[serde(skip)]
    pub(crate) invalidated: bool,
    /// What the publish changed of the bucket's website configuration
    /// (`website:`), a line per part; in a dry run, what it would.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub website: Vec<String>,
}

/// The preview of a branch a publish published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// The branch's slug: its folder under the previews' prefix.
    pub slug: String,
    /// Where it is served, when the settings say (`previews.url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The build folder a publish published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Built {
    /// The folder, as a path on this machine.
    pub folder: String,
    /// The working copy it was built from, when the settings are one's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub built_from: Option<BuiltFrom>,
}

impl Report {
    /// What this publish changed: every key it wrote, rewrote, redirected
    /// or deleted, not one it found holding its file already (nothing
    /// served changed there, unless its headers were replaced). A report
    /// that names only some of its actions, and changed something, changed
    /// what it does not name too.
    pub(crate) fn changed(&self) -> Changed {
        let writes = self.uploaded + self.redirected + self.copied + self.rewritten;
        changed(writes + self.deleted, &self.actions, self.actions_omitted)
    }

    pub(crate) fn new(
        target: String,
        from: Option<Revnum>,
        to: Revnum,
        tally: Tally,
        mut skipped: Vec<Skipped>,
    ) -> Report {
        skipped.extend(tally.skipped);
        Report {
            target,
            from,
            to,
            build: None,
            preview: None,
            dry_run: false,
            full: false,
            walked: None,
            uploaded: tally.uploaded,
            redirected: tally.redirected,
            copied: tally.copied,
            rewritten: tally.rewritten,
            deleted: tally.deleted,
            in_place: tally.in_place,
            bytes: tally.bytes,
            seconds: 0.0,
            skipped,
            actions: tally.actions,
            actions_omitted: tally.omitted,
            waiting: 0,
            invalidated: tally.invalidations.is_some(),
            invalidations: tally.invalidations.unwrap_or_default(),
            website: Vec::new(),
        }
    }

    /// Whether the publish made no request (or, in a dry run, would make none).
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = match (self.from, &self.build) {
            (Some(from), Some(build)) if from == self.to => {
                format!("build {from} of {}", build.folder)
            }
            (Some(from), Some(build)) => format!("build {from} -> {} of {}", self.to, build.folder),
            (None, Some(build)) => format!("build {} of {} (first publish)", self.to, build.folder),
            (Some(from), None) if from == self.to => format!("r{from}"),
            (Some(from), None) if from > self.to => {
                format!("r{from} -> r{} (a rollback)", self.to)
            }
            (Some(from), None) => format!("r{from} -> r{}", self.to),
            (None, None) => format!("r{} (first publish)", self.to),
        };
        let range = match self.build.as_ref().and_then(|b| b.built_from.as_ref()) {
            Some(from) => format!("{range}, built from r{}", from.revision),
            None => range,
        };
        let website = |f: &mut fmt::Formatter<'_>| match &self.website[..] {
            [] => Ok(()),
            changes => {
                let verb = if self.dry_run { "would write" } else { "wrote" };
                let changes = changes.join(", ");
                write!(f, "\n{verb} the bucket's website configuration: {changes}")
            }
        };
        if !self.dry_run
            && self.actions.is_empty()
            && self.from == Some(self.to)
            && self.walked.is_none()
        {
            write!(
                f,
                "nothing to publish: {} holds {range} already",
                self.target
            )?;
            return website(f);
        }
        if self.dry_run {
            for action in &self.actions {
                writeln!(f, "{action}")?;
            }
            if self.actions_omitted > 0 {
                writeln!(f, "... and {} more", self.actions_omitted)?;
            }
        }
        for skipped in &self.skipped {
            writeln!(f, "skipped {}: {}", skipped.path, skipped.reason)?;
        }
        if let Some(walked) = &self.walked {
            writeln!(
                f,
                "the rules changed ({walked}): the tree was walked to apply them"
            )?;
        }
        let verb = if self.dry_run {
            "would publish"
        } else {
            "published"
        };
        let full = if self.full { " in full" } else { "" };
        write!(
            f,
            "{verb} {range} to {}{full}: {} uploaded ({})",
            self.target,
            self.uploaded,
            human_bytes(self.bytes),
        )?;
        if self.redirected > 0 {
            write!(f, ", {} redirected", self.redirected)?;
        }
        if self.copied > 0 {
            write!(f, ", {} copied", self.copied)?;
        }
        if self.rewritten > 0 {
            write!(f, ", {} rewritten", self.rewritten)?;
        }
        write!(f, ", {} deleted", self.deleted)?;
        if self.waiting > 0 {
            write!(f, ", {} waiting to be deleted", self.waiting)?;
        }
        if self.in_place > 0 {
            write!(f, ", {} already in place", self.in_place)?;
        }
        if !self.skipped.is_empty() {
            write!(f, ", {} skipped", self.skipped.len())?;
        }
        if !self.dry_run {
            write!(f, " in {:.2} s", self.seconds)?;
        }
        if let Some(url) = self
            .preview
            .as_ref()
            .and_then(|preview| preview.url.as_ref())
        {
            write!(f, "\npreview at {url}")?;
        }
        for invalidation in &self.invalidations {
            let paths = invalidation.paths.len();
            match (&invalidation.id, &invalidation.error) {
                (Some(id), _) => write!(
                    f,
                    "\ninvalidated {} in CloudFront {}: invalidation {id}",
                    counted(paths, "path"),
                    invalidation.distribution
                )?,
                (None, Some(error)) => write!(
                    f,
                    "\nnot invalidated in CloudFront {}: {error}",
                    invalidation.distribution
                )?,
                (None, None) => {}
            }
        }
        website(f)
    }
}

/// The outcome of `svn2s3 status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// Where: `s3://bucket/prefix`.
    pub target: String,
    /// The state object, if anything was published.
    pub published: Option<State>,
    /// The revision of the published folder (for a build folder, of the
    /// working copy it is built from, 0 when there is none).
    pub working_copy: Revnum,
    /// The build folder published instead of a tree, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// What `publish` would do now.
    pub pending_uploads: usize,
    /// Redirects a publish would write now.
    pub pending_redirects: usize,
    /// Objects whose headers a publish would rewrite now.
    pub pending_rewrites: usize,
    /// Deletes a publish would make now.
    pub pending_deletes: usize,
    /// The rules changed since the last publish (which, in a few words): a
    /// publish would walk the whole tree to apply them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub walked: Option<String>,
    /// What a publish would change of the bucket's website configuration
    /// (`website:`), a line per part.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub website: Vec<String>,
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.published {
            Some(State {
                revision: Some(revision),
                path,
                published_at,
                rolled_back_from,
                ..
            }) => writeln!(
                f,
                "published:    r{revision} of ^/{path} at {}, {}{}",
                self.target,
                published_at.as_deref().unwrap_or("at an unknown time"),
                match rolled_back_from {
                    Some(newer) => format!(", rolled back from r{newer}"),
                    None => String::new(),
                }
            )?,
            Some(State {
                build: Some(build),
                published_at,
                ..
            }) => writeln!(
                f,
                "published:    build {} ({}) at {}, {}{}",
                build.number,
                counted(build.objects, "object"),
                self.target,
                published_at.as_deref().unwrap_or("at an unknown time"),
                match &build.from {
                    Some(from) => format!(", built from r{} of {}", from.revision, from.url),
                    None => String::new(),
                }
            )?,
            _ => writeln!(f, "published:    nothing yet at {}", self.target)?,
        }
        if let Some(claim) = self.published.as_ref().and_then(|s| s.publishing.as_ref()) {
            let how = match claim.hold() {
                Hold::Held => "under way".to_owned(),
                Hold::Lapsed => "cut off; the next publish repairs it".to_owned(),
                Hold::Malformed(why) => {
                    format!("a claim svn2s3 never writes ({why}); `svn2s3 unlock` releases it")
                }
            };
            writeln!(
                f,
                "publishing:   {}, {how} ({})",
                claim.what(),
                claim.whose()
            )?;
        }
        if let Some(state) = &self.published {
            if !state.removed.is_empty() {
                writeln!(
                    f,
                    "removed:      {} waiting to be deleted (keep_removed)",
                    counted(state.removed.len(), "object")
                )?;
            }
            if !state.redirects.is_empty() {
                writeln!(
                    f,
                    "redirects:    {}",
                    counted(state.redirects.len(), "moved file")
                )?;
            }
        }
        match &self.build {
            Some(folder) => writeln!(f, "build folder: {folder}")?,
            None => writeln!(f, "working copy: r{}", self.working_copy)?,
        }
        write!(
            f,
            "pending:      {}",
            counted(self.pending_uploads, "upload")
        )?;
        if self.pending_redirects > 0 {
            write!(f, ", {}", counted(self.pending_redirects, "redirect"))?;
        }
        if self.pending_rewrites > 0 {
            write!(f, ", {}", counted(self.pending_rewrites, "header rewrite"))?;
        }
        write!(f, ", {}", counted(self.pending_deletes, "delete"))?;
        if let Some(walked) = &self.walked {
            write!(
                f,
                "\nrules:        changed ({walked}); the next publish walks the tree to apply them"
            )?;
        }
        if !self.website.is_empty() {
            write!(f, "\nwebsite:      differs: {}", self.website.join(", "))?;
        }
        Ok(())
    }
}

/// The outcome of `svn2s3 unlock`.
#[derive(Debug, Clone, Serialize)]
pub struct Unlocked {
    /// Where: `s3://bucket/prefix`.
    pub target: String,
    /// The claim released; `None` when the state held none.
    pub released: Option<Claim>,
    /// Whether that claim's lease had ended already, and nothing was written.
    pub lapsed: bool,
}

impl fmt::Display for Unlocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.released {
            Some(claim) if self.lapsed => write!(
                f,
                "the claim on {} of {} has lapsed already: nothing to unlock; the next \
                 publish repairs what that one may have written",
                self.target,
                claim.describe()
            ),
            Some(claim) => write!(
                f,
                "released the claim on {} of {}; the next publish repairs what that one may \
                 have written",
                self.target,
                claim.describe()
            ),
            None => write!(f, "{} holds no claim: nothing to unlock", self.target),
        }
    }
}

pub(crate) fn counted(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// `1.5 KiB`, `5.0 GiB`: a size as people read it.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for next in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

/// What `requests` that changed something (writes and deletes) changed,
/// `actions` being those kept of them and of the rest, `omitted` how many
/// more were made (see [`Report::changed`]).
fn changed(requests: usize, actions: &[Done], omitted: usize) -> Changed {
    if requests == 0 {
        return Changed::Nothing;
    }
    if omitted > 0 {
        return Changed::Everything;
    }
    let keys: Vec<String> = (actions.iter())
        .filter(|done| {
            !matches!(
                done,
                Done::InPlace {
                    headers_rewritten: false,
                    ..
                }
            )
        })
        .map(|done| done.key().to_owned())
        .collect();
    Changed::Keys(keys)
}

/// What a publish changed that CloudFront may be serving stale.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Changed {
    Nothing,
    /// These keys: written, rewritten, redirected or deleted.
    Keys(Vec<String>),
    /// More than the report names (it lists only some of its actions).
    Everything,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report of a publish that did `actions`, the first thousand named.
    fn publish_report(actions: impl IntoIterator<Item = Done>) -> Report {
        let tally = actions.into_iter().collect();
        Report::new("s3://b/".into(), Some(1), 2, tally, Vec::new())
    }

    fn in_place(key: &str, headers_rewritten: bool) -> Done {
        Done::InPlace {
            key: key.into(),
            headers_rewritten,
        }
    }

    #[test]
    fn what_a_publish_changed_is_what_it_wrote_not_what_it_found_in_place() {
        let actions = vec![
            Done::Upload {
                key: "a.css".into(),
                bytes: Some(3),
                content_type: "text/css".into(),
                content_encoding: None,
            },
            in_place("same.png", false),
            in_place("new-headers.html", true),
            Done::Rewrite {
                key: "b.html".into(),
                content_type: "text/html".into(),
            },
            Done::Redirect {
                key: "old.html".into(),
                location: "/new.html".into(),
            },
            Done::Delete {
                key: "gone.js".into(),
            },
        ];
        let keys = ["a.css", "new-headers.html", "b.html", "old.html", "gone.js"];
        assert_eq!(
            publish_report(actions).changed(),
            Changed::Keys(keys.map(String::from).to_vec())
        );
        let found = [in_place("same.png", false)];
        assert_eq!(publish_report(found).changed(), Changed::Nothing);
        assert_eq!(publish_report([]).changed(), Changed::Nothing);
    }

    #[test]
    fn a_report_that_names_only_some_of_its_actions_changed_everything_or_nothing() {
        // The first thousand found in place, and a delete unnamed after
        // them: served paths may be stale anywhere.
        let in_place_all = (0..1012).map(|i| in_place(&format!("{i}.png"), false));
        let deleted = Done::Delete { key: "x".into() };
        let capped = publish_report(in_place_all.clone().chain([deleted]));
        assert_eq!(capped.actions_omitted, 13);
        assert_eq!(capped.changed(), Changed::Everything);
        // All of them in place: nothing changed, named or not.
        assert_eq!(publish_report(in_place_all).changed(), Changed::Nothing);
    }

    #[test]
    fn bytes_read_as_people_read_them() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }

    #[test]
    fn the_summary_counts_what_was_done() {
        let actions = vec![
            Done::Upload {
                key: "a.css".into(),
                bytes: Some(2048),
                content_type: "text/css".into(),
                content_encoding: None,
            },
            Done::Delete {
                key: "b.png".into(),
            },
        ];
        let mut report = Report::new(
            "s3://b/p/".into(),
            Some(3),
            5,
            actions.into_iter().collect(),
            Vec::new(),
        );
        report.seconds = 0.25;
        assert_eq!(
            (report.uploaded, report.deleted, report.bytes),
            (1, 1, 2048)
        );
        assert_eq!(
            report.to_string(),
            "published r3 -> r5 to s3://b/p/: 1 uploaded (2.0 KiB), 1 deleted in 0.25 s"
        );
        let nothing = Report::new("s3://b/".into(), Some(5), 5, Default::default(), Vec::new());
        assert_eq!(
            nothing.to_string(),
            "nothing to publish: s3://b/ holds r5 already"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["actions"][0]["action"], "upload");
        assert_eq!(json["actions"][1]["key"], "b.png");
        assert!(json.get("actions_omitted").is_none());
    }

    #[test]
    fn a_report_keeps_the_first_thousand_actions_and_counts_them_all() {
        let tally: Tally = (0..ACTIONS_KEPT + 500)
            .map(|i| Done::Delete {
                key: format!("{i}.png"),
            })
            .collect();
        let mut report = Report::new("s3://b/".into(), Some(1), 2, tally, Vec::new());
        assert_eq!((report.deleted, report.actions.len()), (1500, ACTIONS_KEPT));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["actions_omitted"], 500);
        report.dry_run = true;
        let text = report.to_string();
        assert!(
            text.contains("delete 999.png\n... and 500 more\n"),
            "{text}"
        );
        assert!(text.ends_with("1500 deleted"), "{text}");
    }
}

//! From files that changed to the requests that publish them. Pure: no I/O,
//! so every rule of DESIGN.md about keys, headers, twins and order is unit-tested here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::header::{self, HeaderRule, Name, HEADERS};
use crate::tree::STATE_FOLDER;

/// S3 refuses keys longer than this many bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1024;

mod objects;
mod rules;
#[cfg(test)]
mod tests;

pub use crate::header::checksum::Checksum;
pub use crate::header::{Storage, STORAGE_CLASSES};
pub(crate) use objects::*;
pub use rules::{props, Encoding, Globs, HeaderRules, Props, Rules};

/// A file of the tree to publish.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct File {
    /// Relative to the published folder, `/`-separated.
    pub path: String,
    /// Where its bytes are on disk.
    pub local: PathBuf,
    /// The `svn:mime-type` property, if set.
    pub mime_type: Option<String>,
    /// The svn2s3 properties in effect: its own, else the nearest folder's
    /// inside the published folder (those from above it are in [`Rules`]).
    pub props: Props,
    /// For a symbolic link (`svn:special`), where it points, as written.
    pub link: Option<String>,
    /// Whether `svn:keywords` is set: its bytes may name where it is (its
    /// URL, path or last change), so the same file elsewhere differs.
    pub keywords: bool,
}

#[cfg(test)]
impl File {
    /// The file at `path` of a tree whose working copy is `/wc`, with no
    /// properties: for tests.
    pub(crate) fn at(path: &str) -> File {
        File {
            path: path.to_owned(),
            local: PathBuf::from("/wc").join(path),
            ..File::default()
        }
    }
}

/// Something in the change that is deliberately not published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Relative to the published folder.
    pub path: String,
    /// Why, in a few words.
    pub reason: &'static str,
}

/// What changed in the tree, file by file, folders already expanded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Changeset {
    pub uploads: Vec<File>,
    /// Paths of files that are gone.
    pub deletes: Vec<String>,
    pub skipped: Vec<Skipped>,
    /// Files whose bytes did not change but whose svn2s3 properties may
    /// have (a folder above them changed its own): their objects' headers
    /// are written again.
    pub reshaped: Vec<File>,
    /// The files of `uploads` that did not exist at the start of the range.
    pub added: BTreeSet<String>,
}

impl Changeset {
    /// Adds the paths `other` names and this one does not. Both must
    /// describe the same tree, compared with different revisions: a path then
    /// is either a file to upload in both or gone in both.
    pub fn merge(&mut self, other: Changeset) {
        let named: BTreeSet<String> = self
            .uploads
            .iter()
            .map(|file| file.path.clone())
            .chain(self.deletes.iter().cloned())
            .chain(self.skipped.iter().map(|skip| skip.path.clone()))
            .collect();
        let new = |path: &String| !named.contains(path);
        self.uploads
            .extend(other.uploads.into_iter().filter(|file| new(&file.path)));
        self.deletes
            .extend(other.deletes.into_iter().filter(|path| new(path)));
        self.deletes.sort();
        self.skipped
            .extend(other.skipped.into_iter().filter(|skip| new(&skip.path)));
        // What this one names, it says best: its range starts earlier.
        self.added
            .extend(other.added.into_iter().filter(|path| new(path)));
        let named: BTreeSet<String> = self
            .reshaped
            .iter()
            .map(|file| file.path.clone())
            .chain(named)
            .collect();
        self.reshaped.extend(
            other
                .reshaped
                .into_iter()
                .filter(|file| !named.contains(&file.path)),
        );
    }
}

/// The HTTP headers an object is stored with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Headers {
    pub content_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<&'static str>,
    /// Those of [`header::HEADERS`] it has.
    #[serde(flatten)]
    pub values: header::Values,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acl: Option<String>,
    /// Its storage class and server-side encryption.
    #[serde(flatten)]
    pub storage: Storage,
}

/// One object to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upload {
    pub key: String,
    pub content: Content,
    pub headers: Headers,
}

/// What an object holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Content {
    /// The bytes of a file; compressed, for a twin.
    File {
        local: PathBuf,
        /// How a twin is compressed; `None` for the file itself.
        encoding: Option<Encoding>,
    },
    /// No bytes: S3's website endpoint answers `301 Moved Permanently` to
    /// `location` (`/key` in the bucket, or a URL).
    Redirect { location: String },
    /// What the object `from` of the bucket holds, the bytes of the file at
    /// `local` (or its twin) under the same headers: copied in the bucket
    /// (CopyObject), nothing sent. A preview's first publish copies so
    /// what production holds already.
    Copy {
        from: String,
        local: PathBuf,
        encoding: Option<Encoding>,
    },
}

impl Upload {
    /// The empty object at `key` that redirects to `location`.
    pub fn redirect(key: String, location: String, headers: Headers) -> Upload {
        Upload {
            key,
            content: Content::Redirect { location },
            headers,
        }
    }

    /// The file the object's bytes come from; `None` for a redirect.
    pub fn local(&self) -> Option<&Path> {
        match &self.content {
            Content::File { local, .. } | Content::Copy { local, .. } => Some(local),
            Content::Redirect { .. } => None,
        }
    }

    /// How a twin is compressed; `None` for a file itself or a redirect.
    pub fn encoding(&self) -> Option<Encoding> {
        match self.content {
            Content::File { encoding, .. } | Content::Copy { encoding, .. } => encoding,
            Content::Redirect { .. } => None,
        }
    }

    /// This object copied from the object `from` rather than sent; a
    /// redirect stays as it is.
    pub fn copied_from(self, from: String) -> Upload {
        let content = match self.content {
            Content::File { local, encoding }
            | Content::Copy {
                local, encoding, ..
            } => Content::Copy {
                from,
                local,
                encoding,
            },
            redirect @ Content::Redirect { .. } => redirect,
        };
        Upload { content, ..self }
    }

    /// Where a redirect sends a browser; `None` for a file.
    pub fn location(&self) -> Option<&str> {
        match &self.content {
            Content::Redirect { location } => Some(location),
            Content::File { .. } | Content::Copy { .. } => None,
        }
    }
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    pub key: String,
    /// Without quotes; `None` where the server's listings carry none.
    pub etag: Option<String>,
    pub size: u64,
}

/// The requests of one publish, in the order they must run. It is changed
/// only through its methods, which keep what the executor relies on:
/// every list is in key order, a key is written once at most, a key that
/// is written is never deleted, a file's key never holds a redirect, and
/// the deletes that must come before an upload are in [`Plan::clear`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    clear: Vec<String>,
    uploads: Vec<Upload>,
    rewrites: Vec<Upload>,
    redirects: Vec<Upload>,
    deletes: Vec<String>,
    skipped: Vec<Skipped>,
}

impl Plan {
    /// Deletes that must finish before any upload: each key is a folder of an
    /// uploaded key, or has an uploaded key as its folder.
    pub fn clear(&self) -> &[String] {
        &self.clear
    }

    /// Files (and symbolic links or files that are redirects) written.
    pub fn uploads(&self) -> &[Upload] {
        &self.uploads
    }

    /// Objects whose bytes are right and whose headers are not: each is
    /// copied onto itself with the headers replaced, nothing uploaded.
    pub fn rewrites(&self) -> &[Upload] {
        &self.rewrites
    }

    /// Redirects left where files moved away; they run with the deletes,
    /// after every upload, so that none points at an object not there yet.
    pub fn redirects(&self) -> &[Upload] {
        &self.redirects
    }

    /// Deletes that run after every upload, so a live page never links to an
    /// object that is already gone.
    pub fn deletes(&self) -> &[String] {
        &self.deletes
    }

    /// What the plan deliberately leaves out, and why.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    pub fn delete_count(&self) -> usize {
        self.clear.len() + self.deletes.len()
    }

    /// Every request but the deletes.
    pub fn write_count(&self) -> usize {
        self.uploads.len() + self.rewrites.len() + self.redirects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.write_count() == 0 && self.delete_count() == 0
    }

    /// Every key written, whatever the phase.
    pub fn written_keys(&self) -> BTreeSet<&str> {
        self.uploads
            .iter()
            .chain(&self.rewrites)
            .chain(&self.redirects)
            .map(|upload| upload.key.as_str())
            .collect()
    }

    /// Writes `uploads`, each in place of anything else planned at its key:
    /// a file's object is never a redirect, nor deleted.
    pub fn upload(&mut self, uploads: impl IntoIterator<Item = Upload>) {
        let mut added = BTreeMap::new();
        for upload in uploads {
            added.insert(upload.key.clone(), upload);
        }
        if added.is_empty() {
            return;
        }
        self.uploads.retain(|up| !added.contains_key(&up.key));
        self.rewrites.retain(|up| !added.contains_key(&up.key));
        self.redirects.retain(|up| !added.contains_key(&up.key));
        self.uploads.extend(added.into_values());
        self.uploads.sort_by(|a, b| a.key.cmp(&b.key));
        self.delete_also([]);
    }

    /// Replaces the headers of objects whose bytes stay, unless their key
    /// is written otherwise.
    pub fn rewrite(&mut self, rewrites: impl IntoIterator<Item = Upload>) {
        let written: BTreeSet<String> =
            self.written_keys().into_iter().map(str::to_owned).collect();
        self.rewrites
            .extend(rewrites.into_iter().filter(|up| !written.contains(&up.key)));
        self.rewrites.sort_by(|a, b| a.key.cmp(&b.key));
        self.rewrites.dedup_by(|a, b| a.key == b.key);
        self.delete_also([]);
    }

    /// Writes `redirects`, each in place of what else is planned at its
    /// key (the last of them, where two have one key), but a file: a key
    /// the plan uploads keeps its file.
    pub fn redirect(&mut self, redirects: impl IntoIterator<Item = Upload>) {
        let files: BTreeSet<&str> = self.uploads.iter().map(|up| up.key.as_str()).collect();
        let mut added = BTreeMap::new();
        for upload in redirects
            .into_iter()
            .filter(|up| !files.contains(up.key.as_str()))
        {
            added.insert(upload.key.clone(), upload);
        }
        if added.is_empty() {
            return;
        }
        self.rewrites
            .retain(|planned| !added.contains_key(&planned.key));
        self.redirects
            .retain(|planned| !added.contains_key(&planned.key));
        self.redirects.extend(added.into_values());
        self.redirects.sort_by(|a, b| a.key.cmp(&b.key));
        self.delete_also([]);
    }

    /// Adds keys to delete, and puts every delete in its phase. A key that is
    /// also written is not deleted: a file replaced in one change would be lost.
    pub fn delete_also(&mut self, keys: impl IntoIterator<Item = String>) {
        let written: BTreeSet<String> =
            self.written_keys().into_iter().map(str::to_owned).collect();
        let gone: BTreeSet<String> = std::mem::take(&mut self.clear)
            .into_iter()
            .chain(std::mem::take(&mut self.deletes))
            .chain(keys)
            .filter(|k| !written.contains(k))
            .collect();
        (self.clear, self.deletes) = {
            let blocks = self.blocks();
            gone.into_iter().partition(|k| blocks(k))
        };
    }

    /// Moves the deletes for which `first` holds to the phase before the
    /// uploads: keys a streamed upload goes beneath (the plan does not hold
    /// those uploads to tell).
    pub fn clear_first(&mut self, first: impl Fn(&str) -> bool) {
        let (now, later) = std::mem::take(&mut self.deletes)
            .into_iter()
            .partition(|key| first(key));
        self.deletes = later;
        self.clear.extend::<Vec<String>>(now);
        self.clear.sort();
    }

    /// Takes the deletes of the last phase out of the plan (those of the
    /// clear phase stay): they wait instead (see [`crate::planner::defer`]).
    pub fn take_deletes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.deletes)
    }

    /// Whether an object the plan writes goes beneath a key, or above it:
    /// then that key must be deleted before it. A redirect is an object
    /// written too.
    pub fn blocks(&self) -> impl Fn(&str) -> bool + '_ {
        let written = self.uploads.iter().chain(&self.redirects);
        let written: BTreeSet<&str> = written.map(|u| u.key.as_str()).collect();
        move |key| blocks_upload(key, &written)
    }

    /// Adds keys to delete, each in its phase, leaving the phases of the
    /// others as they are: a key an object goes beneath, or that `first`
    /// says, in the clear phase; a key also written not at all.
    pub fn delete_after(
        &mut self,
        keys: impl IntoIterator<Item = String>,
        first: impl Fn(&str) -> bool,
    ) {
        let (clear, deletes): (Vec<String>, Vec<String>) = {
            let (written, blocks) = (self.written_keys(), self.blocks());
            let keys = keys
                .into_iter()
                .filter(|key| !written.contains(key.as_str()));
            keys.partition(|key| first(key) || blocks(key))
        };
        self.clear.extend(clear);
        self.deletes.extend(deletes);
        for keys in [&mut self.clear, &mut self.deletes] {
            keys.sort();
            keys.dedup();
        }
    }

    /// Keeps `key` out of every delete: it is not the publish's to delete.
    pub fn keep(&mut self, keep: impl Fn(&str) -> bool) {
        self.clear.retain(|key| !keep(key));
        self.deletes.retain(|key| !keep(key));
    }

    /// Notes what is not published, and why.
    pub fn skip(&mut self, skipped: impl IntoIterator<Item = Skipped>) {
        self.skipped.extend(skipped);
    }
}

/// Why a change cannot be published as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PlanError {
    #[error("key {key:?} is {bytes} bytes long; S3 allows at most {MAX_KEY_BYTES}")]
    KeyTooLong { key: String, bytes: usize },
    #[error(
        "{path} is named as the {} twin of {twin_of} would be, and svn2s3 writes that twin \
         there; rename it, or leave it out with `exclude:`",
        encoding.content_encoding()
    )]
    TwinNamed {
        path: String,
        twin_of: String,
        encoding: Encoding,
    },
    #[error("{path}: svn2s3:redirect {} {why}", header::shown(value))]
    BadRedirect {
        path: String,
        value: String,
        why: String,
    },
    #[error("{path}: {given_by} {} {why}", header::shown(value))]
    BadHeader {
        path: String,
        /// The property or the setting the value comes from.
        given_by: String,
        value: String,
        why: String,
    },
    #[error(
        "{path}: svn2s3 keeps its state in {STATE_FOLDER}/ folders, where no file of the tree \
         is written; leave it out of the publish with `exclude: [\"{pattern}\"]`"
    )]
    Reserved { path: String, pattern: String },
    #[error(
        "{path} would be written to {key}, under {prefix}, where another publish keeps its \
         state ({prefix}{STATE_FOLDER}/); publish one of them under another prefix"
    )]
    Foreign {
        path: String,
        key: String,
        prefix: String,
    },
    #[error(
        "{prefix} holds {count} object{} and no state: not a preview svn2s3 made, which a \
         preview there would overwrite; move them, or set another `previews: prefix:`",
        if *count == 1 { "" } else { "s" }
    )]
    NotAPreview { prefix: String, count: usize },
    #[error(
        "refusing to delete {count} object{}, more than --max-delete {most}; raise it if that is \
         intended",
        if *count == 1 { "" } else { "s" }
    )]
    TooManyDeletes { count: usize, most: usize },
    #[error(
        "the state object says {key:?} was removed and waits to be deleted, but {why}: svn2s3 \
         never writes that; take it out of `removed:` in {prefix}{STATE_FOLDER}/state.yaml"
    )]
    NotWaiting {
        key: String,
        prefix: String,
        why: &'static str,
    },
}

/// What one file of the tree becomes in the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Objects {
    /// Nothing: an excluded path.
    Excluded,
    /// Nothing, and the report says why.
    Skipped(&'static str),
    /// The file and its twins.
    Written(Vec<Upload>),
    /// A redirect, written once its target is known to be published (see
    /// [`crate::planner`]).
    Redirect(Box<Link>),
}

impl Objects {
    /// The objects written, none when excluded, skipped or a redirect.
    pub fn uploads(&self) -> &[Upload] {
        match self {
            Objects::Written(uploads) => uploads,
            Objects::Excluded | Objects::Skipped(_) | Objects::Redirect(_) => &[],
        }
    }
}

/// A file of the tree whose object is a redirect: a symbolic link, or a
/// file with `svn2s3:redirect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// The file's path.
    pub path: String,
    pub key: String,
    pub headers: Headers,
    pub target: Target,
    /// Where it leads, as written: for messages.
    pub written: String,
    pub by: By,
}

/// Where a redirect leads, as its file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A path of the tree, from its root; `folder` when it was written
    /// with a trailing `/`.
    Path { path: String, folder: bool },
    /// An `http(s)://` URL, outside the tree.
    Url(String),
}

/// What makes a file a redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    /// `svn2s3:redirect`: a redirect that cannot be written is refused.
    Property,
    /// A symbolic link: one that cannot be written is skipped, and said so.
    Symlink,
}

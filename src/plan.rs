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

/// Glob patterns matched against a path relative to the published folder.
/// `*` matches across `/`, as in `aws s3 sync --exclude`.
///
/// ```
/// use svn2s3::plan::Globs;
///
/// let drafts = Globs::new(&["*.psd", "drafts/**"]).unwrap();
/// assert!(drafts.is_match("art/cover.psd"));
/// assert!(drafts.is_match("drafts/2026/notes.txt"));
/// assert!(!drafts.is_match("index.html"));
/// ```
#[derive(Debug, Clone)]
pub struct Globs {
    set: GlobSet,
    patterns: Vec<String>,
}

impl Globs {
    /// Globs of `patterns`; an invalid pattern is an error.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Globs, globset::Error> {
        let mut set = GlobSetBuilder::new();
        for pattern in patterns {
            set.add(
                GlobBuilder::new(pattern.as_ref())
                    .literal_separator(false)
                    .build()?,
            );
        }
        Ok(Globs {
            set: set.build()?,
            patterns: patterns.iter().map(|p| p.as_ref().to_owned()).collect(),
        })
    }

    /// Globs that match nothing.
    pub fn empty() -> Globs {
        Globs::new::<&str>(&[]).expect("no patterns always build")
    }

    /// Whether a `/`-separated path relative to the published folder matches.
    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }

    /// The patterns, as given.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// Header rules (`headers:` in svn2s3.yaml), each as written and its
/// pattern compiled; the first that matches a file wins.
#[derive(Debug, Clone, Default)]
pub struct HeaderRules {
    rules: Vec<(HeaderRule, Globs)>,
}

impl HeaderRules {
    /// The rules, in order; an invalid pattern is an error naming its rule's index.
    pub fn new(rules: Vec<HeaderRule>) -> Result<HeaderRules, (usize, globset::Error)> {
        let rules = rules
            .into_iter()
            .enumerate()
            .map(|(at, rule)| {
                let globs = Globs::new(&[&rule.pattern]).map_err(|err| (at, err))?;
                Ok((rule, globs))
            })
            .collect::<Result<_, _>>()?;
        Ok(HeaderRules { rules })
    }

    /// The first rule that matches `path`.
    pub fn first_match(&self, path: &str) -> Option<&HeaderRule> {
        (self.rules.iter())
            .find(|(_, globs)| globs.is_match(path))
            .map(|(rule, _)| rule)
    }

    /// The rules, as written.
    pub fn written(&self) -> impl Iterator<Item = &HeaderRule> {
        self.rules.iter().map(|(rule, _)| rule)
    }
}

/// The properties, set on a file or a folder above it, that give its
/// object a header (the nearest one wins, and beats a header rule; see
/// [`header::HEADERS`]) or make it a redirect.
pub mod props {
    use crate::header::HEADERS;

    /// A path (from the file's folder, or from the published folder's root
    /// when it starts with `/`) or an `http(s)://` URL: the object becomes
    /// a redirect to it.
    pub const REDIRECT: &str = "svn2s3:redirect";

    /// Whether svn2s3 reads the property `name`.
    pub fn is_ours(name: &str) -> bool {
        name == REDIRECT || HEADERS.iter().any(|header| header.property == name)
    }
}

/// Properties of a node, name to value.
pub type Props = BTreeMap<String, String>;

/// How paths become keys and what each object carries.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Put before every key: "" or a string ending in `/`.
    pub prefix: String,
    /// Files never published, never checked and never deleted from the bucket.
    pub exclude: Globs,
    /// Files that get a gzip twin, when gzip twins are enabled.
    pub gzip: Option<Globs>,
    /// Files that get a brotli twin, when brotli twins are enabled.
    pub brotli: Option<Globs>,
    /// Header rules; the first that matches a file wins.
    pub headers: HeaderRules,
    /// A canned ACL for every uploaded object (never the state object).
    pub acl: Option<String>,
    /// A file moved with history leaves a redirect at its old key, and a
    /// symbolic link inside the tree publishes as a redirect to its target.
    pub redirects: bool,
    /// The svn2s3 properties the published folder inherits from the folders
    /// above it in the repository, under every file's own.
    pub inherited: Props,
}

impl Rules {
    /// Rules that publish every file to `prefix` with no extra headers.
    pub fn new(prefix: impl Into<String>) -> Rules {
        Rules {
            prefix: prefix.into(),
            exclude: Globs::empty(),
            gzip: None,
            brotli: None,
            headers: HeaderRules::default(),
            acl: None,
            redirects: false,
            inherited: Props::new(),
        }
    }

    /// Whether `key`, under the prefix, is of an excluded path: such keys
    /// are never deleted, nor reported as extra.
    pub fn is_excluded_key(&self, key: &str) -> bool {
        key.strip_prefix(&self.prefix)
            .is_some_and(|path| self.exclude.is_match(path))
    }

    /// The twins a file gets.
    pub(crate) fn twins(&self, path: &str) -> Vec<Encoding> {
        [
            (Encoding::Gzip, &self.gzip),
            (Encoding::Brotli, &self.brotli),
        ]
        .into_iter()
        .filter(|(_, globs)| globs.as_ref().is_some_and(|g| g.is_match(path)))
        .map(|(encoding, _)| encoding)
        .collect()
    }
}

/// How a twin is compressed. S3 and CloudFront serve objects as stored, so a
/// site that wants compressed css and js stores a compressed twin beside
/// each file and links to it when the browser accepts the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `Content-Encoding: gzip`, named `*.gz.css`.
    Gzip,
    /// `Content-Encoding: br`, named `*.br.css`: smaller, and every current
    /// browser accepts it.
    Brotli,
}

impl Encoding {
    /// What a twin's name holds: `.gz` or `.br`.
    fn mark(self) -> &'static str {
        match self {
            Encoding::Gzip => ".gz",
            Encoding::Brotli => ".br",
        }
    }

    /// The `Content-Encoding` of its twins.
    pub fn content_encoding(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Brotli => "br",
        }
    }

    /// The path of a file's twin: `.gz` or `.br` goes before the last
    /// extension of the file name, because Safari mishandles compressed
    /// objects whose names end in `.gz`.
    ///
    /// ```
    /// use svn2s3::plan::Encoding;
    ///
    /// assert_eq!(Encoding::Gzip.twin_path("css/site.css"), "css/site.gz.css");
    /// assert_eq!(Encoding::Gzip.twin_path("js/app.min.js"), "js/app.min.gz.js");
    /// assert_eq!(Encoding::Brotli.twin_path("css/site.css"), "css/site.br.css");
    /// assert_eq!(Encoding::Gzip.twin_path("LICENSE"), "LICENSE.gz");
    /// ```
    pub fn twin_path(self, path: &str) -> String {
        let mark = self.mark();
        let name_at = path.rfind('/').map_or(0, |slash| slash + 1);
        match path[name_at..].rfind('.') {
            // A leading dot starts a hidden name, not an extension.
            Some(dot) if dot > 0 => {
                let at = name_at + dot;
                format!("{}{mark}{}", &path[..at], &path[at..])
            }
            _ => format!("{path}{mark}"),
        }
    }
}
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
            Content::File { local, .. } => Some(local),
            Content::Redirect { .. } => None,
        }
    }

    /// How a twin is compressed; `None` for a file itself or a redirect.
    pub fn encoding(&self) -> Option<Encoding> {
        match self.content {
            Content::File { encoding, .. } => encoding,
            Content::Redirect { .. } => None,
        }
    }

    /// Where a redirect sends a browser; `None` for a file.
    pub fn location(&self) -> Option<&str> {
        match &self.content {
            Content::Redirect { location } => Some(location),
            Content::File { .. } => None,
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
        // A redirect is an object written too: a key it goes beneath goes first.
        let written = self.uploads.iter().chain(&self.redirects);
        let uploaded: BTreeSet<&str> = written.map(|u| u.key.as_str()).collect();
        (self.clear, self.deletes) = gone.into_iter().partition(|k| blocks_upload(k, &uploaded));
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
        "refusing to delete {count} objects, more than --max-delete {most}; raise it if that is intended"
    )]
    TooManyDeletes { count: usize, most: usize },
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

/// The objects `file` becomes under `rules`: itself and its twins, or a
/// redirect (a file with `svn2s3:redirect`, or a symbolic link inside the
/// tree), or nothing. Every header value is checked here, and every key.
pub(crate) fn objects(file: &File, rules: &Rules) -> Result<Objects, PlanError> {
    if rules.exclude.is_match(&file.path) {
        return Ok(Objects::Excluded);
    }
    let key = key(rules, &file.path)?;
    if let Some((source, encoding)) = twin_of(&file.path, rules) {
        return Err(PlanError::TwinNamed {
            path: file.path.clone(),
            twin_of: source,
            encoding,
        });
    }
    let redirect = match redirect_of(file, rules)? {
        Redirect::Not => None,
        Redirect::To(target, written, by) => Some((target, written, by)),
        Redirect::Skip(why) => return Ok(Objects::Skipped(why)),
    };
    let headers = headers_for(file, rules)?;
    if let Some((target, written, by)) = redirect {
        return Ok(Objects::Redirect(Box::new(Link {
            path: file.path.clone(),
            key,
            headers,
            target,
            written,
            by,
        })));
    }
    let mut uploads = Vec::new();
    for encoding in rules.twins(&file.path) {
        uploads.push(Upload {
            key: self::key(rules, &encoding.twin_path(&file.path))?,
            content: Content::File {
                local: file.local.clone(),
                encoding: Some(encoding),
            },
            headers: Headers {
                content_encoding: Some(encoding.content_encoding()),
                ..headers.clone()
            },
        });
    }
    uploads.push(Upload {
        key,
        content: Content::File {
            local: file.local.clone(),
            encoding: None,
        },
        headers,
    });
    Ok(Objects::Written(uploads))
}

/// The headers of the redirect left at the key of `path`, a file that
/// moved away: the rules', as for a file with no properties.
pub(crate) fn moved_headers(path: &str, rules: &Rules) -> Result<Headers, PlanError> {
    let file = File {
        path: path.to_owned(),
        ..File::default()
    };
    headers_for(&file, rules)
}

/// The keys a file at `path` may have had under `rules`: itself and every
/// twin. None for a path svn2s3 never writes (excluded, or in a state
/// folder), whose keys are never its to delete.
pub(crate) fn keys_of(path: &str, rules: &Rules) -> Result<Vec<String>, PlanError> {
    if rules.exclude.is_match(path) || is_reserved(path) {
        return Ok(Vec::new());
    }
    let mut keys = vec![key(rules, path)?];
    for encoding in rules.twins(path) {
        keys.push(key(rules, &encoding.twin_path(path))?);
    }
    Ok(keys)
}

/// The file, and the encoding, of which a file at `path` would be the
/// twin, when the rules give that file such a twin. A file of the tree may
/// not be named so (`site.gz.css` where `*.css` files get gzip twins):
/// whether the file it would be the twin of exists or not, in this change
/// or another, the keys of the two could not be told apart.
pub(crate) fn twin_of(path: &str, rules: &Rules) -> Option<(String, Encoding)> {
    let name_at = path.rfind('/').map_or(0, |slash| slash + 1);
    let (folder, name) = path.split_at(name_at);
    for encoding in [Encoding::Gzip, Encoding::Brotli] {
        let mark = encoding.mark();
        // The mark goes before the last extension, or after a name without one.
        let before_extension = name.rfind('.').and_then(|dot| {
            let (head, extension) = name.split_at(dot);
            Some(format!("{}{extension}", head.strip_suffix(mark)?))
        });
        let appended = name.strip_suffix(mark).map(str::to_owned);
        for source in before_extension.into_iter().chain(appended) {
            let source = format!("{folder}{source}");
            if !source.ends_with('/')
                && encoding.twin_path(&source) == path
                && rules.twins(&source).contains(&encoding)
            {
                return Some((source, encoding));
            }
        }
    }
    None
}

/// Whether a file's object is a redirect.
enum Redirect {
    Not,
    /// Where it leads, and that as written.
    To(Target, String, By),
    Skip(&'static str),
}

/// The redirect `file` publishes as, from its `svn2s3:redirect` property,
/// else from where its symbolic link points: where it leads, as written.
fn redirect_of(file: &File, rules: &Rules) -> Result<Redirect, PlanError> {
    let property = file
        .props
        .get(props::REDIRECT)
        .or_else(|| rules.inherited.get(props::REDIRECT))
        .map(|value| value.trim())
        .filter(|value| !value.is_empty());
    if let Some(value) = property {
        let bad = |why: &str| PlanError::BadRedirect {
            path: file.path.clone(),
            value: value.to_owned(),
            why: why.to_owned(),
        };
        if value.chars().any(char::is_control) {
            return Err(bad("holds control characters"));
        }
        if value.contains('\u{fffd}') {
            return Err(bad("holds bytes that are not UTF-8"));
        }
        let url = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"));
        let target = if let Some(rest) = url {
            if value.chars().any(|c| c.is_whitespace() || !c.is_ascii()) {
                return Err(bad(
                    "is not a URL: it holds spaces or characters outside ASCII",
                ));
            }
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if host.contains('@') {
                return Err(bad(
                    "holds a user name or password, which the redirect would show to everyone",
                ));
            }
            let fit = |c: char| c.is_ascii_alphanumeric() || "._-:[]".contains(c);
            if host.is_empty() {
                return Err(bad("is not a URL: it names no host"));
            }
            if !host.chars().all(fit) {
                return Err(bad(
                    "is not a URL: its host holds characters no host name has",
                ));
            }
            Target::Url(value.to_owned())
        } else {
            let path = match value.strip_prefix('/') {
                Some(from_root) => resolve("", from_root),
                None => resolve(folder_of(&file.path), value),
            };
            let (path, folder) = path.ok_or_else(|| bad("leads outside the published folder"))?;
            Target::Path { path, folder }
        };
        if location_of(&target, &rules.prefix).len() > MAX_LOCATION_BYTES {
            return Err(bad("is longer than the 2 KB S3 allows"));
        }
        return Ok(Redirect::To(target, value.to_owned(), By::Property));
    }
    let Some(link) = &file.link else {
        return Ok(Redirect::Not);
    };
    if !rules.redirects {
        return Ok(Redirect::Skip(
            "a symbolic link (svn:special), published as a redirect only with `redirects: true`",
        ));
    }
    match resolve(folder_of(&file.path), link).filter(|_| !link.starts_with('/')) {
        Some((path, folder)) => {
            let target = Target::Path { path, folder };
            if location_of(&target, &rules.prefix).len() > MAX_LOCATION_BYTES {
                return Ok(Redirect::Skip("a symbolic link longer than S3 allows"));
            }
            Ok(Redirect::To(target, link.clone(), By::Symlink))
        }
        None => Ok(Redirect::Skip(
            "a symbolic link to outside the published folder",
        )),
    }
}

/// S3 keeps at most this much of `x-amz-website-redirect-location`.
const MAX_LOCATION_BYTES: usize = 2048;

/// The folder of a `/`-separated path, "" at the root.
pub(crate) fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// `relative` (which may hold `.` and `..`) from the folder `base`, as a
/// path from the published folder's root, and whether it was written as a
/// folder (with a trailing `/`); `None` when it climbs out.
fn resolve(base: &str, relative: &str) -> Option<(String, bool)> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            name => parts.push(name),
        }
    }
    let folder = relative.ends_with('/') || relative.ends_with("/.") || relative == ".";
    Some((parts.join("/"), folder || parts.is_empty()))
}

/// Where a redirect to `target` sends a browser, the keys under `prefix`.
pub(crate) fn location_of(target: &Target, prefix: &str) -> String {
    match target {
        Target::Url(url) => url.clone(),
        Target::Path { path, folder } => location(prefix, path, *folder),
    }
}

/// The redirect location of the key of `path` under `prefix`: `/` then the
/// key, percent-encoded but for its slashes; a folder ends in `/`.
pub(crate) fn location(prefix: &str, path: &str, folder: bool) -> String {
    let mut location = String::from("/");
    for byte in format!("{prefix}{path}").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                location.push(byte as char)
            }
            _ => location.push_str(&format!("%{byte:02X}")),
        }
    }
    if folder && !location.ends_with('/') {
        location.push('/');
    }
    location
}

/// True when `key` and an uploaded key cannot both exist as a file and a
/// folder of the same name (`a` and `a/b`), so `key` must go first.
fn blocks_upload(key: &str, uploaded: &BTreeSet<&str>) -> bool {
    let folder = format!("{key}/");
    let under = uploaded
        .range(folder.as_str()..)
        .next()
        .is_some_and(|k| k.starts_with(&folder));
    let above = key
        .match_indices('/')
        .any(|(at, _)| uploaded.contains(&key[..at]));
    under || above
}

/// Whether `path` is, or is inside, a folder named as svn2s3's state
/// folders are: no file of the tree is written there, at any depth, so
/// that no file of a tree looks like (or replaces) a publish's state.
pub(crate) fn is_reserved(path: &str) -> bool {
    path.split('/').any(|part| part == STATE_FOLDER)
}

/// The object key of a path: the prefix, then the path.
pub(crate) fn key(rules: &Rules, path: &str) -> Result<String, PlanError> {
    if is_reserved(path) {
        let parts: Vec<&str> = path.split('/').collect();
        let at = parts.iter().position(|part| *part == STATE_FOLDER);
        let pattern = match at {
            Some(at) if at + 1 < parts.len() => format!("{}/**", parts[..=at].join("/")),
            _ => path.to_owned(),
        };
        return Err(PlanError::Reserved {
            path: path.to_owned(),
            pattern,
        });
    }
    let key = format!("{}{}", rules.prefix, path);
    if key.len() > MAX_KEY_BYTES {
        return Err(PlanError::KeyTooLong {
            bytes: key.len(),
            key,
        });
    }
    Ok(key)
}

/// What `svn add` sets as `svn:mime-type` on every file it finds binary: a
/// marker, not a choice, so the extension says more.
const SVN_BINARY: &str = "application/octet-stream";

/// The headers of `file`'s object, every value checked (see [`header`]):
/// its svn properties (its own, a folder's, or one from above the
/// published folder) over the first header rule that matches it.
fn headers_for(file: &File, rules: &Rules) -> Result<Headers, PlanError> {
    // `given_by`: the property, or the header rule, the value came from.
    let checked = |name: Name, given_by: &str, value: String| match header::value(name, &value) {
        Ok(sent) => Ok(sent.into_owned()),
        Err(why) => Err(PlanError::BadHeader {
            path: file.path.clone(),
            given_by: given_by.to_owned(),
            value,
            why,
        }),
    };
    let content_type = match file.mime_type.as_deref().map(str::trim) {
        Some(mime) if mime != SVN_BINARY && !mime.is_empty() => {
            checked(Name::ContentType, "svn:mime-type", mime.to_owned())?
        }
        _ => mime_guess::from_path(&file.path)
            .first_raw()
            .unwrap_or("application/octet-stream")
            .to_owned(),
    };
    let rule = rules.headers.first_match(&file.path);
    let mut values = header::Values::default();
    for header in HEADERS {
        // A property beats the rule; an empty one takes the header away.
        let property = header.property;
        let given = (file.props.get(property)).or_else(|| rules.inherited.get(property));
        let (value, given_by) = match given {
            Some(value) => (
                Some(value.trim()).filter(|value| !value.is_empty()),
                property,
            ),
            None => (
                rule.and_then(|rule| rule.values.get(header.name)),
                "the header rule",
            ),
        };
        if let Some(value) = value {
            values.set(
                header.name,
                checked(header.name, given_by, value.to_owned())?,
            );
        }
    }
    Ok(Headers {
        content_type,
        content_encoding: None,
        values,
        acl: rules.acl.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> File {
        File::at(path)
    }

    fn changes(uploads: &[&str], deletes: &[&str]) -> Changeset {
        Changeset {
            uploads: uploads.iter().map(|p| file(p)).collect(),
            deletes: deletes.iter().map(|p| p.to_string()).collect(),
            ..Changeset::default()
        }
    }

    #[test]
    fn merged_changesets_name_each_path_once() {
        let mut since_published = changes(&["a.css", "b.js"], &["old.png", "z.txt"]);
        let since_cut_off = changes(&["b.js", "c.html"], &["gone.txt", "z.txt"]);
        since_published.merge(since_cut_off);
        let paths: Vec<&str> = since_published
            .uploads
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(paths, ["a.css", "b.js", "c.html"]);
        assert_eq!(since_published.deletes, ["gone.txt", "old.png", "z.txt"]);
    }

    fn twin_path(path: &str) -> String {
        Encoding::Gzip.twin_path(path)
    }

    #[test]
    fn twin_names_put_gz_before_the_last_extension() {
        assert_eq!(twin_path("css/site.css"), "css/site.gz.css");
        assert_eq!(twin_path("js/app.min.js"), "js/app.min.gz.js");
        assert_eq!(twin_path("LICENSE"), "LICENSE.gz");
        assert_eq!(twin_path("v1.2/LICENSE"), "v1.2/LICENSE.gz");
        assert_eq!(twin_path(".htaccess"), ".htaccess.gz");
        assert_eq!(twin_path("conf/.env.js"), "conf/.env.gz.js");
    }

    #[test]
    fn a_file_named_as_a_twin_would_be_is_refused_when_such_twins_are_made() {
        let rules = Rules {
            gzip: Some(Globs::new(&["*.css", "*.js"]).unwrap()),
            brotli: Some(Globs::new(&["*.css"]).unwrap()),
            ..Rules::new("static/")
        };
        assert_eq!(
            twin_of("a/site.gz.css", &rules),
            Some(("a/site.css".into(), Encoding::Gzip))
        );
        assert_eq!(
            twin_of("site.br.css", &rules),
            Some(("site.css".into(), Encoding::Brotli))
        );
        assert_eq!(
            twin_of("app.min.gz.js", &rules),
            Some(("app.min.js".into(), Encoding::Gzip))
        );
        // Twins no rule makes, and names that only look alike, are files.
        for path in [
            "app.br.js",
            "site.gz.html",
            "app.js.gz",
            "x.gz",
            ".gz.css",
            "a.gzip.css",
        ] {
            assert_eq!(twin_of(path, &rules), None, "{path}");
        }
        let err = objects(&file("a/site.gz.css"), &rules).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a/site.gz.css is named as the gzip twin of a/site.css would be, and svn2s3 writes \
             that twin there; rename it, or leave it out with `exclude:`"
        );
        let everything = Rules {
            gzip: Some(Globs::new(&["*"]).unwrap()),
            ..Rules::new("")
        };
        assert_eq!(
            twin_of("LICENSE.gz", &everything),
            Some(("LICENSE".into(), Encoding::Gzip))
        );
        assert!(objects(&file("site.gz.css"), &Rules::new("")).is_ok());
    }

    fn uploads(paths: &[&str]) -> Vec<Upload> {
        let rules = Rules::new("");
        let objects = paths
            .iter()
            .map(|path| objects(&file(path), &rules).unwrap());
        objects
            .flat_map(|objects| objects.uploads().to_vec())
            .collect()
    }

    #[test]
    fn stale_keys_join_the_deletes_in_their_phase() {
        let mut plan = Plan::default();
        plan.upload(uploads(&["a/b", "c"]));
        plan.delete_also(["d".to_string()]);
        plan.delete_also(["a".to_string(), "c".to_string(), "e".to_string()]);
        assert_eq!(plan.clear(), ["a"]);
        assert_eq!(plan.deletes(), ["d", "e"]);
    }

    #[test]
    fn a_files_key_never_holds_a_redirect_nor_is_deleted() {
        let mut plan = Plan::default();
        let redirect = |key: &str| {
            Upload::redirect(key.into(), "/b".into(), uploads(&["x"])[0].headers.clone())
        };
        plan.redirect([redirect("a")]);
        plan.delete_also(["a".to_string(), "z".to_string()]);
        assert_eq!(plan.deletes(), ["z"], "a redirected key is not deleted");
        // The file at `a` takes the redirect's place, and its own upload stays.
        plan.upload(uploads(&["a"]));
        assert!(plan.redirects().is_empty());
        plan.redirect([redirect("a")]);
        assert!(
            plan.redirects().is_empty(),
            "a redirect never takes a file's key"
        );
        assert_eq!(plan.uploads()[0].local(), Some(Path::new("/wc/a")));
        plan.rewrite(uploads(&["a", "b"]));
        assert_eq!(plan.rewrites().len(), 1, "an uploaded key is not rewritten");
        assert_eq!(plan.written_keys(), BTreeSet::from(["a", "b"]));
    }

    #[test]
    fn no_file_is_written_in_a_state_folder_at_any_depth() {
        let rules = Rules::new("p/");
        for (path, pattern) in [
            (".svn2s3/state.yaml", ".svn2s3/**"),
            ("docs/.svn2s3/state.yaml", "docs/.svn2s3/**"),
            (".svn2s3", ".svn2s3"),
        ] {
            let err = objects(&file(path), &rules).unwrap_err();
            assert_eq!(
                err,
                PlanError::Reserved {
                    path: path.into(),
                    pattern: pattern.into()
                }
            );
            assert!(
                err.to_string()
                    .contains(&format!("`exclude: [\"{pattern}\"]`")),
                "{err}"
            );
            assert_eq!(keys_of(path, &rules), Ok(Vec::new()), "never deleted");
        }
        // Names that only look alike are files like any other.
        for path in [".svn2s3x/a", "a.svn2s3", "x/.svn2s3.yaml"] {
            assert!(
                matches!(objects(&file(path), &rules), Ok(Objects::Written(_))),
                "{path}"
            );
        }
        let excluded = Rules {
            exclude: Globs::new(&[".svn2s3/**"]).unwrap(),
            ..Rules::new("")
        };
        assert_eq!(
            objects(&file(".svn2s3/state.yaml"), &excluded),
            Ok(Objects::Excluded)
        );
    }

    fn with_props(path: &str, props: &[(&str, &str)]) -> File {
        File {
            props: props
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..file(path)
        }
    }

    #[test]
    fn header_values_are_checked_naming_the_file_and_the_property() {
        let rules = Rules::new("");
        let err = objects(
            &with_props(
                "a.css",
                &[(Name::CacheControl.property(), "max-age=1\r\nX: y")],
            ),
            &rules,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "a.css: svn2s3:cache-control \"max-age=1\\r\\nX: y\" holds the control character \\u{d}, which HTTP cannot carry"
        );
        let typed = File {
            mime_type: Some("text/html; charset=\u{e9}".into()),
            ..file("b.html")
        };
        let err = objects(&typed, &rules).unwrap_err().to_string();
        assert!(err.starts_with("b.html: svn:mime-type "), "{err}");
        let expires = with_props(
            "c.txt",
            &[(Name::Expires.property(), "Thu,\t01 Jan 2026 00:00:00 GMT")],
        );
        let Objects::Written(written) = objects(&expires, &rules).unwrap() else {
            panic!("a file")
        };
        assert_eq!(
            written[0].headers.values.get(Name::Expires),
            Some("Thu, 01 Jan 2026 00:00:00 GMT")
        );
        let named = with_props(
            "d.pdf",
            &[(
                Name::ContentDisposition.property(),
                "attachment; filename=\"menü.pdf\"",
            )],
        );
        let Objects::Written(written) = objects(&named, &rules).unwrap() else {
            panic!("a file")
        };
        assert_eq!(
            written[0].headers.values.get(Name::ContentDisposition),
            Some("attachment; filename=\"men_.pdf\"; filename*=UTF-8''men%C3%BC.pdf")
        );
        // A property holding a control character is refused even where it
        // makes the file a redirect, and a redirect's headers are checked too.
        let redirect = with_props("e.html", &[(props::REDIRECT, "/a\nb.html")]);
        let err = objects(&redirect, &rules).unwrap_err().to_string();
        assert!(err.contains("holds control characters"), "{err}");
        let redirect = with_props(
            "e.html",
            &[
                (props::REDIRECT, "/a.html"),
                (Name::ContentLanguage.property(), "d\u{e9}"),
            ],
        );
        assert!(objects(&redirect, &rules).is_err());
    }

    #[test]
    fn redirects_are_read_as_written_from_the_files_folder() {
        let rules = Rules {
            redirects: true,
            ..Rules::new("p/")
        };
        let target = |file: File| match objects(&file, &rules).unwrap() {
            Objects::Redirect(link) => (link.target, link.by),
            other => panic!("{other:?}"),
        };
        let path = |path: &str, folder| Target::Path {
            path: path.into(),
            folder,
        };
        assert_eq!(
            target(with_props("a/b.html", &[(props::REDIRECT, "../c d.html")])),
            (path("c d.html", false), By::Property)
        );
        assert_eq!(
            target(with_props("a/b.html", &[(props::REDIRECT, "/img/")])),
            (path("img", true), By::Property)
        );
        assert_eq!(
            target(with_props(
                "a/b.html",
                &[(props::REDIRECT, "https://x.org/?a=1")]
            )),
            (Target::Url("https://x.org/?a=1".into()), By::Property)
        );
        let link = File {
            link: Some("../../index.html".into()),
            ..file("a/b/c.html")
        };
        assert_eq!(target(link), (path("index.html", false), By::Symlink));
        let err = objects(
            &with_props("a.html", &[(props::REDIRECT, "https://x.org/a b")]),
            &rules,
        );
        assert!(err.unwrap_err().to_string().contains("is not a URL"));
        for (value, why) in [
            ("https://", "is not a URL: it names no host"),
            ("http:///a.html", "is not a URL: it names no host"),
            (
                "https://x!y.org/",
                "its host holds characters no host name has",
            ),
            ("https://u:secret@x.org/", "holds a user name or password"),
        ] {
            let err = objects(&with_props("a.html", &[(props::REDIRECT, value)]), &rules);
            let err = err.unwrap_err().to_string();
            assert!(err.contains(why), "{value}: {err}");
        }
        for value in ["https://x.org", "http://[::1]:8080/a", "https://x.org#top"] {
            let ok = objects(&with_props("a.html", &[(props::REDIRECT, value)]), &rules);
            assert!(ok.is_ok(), "{value}");
        }
        assert_eq!(location("p/", "a b/ü", false), "/p/a%20b/%C3%BC");
        assert_eq!(location("p/", "img", true), "/p/img/");
    }
}

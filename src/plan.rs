//! From files that changed to the requests that publish them. Pure: no I/O,
//! so every rule of DESIGN.md about keys, headers, twins and order is unit-tested here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

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

/// Headers given to every file that matches `pattern`; the first matching rule wins.
#[derive(Debug, Clone)]
pub struct HeaderRule {
    /// The files the rule is for.
    pub pattern: Globs,
    /// `Cache-Control` of their objects.
    pub cache_control: Option<String>,
    /// `Content-Disposition` of their objects.
    pub content_disposition: Option<String>,
    /// `Content-Language` of their objects.
    pub content_language: Option<String>,
}

/// The properties, set on a file or a folder above it, that give its
/// object a header (the nearest one wins, and beats a header rule) or make
/// it a redirect.
pub mod props {
    /// `Cache-Control`.
    pub const CACHE_CONTROL: &str = "svn2s3:cache-control";
    /// `Content-Disposition`.
    pub const CONTENT_DISPOSITION: &str = "svn2s3:content-disposition";
    /// `Content-Language`.
    pub const CONTENT_LANGUAGE: &str = "svn2s3:content-language";
    /// `Expires`.
    pub const EXPIRES: &str = "svn2s3:expires";
    /// A path (from the file's folder, or from the published folder's root
    /// when it starts with `/`) or an `http(s)://` URL: the object becomes
    /// a redirect to it.
    pub const REDIRECT: &str = "svn2s3:redirect";
    /// Every property svn2s3 reads.
    pub const ALL: &[&str] = &[
        CACHE_CONTROL,
        CONTENT_DISPOSITION,
        CONTENT_LANGUAGE,
        EXPIRES,
        REDIRECT,
    ];

    /// Whether svn2s3 reads the property `name`.
    pub fn is_ours(name: &str) -> bool {
        ALL.contains(&name)
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
    pub headers: Vec<HeaderRule>,
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
            headers: Vec::new(),
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
        let mark = match self {
            Encoding::Gzip => ".gz",
            Encoding::Brotli => ".br",
        };
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

    /// Every path that is a file of the tree after the change.
    pub fn published_paths(&self) -> BTreeSet<&str> {
        self.uploads.iter().map(|file| file.path.as_str()).collect()
    }
}

/// The HTTP headers an object is stored with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Headers {
    pub content_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
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

/// The requests of one publish, in the order they must run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Deletes that must finish before any upload: each key is a folder of an
    /// uploaded key, or has an uploaded key as its folder.
    pub clear: Vec<String>,
    /// Files (and symbolic links or files that are redirects) written.
    pub uploads: Vec<Upload>,
    /// Objects whose bytes are right and whose headers are not: each is
    /// copied onto itself with the headers replaced, nothing uploaded.
    pub rewrites: Vec<Upload>,
    /// Redirects left where files moved away; they run with the deletes,
    /// after every upload, so that none points at an object not there yet.
    pub redirects: Vec<Upload>,
    /// Deletes that run after every upload, so a live page never links to an
    /// object that is already gone.
    pub deletes: Vec<String>,
    pub skipped: Vec<Skipped>,
}

impl Plan {
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

    /// Writes a redirect at `key` in place of deleting it.
    pub fn redirect(&mut self, upload: Upload) {
        self.deletes.retain(|key| *key != upload.key);
        self.redirects.retain(|planned| planned.key != upload.key);
        self.redirects.push(upload);
        self.redirects.sort_by(|a, b| a.key.cmp(&b.key));
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
        let uploaded: BTreeSet<&str> = self.uploads.iter().map(|u| u.key.as_str()).collect();
        (self.clear, self.deletes) = gone.into_iter().partition(|k| blocks_upload(k, &uploaded));
    }
}

/// Why a change cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PlanError {
    #[error("key {key:?} is {bytes} bytes long; S3 allows at most {MAX_KEY_BYTES}")]
    KeyTooLong { key: String, bytes: usize },
    #[error("the {} twin of {path} would be {key:?}, which is also a file of the tree", encoding.content_encoding())]
    TwinCollides {
        path: String,
        key: String,
        encoding: Encoding,
    },
    #[error("{path}: svn2s3:redirect {value:?} {why}")]
    BadRedirect {
        path: String,
        value: String,
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
    /// The file and its twins, or a redirect.
    Written(Vec<Upload>),
}

impl Objects {
    /// The objects written, none when excluded or skipped.
    pub fn uploads(&self) -> &[Upload] {
        match self {
            Objects::Written(uploads) => uploads,
            Objects::Excluded | Objects::Skipped(_) => &[],
        }
    }
}

/// The objects `file` becomes under `rules`: itself and its twins, or a
/// redirect (a file with `svn2s3:redirect`, or a symbolic link inside the
/// tree), or nothing.
pub(crate) fn objects(file: &File, rules: &Rules) -> Result<Objects, PlanError> {
    if rules.exclude.is_match(&file.path) {
        return Ok(Objects::Excluded);
    }
    let headers = headers_for(file, rules);
    let key = key(rules, &file.path)?;
    let location = match redirect_of(file, rules)? {
        Redirect::Not => None,
        Redirect::To(location) => Some(location),
        Redirect::Skip(why) => return Ok(Objects::Skipped(why)),
    };
    if let Some(location) = location {
        let content = Content::Redirect { location };
        return Ok(Objects::Written(vec![Upload {
            key,
            content,
            headers,
        }]));
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

/// The redirect left at the key of `path`, a file that moved to `target`.
pub(crate) fn moved_redirect(path: &str, target: &str, rules: &Rules) -> Result<Upload, PlanError> {
    let file = File {
        path: path.to_owned(),
        ..File::default()
    };
    Ok(Upload {
        key: key(rules, path)?,
        content: Content::Redirect {
            location: location(&rules.prefix, target),
        },
        headers: headers_for(&file, rules),
    })
}

/// The keys a file at `path` may have had under `rules`: itself and every twin.
pub(crate) fn keys_of(path: &str, rules: &Rules) -> Result<Vec<String>, PlanError> {
    if rules.exclude.is_match(path) {
        return Ok(Vec::new());
    }
    let mut keys = vec![key(rules, path)?];
    for encoding in rules.twins(path) {
        keys.push(key(rules, &encoding.twin_path(path))?);
    }
    Ok(keys)
}

/// Turns a changeset into the requests that publish it.
pub(crate) fn plan(changes: &Changeset, rules: &Rules) -> Result<Plan, PlanError> {
    let mut uploads = Vec::new();
    let mut skipped = changes.skipped.clone();
    for file in &changes.uploads {
        match objects(file, rules)? {
            Objects::Written(objects) => uploads.extend(objects),
            Objects::Skipped(reason) => skipped.push(Skipped {
                path: file.path.clone(),
                reason,
            }),
            Objects::Excluded => {}
        }
    }
    uploads.sort_by(|a, b| a.key.cmp(&b.key));
    check_twins(&uploads, &changes.uploads)?;

    let mut gone = BTreeSet::new();
    for path in &changes.deletes {
        gone.extend(keys_of(path, rules)?);
    }
    let mut plan = Plan {
        uploads,
        skipped,
        ..Plan::default()
    };
    plan.delete_also(gone);
    Ok(plan)
}

/// Refuses a twin whose key is also a file's.
fn check_twins(uploads: &[Upload], files: &[File]) -> Result<(), PlanError> {
    let plain: BTreeSet<&str> = uploads
        .iter()
        .filter(|u| u.encoding().is_none())
        .map(|u| u.key.as_str())
        .collect();
    match uploads
        .iter()
        .filter_map(|u| Some((u, u.encoding()?)))
        .find(|(u, _)| plain.contains(u.key.as_str()))
    {
        Some((twin, encoding)) => Err(PlanError::TwinCollides {
            path: files
                .iter()
                .find(|f| twin.local() == Some(f.local.as_path()))
                .map_or_else(String::new, |f| f.path.clone()),
            key: twin.key.clone(),
            encoding,
        }),
        None => Ok(()),
    }
}

/// Finds a twin whose key is also a file's, one path at a time, for a
/// walk that keeps no file: it keeps only the twins, and the files whose
/// names could be a twin's (holding `.gz` or `.br`).
#[derive(Debug, Default)]
pub(crate) struct TwinCheck {
    /// Twin path to the file it is made from, and how.
    twins: BTreeMap<String, (String, Encoding)>,
    twinlike: BTreeSet<String>,
}

impl TwinCheck {
    /// Takes note of the file at `path`.
    pub fn see(&mut self, path: &str, rules: &Rules) {
        for encoding in rules.twins(path) {
            let twin = encoding.twin_path(path);
            self.twins.insert(twin, (path.to_owned(), encoding));
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        if name.contains(".gz") || name.contains(".br") {
            self.twinlike.insert(path.to_owned());
        }
    }

    /// Refuses a twin whose path is a file's, as [`plan`] does.
    pub fn check(&self, rules: &Rules) -> Result<(), PlanError> {
        match self
            .twinlike
            .iter()
            .find_map(|path| Some((path, self.twins.get(path)?)))
        {
            Some((twin, (path, encoding))) => Err(PlanError::TwinCollides {
                path: path.clone(),
                key: key(rules, twin)?,
                encoding: *encoding,
            }),
            None => Ok(()),
        }
    }
}

/// Whether a file's object is a redirect.
enum Redirect {
    Not,
    To(String),
    Skip(&'static str),
}

/// The redirect `file` publishes as, from its `svn2s3:redirect` property,
/// else from where its symbolic link points.
fn redirect_of(file: &File, rules: &Rules) -> Result<Redirect, PlanError> {
    let property = file
        .props
        .get(props::REDIRECT)
        .or_else(|| rules.inherited.get(props::REDIRECT))
        .map(|value| value.trim())
        .filter(|value| !value.is_empty());
    if let Some(value) = property {
        let bad = |why| PlanError::BadRedirect {
            path: file.path.clone(),
            value: value.to_owned(),
            why,
        };
        let location = if value.starts_with("https://") || value.starts_with("http://") {
            if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(bad("is not a URL: it holds spaces"));
            }
            value.to_owned()
        } else {
            let path = match value.strip_prefix('/') {
                Some(from_root) => resolve("", from_root),
                None => resolve(folder_of(&file.path), value),
            };
            let path = path.ok_or_else(|| bad("leads outside the published folder"))?;
            location(&rules.prefix, &path)
        };
        if location.len() > MAX_LOCATION_BYTES {
            return Err(bad("is longer than the 2 KB S3 allows"));
        }
        return Ok(Redirect::To(location));
    }
    let Some(target) = &file.link else {
        return Ok(Redirect::Not);
    };
    if !rules.redirects {
        return Ok(Redirect::Skip(
            "a symbolic link (svn:special), published as a redirect only with `redirects: true`",
        ));
    }
    match resolve(folder_of(&file.path), target).filter(|_| !target.starts_with('/')) {
        Some(path) => Ok(Redirect::To(location(&rules.prefix, &path))),
        None => Ok(Redirect::Skip(
            "a symbolic link to outside the published folder",
        )),
    }
}

/// S3 keeps at most this much of `x-amz-website-redirect-location`.
const MAX_LOCATION_BYTES: usize = 2048;

/// The folder of a `/`-separated path, "" at the root.
fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// `relative` (which may hold `.` and `..`) from the folder `base`, as a
/// path from the published folder's root; `None` when it climbs out. A
/// trailing `/` (a folder) is kept.
fn resolve(base: &str, relative: &str) -> Option<String> {
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
    let mut path = parts.join("/");
    if relative.ends_with('/') && !path.is_empty() {
        path.push('/');
    }
    Some(path)
}

/// The redirect location of the key of `path` under `prefix`: `/` then the
/// key, percent-encoded but for its slashes.
pub(crate) fn location(prefix: &str, path: &str) -> String {
    let mut location = String::from("/");
    for byte in format!("{prefix}{path}").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                location.push(byte as char)
            }
            _ => location.push_str(&format!("%{byte:02X}")),
        }
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

/// The object key of a path: the prefix, then the path.
pub(crate) fn key(rules: &Rules, path: &str) -> Result<String, PlanError> {
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

fn headers_for(file: &File, rules: &Rules) -> Headers {
    let content_type = file
        .mime_type
        .clone()
        .filter(|mime| mime != SVN_BINARY)
        .or_else(|| {
            mime_guess::from_path(&file.path)
                .first_raw()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let rule = rules
        .headers
        .iter()
        .find(|rule| rule.pattern.is_match(&file.path));
    // A property (the file's, a folder's, or one from above the published
    // folder) beats the rule; an empty one takes the header away.
    let header = |name: &str, from_rule: Option<&Option<String>>| -> Option<String> {
        match file.props.get(name).or_else(|| rules.inherited.get(name)) {
            Some(value) => Some(value.trim().to_owned()).filter(|value| !value.is_empty()),
            None => from_rule.cloned().flatten(),
        }
    };
    Headers {
        content_type,
        content_encoding: None,
        cache_control: header(props::CACHE_CONTROL, rule.map(|r| &r.cache_control)),
        content_disposition: header(
            props::CONTENT_DISPOSITION,
            rule.map(|r| &r.content_disposition),
        ),
        content_language: header(props::CONTENT_LANGUAGE, rule.map(|r| &r.content_language)),
        expires: header(props::EXPIRES, None),
        acl: rules.acl.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> File {
        File {
            path: path.to_owned(),
            local: PathBuf::from("/wc").join(path),
            ..File::default()
        }
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

    fn keys(plan: &Plan) -> Vec<&str> {
        plan.uploads.iter().map(|u| u.key.as_str()).collect()
    }

    fn gzip(patterns: &[&str]) -> Rules {
        Rules {
            gzip: Some(Globs::new(patterns).unwrap()),
            ..Rules::new("")
        }
    }

    #[test]
    fn keys_are_the_prefix_then_the_path() {
        let plan = plan(
            &changes(&["css/site.css", "a b+c%d#e?f&g.txt"], &["old.png"]),
            &Rules::new("static/"),
        )
        .unwrap();
        assert_eq!(
            keys(&plan),
            ["static/a b+c%d#e?f&g.txt", "static/css/site.css"]
        );
        assert_eq!(plan.deletes, ["static/old.png"]);
        assert!(plan.clear.is_empty());
    }

    #[test]
    fn an_empty_prefix_publishes_to_the_bucket_root() {
        let plan = plan(&changes(&["index.html"], &[]), &Rules::new("")).unwrap();
        assert_eq!(keys(&plan), ["index.html"]);
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
    fn matching_files_get_a_gzip_twin_with_the_same_headers() {
        let plan = plan(
            &changes(&["css/site.css", "img/a.png"], &[]),
            &gzip(&["*.css"]),
        )
        .unwrap();
        assert_eq!(
            keys(&plan),
            ["css/site.css", "css/site.gz.css", "img/a.png"]
        );
        let (plain, twin) = (&plan.uploads[0], &plan.uploads[1]);
        assert_eq!(
            (twin.encoding(), plain.encoding()),
            (Some(Encoding::Gzip), None)
        );
        assert_eq!(twin.local(), plain.local());
        assert_eq!(twin.headers.content_encoding, Some("gzip"));
        assert_eq!(plain.headers.content_encoding, None);
        assert_eq!(twin.headers.content_type, "text/css");
        assert_eq!(twin.headers.content_type, plain.headers.content_type);
    }

    #[test]
    fn deleting_a_file_deletes_its_twin() {
        let plan = plan(&changes(&[], &["js/app.js", "img/a.png"]), &gzip(&["*.js"])).unwrap();
        assert_eq!(plan.deletes, ["img/a.png", "js/app.gz.js", "js/app.js"]);
    }

    #[test]
    fn brotli_twins_go_beside_gzip_twins_and_with_their_file() {
        let rules = Rules {
            brotli: Some(Globs::new(&["*.css", "*.js"]).unwrap()),
            ..gzip(&["*.css"])
        };
        let planned = plan(
            &changes(&["css/site.css", "js/app.js"], &["old.css"]),
            &rules,
        )
        .unwrap();
        assert_eq!(
            keys(&planned),
            [
                "css/site.br.css",
                "css/site.css",
                "css/site.gz.css",
                "js/app.br.js",
                "js/app.js"
            ]
        );
        let brotli = &planned.uploads[0];
        assert_eq!(brotli.encoding(), Some(Encoding::Brotli));
        assert_eq!(brotli.headers.content_encoding, Some("br"));
        assert_eq!(brotli.headers.content_type, "text/css");
        assert_eq!(planned.deletes, ["old.br.css", "old.css", "old.gz.css"]);

        let err = plan(&changes(&["a.css", "a.br.css"], &[]), &rules).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the br twin of a.css would be \"a.br.css\", which is also a file of the tree"
        );
    }

    #[test]
    fn a_twin_that_is_also_a_file_of_the_tree_is_an_error() {
        let err = plan(
            &changes(&["site.css", "site.gz.css"], &[]),
            &gzip(&["*.css"]),
        )
        .unwrap_err();
        assert!(
            matches!(err, PlanError::TwinCollides { ref key, .. } if key == "site.gz.css"),
            "{err}"
        );
    }

    #[test]
    fn a_walk_that_keeps_no_file_finds_the_same_twin_collisions() {
        let mut rules = Rules::new("static/");
        rules.gzip = Some(Globs::new(&["*.css"]).unwrap());
        let mut check = TwinCheck::default();
        for path in ["a/site.css", "a/site.br.css", "b/x.css", "b/x.gz.txt"] {
            check.see(path, &rules);
        }
        check.check(&rules).unwrap();
        check.see("a/site.gz.css", &rules);
        let err = check.check(&rules).unwrap_err();
        assert!(
            matches!(&err, PlanError::TwinCollides { path, key, .. }
                if path == "a/site.css" && key == "static/a/site.gz.css"),
            "{err}"
        );
    }

    #[test]
    fn content_type_comes_from_svn_mime_type_then_the_extension() {
        let mut typed = file("data.bin");
        typed.mime_type = Some("image/x-custom".into());
        let changes = Changeset {
            uploads: vec![typed, file("a.svg"), file("noext"), file("b.weird-ext")],
            ..Default::default()
        };
        let plan = plan(&changes, &Rules::new("")).unwrap();
        let types: Vec<_> = plan
            .uploads
            .iter()
            .map(|u| (u.key.as_str(), u.headers.content_type.as_str()))
            .collect();
        assert_eq!(
            types,
            [
                ("a.svg", "image/svg+xml"),
                ("b.weird-ext", "application/octet-stream"),
                ("data.bin", "image/x-custom"),
                ("noext", "application/octet-stream"),
            ]
        );
    }

    #[test]
    fn svn_generic_binary_type_gives_way_to_the_extension() {
        let mut video = file("clip.mp4");
        video.mime_type = Some("application/octet-stream".into());
        let mut unknown = file("blob.weird-ext");
        unknown.mime_type = Some("application/octet-stream".into());
        let changes = Changeset {
            uploads: vec![video, unknown],
            ..Default::default()
        };
        let plan = plan(&changes, &Rules::new("")).unwrap();
        assert_eq!(
            plan.uploads[0].headers.content_type,
            "application/octet-stream"
        );
        assert_eq!(plan.uploads[1].headers.content_type, "video/mp4");
    }

    #[test]
    fn the_first_matching_header_rule_wins() {
        let rules = Rules {
            headers: vec![
                HeaderRule {
                    pattern: Globs::new(&["*.css"]).unwrap(),
                    cache_control: Some("max-age=1".into()),
                    content_disposition: None,
                    content_language: None,
                },
                HeaderRule {
                    pattern: Globs::new(&["*"]).unwrap(),
                    cache_control: Some("no-cache".into()),
                    content_disposition: Some("inline".into()),
                    content_language: None,
                },
            ],
            acl: Some("public-read".into()),
            ..Rules::new("")
        };
        let plan = plan(&changes(&["a/site.css", "b.html"], &[]), &rules).unwrap();
        assert_eq!(
            plan.uploads[0].headers.cache_control.as_deref(),
            Some("max-age=1")
        );
        assert_eq!(plan.uploads[0].headers.content_disposition, None);
        assert_eq!(
            plan.uploads[1].headers.cache_control.as_deref(),
            Some("no-cache")
        );
        assert_eq!(
            plan.uploads[1].headers.content_disposition.as_deref(),
            Some("inline")
        );
        assert!(plan
            .uploads
            .iter()
            .all(|u| u.headers.acl.as_deref() == Some("public-read")));
    }

    #[test]
    fn excluded_paths_are_neither_uploaded_nor_deleted() {
        let rules = Rules {
            exclude: Globs::new(&["*.psd", "drafts/**"]).unwrap(),
            ..Rules::new("")
        };
        let plan = plan(
            &changes(
                &["art/x.psd", "drafts/a/b.html", "ok.html"],
                &["drafts/old.txt", "y.psd", "gone.txt"],
            ),
            &rules,
        )
        .unwrap();
        assert_eq!(keys(&plan), ["ok.html"]);
        assert_eq!(plan.deletes, ["gone.txt"]);
    }

    #[test]
    fn a_file_replaced_in_the_same_change_is_not_deleted() {
        let plan = plan(&changes(&["a.txt"], &["a.txt", "b.txt"]), &Rules::new("")).unwrap();
        assert_eq!(keys(&plan), ["a.txt"]);
        assert_eq!(plan.deletes, ["b.txt"]);
    }

    #[test]
    fn a_file_replaced_by_a_folder_is_deleted_before_the_uploads() {
        let plan = plan(
            &changes(&["top/z", "other"], &["top", "unrelated"]),
            &Rules::new("p/"),
        )
        .unwrap();
        assert_eq!(plan.clear, ["p/top"]);
        assert_eq!(plan.deletes, ["p/unrelated"]);
    }

    #[test]
    fn a_folder_replaced_by_a_file_is_deleted_before_the_uploads() {
        let plan = plan(
            &changes(&["top"], &["top/z", "top/y/x", "topper"]),
            &Rules::new(""),
        )
        .unwrap();
        assert_eq!(plan.clear, ["top/y/x", "top/z"]);
        assert_eq!(plan.deletes, ["topper"]);
        assert_eq!(plan.delete_count(), 3);
    }

    #[test]
    fn stale_keys_join_the_deletes_in_their_phase() {
        let mut plan = plan(&changes(&["a/b", "c"], &["d"]), &Rules::new("")).unwrap();
        plan.delete_also(["a".to_string(), "c".to_string(), "e".to_string()]);
        assert_eq!(plan.clear, ["a"]);
        assert_eq!(plan.deletes, ["d", "e"]);
    }

    #[test]
    fn a_key_over_1024_bytes_is_an_error() {
        let long = "é".repeat(512); // 1,024 bytes
        assert!(plan(&changes(&[&long], &[]), &Rules::new("")).is_ok());
        let err = plan(&changes(&[&long], &[]), &Rules::new("p/")).unwrap_err();
        assert!(
            matches!(err, PlanError::KeyTooLong { bytes: 1026, .. }),
            "{err}"
        );
    }

    #[test]
    fn an_empty_changeset_plans_nothing() {
        let plan = plan(&Changeset::default(), &gzip(&["*"])).unwrap();
        assert!(plan.is_empty());
    }
}

//! From files that changed to the requests that publish them. Pure: no I/O,
//! so every rule of DESIGN.md about keys, headers, twins and order is unit-tested here.

use std::collections::BTreeSet;
use std::path::PathBuf;

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
        }
    }

    /// Whether `key`, under the prefix, is of an excluded path: such keys
    /// are never deleted, nor reported as extra.
    pub fn is_excluded_key(&self, key: &str) -> bool {
        key.strip_prefix(&self.prefix)
            .is_some_and(|path| self.exclude.is_match(path))
    }

    /// The twins a file gets.
    fn twins(&self, path: &str) -> Vec<Encoding> {
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct File {
    /// Relative to the published folder, `/`-separated.
    pub path: String,
    /// Where its bytes are on disk.
    pub local: PathBuf,
    /// The `svn:mime-type` property, if set.
    pub mime_type: Option<String>,
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
    pub acl: Option<String>,
}

/// One object to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upload {
    pub key: String,
    /// The file whose bytes (compressed, for a twin) become the object.
    pub local: PathBuf,
    /// How a twin is compressed; `None` for the file itself.
    pub encoding: Option<Encoding>,
    pub headers: Headers,
}

/// The requests of one publish, in the order they must run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Deletes that must finish before any upload: each key is a folder of an
    /// uploaded key, or has an uploaded key as its folder.
    pub clear: Vec<String>,
    pub uploads: Vec<Upload>,
    /// Deletes that run after every upload, so a live page never links to an
    /// object that is already gone.
    pub deletes: Vec<String>,
    pub skipped: Vec<Skipped>,
}

impl Plan {
    pub fn delete_count(&self) -> usize {
        self.clear.len() + self.deletes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty() && self.delete_count() == 0
    }

    /// Adds keys to delete, and puts every delete in its phase. A key that is
    /// also uploaded is not deleted: a file replaced in one change would be lost.
    pub fn delete_also(&mut self, keys: impl IntoIterator<Item = String>) {
        let uploaded: BTreeSet<&str> = self.uploads.iter().map(|u| u.key.as_str()).collect();
        let gone: BTreeSet<String> = self
            .clear
            .drain(..)
            .chain(self.deletes.drain(..))
            .chain(keys)
            .filter(|k| !uploaded.contains(k.as_str()))
            .collect();
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
}

/// Turns a changeset into the requests that publish it.
pub(crate) fn plan(changes: &Changeset, rules: &Rules) -> Result<Plan, PlanError> {
    let mut uploads = Vec::new();
    for file in changes
        .uploads
        .iter()
        .filter(|f| !rules.exclude.is_match(&f.path))
    {
        let headers = headers_for(file, rules);
        for encoding in rules.twins(&file.path) {
            uploads.push(Upload {
                key: key(rules, &encoding.twin_path(&file.path))?,
                local: file.local.clone(),
                encoding: Some(encoding),
                headers: Headers {
                    content_encoding: Some(encoding.content_encoding()),
                    ..headers.clone()
                },
            });
        }
        uploads.push(Upload {
            key: key(rules, &file.path)?,
            local: file.local.clone(),
            encoding: None,
            headers,
        });
    }
    uploads.sort_by(|a, b| a.key.cmp(&b.key));

    let plain: BTreeSet<&str> = uploads
        .iter()
        .filter(|u| u.encoding.is_none())
        .map(|u| u.key.as_str())
        .collect();
    if let Some((twin, encoding)) = uploads
        .iter()
        .filter_map(|u| Some((u, u.encoding?)))
        .find(|(u, _)| plain.contains(u.key.as_str()))
    {
        let path = changes
            .uploads
            .iter()
            .find(|f| twin.local == f.local)
            .map_or_else(String::new, |f| f.path.clone());
        return Err(PlanError::TwinCollides {
            path,
            key: twin.key.clone(),
            encoding,
        });
    }

    let mut gone = BTreeSet::new();
    for path in changes
        .deletes
        .iter()
        .filter(|p| !rules.exclude.is_match(p))
    {
        gone.insert(key(rules, path)?);
        for encoding in rules.twins(path) {
            gone.insert(key(rules, &encoding.twin_path(path))?);
        }
    }
    let mut plan = Plan {
        uploads,
        skipped: changes.skipped.clone(),
        ..Plan::default()
    };
    plan.delete_also(gone);
    Ok(plan)
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
    Headers {
        content_type,
        content_encoding: None,
        cache_control: rule.and_then(|r| r.cache_control.clone()),
        content_disposition: rule.and_then(|r| r.content_disposition.clone()),
        content_language: rule.and_then(|r| r.content_language.clone()),
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
            mime_type: None,
        }
    }

    fn changes(uploads: &[&str], deletes: &[&str]) -> Changeset {
        Changeset {
            uploads: uploads.iter().map(|p| file(p)).collect(),
            deletes: deletes.iter().map(|p| p.to_string()).collect(),
            skipped: Vec::new(),
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
            (twin.encoding, plain.encoding),
            (Some(Encoding::Gzip), None)
        );
        assert_eq!(twin.local, plain.local);
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
        assert_eq!(brotli.encoding, Some(Encoding::Brotli));
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

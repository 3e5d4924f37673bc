//! How paths become keys and what each object carries: the rules of a
//! publish, as the settings give them.

use super::*;

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
    /// Globs of `patterns`, where `*` matches `/` too (`*.css` is any
    /// stylesheet); an invalid pattern is an error.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Globs, globset::Error> {
        Globs::built(patterns, false)
    }

    /// Globs of `patterns`, where `*` stops at `/` and `**/` matches any
    /// folders (`*.json` is a file at the root, `**/*.html` any page).
    pub fn rooted<S: AsRef<str>>(patterns: &[S]) -> Result<Globs, globset::Error> {
        Globs::built(patterns, true)
    }

    fn built<S: AsRef<str>>(patterns: &[S], rooted: bool) -> Result<Globs, globset::Error> {
        let mut set = GlobSetBuilder::new();
        for pattern in patterns {
            set.add(
                GlobBuilder::new(pattern.as_ref())
                    .literal_separator(rooted)
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
    /// Pages (`order:`): their objects are written after every other
    /// file's, so that no page goes live before what it links to.
    pub pages: Globs,
    /// Files that get a gzip twin, when gzip twins are enabled.
    pub gzip: Option<Globs>,
    /// Files that get a brotli twin, when brotli twins are enabled.
    pub brotli: Option<Globs>,
    /// Header rules; the first that matches a file wins.
    pub headers: HeaderRules,
    /// A canned ACL for every uploaded object (never the state object).
    pub acl: Option<String>,
    /// The storage class and encryption of every uploaded object.
    pub storage: super::Storage,
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
            pages: Globs::empty(),
            gzip: None,
            brotli: None,
            headers: HeaderRules::default(),
            acl: None,
            storage: super::Storage::default(),
            redirects: false,
            inherited: Props::new(),
        }
    }

    /// Whether `key`, under the prefix, is an object of a page or its
    /// twin (whatever the twin's name): written in the last phase of the
    /// files' objects.
    pub fn is_page(&self, key: &str) -> bool {
        let Some(path) = key.strip_prefix(&self.prefix) else {
            return false;
        };
        self.pages.is_match(path)
            || super::twin_of(path, self).is_some_and(|(file, _)| self.pages.is_match(&file))
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
    pub(super) fn mark(self) -> &'static str {
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

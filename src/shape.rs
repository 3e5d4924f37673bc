//! Rules that take effect. The settings that shape objects (header rules,
//! ACL, twins, excludes, redirects, and the svn2s3 properties the published
//! folder inherits from above it) are recorded in the state with their
//! digest. When the digest differs from the settings of a publish, that
//! publish walks the tree once and brings every key the change affects up
//! to date, even with no new commit: headers rewritten in place where only
//! they change, objects uploaded where their bytes change, twins added or
//! deleted. A key the new rules exclude is left alone, and said so.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::header::HeaderRule;
use crate::plan::{
    self, File, Globs, HeaderRules, Link, Objects, PlanError, Props, Rules, Skipped, Storage,
    Upload,
};

/// The settings that shaped the objects of a publish, as the state keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shaping {
    /// SHA-256 of the rest, as canonical JSON: what publishes compare.
    pub digest: String,
    /// Patterns of paths never published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Patterns of files with a gzip twin; none when gzip twins are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gzip: Option<Vec<String>>,
    /// Patterns of files with a brotli twin; none when brotli twins are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brotli: Option<Vec<String>>,
    /// Header rules, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderRule>,
    /// The canned ACL of every object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<String>,
    /// The storage class and encryption of every object.
    #[serde(default, skip_serializing_if = "Storage::is_unset")]
    pub storage: Storage,
    /// Whether moves and symbolic links leave redirects.
    #[serde(default)]
    pub redirects: bool,
    /// svn2s3 properties the published folder inherits from above it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inherited: Props,
}

impl Shaping {
    /// The record of `rules`, digest included.
    pub(crate) fn of(rules: &Rules) -> Shaping {
        let patterns = |globs: &Option<Globs>| globs.as_ref().map(|g| g.patterns().to_vec());
        let mut shaping = Shaping {
            digest: String::new(),
            exclude: rules.exclude.patterns().to_vec(),
            gzip: patterns(&rules.gzip),
            brotli: patterns(&rules.brotli),
            headers: rules.headers.written().cloned().collect(),
            acl: rules.acl.clone(),
            storage: rules.storage.clone(),
            redirects: rules.redirects,
            inherited: rules.inherited.clone(),
        };
        shaping.digest = shaping.digest();
        shaping
    }

    /// The digest of everything but the digest.
    fn digest(&self) -> String {
        let content = Shaping {
            digest: String::new(),
            ..self.clone()
        };
        let json = serde_json::to_vec(&content).expect("a Shaping always serialises");
        format!("{:x}", Sha256::digest(json))
    }

    /// The rules this record describes, under `prefix`; `None` when a
    /// pattern no longer reads (a state written by hand).
    pub(crate) fn rules(&self, prefix: &str) -> Option<Rules> {
        let globs = |patterns: &Option<Vec<String>>| match patterns {
            Some(patterns) => Globs::new(patterns).ok().map(Some),
            None => Some(None),
        };
        let headers = HeaderRules::new(self.headers.clone()).ok()?;
        Some(Rules {
            prefix: prefix.to_owned(),
            exclude: Globs::new(&self.exclude).ok()?,
            // The order of writes does not shape objects.
            pages: Globs::empty(),
            gzip: globs(&self.gzip)?,
            brotli: globs(&self.brotli)?,
            headers,
            acl: self.acl.clone(),
            storage: self.storage.clone(),
            redirects: self.redirects,
            inherited: self.inherited.clone(),
        })
    }

    /// What differs from `other`, in a few words: `header rules, gzip`.
    pub(crate) fn changes_from(&self, other: &Shaping) -> String {
        let mut changed = Vec::new();
        let mut note = |differs: bool, what: &'static str| {
            if differs {
                changed.push(what);
            }
        };
        note(self.exclude != other.exclude, "exclude");
        note(self.gzip != other.gzip, "gzip");
        note(self.brotli != other.brotli, "brotli");
        note(self.headers != other.headers, "header rules");
        note(self.acl != other.acl, "acl");
        note(
            self.storage != other.storage,
            "storage class, encryption or checksum",
        );
        note(self.redirects != other.redirects, "redirects");
        note(
            self.inherited != other.inherited,
            "svn2s3 properties above the published folder",
        );
        if changed.is_empty() {
            changed.push("the record of them");
        }
        changed.join(", ")
    }
}

/// What a change of rules asks of the bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reshape {
    /// Objects whose bytes change (a new twin, a newly included file, a
    /// file that became a redirect or stopped being one).
    pub uploads: Vec<Upload>,
    /// Objects whose headers alone change.
    pub rewrites: Vec<Upload>,
    /// Keys the new rules do not have: twins no longer wanted.
    pub deletes: BTreeSet<String>,
    /// Files the new rules exclude, whose objects are left in the bucket.
    pub skipped: Vec<Skipped>,
    /// Files whose object is a redirect under the new rules: written once
    /// the planner knows where each leads now.
    pub links: Vec<Link>,
}

/// Brings the objects of `tree` (every file at this revision) from `old`
/// rules to `new` ones. Files in `published` are uploaded with the new
/// rules anyway; only their keys that the new rules drop are added.
pub(crate) fn reshape(
    tree: &[File],
    published: &BTreeSet<&str>,
    old: &Rules,
    new: &Rules,
) -> Result<Reshape, PlanError> {
    let mut reshape = Reshape::default();
    for file in tree {
        let (before, after) = (plan::objects(file, old)?, plan::objects(file, new)?);
        if matches!(after, Objects::Excluded) {
            if !matches!(before, Objects::Excluded) {
                reshape.skipped.push(Skipped {
                    path: file.path.clone(),
                    reason: "excluded by the rules now; its objects are left in the bucket",
                });
            }
            continue;
        }
        let link = match &after {
            Objects::Redirect(link) => Some(link),
            _ => None,
        };
        let kept: BTreeSet<&str> = after
            .uploads()
            .iter()
            .map(|u| u.key.as_str())
            .chain(link.map(|link| link.key.as_str()))
            .collect();
        reshape.deletes.extend(
            before
                .uploads()
                .iter()
                .filter(|u| !kept.contains(u.key.as_str()))
                .map(|u| u.key.clone()),
        );
        if published.contains(file.path.as_str()) {
            continue;
        }
        if let Some(link) = link {
            reshape.links.push(Link::clone(link));
            continue;
        }
        let was: BTreeMap<&str, &Upload> = before
            .uploads()
            .iter()
            .map(|u| (u.key.as_str(), u))
            .collect();
        for upload in after.uploads() {
            match was.get(upload.key.as_str()) {
                Some(old) if old.content == upload.content && old.headers == upload.headers => {}
                Some(old) if old.content == upload.content && upload.local().is_some() => {
                    reshape.rewrites.push(upload.clone())
                }
                _ => reshape.uploads.push(upload.clone()),
            }
        }
    }
    Ok(reshape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Name;
    use crate::plan::Encoding;

    fn file(path: &str) -> File {
        File::at(path)
    }

    fn header_rules(pattern: &str, cache_control: &str) -> HeaderRules {
        HeaderRules::new(vec![HeaderRule::new(
            pattern,
            [(Name::CacheControl, cache_control)],
        )])
        .unwrap()
    }

    fn keys(uploads: &[Upload]) -> Vec<&str> {
        uploads.iter().map(|u| u.key.as_str()).collect()
    }

    #[test]
    fn the_record_round_trips_and_its_digest_tells_rules_apart() {
        let rules = Rules {
            exclude: Globs::new(&["*.psd"]).unwrap(),
            gzip: Some(Globs::new(&["*.css"]).unwrap()),
            headers: header_rules("*.html", "no-cache"),
            acl: Some("public-read".into()),
            redirects: true,
            inherited: Props::from([("svn2s3:cache-control".into(), "max-age=60".into())]),
            ..Rules::new("p/")
        };
        let shaping = Shaping::of(&rules);
        assert_eq!(shaping.digest.len(), 64);
        let yaml = serde_yaml::to_string(&shaping).unwrap();
        let read: Shaping = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(read, shaping);
        assert_eq!(Shaping::of(&read.rules("p/").unwrap()), shaping);

        let other = Rules {
            headers: header_rules("*.html", "max-age=1"),
            ..rules.clone()
        };
        let changed = Shaping::of(&other);
        assert_ne!(changed.digest, shaping.digest);
        assert_eq!(changed.changes_from(&shaping), "header rules");
        assert_eq!(Shaping::of(&rules.clone()).digest, shaping.digest);
    }

    #[test]
    fn the_digest_reads_the_record_as_states_written_before_the_header_table() {
        // The JSON a digest is taken of, as 0.2.0 wrote its header records
        // field by field: a state of then must not read as other rules.
        let rule = HeaderRule::new(
            "*.html",
            [
                (Name::ContentLanguage, "en"),
                (Name::CacheControl, "no-cache"),
            ],
        );
        let rules = Rules {
            headers: HeaderRules::new(vec![rule]).unwrap(),
            acl: Some("public-read".into()),
            ..Rules::new("p/")
        };
        let shaping = Shaping::of(&rules);
        let digested = r#"{"digest":"","headers":[{"match":"*.html","cache_control":"no-cache","content_language":"en"}],"acl":"public-read","redirects":false}"#;
        let content = Shaping {
            digest: String::new(),
            ..shaping.clone()
        };
        assert_eq!(serde_json::to_string(&content).unwrap(), digested);
        assert_eq!(shaping.digest, format!("{:x}", Sha256::digest(digested)));
        let yaml = "digest: x\nheaders:\n- match: '*.html'\n  cache_control: no-cache\n  content_language: en\n";
        let read: Shaping = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(read.headers, shaping.headers);
    }

    #[test]
    fn a_header_rule_changed_rewrites_the_headers_of_the_files_it_matches() {
        let old = Rules {
            headers: header_rules("*.html", "max-age=60"),
            ..Rules::new("")
        };
        let new = Rules {
            headers: header_rules("*.html", "no-cache"),
            ..Rules::new("")
        };
        let tree = [file("a.html"), file("b.png"), file("c.html")];
        let reshape = reshape(&tree, &BTreeSet::from(["c.html"]), &old, &new).unwrap();
        assert_eq!(keys(&reshape.rewrites), ["a.html"]);
        assert_eq!(
            reshape.rewrites[0].headers.values.get(Name::CacheControl),
            Some("no-cache")
        );
        assert!(reshape.uploads.is_empty() && reshape.deletes.is_empty());
    }

    #[test]
    fn twins_come_and_go_with_their_pattern() {
        let plain = Rules::new("");
        let gzip = Rules {
            gzip: Some(Globs::new(&["*.css"]).unwrap()),
            ..Rules::new("")
        };
        let tree = [file("a.css"), file("b.txt")];
        let added = reshape(&tree, &BTreeSet::new(), &plain, &gzip).unwrap();
        assert_eq!(keys(&added.uploads), ["a.gz.css"]);
        assert_eq!(added.uploads[0].encoding(), Some(Encoding::Gzip));
        assert!(added.rewrites.is_empty() && added.deletes.is_empty());

        let removed = reshape(&tree, &BTreeSet::new(), &gzip, &plain).unwrap();
        assert!(removed.uploads.is_empty() && removed.rewrites.is_empty());
        assert_eq!(removed.deletes, BTreeSet::from(["a.gz.css".to_string()]));

        // A file published in the same change still loses its old twin.
        let changed = reshape(&tree, &BTreeSet::from(["a.css"]), &gzip, &plain).unwrap();
        assert_eq!(changed.deletes, BTreeSet::from(["a.gz.css".to_string()]));
    }

    #[test]
    fn newly_excluded_files_are_left_alone_and_newly_included_ones_uploaded() {
        let open = Rules::new("");
        let closed = Rules {
            exclude: Globs::new(&["drafts/**"]).unwrap(),
            ..Rules::new("")
        };
        let tree = [file("drafts/a.html"), file("b.html")];
        let excluded = reshape(&tree, &BTreeSet::new(), &open, &closed).unwrap();
        assert_eq!(excluded.skipped.len(), 1);
        assert_eq!(excluded.skipped[0].path, "drafts/a.html");
        assert!(excluded.deletes.is_empty() && excluded.uploads.is_empty());

        let included = reshape(&tree, &BTreeSet::new(), &closed, &open).unwrap();
        assert_eq!(keys(&included.uploads), ["drafts/a.html"]);
    }

    #[test]
    fn a_change_of_acl_rewrites_every_object() {
        let old = Rules::new("");
        let new = Rules {
            acl: Some("public-read".into()),
            ..Rules::new("")
        };
        let tree = [file("a.html"), file("b.png")];
        let reshape = reshape(&tree, &BTreeSet::new(), &old, &new).unwrap();
        assert_eq!(keys(&reshape.rewrites), ["a.html", "b.png"]);
    }
}

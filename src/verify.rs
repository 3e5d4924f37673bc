//! `svn2s3 verify`: is the bucket the tree at the published revision? What
//! the bucket must hold is what a survey of the tree writes (see
//! [`crate::planner`]): every file's object, every redirect that leads
//! somewhere published. Keys come from one listing; a file's object is
//! compared by its size and MD5 (the listing's ETag where that is the MD5,
//! else the `svn2s3-md5` metadata) and by every header; a redirect by where
//! it leads and its headers. A file's key holding a redirect, or a redirect
//! leading elsewhere, differs. One HEAD per object, but for those the
//! listing shows are wrong already. Nothing is downloaded, but a twin whose
//! bytes are not svn2s3's compression of its file, under metadata that
//! names the file: it is decompressed and compared.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use anyhow::Result;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use tokio::sync::mpsc::Receiver;

use crate::bucket::{Bucket, Fingerprint};
use crate::plan::{Listed, Upload};
use crate::publish::{self, Streamed};
use crate::tree::Revnum;

/// Where the bucket and the tree part ways.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// Objects whose content was compared.
    pub checked: usize,
    /// Keys the tree has and the bucket does not.
    pub missing: Vec<String>,
    /// Keys the bucket has and the tree does not.
    pub extra: Vec<String>,
    /// Keys whose object is not what the tree gives them.
    pub differ: Vec<String>,
    /// Why each key of `differ` differs, in a few words.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reasons: BTreeMap<String, &'static str>,
}

impl Drift {
    /// Whether the bucket is exactly the tree.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.differ.is_empty()
    }
}

/// The outcome of `svn2s3 verify`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Where: `s3://bucket/prefix`.
    pub target: String,
    /// The published revision the bucket was compared with; for a build
    /// folder, the number of the build it holds.
    pub revision: Revnum,
    /// For a build folder: the folder, whose files as they are now the
    /// bucket was compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// What differs.
    #[serde(flatten)]
    pub drift: Drift,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let drift = &self.drift;
        let what = match &self.build {
            Some(folder) => format!("{folder} (build {} holds it)", self.revision),
            None => format!("r{}", self.revision),
        };
        for (label, keys) in [
            ("missing", &drift.missing),
            ("extra", &drift.extra),
            ("differs", &drift.differ),
        ] {
            for key in keys {
                match drift.reasons.get(key) {
                    Some(why) => writeln!(f, "{label:<8}{key} ({why})")?,
                    None => writeln!(f, "{label:<8}{key}")?,
                }
            }
        }
        if drift.is_empty() {
            write!(
                f,
                "{} matches {what}: {} checked",
                self.target,
                crate::report::counted(drift.checked, "object")
            )
        } else {
            write!(
                f,
                "{} differs from {what}: {} missing, {} extra, {} different ({} checked); \
                 `svn2s3 publish --full` repairs it",
                self.target,
                drift.missing.len(),
                drift.extra.len(),
                drift.differ.len(),
                crate::report::counted(drift.checked, "object")
            )
        }
    }
}

/// Compares what the bucket lists with what the tree expects: the objects
/// of `expected`, then those `walk` sends as a walk of the tree makes them,
/// each compared as it comes. Memory holds the listing, not the tree.
/// Listed keys for which `ignored` holds are neither extra nor checked.
pub(crate) async fn compare(
    bucket: &Bucket,
    expected: Vec<Upload>,
    walk: Option<Receiver<Streamed>>,
    listed: Vec<Listed>,
    ignored: impl Fn(&str) -> bool,
) -> Result<Drift> {
    let mut listing: HashMap<String, Listed> = (listed.into_iter())
        .map(|listed| (listed.key.clone(), listed))
        .collect();
    let mut drift = Drift::default();
    let walked = stream::iter(walk.map(publish::walked)).flatten();
    let expected = stream::iter(expected.into_iter().map(Ok)).chain(walked);
    let (listing_, missing) = (&mut listing, &mut drift.missing);
    let verdicts: Vec<(String, Option<&'static str>)> = expected
        .try_filter_map(|upload| {
            let listed = listing_.remove(&upload.key);
            if listed.is_none() {
                missing.push(upload.key.clone());
            }
            std::future::ready(Ok(listed.map(|listed| (upload, listed))))
        })
        .map_ok(|(upload, listed)| async move {
            let why = differs(bucket, &upload, &listed).await?;
            anyhow::Ok((upload.key, why))
        })
        .try_buffer_unordered(bucket.max_in_flight())
        .try_collect()
        .await?;
    drift.checked = verdicts.len();
    for (key, why) in verdicts {
        if let Some(why) = why {
            drift.differ.push(key.clone());
            drift.reasons.insert(key, why);
        }
    }
    drift.extra = (listing.into_keys()).filter(|key| !ignored(key)).collect();
    drift.missing.sort();
    drift.extra.sort();
    drift.differ.sort();
    Ok(drift)
}

/// Why the object `listed` is not what `upload` writes; `None` when it is.
async fn differs(
    bucket: &Bucket,
    upload: &Upload,
    listed: &Listed,
) -> Result<Option<&'static str>> {
    let Some(local) = upload.local() else {
        // A redirect: an empty object that leads where the tree says.
        if listed.size != 0 {
            return Ok(Some("an object with content where a redirect belongs"));
        }
        let stored = (bucket.stored(&upload.key, upload.headers.storage.checksum)).await?;
        return Ok(match stored.redirect.as_deref() {
            None => Some("not a redirect"),
            Some(location) if Some(location) != upload.location() => {
                Some("a redirect that leads elsewhere")
            }
            Some(_) if !stored.has_headers(&upload.headers) => Some("other headers"),
            Some(_) => None,
        });
    };
    let encoding = upload.encoding();
    let size = tokio::fs::metadata(local).await?.len();
    if encoding.is_none() && listed.size != size {
        // An empty object may be a redirect: say so.
        let redirect =
            listed.size == 0 && bucket.stored(&upload.key, None).await?.redirect.is_some();
        return Ok(Some(match redirect {
            true => "a redirect where the file belongs",
            false => "other content",
        }));
    }
    // Every object is read with a HEAD: the listing's ETag cannot tell
    // alone, since an SSE-KMS object's (the bucket's default, whatever the
    // settings say) is no MD5.
    let checksum = upload.headers.storage.checksum;
    let sent = Fingerprint::of(local, encoding, checksum).await?;
    let stored = bucket.stored(&upload.key, checksum).await?;
    if stored.redirect.is_some() {
        return Ok(Some("a redirect where the file belongs"));
    }
    let held = match encoding {
        // A twin another compressor wrote holds other bytes that may
        // decompress to the file's: then they are read.
        Some(encoding) if !sent.held_by(&stored) && stored.md5.as_ref() == Some(&sent.md5) => {
            bucket
                .decodes_to(&upload.key, encoding, size, &sent.md5)
                .await?
        }
        _ => sent.held_by(&stored),
    };
    Ok(if !held {
        Some("other content")
    } else if !stored.has_headers(&upload.headers) {
        Some("other headers")
    } else {
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_lists_each_kind_of_drift() {
        let report = VerifyReport {
            build: None,
            target: "s3://b/".into(),
            revision: 7,
            drift: Drift {
                checked: 3,
                missing: vec!["a".into()],
                extra: vec!["b".into()],
                differ: vec!["c".into()],
                reasons: BTreeMap::from([("c".into(), "a redirect where the file belongs")]),
            },
        };
        let text = report.to_string();
        assert!(
            text.starts_with(
                "missing a\nextra   b\ndiffers c (a redirect where the file belongs)\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("1 missing, 1 extra, 1 different (3 objects checked)"),
            "{text}"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["missing"][0], "a");
        assert_eq!(json["reasons"]["c"], "a redirect where the file belongs");
        assert_eq!(json["revision"], 7);
    }
}

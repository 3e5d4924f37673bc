//! `svn2s3 verify`: is the bucket the tree? Keys from one listing; content by
//! MD5, from the listing's ETag where that is the file's MD5, else from the
//! object's `svn2s3-md5` metadata (one HEAD each). Nothing is downloaded.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::Result;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;

use crate::bucket::{md5_of_file, Bucket, Listed, Stored};
use crate::plan::Upload;
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
    /// Keys whose content is not the file's.
    pub differ: Vec<String>,
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
    /// The published revision the bucket was compared with.
    pub revision: Revnum,
    /// What differs.
    #[serde(flatten)]
    pub drift: Drift,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let drift = &self.drift;
        for (label, keys) in [
            ("missing", &drift.missing),
            ("extra", &drift.extra),
            ("differs", &drift.differ),
        ] {
            for key in keys {
                writeln!(f, "{label:<8}{key}")?;
            }
        }
        if drift.is_empty() {
            write!(
                f,
                "{} matches r{}: {} objects checked",
                self.target, self.revision, drift.checked
            )
        } else {
            write!(
                f,
                "{} differs from r{}: {} missing, {} extra, {} different ({} objects checked); \
                 `svn2s3 publish --full` repairs it",
                self.target,
                self.revision,
                drift.missing.len(),
                drift.extra.len(),
                drift.differ.len(),
                drift.checked
            )
        }
    }
}

/// Compares what the bucket lists with what the tree expects (`expected`):
/// a file's object by its MD5, a redirect by where it points (one HEAD).
/// Listed keys for which `ignored` holds are neither extra nor checked.
pub(crate) async fn compare(
    bucket: &Bucket,
    expected: Vec<Upload>,
    listed: Vec<Listed>,
    ignored: impl Fn(&str) -> bool,
) -> Result<Drift> {
    let mut expected: BTreeMap<String, Upload> = expected
        .into_iter()
        .map(|upload| (upload.key.clone(), upload))
        .collect();
    let mut drift = Drift::default();
    let mut present = Vec::new();
    for object in listed {
        match expected.remove(&object.key) {
            Some(upload) => present.push((upload, object.etag)),
            None if ignored(&object.key) => {}
            None => drift.extra.push(object.key),
        }
    }
    drift.missing = expected.into_keys().collect();
    drift.checked = present.len();

    let verdicts: Vec<(String, bool)> = stream::iter(present)
        .map(|(upload, etag)| async move {
            let Some(local) = upload.local() else {
                let stored = bucket.stored(&upload.key).await?;
                let agrees = stored.redirect.as_deref() == upload.location();
                return anyhow::Ok((upload.key, agrees));
            };
            let md5 = md5_of_file(local).await?;
            // A plain single-part object's ETag is its MD5: no HEAD needed.
            let agrees = if upload.encoding().is_none() && etag.as_deref() == Some(md5.as_str()) {
                true
            } else {
                agrees(
                    &md5,
                    upload.encoding().is_some(),
                    &bucket.stored(&upload.key).await?,
                )
            };
            anyhow::Ok((upload.key, agrees))
        })
        .buffer_unordered(bucket.max_in_flight())
        .try_collect()
        .await?;
    drift.differ = verdicts
        .into_iter()
        .filter(|(_, same)| !same)
        .map(|(key, _)| key)
        .collect();
    drift.differ.sort();
    Ok(drift)
}

/// Whether an object holds the file whose MD5 is `file_md5` (gzipped, for a twin).
fn agrees(file_md5: &str, twin: bool, stored: &Stored) -> bool {
    match (&stored.md5, &stored.etag) {
        (Some(md5), _) => md5 == file_md5,
        // Written by another tool: a single-part ETag is the body's MD5, which
        // for a twin is the MD5 of the gzip, not of the file.
        (None, Some(etag)) => !twin && etag == file_md5,
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";

    fn stored(md5: Option<&str>, etag: Option<&str>) -> Stored {
        Stored {
            md5: md5.map(str::to_owned),
            etag: etag.map(str::to_owned),
            redirect: None,
        }
    }

    #[test]
    fn the_md5_metadata_decides_when_present() {
        assert!(agrees(MD5, false, &stored(Some(MD5), Some("abc-3"))));
        assert!(agrees(MD5, true, &stored(Some(MD5), Some("gzip-md5"))));
        assert!(!agrees(MD5, false, &stored(Some("0000"), Some(MD5))));
    }

    #[test]
    fn without_metadata_only_a_plain_objects_etag_can_tell() {
        assert!(agrees(MD5, false, &stored(None, Some(MD5))));
        assert!(!agrees(MD5, true, &stored(None, Some(MD5))));
        assert!(!agrees(MD5, false, &stored(None, Some("abc-2"))));
        assert!(!agrees(MD5, false, &stored(None, None)));
    }

    #[test]
    fn the_report_lists_each_kind_of_drift() {
        let report = VerifyReport {
            target: "s3://b/".into(),
            revision: 7,
            drift: Drift {
                checked: 3,
                missing: vec!["a".into()],
                extra: vec!["b".into()],
                differ: vec!["c".into()],
            },
        };
        let text = report.to_string();
        assert!(
            text.starts_with("missing a\nextra   b\ndiffers c\n"),
            "{text}"
        );
        assert!(
            text.contains("1 missing, 1 extra, 1 different (3 objects checked)"),
            "{text}"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["missing"][0], "a");
        assert_eq!(json["revision"], 7);
    }
}

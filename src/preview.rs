//! Branch previews: a branch published under the previews' prefix, one
//! folder per branch named by its slug, with a state of its own, as any
//! publish inside another's prefix (the production publish leaves it
//! alone). Its first publish copies from production, in the bucket, what
//! the branch has as production does. `svn2s3 previews` lists them;
//! `svn2s3 prune` removes those whose branch is gone from the repository.

use std::fmt;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::bucket::{Bucket, Expect};
use crate::claim::{claim, StateObject};
use crate::cloudfront::Invalidation;
use crate::error::{Error, Unfinished};
use crate::manifest::hex;
use crate::plan::PlanError;
use crate::report::{counted, Done, Report};
use crate::source::Source;
use crate::state::{State, MAX_STATE_BYTES, STATE_KEY};
use crate::tree::Revnum;
use crate::{session, Publisher};

/// The longest slug: a DNS label.
const MAX_SLUG: usize = 63;

/// Where branches are in a repository of the usual layout: a slug is the
/// branch's path below it.
const BRANCHES: &str = "branches/";

impl Publisher {
    /// With `--preview`, the publisher of the preview of the tree's branch:
    /// these settings under the preview's prefix. One `svn info` of the
    /// tree names the branch.
    pub(crate) fn previewed(&self) -> Result<Option<Publisher>, Error> {
        if !self.settings.preview {
            return Ok(None);
        }
        let branch = || -> anyhow::Result<String> {
            let settings = &self.settings;
            let none = crate::plan::Globs::new::<&str>(&[])?;
            let flag = self.cancel.flag();
            let source = match settings.url() {
                Some(url) => Source::url(url, None, settings.revision, none, flag)?,
                None => Source::working_copy(&settings.wc, None, none, flag)?,
            };
            Ok(source.tree().path)
        };
        let branch = branch().map_err(|err| self.unwritten(err))?;
        Ok(Some(Publisher {
            settings: self.settings.for_preview(&slug(&branch)),
            progress: std::sync::Arc::clone(&self.progress),
            cancel: self.cancel.clone(),
        }))
    }
}

/// One preview the bucket holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedPreview {
    /// Its folder under the previews' prefix.
    pub slug: String,
    /// The branch's path in the repository.
    pub branch: String,
    /// The revision it holds, if a publish of it finished.
    pub revision: Option<Revnum>,
    /// When that publish finished.
    pub published_at: Option<String>,
    /// Where it is served, when the settings say (`previews.url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The outcome of `svn2s3 previews`.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewsReport {
    /// Where previews go: `s3://bucket/prefix/previews/`.
    pub target: String,
    /// Each preview, in slug order.
    pub previews: Vec<ListedPreview>,
}

impl fmt::Display for PreviewsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.previews.is_empty() {
            return write!(f, "no previews at {}", self.target);
        }
        writeln!(
            f,
            "{} at {}:",
            counted(self.previews.len(), "preview"),
            self.target
        )?;
        for (at, preview) in self.previews.iter().enumerate() {
            let revision = preview
                .revision
                .map_or("not published yet".into(), |r| format!("r{r}"));
            let when = preview.published_at.as_deref().unwrap_or("-");
            write!(
                f,
                "{}  ^/{}  {revision}  {when}",
                preview.slug, preview.branch
            )?;
            if let Some(url) = &preview.url {
                write!(f, "  {url}")?;
            }
            if at + 1 < self.previews.len() {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// The outcome of `svn2s3 prune`.
#[derive(Debug, Clone, Serialize)]
pub struct PruneReport {
    /// Where previews go.
    pub target: String,
    /// Nothing was deleted (`--dry-run`).
    pub dry_run: bool,
    /// The previews removed (or, in a dry run, to remove): their branch is
    /// gone from the repository.
    pub removed: Vec<ListedPreview>,
    /// Objects deleted, their states included.
    pub deleted: usize,
    /// The previews left, their branch still there.
    pub kept: usize,
    /// The previews left for now, and why: another publish of one is
    /// under way, it is another repository's, or its state is no
    /// preview's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// The CloudFront invalidations made of the keys deleted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalidations: Vec<Invalidation>,
}

impl fmt::Display for PruneReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for skipped in &self.skipped {
            writeln!(f, "left {skipped}")?;
        }
        let removed = if self.dry_run {
            "would remove"
        } else {
            "removed"
        };
        for preview in &self.removed {
            writeln!(
                f,
                "{removed} {} (^/{} is gone)",
                preview.slug, preview.branch
            )?;
        }
        let verb = if self.dry_run {
            "would prune"
        } else {
            "pruned"
        };
        write!(
            f,
            "{verb} {} at {}: {} deleted, {} kept",
            counted(self.removed.len(), "preview"),
            self.target,
            counted(self.deleted, "object"),
            self.kept
        )?;
        for made in &self.invalidations {
            match (&made.id, &made.error) {
                (Some(id), _) => {
                    write!(f, "\ninvalidated in CloudFront {}: {id}", made.distribution)?
                }
                (None, Some(error)) => write!(
                    f,
                    "\nnot invalidated in CloudFront {}: {error}",
                    made.distribution
                )?,
                (None, None) => {}
            }
        }
        Ok(())
    }
}

impl Publisher {
    /// The previews the bucket holds under the previews' prefix (`svn2s3
    /// previews`): one listing, and a GET of each preview's state.
    pub fn previews(&self) -> Result<PreviewsReport, Error> {
        let listed = || {
            let (runtime, bucket) = self.connected()?;
            let previews = runtime.block_on(self.found(&bucket))?;
            Ok(PreviewsReport {
                target: self.previews_target(),
                previews: previews.into_iter().map(|(listed, ..)| listed).collect(),
            })
        };
        listed().map_err(|err| self.unwritten(err))
    }

    /// Removes every preview whose branch is no longer in the repository
    /// (`svn2s3 prune`, `--dry-run` to only say so): asked of the
    /// repository the settings' tree belongs to, one `svn info` each.
    /// `--max-delete` counts every object of every preview removed; each is
    /// deleted under a claim on its state (which holds nothing from then
    /// on), its state last, and what was deleted is invalidated in
    /// CloudFront.
    pub fn prune(&self) -> Result<PruneReport, Error> {
        let settings = &self.settings;
        let planned = || -> anyhow::Result<_> {
            let (runtime, bucket) = self.connected()?;
            let none = crate::plan::Globs::new::<&str>(&[])?;
            let flag = self.cancel.flag();
            let source = match settings.url() {
                Some(url) => Source::url(url, None, None, none, flag)?,
                None => Source::working_copy(&settings.wc, None, none, flag)?,
            };
            let mut pruned = PruneReport {
                target: self.previews_target(),
                dry_run: settings.dry_run,
                removed: Vec::new(),
                deleted: 0,
                kept: 0,
                skipped: Vec::new(),
                invalidations: Vec::new(),
            };
            let mut gone = Vec::new();
            for (listed, state, etag) in runtime.block_on(self.found(&bucket))? {
                if state.uuid != source.uuid() {
                    pruned
                        .skipped
                        .push(format!("{}: a preview of another repository", listed.slug));
                } else if slug(&state.path) != listed.slug {
                    // Another publish's state, such as a target's, under
                    // the previews' prefix: not a preview.
                    let why = format!(
                        "its state publishes ^/{}, not a branch of this slug",
                        state.path
                    );
                    pruned.skipped.push(format!("{}: {why}", listed.slug));
                } else if source.exists(&state.path)? {
                    pruned.kept += 1;
                } else if let Err(err) = state.check_unclaimed(&self.preview_target(&listed.slug)) {
                    pruned.skipped.push(format!("{}: {err}", listed.slug));
                } else {
                    let prefix = self.preview_prefix(&listed.slug);
                    let keys = runtime.block_on(bucket.list(&prefix))?;
                    pruned.deleted += keys.len();
                    gone.push((listed, state, etag, keys));
                }
            }
            if pruned.deleted > settings.max_delete {
                bail!(PlanError::TooManyDeletes {
                    count: pruned.deleted,
                    most: settings.max_delete
                });
            }
            Ok((runtime, bucket, pruned, gone))
        };
        let (runtime, bucket, mut pruned, gone) = planned().map_err(|err| self.unwritten(err))?;
        let mut deleted = Vec::new();
        for (listed, state, etag, keys) in gone {
            let state_key = State::key(&self.preview_prefix(&listed.slug));
            let (state_object, objects): (Vec<String>, Vec<String>) = (keys.into_iter())
                .map(|key| key.key)
                .partition(|key| *key == state_key);
            if !settings.dry_run {
                let target = self.preview_target(&listed.slug);
                let store = StateObject {
                    bucket: &bucket,
                    key: &state_key,
                };
                let removed = runtime.block_on(async {
                    // First the state, as read, becomes one that holds
                    // nothing, claimed: a prune cut off leaves no state
                    // that vouches for objects gone, and no publish of
                    // the branch, made again, runs meanwhile.
                    let read = Expect::ETag(etag);
                    let mut held =
                        claim(&store, Some(&state), &read, state.pruning(), &target).await?;
                    let deleted = async {
                        for batch in objects.chunks(crate::bucket::DELETE_BATCH) {
                            bucket.delete_batch(batch).await?;
                        }
                        bucket.delete_batch(&state_object).await?;
                        let prefix = self.preview_prefix(&listed.slug);
                        session::unregister_inside(&bucket, settings.bucket(), &prefix).await;
                        anyhow::Ok(())
                    };
                    let deleted = tokio::select! {
                        biased;
                        deleted = deleted => deleted,
                        lost = held.keep() => Err(lost),
                        stopped = self.cancel.wait() => Err(anyhow::anyhow!("{stopped}")),
                    };
                    if deleted.is_err() {
                        held.release().await;
                    }
                    deleted.map_err(Unfinished::Incomplete)
                });
                removed
                    .map_err(|unfinished| Error::unfinished(unfinished, self.cancel.stopped()))?;
                tracing::info!("removed the preview {}", listed.slug);
            }
            deleted.extend(objects.into_iter().map(|key| Done::Delete { key }));
            pruned.removed.push(listed);
        }
        let report = Report::new(
            pruned.target.clone(),
            None,
            0,
            deleted.into_iter().collect(),
            Vec::new(),
        );
        let report = Report {
            dry_run: settings.dry_run,
            ..report
        };
        pruned.invalidations = runtime
            .block_on(session::invalidate(settings, &report, &bucket))
            .map_err(|err| Error::not_invalidated(report, err))?;
        Ok(pruned)
    }

    /// Every preview under the previews' prefix, as its state says, in
    /// slug order: one listing, and a GET of each state.
    async fn found(&self, bucket: &Bucket) -> anyhow::Result<Vec<(ListedPreview, State, String)>> {
        let under = format!(
            "{}{}",
            self.settings.prefix(),
            self.settings.previews.prefix
        );
        let suffix = format!("/{STATE_KEY}");
        let listing = bucket.list(&under).await?;
        let slugs = (listing.iter())
            .filter_map(|listed| listed.key.strip_prefix(&under)?.strip_suffix(&suffix))
            .filter(|slug| !slug.contains('/'));
        let mut found = Vec::new();
        for slug in slugs {
            let key = State::key(&self.preview_prefix(slug));
            let Some(read) = bucket.get(&key, MAX_STATE_BYTES).await? else {
                continue;
            };
            let state = State::parse(&read.body, &key)?;
            let url = (self.settings.previews.url.as_ref()).map(|url| url.replace("{slug}", slug));
            let listed = ListedPreview {
                slug: slug.to_owned(),
                branch: state.path.clone(),
                revision: state.revision,
                published_at: state.published_at.clone(),
                url,
            };
            found.push((listed, state, read.etag));
        }
        Ok(found)
    }

    /// The async runtime and the bucket, for a command of its own.
    fn connected(&self) -> anyhow::Result<(tokio::runtime::Runtime, Bucket)> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let bucket = Bucket::connect(&self.settings.address(), self.settings.workers.get())?;
        Ok((runtime, bucket))
    }

    fn preview_prefix(&self, slug: &str) -> String {
        format!(
            "{}{}{slug}/",
            self.settings.prefix(),
            self.settings.previews.prefix
        )
    }

    fn preview_target(&self, slug: &str) -> String {
        format!(
            "s3://{}/{}",
            self.settings.bucket(),
            self.preview_prefix(slug)
        )
    }

    fn previews_target(&self) -> String {
        format!(
            "{}{}",
            self.settings.target(),
            self.settings.previews.prefix
        )
    }
}

/// The slug of the branch at `path` in the repository: its path below
/// `branches/`, in lowercase ASCII letters, digits and `-`, at most 63
/// characters. A name that had to be changed to fit gets a short hash of
/// the path, and so does a folder outside `branches/` and a name that
/// ends as a hash does (`-` and 6 hex digits), so that no two paths share
/// a slug.
pub(crate) fn slug(path: &str) -> String {
    let (name, plain) = match path.strip_prefix(BRANCHES) {
        Some(name) => (name, !ends_as_hashed(name)),
        None => (path, false),
    };
    let mut slug = String::new();
    for c in name.chars() {
        match c.to_ascii_lowercase() {
            c if c.is_ascii_alphanumeric() => slug.push(c),
            _ if !slug.is_empty() && !slug.ends_with('-') => slug.push('-'),
            _ => {}
        }
    }
    let slug = slug.trim_end_matches('-');
    if plain && slug == name && slug.len() <= MAX_SLUG && !slug.is_empty() {
        return slug.to_owned();
    }
    let hash = hex(&Sha256::digest(path.as_bytes())[..3]);
    let base = &slug[..slug.len().min(MAX_SLUG - hash.len() - 1)];
    match base.trim_end_matches('-') {
        "" => format!("branch-{hash}"),
        base => format!("{base}-{hash}"),
    }
}

/// Whether `name` ends as a hashed slug does: `-` and 6 hex digits.
fn ends_as_hashed(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(_, end)| {
        end.len() == 6
            && end
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_the_branch_name_where_it_fits_and_hashed_where_it_was_changed() {
        assert_eq!(slug("branches/feature-42"), "feature-42");
        let changed = [
            "branches/Feature_42",
            "branches/feature/42",
            "branches/feature 42",
            "branches/fé",
            "branches/-x-",
            "branches/日本",
            "tags/1.0",
            "trunk",
            "branches/trunk",
            "x",
            "branches/x",
            "branches/feature-x-bbf04e",
        ];
        let slugs: Vec<String> = changed.iter().map(|path| slug(path)).collect();
        for (path, slug) in changed.iter().zip(&slugs) {
            assert!(slug.len() <= MAX_SLUG, "{slug}");
            assert!(
                slug.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{path}: {slug}"
            );
            assert!(!slug.starts_with('-') && !slug.ends_with('-'), "{slug}");
        }
        assert!(slugs[0].starts_with("feature-42-") && slugs[0] != slugs[1]);
        assert!(slugs[1].starts_with("feature-42-") && slugs[1] != slugs[2]);
        assert!(slugs[5].starts_with("branch-"), "{}", slugs[5]);
        assert!(slugs[7].starts_with("trunk-"), "outside branches/");
        assert_eq!(slugs[8], "trunk", "a branch keeps its name");
        assert!(slugs[9].starts_with("x-") && slugs[10] == "x");
        assert!(slugs[11].starts_with("feature-x-bbf04e-"), "{}", slugs[11]);
        assert_eq!(
            slugs.len(),
            slugs
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
        let long = format!("branches/{}", "a".repeat(100));
        assert_eq!(slug(&long).len(), MAX_SLUG);
        let fits = format!("branches/{}", "a".repeat(63));
        assert_eq!(slug(&fits), "a".repeat(63));
        assert_eq!(slug(&format!("{fits}a")).len(), MAX_SLUG);
    }
}

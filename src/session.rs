//! One publish, status or verify: the tree opened and checked, the state
//! read, the plan made, and, for a publish, the plan run under the claim and
//! the state written last. Everything before [`Session::write`] writes
//! nothing.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

use crate::bucket::{Bucket, Expect};
use crate::cancel::Cancel;
use crate::claim::{self, StateObject};
use crate::cloudfront::{self, Invalidation};
use crate::config::Settings;
use crate::error::Incomplete;
use crate::plan::{self, Plan};
use crate::publish;
use crate::report::{Done, Progress, Report};
use crate::source::Source;
use crate::state::State;
use crate::tree::Revnum;
use crate::tree::Tree;

/// What every command knows before its first write: the tree, the bucket and
/// what it holds, every check passed.
pub(crate) struct Session {
    pub source: Source,
    pub tree: Tree,
    pub runtime: tokio::runtime::Runtime,
    pub bucket: Arc<Bucket>,
    /// `s3://bucket/prefix`, for messages.
    pub target: String,
    pub state_key: String,
    pub state: Option<State>,
    /// The state object as read, for the first conditional write.
    read: Expect,
    cancel: Cancel,
}

impl Session {
    /// Opens the tree and reads the bucket's state: the state's round trip
    /// runs while libsvn opens the tree.
    pub fn open(settings: &Settings, cancel: &Cancel) -> Result<Session> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let target = format!("s3://{}/{}", settings.bucket, settings.rules.prefix);
        let state_key = State::key(&settings.rules.prefix);
        let connected =
            Bucket::connect(&settings.address(), settings.workers.get()).map(|bucket| {
                let bucket = Arc::new(bucket);
                let (reader, key) = (Arc::clone(&bucket), state_key.clone());
                let reading = runtime.spawn(async move { reader.get(&key).await });
                (bucket, reading)
            });
        let exclude = settings.rules.exclude.clone();
        let folder = settings.source.as_deref();
        let source = match settings.url() {
            Some(url) => Source::url(url, folder, settings.revision, exclude, cancel.flag())?,
            None => Source::working_copy(&settings.wc, folder, exclude, cancel.flag())?,
        };
        let tree = source.tree();
        if tree.revision == 0 {
            bail!(
                "{} is at r0, where every repository is empty: there is nothing to publish; \
                 commit something first",
                tree.name
            );
        }
        let (bucket, reading) = connected?;
        let found = runtime.block_on(reading).context("reading the state")??;
        let (state, read) = match found {
            Some(found) => (
                Some(State::parse(&found.body, &state_key)?),
                Expect::ETag(found.etag),
            ),
            None => (None, Expect::Absent),
        };
        if let Some(state) = &state {
            state.check_continues(&tree, &state_key)?;
        }
        Ok(Session {
            source,
            tree,
            runtime,
            bucket,
            target,
            state_key,
            state,
            read,
            cancel: cancel.clone(),
        })
    }

    /// The revision the bucket holds completely, if any.
    pub fn published(&self) -> Option<Revnum> {
        self.state.as_ref().and_then(|state| state.revision)
    }

    /// Whether a publish was cut off and left its claim behind.
    pub fn cut_off(&self) -> bool {
        self.state
            .as_ref()
            .is_some_and(|state| state.publishing.is_some())
    }

    /// The requests of a publish, refused when it would delete too much.
    pub fn plan(&self, settings: &Settings) -> Result<Plan> {
        let mut changes = match self.published() {
            Some(revision) if !settings.full => self.source.changes_since(revision)?,
            _ => self.source.everything()?,
        };
        // A publish that was cut off may have written some files of its
        // revisions: whatever differs there from this one is published again.
        if !settings.full {
            let unfinished = self.state.as_ref().map_or_else(Vec::new, State::unfinished);
            for revision in unfinished
                .into_iter()
                .filter(|&rev| rev != self.tree.revision)
            {
                changes.merge(self.source.changes_since(revision)?);
            }
        }
        let mut plan = plan::plan(&changes, &settings.rules)?;
        if settings.full {
            let stale = self
                .runtime
                .block_on(self.bucket.list(&settings.rules.prefix))?;
            let stale = stale
                .into_iter()
                .map(|listed| listed.key)
                .filter(|key| *key != self.state_key && !settings.rules.is_excluded_key(key));
            plan.delete_also(stale);
        }
        if plan.delete_count() > settings.max_delete {
            bail!(
                "refusing to delete {} objects, more than --max-delete {}; raise it if that is intended",
                plan.delete_count(),
                settings.max_delete
            );
        }
        Ok(plan)
    }

    /// Claims the bucket in the state object, runs the plan while renewing
    /// the claim, counts what was done against the plan, then writes the
    /// state of the finished publish in its place. A cancel stops the plan
    /// between requests; a publish that stops releases its claim, so that
    /// the next one takes over at once.
    pub async fn write(
        &self,
        plan: &Plan,
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<Vec<Done>> {
        let store = StateObject {
            bucket: &self.bucket,
            key: &self.state_key,
        };
        let claimed = State::claim(self.state.as_ref(), &self.tree);
        let mut held = claim::claim(
            &store,
            self.state.as_ref(),
            &self.read,
            claimed,
            &self.target,
        )
        .await?;
        let outcome = tokio::select! {
            done = publish::execute(&self.bucket, plan, progress) => done.and_then(|done| {
                publish::check_complete(plan, &done)?;
                Ok(done)
            }),
            lost = held.keep() => Err(lost),
            stopped = self.cancel.wait() => Err(anyhow::anyhow!("{stopped}")),
        };
        match outcome {
            Ok(done) => {
                held.finish(&held.state().finished(self.tree.revision))
                    .await?;
                Ok(done)
            }
            Err(err) => {
                held.release().await;
                Err(err.context(Incomplete))
            }
        }
    }
}

/// After a publish that changed something: writes the paths it changed to
/// `invalidation_paths`, and has CloudFront invalidate them, unless this was
/// a dry run, with the bucket's credentials. The publish itself is complete
/// whatever happens here.
pub(crate) async fn invalidate(
    settings: &Settings,
    report: &Report,
    bucket: &Bucket,
) -> Result<Option<Invalidation>> {
    if settings.cloudfront.is_none() && settings.invalidation_paths.is_none() {
        return Ok(None);
    }
    let keys: Vec<String> = report
        .actions
        .iter()
        .map(|done| done.key().to_owned())
        .collect();
    if keys.is_empty() {
        return Ok(None);
    }
    let max_paths = settings
        .cloudfront
        .as_ref()
        .map_or(crate::config::DEFAULT_MAX_PATHS, |cloudfront| {
            cloudfront.max_paths
        });
    let paths = cloudfront::paths(&keys, max_paths);
    if let Some(file) = &settings.invalidation_paths {
        std::fs::write(file, paths.join("\n") + "\n")
            .with_context(|| format!("writing {}", file.display()))?;
    }
    let Some(cloudfront) = settings.cloudfront.as_ref().filter(|_| !report.dry_run) else {
        return Ok(None);
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let reference = format!("svn2s3-r{}-{nanos}", report.to);
    let made = cloudfront::invalidate(
        bucket.credentials(),
        &cloudfront.distribution,
        &paths,
        &reference,
    )
    .await;
    Ok(Some(Invalidation {
        distribution: cloudfront.distribution.clone(),
        paths,
        id: made.as_ref().ok().cloned(),
        error: made.err().map(|err| format!("{err:#}")),
    }))
}

/// Empties `invalidation_paths` before the first write: a file that cannot be
/// written stops the publish, and a publish that changes nothing leaves no
/// stale list behind.
pub(crate) fn clear_invalidation_paths(settings: &Settings) -> Result<()> {
    if let Some(file) = &settings.invalidation_paths {
        std::fs::write(file, "").with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(())
}

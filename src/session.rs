//! One publish, status or verify: the tree opened and checked, the state
//! read, what the planner needs found out and the plan made, and, for a
//! publish, the plan run under the claim and the state written last.
//! Everything before [`Session::write`] writes nothing. No decision of what
//! to publish is made here: that is [`crate::planner`]'s.
//!
//! The methods come in the order a publish calls them: [`Session::open`],
//! [`Session::plan`] (and what it asks of the tree and the bucket),
//! [`register_inside`], then [`Session::dry_run`] or
//! [`Session::write`] (the claim, the executor, the walk that feeds it);
//! last [`Session::verify`], which plans as a first publish does and
//! compares. [`invalidate`] follows a publish that changed something.

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use tokio::sync::mpsc::Receiver;

use crate::bucket::{Bucket, Expect};
use crate::cancel::Cancel;
use crate::claim::{Claimer, StateObject};
use crate::cloudfront::{self, Invalidation};
use crate::config::Settings;
use crate::error::Unfinished;
use crate::plan::{self, Rules, Upload};
use crate::planner::{self, Changes, Copies, Moves, Planned, Survey};
use crate::publish::{self, Order, Streamed};
use crate::report::{Changed, Done, Progress, Report, Tally};
use crate::source::Source;
use crate::state::{State, MAX_STATE_BYTES};
use crate::tree::Revnum;
use crate::tree::Tree;
use crate::verify;
use crate::website::Website;

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
    /// The rules of this publish, once read.
    rules: OnceCell<Rules>,
    /// What a preview's first publish copies from production.
    copies: OnceCell<Option<Copies>>,
}

impl Session {
    /// Opens the tree and reads the bucket's state: the state's round trip
    /// runs while libsvn opens the tree.
    pub fn open(settings: &Settings, cancel: &Cancel) -> Result<Session> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let target = settings.target();
        let state_key = State::key(&settings.rules.prefix);
        let connected =
            Bucket::connect(&settings.address(), settings.workers.get()).map(|bucket| {
                let bucket = Arc::new(bucket);
                let (reader, key) = (Arc::clone(&bucket), state_key.clone());
                let reading = runtime.spawn(async move { reader.get(&key, MAX_STATE_BYTES).await });
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
            state.check_continues(&tree, &state_key, settings.rollback)?;
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
            rules: OnceCell::new(),
            copies: OnceCell::new(),
        })
    }

    /// The revision the bucket holds completely, if any.
    pub fn published(&self) -> Option<Revnum> {
        self.state.as_ref().and_then(|state| state.revision)
    }

    /// The rules of this publish: the settings', and the svn2s3 properties
    /// the published folder inherits from above it.
    pub fn rules(&self, settings: &Settings) -> Result<&Rules> {
        if let Some(rules) = self.rules.get() {
            return Ok(rules);
        }
        let rules = Rules {
            inherited: self.source.inherited()?,
            ..settings.rules.clone()
        };
        Ok(self.rules.get_or_init(|| rules))
    }

    /// The rules the plan was made by, for writing it.
    fn planned_rules(&self) -> Result<&Rules, Unfinished> {
        (self.rules.get())
            .ok_or_else(|| Unfinished::Unwritten(anyhow::anyhow!("a publish is planned first")))
    }

    /// What the planner needs to know, found out, and the plan it makes.
    pub fn plan(&self, settings: &Settings) -> Result<Planned> {
        let cx = planner::Context {
            rules: self.rules(settings)?,
            state: self.state.as_ref(),
            revision: self.tree.revision,
            full: settings.full,
            max_delete: settings.max_delete,
            keep: planner::Keep {
                removed: settings.keep_removed,
                now: time::OffsetDateTime::now_utc(),
            },
        };
        let needs = planner::needs(&cx)?;
        let planned = match needs.from {
            Some(from) => {
                let mut changes = self.source.changes_since(from)?;
                // A publish that was cut off may have written some files of
                // its revisions: whatever differs there is published again.
                for revision in needs.unfinished {
                    changes.merge(self.cut_off(revision)?);
                }
                let history = needs.history.map(|from| self.source.history(from));
                let whole = needs.whole.then(|| self.source.everything());
                let changes = Changes {
                    changes,
                    history: history.transpose()?,
                    whole: whole.transpose()?.map(|whole| whole.uploads),
                };
                planner::incremental(&cx, changes, &self.source)?
            }
            None => {
                self.copies.get_or_init(|| self.copies(settings, cx.rules));
                self.survey(&cx, &needs, settings.previewing.is_some())?
            }
        };
        for note in &planned.notes {
            tracing::warn!("{} {note}", self.target);
        }
        Ok(planned)
    }

    /// What a preview's first publish may copy from production, if it may:
    /// production's state read (one GET), and the tree compared with the
    /// folder and revision it holds (one diff-summarize). Anything that
    /// keeps it from copying is said, and every file is sent instead.
    fn copies(&self, settings: &Settings, rules: &Rules) -> Option<Copies> {
        let previewing = settings.previewing.as_ref()?;
        if self.state.is_some() {
            return None;
        }
        let copies = || -> Result<std::result::Result<Copies, String>> {
            let key = State::key(&previewing.production);
            let Some(found) = self
                .runtime
                .block_on(self.bucket.get(&key, MAX_STATE_BYTES))?
            else {
                return Ok(Err("production holds nothing".into()));
            };
            let production = State::parse(&found.body, &key)?;
            let (path, revision) = match planner::copies_from(&production, &self.tree, rules) {
                Ok(from) => from,
                Err(why) => return Ok(Err(why.into())),
            };
            let (changed, reshaped) = self.source.differences_from(path, revision)?;
            Ok(Ok(Copies {
                production: previewing.production.clone(),
                own: rules.prefix.clone(),
                changed,
                reshaped,
                production_state: production.clone(),
            }))
        };
        match copies() {
            Ok(Ok(copies)) => Some(copies),
            Ok(Err(why)) => {
                tracing::warn!("{} copies nothing from production: {why}", self.target);
                None
            }
            Err(err) => {
                tracing::warn!("{} copies nothing from production: {err:#}", self.target);
                None
            }
        }
    }

    /// What changed since `revision`, which a publish that was cut off may
    /// have written part of.
    fn cut_off(&self, revision: Revnum) -> Result<plan::Changeset> {
        self.source.changes_since(revision).with_context(|| {
            format!(
                "the state says a publish of r{revision} was cut off, and what it changed cannot \
                 be read; `--full` publishes everything again without it"
            )
        })
    }

    /// The plan of a first publish or `--full`: a survey of the whole tree
    /// against the listing of the prefix. A working copy is walked twice,
    /// once now to check every file and once as it is published
    /// ([`Session::write`]), so that memory holds the listing, not the tree.
    /// A `preview`'s first publish is refused where objects are listed.
    fn survey(
        &self,
        cx: &planner::Context,
        needs: &planner::Needs,
        preview: bool,
    ) -> Result<Planned> {
        let listing = self.runtime.block_on(self.bucket.list(&cx.rules.prefix))?;
        if preview && cx.state.is_none() {
            planner::check_preview_prefix(&cx.rules.prefix, &listing)?;
        }
        // What a publish cut off may have written of files gone since.
        let mut gone = Vec::new();
        for &revision in &needs.unfinished {
            gone.extend(self.cut_off(revision)?.deletes);
        }
        let moves = |from| -> Result<Moves> {
            Ok(Moves {
                history: self.source.history(from)?,
                deleted: self.source.deleted_since(from)?,
            })
        };
        let moves = needs.history.map(moves).transpose()?;
        self.surveyed(cx, Some(listing), moves, gone)
    }

    /// A survey of the whole tree (see [`Survey`]), against `listing` when
    /// there is one. A working copy is seen one file at a time, and its
    /// objects left to a second walk ([`Session::with_walk`]); a URL's
    /// tree is read whole.
    fn surveyed(
        &self,
        cx: &planner::Context,
        listing: Option<Vec<plan::Listed>>,
        moves: Option<Moves>,
        gone: Vec<String>,
    ) -> Result<Planned> {
        let mut survey = Survey::new(cx, listing, moves);
        let skipped = self.source.survey(|file| Ok(survey.see(&file)?))?;
        survey.skip(skipped);
        survey.finish(&self.source, gone)
    }

    /// What a dry run of the plan would do, without a request.
    pub fn dry_run(&self, planned: &Planned) -> Result<Tally> {
        let mut tally = Tally::default();
        let mut planned_requests = publish::dry_run(&planned.plan).into_iter();
        if planned.streamed.is_some() {
            // In the order the publish makes them: the clear phase first.
            let clear = planned.plan.clear().len();
            planned_requests
                .by_ref()
                .take(clear)
                .for_each(|done| tally.add(done));
            self.walk_objects(|upload| {
                tally.add(Done::planned(&upload));
                Ok(())
            })?;
        }
        planned_requests.for_each(|done| tally.add(done));
        Ok(tally)
    }

    /// Claims the bucket in the state object, runs the plan while renewing
    /// the claim, counts what was done against the plan, then writes the
    /// state of the finished publish in its place. A cancel stops the plan
    /// between requests; a publish that stops releases its claim, so that
    /// the next one takes over at once. A failure says whether it wrote.
    pub fn write(
        &self,
        planned: &Planned,
        between: &Between<'_>,
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<Tally, Unfinished> {
        if planned.streamed.is_some() {
            return self.write_streamed(planned, between, progress);
        }
        let plan = &planned.plan;
        let rules = self.planned_rules()?;
        let work = async {
            progress(publish::started(plan));
            execute(&self.bucket, planned, rules, between, progress, None).await
        };
        let (claimer, claimed, finished) = self.claimer(planned);
        self.runtime.block_on(claimer.run(claimed, work, finished))
    }

    /// A streamed publish: the files come from a walk of the working copy
    /// on this thread (libsvn's client is this thread's), through a short
    /// queue, to the requests, run on another thread under the claim.
    fn write_streamed(
        &self,
        planned: &Planned,
        between: &Between<'_>,
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<Tally, Unfinished> {
        let requests = planned.write_count() + planned.plan.delete_count();
        // The tree stays on this thread: the other takes only what it needs.
        let (bucket, runtime) = (&self.bucket, &self.runtime);
        let rules = self.planned_rules()?;
        let (claimer, claimed, finished) = self.claimer(planned);
        let copied = (self.copies.get().and_then(Option::as_ref)).map(|copies| {
            (
                State::key(&copies.production),
                copies.production_state.clone(),
            )
        });
        let (walked, published, gone) = self.with_walk(|walk| {
            let run = async {
                // The files' sizes are not known before they are read.
                progress(Progress::Started { requests, bytes: 0 });
                let tally = execute(bucket, planned, rules, between, progress, Some(walk)).await?;
                if let Some((key, read)) = &copied {
                    check_copied_from(bucket, key, read).await?;
                }
                Ok(tally)
            };
            runtime.block_on(claimer.run(claimed, run, finished))
        });
        match (walked, published) {
            // The claim was refused: nothing was written, whatever the walk did.
            (_, Err(Unfinished::Unwritten(err))) => Err(Unfinished::Unwritten(err)),
            // The requests stopped first: theirs is the error that matters.
            (Err(_), published) if gone => published,
            (Err(err), _) => Err(Unfinished::Incomplete(err)),
            (Ok(_), published) => published,
        }
    }

    /// Walks the working copy on this thread (libsvn's client is this
    /// thread's) and sends each file's objects, through a short queue, to
    /// `take`, run on another thread: what the walk did (how many objects
    /// it sent), what `take` gave, and whether `take` stopped listening
    /// before the walk's end.
    fn with_walk<T: Send>(
        &self,
        take: impl FnOnce(Receiver<Streamed>) -> T + Send,
    ) -> (Result<usize>, T, bool) {
        let (queue, walk) = tokio::sync::mpsc::channel(STREAM_QUEUE);
        let mut gone = false;
        std::thread::scope(|scope| {
            let taking = scope.spawn(|| take(walk));
            let walked = self.walk_objects(|upload| {
                let sent = queue.blocking_send(Streamed::Object(Box::new(upload)));
                gone = sent.is_err();
                sent.map_err(|_| anyhow::anyhow!("the requests stopped"))
            });
            if let Ok(objects) = walked {
                queue.blocking_send(Streamed::End { objects }).ok();
            }
            drop(queue);
            let taken = taking
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (walked, taken, gone)
        })
    }

    /// The objects of every file of a streamed plan, from a second walk of
    /// the working copy, each given to `each`; how many there were. The
    /// survey planned the rest: redirects, and what is skipped.
    fn walk_objects(&self, mut each: impl FnMut(Upload) -> Result<()>) -> Result<usize> {
        let rules = self
            .rules
            .get()
            .context("a streamed publish is planned first")?;
        let mut objects = 0;
        let copies = self.copies.get().and_then(Option::as_ref);
        self.source.each_file(|file| {
            if let plan::Objects::Written(uploads) = plan::objects(&file, rules)? {
                for upload in uploads {
                    objects += 1;
                    let from = copies.and_then(|copies| copies.source_of(&file, &upload));
                    match from {
                        Some(from) => each(upload.copied_from(from))?,
                        None => each(upload)?,
                    }
                }
            }
            Ok(())
        })?;
        Ok(objects)
    }

    /// What claiming the bucket for `planned` takes, apart from the tree
    /// (which stays on this thread): the claimer, the claim, and the state
    /// of the finished publish, made of the claim.
    fn claimer<'a>(
        &'a self,
        planned: &'a Planned,
    ) -> (
        Claimer<'a>,
        State,
        impl FnOnce(&State, &Tally) -> State + Send + 'a,
    ) {
        let claimed = State::claim(self.state.as_ref(), &self.tree);
        let finished = |claim: &State, _: &Tally| claim.finished(planned.published.clone());
        let claimer = Claimer {
            store: StateObject {
                bucket: &self.bucket,
                key: &self.state_key,
            },
            previous: self.state.as_ref(),
            read: &self.read,
            target: &self.target,
            cancel: &self.cancel,
        };
        (claimer, claimed, finished)
    }

    /// Compares the bucket with what a survey of the tree writes, which is
    /// what it must hold at the published revision (see [`verify`]): the
    /// survey's objects and redirects, and the objects of a second walk as
    /// it makes them, so that memory holds the listing, not the tree.
    pub fn verify(&self, settings: &Settings) -> Result<crate::verify::Drift> {
        let Some(published) = self.published() else {
            bail!("nothing is published at {}", self.target);
        };
        let tree = &self.tree;
        if published != tree.revision {
            bail!(
                "the bucket holds r{published} and {} is at r{}; {} to verify it",
                tree.name,
                tree.revision,
                tree.how_to_reach(published)
            );
        }
        let rules = self.rules(settings)?;
        let cx = planner::Context {
            rules,
            state: self.state.as_ref(),
            revision: tree.revision,
            full: false,
            max_delete: usize::MAX,
            keep: planner::Keep::default(),
        };
        let planned = self.surveyed(&cx, None, None, Vec::new())?;
        let listed: Vec<Upload> = (planned.plan.uploads().iter())
            .chain(planned.plan.redirects())
            .cloned()
            .collect();
        let (bucket, runtime) = (&self.bucket, &self.runtime);
        let listing = runtime.block_on(bucket.list(&rules.prefix))?;
        let foreign = planner::foreign_prefixes(
            listing.iter().map(|listed| listed.key.as_str()),
            &rules.prefix,
        );
        // Other publishes' prefixes, as the listing shows their states, as
        // a survey fences them: one the state names whose state is gone is
        // this publish's again.
        // Objects removed but kept (`keep_removed:`) may stand, or be gone.
        let none = std::collections::BTreeMap::new();
        let waiting = self.state.as_ref().map_or(&none, |state| &state.removed);
        let ignored = |key: &str| {
            cx.is_state_key(key)
                || rules.is_excluded_key(key)
                || planner::holding(&foreign, key).is_some()
                || waiting.contains_key(key)
        };
        let compare = |walk| verify::compare(bucket, listed, walk, listing, ignored);
        if planned.streamed.is_none() {
            return runtime.block_on(compare(None));
        }
        let (walked, drift, gone) = self.with_walk(|walk| runtime.block_on(compare(Some(walk))));
        match (walked, drift) {
            // The walk failed first: its error is the one that matters.
            (Err(err), _) if !gone => Err(err),
            (_, drift) => drift,
        }
    }
}

/// Adds the prefix of `settings` to the `nested:` of every publish whose
/// prefix holds it (read from the state objects of the prefixes above it,
/// one each), so that their publishes never write or delete there, before
/// this one writes anything. Made by a first publish and `--full`; refused
/// (waitable) while such a publish is under way.
pub(crate) fn register_inside(
    runtime: &tokio::runtime::Runtime,
    bucket: &Bucket,
    settings: &Settings,
) -> Result<()> {
    let prefix = &settings.rules.prefix;
    for outer in outers(prefix) {
        let key = State::key(outer);
        let target = format!("s3://{}/{outer}", settings.bucket);
        let registered = runtime.block_on(async {
            let Some(found) = bucket.get(&key, MAX_STATE_BYTES).await? else {
                return anyhow::Ok(true);
            };
            // A state this svn2s3 cannot read (a newer one's, or
            // another tool's) is not told, and its publishes would
            // delete this one's objects: refused.
            let mut state = State::parse(&found.body, &key).with_context(|| {
                format!("{target} holds {prefix}, and cannot be told to leave it alone")
            })?;
            if !state.nested.insert(prefix.clone()) {
                return Ok(true);
            }
            state.check_unclaimed(&target)?;
            let body = state.to_yaml();
            let written = bucket
                .put_if(&key, body.as_bytes(), &Expect::ETag(found.etag))
                .await?;
            Ok(written != crate::bucket::Cas::Conflict)
        })?;
        if !registered {
            bail!(crate::state::Busy(format!(
                "another publish to {target}, which holds this prefix, began at the same moment; \
                 run again when it is done, or with --wait"
            )));
        }
        tracing::info!("{target} holds {prefix}: told to leave it alone");
    }
    Ok(())
}

/// Takes `prefix`, whose state is gone (a preview pruned), out of the
/// `nested:` of every publish whose prefix holds it, in the bucket named
/// `name`, so that their publishes fence it no more. Best effort: a state
/// under a claim, or written meanwhile, keeps it (fenced, as before).
pub(crate) async fn unregister_inside(bucket: &Bucket, name: &str, prefix: &str) {
    for outer in outers(prefix) {
        let key = State::key(outer);
        let told = async {
            let Some(found) = bucket.get(&key, MAX_STATE_BYTES).await? else {
                return anyhow::Ok(false);
            };
            let mut state = State::parse(&found.body, &key)?;
            if state.publishing.is_some() || !state.nested.remove(prefix) {
                return Ok(false);
            }
            let body = state.to_yaml();
            let written = bucket
                .put_if(&key, body.as_bytes(), &Expect::ETag(found.etag))
                .await?;
            Ok(written != crate::bucket::Cas::Conflict)
        };
        match told.await {
            Ok(true) => tracing::info!("s3://{name}/{outer} no longer holds {prefix}"),
            Ok(false) => {}
            Err(err) => tracing::warn!("s3://{name}/{outer} still holds {prefix}: {err:#}"),
        }
    }
}

/// The prefixes above `prefix`, the bucket's root first: where the
/// publishes that hold it keep their state.
fn outers(prefix: &str) -> impl Iterator<Item = &str> {
    std::iter::once("")
        .chain(prefix.match_indices('/').map(|(at, _)| &prefix[..=at]))
        .filter(move |outer| *outer != prefix)
}

/// Runs `planned` (and the objects `walk` sends), doing `between` before
/// the deletes, and counts what was done against the plan: the one way
/// every publish of a tree writes.
async fn execute(
    bucket: &Arc<Bucket>,
    planned: &Planned,
    rules: &Rules,
    between: &Between<'_>,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    walk: Option<tokio::sync::mpsc::Receiver<Streamed>>,
) -> Result<Tally> {
    let (plan, present) = (&planned.plan, &planned.present);
    let order = Order {
        is_page: &|key: &str| rules.is_page(key),
        live: planned.live,
    };
    let step = |changed| between.run(bucket, changed);
    let (executed, invalidations) =
        publish::execute(bucket, plan, present, progress, walk, order, step).await?;
    publish::check_complete(plan, &executed.planned)?;
    let mut tally = executed.tally();
    tally.invalidations = Some(invalidations);
    Ok(tally)
}

/// What a publish does once its pages are up and before its deletes: the
/// bucket's website configuration written, where it differs, and
/// CloudFront told what changed, so that no page it serves links to an
/// object deleted before it knew.
pub(crate) struct Between<'a> {
    pub settings: &'a Settings,
    pub website: Option<&'a Website>,
    /// The revision (or build) published, for the invalidation's reference.
    pub to: Revnum,
}

impl Between<'_> {
    /// Does it, for a publish that `changed` what it did so far and will
    /// delete: the invalidations made.
    pub async fn run(&self, bucket: &Bucket, changed: Changed) -> Result<Vec<Invalidation>> {
        write_website(bucket, self.website).await?;
        invalidate_changed(self.settings, changed, false, self.to, bucket).await
    }
}

/// What `website:` in the settings changes of the bucket's website
/// configuration (one read of it), and the configuration to write; `None`
/// where the settings have none, or the bucket holds it already.
pub(crate) fn website_change(
    runtime: &tokio::runtime::Runtime,
    bucket: &Bucket,
    settings: &Settings,
) -> Result<Option<(Website, Vec<String>)>> {
    let Some(wanted) = &settings.website else {
        return Ok(None);
    };
    let current = runtime.block_on(bucket.website())?;
    let differences = crate::website::differences(current.as_ref(), wanted);
    Ok((!differences.is_empty()).then(|| (wanted.clone(), differences)))
}

/// Writes the bucket's website configuration, where there is one to write.
pub(crate) async fn write_website(bucket: &Bucket, website: Option<&Website>) -> Result<()> {
    match website {
        Some(website) => {
            bucket.put_website(website).await?;
            tracing::info!("wrote the bucket's website configuration");
            Ok(())
        }
        None => Ok(()),
    }
}

/// Fails unless production's state object, at `key`, says what `read`
/// said when a preview's first publish decided what to copy from
/// production (but for the publishes it holds: the preview adds itself):
/// a publish of production since may have changed the objects copied.
async fn check_copied_from(bucket: &Bucket, key: &str, read: &State) -> Result<()> {
    let holding_nothing = |state: &State| State {
        nested: BTreeSet::new(),
        ..state.clone()
    };
    let now = match bucket.get(key, MAX_STATE_BYTES).await? {
        Some(found) => Some(State::parse(&found.body, key)?),
        None => None,
    };
    if now.as_ref().map(holding_nothing) != Some(holding_nothing(read)) {
        bail!("{key} changed while this preview copied production's objects; publish it again");
    }
    Ok(())
}

/// How many objects a streamed publish's walk (or a build's queue) may be
/// ahead of its requests.
pub(crate) const STREAM_QUEUE: usize = 256;

/// After a dry run (its path list), a prune, or a publish that did not
/// invalidate before its deletes (one that wrote nothing): see
/// [`invalidate_changed`].
pub(crate) async fn invalidate(
    settings: &Settings,
    report: &Report,
    bucket: &Bucket,
) -> Result<Vec<Invalidation>> {
    invalidate_changed(
        settings,
        report.changed(),
        report.dry_run,
        report.to,
        bucket,
    )
    .await
}

/// Writes the paths that `changed` (by the publish of `to`, a revision or
/// a build) to `invalidation_paths`, and has each CloudFront distribution
/// invalidate them, unless this is a dry run, with the bucket's
/// credentials. A publish makes it once its pages are up, before its
/// deletes; an invalidation that failed says why in its `error`, and the
/// publish goes on.
pub(crate) async fn invalidate_changed(
    settings: &Settings,
    changed: Changed,
    dry_run: bool,
    to: Revnum,
    bucket: &Bucket,
) -> Result<Vec<Invalidation>> {
    if settings.cloudfront.is_none() && settings.invalidation_paths.is_none() {
        return Ok(Vec::new());
    }
    let keys = match changed {
        Changed::Nothing => return Ok(Vec::new()),
        Changed::Keys(keys) => Some(keys),
        Changed::Everything => None,
    };
    let cloudfront = settings.cloudfront.as_ref();
    let max_paths = cloudfront.map_or(crate::config::DEFAULT_MAX_PATHS, |cf| cf.max_paths);
    let paths = |origin_path: &str| {
        let Some(keys) = &keys else {
            return vec!["/*".to_owned()];
        };
        let served = cloudfront::Served {
            origin_path,
            index: cloudfront.and_then(|cf| cf.index.as_deref()),
            bare_folders: cloudfront.is_some_and(|cf| cf.bare_folders),
        };
        cloudfront::paths(&cloudfront::served_paths(keys, &served), max_paths)
    };
    if let Some(file) = &settings.invalidation_paths {
        let origin_path = cloudfront.and_then(|cf| cf.origin_path.as_deref());
        let paths = paths(origin_path.unwrap_or(""));
        std::fs::write(file, paths.join("\n") + "\n")
            .with_context(|| format!("writing {}", file.display()))?;
    }
    let Some(cloudfront) = cloudfront.filter(|_| !dry_run) else {
        return Ok(Vec::new());
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let reference = format!("svn2s3-r{to}-{nanos}");
    let api = cloudfront::Api {
        http: bucket.http(),
        credentials: bucket.credentials(),
        endpoint: cloudfront
            .endpoint
            .as_deref()
            .unwrap_or(cloudfront::ENDPOINT),
    };
    let (api, reference) = (&api, &reference);
    let each = cloudfront
        .distributions
        .iter()
        .map(|distribution| async move {
            let made = async {
                let origin_path = match &cloudfront.origin_path {
                    Some(path) => path.clone(),
                    None => cloudfront::origin_path(api, distribution, &settings.bucket).await?,
                };
                // None of the keys may be under the origin path.
                let paths = paths(&origin_path);
                if paths.is_empty() {
                    return Ok((None, paths));
                }
                let id = cloudfront::invalidate(api, distribution, &paths, reference).await?;
                tracing::info!(distribution, id, paths = paths.len(), "invalidated");
                anyhow::Ok((Some(id), paths))
            };
            let (id, paths, error) = match made.await {
                Ok((id, paths)) => (id, paths, None),
                Err(err) => {
                    let error = crate::redact::urls(&format!("{err:#}")).into_owned();
                    (None, Vec::new(), Some(error))
                }
            };
            Invalidation {
                distribution: distribution.clone(),
                paths,
                id,
                error,
            }
        });
    Ok(futures_util::future::join_all(each).await)
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

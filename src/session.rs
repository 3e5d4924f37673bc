//! One publish, status or verify: the tree opened and checked, the state
//! read, the plan made, and, for a publish, the plan run under the claim and
//! the state written last. Everything before [`Session::write`] writes
//! nothing.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

use crate::bucket::{Bucket, Expect, Listed};
use crate::cancel::Cancel;
use crate::claim::{self, StateObject};
use crate::cloudfront::{self, Invalidation};
use crate::config::Settings;
use crate::error::Incomplete;
use crate::plan::Upload;
use crate::plan::{self, Changeset, Plan, Rules, Skipped};
use crate::publish;
use crate::redirect::{self, Table};
use crate::report::{Done, Progress, Report, Tally};
use crate::shape::{self, Shaping};
use crate::source::Source;
use crate::state::{Published, State};
use crate::tree::Revnum;
use crate::tree::Tree;

/// The requests of a publish, and what the bucket holds after them.
pub(crate) struct Planned {
    pub plan: Plan,
    /// What the state records once the plan is done.
    pub published: Published,
    /// When the rules changed since the last publish, which, in a few
    /// words: the whole tree was walked to apply them.
    pub walked: Option<String>,
    /// The objects a first publish or `--full` found under keys it uploads
    /// to: each is uploaded only if it does not hold its file already.
    pub present: HashMap<String, Listed>,
    /// A first publish or `--full` of a working copy: its files are not in
    /// `plan` but come from a second walk, as they are published.
    pub streamed: Option<Streamed>,
}

/// The files of a streamed publish, as the walk that checked them found them.
pub(crate) struct Streamed {
    /// The rules their objects are made by.
    pub rules: Rules,
    /// How many objects they make at most (files and twins).
    pub objects: usize,
}

impl Planned {
    /// The objects the plan writes: uploads, rewrites and redirects.
    pub fn write_count(&self) -> usize {
        self.plan.write_count()
            + self
                .streamed
                .as_ref()
                .map_or(0, |streamed| streamed.objects)
    }

    /// Whether the plan makes no request.
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
            && self
                .streamed
                .as_ref()
                .map_or(true, |streamed| streamed.objects == 0)
    }

    /// Whether the state must be written even if no object is: the rules,
    /// the redirects or the revision differ from what `state` records.
    pub fn moves_state(&self, state: Option<&State>) -> bool {
        let Some(state) = state else { return true };
        let published = &self.published;
        state.revision != Some(published.revision)
            || state.rolled_back_from != published.rolled_back_from
            || state.rules.as_ref() != Some(&published.rules)
            || state.redirects != published.redirects
            || state.publishing.is_some()
    }
}

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
        let target = settings.target();
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
        })
    }

    /// The revision the bucket holds completely, if any.
    pub fn published(&self) -> Option<Revnum> {
        self.state.as_ref().and_then(|state| state.revision)
    }

    /// The requests of a publish, refused when it would delete too much,
    /// and what the bucket holds once they are made.
    pub fn plan(&self, settings: &Settings) -> Result<Planned> {
        let rules = Rules {
            inherited: self.source.inherited()?,
            ..settings.rules.clone()
        };
        let from = self.published().filter(|_| !settings.full);
        if from.is_none() && self.source.streams() {
            return self.plan_streamed(settings, rules);
        }
        let mut changes = match from {
            Some(revision) => self.source.changes_since(revision)?,
            None => self.source.everything()?,
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
        let mut plan = plan::plan(&changes, &rules)?;
        // Below a folder whose svn2s3 properties changed, every file is
        // published again, as a file whose own properties changed is.
        let reshaped = Changeset {
            uploads: std::mem::take(&mut changes.reshaped),
            ..Changeset::default()
        };
        let again = plan::plan(&reshaped, &rules)?;
        plan.uploads.extend(again.uploads);
        plan.uploads.sort_by(|a, b| a.key.cmp(&b.key));
        plan.skipped.extend(again.skipped);
        changes.uploads.extend(reshaped.uploads);

        let shaping = Shaping::of(&rules);
        let before = self.state.as_ref().and_then(|state| state.rules.as_ref());
        let old_rules = match before {
            Some(before) if from.is_some() && before.digest != shaping.digest => {
                let old = before.rules(&rules.prefix).with_context(|| {
                    format!(
                        "the rules recorded in {} no longer read; publish with --full",
                        self.state_key
                    )
                })?;
                self.apply_rules(&mut plan, &changes, &old, &rules)?;
                Some((old, shaping.changes_from(before)))
            }
            _ => None,
        };

        let old = old_rules.as_ref().map(|(old, _)| old);
        let table = self.redirects(&mut plan, &changes, from, &rules, old)?;
        // A first publish or `--full` lists the prefix: what it holds
        // already need not be sent again (a bucket `aws s3 sync` filled, a
        // publish cut off), and with `--full` what the tree lacks goes.
        let mut present = HashMap::new();
        if from.is_none() {
            let listed = self
                .runtime
                .block_on(self.bucket.list(&settings.rules.prefix))?;
            let uploads: std::collections::HashSet<&str> =
                plan.uploads.iter().map(|up| up.key.as_str()).collect();
            let mut stale = Vec::new();
            for listed in listed {
                if uploads.contains(listed.key.as_str()) {
                    present.insert(listed.key.clone(), listed);
                } else {
                    stale.push(listed.key);
                }
            }
            self.strays(&mut plan, stale, settings);
        }
        check_deletes(&plan, settings)?;
        Ok(Planned {
            plan,
            published: self.publishes(shaping, table),
            walked: old_rules.map(|(_, why)| why),
            present,
            streamed: None,
        })
    }

    /// The plan of a first publish or `--full` of a working copy, which
    /// keeps no file: one walk checks the whole tree now, refusing what
    /// [`Session::plan`] would refuse and counting the objects, and a
    /// second gives the files as they are published ([`Session::write`]).
    /// Memory holds the listing of the prefix, not the tree.
    fn plan_streamed(&self, settings: &Settings, rules: Rules) -> Result<Planned> {
        let listed = self.runtime.block_on(self.bucket.list(&rules.prefix))?;
        let mut listing: HashMap<String, Listed> = listed
            .into_iter()
            .map(|listed| (listed.key.clone(), listed))
            .collect();
        let mut present = HashMap::new();
        // The redirects the state holds stay where their targets are still files.
        let table = self
            .state
            .as_ref()
            .map(|state| state.redirects.clone())
            .unwrap_or_default();
        let named: BTreeSet<&str> = table
            .keys()
            .chain(table.values())
            .map(String::as_str)
            .collect();
        let mut files_named = BTreeSet::new();
        let mut twins = plan::TwinCheck::default();
        let (mut objects, mut bad_key) = (0, None);
        let (_, skipped) = self.source.survey(|path| {
            match plan::keys_of(path, &rules) {
                Ok(keys) => {
                    objects += keys.len();
                    for key in keys {
                        if let Some(listed) = listing.remove(&key) {
                            present.insert(key, listed);
                        }
                    }
                }
                Err(err) => {
                    bad_key.get_or_insert(err);
                }
            }
            if named.contains(path) {
                files_named.insert(path.to_owned());
            }
            twins.see(path, &rules);
        })?;
        if let Some(err) = bad_key {
            return Err(err.into());
        }
        twins.check(&rules)?;

        let mut plan = Plan {
            skipped,
            ..Plan::default()
        };
        let published: BTreeSet<&str> = files_named.iter().map(String::as_str).collect();
        let deleted: BTreeSet<String> = table
            .values()
            .filter(|to| !published.contains(to.as_str()))
            .cloned()
            .collect();
        let update = redirect::update(&table, &Default::default(), &deleted, &published);
        for (path, target) in &update.table {
            plan.redirect(plan::moved_redirect(path, target, &rules)?);
        }
        let mut gone = Vec::new();
        for path in &update.delete {
            gone.push(plan::key(&rules, path)?);
        }
        // What a publish cut off may have written of files gone since.
        let unfinished = self.state.as_ref().map_or_else(Vec::new, State::unfinished);
        for revision in unfinished
            .into_iter()
            .filter(|&rev| rev != self.tree.revision)
        {
            for path in self.source.changes_since(revision)?.deletes {
                gone.extend(plan::keys_of(&path, &rules)?);
            }
        }
        plan.delete_also(gone);
        self.strays(&mut plan, listing.into_keys().collect(), settings);
        check_deletes(&plan, settings)?;
        Ok(Planned {
            plan,
            published: self.publishes(Shaping::of(&rules), update.table),
            walked: None,
            present,
            streamed: Some(Streamed { rules, objects }),
        })
    }

    /// The listed keys under the prefix that the tree does not have (the
    /// state's and excluded ones aside): `--full` deletes them; a first
    /// publish leaves them, as `aws s3 sync` without `--delete` does, and
    /// says how many.
    fn strays(&self, plan: &mut Plan, listed: Vec<String>, settings: &Settings) {
        let rules = &settings.rules;
        let stale: Vec<String> = listed
            .into_iter()
            .filter(|key| *key != self.state_key && !rules.is_excluded_key(key))
            .collect();
        if settings.full {
            plan.delete_also(stale);
        } else if !stale.is_empty() {
            tracing::warn!(
                "{} holds {} the tree does not have, left alone (--full deletes them)",
                self.target,
                crate::report::counted(stale.len(), "object")
            );
        }
    }

    /// What the bucket holds once a plan of this tree, shaped by `rules`
    /// and leaving `redirects`, is done.
    fn publishes(&self, rules: Shaping, redirects: Table) -> Published {
        Published {
            revision: self.tree.revision,
            rolled_back_from: self.published().filter(|&rev| rev > self.tree.revision),
            rules,
            redirects,
        }
    }

    /// Adds to `plan` what bringing the tree's objects from the `old` rules
    /// to `new` ones takes: one walk of the tree. The files `changes`
    /// deleted lose the keys the old rules gave them too.
    fn apply_rules(
        &self,
        plan: &mut Plan,
        changes: &Changeset,
        old: &Rules,
        new: &Rules,
    ) -> Result<()> {
        let tree = self.source.everything()?;
        let reshape = shape::reshape(&tree.uploads, &changes.published_paths(), old, new)?;
        plan.uploads.extend(reshape.uploads);
        plan.uploads.sort_by(|a, b| a.key.cmp(&b.key));
        plan.rewrites.extend(reshape.rewrites);
        plan.skipped.extend(reshape.skipped);
        let mut gone: Vec<String> = reshape.deletes.into_iter().collect();
        // Keys of paths the new rules exclude are left alone, gone or not.
        for path in changes.deletes.iter().filter(|p| !new.exclude.is_match(p)) {
            gone.extend(plan::keys_of(path, old)?);
        }
        plan.delete_also(gone);
        Ok(())
    }

    /// Adds the redirects of the change to `plan`, and returns the table of
    /// redirects the bucket holds after it. Moves come from one log request
    /// over the range published from `from`. Without `from` (a first
    /// publish, `--full`), `changes` holds the whole tree, which the table is
    /// checked against, and every redirect is written again. Redirects the
    /// `old` rules gave other headers are written again too.
    fn redirects(
        &self,
        plan: &mut Plan,
        changes: &Changeset,
        from: Option<Revnum>,
        rules: &Rules,
        old: Option<&Rules>,
    ) -> Result<Table> {
        let table = self
            .state
            .as_ref()
            .map(|state| state.redirects.clone())
            .unwrap_or_default();
        let published = changes.published_paths();
        let deleted: std::collections::BTreeSet<String> = if from.is_none() {
            table
                .values()
                .filter(|to| !published.contains(to.as_str()))
                .cloned()
                .collect()
        } else {
            changes.deletes.iter().cloned().collect()
        };
        let forward = from.filter(|&from| from < self.tree.revision);
        let mut moved = match forward {
            Some(from) if rules.redirects => {
                let gone = deleted.iter().map(String::as_str);
                let gone = gone.filter(|path| !rules.exclude.is_match(path));
                self.source.history(from)?.moves(gone)
            }
            _ => Default::default(),
        };
        // The new name must be published, and the old key free to hold a redirect.
        let clear: std::collections::BTreeSet<&String> = plan.clear.iter().collect();
        moved.retain(|old, new| {
            published.contains(new.as_str())
                && !rules.exclude.is_match(new)
                && plan::key(rules, old).is_ok_and(|key| !clear.contains(&key))
        });
        let update = redirect::update(&table, &moved, &deleted, &published);
        for (path, target) in &update.table {
            let redirect = plan::moved_redirect(path, target, rules)?;
            let reshaped = match old {
                Some(old) => plan::moved_redirect(path, target, old)?.headers != redirect.headers,
                None => from.is_none(),
            };
            if reshaped || update.write.contains_key(path) {
                plan.redirect(redirect);
            }
        }
        let gone = update.delete.iter().map(|path| plan::key(rules, path));
        plan.delete_also(gone.collect::<Result<Vec<_>, _>>()?);
        Ok(update.table)
    }

    /// Claims the bucket in the state object, runs the plan while renewing
    /// the claim, counts what was done against the plan, then writes the
    /// state of the finished publish in its place. A cancel stops the plan
    /// between requests; a publish that stops releases its claim, so that
    /// the next one takes over at once.
    pub fn write(
        &self,
        planned: &Planned,
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<Tally> {
        if planned.streamed.is_some() {
            return self.write_streamed(planned, progress);
        }
        let plan = &planned.plan;
        self.runtime.block_on(self.claimer().run(planned, async {
            progress(publish::started(plan));
            let done = publish::execute(&self.bucket, plan, &planned.present, progress).await?;
            publish::check_complete(plan, &done)?;
            Ok(done.into_iter().collect())
        }))
    }

    /// A streamed publish: the files come from a walk of the working copy
    /// on this thread (libsvn's client is this thread's), through a short
    /// queue, to the requests, run on another thread under the claim; then
    /// the redirects and deletes of the plan.
    fn write_streamed(
        &self,
        planned: &Planned,
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<Tally> {
        let (queue, objects) = tokio::sync::mpsc::channel(STREAM_QUEUE);
        let plan = &planned.plan;
        let requests = planned.write_count() + plan.delete_count();
        let (bucket, runtime, claimer) = (&self.bucket, &self.runtime, self.claimer());
        let mut gone = false;
        let (walked, published) = std::thread::scope(|scope| {
            let publishing = scope.spawn(|| {
                let run = async {
                    // The files' sizes are not known before they are read.
                    progress(Progress::Started { requests, bytes: 0 });
                    let mut tally = Tally::default();
                    publish::stream(bucket, objects, &planned.present, progress, &mut tally)
                        .await?;
                    let after = publish::execute(bucket, plan, &planned.present, progress).await?;
                    publish::check_complete(plan, &after)?;
                    after.into_iter().for_each(|done| tally.add(done));
                    Ok(tally)
                };
                runtime.block_on(claimer.run(planned, run))
            });
            let walked = self.walk_objects(planned, |upload| {
                let sent = queue.blocking_send(publish::Streamed::Object(Box::new(upload)));
                gone = sent.is_err();
                sent.map_err(|_| anyhow::anyhow!("the requests stopped"))
            });
            if let Ok((objects, _)) = &walked {
                let objects = *objects;
                queue.blocking_send(publish::Streamed::End { objects }).ok();
            }
            drop(queue);
            let published = publishing
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (walked, published)
        });
        match (walked, published) {
            // The requests stopped first: theirs is the error that matters.
            (Err(_), published) if gone => published,
            (Err(err), _) => Err(err.context(Incomplete)),
            (Ok((_, skipped)), published) => published.map(|tally| Tally { skipped, ..tally }),
        }
    }

    /// What a dry run of the plan would do, without a request.
    pub fn dry_run(&self, planned: &Planned) -> Result<Tally> {
        let mut tally = Tally::default();
        if planned.streamed.is_some() {
            let (_, skipped) = self.walk_objects(planned, |upload| {
                tally.add(Done::planned(&upload));
                Ok(())
            })?;
            tally.skipped = skipped;
        }
        publish::dry_run(&planned.plan)
            .into_iter()
            .for_each(|done| tally.add(done));
        Ok(tally)
    }

    /// The objects of every file of a streamed plan, from a second walk of
    /// the working copy, each given to `each`; how many there were, and the
    /// files not published (symbolic links, as [`plan::plan`] skips them).
    fn walk_objects(
        &self,
        planned: &Planned,
        mut each: impl FnMut(Upload) -> Result<()>,
    ) -> Result<(usize, Vec<Skipped>)> {
        let rules = &planned.streamed.as_ref().expect("a streamed plan").rules;
        let (mut objects, mut skipped) = (0, Vec::new());
        self.source.each_file(|file| {
            match plan::objects(&file, rules)? {
                plan::Objects::Written(uploads) => {
                    for upload in uploads {
                        objects += 1;
                        each(upload)?;
                    }
                }
                plan::Objects::Skipped(reason) => skipped.push(Skipped {
                    path: file.path,
                    reason,
                }),
                plan::Objects::Excluded => {}
            }
            Ok(())
        })?;
        Ok((objects, skipped))
    }

    /// What claiming the bucket takes, apart from the tree (which stays on
    /// this thread).
    fn claimer(&self) -> Claimer<'_> {
        Claimer {
            store: StateObject {
                bucket: &self.bucket,
                key: &self.state_key,
            },
            state: self.state.as_ref(),
            read: &self.read,
            tree: &self.tree,
            target: &self.target,
            cancel: &self.cancel,
        }
    }
}

/// The claim on the bucket, for the thread that makes the requests.
struct Claimer<'a> {
    store: StateObject<'a>,
    state: Option<&'a State>,
    read: &'a Expect,
    tree: &'a Tree,
    target: &'a str,
    cancel: &'a Cancel,
}

impl Claimer<'_> {
    /// Claims the bucket, runs `work` while renewing the claim, and writes
    /// the state of the finished publish, or releases the claim when `work`
    /// fails, is cancelled or loses the claim.
    async fn run(
        &self,
        planned: &Planned,
        work: impl std::future::Future<Output = Result<Tally>>,
    ) -> Result<Tally> {
        let claimed = State::claim(self.state, self.tree);
        let mut held =
            claim::claim(&self.store, self.state, self.read, claimed, self.target).await?;
        let outcome = tokio::select! {
            done = work => done,
            lost = held.keep() => Err(lost),
            stopped = self.cancel.wait() => Err(anyhow::anyhow!("{stopped}")),
        };
        match outcome {
            Ok(done) => {
                held.finish(&held.state().finished(planned.published.clone()))
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

/// How many objects a streamed publish's walk may be ahead of its requests.
const STREAM_QUEUE: usize = 256;

/// Refuses a plan that deletes more than `--max-delete` objects.
fn check_deletes(plan: &Plan, settings: &Settings) -> Result<()> {
    if plan.delete_count() > settings.max_delete {
        bail!(
            "refusing to delete {} objects, more than --max-delete {}; raise it if that is intended",
            plan.delete_count(),
            settings.max_delete
        );
    }
    Ok(())
}

/// After a publish that changed something: writes the paths it changed to
/// `invalidation_paths`, and has each CloudFront distribution invalidate
/// them, unless this was a dry run, with the bucket's credentials. The
/// publish itself is complete whatever happens here; an invalidation that
/// failed says why in its `error`.
pub(crate) async fn invalidate(
    settings: &Settings,
    report: &Report,
    bucket: &Bucket,
) -> Result<Vec<Invalidation>> {
    if settings.cloudfront.is_none() && settings.invalidation_paths.is_none() {
        return Ok(Vec::new());
    }
    // An object found holding its file already changed nothing served.
    let keys: Vec<String> = report
        .actions
        .iter()
        .filter(|done| {
            !matches!(
                done,
                Done::InPlace {
                    headers_rewritten: false,
                    ..
                }
            )
        })
        .map(|done| done.key().to_owned())
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }

    let cloudfront = settings.cloudfront.as_ref();
    let max_paths = cloudfront.map_or(crate::config::DEFAULT_MAX_PATHS, |cf| cf.max_paths);
    let paths = |origin_path: &str| {
        // A report that lists only some of its actions invalidates everything.
        if report.actions_omitted > 0 {
            return vec!["/*".to_owned()];
        }
        let served = cloudfront::Served {
            origin_path,
            index: cloudfront.and_then(|cf| cf.index.as_deref()),
            bare_folders: cloudfront.is_some_and(|cf| cf.bare_folders),
        };
        cloudfront::paths(&cloudfront::served_paths(&keys, &served), max_paths)
    };
    if let Some(file) = &settings.invalidation_paths {
        let origin_path = cloudfront.and_then(|cf| cf.origin_path.as_deref());
        let paths = paths(origin_path.unwrap_or(""));
        std::fs::write(file, paths.join("\n") + "\n")
            .with_context(|| format!("writing {}", file.display()))?;
    }
    let Some(cloudfront) = cloudfront.filter(|_| !report.dry_run) else {
        return Ok(Vec::new());
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let reference = format!("svn2s3-r{}-{nanos}", report.to);
    let credentials = bucket.credentials();
    let each = cloudfront.distributions.iter().map(|distribution| async {
        let made = async {
            let origin_path = match &cloudfront.origin_path {
                Some(path) => path.clone(),
                None => {
                    cloudfront::origin_path(credentials, distribution, &settings.bucket).await?
                }
            };
            // None of the keys may be under the origin path.
            let paths = paths(&origin_path);
            if paths.is_empty() {
                return Ok((None, paths));
            }
            let id = cloudfront::invalidate(credentials, distribution, &paths, &reference).await?;
            anyhow::Ok((Some(id), paths))
        };
        let (id, paths, error) = match made.await {
            Ok((id, paths)) => (id, paths, None),
            Err(err) => (None, Vec::new(), Some(format!("{err:#}"))),
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

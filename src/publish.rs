//! The one executor of every publish: a plan's phases (clear; the files'
//! objects that are not pages, listed by the plan or sent by a walk of the
//! tree as it goes, and the headers rewritten; the pages; the redirects;
//! what the publish does in between, such as CloudFront told; the
//! deletes), each finished before the next starts. A phase runs its jobs as they come, at most `workers`
//! at once, an upload or a batch of up to a thousand deletes each; the
//! bucket's budget decides how many requests and bytes they have in flight.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;

use anyhow::{anyhow, bail, Result};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::mpsc::Receiver;
use tokio::task::JoinSet;

use crate::bucket::{Adoption, Bucket, DELETE_BATCH};
use crate::plan::{Content, Listed, Plan, Upload};
use crate::report::{Changed, Done, Progress, Tally};

/// What [`execute`] would do, without a request: each request once, in
/// the order of the plan's lists (not of the phases).
pub fn dry_run(plan: &Plan) -> Vec<Done> {
    let delete = |key: &String| Done::Delete { key: key.clone() };
    plan.clear()
        .iter()
        .map(delete)
        .chain(plan.uploads().iter().map(Done::planned))
        .chain(plan.rewrites().iter().map(Done::rewritten))
        .chain(plan.redirects().iter().map(Done::planned))
        .chain(plan.deletes().iter().map(delete))
        .collect()
}

/// What `plan` will do, for `progress`: its requests, and the size of the
/// files it uploads (one look at each).
pub fn started(plan: &Plan) -> Progress<'static> {
    let requests = plan.write_count() + plan.delete_count();
    let bytes = plan
        .uploads()
        .iter()
        .filter_map(|upload| std::fs::metadata(upload.local()?).ok())
        .map(|meta| meta.len())
        .sum();
    Progress::Started { requests, bytes }
}

/// What the walk of a streamed publish sends: each object as the walk
/// makes it, then the end, with how many objects it sent.
pub enum Streamed {
    Object(Box<Upload>),
    End { objects: usize },
}

/// What a publish did: the requests of its plan, each to be checked
/// against it ([`check_complete`]), and the tally of the objects a walk
/// sent, which the plan does not list.
#[derive(Default)]
pub struct Executed {
    pub planned: Vec<Done>,
    pub walked: Tally,
}

impl Executed {
    /// Everything it did, counted.
    pub fn tally(self) -> Tally {
        let mut tally = self.walked;
        self.planned.into_iter().for_each(|done| tally.add(done));
        tally
    }
}

/// Runs a publish, its phases one after the other: the keys a file goes
/// beneath (the plan's clear list); the files' objects that are not pages,
/// then the pages (`is_page`), each from the plan and then as the walk of
/// the tree sends them, and the headers rewritten; then the redirects and
/// the deletes. No page goes live before what it links to, and nothing is
/// deleted before the pages that linked to it are replaced; `between`
/// runs after the redirects and before the deletes, told what the publish
/// changed so far and will delete (the bucket's website configuration is
/// written there, and CloudFront told). A walk's pages
/// wait for the other objects only where the prefix serves a site already
/// (see [`Order`]). Every phase runs as
/// many jobs at once as the bucket has requests in flight. An upload to a
/// key in `present` (a listing's objects) is made only if that object does
/// not hold the file already (see [`Bucket::adopt`]). `progress` hears of
/// each request as it ends. The walk must end, and must have sent every
/// object it counted; after a failure no new job starts.
pub async fn execute<T, B: Future<Output = Result<T>>>(
    bucket: &Arc<Bucket>,
    plan: &Plan,
    present: &HashMap<String, Listed>,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    walk: Option<Receiver<Streamed>>,
    order: Order<'_>,
    between: impl FnOnce(Changed) -> B,
) -> Result<(Executed, T)> {
    let is_page = order.is_page;
    let mut run = Runner {
        bucket,
        workers: bucket.max_in_flight(),
        progress,
        done: Executed {
            planned: Vec::with_capacity(plan.write_count() + plan.delete_count()),
            walked: Tally::default(),
        },
    };
    fn deletes(keys: &[String]) -> impl Iterator<Item = Result<Work>> + '_ {
        let batches = keys.chunks(DELETE_BATCH);
        batches.map(|batch| Ok(Work::planned(Job::Delete(batch.to_vec()))))
    }
    let adopt = |upload: Upload| match present.get(&upload.key) {
        Some(listed) => Job::Adopt(upload, listed.clone()),
        None => Job::Upload(upload),
    };
    run.phase(stream::iter(deletes(plan.clear()))).await?;
    let files = |pages: bool| {
        let uploads = (plan.uploads().iter()).filter(move |up| is_page(&up.key) == pages);
        let uploads = uploads
            .cloned()
            .map(|upload| Ok(Work::planned(adopt(upload))));
        let rewrites = (plan.rewrites().iter()).filter(move |up| is_page(&up.key) == pages);
        let rewrites = rewrites.map(|up| Ok(Work::planned(Job::Rewrite(up.clone()))));
        uploads.chain(rewrites)
    };
    let hold_pages = order.live;
    let mut held = Vec::new();
    let walked = stream::iter(walk.map(walked))
        .flatten()
        .filter_map(|object| {
            let work = match object {
                Ok(upload) if hold_pages && is_page(&upload.key) => {
                    held.push(upload);
                    None
                }
                object => Some(object.map(|upload| Work {
                    job: adopt(upload),
                    planned: false,
                })),
            };
            std::future::ready(work)
        });
    run.phase(stream::iter(files(false)).chain(walked)).await?;
    let held = held.into_iter().map(|upload| {
        Ok(Work {
            job: adopt(upload),
            planned: false,
        })
    });
    run.phase(stream::iter(files(true).chain(held))).await?;
    let redirects = plan.redirects().iter().cloned();
    let redirects = redirects.map(|upload| Ok(Work::planned(Job::Upload(upload))));
    run.phase(stream::iter(redirects)).await?;
    let mut changed = run.done.walked.clone();
    run.done
        .planned
        .iter()
        .for_each(|done| changed.add(done.clone()));
    let deletes_to_come = plan
        .deletes()
        .iter()
        .map(|key| Done::Delete { key: key.clone() });
    deletes_to_come.for_each(|done| changed.add(done));
    let between = between(changed.changed()).await?;
    run.phase(stream::iter(deletes(plan.deletes()))).await?;
    Ok((run.done, between))
}

/// Which objects a publish writes last.
#[derive(Clone, Copy)]
pub struct Order<'a> {
    /// Whether the object at a key is a page (see [`crate::plan::Rules::is_page`]).
    pub is_page: &'a (dyn Fn(&str) -> bool + Sync),
    /// Whether the prefix serves a site already: else the pages a walk
    /// sends go as they come, and its objects need not be held.
    pub live: bool,
}

/// The objects a walk sends, as it sends them; an error where the walk
/// stopped before its end, or sent other than it counted.
pub fn walked(walk: Receiver<Streamed>) -> impl Stream<Item = Result<Upload>> + Send {
    stream::unfold((walk, 0, false), |(mut walk, sent, over)| async move {
        if over {
            return None;
        }
        let (item, sent, over) = match walk.recv().await {
            Some(Streamed::Object(upload)) => (Ok(*upload), sent + 1, false),
            Some(Streamed::End { objects }) if objects == sent => return None,
            Some(Streamed::End { objects }) => (
                Err(anyhow!(
                    "the walk counted {objects} objects and sent {sent}"
                )),
                sent,
                true,
            ),
            None => (Err(anyhow!("the walk of the tree stopped")), sent, true),
        };
        Some((item, (walk, sent, over)))
    })
}

/// Refuses to call a publish complete unless `done` holds every request of
/// `plan`, each once: the last check before the state moves, kept apart from
/// [`execute`] so that it holds whatever happened inside it.
pub fn check_complete(plan: &Plan, done: &[Done]) -> Result<()> {
    let mut owed: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    let writes =
        plan.uploads()
            .iter()
            .chain(plan.redirects())
            .map(|upload| match upload.location() {
                Some(_) => ("redirect", upload.key.as_str()),
                None => ("upload", upload.key.as_str()),
            });
    let rewrites = (plan.rewrites().iter()).map(|up| ("rewrite", up.key.as_str()));
    let deletes = plan.clear().iter().chain(plan.deletes());
    let deletes = deletes.map(|key| ("delete", key.as_str()));
    for request in writes.chain(rewrites).chain(deletes) {
        *owed.entry(request).or_default() += 1;
    }
    for request in done {
        let made = match request {
            Done::Upload { key, .. } | Done::InPlace { key, .. } | Done::Copy { key, .. } => {
                ("upload", key.as_str())
            }
            Done::Redirect { key, .. } => ("redirect", key.as_str()),
            Done::Rewrite { key, .. } => ("rewrite", key.as_str()),
            Done::Delete { key } => ("delete", key.as_str()),
        };
        *owed.entry(made).or_default() -= 1;
    }
    let mut unpaid = owed.iter().filter(|(_, &count)| count != 0);
    if let Some(((verb, key), count)) = unpaid.next() {
        let what = if *count > 0 {
            "not made"
        } else {
            "made but not planned"
        };
        bail!(
            "{} requests made for {} planned; {verb} {key} was {what}{}",
            done.len(),
            plan.write_count() + plan.delete_count(),
            match unpaid.count() {
                0 => String::new(),
                more => format!(", and {more} more differ"),
            }
        );
    }
    Ok(())
}

/// A job, and whether the plan lists it (else a walk sent it).
struct Work {
    job: Job,
    planned: bool,
}

impl Work {
    fn planned(job: Job) -> Work {
        Work { job, planned: true }
    }
}

enum Job {
    /// A file, a twin or a redirect written.
    Upload(Upload),
    /// A file or a twin written unless the object listed under its key
    /// holds it already.
    Adopt(Upload, Listed),
    /// An object's headers replaced.
    Rewrite(Upload),
    /// Up to [`DELETE_BATCH`] keys, in one request where the store allows.
    Delete(Vec<String>),
}

impl Job {
    async fn run(self, bucket: &Bucket) -> Result<Vec<Done>> {
        match self {
            Job::Upload(upload) => {
                let bytes = bucket.put(&upload).await?;
                match (&upload.content, upload.location()) {
                    (_, Some(location)) => tracing::info!(key = upload.key, location, "redirected"),
                    (Content::Copy { from, .. }, _) => {
                        tracing::info!(key = upload.key, from, "copied")
                    }
                    _ => tracing::info!(key = upload.key, bytes, "uploaded"),
                }
                Ok(vec![Done::uploaded(&upload, Some(bytes))])
            }
            Job::Adopt(upload, listed) => {
                let done = match bucket.adopt(&upload, &listed).await? {
                    Adoption::Uploaded(bytes) => {
                        tracing::info!(key = upload.key, bytes, "uploaded");
                        Done::uploaded(&upload, Some(bytes))
                    }
                    adopted => {
                        let rewritten = adopted == Adoption::Rewritten;
                        tracing::info!(key = upload.key, rewritten, "already in place");
                        Done::in_place(&upload, rewritten)
                    }
                };
                Ok(vec![done])
            }
            Job::Rewrite(upload) => {
                bucket.rewrite(&upload).await?;
                tracing::info!(key = upload.key, "rewrote headers");
                Ok(vec![Done::rewritten(&upload)])
            }
            Job::Delete(keys) => {
                bucket.delete_batch(&keys).await?;
                for key in &keys {
                    tracing::info!(key, "deleted");
                }
                Ok(keys.into_iter().map(|key| Done::Delete { key }).collect())
            }
        }
    }
}

/// What a job that ended did, or why it failed, and whether the plan
/// listed it; a job that panicked panics here, on the thread that waits.
fn joined(ended: Result<Ran, tokio::task::JoinError>) -> Ran {
    match ended {
        Ok(ran) => ran,
        Err(join) => match join.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(join) => (false, Err(anyhow!(join))),
        },
    }
}

/// Whether a job the plan listed ran, and what it did.
type Ran = (bool, Result<Vec<Done>>);

/// Runs the phases of one publish, one after the other.
struct Runner<'a> {
    bucket: &'a Arc<Bucket>,
    workers: usize,
    progress: &'a (dyn Fn(Progress<'_>) + Send + Sync),
    done: Executed,
}

impl Runner<'_> {
    /// Runs `jobs` as they come, at most `workers` at once. After a
    /// failure (of a job, or of the source of jobs) no new job starts;
    /// those in flight finish, and the first failure is returned.
    async fn phase(&mut self, jobs: impl Stream<Item = Result<Work>>) -> Result<()> {
        let mut jobs = std::pin::pin!(jobs);
        let mut running = JoinSet::new();
        let (mut more, mut failures) = (true, Vec::new());
        loop {
            let room = more && failures.is_empty() && running.len() < self.workers;
            tokio::select! {
                next = jobs.next(), if room => match next {
                    Some(Ok(Work { job, planned })) => {
                        let bucket = Arc::clone(self.bucket);
                        running.spawn(async move { (planned, job.run(&bucket).await) });
                    }
                    Some(Err(err)) => failures.push(err),
                    None => more = false,
                },
                Some(finished) = running.join_next(), if !running.is_empty() => {
                    match joined(finished) {
                        (planned, Ok(finished)) => {
                            for done in finished {
                                (self.progress)(Progress::Done(&done));
                                match planned {
                                    true => self.done.planned.push(done),
                                    false => self.done.walked.add(done),
                                }
                            }
                        }
                        (_, Err(err)) => failures.push(err),
                    }
                }
                else => break,
            }
        }
        let mut failures = failures.into_iter();
        match (failures.next(), failures.len()) {
            (None, _) => Ok(()),
            (Some(first), 0) => Err(first),
            (Some(first), more) => {
                Err(first.context(format!("{} requests failed; the first", more + 1)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Content, Headers, Upload};

    fn upload(key: &str) -> Upload {
        Upload {
            key: key.to_owned(),
            content: Content::File {
                local: key.into(),
                encoding: None,
            },
            headers: Headers {
                content_type: "text/plain".into(),
                content_encoding: None,
                values: Default::default(),
                acl: None,
                storage: Default::default(),
            },
        }
    }

    fn plan() -> Plan {
        let redirect = Upload {
            content: Content::Redirect {
                location: "/b".into(),
            },
            ..upload("old-b")
        };
        let mut plan = Plan::default();
        plan.upload([upload("top/a"), upload("b")]);
        plan.rewrite([upload("d")]);
        plan.redirect([redirect]);
        plan.delete_also(["top".into(), "c".into()]);
        assert_eq!(plan.clear(), ["top"]);
        plan
    }

    #[test]
    fn a_publish_is_complete_when_it_made_every_planned_request_once() {
        let plan = plan();
        let done = dry_run(&plan);
        assert_eq!(done.len(), 6);
        check_complete(&plan, &done).unwrap();
        let mut reordered = done.clone();
        reordered.reverse();
        check_complete(&plan, &reordered).unwrap();
    }

    #[test]
    fn a_missing_twice_made_or_unplanned_request_is_not_complete() {
        let plan = plan();
        let done = dry_run(&plan);
        let err = check_complete(&plan, &done[..5]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "5 requests made for 6 planned; delete c was not made"
        );
        let rewrite_as_upload: Vec<Done> = done
            .iter()
            .map(|made| match made {
                Done::Rewrite { key, .. } => Done::uploaded(&upload(key), None),
                made => made.clone(),
            })
            .collect();
        assert!(check_complete(&plan, &rewrite_as_upload).is_err());
        let twice = [&done[..], &done[1..2]].concat();
        let err = check_complete(&plan, &twice[1..]).unwrap_err();
        assert!(
            err.to_string()
                .contains("delete top was not made, and 1 more differ"),
            "{err}"
        );
        let stray = [done, vec![Done::Delete { key: "d".into() }]].concat();
        let err = check_complete(&plan, &stray).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("delete d was made but not planned"),
            "{err}"
        );
        check_complete(&Plan::default(), &[]).unwrap();
        assert!(
            check_complete(&plan, &[]).is_err(),
            "nothing done is not complete"
        );
    }
}

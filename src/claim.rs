//! The claim on the state object, which keeps two publishes of one prefix
//! from writing at once. Every write of the object is conditional on the
//! version last seen (see [`Expect`]):
//!
//! - **claim**: refused while another publish's claim holds; written over
//!   the state as read, so that of two publishes that read it together only
//!   one claims it. A claim whose publish is gone is taken over.
//! - **renew**: the claim's lease is extended every [`RENEW_EVERY`]; a
//!   renewal that finds someone else's state means the claim was taken over.
//! - **finish**: the claim is replaced by the new revision, only if it is
//!   still ours; **release**: after a failure, the lease is ended at once.
//!
//! An answer can be lost after the write landed: a write that seems to
//! fail is checked against what the object holds before it counts as failed.
//! The protocol runs over [`StateStore`], so each of these transitions is
//! tested below without a network.

use std::future::Future;
use std::time::Duration;

use anyhow::{anyhow, Result};

use crate::bucket::{Bucket, Cas, Expect, Fetched};
use crate::cancel::Cancel;
use crate::error::Unfinished;
use crate::state::{Busy, State, MAX_STATE_BYTES, RENEW_EVERY};

/// Where the state object is kept: read whole, and written on a condition.
pub(crate) trait StateStore: Sync {
    /// The object and its ETag, or `None` when there is none.
    fn read(&self) -> impl Future<Output = Result<Option<Fetched>>> + Send;
    /// Writes `body` if the object is as `expect` says.
    fn write(&self, body: &[u8], expect: &Expect) -> impl Future<Output = Result<Cas>> + Send;
}

/// The state object of a prefix, in its bucket.
pub(crate) struct StateObject<'a> {
    pub bucket: &'a Bucket,
    pub key: &'a str,
}

impl StateStore for StateObject<'_> {
    fn read(&self) -> impl Future<Output = Result<Option<Fetched>>> + Send {
        self.bucket.get(self.key, MAX_STATE_BYTES)
    }

    fn write(&self, body: &[u8], expect: &Expect) -> impl Future<Output = Result<Cas>> + Send {
        self.bucket.put_if(self.key, body, expect)
    }
}

/// This publish's claim, written and last seen with `etag`.
pub(crate) struct Held<'a, S: StateStore> {
    store: &'a S,
    claim: State,
    etag: String,
    /// For messages: `s3://media/static/`.
    target: &'a str,
    renew_every: Duration,
}

/// Claims the bucket for `claim`, over the state `previous` as read (`read`
/// says how): the first write of a publish. Refused (nothing written) while
/// another claim holds, or when another publish claims it first; a write
/// that failed may have landed, and leaves the publish incomplete.
pub(crate) async fn claim<'a, S: StateStore>(
    store: &'a S,
    previous: Option<&State>,
    read: &Expect,
    claim: State,
    target: &'a str,
) -> Result<Held<'a, S>, Unfinished> {
    if let Some(previous) = previous {
        previous
            .check_unclaimed(target)
            .map_err(Unfinished::Unwritten)?;
    }
    match store.write(claim.to_yaml().as_bytes(), read).await {
        Ok(Cas::Written(etag)) => Ok(Held {
            store,
            claim,
            etag,
            target,
            renew_every: RENEW_EVERY,
        }),
        Ok(Cas::Conflict) => Err(Unfinished::Unwritten(anyhow!(Busy(format!(
            "another publish to {target} began at the same moment; \
             run again when it is done, or with --wait"
        ))))),
        // The claim may have landed before its answer was lost.
        Err(err) => Err(Unfinished::Incomplete(err)),
    }
}

/// What claiming a prefix takes: its state object, and that state as read.
pub(crate) struct Claimer<'a> {
    pub store: StateObject<'a>,
    /// The state as read, and how to tell it has not changed since.
    pub previous: Option<&'a State>,
    pub read: &'a Expect,
    /// For messages: `s3://media/static/`.
    pub target: &'a str,
    pub cancel: &'a Cancel,
}

impl Claimer<'_> {
    /// Claims the bucket for `claimed` (see [`claim`]), runs `work` while
    /// renewing the claim, and writes the state `finished` makes of the
    /// claim and what `work` gave; or releases the claim when `work` fails,
    /// is cancelled or loses the claim. Work that is done wins over a stop
    /// asked for as it ended (by a progress callback on the last request,
    /// say): every request was made, so the state moves.
    pub async fn run<T>(
        &self,
        claimed: State,
        work: impl Future<Output = Result<T>>,
        finished: impl FnOnce(&State, &T) -> State,
    ) -> Result<T, Unfinished> {
        let mut held = claim(&self.store, self.previous, self.read, claimed, self.target).await?;
        let outcome = tokio::select! {
            biased;
            done = work => done,
            lost = held.keep() => Err(lost),
            stopped = self.cancel.wait() => Err(anyhow!("{stopped}")),
        };
        match outcome {
            Ok(done) => {
                let state = finished(held.state(), &done);
                held.finish(&state).await.map_err(Unfinished::Incomplete)?;
                Ok(done)
            }
            Err(err) => {
                held.release().await;
                Err(Unfinished::Incomplete(err))
            }
        }
    }
}

impl<S: StateStore> Held<'_, S> {
    /// Renews the claim until it cannot; returns why.
    pub async fn keep(&mut self) -> anyhow::Error {
        loop {
            tokio::time::sleep(self.renew_every).await;
            match self.replace(&self.claim.renewed()).await {
                Ok(Cas::Written(etag)) => self.etag = etag,
                Ok(Cas::Conflict) => return self.taken_over(),
                Err(err) => return err.context("renewing this publish's claim"),
            }
        }
    }

    /// Replaces the claim with the state of the finished publish.
    pub async fn finish(&self, state: &State) -> Result<()> {
        match self.replace(state).await? {
            Cas::Written(_) => Ok(()),
            Cas::Conflict => Err(self.taken_over()),
        }
    }

    /// Ends the claim's lease now, so that the next publish takes over at
    /// once. Best effort: a claim left behind lapses, or its process is seen gone.
    pub async fn release(&self) {
        self.replace(&self.claim.released()).await.ok();
    }

    /// The claim, as written.
    pub fn state(&self) -> &State {
        &self.claim
    }

    /// Writes `state` over the claim. A renewal cut short may have landed
    /// unseen: the claim is then found under another ETag, and written over
    /// all the same. A write that failed without an answer may have landed
    /// too: the object then holds `state`.
    async fn replace(&self, state: &State) -> Result<Cas> {
        let body = state.to_yaml();
        let expect = Expect::ETag(self.etag.clone());
        match self.store.write(body.as_bytes(), &expect).await {
            Ok(Cas::Written(etag)) => return Ok(Cas::Written(etag)),
            Ok(Cas::Conflict) => {}
            Err(err) => {
                return match self.store.read().await {
                    Ok(Some(found)) if found.body == body.as_bytes() => {
                        Ok(Cas::Written(found.etag))
                    }
                    _ => Err(err),
                }
            }
        }
        let still_ours = match self.store.read().await? {
            Some(found) => State::parse(&found.body, "the state object")
                .is_ok_and(|held| held.same_claim(&self.claim))
                .then_some(found.etag),
            None => None,
        };
        match still_ours {
            Some(etag) => self.store.write(body.as_bytes(), &Expect::ETag(etag)).await,
            None => Ok(Cas::Conflict),
        }
    }

    fn taken_over(&self) -> anyhow::Error {
        anyhow!(
            "another publish took over {} while this one ran (this one's claim had lapsed)",
            self.target
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    use super::*;
    use crate::plan::Rules;
    use crate::shape::Shaping;
    use crate::state::{Claim, Published, LEASE};
    use crate::tree::{ReadFrom, Tree};

    /// A state object in memory, with S3's conditional writes. It can be
    /// told to lose the answer to its next writes after doing them.
    #[derive(Default)]
    struct Memory {
        object: Mutex<Option<Fetched>>,
        versions: Mutex<u32>,
        lose_answers: Mutex<u32>,
    }

    impl Memory {
        fn holding(state: &State) -> Memory {
            let memory = Memory::default();
            memory.put(state);
            memory
        }

        /// Writes `state` unconditionally, as another publish would.
        fn put(&self, state: &State) -> String {
            let mut versions = self.versions.lock().unwrap();
            *versions += 1;
            let etag = format!("v{versions}");
            *self.object.lock().unwrap() = Some(Fetched {
                body: state.to_yaml().into_bytes(),
                etag: etag.clone(),
            });
            etag
        }

        fn held(&self) -> State {
            let object = self.object.lock().unwrap();
            State::parse(&object.as_ref().unwrap().body, "test").unwrap()
        }

        fn etag(&self) -> Expect {
            match &*self.object.lock().unwrap() {
                Some(found) => Expect::ETag(found.etag.clone()),
                None => Expect::Absent,
            }
        }
    }

    impl StateStore for Memory {
        fn read(&self) -> impl Future<Output = Result<Option<Fetched>>> + Send {
            let found = self.object.lock().unwrap().as_ref().map(|f| Fetched {
                body: f.body.clone(),
                etag: f.etag.clone(),
            });
            async move { Ok(found) }
        }

        fn write(&self, body: &[u8], expect: &Expect) -> impl Future<Output = Result<Cas>> + Send {
            let current = self.etag();
            let outcome = if current == *expect {
                let state = State::parse(body, "test").unwrap();
                let etag = self.put(&state);
                let mut lose = self.lose_answers.lock().unwrap();
                if *lose > 0 {
                    *lose -= 1;
                    Err(anyhow!("connection reset after the write"))
                } else {
                    Ok(Cas::Written(etag))
                }
            } else {
                Ok(Cas::Conflict)
            };
            async move { outcome }
        }
    }

    fn tree(revision: u64) -> Tree {
        Tree {
            uuid: "9b5f2c6e".into(),
            path: "trunk".into(),
            revision,
            name: "/srv/wc".into(),
            read_from: ReadFrom::WorkingCopy,
        }
    }

    fn published(revision: u64) -> State {
        State::claim(None, &tree(revision)).finished(at(revision))
    }

    /// What a publish of `revision` leaves behind.
    fn at(revision: u64) -> Published {
        Published {
            revision,
            rolled_back_from: None,
            rules: Shaping::of(&Rules::new("")),
            redirects: Default::default(),
            links: Default::default(),
            unresolved: Default::default(),
            nested: Default::default(),
            removed: Default::default(),
        }
    }

    /// Another publish's claim, on another host, lapsing at `until`.
    fn claimed_elsewhere(until: OffsetDateTime) -> State {
        State {
            publishing: Some(Claim {
                revisions: vec![8],
                keys: Vec::new(),
                every_key: false,
                host: "elsewhere".into(),
                pid: 1,
                started_at: "2026-11-24T06:00:00Z".into(),
                until: until.format(&Rfc3339).unwrap(),
            }),
            ..published(7)
        }
    }

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
            .block_on(future)
    }

    const TARGET: &str = "s3://media/";

    /// Claims `store` for a publish of `revision`, over the state it holds now.
    async fn claim_for(store: &Memory, revision: u64) -> Result<Held<'_, Memory>, Unfinished> {
        let holds = store.object.lock().unwrap().is_some();
        let previous = holds.then(|| store.held());
        let claimed = State::claim(previous.as_ref(), &tree(revision));
        claim(store, previous.as_ref(), &store.etag(), claimed, TARGET).await
    }

    #[test]
    fn a_claim_is_written_over_the_state_as_read_and_finished_with_the_revision() {
        block_on(async {
            let store = Memory::holding(&published(7));
            let held = claim_for(&store, 9).await.unwrap();
            assert_eq!(store.held().publishing.unwrap().revisions, [9]);
            assert_eq!(
                store.held().revision,
                Some(7),
                "the old revision stands until the end"
            );
            held.finish(&held.state().finished(at(9))).await.unwrap();
            let done = store.held();
            assert_eq!((done.revision, done.publishing), (Some(9), None));
        });
    }

    #[test]
    fn a_live_claim_refuses_and_a_lapsed_one_is_taken_over_with_its_revisions() {
        block_on(async {
            let live = Memory::holding(&claimed_elsewhere(OffsetDateTime::now_utc() + LEASE));
            let err = claim_for(&live, 9).await.err().unwrap();
            assert!(
                err.to_string()
                    .contains("another publish (r8, process 1 on elsewhere"),
                "{err}"
            );
            assert!(
                live.held().publishing.unwrap().host == "elsewhere",
                "nothing written"
            );

            let lapsed = Memory::holding(&claimed_elsewhere(
                OffsetDateTime::now_utc() - Duration::from_secs(1),
            ));
            claim_for(&lapsed, 9).await.unwrap();
            let taken = lapsed.held().publishing.unwrap();
            assert_eq!(
                taken.revisions,
                [8, 9],
                "the cut-off publish's revision is repaired too"
            );
        });
    }

    #[test]
    fn of_two_publishes_that_read_the_same_state_only_one_claims_it() {
        block_on(async {
            let store = Memory::holding(&published(7));
            let (previous, read) = (store.held(), store.etag());
            let first = State::claim(Some(&previous), &tree(8));
            claim(&store, Some(&previous), &read, first, TARGET)
                .await
                .unwrap();
            let second = State::claim(Some(&previous), &tree(9));
            let err = claim(&store, Some(&previous), &read, second, TARGET)
                .await
                .err()
                .unwrap();
            assert!(
                err.to_string().contains("began at the same moment"),
                "{err}"
            );
            assert_eq!(store.held().publishing.unwrap().revisions, [8]);
        });
    }

    #[test]
    fn renewals_extend_the_lease_and_a_lost_answer_is_found_landed() {
        block_on(async {
            let store = Memory::holding(&published(7));
            let mut held = claim_for(&store, 9).await.unwrap();
            held.renew_every = Duration::from_secs(1);
            let first_until = store.held().publishing.unwrap().until;
            // The next two renewals land, but their answers are lost.
            *store.lose_answers.lock().unwrap() = 2;
            tokio::select! {
                lost = held.keep() => panic!("the claim was lost: {lost}"),
                () = tokio::time::sleep(Duration::from_millis(4500)) => {}
            }
            assert_eq!(
                *store.versions.lock().unwrap(),
                1 + 1 + 4,
                "the claim, then four renewals"
            );
            assert!(store.held().publishing.unwrap().until >= first_until);
            held.finish(&held.state().finished(at(9))).await.unwrap();
            assert_eq!(store.held().revision, Some(9));
        });
    }

    #[test]
    fn a_claim_taken_over_is_noticed_at_the_next_renewal_and_at_the_end() {
        block_on(async {
            let store = Memory::holding(&published(7));
            let mut held = claim_for(&store, 9).await.unwrap();
            held.renew_every = Duration::from_secs(1);
            store.put(&claimed_elsewhere(OffsetDateTime::now_utc() + LEASE));
            let lost = held.keep().await;
            assert!(
                lost.to_string()
                    .contains("another publish took over s3://media/"),
                "{lost}"
            );
            let err = held
                .finish(&held.state().finished(at(9)))
                .await
                .unwrap_err();
            assert!(
                err.to_string()
                    .contains("another publish took over s3://media/"),
                "{err:#}"
            );
            assert_eq!(
                store.held().publishing.unwrap().host,
                "elsewhere",
                "theirs stands"
            );
        });
    }

    #[test]
    fn a_released_claim_is_free_for_the_next_publish_at_once() {
        block_on(async {
            let store = Memory::holding(&published(7));
            let held = claim_for(&store, 9).await.unwrap();
            held.release().await;
            assert!(!store.held().publishing.unwrap().is_held());
            let next = claim_for(&store, 9).await.unwrap();
            assert_eq!(next.state().publishing.as_ref().unwrap().revisions, [9]);
        });
    }

    #[test]
    fn a_claim_refused_wrote_nothing_and_one_whose_answer_was_lost_may_have() {
        block_on(async {
            let live = Memory::holding(&claimed_elsewhere(OffsetDateTime::now_utc() + LEASE));
            let refused = claim_for(&live, 9).await.err().unwrap();
            assert!(matches!(refused, Unfinished::Unwritten(_)), "{refused:?}");

            let store = Memory::holding(&published(7));
            *store.lose_answers.lock().unwrap() = 1;
            let lost = claim_for(&store, 9).await.err().unwrap();
            assert!(matches!(lost, Unfinished::Incomplete(_)), "{lost:?}");
            assert_eq!(store.held().publishing.unwrap().revisions, [9], "it landed");
        });
    }
}

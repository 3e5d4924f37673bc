//! The bucket, through rust-s3: one client (one connection pool) per run,
//! addressed as aws cli does (virtual-hosted on AWS where the name allows,
//! path-style elsewhere), a region redirect followed once, every request
//! retried with capped exponential backoff and full jitter within the run's
//! [`Budget`], deletes in batches, and every failure named in one line that
//! carries no secret. S3 error bodies are never shown whole: a
//! SignatureDoesNotMatch body echoes the canonical request, session token
//! included, so only its `Code` and `Message` are read.

use std::future::Future;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use s3::creds::error::CredentialsError;
use s3::error::S3Error;
use s3::signing::uri_encode;
use s3::Region;

use crate::budget::Budget;
use crate::credentials::Credentials;
use crate::header::checksum::Checksum;
use crate::header::Values;
use crate::plan::{Content, Encoding, Headers, Listed, Upload};
use crate::retry::{self, error_code, Cause, Failure, Retry};
use crate::sigv4::{Payload, Signer};
use crate::xml;

mod address;
mod delete;
mod upload;
mod website;

use address::{wrong_region, Located, Store};
pub use address::{Address, Addressing, Keys, StoreKind};
use upload::Body;
pub(crate) use upload::{md5_of, md5_of_file, Fingerprint};

/// The largest object CopyObject copies in one request; a bigger one whose
/// headers change is uploaded again.
const COPY_MAX: u64 = 5 * 1024 * 1024 * 1024;

/// Keys a DeleteObjects request names at most.
pub const DELETE_BATCH: usize = 1000;
/// The header of a redirect object: S3's website endpoint answers 301 to it.
const REDIRECT_HEADER: &str = "x-amz-website-redirect-location";

/// A bucket and the way to reach it.
pub struct Bucket {
    /// rust-s3's client, and where it points: replaced once if the bucket
    /// turns out to be in another region than the one asked for.
    located: RwLock<Arc<Located>>,
    credentials: Credentials,
    name: String,
    /// What is particular to the store: addressing, what it takes.
    store: Store,
    retry: Retry,
    budget: Budget,
    /// Set once a region redirect has been followed: it is never followed twice.
    relocated: AtomicBool,
}

impl Bucket {
    /// Builds the client; sends nothing. Credentials are the address's keys
    /// (from the settings' environment), else those the AWS SDK's chain
    /// finds for the address's profile (see [`crate::credentials`]),
    /// fetched at the first request.
    pub fn connect(address: &Address, workers: usize) -> Result<Bucket> {
        let store = Store::of(address);
        let located = Located::at(
            &address.name,
            &address.region,
            store.endpoint.as_deref(),
            store.path_style,
        )?;
        let credentials = match &address.keys {
            Some(keys) => Credentials::given(&keys.access, &keys.secret, keys.token.as_deref()),
            None => Credentials::chain(
                address.profile.as_deref(),
                &address.region,
                located.client.http_client(),
            ),
        };
        let bucket = Bucket {
            located: RwLock::new(Arc::new(located)),
            credentials,
            name: address.name.clone(),
            store,
            retry: Retry::default(),
            budget: Budget::new(workers),
            relocated: AtomicBool::new(false),
        };
        // Retries are ours (below), with backoff; rust-s3's own would multiply them.
        s3::set_retries(0);
        Ok(bucket)
    }

    /// The credentials requests to it are signed with.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The HTTP client (and its connection pool) of this bucket's requests,
    /// for CloudFront's too.
    pub fn http(&self) -> reqwest::Client {
        self.located().client.http_client()
    }

    /// The most requests this bucket's client has in flight.
    pub fn max_in_flight(&self) -> usize {
        self.budget.window.max_in_flight()
    }

    fn located(&self) -> Arc<Located> {
        Arc::clone(
            &self
                .located
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// The object's bytes and ETag, or `None` when there is no such key. An
    /// object bigger than `most` bytes is refused, not read.
    pub async fn get(&self, key: &str, most: u64) -> Result<Option<Fetched>> {
        match self.read(key, most).await? {
            Read::Absent => Ok(None),
            Read::Whole(fetched) => Ok(Some(fetched)),
            Read::TooBig(size) => bail!(
                "{key} is {} or more, and svn2s3 reads at most {} of it: it is not svn2s3's",
                crate::report::human_bytes(size),
                crate::report::human_bytes(most)
            ),
        }
    }

    /// Whether the object `key` holds a twin, compressed with `encoding`,
    /// of the file of `size` bytes and MD5 `md5`: it is read (up to a
    /// little more than the file) and decompressed.
    pub(crate) async fn decodes_to(
        &self,
        key: &str,
        encoding: Encoding,
        size: u64,
        md5: &str,
    ) -> Result<bool> {
        let most = size + size / 8 + 64 * 1024;
        let Read::Whole(fetched) = self.read(key, most).await? else {
            return Ok(false);
        };
        let mut decoded = md5::Context::new();
        let body = fetched.body.as_slice();
        // At most one byte more than the file: enough to tell it is longer.
        let read = match encoding {
            Encoding::Gzip => std::io::copy(
                &mut std::io::Read::take(flate2::read::GzDecoder::new(body), size + 1),
                &mut decoded,
            ),
            Encoding::Brotli => std::io::copy(
                &mut std::io::Read::take(brotli::Decompressor::new(body, 64 * 1024), size + 1),
                &mut decoded,
            ),
        };
        Ok(read.is_ok_and(|read| read == size) && format!("{:x}", decoded.finalize()) == md5)
    }

    /// The object's bytes, unless there is no such key or it is bigger
    /// than `most` bytes.
    async fn read(&self, key: &str, most: u64) -> Result<Read> {
        self.retried("read", key, || async {
            let sent = self
                .send("GET", key, "", &[], Payload::Signed(b""), Vec::new())
                .await;
            let mut answer = match sent {
                Ok(answer) => answer,
                Err(S3Error::HttpFailWithBody(404, body))
                    if error_code(&body).as_deref() == Some("NoSuchKey") =>
                {
                    return Ok(Read::Absent)
                }
                Err(err) => return Err(err),
            };
            if let Some(size) = answer.content_length().filter(|&size| size > most) {
                return Ok(Read::TooBig(size));
            }
            let etag = etag_of(answer.headers());
            let mut body = Vec::new();
            while let Some(chunk) = answer.chunk().await? {
                body.extend_from_slice(&chunk);
                if body.len() as u64 > most {
                    return Ok(Read::TooBig(body.len() as u64));
                }
            }
            Ok(Read::Whole(Fetched { body, etag }))
        })
        .await
    }

    /// Writes a small object from memory if `expect` holds: a compare-and-swap
    /// where the store supports conditional writes (S3 does; a store that
    /// ignores them writes unconditionally). Never given an ACL: only
    /// published files are.
    pub async fn put_if(&self, key: &str, body: &[u8], expect: &Expect) -> Result<Cas> {
        let condition = match expect {
            Expect::Absent => ("if-none-match", "*".to_owned()),
            Expect::ETag(etag) => ("if-match", format!("\"{etag}\"")),
        };
        let headers = [
            ("content-type", "application/yaml"),
            (condition.0, condition.1.as_str()),
        ];
        let mut tries = 0;
        let written = self
            .retried("write", key, || {
                tries += 1;
                async {
                    let put = self.put_object(key, &headers, body.to_vec(), None).await;
                    match put {
                        Ok(answer) => Ok(Some(etag_of(answer.headers()))),
                        Err(S3Error::HttpFailWithBody(412, _)) => Ok(None),
                        Err(err) => Err(err),
                    }
                }
            })
            .await?;
        match written {
            Some(etag) => Ok(Cas::Written(etag)),
            // A retry finds the object changed: by another writer, or by an
            // earlier attempt of this one whose answer was lost on the way.
            None if tries > 1 => match self.get(key, body.len() as u64).await? {
                Some(found) if found.body == body => Ok(Cas::Written(found.etag)),
                _ => Ok(Cas::Conflict),
            },
            None => Ok(Cas::Conflict),
        }
    }

    /// Writes a small object of svn2s3's own (a build's manifest) from
    /// memory, unconditionally: the claim keeps other publishes out.
    /// Returns its ETag.
    pub async fn put_own(&self, key: &str, content_type: &str, body: &[u8]) -> Result<String> {
        let headers = [("content-type", content_type)];
        self.retried("write", key, || async {
            let answer = self.put_object(key, &headers, body.to_vec(), None).await?;
            Ok(etag_of(answer.headers()))
        })
        .await
    }

    /// Writes one object: a file (or its compressed twin) from disk, or an
    /// empty redirect; returns the bytes sent.
    pub async fn put(&self, upload: &Upload) -> Result<u64> {
        match &upload.content {
            Content::File { local, encoding } => self.put_file(upload, local, *encoding).await,
            Content::Copy { from, local, .. } => self.copy(upload, from, local).await,
            Content::Redirect { location } => {
                let mut headers = header_pairs(&upload.headers);
                headers.push((REDIRECT_HEADER, location));
                self.retried("redirect", &upload.key, || async {
                    let checksum = upload.headers.storage.checksum;
                    (self.put_object(&upload.key, &headers, Vec::new(), checksum)).await?;
                    Ok(())
                })
                .await?;
                Ok(0)
            }
        }
    }

    /// Writes `upload` as a copy of the object `from` (one CopyObject, which
    /// keeps its headers and metadata; the ACL is set anew). A file of 5 GiB
    /// or more, which one CopyObject cannot copy, is uploaded from `local`.
    async fn copy(&self, upload: &Upload, from: &str, local: &Path) -> Result<u64> {
        if std::fs::metadata(local).map_or(true, |meta| meta.len() >= COPY_MAX) {
            let encoding = upload.encoding();
            return self.put_file(upload, local, encoding).await;
        }
        let source = format!("{}/{}", self.name, uri_encode(from, false));
        let mut headers = vec![
            ("x-amz-copy-source", source.as_str()),
            ("x-amz-metadata-directive", "COPY"),
        ];
        if let Some(acl) = &upload.headers.acl {
            headers.push(("x-amz-acl", acl));
        }
        // A copy takes the bucket's defaults unless told otherwise.
        headers.extend(upload.headers.storage.header_pairs());
        headers.extend(copy_checksum(&upload.headers));
        self.copy_object("copy", &upload.key, &headers).await?;
        Ok(0)
    }

    /// One CopyObject to `key`, as `headers` say, retried; `verb` names it.
    async fn copy_object(&self, verb: &str, key: &str, headers: &[(&str, &str)]) -> Result<()> {
        self.retried(verb, key, || async {
            let answer = (self.send("PUT", key, "", headers, Payload::Signed(b""), "")).await?;
            // CopyObject may fail after its 200 OK, in the body.
            let body = answer.text().await?;
            if body.contains("<Error>") {
                return Err(S3Error::HttpFailWithBody(500, body));
            }
            Ok(())
        })
        .await
    }

    /// Gives the object of a file new headers without sending its bytes: a
    /// CopyObject onto itself that replaces its metadata (one request, up to
    /// 5 GiB; a bigger file is uploaded again). Returns the bytes sent.
    pub async fn rewrite(&self, upload: &Upload) -> Result<u64> {
        let Content::File { local, .. } = &upload.content else {
            return self.put(upload).await;
        };
        if std::fs::metadata(local).map_or(true, |meta| meta.len() >= COPY_MAX) {
            return self.put(upload).await;
        }
        let md5 = md5_of_file(local).await?;
        let source = format!("{}/{}", self.name, uri_encode(&upload.key, false));
        let mut headers = header_pairs(&upload.headers);
        headers.extend([
            (MD5_HEADER, md5.as_str()),
            ("x-amz-copy-source", &source),
            ("x-amz-metadata-directive", "REPLACE"),
        ]);
        headers.extend(copy_checksum(&upload.headers));
        (self.copy_object("rewrite headers of", &upload.key, &headers)).await?;
        Ok(0)
    }

    /// Writes `upload` unless the object under its key, `present` in a
    /// listing, holds what it would write already: the same size, an ETag
    /// that does not say other bytes and an [`MD5_HEADER`] that names the
    /// file (see [`Fingerprint::held_by`]). One HEAD tells that and
    /// compares its headers, replaced without sending the bytes where they
    /// differ. A bucket filled by `aws s3 sync` so costs a listing and a
    /// reading of the files, not an upload of each.
    pub async fn adopt(&self, upload: &Upload, present: &Listed) -> Result<Adoption> {
        let Content::File { local, encoding } = &upload.content else {
            return Ok(Adoption::Uploaded(self.put(upload).await?));
        };
        let body = Body::open(local, *encoding).await?;
        let checksum = upload.headers.storage.checksum;
        let sent = Fingerprint::of_body(&body, local, *encoding, checksum).await?;
        // Another size tells without a HEAD. Another ETag in the listing
        // does not: under SSE-KMS (the bucket's default, whatever the
        // settings say) an ETag is no MD5, which only a HEAD shows.
        let stored = match present.size != body.size {
            true => None,
            false => Some(self.stored(&upload.key, checksum).await?),
        };
        match adoption(stored.as_ref(), &sent, &upload.headers, *encoding) {
            Adopt::Upload => Ok(Adoption::Uploaded(
                self.put_body(upload, local, *encoding, body, Some(sent.md5.clone()))
                    .await?,
            )),
            Adopt::Keep => Ok(Adoption::InPlace),
            Adopt::Rewrite => {
                drop(body);
                match self.rewrite(upload).await? {
                    0 => Ok(Adoption::Rewritten),
                    sent => Ok(Adoption::Uploaded(sent)),
                }
            }
        }
    }

    /// An object's headers and metadata, from a HEAD request, with its
    /// checksum where `checksums` asks for it (which reading an SSE-KMS
    /// object's needs kms:Decrypt for: not asked unless the settings use it).
    async fn head(&self, key: &str, checksums: bool) -> Result<http::HeaderMap> {
        let asked = [("x-amz-checksum-mode", "ENABLED")];
        let headers: &[(&str, &str)] = if checksums { &asked } else { &[] };
        self.retried("inspect", key, || async {
            let answer =
                (self.send("HEAD", key, "", headers, Payload::Signed(b""), Vec::new())).await?;
            Ok(answer.headers().clone())
        })
        .await
    }

    /// Sends `body` to `key?query` ("" for the bucket itself), signed with
    /// aws-sigv4, on rust-s3's connection pool; an answer that is not a
    /// success comes back as rust-s3 would give it, to be told apart as any
    /// other.
    async fn send(
        &self,
        method: &str,
        key: &str,
        query: &str,
        headers: &[(&str, &str)],
        payload: Payload<'_>,
        body: impl Into<reqwest::Body>,
    ) -> Result<reqwest::Response, S3Error> {
        let located = self.located();
        let mut url = format!("{}/{}", located.client.url(), uri_encode(key, false));
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let keys = (self.credentials.keys().await).map_err(|unavailable| {
            S3Error::Credentials(CredentialsError::Io(std::io::Error::other(unavailable)))
        })?;
        let request = Signer::new(&keys, &located.region, "s3")
            .sign(method, &url, headers, payload, body)
            .map_err(|err| S3Error::Io(std::io::Error::other(format!("{err:#}"))))?;
        let answer = located.client.http_client().execute(request).await?;
        if answer.status().is_success() {
            return Ok(answer);
        }
        let status = answer.status().as_u16();
        Err(S3Error::HttpFailWithBody(status, answer.text().await?))
    }

    /// Every object under `prefix`: a listing of the whole prefix, O(bucket),
    /// made only when the user asks for it (`--full`, `verify`).
    pub async fn list(&self, prefix: &str) -> Result<Vec<Listed>> {
        let mut listed = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut query = format!("list-type=2&prefix={}", uri_encode(prefix, true));
            if let Some(token) = &next {
                query.push_str(&format!("&continuation-token={}", uri_encode(token, true)));
            }
            let page = self
                .retried("list", prefix, || async {
                    let answer =
                        (self.send("GET", "", &query, &[], Payload::Signed(b""), Vec::new()))
                            .await?;
                    let text = answer.text().await?;
                    xml::listing(&text).map_err(|why| {
                        S3Error::HttpFailWithBody(
                            500,
                            format!("<Error><Message>{why}</Message></Error>"),
                        )
                    })
                })
                .await?;
            listed.extend(page.entries.into_iter().map(|entry| Listed {
                key: entry.key,
                etag: entry.etag.as_deref().map(unquoted),
                size: entry.size,
            }));
            match page.next {
                Some(token) => next = Some(token),
                None => return Ok(listed),
            }
        }
    }

    /// What an object says of itself, from a HEAD request; its checksum
    /// too when the settings ask for one (`checksum`).
    pub async fn stored(&self, key: &str, checksum: Option<Checksum>) -> Result<Stored> {
        let head = self.head(key, checksum.is_some()).await?;
        let said = |name: &str| {
            let value = head.get(name)?.to_str().ok()?;
            Some(value.to_owned())
        };
        let etag = said("etag").as_deref().map(unquoted);
        let multipart = etag.as_deref().is_some_and(|etag| etag.contains('-'));
        let checksum = head.iter().find_map(|(name, value)| {
            let checksum = Checksum::of_header(name.as_str())?;
            let value = value.to_str().ok()?;
            // `<value>-<parts>`, a type that says so, or a multipart object
            // in a store that keeps its parts' only: of the parts'.
            let composite = value.contains('-')
                || said("x-amz-checksum-type").as_deref() == Some("COMPOSITE")
                || (multipart && !self.store.kind.keeps_whole(checksum));
            Some((checksum, Some(value.to_owned()).filter(|_| !composite)))
        });
        Ok(Stored {
            md5: said(MD5_HEADER),
            // S3 shows every object's checksum; a store that shows none may
            // keep none, whatever it was sent.
            shows_checksums: self.store.kind == StoreKind::Aws || checksum.is_some(),
            checksum,
            etag,
            redirect: said(REDIRECT_HEADER),
            values: Values::shown(|header| said(header.http)),
            content_type: said("content-type"),
            content_encoding: said("content-encoding"),
            storage_class: said("x-amz-storage-class"),
            sse: said("x-amz-server-side-encryption"),
        })
    }

    /// Whether the object under `key` was made from the file whose MD5 is `md5`.
    async fn holds(&self, key: &str, md5: &str) -> bool {
        self.stored(key, None)
            .await
            .is_ok_and(|stored| stored.md5.as_deref() == Some(md5))
    }

    /// Runs `attempt` under the retry policy, each attempt in a slot of the
    /// run's window of requests, its errors told apart by [`Bucket::describe`].
    /// A store that says SlowDown narrows the window. A bucket that S3 says
    /// is in another region is followed there once, and the attempt made again.
    async fn retried<T, F, Fut>(&self, verb: &str, key: &str, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, S3Error>>,
    {
        let what = format!("{verb} {key}");
        loop {
            let moved = std::sync::Mutex::new(None);
            let result = self
                .retry
                .run(&what, || {
                    let attempt = attempt();
                    let moved = &moved;
                    async move {
                        let slot = self.budget.window.acquire().await;
                        let answer = attempt.await.map_err(|err| {
                            if let Some(hint) = wrong_region(&err) {
                                *moved.lock().unwrap_or_else(|p| p.into_inner()) = Some(hint);
                            }
                            self.describe(&err)
                        });
                        match &answer {
                            Ok(_) => slot.succeeded(),
                            Err(failure) if failure.throttled => slot.throttled(),
                            Err(_) => {}
                        }
                        answer
                    }
                })
                .await
                .map_err(anyhow::Error::from);
            let moved = moved.into_inner().unwrap_or_else(|p| p.into_inner());
            match moved.filter(|_| result.is_err()) {
                Some(hint) if !self.relocated.swap(true, Ordering::Relaxed) => {
                    self.relocate(hint).await.with_context(|| what.clone())?;
                }
                Some(_) => {
                    let located = self.located();
                    return result.with_context(|| {
                        format!(
                            "{} redirects again after one redirect to {} was followed; check --region and --endpoint",
                            located.place, located.region
                        )
                    });
                }
                None => return result,
            }
        }
    }

    /// What a failed attempt means, read as every request's failures are
    /// (see [`crate::retry`]).
    fn describe(&self, err: &S3Error) -> Failure {
        let place = &self.located().place;
        let failure = |why: String, transient, cause| Failure {
            why,
            transient,
            throttled: false,
            cause,
        };
        match err {
            S3Error::HttpFailWithBody(status, body) => retry::answered(*status, body, place),
            S3Error::Reqwest(err) => retry::unanswered(err, place),
            // A part's file read again for a retry fails as a request does.
            S3Error::Io(err) => failure(format!("talking to {place}: {err}"), true, Cause::Network),
            // What the chain said (see send); rust-s3 fetches none itself.
            S3Error::Credentials(CredentialsError::Io(why)) => {
                failure(why.to_string(), false, Cause::Credentials)
            }
            S3Error::Credentials(_) => failure(
                "the AWS credentials could not be loaded".to_owned(),
                false,
                Cause::Credentials,
            ),
            other => failure(other.to_string(), false, Cause::Answer),
        }
    }
}

/// What a GET found.
enum Read {
    Absent,
    Whole(Fetched),
    /// At least this many bytes, more than were wanted.
    TooBig(u64),
}

/// An object read whole.
pub struct Fetched {
    pub body: Vec<u8>,
    /// Without quotes; empty where the store sent none.
    pub etag: String,
}

/// What a conditional write expects to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// No object: `If-None-Match: *`.
    Absent,
    /// The object of this ETag (without quotes): `If-Match`.
    ETag(String),
}

/// The outcome of a conditional write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cas {
    /// Written; the object's new ETag, without quotes.
    Written(String),
    /// Someone else wrote the object since it was read.
    Conflict,
}

/// What [`Bucket::adopt`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adoption {
    /// The object held the file and its headers: nothing was sent.
    InPlace,
    /// The object held the file; its headers were replaced.
    Rewritten,
    /// The object held something else: the file was uploaded, this many bytes.
    Uploaded(u64),
}

/// What adoption does with an object under an upload's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Adopt {
    /// It holds the file, its metadata and its headers: nothing to send.
    Keep,
    /// It holds the file's bytes: its headers and metadata are replaced.
    Rewrite,
    /// It holds something else: the file is uploaded.
    Upload,
}

/// What adoption does with the object that `stored` describes (its HEAD;
/// `None` where the listing showed other bytes already), for a file whose
/// bytes are `sent`, written with `headers` (and `encoding`, for a twin).
fn adoption(
    stored: Option<&Stored>,
    sent: &Fingerprint,
    headers: &Headers,
    encoding: Option<Encoding>,
) -> Adopt {
    // A redirect object keeps its redirect through a copy: it is replaced.
    let Some(stored) = stored.filter(|stored| stored.redirect.is_none() && sent.held_by(stored))
    else {
        return Adopt::Upload;
    };
    // The bytes are the file's; the metadata must name it too, for a twin
    // (which `verify` tells from it), and where it is there.
    let metadata_right = match &stored.md5 {
        Some(md5) => *md5 == sent.md5,
        None => encoding.is_none(),
    };
    // An ACL does not show in a HEAD: an upload that sets one never holds.
    let holds = headers.acl.is_none() && stored.has_headers(headers);
    match metadata_right && holds {
        true => Adopt::Keep,
        false => Adopt::Rewrite,
    }
}

/// Whether `etag` is the MD5 of an object's bytes, as a single-part
/// upload's is: 32 hex digits, where a multipart upload's ends in `-N`.
fn is_md5(etag: &str) -> bool {
    etag.len() == 32 && etag.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// What an object says of itself, as a HEAD shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// The MD5 of the source file, from [`MD5_HEADER`], if svn2s3 wrote the object.
    pub md5: Option<String>,
    /// Without quotes: the MD5 of the body for a single-part upload, `<hex>-<parts>` for a multipart one.
    pub etag: Option<String>,
    /// Where a redirect object sends a browser.
    pub redirect: Option<String>,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    /// Those of [`crate::header::HEADERS`] it has, but empty ones.
    pub values: Values,
    /// `x-amz-storage-class`, which S3 leaves out for STANDARD.
    pub storage_class: Option<String>,
    /// `x-amz-server-side-encryption`.
    pub sse: Option<String>,
    /// The algorithm of the checksum it keeps besides its ETag, and the
    /// value where it is the whole object's (not its parts').
    pub checksum: Option<(Checksum, Option<String>)>,
    /// Whether its store shows what checksum it keeps: where one shows
    /// none, the algorithm is not compared.
    pub shows_checksums: bool,
}

impl Stored {
    /// Whether the object carries every header an upload with `headers`
    /// gives it, and no other of those. Its ACL does not show in a HEAD,
    /// and is not compared.
    pub fn has_headers(&self, headers: &Headers) -> bool {
        let same = |stored: &Option<String>, wanted: Option<&str>| {
            stored
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty())
                == wanted
        };
        same(&self.content_type, Some(&headers.content_type))
            && same(&self.content_encoding, headers.content_encoding)
            && self.values == headers.values
            && self.is_stored_as(&headers.storage)
    }

    /// Whether the object is stored as `storage` says, where it says: what
    /// it leaves unset is the bucket's to choose, and a KMS key shows in a
    /// HEAD as its ARN, whatever named it, so only the algorithm is compared.
    pub fn is_stored_as(&self, storage: &crate::plan::Storage) -> bool {
        let class = self.storage_class.as_deref().unwrap_or("STANDARD");
        let class_right = (storage.storage_class.as_deref()).map_or(true, |wanted| wanted == class);
        let sse_right = storage.sse.is_none() || storage.sse == self.sse;
        let kept = self.checksum.as_ref().map(|(checksum, _)| *checksum);
        let checksum_right =
            storage.checksum.is_none() || !self.shows_checksums || storage.checksum == kept;
        class_right && sse_right && checksum_right
    }

    /// Whether its ETag may be the MD5 of its bytes: not with SSE-KMS,
    /// whose ETags are not.
    pub fn etag_may_be_md5(&self) -> bool {
        !(self.sse.as_deref()).is_some_and(|sse| sse.starts_with("aws:kms"))
    }
}

/// The headers an object is written with, as HTTP names them, its
/// Content-Type first. Every value was checked by the plan (see
/// [`crate::header`]).
fn header_pairs(headers: &Headers) -> Vec<(&'static str, &str)> {
    let first = [
        ("content-type", Some(headers.content_type.as_str())),
        ("content-encoding", headers.content_encoding),
    ];
    let values = (headers.values.iter()).map(|(header, value)| (header.http, Some(value)));
    let acl = ("x-amz-acl", headers.acl.as_deref());
    let storage = headers
        .storage
        .header_pairs()
        .map(|(name, value)| (name, Some(value)));
    (first.into_iter().chain(values).chain([acl]).chain(storage))
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
}

/// What a CopyObject asks for to keep the object's checksum as `headers`
/// say: S3 computes it anew from the bytes.
fn copy_checksum(headers: &Headers) -> Option<(&'static str, &'static str)> {
    let checksum = headers.storage.checksum?;
    Some(("x-amz-checksum-algorithm", checksum.name()))
}

/// The object metadata holding the MD5 of the file an object was made
/// from: for a gzip twin, of the file before compression. `verify`
/// compares it without downloading, multipart objects included, whose ETag
/// is not an MD5.
const MD5_HEADER: &str = "x-amz-meta-svn2s3-md5";

/// The ETag header of a response, without quotes.
fn etag_of(headers: &http::HeaderMap) -> String {
    headers
        .get("etag")
        .and_then(|etag| etag.to_str().ok())
        .map_or_else(String::new, unquoted)
}

/// An ETag as S3 sends it, `"<hex>"`, without its quotes.
fn unquoted(etag: &str) -> String {
    etag.trim_matches('"').to_owned()
}

#[cfg(test)]
mod tests;

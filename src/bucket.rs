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
use s3::creds::Credentials;
use s3::error::S3Error;
use s3::serde_types::Part;
use s3::signing::uri_encode;
use s3::Region;

use crate::budget::Budget;
use crate::header::{Name, Values};
use crate::plan::{Content, Encoding, Headers, Listed, Upload};
use crate::retry::{self, error_code, Cause, Failure, RequestError, Retry};
use crate::sigv4::{Payload, Signer};
use crate::xml;

/// The object metadata (`x-amz-meta-svn2s3-md5`) holding the MD5 of the file
/// an object was made from: for a gzip twin, of the file before compression.
/// `verify` compares it without downloading, multipart objects included,
/// whose ETag is not an MD5.
pub const MD5_META: &str = "svn2s3-md5";

/// Files this big or bigger go as multipart uploads, in parts of this size,
/// several at a time, each streamed from the file in chunks.
const PART_SIZE: u64 = 8 * 1024 * 1024;
/// A part's stream reads this much of the file at a time.
const CHUNK: u64 = 256 * 1024;
/// What a part in flight holds of the byte budget: the chunk being sent and
/// the one read ahead, and the chunk its MD5 is read into.
const PART_HOLD: u64 = 3 * CHUNK;
/// S3 takes at most this many parts; parts grow past 80 GB to stay under it.
const MAX_PARTS: u64 = 10_000;
/// Keys a DeleteObjects request names at most.
pub const DELETE_BATCH: usize = 1000;
/// The largest object CopyObject copies in one request; a bigger one whose
/// headers change is uploaded again.
const COPY_MAX: u64 = 5 * 1024 * 1024 * 1024;
/// The header of a redirect object: S3's website endpoint answers 301 to it.
const REDIRECT_HEADER: &str = "x-amz-website-redirect-location";

/// Whether requests name the bucket in the host or in the path, as aws
/// cli's `addressing_style`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Addressing {
    /// Virtual-hosted on AWS for bucket names that are DNS labels without
    /// dots; path-style for names with dots (S3's certificate is a one-label
    /// wildcard) and at any other endpoint.
    #[default]
    Auto,
    /// `https://BUCKET.s3.REGION.amazonaws.com/KEY`.
    Virtual,
    /// `https://s3.REGION.amazonaws.com/BUCKET/KEY`.
    Path,
}

impl std::str::FromStr for Addressing {
    type Err = String;

    fn from_str(text: &str) -> Result<Addressing, String> {
        match text {
            "auto" => Ok(Addressing::Auto),
            "virtual" => Ok(Addressing::Virtual),
            "path" => Ok(Addressing::Path),
            _ => Err(format!(
                "{text:?} is not an addressing style (auto, virtual or path)"
            )),
        }
    }
}

/// Where a bucket is, and how requests name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: String,
    pub region: String,
    /// An S3-compatible endpoint; `None` is AWS.
    pub endpoint: Option<String>,
    pub addressing: Addressing,
}

/// A bucket and the way to reach it.
pub struct Bucket {
    /// rust-s3's client, and where it points: replaced once if the bucket
    /// turns out to be in another region than the one asked for.
    located: RwLock<Arc<Located>>,
    credentials: Credentials,
    name: String,
    endpoint: Option<String>,
    path_style: bool,
    retry: Retry,
    budget: Budget,
    /// True until the store answers DeleteObjects with NotImplemented.
    multi_delete: AtomicBool,
    /// Set once a region redirect has been followed: it is never followed twice.
    relocated: AtomicBool,
}

/// A client of the bucket in one region.
struct Located {
    client: s3::Bucket,
    region: String,
    /// For messages: `s3://media at http://127.0.0.1:9000`, `s3://media in eu-west-1`.
    place: String,
}

impl Bucket {
    /// Builds the client; sends nothing. Credentials come from the standard
    /// AWS chain: environment, then profile, then instance metadata.
    pub fn connect(address: &Address, workers: usize) -> Result<Bucket> {
        let credentials = Credentials::default().map_err(|_| RequestError {
            what: format!("reaching s3://{}", address.name),
            failure: Failure {
                why: "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE".into(),
                transient: false,
                throttled: false,
                cause: Cause::Credentials,
            },
            tries: 1,
        })?;
        let path_style = path_style(
            address.addressing,
            address.endpoint.as_deref(),
            &address.name,
        );
        let bucket = Bucket {
            located: RwLock::new(Arc::new(Located::at(
                &address.name,
                &address.region,
                address.endpoint.as_deref(),
                path_style,
                credentials.clone(),
            )?)),
            credentials,
            name: address.name.clone(),
            endpoint: address.endpoint.clone(),
            path_style,
            retry: Retry::default(),
            budget: Budget::new(workers),
            multi_delete: AtomicBool::new(true),
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

    fn client(&self) -> s3::Bucket {
        self.located().client.clone()
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
            let etag = answer
                .headers()
                .get("etag")
                .and_then(|etag| etag.to_str().ok())
                .map_or_else(String::new, unquoted);
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
        let mut condition = http::HeaderMap::new();
        match expect {
            Expect::Absent => condition.insert(http::header::IF_NONE_MATCH, "*".parse()?),
            Expect::ETag(etag) => {
                condition.insert(http::header::IF_MATCH, format!("\"{etag}\"").parse()?)
            }
        };
        let mut tries = 0;
        let written = self
            .retried("write", key, || {
                tries += 1;
                let condition = condition.clone();
                async move {
                    let put = self
                        .client()
                        .put_object_builder(key, body)
                        .with_content_type("application/yaml")
                        .with_headers(condition)
                        .execute()
                        .await;
                    match put {
                        Ok(response) => Ok(Some(etag_of(&response.headers()))),
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

    /// Writes one object: a file (or its compressed twin) from disk, or an
    /// empty redirect; returns the bytes sent.
    pub async fn put(&self, upload: &Upload) -> Result<u64> {
        match &upload.content {
            Content::File { local, encoding } => self.put_file(upload, local, *encoding).await,
            Content::Redirect { location } => {
                let mut headers = header_pairs(&upload.headers);
                headers.push((REDIRECT_HEADER, location));
                self.retried("redirect", &upload.key, || async {
                    self.put_object(&upload.key, &headers, Vec::new()).await?;
                    Ok(())
                })
                .await?;
                Ok(0)
            }
        }
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
        self.retried("rewrite headers of", &upload.key, || async {
            let answer = self
                .send("PUT", &upload.key, "", &headers, Payload::Signed(b""), "")
                .await?;
            // CopyObject may fail after its 200 OK, in the body.
            let body = answer.text().await?;
            if body.contains("<Error>") {
                return Err(S3Error::HttpFailWithBody(500, body));
            }
            Ok(())
        })
        .await?;
        Ok(0)
    }

    /// Writes `upload` unless the object under its key, `present` in a
    /// listing, holds what it would write already: the same size, an ETag
    /// that does not say other bytes and an [`MD5_META`] that names the
    /// file (see [`Fingerprint::held_by`]). One HEAD tells that and
    /// compares its headers, replaced without sending the bytes where they
    /// differ. A bucket filled by `aws s3 sync` so costs a listing and a
    /// reading of the files, not an upload of each.
    pub async fn adopt(&self, upload: &Upload, present: &Listed) -> Result<Adoption> {
        let Content::File { local, encoding } = &upload.content else {
            return Ok(Adoption::Uploaded(self.put(upload).await?));
        };
        let body = Body::open(local, *encoding).await?;
        let sent = Fingerprint::of_body(&body, local, *encoding).await?;
        // The listing tells most objects that differ without a HEAD.
        let listed_says = present
            .etag
            .as_deref()
            .and_then(|etag| sent.etag_says(etag));
        let differs = present.size != body.size || listed_says == Some(false);
        let stored = match differs {
            true => None,
            false => Some(self.stored(&upload.key).await?),
        };
        // A redirect object keeps its redirect through a copy: it is replaced.
        let Some(stored) =
            stored.filter(|stored| stored.redirect.is_none() && sent.held_by(stored))
        else {
            return Ok(Adoption::Uploaded(
                self.put_body(upload, local, *encoding, body, Some(sent.md5.clone()))
                    .await?,
            ));
        };
        drop(body);
        // The bytes are the file's; the metadata must name it too, for a
        // twin (which `verify` tells from it), and where it is there.
        let metadata_right = match &stored.md5 {
            Some(md5) => *md5 == sent.md5,
            None => encoding.is_none(),
        };
        // An ACL does not show in a HEAD: an upload that sets one never holds.
        let holds = upload.headers.acl.is_none() && stored.has_headers(&upload.headers);
        if metadata_right && holds {
            return Ok(Adoption::InPlace);
        }
        match self.rewrite(upload).await? {
            0 => Ok(Adoption::Rewritten),
            sent => Ok(Adoption::Uploaded(sent)),
        }
    }

    /// An object's headers and metadata, from a HEAD request.
    async fn head(&self, key: &str) -> Result<s3::serde_types::HeadObjectResult> {
        self.retried("inspect", key, || async {
            Ok(self.client().head_object(key).await?.0)
        })
        .await
    }

    /// Sends a file (or its compressed twin) from disk into an object;
    /// returns the bytes sent. Its bytes count against the run's byte
    /// budget while they are held.
    async fn put_file(
        &self,
        upload: &Upload,
        local: &Path,
        encoding: Option<Encoding>,
    ) -> Result<u64> {
        let body = Body::open(local, encoding).await?;
        self.put_body(upload, local, encoding, body, None).await
    }

    /// Sends `body`, made from the file `local`, into `upload`'s object;
    /// `file_md5` is the file's MD5, where it is known already.
    async fn put_body(
        &self,
        upload: &Upload,
        local: &Path,
        encoding: Option<Encoding>,
        body: Body,
        file_md5: Option<String>,
    ) -> Result<u64> {
        let mut headers = header_pairs(&upload.headers);
        if body.size < PART_SIZE {
            let _held = self.budget.hold(body.size).await;
            let bytes = body.read(0, body.size).await?;
            // A plain file's bytes are in memory already; a twin's MD5 is its source's.
            let md5 = match (file_md5, encoding) {
                (Some(md5), _) => md5,
                (None, None) => format!("{:x}", md5::compute(&bytes)),
                (None, Some(_)) => md5_of_file(local).await?,
            };
            headers.push((MD5_HEADER, &md5));
            self.retried("upload", &upload.key, || async {
                self.put_object(&upload.key, &headers, bytes.clone())
                    .await?;
                Ok(())
            })
            .await?;
        } else {
            let md5 = match file_md5 {
                Some(md5) => md5,
                None => md5_of_file(local).await?,
            };
            headers.push((MD5_HEADER, &md5));
            self.put_parts(upload, &headers, &body, &md5).await?;
        }
        Ok(body.size)
    }

    /// A multipart upload: the first request carries the object's headers,
    /// then the parts go several at a time, each read and sent (and retried)
    /// on its own, within the run's requests and bytes in flight. A failed
    /// upload is aborted, so no parts are left to pay for. `md5` is the
    /// file's, as the object's metadata holds it.
    async fn put_parts(
        &self,
        upload: &Upload,
        headers: &[(&str, &str)],
        body: &Body,
        md5: &str,
    ) -> Result<()> {
        let key = upload.key.as_str();
        let upload_id = self
            .retried("start upload", key, || async {
                let answer = self
                    .send(
                        "POST",
                        key,
                        "uploads",
                        headers,
                        Payload::Signed(b""),
                        Vec::new(),
                    )
                    .await?;
                let text = answer.text().await?;
                xml::text(&text, "UploadId").ok_or_else(|| S3Error::HttpFailWithBody(500, text))
            })
            .await?;
        let upload_id = upload_id.as_str();
        let finished = async {
            let part_size = PART_SIZE.max(body.size.div_ceil(MAX_PARTS));
            let count = body.size.div_ceil(part_size);
            let mut parts: Vec<Part> = stream::iter(0..count)
                .map(|index| {
                    let offset = index * part_size;
                    let len = part_size.min(body.size - offset);
                    self.put_part(key, upload_id, index as u32 + 1, body, offset, len)
                })
                .buffer_unordered(self.budget.window.max_in_flight())
                .try_collect()
                .await?;
            parts.sort_by_key(|part| part.part_number);
            let mut tries = 0;
            let completed = self
                .retried("finish upload", key, || {
                    tries += 1;
                    let parts = parts.clone();
                    async move {
                        self.client()
                            .complete_multipart_upload(key, upload_id, parts)
                            .await?;
                        Ok(())
                    }
                })
                .await;
            // A retry fails (S3 says NoSuchUpload) when an earlier attempt
            // finished the upload and its answer was lost: then the object
            // is there, made from this file.
            if completed.is_err() && tries > 1 && self.holds(key, md5).await {
                return Ok(());
            }
            completed
        }
        .await;
        if finished.is_err() {
            // Best effort: the error that matters is the one being returned.
            self.client().abort_upload(key, upload_id).await.ok();
        }
        finished
    }

    /// One part, streamed from the file in small chunks with the MD5 that a
    /// first reading gives, and an unsigned payload (see [`crate::sigv4`]):
    /// memory holds a few chunks per part in flight, whatever the part's
    /// size, and a retry streams the part again.
    async fn put_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        body: &Body,
        offset: u64,
        len: u64,
    ) -> Result<Part> {
        let _held = self.budget.hold(PART_HOLD).await;
        let md5 = body.md5(offset, len).await?;
        let query = format!(
            "partNumber={number}&uploadId={}",
            uri_encode(upload_id, true)
        );
        self.retried("upload part of", key, || async {
            let chunks = reqwest::Body::wrap_stream(body.chunks(offset, len));
            let length = len.to_string();
            let headers = [("content-md5", md5.as_str()), ("content-length", &length)];
            let answer = self
                .send("PUT", key, &query, &headers, Payload::Unsigned, chunks)
                .await?;
            Ok(Part {
                part_number: number,
                etag: answer
                    .headers()
                    .get("etag")
                    .and_then(|etag| etag.to_str().ok())
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
        .await
    }

    /// A PutObject of `body` with `headers` and the body's Content-MD5,
    /// which S3 checks. Signed with aws-sigv4, as every request that
    /// carries a header value from the settings or the tree: it signs a
    /// value in the canonical form SigV4 specifies, sequential spaces
    /// collapsed, where rust-s3 0.38 signs it as it is and S3 refuses the
    /// signature.
    async fn put_object(
        &self,
        key: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<reqwest::Response, S3Error> {
        let md5 = BASE64.encode(md5::compute(&body).0);
        let mut headers = headers.to_vec();
        headers.push(("content-md5", &md5));
        self.send(
            "PUT",
            key,
            "",
            &headers,
            Payload::Signed(&body),
            body.clone(),
        )
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
        let credentials = located.client.credentials().await?;
        let request = Signer::new(&credentials, &located.region, "s3")
            .and_then(|signer| signer.sign(method, &url, headers, payload, body))
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
        self.retried("list", prefix, || async {
            let pages = self.client().list(prefix.to_owned(), None).await?;
            Ok(pages
                .into_iter()
                .flat_map(|page| page.contents)
                .map(|object| Listed {
                    key: object.key,
                    etag: object.e_tag.as_deref().map(unquoted),
                    size: object.size,
                })
                .collect())
        })
        .await
    }

    /// What an object says of itself, from a HEAD request.
    pub async fn stored(&self, key: &str) -> Result<Stored> {
        let head = self.head(key).await?;
        Ok(Stored {
            md5: head.metadata.and_then(|mut meta| meta.remove(MD5_META)),
            etag: head.e_tag.as_deref().map(unquoted),
            redirect: head.website_redirect_location,
            values: Values::shown(|header| match header.name {
                Name::CacheControl => head.cache_control.clone(),
                Name::ContentDisposition => head.content_disposition.clone(),
                Name::ContentLanguage => head.content_language.clone(),
                Name::Expires => head.expires.clone(),
                Name::ContentType => None,
            }),
            content_type: head.content_type,
            content_encoding: head.content_encoding,
        })
    }

    /// Whether the object under `key` was made from the file whose MD5 is `md5`.
    async fn holds(&self, key: &str, md5: &str) -> bool {
        self.stored(key)
            .await
            .is_ok_and(|stored| stored.md5.as_deref() == Some(md5))
    }

    /// Deletes up to [`DELETE_BATCH`] keys in one DeleteObjects request. The
    /// keys the answer names as errors are sent again, as a failed request
    /// is, and named if they never go. A store that has no DeleteObjects (see
    /// [`lacks_delete_objects`]) gets one DeleteObject per key from then on.
    pub async fn delete_batch(&self, keys: &[String]) -> Result<()> {
        let mut left = keys.to_vec();
        let mut round = 0;
        while self.multi_delete.load(Ordering::Relaxed) {
            round += 1;
            let what = named_keys(&left);
            let request = delete_request(&left);
            let md5 = BASE64.encode(md5::compute(&request).0);
            let answer = self
                .retried("delete", &what, || {
                    let (request, md5) = (&request, &md5);
                    async move {
                        let headers = [
                            ("content-md5", md5.as_str()),
                            ("content-type", "application/xml"),
                        ];
                        let payload = Payload::Signed(request.as_bytes());
                        let sent = self
                            .send("POST", "", "delete=", &headers, payload, request.clone())
                            .await;
                        match sent {
                            Err(S3Error::HttpFailWithBody(status, body))
                                if lacks_delete_objects(status, &body) =>
                            {
                                Ok(None)
                            }
                            Err(err) => Err(err),
                            Ok(answer) => Ok(Some(answer.text().await?)),
                        }
                    }
                })
                .await?;
            let Some(answer) = answer else {
                tracing::info!(
                    "{} has no DeleteObjects: one request per key",
                    self.located().place
                );
                self.multi_delete.store(false, Ordering::Relaxed);
                break;
            };
            let errors =
                xml::delete_errors(&answer).map_err(|err| anyhow!("delete {what}: {err}"))?;
            let Some(failed) = errors.first() else {
                return Ok(());
            };
            let why = format!("{}: {}", failed.code, failed.message);
            left = errors.into_iter().map(|error| error.key).collect();
            if round >= self.retry.attempts {
                bail!(
                    "delete {}: {why} (after {round} attempts)",
                    named_keys(&left)
                );
            }
            tracing::debug!(
                round,
                "delete {} failed, retrying: {why}",
                named_keys(&left)
            );
            tokio::time::sleep(self.retry.delay(round)).await;
        }
        stream::iter(left)
            .map(|key| async move { self.delete(&key).await })
            .buffer_unordered(self.budget.window.max_in_flight())
            .try_collect()
            .await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.retried("delete", key, || async {
            self.client().delete_object(key).await?;
            Ok(())
        })
        .await
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

    /// Points the client at the region S3 says the bucket is in: named in
    /// its answer, or else in the `x-amz-bucket-region` of a HEAD of the bucket.
    async fn relocate(&self, hint: Option<String>) -> Result<()> {
        let located = self.located();
        let region = match hint {
            Some(region) => region,
            None => {
                let url = format!("{}/", located.client.url());
                let answer = located.client.http_client().head(&url).send().await;
                answer
                    .ok()
                    .and_then(|answer| {
                        let region = answer.headers().get("x-amz-bucket-region")?;
                        Some(region.to_str().ok()?.to_owned())
                    })
                    .ok_or_else(|| {
                        anyhow!(
                            "{} is in another region than {}, and S3 did not say which; give --region",
                            located.place,
                            located.region
                        )
                    })?
            }
        };
        if region == located.region {
            bail!("{} redirects to its own region {region}", located.place);
        }
        tracing::info!(
            "{} is in {region}, not {}: following S3's redirect",
            located.place,
            located.region
        );
        let moved = Located::at(
            &self.name,
            &region,
            self.endpoint.as_deref(),
            self.path_style,
            self.credentials.clone(),
        )?;
        *self
            .located
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(moved);
        Ok(())
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
            S3Error::Credentials(_) => failure(
                "the AWS credentials could not be loaded".to_owned(),
                false,
                Cause::Credentials,
            ),
            other => failure(other.to_string(), false, Cause::Answer),
        }
    }
}

impl Located {
    /// A client of bucket `name` in `region`: at `endpoint`, or at S3's
    /// regional endpoint.
    fn at(
        name: &str,
        region: &str,
        endpoint: Option<&str>,
        path_style: bool,
        credentials: Credentials,
    ) -> Result<Located> {
        let url = endpoint.map_or_else(|| regional_endpoint(region), str::to_owned);
        let custom = Region::Custom {
            region: region.to_owned(),
            endpoint: url,
        };
        let mut client = *s3::Bucket::new(name, custom, credentials)
            .with_context(|| format!("bucket {name:?}"))?;
        if path_style {
            client.set_path_style();
        }
        let place = match endpoint {
            Some(endpoint) => format!("s3://{name} at {}", crate::redact::urls(endpoint)),
            None => format!("s3://{name} in {region}"),
        };
        Ok(Located {
            client,
            region: region.to_owned(),
            place,
        })
    }
}

/// Whether requests name the bucket in the path rather than the host.
fn path_style(addressing: Addressing, endpoint: Option<&str>, bucket: &str) -> bool {
    match addressing {
        Addressing::Path => true,
        Addressing::Virtual => false,
        Addressing::Auto => endpoint.is_some() || !is_dns_label(bucket),
    }
}

/// S3's endpoint in `region`, as aws cli names it.
fn regional_endpoint(region: &str) -> String {
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://s3.{region}.{domain}")
}

/// Whether `bucket` can be the first label of a host name under S3's
/// one-label wildcard certificate: lowercase letters, digits and hyphens,
/// neither first nor last a hyphen, 3 to 63 of them, no dot.
fn is_dns_label(bucket: &str) -> bool {
    let bytes = bucket.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// S3 says the bucket is in another region: a 301 PermanentRedirect, or a
/// 400 AuthorizationHeaderMalformed naming the region to sign for. The
/// region, where the answer names it.
fn wrong_region(err: &S3Error) -> Option<Option<String>> {
    let S3Error::HttpFailWithBody(status, body) = err else {
        return None;
    };
    let region = xml::text(body, "Region");
    match (*status, error_code(body).as_deref()) {
        (301, _) | (400, Some("AuthorizationHeaderMalformed")) => Some(region),
        _ => None,
    }
}

/// Whether a store answered DeleteObjects as one without it does. Public
/// reports give Google Cloud Storage's S3 interoperability (NotImplemented;
/// 400 InvalidArgument before) and Alibaba Cloud OSS's S3 endpoint
/// (NotImplemented, MethodNotAllowed or MissingArgument). One request per
/// key is always right, so any of these falls back to it.
fn lacks_delete_objects(status: u16, body: &str) -> bool {
    let code = error_code(body);
    matches!(
        (status, code.as_deref()),
        (501 | 405, _)
            | (
                400,
                Some("NotImplemented" | "InvalidArgument" | "MissingArgument")
            )
    )
}

/// The body of a DeleteObjects request for `keys`, quiet: its answer names
/// only the keys that were not deleted.
fn delete_request(keys: &[String]) -> String {
    let objects: String = keys
        .iter()
        .map(|key| {
            format!(
                "<Object><Key>{}</Key></Object>",
                quick_xml::escape::escape(key.as_str())
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>{objects}</Delete>"
    )
}

/// The first of some keys, for messages: `a.css`, or `a.css and 41 more`.
fn named_keys(keys: &[String]) -> String {
    match keys {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
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

/// Whether `etag` is the MD5 of an object's bytes, as a single-part
/// upload's is: 32 hex digits, where a multipart upload's ends in `-N`.
fn is_md5(etag: &str) -> bool {
    etag.len() == 32 && etag.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// What an object says of itself, as a HEAD shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// The MD5 of the source file, from [`MD5_META`], if svn2s3 wrote the object.
    pub md5: Option<String>,
    /// Without quotes: the MD5 of the body for a single-part upload, `<hex>-<parts>` for a multipart one.
    pub etag: Option<String>,
    /// Where a redirect object sends a browser.
    pub redirect: Option<String>,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    /// Those of [`crate::header::HEADERS`] it has, but empty ones.
    pub values: Values,
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
    }
}

/// What svn2s3 sends for a file, to tell whether an object holds it: the
/// file's MD5 (which the `svn2s3-md5` metadata names), and the MD5 and the
/// ETag of the bytes sent (the file's, or its twin's compressed bytes),
/// the ETag being the MD5 for one PUT, the MD5 of the parts' MD5s and
/// their number for a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    pub md5: String,
    pub sent_md5: String,
    pub sent_etag: String,
}

impl Fingerprint {
    pub(crate) async fn of(local: &Path, encoding: Option<Encoding>) -> Result<Fingerprint> {
        let body = Body::open(local, encoding).await?;
        Self::of_body(&body, local, encoding).await
    }

    async fn of_body(body: &Body, local: &Path, encoding: Option<Encoding>) -> Result<Fingerprint> {
        let (sent_md5, sent_etag) = body.etag().await?;
        let md5 = match encoding {
            None => sent_md5.clone(),
            Some(_) => md5_of_file(local).await?,
        };
        Ok(Fingerprint {
            md5,
            sent_md5,
            sent_etag,
        })
    }

    /// What an object's ETag says of whether it holds these bytes: a
    /// single-part ETag is the bytes' MD5; a multipart one of as many parts
    /// as svn2s3 sends is svn2s3's; one of another number of parts (another
    /// tool's) cannot tell.
    pub(crate) fn etag_says(&self, stored: &str) -> Option<bool> {
        if is_md5(stored) {
            return Some(stored == self.sent_md5);
        }
        let parts = |etag: &str| etag.split_once('-').map(|(_, count)| count.to_owned());
        match (parts(stored), parts(&self.sent_etag)) {
            (Some(stored_parts), Some(parts)) if stored_parts == parts => {
                Some(stored == self.sent_etag)
            }
            _ => None,
        }
    }

    /// Whether the object `stored` holds these bytes: its ETag must not say
    /// otherwise, and its metadata, where it has one, must name the file;
    /// without metadata, only an ETag that says so can tell.
    pub(crate) fn held_by(&self, stored: &Stored) -> bool {
        let says = stored.etag.as_deref().and_then(|etag| self.etag_says(etag));
        match (&stored.md5, says) {
            (_, Some(false)) => false,
            (Some(metadata), _) => *metadata == self.md5,
            (None, Some(true)) => true,
            (None, None) => false,
        }
    }
}

/// The MD5 of a file, as lowercase hex, read off the async threads.
pub async fn md5_of_file(path: &Path) -> Result<String> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<String> {
        let mut file =
            std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut context = md5::Context::new();
        std::io::copy(&mut file, &mut context)
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(format!("{:x}", context.finalize()))
    })
    .await?
}

/// What an upload reads from: the file itself, or its twin compressed beforehand.
struct Body {
    file: Arc<std::fs::File>,
    size: u64,
    /// The file being published, for messages.
    path: PathBuf,
}

impl Body {
    async fn open(local: &Path, encoding: Option<Encoding>) -> Result<Body> {
        let path = local.to_path_buf();
        let file = match encoding {
            Some(encoding) => compress(&path, encoding).await?,
            None => {
                std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?
            }
        };
        let size = file.metadata()?.len();
        Ok(Body {
            file: Arc::new(file),
            size,
            path,
        })
    }

    /// `len` bytes from `offset`, read off the async threads straight into a
    /// buffer of exactly that size: no intermediate buffer, no growth. An
    /// I/O error, so that a retried part can fail as a request does; its
    /// message names the file.
    async fn read(&self, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
        let file = Arc::clone(&self.file);
        let read = tokio::task::spawn_blocking(move || {
            let mut buffer = vec![0; len as usize];
            file.read_exact_at(&mut buffer, offset).map(|()| buffer)
        })
        .await
        .map_err(std::io::Error::other)?;
        read.map_err(|err| self.reading(err))
    }

    /// The MD5 of `len` bytes from `offset`, base64 as `Content-MD5` wants it,
    /// read a chunk at a time off the async threads.
    async fn md5(&self, offset: u64, len: u64) -> Result<String> {
        Ok(BASE64.encode(self.digest(offset, len).await?.0))
    }

    /// The MD5 of every byte and the ETag S3 gives them as svn2s3 uploads
    /// them: the same MD5 for a single PUT, else the multipart ETag for
    /// the parts [`Bucket::put_parts`] sends. One reading, off the async
    /// threads.
    async fn etag(&self) -> Result<(String, String)> {
        let (file, size) = (Arc::clone(&self.file), self.size);
        let digests = tokio::task::spawn_blocking(move || {
            let part_size = PART_SIZE.max(size.div_ceil(MAX_PARTS));
            let (mut whole, mut parts) = (md5::Context::new(), Vec::new());
            let mut chunk = vec![0; CHUNK.min(size) as usize];
            let mut offset = 0;
            while offset < size {
                let mut part = md5::Context::new();
                let end = size.min(offset + part_size);
                while offset < end {
                    let read = &mut chunk[..CHUNK.min(end - offset) as usize];
                    file.read_exact_at(read, offset)?;
                    whole.consume(&*read);
                    part.consume(&*read);
                    offset += read.len() as u64;
                }
                parts.push(part.finalize().0);
            }
            Ok::<_, std::io::Error>((whole.finalize(), parts))
        })
        .await?;
        let (whole, parts) = digests.map_err(|err| self.reading(err))?;
        let md5 = format!("{whole:x}");
        let etag = match size < PART_SIZE {
            true => md5.clone(),
            false => format!("{:x}-{}", md5::compute(parts.concat()), parts.len()),
        };
        Ok((md5, etag))
    }

    /// The MD5 of `len` bytes from `offset`.
    async fn digest(&self, offset: u64, len: u64) -> Result<md5::Digest> {
        let file = Arc::clone(&self.file);
        let digest = tokio::task::spawn_blocking(move || {
            let mut context = md5::Context::new();
            let mut chunk = vec![0; CHUNK.min(len) as usize];
            let mut done = 0;
            while done < len {
                let part = &mut chunk[..CHUNK.min(len - done) as usize];
                file.read_exact_at(part, offset + done)?;
                context.consume(&*part);
                done += part.len() as u64;
            }
            Ok::<_, std::io::Error>(context.finalize())
        })
        .await?;
        Ok(digest.map_err(|err| self.reading(err))?)
    }

    /// `len` bytes from `offset` as a stream of chunks, each read when the
    /// request is ready for it.
    fn chunks(
        &self,
        offset: u64,
        len: u64,
    ) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static {
        let (file, path) = (Arc::clone(&self.file), self.path.clone());
        stream::try_unfold(0, move |done| {
            let (file, path) = (Arc::clone(&file), path.clone());
            async move {
                if done >= len {
                    return Ok(None);
                }
                let size = CHUNK.min(len - done);
                let chunk = tokio::task::spawn_blocking(move || {
                    let mut chunk = vec![0; size as usize];
                    file.read_exact_at(&mut chunk, offset + done)
                        .map(|()| chunk)
                })
                .await
                .map_err(std::io::Error::other)?
                .map_err(|err| reading(&path, err))?;
                Ok(Some((chunk, done + size)))
            }
        })
    }

    fn reading(&self, err: std::io::Error) -> std::io::Error {
        reading(&self.path, err)
    }
}

/// A read error that names the file being published.
fn reading(path: &Path, err: std::io::Error) -> std::io::Error {
    std::io::Error::new(
        err.kind(),
        format!(
            "reading {} (did it change while publishing?): {err}",
            path.display()
        ),
    )
}

/// Compresses a file into an anonymous temporary file, off the async
/// threads, at each format's best: twins are made once and served many times.
async fn compress(path: &Path, encoding: Encoding) -> Result<std::fs::File> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<std::fs::File> {
        let mut source =
            std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        let compressing = || format!("compressing {}", path.display());
        let mut twin = tempfile::tempfile()?;
        match encoding {
            Encoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(&mut twin, flate2::Compression::best());
                std::io::copy(&mut source, &mut encoder).with_context(compressing)?;
                encoder.finish().with_context(compressing)?;
            }
            Encoding::Brotli => {
                // Quality 11 and a 4 MiB window: the smallest output.
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 11,
                    lgwin: 22,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut source, &mut twin, &params)
                    .with_context(compressing)?;
            }
        }
        Ok(twin)
    })
    .await?
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
    (first.into_iter().chain(values).chain([acl]))
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
}

/// The [`MD5_META`] metadata header.
const MD5_HEADER: &str = "x-amz-meta-svn2s3-md5";

/// The ETag header of a response, without quotes.
fn etag_of(headers: &std::collections::HashMap<String, String>) -> String {
    headers
        .get("etag")
        .map_or_else(String::new, |etag| unquoted(etag))
}

/// An ETag as S3 sends it, `"<hex>"`, without its quotes.
fn unquoted(etag: &str) -> String {
    etag.trim_matches('"').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";

    fn stored(md5: Option<&str>, etag: Option<&str>) -> Stored {
        Stored {
            md5: md5.map(str::to_owned),
            etag: etag.map(str::to_owned),
            ..Stored::default()
        }
    }

    /// What svn2s3 sends for a file whose MD5 is [`MD5`]: the file in one
    /// PUT, in 3 parts, or a twin.
    fn sent(sent_md5: &str, sent_etag: &str) -> Fingerprint {
        Fingerprint {
            md5: MD5.into(),
            sent_md5: sent_md5.into(),
            sent_etag: sent_etag.into(),
        }
    }

    #[test]
    fn an_etag_that_says_other_bytes_wins_over_the_metadata() {
        let multipart = "f00d0000000000000000000000000000-3";
        let whole = sent(MD5, MD5);
        let parts = sent(MD5, multipart);
        // svn2s3's own upload, in one PUT or in parts.
        assert!(whole.held_by(&stored(Some(MD5), Some(MD5))));
        assert!(parts.held_by(&stored(Some(MD5), Some(multipart))));
        // Other bytes under svn2s3's metadata: one PUT, or as many parts.
        let other = "0000000000000000000000000000beef";
        assert!(!whole.held_by(&stored(Some(MD5), Some(other))));
        let forged = "beef0000000000000000000000000000-3";
        assert!(!parts.held_by(&stored(Some(MD5), Some(forged))));
        // Another tool's parts: only the metadata can tell.
        let foreign = "beef0000000000000000000000000000-5";
        assert!(parts.held_by(&stored(Some(MD5), Some(foreign))));
        assert!(!parts.held_by(&stored(Some("0000"), Some(foreign))));
        // A twin: its compressed bytes' ETag, and the file's metadata.
        let gzipped = "9e107d9d372bb6826bd81d3542a419d6";
        let twin = sent(gzipped, gzipped);
        assert!(twin.held_by(&stored(Some(MD5), Some(gzipped))));
        assert!(!twin.held_by(&stored(Some(MD5), Some(MD5))));
        assert!(!twin.held_by(&stored(Some("0000"), Some(gzipped))));
    }

    #[test]
    fn without_metadata_only_an_etag_can_tell() {
        let whole = sent(MD5, MD5);
        assert!(whole.held_by(&stored(None, Some(MD5))));
        assert!(!whole.held_by(&stored(None, Some("abc-2"))));
        assert!(!whole.held_by(&stored(None, None)));
    }

    #[test]
    fn aws_buckets_are_addressed_as_aws_cli_does() {
        let url = |bucket: &str, region: &str, addressing: Addressing, endpoint: Option<&str>| {
            let path = path_style(addressing, endpoint, bucket);
            let credentials = Credentials::new(Some("a"), Some("b"), None, None, None).unwrap();
            let located = Located::at(bucket, region, endpoint, path, credentials).unwrap();
            (located.client.url(), located.place)
        };
        // A name with dots: path-style, at the region's own endpoint.
        assert_eq!(
            url("media.example.com", "eu-west-1", Addressing::Auto, None),
            (
                "https://s3.eu-west-1.amazonaws.com/media.example.com".into(),
                "s3://media.example.com in eu-west-1".into()
            )
        );
        assert_eq!(
            url("media", "eu-west-1", Addressing::Auto, None).0,
            "https://media.s3.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            url("media", "us-east-1", Addressing::Path, None).0,
            "https://s3.us-east-1.amazonaws.com/media"
        );
        assert_eq!(
            url("media", "cn-north-1", Addressing::Auto, None).0,
            "https://media.s3.cn-north-1.amazonaws.com.cn"
        );
        // Any other endpoint: path-style unless asked otherwise.
        let minio = Some("http://127.0.0.1:9000");
        assert_eq!(
            url("media", "us-east-1", Addressing::Auto, minio).0,
            "http://127.0.0.1:9000/media"
        );
        assert_eq!(
            url(
                "media",
                "us-east-1",
                Addressing::Virtual,
                Some("https://r2.example")
            )
            .0,
            "https://media.r2.example"
        );
        for name in ["Media", "me_dia", "-media", "media-", "md", "a.b.c"] {
            assert!(!is_dns_label(name), "{name}");
        }
        assert!(is_dns_label("media-2026"));
    }

    #[test]
    fn region_redirects_are_told_from_other_errors() {
        let redirect = S3Error::HttpFailWithBody(
            301,
            "<Error><Code>PermanentRedirect</Code><Endpoint>media.s3.eu-west-1.amazonaws.com</Endpoint></Error>".into(),
        );
        assert_eq!(wrong_region(&redirect), Some(None));
        let malformed = S3Error::HttpFailWithBody(
            400,
            "<Error><Code>AuthorizationHeaderMalformed</Code><Region>eu-west-1</Region></Error>"
                .into(),
        );
        assert_eq!(wrong_region(&malformed), Some(Some("eu-west-1".into())));
        let denied =
            S3Error::HttpFailWithBody(403, "<Error><Code>AccessDenied</Code></Error>".into());
        assert_eq!(wrong_region(&denied), None);
    }

    #[test]
    fn stores_without_delete_objects_are_told_from_a_failing_one() {
        let answer = |code: &str| format!("<Error><Code>{code}</Code></Error>");
        assert!(lacks_delete_objects(501, &answer("NotImplemented")));
        assert!(lacks_delete_objects(405, &answer("MethodNotAllowed")));
        assert!(lacks_delete_objects(400, &answer("InvalidArgument")));
        assert!(lacks_delete_objects(400, &answer("MissingArgument")));
        assert!(!lacks_delete_objects(400, &answer("MalformedXML")));
        assert!(!lacks_delete_objects(403, &answer("AccessDenied")));
        assert!(!lacks_delete_objects(500, &answer("InternalError")));
    }

    #[test]
    fn headers_are_sent_as_http_names_them_the_type_first() {
        let headers = Headers {
            content_type: "text/css".into(),
            content_encoding: Some("gzip"),
            values: Values::from_iter([(Name::CacheControl, "public,  max-age=60".into())]),
            acl: Some("public-read".into()),
        };
        assert_eq!(
            header_pairs(&headers),
            [
                ("content-type", "text/css"),
                ("content-encoding", "gzip"),
                ("cache-control", "public,  max-age=60"),
                ("x-amz-acl", "public-read"),
            ]
        );
        // As a HEAD shows it: empty values are none.
        let shown = |name: Name, value: &str| {
            Values::shown(|header| match header.name {
                Name::Expires => Some(" ".into()),
                shown if shown == name => Some(value.into()),
                _ => None,
            })
        };
        let stored = Stored {
            content_type: Some("text/css".into()),
            content_encoding: Some("gzip".into()),
            values: shown(Name::CacheControl, "public,  max-age=60"),
            ..Stored::default()
        };
        assert!(stored.has_headers(&headers));
        let other = Stored {
            values: shown(Name::ContentLanguage, "en"),
            ..stored
        };
        assert!(!other.has_headers(&headers));
    }
}

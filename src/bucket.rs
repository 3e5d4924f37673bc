//! The bucket, through rust-s3: one client (one connection pool) per run,
//! path-style requests for S3-compatible endpoints, every request retried with
//! capped exponential backoff and full jitter, every failure named in one line
//! that carries no secret. S3 error bodies are never shown whole: a
//! SignatureDoesNotMatch body echoes the canonical request, session token
//! included, so only its `Code` and `Message` are read.

use std::future::Future;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use s3::creds::Credentials;
use s3::error::S3Error;
use s3::Region;

use crate::config::Settings;
use crate::plan::{Encoding, Headers, Upload};

/// How often and how patiently a request is tried. With the defaults a
/// refused connection fails the run within about six seconds, and an endpoint
/// that drops packets within about a minute (rust-s3 times an attempt out
/// after 60 s, and no attempt starts once `budget` has passed).
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    pub budget: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            attempts: 5,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
            budget: Duration::from_secs(60),
        }
    }
}

impl Retry {
    /// Full jitter: a random wait below the capped exponential bound.
    fn delay(&self, attempt: u32) -> Duration {
        let bound = self.base.saturating_mul(1 << attempt.min(16)).min(self.cap);
        bound.mul_f64(fastrand::f64())
    }

    /// Runs `attempt` until it succeeds, fails for good, or runs out of tries
    /// or time. A failed attempt says whether it may pass if tried again, and
    /// why it failed; the last one is named after `what` ("upload a.css").
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, (bool, String)>>,
    {
        let started = std::time::Instant::now();
        let mut tries = 0;
        loop {
            tries += 1;
            let (transient, why) = match attempt().await {
                Ok(value) => return Ok(value),
                Err(failed) => failed,
            };
            let wait = self.delay(tries);
            if !transient || tries >= self.attempts || started.elapsed() + wait > self.budget {
                let after = if tries > 1 {
                    format!(" (after {tries} attempts)")
                } else {
                    String::new()
                };
                return Err(anyhow!("{what}: {why}{after}"));
            }
            tracing::debug!(tries, ?wait, "{what} failed, retrying: {why}");
            tokio::time::sleep(wait).await;
        }
    }
}

/// The object metadata (`x-amz-meta-svn2s3-md5`) holding the MD5 of the file
/// an object was made from: for a gzip twin, of the file before compression.
/// `verify` compares it without downloading, multipart objects included,
/// whose ETag is not an MD5.
pub const MD5_META: &str = "svn2s3-md5";

/// Files this big or bigger go as multipart uploads, in parts of this size,
/// one part at a time (uploads run in parallel across files): memory holds a
/// part and the request's copy of it, whatever the file's size.
const PART_SIZE: u64 = 8 * 1024 * 1024;
/// S3 takes at most this many parts; parts grow past 80 GB to stay under it.
const MAX_PARTS: u64 = 10_000;

/// A bucket and the way to reach it.
pub struct Bucket {
    inner: Box<s3::Bucket>,
    /// For messages: where the bucket is, e.g. `s3://media at http://127.0.0.1:9000`.
    place: String,
    retry: Retry,
}

impl Bucket {
    /// Builds the client; sends nothing. Credentials come from the standard
    /// AWS chain: environment, then profile, then instance metadata.
    pub fn connect(settings: &Settings) -> Result<Bucket> {
        let credentials = Credentials::default().map_err(|_| {
            anyhow!("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE")
        })?;
        let region = match &settings.endpoint {
            Some(endpoint) => Region::Custom {
                region: settings.region.clone(),
                endpoint: endpoint.clone(),
            },
            None => settings
                .region
                .parse()
                .with_context(|| format!("region {:?}", settings.region))?,
        };
        let mut inner = s3::Bucket::new(&settings.bucket, region, credentials)
            .with_context(|| format!("bucket {:?}", settings.bucket))?;
        if settings.endpoint.is_some() {
            inner = inner.with_path_style();
        }
        // Retries are ours (below), with backoff; rust-s3's own would multiply them.
        s3::set_retries(0);
        let place = match &settings.endpoint {
            Some(endpoint) => format!("s3://{} at {endpoint}", settings.bucket),
            None => format!("s3://{} in {}", settings.bucket, settings.region),
        };
        Ok(Bucket {
            inner,
            place,
            retry: Retry::default(),
        })
    }

    /// The object's bytes and ETag, or `None` when there is no such key.
    pub async fn get(&self, key: &str) -> Result<Option<Fetched>> {
        let found = self
            .retried("read", key, || async {
                match self.inner.get_object(key).await {
                    Ok(response) => Ok(Some(Fetched {
                        etag: etag_of(&response.headers()),
                        body: response.to_vec(),
                    })),
                    Err(S3Error::HttpFailWithBody(404, body))
                        if error_code(&body) == Some("NoSuchKey") =>
                    {
                        Ok(None)
                    }
                    Err(err) => Err(err),
                }
            })
            .await?;
        Ok(found)
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
                        .inner
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
            None if tries > 1 => match self.get(key).await? {
                Some(found) if found.body == body => Ok(Cas::Written(found.etag)),
                _ => Ok(Cas::Conflict),
            },
            None => Ok(Cas::Conflict),
        }
    }

    /// Sends a file (or its gzip) from disk into an object; returns the bytes sent.
    pub async fn put_file(&self, upload: &Upload) -> Result<u64> {
        let body = Body::open(upload).await?;
        let mut headers = header_map(&upload.headers)?;
        if body.size < PART_SIZE {
            let bytes = body.read(0, body.size).await?;
            // A plain file's bytes are in memory already; a twin's MD5 is its source's.
            let md5 = if upload.encoding.is_some() {
                md5_of_file(&upload.local).await?
            } else {
                format!("{:x}", md5::compute(&bytes))
            };
            add_md5(&mut headers, &md5)?;
            self.retried("upload", &upload.key, || async {
                self.inner
                    .put_object_builder(&upload.key, &bytes)
                    .with_content_type(&upload.headers.content_type)
                    .with_headers(headers.clone())
                    .execute()
                    .await?;
                Ok(())
            })
            .await?;
        } else {
            let md5 = md5_of_file(&upload.local).await?;
            add_md5(&mut headers, &md5)?;
            self.put_parts(upload, headers, &body, &md5).await?;
        }
        Ok(body.size)
    }

    /// A multipart upload: the first request carries the object's headers,
    /// then each part is read and sent (and retried) on its own. A failed
    /// upload is aborted, so no parts are left to pay for. `md5` is the
    /// file's, as the object's metadata holds it.
    async fn put_parts(
        &self,
        upload: &Upload,
        headers: http::HeaderMap,
        body: &Body,
        md5: &str,
    ) -> Result<()> {
        let (key, content_type) = (upload.key.as_str(), upload.headers.content_type.as_str());
        let starting = self.inner.with_extra_headers(headers)?;
        let upload_id = self
            .retried("start upload", key, || async {
                Ok(starting
                    .initiate_multipart_upload(key, content_type)
                    .await?
                    .upload_id)
            })
            .await?;
        let upload_id = upload_id.as_str();
        let finished = async {
            let part_size = PART_SIZE.max(body.size.div_ceil(MAX_PARTS));
            let mut parts = Vec::new();
            let mut offset = 0;
            while offset < body.size {
                let len = part_size.min(body.size - offset);
                let number = parts.len() as u32 + 1;
                // rust-s3 takes each attempt's part by value: the first gets
                // this buffer, a retry reads the part again rather than
                // keeping a copy in memory for an attempt that may never come.
                let mut first = Some(body.read(offset, len).await?);
                let part = self
                    .retried("upload part of", key, || {
                        let ready = first.take();
                        async move {
                            let chunk = match ready {
                                Some(chunk) => chunk,
                                None => body.read(offset, len).await?,
                            };
                            self.inner
                                .put_multipart_chunk(chunk, key, number, upload_id, content_type)
                                .await
                        }
                    })
                    .await?;
                offset += len;
                parts.push(part);
            }
            let mut tries = 0;
            let completed = self
                .retried("finish upload", key, || {
                    tries += 1;
                    async {
                        self.inner
                            .complete_multipart_upload(key, upload_id, parts.clone())
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
            self.inner.abort_upload(key, upload_id).await.ok();
        }
        finished
    }

    /// Every object under `prefix`: a listing of the whole prefix, O(bucket),
    /// made only when the user asks for it (`--full`, `verify`).
    pub async fn list(&self, prefix: &str) -> Result<Vec<Listed>> {
        self.retried("list", prefix, || async {
            let pages = self.inner.list(prefix.to_owned(), None).await?;
            Ok(pages
                .into_iter()
                .flat_map(|page| page.contents)
                .map(|object| Listed {
                    key: object.key,
                    etag: object.e_tag.as_deref().map(unquoted),
                })
                .collect())
        })
        .await
    }

    /// What an object says of its content, from a HEAD request.
    pub async fn stored(&self, key: &str) -> Result<Stored> {
        self.retried("inspect", key, || async {
            let (head, _) = self.inner.head_object(key).await?;
            Ok(Stored {
                md5: head.metadata.and_then(|mut meta| meta.remove(MD5_META)),
                etag: head.e_tag.as_deref().map(unquoted),
            })
        })
        .await
    }

    /// Whether the object under `key` was made from the file whose MD5 is `md5`.
    async fn holds(&self, key: &str, md5: &str) -> bool {
        self.stored(key)
            .await
            .is_ok_and(|stored| stored.md5.as_deref() == Some(md5))
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        self.retried("delete", key, || async {
            self.inner.delete_object(key).await?;
            Ok(())
        })
        .await
    }

    /// Runs `attempt` under the retry policy, its errors told apart by [`Bucket::describe`].
    async fn retried<T, F, Fut>(&self, verb: &str, key: &str, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, S3Error>>,
    {
        self.retry
            .run(&format!("{verb} {key}"), || {
                let attempt = attempt();
                async move { attempt.await.map_err(|err| self.describe(&err)) }
            })
            .await
    }

    /// Whether an error may pass if tried again, and what to tell the user.
    fn describe(&self, err: &S3Error) -> (bool, String) {
        let place = &self.place;
        match err {
            S3Error::HttpFailWithBody(status, body) => {
                let code = error_code(body).unwrap_or("");
                let message = xml_text(body, "Message").unwrap_or("");
                // 409 ConditionalRequestConflict: another conditional write
                // of the key was in flight; S3 asks for a retry.
                let transient = matches!(status, 408 | 429 | 500..=599)
                    || (*status, code) == (409, "ConditionalRequestConflict");
                let why = match (*status, code) {
                    (404, "NoSuchBucket") => format!("{place}: no such bucket"),
                    (
                        403,
                        "InvalidAccessKeyId"
                        | "NotSignedUp"
                        | "SignatureDoesNotMatch"
                        | "InvalidToken"
                        | "ExpiredToken",
                    ) => {
                        format!("{place} rejected the credentials ({code})")
                    }
                    (403, _) => format!(
                        "{place} denied access ({code}{}{message})",
                        sep(code, message)
                    ),
                    _ => format!(
                        "HTTP {status} from {place} ({code}{}{message})",
                        sep(code, message)
                    ),
                };
                (transient, why)
            }
            S3Error::Reqwest(err) => {
                let cause = root_cause(err);
                // A certificate that fails verification fails again: rustls
                // names the certificate in every such error.
                let refused_certificate = cause.contains("certificate");
                let transient = !refused_certificate
                    && (err.is_connect() || err.is_timeout() || err.is_request() || err.is_body());
                (transient, format!("cannot reach {place}: {cause}"))
            }
            S3Error::Io(err) => (true, format!("talking to {place}: {err}")),
            S3Error::Credentials(_) => {
                (false, "the AWS credentials could not be loaded".to_owned())
            }
            other => (false, other.to_string()),
        }
    }
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

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    /// Without quotes; `None` where the server's listings carry none.
    pub etag: Option<String>,
}

/// What an object says of its content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// The MD5 of the source file, from [`MD5_META`], if svn2s3 wrote the object.
    pub md5: Option<String>,
    /// Without quotes: the MD5 of the body for a single-part upload, `<hex>-<parts>` for a multipart one.
    pub etag: Option<String>,
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
    async fn open(upload: &Upload) -> Result<Body> {
        let path = upload.local.clone();
        let file = match upload.encoding {
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
        read.map_err(|err| {
            std::io::Error::new(
                err.kind(),
                format!(
                    "reading {} (did it change while publishing?): {err}",
                    self.path.display()
                ),
            )
        })
    }
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

fn header_map(headers: &Headers) -> Result<http::HeaderMap> {
    let mut map = http::HeaderMap::new();
    let pairs = [
        ("cache-control", headers.cache_control.as_deref()),
        ("content-encoding", headers.content_encoding),
        (
            "content-disposition",
            headers.content_disposition.as_deref(),
        ),
        ("content-language", headers.content_language.as_deref()),
        ("x-amz-acl", headers.acl.as_deref()),
    ];
    for (name, value) in pairs {
        if let Some(value) = value {
            let value = value
                .parse()
                .with_context(|| format!("{name}: {value:?} is not a valid header value"))?;
            map.insert(name, value);
        }
    }
    Ok(map)
}

/// Adds the [`MD5_META`] metadata header.
fn add_md5(headers: &mut http::HeaderMap, md5: &str) -> Result<()> {
    headers.insert(
        http::HeaderName::try_from(format!("x-amz-meta-{MD5_META}"))?,
        md5.parse()?,
    );
    Ok(())
}

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

fn error_code(body: &str) -> Option<&str> {
    xml_text(body, "Code")
}

/// The text of the first `<tag>` of an S3 (or CloudFront) XML answer.
pub(crate) fn xml_text<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim())
}

fn sep(code: &str, message: &str) -> &'static str {
    if code.is_empty() || message.is_empty() {
        ""
    } else {
        ": "
    }
}

/// The innermost cause of an error ("Connection refused"), which says more
/// than reqwest's outer "error sending request".
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_errors_are_read_for_code_and_message_only() {
        let body = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>\
            <Message>The signature does not match</Message>\
            <CanonicalRequest>x-amz-security-token:SECRET</CanonicalRequest></Error>";
        assert_eq!(error_code(body), Some("SignatureDoesNotMatch"));
        assert_eq!(
            xml_text(body, "Message"),
            Some("The signature does not match")
        );
        assert_eq!(xml_text("not xml", "Code"), None);
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let retry = Retry::default();
        for attempt in 1..40 {
            let bound = retry
                .base
                .saturating_mul(1 << attempt.min(16))
                .min(retry.cap);
            assert!(retry.delay(attempt) <= bound);
        }
        assert!(retry.delay(30) <= retry.cap);
    }

    #[test]
    fn headers_become_an_http_header_map() {
        let headers = Headers {
            content_type: "text/css".into(),
            content_encoding: Some("gzip"),
            cache_control: Some("max-age=60".into()),
            content_disposition: None,
            content_language: None,
            acl: Some("public-read".into()),
        };
        let map = header_map(&headers).unwrap();
        assert_eq!(map.len(), 3);
        assert_eq!(map["content-encoding"], "gzip");
        assert_eq!(map["x-amz-acl"], "public-read");
        let bad = Headers {
            cache_control: Some("a\nb".into()),
            ..headers
        };
        assert!(header_map(&bad).is_err());
    }
}

//! Uploads: one PUT, or parts several at a time for a large file; the
//! bytes read (and compressed, for a twin) as they are sent, and the
//! fingerprint that tells whether an object holds a file.

use super::*;
use crate::header::checksum::{Checksum, Hasher, Sum};

/// A part uploaded: what CompleteMultipartUpload names it by, and its
/// checksum and length, from which the whole object's is made.
#[derive(Debug, Clone)]
pub(super) struct Sent {
    number: u32,
    etag: String,
    sum: Option<Sum>,
    len: u64,
}

/// Files this big or bigger go as multipart uploads, in parts of this size,
/// several at a time, each streamed from the file in chunks.
pub(super) const PART_SIZE: u64 = 8 * 1024 * 1024;

/// A part's stream reads this much of the file at a time.
pub(super) const CHUNK: u64 = 256 * 1024;

/// What a part in flight holds of the byte budget: the chunk being sent and
/// the one read ahead, and the chunk its MD5 is read into.
pub(super) const PART_HOLD: u64 = 3 * CHUNK;

/// S3 takes at most this many parts; parts grow past 80 GB to stay under it.
pub(super) const MAX_PARTS: u64 = 10_000;

impl Bucket {
    /// Sends a file (or its compressed twin) from disk into an object;
    /// returns the bytes sent. Its bytes count against the run's byte
    /// budget while they are held.
    pub(super) async fn put_file(
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
    pub(super) async fn put_body(
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
                let checksum = upload.headers.storage.checksum;
                (self.put_object(&upload.key, &headers, bytes.clone(), checksum)).await?;
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
    pub(super) async fn put_parts(
        &self,
        upload: &Upload,
        headers: &[(&str, &str)],
        body: &Body,
        md5: &str,
    ) -> Result<()> {
        let key = upload.key.as_str();
        let checksum = upload.headers.storage.checksum;
        // Whether the store keeps the whole object's checksum, or its parts'.
        let whole = checksum.is_some_and(|checksum| self.store.kind.keeps_whole(checksum));
        let mut starting = headers.to_vec();
        if let Some(checksum) = checksum {
            let kind = if whole { "FULL_OBJECT" } else { "COMPOSITE" };
            starting.extend([
                ("x-amz-checksum-algorithm", checksum.name()),
                ("x-amz-checksum-type", kind),
            ]);
        }
        let upload_id = self
            .retried("start upload", key, || async {
                let answer = self
                    .send(
                        "POST",
                        key,
                        "uploads",
                        &starting,
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
            let mut parts: Vec<Sent> = stream::iter(0..count)
                .map(|index| {
                    let offset = index * part_size;
                    let len = part_size.min(body.size - offset);
                    let number = index as u32 + 1;
                    self.put_part(key, upload_id, number, body, (offset, len), checksum)
                })
                .buffer_unordered(self.budget.window.max_in_flight())
                .try_collect()
                .await?;
            parts.sort_by_key(|part| part.number);
            let mut tries = 0;
            let completed = self
                .retried("finish upload", key, || {
                    tries += 1;
                    let parts = parts.clone();
                    async move {
                        (self.complete_upload(key, upload_id, &parts, checksum, whole)).await
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
            let query = format!("uploadId={}", uri_encode(upload_id, true));
            let abort = self.send("DELETE", key, &query, &[], Payload::Signed(b""), Vec::new());
            abort.await.ok();
        }
        finished
    }

    /// One part, streamed from the file in small chunks with the MD5 (and
    /// the checksum, if one is asked for) that a first reading gives, and
    /// an unsigned payload (see [`crate::sigv4`]): memory holds a few
    /// chunks per part in flight, whatever the part's size, and a retry
    /// streams the part again.
    pub(super) async fn put_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        body: &Body,
        (offset, len): (u64, u64),
        checksum: Option<Checksum>,
    ) -> Result<Sent> {
        let _held = self.budget.hold(PART_HOLD).await;
        let (md5, sum) = body.digests(offset, len, checksum).await?;
        let md5 = BASE64.encode(md5.0);
        let query = format!(
            "partNumber={number}&uploadId={}",
            uri_encode(upload_id, true)
        );
        self.retried("upload part of", key, || async {
            let chunks = reqwest::Body::wrap_stream(body.chunks(offset, len));
            let length = len.to_string();
            let mut headers = vec![("content-md5", md5.as_str()), ("content-length", &length)];
            if let (Some(checksum), Some(sum)) = (checksum, &sum) {
                headers.extend([
                    ("x-amz-sdk-checksum-algorithm", checksum.name()),
                    (checksum.header(), sum.value.as_str()),
                ]);
            }
            let answer = self
                .send("PUT", key, &query, &headers, Payload::Unsigned, chunks)
                .await?;
            Ok(Sent {
                number,
                etag: answer
                    .headers()
                    .get("etag")
                    .and_then(|etag| etag.to_str().ok())
                    .unwrap_or_default()
                    .to_owned(),
                sum: sum.clone(),
                len,
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
    /// Finishes a multipart upload from its `parts`. S3 may answer 200 and
    /// put an error in the body, after a long wait: that is a failure too.
    pub(super) async fn complete_upload(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[Sent],
        checksum: Option<Checksum>,
        whole: bool,
    ) -> Result<(), S3Error> {
        let mut body = String::from("<CompleteMultipartUpload>");
        for part in parts {
            let sum = match (checksum, &part.sum) {
                (Some(checksum), Some(sum)) => {
                    let element = checksum.element();
                    format!("<{element}>{}</{element}>", sum.value)
                }
                _ => String::new(),
            };
            body.push_str(&format!(
                "<Part><PartNumber>{}</PartNumber><ETag>{}</ETag>{sum}</Part>",
                part.number,
                quick_xml::escape::escape(part.etag.as_str())
            ));
        }
        body.push_str("</CompleteMultipartUpload>");
        let query = format!("uploadId={}", uri_encode(upload_id, true));
        let mut headers = vec![("content-type", "application/xml")];
        // The whole object's checksum, from its parts': S3 checks it.
        let sums: Vec<_> = (parts.iter())
            .filter_map(|part| Some((part.sum.clone()?, part.len)))
            .collect();
        let whole = (checksum.filter(|_| whole))
            .and_then(|checksum| Some((checksum, checksum.whole(&sums)?)));
        if let Some((checksum, whole)) = &whole {
            headers.extend([
                (checksum.header(), whole.as_str()),
                ("x-amz-checksum-type", "FULL_OBJECT"),
            ]);
        }
        let answer = (self.send(
            "POST",
            key,
            &query,
            &headers,
            Payload::Signed(body.as_bytes()),
            body.clone().into_bytes(),
        ))
        .await?;
        let text = answer.text().await?;
        match error_code(&text) {
            // The status of such an error is not sent; S3 asks for a retry.
            Some(_) => Err(S3Error::HttpFailWithBody(500, text)),
            None => Ok(()),
        }
    }

    pub(super) async fn put_object(
        &self,
        key: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        checksum: Option<Checksum>,
    ) -> Result<reqwest::Response, S3Error> {
        let md5 = BASE64.encode(md5::compute(&body).0);
        let mut headers = headers.to_vec();
        headers.push(("content-md5", &md5));
        let sum = checksum.map(|checksum| (checksum, checksum.of(&body)));
        if let Some((checksum, sum)) = &sum {
            headers.extend([
                ("x-amz-sdk-checksum-algorithm", checksum.name()),
                (checksum.header(), sum),
            ]);
        }
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
    /// The checksum of the bytes sent, where the settings ask for one.
    pub sent_sum: Option<(Checksum, String)>,
}

impl Fingerprint {
    /// What svn2s3 sends for `local` (compressed as `encoding` says), with
    /// the `checksum` of those bytes where one is asked for.
    pub(crate) async fn of(
        local: &Path,
        encoding: Option<Encoding>,
        checksum: Option<Checksum>,
    ) -> Result<Fingerprint> {
        let body = Body::open(local, encoding).await?;
        Self::of_body(&body, local, encoding, checksum).await
    }

    pub(super) async fn of_body(
        body: &Body,
        local: &Path,
        encoding: Option<Encoding>,
        checksum: Option<Checksum>,
    ) -> Result<Fingerprint> {
        let (sent_md5, sent_etag, sum) = body.etag(checksum).await?;
        let md5 = match encoding {
            None => sent_md5.clone(),
            Some(_) => md5_of_file(local).await?,
        };
        Ok(Fingerprint {
            md5,
            sent_md5,
            sent_etag,
            sent_sum: checksum.zip(sum.map(|sum| sum.value)),
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

    /// What an object's checksum says of whether it holds these bytes,
    /// where it keeps one of the whole object in the algorithm asked for.
    pub(crate) fn checksum_says(&self, stored: &Stored) -> Option<bool> {
        let (checksum, sent) = self.sent_sum.as_ref()?;
        match &stored.checksum {
            Some((kept, Some(value))) if kept == checksum => Some(value == sent),
            _ => None,
        }
    }

    /// Whether the object `stored` holds these bytes: neither its ETag (where
    /// it may be an MD5) nor its checksum may say otherwise, and its
    /// metadata, where it has one, must name the file; without metadata,
    /// only an ETag or a checksum that says so can tell.
    pub(crate) fn held_by(&self, stored: &Stored) -> bool {
        let etag = stored.etag.as_deref().filter(|_| stored.etag_may_be_md5());
        let says = [
            etag.and_then(|etag| self.etag_says(etag)),
            self.checksum_says(stored),
        ];
        if says.contains(&Some(false)) {
            return false;
        }
        match &stored.md5 {
            Some(metadata) => *metadata == self.md5,
            None => says.contains(&Some(true)),
        }
    }
}

/// The MD5 of a file, as lowercase hex, read off the async threads.
pub async fn md5_of_file(path: &Path) -> Result<String> {
    let path = path.to_path_buf();
    let md5 = tokio::task::spawn_blocking(move || md5_of(&path)).await??;
    Ok(crate::manifest::hex(&md5))
}

/// The MD5 of the file at `path`, read through a small buffer on the stack.
pub(crate) fn md5_of(path: &Path) -> Result<[u8; 16]> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut context = md5::Context::new();
    std::io::copy(&mut file, &mut context)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(context.finalize().0)
}

/// What an upload reads from: the file itself, or its twin compressed beforehand.
pub(super) struct Body {
    pub(super) file: Arc<std::fs::File>,
    pub(super) size: u64,
    /// The file being published, for messages.
    pub(super) path: PathBuf,
}

impl Body {
    pub(super) async fn open(local: &Path, encoding: Option<Encoding>) -> Result<Body> {
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
    pub(super) async fn read(&self, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
        let file = Arc::clone(&self.file);
        let read = tokio::task::spawn_blocking(move || {
            let mut buffer = vec![0; len as usize];
            file.read_exact_at(&mut buffer, offset).map(|()| buffer)
        })
        .await
        .map_err(std::io::Error::other)?;
        read.map_err(|err| self.reading(err))
    }

    /// The MD5 of every byte and the ETag S3 gives them as svn2s3 uploads
    /// them: the same MD5 for a single PUT, else the multipart ETag for
    /// the parts [`Bucket::put_parts`] sends. One reading, off the async
    /// threads.
    pub(super) async fn etag(
        &self,
        checksum: Option<Checksum>,
    ) -> Result<(String, String, Option<Sum>)> {
        let (file, size) = (Arc::clone(&self.file), self.size);
        let digests = tokio::task::spawn_blocking(move || {
            let part_size = PART_SIZE.max(size.div_ceil(MAX_PARTS));
            let (mut whole, mut parts) = (md5::Context::new(), Vec::new());
            let mut hasher = checksum.map(Checksum::hasher);
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
                    if let Some(hasher) = &mut hasher {
                        hasher.update(read);
                    }
                    offset += read.len() as u64;
                }
                parts.push(part.finalize().0);
            }
            Ok::<_, std::io::Error>((whole.finalize(), parts, hasher.map(Hasher::finish)))
        })
        .await?;
        let (whole, parts, sum) = digests.map_err(|err| self.reading(err))?;
        let md5 = format!("{whole:x}");
        let etag = match size < PART_SIZE {
            true => md5.clone(),
            false => format!("{:x}-{}", md5::compute(parts.concat()), parts.len()),
        };
        Ok((md5, etag, sum))
    }

    /// The MD5 of `len` bytes from `offset`, and their `checksum` where
    /// one is asked for: one reading, a chunk at a time, off the async threads.
    pub(super) async fn digests(
        &self,
        offset: u64,
        len: u64,
        checksum: Option<Checksum>,
    ) -> Result<(md5::Digest, Option<Sum>)> {
        let file = Arc::clone(&self.file);
        let digests = tokio::task::spawn_blocking(move || {
            let mut context = md5::Context::new();
            let mut hasher = checksum.map(Checksum::hasher);
            let mut chunk = vec![0; CHUNK.min(len) as usize];
            let mut done = 0;
            while done < len {
                let part = &mut chunk[..CHUNK.min(len - done) as usize];
                file.read_exact_at(part, offset + done)?;
                context.consume(&*part);
                if let Some(hasher) = &mut hasher {
                    hasher.update(part);
                }
                done += part.len() as u64;
            }
            Ok::<_, std::io::Error>((context.finalize(), hasher.map(Hasher::finish)))
        })
        .await?;
        Ok(digests.map_err(|err| self.reading(err))?)
    }

    /// `len` bytes from `offset` as a stream of chunks, each read when the
    /// request is ready for it.
    pub(super) fn chunks(
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

    pub(super) fn reading(&self, err: std::io::Error) -> std::io::Error {
        reading(&self.path, err)
    }
}

/// A read error that names the file being published.
pub(super) fn reading(path: &Path, err: std::io::Error) -> std::io::Error {
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
pub(super) async fn compress(path: &Path, encoding: Encoding) -> Result<std::fs::File> {
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
            sent_sum: None,
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
    fn a_whole_objects_checksum_tells_where_the_etag_cannot() {
        let crc = |value: &str| Some((Checksum::Crc64Nvme, Some(value.to_owned())));
        let sent = Fingerprint {
            sent_sum: Some((Checksum::Crc64Nvme, "M3eFcAZSQlc=".to_owned())),
            ..sent(MD5, "f00d0000000000000000000000000000-3")
        };
        let foreign = |checksum| Stored {
            checksum,
            ..stored(None, Some("beef0000000000000000000000000000-5"))
        };
        // Another tool's parts, no metadata: the checksum tells, both ways.
        assert!(sent.held_by(&foreign(crc("M3eFcAZSQlc="))));
        assert!(!sent.held_by(&foreign(crc("AAAAAAAAAAA="))));
        // Of the parts' checksums, or of another algorithm: it cannot.
        assert!(!sent.held_by(&foreign(Some((Checksum::Crc64Nvme, None)))));
        let crc32 = Some((Checksum::Crc32, Some("M3eFcAZSQlc=".to_owned())));
        assert!(!sent.held_by(&foreign(crc32)));
        // Other bytes under svn2s3's own metadata: the checksum says so.
        let metadata = Stored {
            checksum: crc("AAAAAAAAAAA="),
            ..stored(Some(MD5), Some("beef0000000000000000000000000000-5"))
        };
        assert!(!sent.held_by(&metadata));
    }

    #[test]
    fn an_sse_kms_etag_is_no_md5() {
        let whole = sent(MD5, MD5);
        let kms = |md5| Stored {
            sse: Some("aws:kms".into()),
            ..stored(md5, Some("0000000000000000000000000000beef"))
        };
        // svn2s3's metadata names the file: the ETag says nothing.
        assert!(whole.held_by(&kms(Some(MD5))));
        assert!(!whole.held_by(&kms(None)));
    }
}

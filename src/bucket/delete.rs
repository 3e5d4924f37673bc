//! Deletes: batches of DeleteObjects, or one DELETE a key where a store
//! has no DeleteObjects.

use super::*;

impl Bucket {
    /// Deletes up to [`DELETE_BATCH`] keys in one DeleteObjects request. The
    /// keys the answer names as errors are sent again, as a failed request
    /// is, and named if they never go. A store that has no DeleteObjects (see
    /// [`lacks_delete_objects`]) gets one DeleteObject per key from then on.
    pub async fn delete_batch(&self, keys: &[String]) -> Result<()> {
        let mut left = keys.to_vec();
        let mut round = 0;
        while self.store.has_delete_objects() {
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
                self.store.lacks_delete_objects();
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

    pub(super) async fn delete(&self, key: &str) -> Result<()> {
        self.retried("delete", key, || async {
            (self.send("DELETE", key, "", &[], Payload::Signed(b""), Vec::new())).await?;
            Ok(())
        })
        .await
    }
}

/// Whether a store answered DeleteObjects as one without it does. Public
/// reports give Google Cloud Storage's S3 interoperability (NotImplemented;
/// 400 InvalidArgument before) and Alibaba Cloud OSS's S3 endpoint
/// (NotImplemented, MethodNotAllowed or MissingArgument). One request per
/// key is always right, so any of these falls back to it.
pub(super) fn lacks_delete_objects(status: u16, body: &str) -> bool {
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
pub(super) fn delete_request(keys: &[String]) -> String {
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
pub(super) fn named_keys(keys: &[String]) -> String {
    match keys {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! CloudFront invalidation after a publish: one CreateInvalidation request
//! naming what the publish changed, signed with SigV4 by aws-sigv4. Paths
//! are billed one by one past the free thousand a month, so more than
//! `max_paths` of them collapse into folder wildcards.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::retry::{self, Cause, Failure, Retry};
use crate::sigv4::{Payload, Signer};
use crate::xml;

/// The API, unless `AWS_ENDPOINT_URL_CLOUDFRONT` names another.
const ENDPOINT: &str = "https://cloudfront.amazonaws.com";
/// CloudFront is global; its requests are signed for us-east-1.
const SIGNING_REGION: &str = "us-east-1";
const API_VERSION: &str = "2020-05-31";

/// An invalidation made (or tried) after a publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invalidation {
    /// The distribution's ID.
    pub distribution: String,
    /// The paths invalidated, each starting with `/`.
    pub paths: Vec<String>,
    /// CloudFront's ID for the invalidation, once created.
    pub id: Option<String>,
    /// Why it could not be created, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The paths that invalidate `keys`: `/key` each, URL-encoded, or, when there
/// are more than `max_paths`, wildcards over the deepest folders that bring
/// them down to `max_paths` (`/*` at the last).
///
/// ```
/// use svn2s3::cloudfront::paths;
///
/// let keys = ["css/a.css", "css/b.css", "img/x y.png"].map(String::from);
/// assert_eq!(paths(&keys, 3), ["/css/a.css", "/css/b.css", "/img/x%20y.png"]);
/// assert_eq!(paths(&keys, 2), ["/css/*", "/img/*"]);
/// assert_eq!(paths(&keys, 1), ["/*"]);
/// ```
pub fn paths(keys: &[String], max_paths: usize) -> Vec<String> {
    let exact: BTreeSet<String> = keys.iter().map(|key| format!("/{}", encode(key))).collect();
    if exact.len() <= max_paths {
        return exact.into_iter().collect();
    }
    let deepest = keys
        .iter()
        .map(|key| key.matches('/').count())
        .max()
        .unwrap_or(0);
    for depth in (1..=deepest).rev() {
        let collapsed: BTreeSet<String> = keys
            .iter()
            .map(|key| {
                let parts: Vec<&str> = key.split('/').collect();
                if parts.len() > depth {
                    format!("/{}/*", encode(&parts[..depth].join("/")))
                } else {
                    format!("/{}", encode(key))
                }
            })
            .collect();
        if collapsed.len() <= max_paths {
            return collapsed.into_iter().collect();
        }
    }
    vec!["/*".to_owned()]
}

/// Percent-encodes what CloudFront wants encoded: all but unreserved
/// characters and `/`.
fn encode(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Creates one invalidation of `paths` in `distribution`, retried as a
/// bucket request is and signed with the bucket's `credentials`; returns
/// CloudFront's ID for it. `reference` makes the request idempotent: a retry
/// with the same one creates nothing new.
pub async fn invalidate(
    credentials: &s3::creds::Credentials,
    distribution: &str,
    paths: &[String],
    reference: &str,
) -> Result<String> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_CLOUDFRONT")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| ENDPOINT.to_owned());
    let url = format!(
        "{}/{API_VERSION}/distribution/{distribution}/invalidation",
        endpoint.trim_end_matches('/')
    );
    let body = batch(paths, reference);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let place = format!("CloudFront at {endpoint}");
    let failed = |why: String| Failure {
        why,
        transient: false,
        throttled: false,
        cause: Cause::Answer,
    };
    let id = Retry::default()
        .run(&format!("invalidating {distribution}"), || async {
            let request =
                signed(&url, &body, credentials).map_err(|err| failed(format!("{err:#}")))?;
            match client.execute(request).await {
                Ok(response) if response.status().is_success() => {
                    let text = response.text().await.unwrap_or_default();
                    xml::text(&text, "Id").ok_or_else(|| {
                        failed("CloudFront answered without an invalidation Id".into())
                    })
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap_or_default();
                    Err(retry::answered(status, &text, &place))
                }
                Err(err) => Err(retry::unanswered(&err, &place)),
            }
        })
        .await?;
    Ok(id)
}

/// The request's XML body.
fn batch(paths: &[String], reference: &str) -> String {
    let items: String = paths
        .iter()
        .map(|path| format!("<Path>{path}</Path>"))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <InvalidationBatch xmlns=\"http://cloudfront.amazonaws.com/doc/{API_VERSION}/\">\
         <Paths><Quantity>{}</Quantity><Items>{items}</Items></Paths>\
         <CallerReference>{reference}</CallerReference></InvalidationBatch>",
        paths.len()
    )
}

/// A POST of `body` to `url`, signed for CloudFront.
fn signed(url: &str, body: &str, credentials: &s3::creds::Credentials) -> Result<reqwest::Request> {
    Signer::new(credentials, SIGNING_REGION, "cloudfront")
        .and_then(|signer| {
            let headers = [("content-type", "application/xml")];
            signer.sign(
                "POST",
                url,
                &headers,
                Payload::Signed(body.as_bytes()),
                body.to_owned(),
            )
        })
        .context("signing the CloudFront request")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|key| key.to_string()).collect()
    }

    #[test]
    fn few_paths_are_named_one_by_one_and_encoded() {
        let keys = keys(&["index.html", "a b/c+d.css", "caf\u{e9}.txt", "index.html"]);
        assert_eq!(
            paths(&keys, 10),
            ["/a%20b/c%2Bd.css", "/caf%C3%A9.txt", "/index.html"]
        );
    }

    #[test]
    fn many_paths_collapse_into_the_deepest_wildcards_that_fit() {
        let keys = keys(&[
            "static/css/a.css",
            "static/css/b.css",
            "static/img/1.png",
            "static/img/2.png",
            "static/img/3.png",
            "index.html",
        ]);
        assert_eq!(paths(&keys, 6).len(), 6);
        assert_eq!(
            paths(&keys, 3),
            ["/index.html", "/static/css/*", "/static/img/*"]
        );
        assert_eq!(paths(&keys, 2), ["/index.html", "/static/*"]);
        assert_eq!(paths(&keys, 1), ["/*"]);
    }

    #[test]
    fn requests_are_signed_for_cloudfront_in_us_east_1() {
        let credentials =
            s3::creds::Credentials::new(Some("AKIDEXAMPLE"), Some("secret"), None, None, None)
                .unwrap();
        let url = "https://cloudfront.amazonaws.com/2020-05-31/distribution/E1/invalidation";
        let request = signed(url, "<x/>", &credentials).unwrap();
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(
            auth.contains("/us-east-1/cloudfront/aws4_request"),
            "{auth}"
        );
        assert_eq!(request.method(), "POST");
    }

    #[test]
    fn the_batch_names_every_path_and_the_reference() {
        let body = batch(&keys(&["/a.css", "/img/*"]), "svn2s3-r7-1");
        assert!(body.contains("<Quantity>2</Quantity>"), "{body}");
        assert!(body.contains("<Items><Path>/a.css</Path><Path>/img/*</Path></Items>"));
        assert!(body.contains("<CallerReference>svn2s3-r7-1</CallerReference>"));
    }
}

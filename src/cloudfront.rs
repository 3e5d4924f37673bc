//! CloudFront invalidation once a publish's pages are up, before its
//! deletes (after a prune's deletes): one CreateInvalidation request
//! naming what the publish changed, signed with SigV4 by aws-sigv4, sent on
//! the bucket's HTTP client. Paths are billed one by one past the free
//! thousand a month, so more than `max_paths` of them collapse into folder
//! wildcards.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::credentials::{Credentials, Keys};
use crate::retry::{self, Cause, Failure, Retry};
use crate::sigv4::{Payload, Signer};
use crate::xml;

/// The API, unless the settings name another (`AWS_ENDPOINT_URL_CLOUDFRONT`).
pub const ENDPOINT: &str = "https://cloudfront.amazonaws.com";
/// CloudFront is global; its requests are signed for us-east-1.
const SIGNING_REGION: &str = "us-east-1";
const API_VERSION: &str = "2020-05-31";

/// CloudFront's API as a publish reaches it: on the bucket's HTTP client
/// (one connection pool for the run), signed with the bucket's
/// credentials, at `endpoint` ([`ENDPOINT`] unless the settings say).
pub struct Api<'a> {
    /// The client requests go out on.
    pub http: reqwest::Client,
    /// What they are signed with.
    pub credentials: &'a Credentials,
    /// `scheme://host[:port]` of the API.
    pub endpoint: &'a str,
}

/// An invalidation made (or tried) by a publish or a prune.
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

/// How a distribution serves the bucket's keys.
#[derive(Debug, Clone, Copy, Default)]
pub struct Served<'a> {
    /// The distribution's origin path for the bucket: `/static` serves the
    /// key `static/a.html` at `/a.html`, and no key outside `static/`.
    pub origin_path: &'a str,
    /// The index document that a folder's URL serves: with `index.html`,
    /// `a/b/index.html` is served at `/a/b/` too.
    pub index: Option<&'a str>,
    /// Folders are served without the slash too (`/a/b`), as a CloudFront
    /// function that appends the index document may do.
    pub bare_folders: bool,
}

/// The URL paths, without the leading `/` and not encoded, at which the
/// distribution serves `keys`; the input of [`paths`].
///
/// ```
/// use svn2s3::cloudfront::{served_paths, Served};
///
/// let keys = ["static/index.html", "static/a/index.html", "static/a/b.css", "other.txt"]
///     .map(String::from);
/// let served = Served { origin_path: "/static", index: Some("index.html"), bare_folders: false };
/// assert_eq!(served_paths(&keys, &served), ["index.html", "", "a/index.html", "a/", "a/b.css"]);
/// ```
pub fn served_paths(keys: &[String], served: &Served) -> Vec<String> {
    let origin = served.origin_path.trim_matches('/');
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let path = match origin {
            "" => key.as_str(),
            origin => match key
                .strip_prefix(origin)
                .and_then(|rest| rest.strip_prefix('/'))
            {
                Some(path) => path,
                // Not served by this distribution.
                None => continue,
            },
        };
        out.push(path.to_owned());
        let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
        if Some(name) == served.index {
            match folder {
                "" => out.push(String::new()),
                folder => {
                    out.push(format!("{folder}/"));
                    if served.bare_folders {
                        out.push(folder.to_owned());
                    }
                }
            }
        }
    }
    out
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
    api: &Api<'_>,
    distribution: &str,
    paths: &[String],
    reference: &str,
) -> Result<String> {
    let body = batch(paths, reference);
    let path = format!("distribution/{distribution}/invalidation");
    let doing = format!("invalidating {distribution}");
    let answer = call(api, "POST", &path, &body, &doing).await?;
    xml::text(&answer, "Id").context("CloudFront answered without an invalidation Id")
}

/// The origin path at which `distribution` serves `bucket` (`/static`, or
/// `""`), from the distribution's config: the origin whose domain is the
/// bucket's (`bucket.s3.REGION.amazonaws.com`, `bucket.s3-website...`), or
/// its only origin.
pub async fn origin_path(api: &Api<'_>, distribution: &str, bucket: &str) -> Result<String> {
    let path = format!("distribution/{distribution}/config");
    let doing = format!("reading the config of {distribution}");
    let answer = call(api, "GET", &path, "", &doing).await?;
    let origins = xml::origins(&answer).map_err(|why| anyhow::anyhow!("{doing}: {why}"))?;
    pick_origin(&origins, bucket).with_context(|| {
        format!("{distribution}: set cloudfront.origin_path to say where it serves the bucket")
    })
}

/// The origin path of the origin of `origins` that serves `bucket`.
fn pick_origin(origins: &[xml::Origin], bucket: &str) -> Result<String> {
    let of_bucket = format!("{bucket}.s3");
    let mine: Vec<&xml::Origin> = origins
        .iter()
        .filter(|origin| origin.domain.starts_with(&of_bucket))
        .collect();
    let mine = match (&mine[..], origins) {
        ([], [only]) => vec![only],
        _ => mine,
    };
    let paths: BTreeSet<&str> = mine.iter().map(|origin| origin.path.as_str()).collect();
    let domains = || {
        origins
            .iter()
            .map(|origin| origin.domain.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match paths.len() {
        1 => Ok(paths
            .into_iter()
            .next()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned()),
        0 => anyhow::bail!("none of its origins ({}) is bucket {bucket}", domains()),
        _ => anyhow::bail!(
            "it serves bucket {bucket} from several origin paths ({})",
            paths.into_iter().collect::<Vec<_>>().join(", ")
        ),
    }
}

/// One request to CloudFront's API at `path` (after the version), retried
/// as a bucket request is; the answer's body.
async fn call(api: &Api<'_>, method: &str, path: &str, body: &str, doing: &str) -> Result<String> {
    let endpoint = api.endpoint;
    let url = format!("{}/{API_VERSION}/{path}", endpoint.trim_end_matches('/'));
    let (client, credentials) = (&api.http, api.credentials);
    let place = format!("CloudFront at {endpoint}");
    let failed = |why: String| Failure {
        why,
        transient: false,
        throttled: false,
        cause: Cause::Answer,
    };
    let answer = Retry::default()
        .run(doing, || async {
            let keys = credentials.keys().await.map_err(|err| Failure {
                why: err.0,
                transient: false,
                throttled: false,
                cause: Cause::Credentials,
            })?;
            let request =
                signed(method, &url, body, &keys).map_err(|err| failed(format!("{err:#}")))?;
            match client.execute(request).await {
                Ok(response) if response.status().is_success() => {
                    Ok(response.text().await.unwrap_or_default())
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
    Ok(answer)
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

/// A request of `body` to `url`, signed for CloudFront.
fn signed(method: &str, url: &str, body: &str, keys: &Keys) -> Result<reqwest::Request> {
    let with_body = [("content-type", "application/xml")];
    let headers: &[(&str, &str)] = if body.is_empty() { &[] } else { &with_body };
    Signer::new(keys, SIGNING_REGION, "cloudfront")
        .sign(
            method,
            url,
            headers,
            Payload::Signed(body.as_bytes()),
            body.to_owned(),
        )
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
        let credentials = Keys::new("AKIDEXAMPLE", "secret", None, None, "test");
        let url = "https://cloudfront.amazonaws.com/2020-05-31/distribution/E1/invalidation";
        let request = signed("POST", url, "<x/>", &credentials).unwrap();
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(
            auth.contains("/us-east-1/cloudfront/aws4_request"),
            "{auth}"
        );
        assert_eq!(request.method(), "POST");
    }

    #[test]
    fn index_documents_invalidate_their_folder_too_and_the_origin_path_is_taken_off() {
        let keys = keys(&["index.html", "a/b/index.html", "a/b/c.html", "a/index.htm"]);
        let mut served = Served {
            index: Some("index.html"),
            ..Served::default()
        };
        let all = [
            "index.html",
            "",
            "a/b/index.html",
            "a/b/",
            "a/b/c.html",
            "a/index.htm",
        ];
        assert_eq!(served_paths(&keys, &served), all);
        assert_eq!(
            paths(&served_paths(&keys, &served), 10),
            [
                "/",
                "/a/b/",
                "/a/b/c.html",
                "/a/b/index.html",
                "/a/index.htm",
                "/index.html"
            ]
        );
        served.bare_folders = true;
        assert!(served_paths(&keys, &served).contains(&"a/b".to_owned()));
        served.index = None;
        assert_eq!(served_paths(&keys, &served), keys);
        // Keys outside the origin path are not served by the distribution.
        served.origin_path = "/a";
        assert_eq!(
            served_paths(&keys, &served),
            ["b/index.html", "b/c.html", "index.htm"]
        );
    }

    #[test]
    fn the_origin_of_the_bucket_is_found_by_its_domain_or_as_the_only_one() {
        let origin = |domain: &str, path: &str| xml::Origin {
            domain: domain.into(),
            path: path.into(),
        };
        let two = [
            origin("api.example.com", ""),
            origin("media.example.com.s3.eu-west-1.amazonaws.com", "/static"),
        ];
        assert_eq!(pick_origin(&two, "media.example.com").unwrap(), "/static");
        let err = pick_origin(&two, "other").unwrap_err().to_string();
        assert!(
            err.contains("none of its origins (api.example.com, media"),
            "{err}"
        );
        let one = [origin("minio.internal:9000", "/site/")];
        assert_eq!(pick_origin(&one, "media").unwrap(), "/site");
        let twice = [
            origin("m.s3.amazonaws.com", "/a"),
            origin("m.s3.amazonaws.com", "/b"),
        ];
        assert!(pick_origin(&twice, "m").is_err());
    }

    #[test]
    fn the_batch_names_every_path_and_the_reference() {
        let body = batch(&keys(&["/a.css", "/img/*"]), "svn2s3-r7-1");
        assert!(body.contains("<Quantity>2</Quantity>"), "{body}");
        assert!(body.contains("<Items><Path>/a.css</Path><Path>/img/*</Path></Items>"));
        assert!(body.contains("<CallerReference>svn2s3-r7-1</CallerReference>"));
    }
}

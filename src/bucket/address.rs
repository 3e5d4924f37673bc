//! Where the bucket's requests go: virtual-hosted or path-style, the
//! regional endpoint, and a region redirect followed once.

use std::fmt;

use super::*;
use crate::header::checksum::Checksum;

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

/// The store a bucket lives in, as far as svn2s3 knows what it takes of
/// the settings that shape objects (`store:`; found from the endpoint
/// where the settings do not say).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// AWS where there is no endpoint, R2 at `*.r2.cloudflarestorage.com`,
    /// `other` elsewhere.
    #[default]
    Auto,
    /// Amazon S3: takes every setting.
    Aws,
    /// Cloudflare R2: takes no ACL and no `x-amz-server-side-encryption`
    /// (it encrypts every object itself), of the storage classes only
    /// STANDARD and STANDARD_IA, and of the multipart checksums only
    /// CRC64NVME's of the whole object (its other algorithms' are of the
    /// parts').
    R2,
    /// Any other S3-compatible store: sent every setting as given.
    Other,
}

impl StoreKind {
    /// The kind of the store at `endpoint` (`None`: AWS), where `self`
    /// leaves it to be found.
    pub fn at(self, endpoint: Option<&str>) -> StoreKind {
        if self != StoreKind::Auto {
            return self;
        }
        let host = endpoint
            .and_then(|endpoint| url::Url::parse(endpoint).ok())
            .and_then(|url| url.host_str().map(str::to_ascii_lowercase));
        match (endpoint, host) {
            (None, _) => StoreKind::Aws,
            (Some(_), Some(host))
                if host
                    .trim_end_matches('.')
                    .ends_with(".r2.cloudflarestorage.com") =>
            {
                StoreKind::R2
            }
            _ => StoreKind::Other,
        }
    }

    /// Takes out of `storage` and `acl` what this store refuses; names
    /// the settings taken out.
    pub fn leave_out(
        self,
        storage: &mut crate::plan::Storage,
        acl: &mut Option<String>,
    ) -> Vec<String> {
        let mut left = Vec::new();
        if self != StoreKind::R2 {
            return left;
        }
        if acl.take().is_some() {
            left.push("acl".to_owned());
        }
        let class = storage.storage_class.as_deref();
        if let Some(class) = class.filter(|class| !matches!(*class, "STANDARD" | "STANDARD_IA")) {
            left.push(format!("storage_class {class}"));
            storage.storage_class = None;
        }
        if storage.sse.take().is_some() | storage.sse_kms_key_id.take().is_some() {
            left.push("sse".to_owned());
        }
        left
    }

    /// Whether a multipart upload here may keep the checksum of the whole
    /// object in `checksum` (`FULL_OBJECT`), rather than of its parts'.
    pub fn keeps_whole(self, checksum: Checksum) -> bool {
        match self {
            StoreKind::R2 => checksum == Checksum::Crc64Nvme,
            _ => checksum.full_object(),
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoreKind::Auto => "auto",
            StoreKind::Aws => "AWS",
            StoreKind::R2 => "Cloudflare R2",
            StoreKind::Other => "an S3-compatible store",
        })
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
    /// The AWS profile whose credentials sign requests when the
    /// environment has no keys; `None` is `default`.
    pub profile: Option<String>,
    /// The keys the settings' environment gives, which sign requests
    /// before any other source of credentials is asked.
    pub keys: Option<Keys>,
    /// What the store takes (never `Auto`: found by the settings).
    pub store: StoreKind,
}

/// Access keys from the settings' environment (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). Its `Debug` shows none
/// of them.
#[derive(Clone, PartialEq, Eq)]
pub struct Keys {
    pub access: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Keys {
    /// The keys `env` gives, when it gives both of the pair.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Option<Keys> {
        let set = |name| env(name).filter(|value: &String| !value.is_empty());
        Some(Keys {
            access: set("AWS_ACCESS_KEY_ID")?,
            secret: set("AWS_SECRET_ACCESS_KEY")?,
            token: set("AWS_SESSION_TOKEN"),
        })
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys(..)")
    }
}

/// What is particular to the store a bucket lives in, as svn2s3 knows it:
/// where its API is, how its requests name the bucket, and what it takes.
/// Where a store says what it lacks only by refusing it, that is learned
/// here once, for the rest of the run. A quirk of a store has its home
/// here, not at the requests.
pub(crate) struct Store {
    /// An S3-compatible endpoint; `None` is AWS, at each region's endpoint.
    pub(super) endpoint: Option<String>,
    /// Requests name the bucket in the path (`endpoint/bucket/key`), not the host.
    pub(super) path_style: bool,
    /// Whether it takes DeleteObjects: true until it answers as a store
    /// that has none (see [`super::delete::lacks_delete_objects`]).
    pub(super) delete_objects: AtomicBool,
    /// What it takes of the settings that shape objects.
    pub(super) kind: StoreKind,
}

impl Store {
    /// The store at `address`, before it has said anything.
    pub(super) fn of(address: &Address) -> Store {
        let endpoint = address.endpoint.as_deref();
        Store {
            endpoint: address.endpoint.clone(),
            path_style: path_style(address.addressing, endpoint, &address.name),
            delete_objects: AtomicBool::new(true),
            kind: address.store,
        }
    }

    /// Whether deletes may go in batches (DeleteObjects).
    pub(super) fn has_delete_objects(&self) -> bool {
        self.delete_objects.load(Ordering::Relaxed)
    }

    /// Notes that it has no DeleteObjects: one DELETE a key from then on.
    pub(super) fn lacks_delete_objects(&self) {
        self.delete_objects.store(false, Ordering::Relaxed);
    }
}

/// A client of the bucket in one region.
pub(super) struct Located {
    pub(super) client: s3::Bucket,
    pub(super) region: String,
    /// For messages: `s3://media at http://127.0.0.1:9000`, `s3://media in eu-west-1`.
    pub(super) place: String,
}

impl Located {
    /// A client of bucket `name` in `region`: at `endpoint`, or at S3's
    /// regional endpoint.
    pub(super) fn at(
        name: &str,
        region: &str,
        endpoint: Option<&str>,
        path_style: bool,
    ) -> Result<Located> {
        // Requests are signed in `Bucket::send`: rust-s3's client only
        // names URLs and holds the connection pool.
        let credentials = s3::creds::Credentials::anonymous()?;
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

impl Bucket {
    /// Points the client at the region S3 says the bucket is in: named in
    /// its answer, or else in the `x-amz-bucket-region` of a HEAD of the bucket.
    pub(super) async fn relocate(&self, hint: Option<String>) -> Result<()> {
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
        let store = &self.store;
        let moved = Located::at(
            &self.name,
            &region,
            store.endpoint.as_deref(),
            store.path_style,
        )?;
        *self
            .located
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(moved);
        Ok(())
    }
}

/// Whether requests name the bucket in the path rather than the host.
pub(super) fn path_style(addressing: Addressing, endpoint: Option<&str>, bucket: &str) -> bool {
    match addressing {
        Addressing::Path => true,
        Addressing::Virtual => false,
        Addressing::Auto => endpoint.is_some() || !is_dns_label(bucket),
    }
}

/// S3's endpoint in `region`, as aws cli names it.
pub(super) fn regional_endpoint(region: &str) -> String {
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
pub(super) fn is_dns_label(bucket: &str) -> bool {
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
pub(super) fn wrong_region(err: &S3Error) -> Option<Option<String>> {
    let S3Error::HttpFailWithBody(status, body) = err else {
        return None;
    };
    let region = xml::text(body, "Region");
    match (*status, error_code(body).as_deref()) {
        (301, _) | (400, Some("AuthorizationHeaderMalformed")) => Some(region),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_buckets_are_addressed_as_aws_cli_does() {
        let url = |bucket: &str, region: &str, addressing: Addressing, endpoint: Option<&str>| {
            let path = path_style(addressing, endpoint, bucket);
            let located = Located::at(bucket, region, endpoint, path).unwrap();
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
    fn r2_is_found_from_its_endpoint_and_sent_only_what_it_takes() {
        let r2 = "https://0123abcd.r2.cloudflarestorage.com";
        assert_eq!(StoreKind::Auto.at(Some(r2)), StoreKind::R2);
        let dotted = Some("https://A.R2.cloudflarestorage.com.");
        assert_eq!(StoreKind::Auto.at(dotted), StoreKind::R2);
        assert_eq!(StoreKind::Auto.at(None), StoreKind::Aws);
        let elsewhere = Some("http://127.0.0.1:9000");
        assert_eq!(StoreKind::Auto.at(elsewhere), StoreKind::Other);
        assert_eq!(
            StoreKind::R2.at(elsewhere),
            StoreKind::R2,
            "the setting wins"
        );

        let given = crate::plan::Storage {
            storage_class: Some("GLACIER_IR".into()),
            sse: Some("aws:kms".into()),
            sse_kms_key_id: Some("alias/site".into()),
            checksum: Some(Checksum::Crc32),
        };
        let (mut storage, mut acl) = (given.clone(), Some("public-read".to_owned()));
        let left = StoreKind::R2.leave_out(&mut storage, &mut acl);
        assert_eq!(left, ["acl", "storage_class GLACIER_IR", "sse"]);
        assert_eq!(acl, None);
        assert_eq!(
            storage,
            crate::plan::Storage {
                checksum: Some(Checksum::Crc32),
                ..Default::default()
            }
        );
        // What it takes stays; elsewhere, everything does.
        let mut infrequent = crate::plan::Storage {
            storage_class: Some("STANDARD_IA".into()),
            ..Default::default()
        };
        assert!(StoreKind::R2
            .leave_out(&mut infrequent, &mut None)
            .is_empty());
        let (mut storage, mut acl) = (given.clone(), Some("public-read".to_owned()));
        assert!(StoreKind::Other
            .leave_out(&mut storage, &mut acl)
            .is_empty());
        assert_eq!((storage, acl.as_deref()), (given, Some("public-read")));

        assert!(StoreKind::R2.keeps_whole(Checksum::Crc64Nvme));
        assert!(!StoreKind::R2.keeps_whole(Checksum::Crc32));
        assert!(StoreKind::Aws.keeps_whole(Checksum::Crc32));
        assert!(!StoreKind::Aws.keeps_whole(Checksum::Sha256));
    }
}

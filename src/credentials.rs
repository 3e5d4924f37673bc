//! Where the keys that sign requests come from: the settings' keys, else
//! the AWS SDK's own provider chain (the aws-config crate), as aws cli
//! finds them: the environment, the shared config and credentials files
//! (static keys, `role_arn` with `source_profile` or `credential_source`,
//! `credential_process`, SSO), a web identity token, ECS container
//! credentials, then EC2 instance metadata (IMDSv2).
//!
//! The chain's own requests (STS, SSO, the metadata services) go out on the
//! bucket's HTTP client, so that there is one connection pool and one TLS
//! configuration for the run. Credentials are kept until five minutes
//! before they expire and then fetched again, one fetch at a time, so that
//! a publish that outlasts an assumed role's hour goes on signing with
//! valid keys.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::provider_config::ProviderConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::ProvideCredentials;
pub use aws_credential_types::Credentials as Keys;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use tokio::sync::{Mutex, OnceCell};

/// How long before they expire credentials are fetched again.
const REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);

/// How long the chain may take to give credentials: a `credential_process`
/// has no deadline of its own.
const FETCH_WITHIN: Duration = Duration::from_secs(60);

/// The credentials of a run's requests.
pub struct Credentials {
    source: Source,
    /// The keys last fetched from the chain.
    kept: Mutex<Option<Keys>>,
    /// Whether a failed fetch was told already.
    warned: AtomicBool,
}

enum Source {
    /// Keys given outright, which never expire.
    Given(Keys),
    /// The AWS SDK's chain, built at its first use.
    Chain {
        chain: OnceCell<DefaultCredentialsChain>,
        profile: Option<String>,
        region: String,
        http: reqwest::Client,
    },
}

/// Why no credentials could be had: one line, which names no secret.
#[derive(Debug)]
pub struct Unavailable(pub String);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unavailable {}

impl Credentials {
    /// Keys given outright (`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
    /// of the settings' environment).
    pub fn given(access: &str, secret: &str, token: Option<&str>) -> Credentials {
        let keys = Keys::new(access, secret, token.map(str::to_owned), None, "svn2s3");
        Credentials {
            source: Source::Given(keys),
            kept: Mutex::new(None),
            warned: AtomicBool::new(false),
        }
    }

    /// The AWS SDK's chain, for `profile` (`None`: `AWS_PROFILE`, else
    /// `default`), asking STS in `region`, its requests sent on `http`.
    /// Nothing is read or sent before the first [`Credentials::keys`].
    pub fn chain(profile: Option<&str>, region: &str, http: reqwest::Client) -> Credentials {
        Credentials {
            source: Source::Chain {
                chain: OnceCell::new(),
                profile: profile.map(str::to_owned),
                region: region.to_owned(),
                http,
            },
            kept: Mutex::new(None),
            warned: AtomicBool::new(false),
        }
    }

    /// Keys to sign a request with now: valid for five minutes at least
    /// where the source says when they expire.
    pub async fn keys(&self) -> Result<Keys, Unavailable> {
        let keys = self.fetched().await?;
        signable(&keys)?;
        Ok(keys)
    }

    async fn fetched(&self) -> Result<Keys, Unavailable> {
        let (chain, profile, region, http) = match &self.source {
            Source::Given(keys) => return Ok(keys.clone()),
            Source::Chain {
                chain,
                profile,
                region,
                http,
            } => (chain, profile, region, http),
        };
        let mut kept = self.kept.lock().await;
        if let Some(keys) = kept
            .as_ref()
            .filter(|keys| good_for(keys, SystemTime::now(), REFRESH_AHEAD))
        {
            return Ok(keys.clone());
        }
        let chain = chain
            .get_or_init(|| async {
                let config = ProviderConfig::default()
                    .with_http_client(Reqwest::new(http.clone()))
                    .with_behavior_version(Some(BehaviorVersion::latest()));
                let mut builder = DefaultCredentialsChain::builder()
                    .region(Region::new(region.clone()))
                    .configure(config);
                if let Some(profile) = profile {
                    builder = builder.profile_name(profile);
                }
                builder.build().await
            })
            .await;
        let fetched = tokio::time::timeout(FETCH_WITHIN, chain.provide_credentials()).await;
        let fetched =
            fetched.unwrap_or_else(|_| Err(CredentialsError::provider_timed_out(FETCH_WITHIN)));
        match fetched.map_err(|err| (err, profile.as_deref())) {
            Ok(keys) => {
                *kept = Some(keys.clone());
                Ok(keys)
            }
            // A source that fails for a moment (STS, the metadata service)
            // does not stop a publish whose keys are still good.
            Err((err, profile)) => {
                match kept
                    .as_ref()
                    .filter(|keys| good_for(keys, SystemTime::now(), STILL_VALID))
                {
                    Some(keys) => {
                        if !self.warned.swap(true, Ordering::Relaxed) {
                            let why = unavailable(err, profile);
                            tracing::warn!("{why}; signing with the keys fetched before");
                        }
                        Ok(keys.clone())
                    }
                    None => Err(unavailable(err, profile)),
                }
            }
        }
    }
}

/// Refuses keys that HTTP cannot carry in a header (a control character
/// in the access key ID or the session token): signing would fail on
/// every request. Names neither.
fn signable(keys: &Keys) -> Result<(), Unavailable> {
    let carried = |text: &str| text.bytes().all(|byte| (0x20..0x7f).contains(&byte));
    if !carried(keys.access_key_id()) {
        return Err(Unavailable(
            "the AWS access key ID holds a character HTTP cannot carry (a control character \
             or a character outside ASCII)"
                .to_owned(),
        ));
    }
    if !keys.session_token().map_or(true, carried) {
        return Err(Unavailable(
            "the AWS session token holds a character HTTP cannot carry (a control character \
             or a character outside ASCII)"
                .to_owned(),
        ));
    }
    Ok(())
}

/// How long keys must still be good for to sign with when a fresh fetch
/// failed: the time a request takes to reach the store.
const STILL_VALID: Duration = Duration::from_secs(30);

/// Whether `keys` are good at `now` for `margin` at least: they do not
/// expire, or not within it.
fn good_for(keys: &Keys, now: SystemTime, margin: Duration) -> bool {
    (keys.expiry()).map_or(true, |expiry| expiry > now + margin)
}

/// The chain's failure in one line. Its messages name files, profiles and
/// commands; a `credential_process`'s carry what the process wrote to
/// stderr, which may be anything (its keys, with `set -x`), and is cut
/// off. A URL's password is taken out all the same.
fn unavailable(err: CredentialsError, profile: Option<&str>) -> Unavailable {
    let mut detail = String::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(err) = source {
        let text = err.to_string();
        let text = match text.find("Stderr:") {
            Some(at) => format!("{}(what it wrote to stderr is not shown)", &text[..at]),
            None => text,
        };
        if !text.is_empty() && !detail.contains(&text) {
            detail.push_str(if detail.is_empty() { "" } else { ": " });
            detail.push_str(&text);
        }
        source = err.source();
    }
    let detail = detail.replace(['\r', '\n'], " ");
    let detail = crate::redact::urls(&detail);
    Unavailable(match err {
        // Every source said it has none; the list of them says no more.
        CredentialsError::CredentialsNotLoaded(_) => match profile {
            Some(profile) => format!(
                "no AWS credentials found for the profile {profile:?} (AWS_PROFILE): is it in \
                 AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE (~/.aws/config, \
                 ~/.aws/credentials)?"
            ),
            None => "no AWS credentials found (environment, profile, web identity, container, \
                     instance metadata): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
                     AWS_PROFILE"
                .to_owned(),
        },
        _ => format!("the AWS credentials could not be loaded: {detail}"),
    })
}

/// How long one of the chain's requests may take when it sets no read
/// timeout of its own (STS and SSO set only a connect timeout).
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// The chain's requests, sent on reqwest within the timeouts it asks for:
/// on the bucket's client, but for the metadata services of containers
/// and instances, which are asked directly, never through a proxy
/// (`HTTPS_PROXY`) that the bucket's requests may go through.
#[derive(Debug, Clone)]
struct Reqwest {
    http: reqwest::Client,
    direct: Arc<std::sync::OnceLock<reqwest::Client>>,
}

#[derive(Debug)]
struct Connector {
    chain: Reqwest,
    timeout: Duration,
}

impl HttpClient for Reqwest {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let connect = settings.connect_timeout().unwrap_or_default();
        let read = settings.read_timeout().unwrap_or(ANSWER_WITHIN);
        SharedHttpConnector::new(Connector {
            chain: self.clone(),
            timeout: connect + read,
        })
    }
}

impl Reqwest {
    fn new(http: reqwest::Client) -> Reqwest {
        Reqwest {
            http,
            direct: Arc::default(),
        }
    }

    /// The client for `url`: a direct one for a link-local or loopback
    /// address (the metadata services, and their stand-ins in tests).
    fn for_url(&self, url: &str) -> Result<reqwest::Client, ConnectorError> {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|url| url.host().map(|host| host.to_owned()));
        let local = match host {
            Some(url::Host::Ipv4(ip)) => ip.is_link_local() || ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback() || (ip.segments()[0] & 0xfe00) == 0xfc00,
            _ => false,
        };
        if !local {
            return Ok(self.http.clone());
        }
        if let Some(direct) = self.direct.get() {
            return Ok(direct.clone());
        }
        let direct = (reqwest::Client::builder().no_proxy().build())
            .map_err(|err| ConnectorError::other(err.into(), None))?;
        Ok(self.direct.get_or_init(|| direct).clone())
    }
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let http = self.chain.for_url(request.uri());
        let timeout = self.timeout;
        HttpConnectorFuture::new(async move {
            let http = http?;
            let io = |err: reqwest::Error| {
                if err.is_timeout() {
                    ConnectorError::timeout(err.into())
                } else {
                    ConnectorError::io(err.into())
                }
            };
            let mut sent = http.request(
                request
                    .method()
                    .parse()
                    .map_err(|err: http::method::InvalidMethod| ConnectorError::user(err.into()))?,
                request.uri(),
            );
            for (name, value) in request.headers() {
                sent = sent.header(name, value);
            }
            sent = sent.timeout(timeout);
            // The chain's requests are small and in memory.
            let Some(body) = request.body().bytes() else {
                let why = "a streamed body, which the credential chain never sends";
                return Err(ConnectorError::user(why.into()));
            };
            let body = body.to_vec();
            let answer = sent.body(body).send().await.map_err(io)?;
            let status = answer.status().as_u16();
            let headers = answer.headers().clone();
            let body = answer.bytes().await.map_err(io)?;
            let mut response = HttpResponse::new(
                status
                    .try_into()
                    .map_err(|err: aws_smithy_runtime_api::http::HttpError| {
                        ConnectorError::other(err.into(), None)
                    })?,
                SdkBody::from(body),
            );
            for (name, value) in &headers {
                if let Ok(value) = value.to_str() {
                    response
                        .headers_mut()
                        .append(name.as_str().to_owned(), value.to_owned());
                }
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fetched_again_five_minutes_before_they_expire() {
        let now = SystemTime::now();
        let expiring = |after| Keys::new("a", "b", None, Some(now + after), "test");
        let fresh = |keys: &Keys| good_for(keys, now, REFRESH_AHEAD);
        assert!(fresh(&Keys::new("a", "b", None, None, "test")));
        assert!(fresh(&expiring(Duration::from_secs(3600))));
        assert!(!fresh(&expiring(Duration::from_secs(299))));
        assert!(!fresh(&expiring(Duration::ZERO)));
        // A failed refresh still signs with keys good for the next request.
        assert!(good_for(
            &expiring(Duration::from_secs(299)),
            now,
            STILL_VALID
        ));
        assert!(!good_for(
            &expiring(Duration::from_secs(29)),
            now,
            STILL_VALID
        ));
    }

    #[test]
    fn what_a_process_wrote_to_stderr_is_never_shown() {
        let err = CredentialsError::provider_error(
            "Error retrieving credentials: external process exited with code 1. Stderr: \
             + echo AKIDSECRET wJalrSECRET",
        );
        let said = unavailable(err, None).0;
        assert!(!said.contains("SECRET"), "{said}");
        assert!(said.contains("exited with code 1"), "{said}");
    }

    #[tokio::test]
    async fn keys_http_cannot_carry_are_refused_without_being_shown() {
        let bad = Credentials::given("AK\nSECRETISH", "secret", None);
        let why = bad.keys().await.unwrap_err().0;
        assert!(why.contains("access key ID holds a character"), "{why}");
        assert!(!why.contains("SECRETISH"), "{why}");
        let token = Credentials::given("AK", "secret", Some("tok\ten"));
        assert!(token.keys().await.unwrap_err().0.contains("session token"));
    }

    #[tokio::test]
    async fn given_keys_are_given_back() {
        let credentials = Credentials::given("AKID", "secret", Some("token"));
        let keys = credentials.keys().await.unwrap();
        assert_eq!(keys.access_key_id(), "AKID");
        assert_eq!(keys.session_token(), Some("token"));
    }
}

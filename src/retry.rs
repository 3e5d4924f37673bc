//! One retry policy for every request svn2s3 makes, to S3 and to CloudFront,
//! and one reading of a failed answer: whether it may pass if tried again,
//! whether the store asks for fewer requests at once, what caused it, and
//! what to tell the user in one line without a secret. An AWS error body is
//! never shown whole: a SignatureDoesNotMatch body echoes the canonical
//! request, session token included, so only its `Code` and `Message` are read.

use std::future::Future;
use std::time::Duration;

use crate::xml;

/// How often and how patiently a request is tried. With the defaults a
/// refused connection fails the run within about six seconds, and an
/// endpoint that drops packets within about a minute (an attempt times out
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

/// Why one attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What happened, for the user: `HTTP 500 from s3://media (InternalError)`.
    pub why: String,
    /// Whether it may pass if tried again.
    pub transient: bool,
    /// Whether the store asked for fewer requests at once.
    pub throttled: bool,
    pub cause: Cause,
}

/// Where a failure comes from, as the caller of the whole run cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The store answered, and the answer says no (or to try again).
    Answer,
    /// The credentials are missing, refused or expired.
    Credentials,
    /// The store could not be reached, or not trusted (its certificate).
    Network,
}

/// A request that failed for good: what it was, and its last failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {}{}", .failure.why, attempts(*.tries))]
pub struct RequestError {
    /// `upload a.css`, `delete b.png and 3 more`.
    pub what: String,
    pub failure: Failure,
    pub tries: u32,
}

fn attempts(tries: u32) -> String {
    if tries > 1 {
        format!(" (after {tries} attempts)")
    } else {
        String::new()
    }
}

impl Retry {
    /// Full jitter: a random wait below the capped exponential bound.
    pub fn delay(&self, attempt: u32) -> Duration {
        let bound = self.base.saturating_mul(1 << attempt.min(16)).min(self.cap);
        bound.mul_f64(fastrand::f64())
    }

    /// Runs `attempt` until it succeeds, fails for good, or runs out of tries
    /// or time; the error is named after `what` ("upload a.css").
    pub async fn run<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T, RequestError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let started = std::time::Instant::now();
        let mut tries = 0;
        loop {
            tries += 1;
            let failure = match attempt().await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let wait = self.delay(tries);
            if !failure.transient
                || tries >= self.attempts
                || started.elapsed() + wait > self.budget
            {
                return Err(RequestError {
                    what: what.to_owned(),
                    failure,
                    tries,
                });
            }
            tracing::debug!(tries, ?wait, "{what} failed, retrying: {}", failure.why);
            tokio::time::sleep(wait).await;
        }
    }
}

/// The `Code` of an AWS error answer.
pub fn error_code(body: &str) -> Option<String> {
    xml::text(body, "Code")
}

/// What an HTTP answer that is not a success means, from `place`
/// (`s3://media at http://...`, `CloudFront`).
pub fn answered(status: u16, body: &str, place: &str) -> Failure {
    let code = error_code(body).unwrap_or_default();
    let message = xml::text(body, "Message").unwrap_or_default();
    let (code, message) = (code.as_str(), message.as_str());
    let throttled = matches!(status, 429 | 503) || code == "SlowDown" || code == "Throttling";
    // 409 ConditionalRequestConflict: another conditional write of the key
    // was in flight; S3 asks for a retry. 501 Not Implemented is a store
    // that has no such request, however often it is asked.
    let transient = throttled
        || matches!(status, 408 | 500 | 502..=599)
        || (status, code) == (409, "ConditionalRequestConflict");
    let said = match (code.is_empty(), message.is_empty()) {
        (false, false) => format!("{code}: {message}"),
        _ => format!("{code}{message}"),
    };
    let (cause, why) = match (status, code) {
        (404, "NoSuchBucket") => (Cause::Answer, format!("{place}: no such bucket")),
        (
            403,
            "InvalidAccessKeyId"
            | "NotSignedUp"
            | "SignatureDoesNotMatch"
            | "InvalidToken"
            | "ExpiredToken"
            | "InvalidClientTokenId"
            | "UnrecognizedClientException",
        ) => (
            Cause::Credentials,
            format!("{place} rejected the credentials ({code})"),
        ),
        (403, _) => (Cause::Answer, format!("{place} denied access ({said})")),
        _ => (
            Cause::Answer,
            format!("HTTP {status} from {place} ({said})"),
        ),
    };
    Failure {
        why,
        transient,
        throttled,
        cause,
    }
}

/// What a request that got no answer means: the innermost cause ("Connection
/// refused") says more than reqwest's outer "error sending request".
pub fn unanswered(err: &reqwest::Error, place: &str) -> Failure {
    let mut cause: &(dyn std::error::Error + 'static) = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let cause = cause.to_string();
    // A certificate that fails verification fails again: rustls names the
    // certificate in every such error.
    let refused_certificate = cause.contains("certificate");
    let transient = !refused_certificate
        && (err.is_connect() || err.is_timeout() || err.is_request() || err.is_body());
    Failure {
        why: format!("cannot reach {place}: {cause}"),
        transient,
        throttled: false,
        cause: Cause::Network,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_for_code_and_message_only() {
        let body = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>\
            <Message>The signature does not match</Message>\
            <CanonicalRequest>x-amz-security-token:SECRET</CanonicalRequest></Error>";
        let failure = answered(403, body, "s3://media");
        assert_eq!(
            failure.why,
            "s3://media rejected the credentials (SignatureDoesNotMatch)"
        );
        assert_eq!(
            (failure.cause, failure.transient),
            (Cause::Credentials, false)
        );
        assert!(!format!("{failure:?}").contains("SECRET"));

        let slow = answered(503, "<Error><Code>SlowDown</Code></Error>", "s3://media");
        assert!(slow.transient && slow.throttled);
        let internal = answered(
            500,
            "<Error><Code>InternalError</Code><Message>oops</Message></Error>",
            "CloudFront",
        );
        assert_eq!(
            internal.why,
            "HTTP 500 from CloudFront (InternalError: oops)"
        );
        assert!(internal.transient && !internal.throttled);
        let missing = answered(404, "<Error><Code>NoSuchBucket</Code></Error>", "s3://nope");
        assert_eq!(
            (missing.why.as_str(), missing.transient),
            ("s3://nope: no such bucket", false)
        );
        assert!(
            answered(
                409,
                "<Error><Code>ConditionalRequestConflict</Code></Error>",
                "x"
            )
            .transient
        );
        assert_eq!(answered(400, "not xml", "x").why, "HTTP 400 from x ()");
        let lacking = answered(501, "<Error><Code>NotImplemented</Code></Error>", "x");
        assert!(!lacking.transient, "a store without the request");
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
    fn a_permanent_failure_is_not_retried_and_a_transient_one_is_until_the_last_try() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let retry = Retry::default();
        let failing = |transient| Failure {
            why: "no".into(),
            transient,
            throttled: false,
            cause: Cause::Answer,
        };
        let mut tries = 0;
        let err = runtime
            .block_on(retry.run("upload a", || {
                tries += 1;
                async { Err::<(), _>(failing(false)) }
            }))
            .unwrap_err();
        assert_eq!((tries, err.to_string()), (1, "upload a: no".to_owned()));
        let mut tries = 0;
        let err = runtime
            .block_on(retry.run("upload a", || {
                tries += 1;
                async { Err::<(), _>(failing(true)) }
            }))
            .unwrap_err();
        assert_eq!(
            (tries, err.to_string()),
            (5, "upload a: no (after 5 attempts)".to_owned())
        );
    }
}

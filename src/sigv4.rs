//! Requests signed with AWS Signature Version 4 by the aws-sigv4 crate, for
//! what rust-s3 does not send right: CloudFront's API, and S3 requests whose
//! payload is not hashed into the signature.
//!
//! rust-s3 0.38 signs every UploadPart with the SHA-256 of an empty payload,
//! which S3 refuses for a part that is not empty (XAmzContentSHA256Mismatch);
//! parts therefore go out as `UNSIGNED-PAYLOAD` with a `Content-MD5`, which
//! S3 checks. That also spares a SHA-256 pass over every byte uploaded.

use std::time::SystemTime;

use anyhow::{Context, Result};
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;

use crate::credentials::Keys;

/// What a request's signature covers of its body.
pub enum Payload<'a> {
    /// The body's SHA-256 is signed.
    Signed(&'a [u8]),
    /// It is not (`x-amz-content-sha256: UNSIGNED-PAYLOAD`); S3 only.
    Unsigned,
}

/// Signs requests for one service in one region with one set of credentials.
pub struct Signer {
    identity: aws_smithy_runtime_api::client::identity::Identity,
    region: String,
    service: &'static str,
}

impl Signer {
    /// A signer of `service` requests (`s3`, `cloudfront`) for `region`.
    pub fn new(keys: &Keys, region: &str, service: &'static str) -> Signer {
        Signer {
            identity: keys.clone().into(),
            region: region.to_owned(),
            service,
        }
    }

    /// `method` of `url` with `headers` and `body`, signed. For S3, the path
    /// is taken as it is (its keys are encoded once, not normalised).
    pub fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        payload: Payload,
        body: impl Into<reqwest::Body>,
    ) -> Result<reqwest::Request> {
        let mut settings = SigningSettings::default();
        if self.service == "s3" {
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name(self.service)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .context("signing a request")?
            .into();
        let signable_body = match payload {
            Payload::Signed(bytes) => SignableBody::Bytes(bytes),
            Payload::Unsigned => SignableBody::UnsignedPayload,
        };
        let signable = SignableRequest::new(method, url, headers.iter().copied(), signable_body)
            .context("signing a request")?;
        let (instructions, _) = sign(signable, &params)
            .context("signing a request")?
            .into_parts();
        let mut request = http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut request = request.body(body.into())?;
        instructions.apply_to_request_http1x(&mut request);
        Ok(reqwest::Request::try_from(request)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Keys {
        Keys::new("AKIDEXAMPLE", "secret", Some("token".into()), None, "test")
    }

    #[test]
    fn requests_carry_the_scope_and_never_the_secret() {
        let signer = Signer::new(&credentials(), "us-east-1", "cloudfront");
        let url = "https://cloudfront.amazonaws.com/2020-05-31/distribution/E1/invalidation";
        let request = signer
            .sign(
                "POST",
                url,
                &[("content-type", "application/xml")],
                Payload::Signed(b"<x/>"),
                "<x/>",
            )
            .unwrap();
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
            "{auth}"
        );
        assert!(
            auth.contains("/us-east-1/cloudfront/aws4_request"),
            "{auth}"
        );
        assert!(!auth.contains("secret"), "{auth}");
        assert_eq!(request.headers()["x-amz-security-token"], "token");
        assert!(request.headers().contains_key("x-amz-date"));
        assert!(!request.headers().contains_key("x-amz-content-sha256"));
    }

    #[test]
    fn an_unsigned_s3_payload_says_so_and_the_key_is_encoded_once() {
        let signer = Signer::new(&credentials(), "eu-west-1", "s3");
        let url = "http://127.0.0.1:9000/media/a%20b%2Bc.txt?partNumber=1&uploadId=x";
        let request = signer
            .sign(
                "PUT",
                url,
                &[("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==")],
                Payload::Unsigned,
                Vec::new(),
            )
            .unwrap();
        assert_eq!(
            request.headers()["x-amz-content-sha256"],
            "UNSIGNED-PAYLOAD"
        );
        assert_eq!(request.url().as_str(), url);
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(auth.contains("/eu-west-1/s3/aws4_request"), "{auth}");
        assert!(auth.contains("content-md5"), "the MD5 is signed: {auth}");
    }
}

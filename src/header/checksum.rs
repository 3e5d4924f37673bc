//! `checksum:`, the algorithm S3 checks every upload against and keeps with
//! the object, besides the Content-MD5 every upload carries: CRC32, CRC32C,
//! SHA-256 or CRC64NVME (S3's own default since 2025). A single PUT sends
//! the checksum of its bytes; a multipart upload sends each part's and, for
//! the CRCs, the whole object's (`FULL_OBJECT`), so that the stored value
//! is the checksum of the object's bytes whatever their parts, and
//! adoption and `verify` can compare it with a file's where an ETag is not
//! an MD5 (multipart uploads, SSE-KMS). SHA-256 has no full-object form in
//! S3: its multipart objects keep a checksum of the parts' (`COMPOSITE`).

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use crc_fast::CrcAlgorithm;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

/// An algorithm S3 takes for an object's checksum, other than MD5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// CRC-32 (ISO-HDLC, as zlib's).
    Crc32,
    /// CRC-32C (Castagnoli).
    Crc32c,
    /// SHA-256.
    Sha256,
    /// CRC-64/NVME.
    Crc64Nvme,
}

/// Every algorithm, as `checksum:` names them.
pub const CHECKSUMS: &[(&str, Option<Checksum>)] = &[
    ("md5", None),
    ("crc32", Some(Checksum::Crc32)),
    ("crc32c", Some(Checksum::Crc32c)),
    ("sha256", Some(Checksum::Sha256)),
    ("crc64nvme", Some(Checksum::Crc64Nvme)),
];

impl Checksum {
    /// As svn2s3.yaml writes it: `crc32`.
    pub fn setting(self) -> &'static str {
        match self {
            Checksum::Crc32 => "crc32",
            Checksum::Crc32c => "crc32c",
            Checksum::Sha256 => "sha256",
            Checksum::Crc64Nvme => "crc64nvme",
        }
    }

    /// As S3's headers name it: `CRC32`.
    pub fn name(self) -> &'static str {
        match self {
            Checksum::Crc32 => "CRC32",
            Checksum::Crc32c => "CRC32C",
            Checksum::Sha256 => "SHA256",
            Checksum::Crc64Nvme => "CRC64NVME",
        }
    }

    /// The header holding its value: `x-amz-checksum-crc32`.
    pub fn header(self) -> &'static str {
        match self {
            Checksum::Crc32 => "x-amz-checksum-crc32",
            Checksum::Crc32c => "x-amz-checksum-crc32c",
            Checksum::Sha256 => "x-amz-checksum-sha256",
            Checksum::Crc64Nvme => "x-amz-checksum-crc64nvme",
        }
    }

    /// The element of a part in CompleteMultipartUpload: `ChecksumCRC32`.
    pub fn element(self) -> &'static str {
        match self {
            Checksum::Crc32 => "ChecksumCRC32",
            Checksum::Crc32c => "ChecksumCRC32C",
            Checksum::Sha256 => "ChecksumSHA256",
            Checksum::Crc64Nvme => "ChecksumCRC64NVME",
        }
    }

    /// Whether a multipart object keeps the checksum of its whole bytes
    /// (`FULL_OBJECT`), rather than of its parts' checksums (`COMPOSITE`).
    pub fn full_object(self) -> bool {
        self != Checksum::Sha256
    }

    /// The algorithm `checksum:` names; `None` for `md5`, today's.
    pub fn parse(text: &str) -> Result<Option<Checksum>, String> {
        match CHECKSUMS.iter().find(|(name, _)| *name == text) {
            Some((_, checksum)) => Ok(*checksum),
            None => {
                let names: Vec<&str> = CHECKSUMS.iter().map(|(name, _)| *name).collect();
                Err(format!("{text:?} is not one of {}", names.join(", ")))
            }
        }
    }

    /// A running checksum of bytes given in order.
    pub(crate) fn hasher(self) -> Hasher {
        match self {
            Checksum::Sha256 => Hasher::Sha256(Sha256::default()),
            crc => Hasher::Crc(crc, crc_fast::Digest::new(crc.crc())),
        }
    }

    /// The checksum of `bytes`, as S3 writes it (base64 of the big-endian value).
    pub fn of(self, bytes: &[u8]) -> String {
        let mut hasher = self.hasher();
        hasher.update(bytes);
        hasher.finish().value
    }

    /// The checksum of the whole object whose parts, in order, have
    /// `parts` (each with its length), where the algorithm has one: the
    /// parts' CRCs combined, without reading the bytes again.
    pub(crate) fn whole(self, parts: &[(Sum, u64)]) -> Option<String> {
        if !self.full_object() {
            return None;
        }
        let mut parts = parts.iter();
        let (first, _) = parts.next()?;
        let mut crc = first.crc?;
        for (part, len) in parts {
            crc = crc_fast::checksum_combine(self.crc(), crc, part.crc?, *len);
        }
        Some(self.encode(crc))
    }

    /// A CRC as S3 writes it: base64 of its big-endian bytes, 4 or 8.
    fn encode(self, crc: u64) -> String {
        match self {
            Checksum::Crc64Nvme => BASE64.encode(crc.to_be_bytes()),
            _ => BASE64.encode((crc as u32).to_be_bytes()),
        }
    }

    fn crc(self) -> CrcAlgorithm {
        match self {
            Checksum::Crc32 => CrcAlgorithm::Crc32IsoHdlc,
            Checksum::Crc32c => CrcAlgorithm::Crc32Iscsi,
            Checksum::Crc64Nvme | Checksum::Sha256 => CrcAlgorithm::Crc64Nvme,
        }
    }

    /// The algorithm of a response header's name, if it is one of these.
    pub fn of_header(name: &str) -> Option<Checksum> {
        CHECKSUMS
            .iter()
            .filter_map(|(_, checksum)| *checksum)
            .find(|checksum| checksum.header() == name)
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.setting())
    }
}

impl Serialize for Checksum {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.setting())
    }
}

impl<'de> Deserialize<'de> for Checksum {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Checksum, D::Error> {
        let text = String::deserialize(deserializer)?;
        match Checksum::parse(&text) {
            Ok(Some(checksum)) => Ok(checksum),
            Ok(None) => Err(serde::de::Error::custom("md5 is not recorded")),
            Err(why) => Err(serde::de::Error::custom(why)),
        }
    }
}

/// A checksum being computed.
pub(crate) enum Hasher {
    Crc(Checksum, crc_fast::Digest),
    Sha256(Sha256),
}

/// A checksum computed: its value as S3 writes it and, for a CRC, the
/// number, which combines with the next part's into the whole's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sum {
    pub(crate) value: String,
    crc: Option<u64>,
}

impl Hasher {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Crc(_, digest) => digest.update(bytes),
            Hasher::Sha256(digest) => digest.update(bytes),
        }
    }

    pub(crate) fn finish(self) -> Sum {
        match self {
            Hasher::Crc(checksum, digest) => {
                let crc = digest.finalize();
                Sum {
                    value: checksum.encode(crc),
                    crc: Some(crc),
                }
            }
            Hasher::Sha256(digest) => Sum {
                value: BASE64.encode(digest.finalize()),
                crc: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_written_as_s3_writes_them() {
        // Values S3 (and the AWS SDKs) give for "hello".
        let hello = b"hello";
        assert_eq!(Checksum::Crc32.of(hello), "NhCmhg==");
        assert_eq!(Checksum::Crc32c.of(hello), "mnG7TA==");
        assert_eq!(
            Checksum::Sha256.of(hello),
            "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
        );
        assert_eq!(Checksum::Crc64Nvme.of(hello), "M3eFcAZSQlc=");
        // Given in pieces, the same.
        let mut hasher = Checksum::Crc64Nvme.hasher();
        hasher.update(b"he");
        hasher.update(b"llo");
        assert_eq!(hasher.finish().value, "M3eFcAZSQlc=");
    }

    #[test]
    fn the_parts_crcs_combine_into_the_whole_objects() {
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for checksum in [Checksum::Crc32, Checksum::Crc32c, Checksum::Crc64Nvme] {
            let parts: Vec<(Sum, u64)> = [&bytes[..3000], &bytes[3000..9999], &bytes[9999..]]
                .iter()
                .map(|part| {
                    let mut hasher = checksum.hasher();
                    hasher.update(part);
                    (hasher.finish(), part.len() as u64)
                })
                .collect();
            assert_eq!(
                checksum.whole(&parts),
                Some(checksum.of(&bytes)),
                "{checksum}"
            );
        }
        let sha = Checksum::Sha256.hasher().finish();
        assert_eq!(Checksum::Sha256.whole(&[(sha, 0)]), None);
    }

    #[test]
    fn the_setting_names_an_algorithm_or_md5() {
        assert_eq!(Checksum::parse("md5"), Ok(None));
        assert_eq!(Checksum::parse("crc64nvme"), Ok(Some(Checksum::Crc64Nvme)));
        let err = Checksum::parse("CRC32").unwrap_err();
        assert!(
            err.contains("is not one of md5, crc32, crc32c, sha256, crc64nvme"),
            "{err}"
        );
        assert_eq!(
            Checksum::of_header("x-amz-checksum-crc32c"),
            Some(Checksum::Crc32c)
        );
        assert!(Checksum::Crc32.full_object() && !Checksum::Sha256.full_object());
    }
}

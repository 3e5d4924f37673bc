//! The manifest of a build folder's publish: every object it put in the
//! bucket, with the MD5 and size of the file it was made from and a digest
//! of everything else that makes the object (its headers, its encoding,
//! where a redirect leads). Kept beside the state, at
//! `<prefix>.svn2s3/manifest.gz`, so that the next publish of the folder
//! compares with it instead of listing the bucket or asking for each object.
//!
//! As stored: gzip of a first line `svn2s3 manifest 1`, then one line per
//! object in key order, `MD5 SIZE DIGEST KEY` (hex, decimal, hex, the key
//! last so that it may hold spaces). A key never holds a control
//! character (svn2s3 refuses such names), so a line is always one line.
//! Every line is checked as it is read; a manifest that does not read is
//! not svn2s3's, and is refused with how to go on.

use std::io::{BufRead, BufReader, Read, Write};

use anyhow::{bail, Context, Result};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// What the first line says.
const HEADER: &str = "svn2s3 manifest 1";

/// The largest manifest svn2s3 reads, compressed: a million objects take
/// about 40 MiB.
pub const MAX_MANIFEST_BYTES: u64 = 512 * 1024 * 1024;

/// The longest line svn2s3 writes: a key of 1,024 bytes and its numbers.
const MAX_LINE_BYTES: usize = 1024 + 128;

/// What makes one object: the file it is made from, and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The MD5 of the file the object is made from (of where a redirect
    /// leads, for a redirect).
    pub md5: [u8; 16],
    /// The file's size in bytes (0 for a redirect).
    pub size: u64,
    /// A digest of the object's headers, its encoding and where it leads.
    pub digest: u64,
}

/// Every object of a publish, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Manifest {
    /// In key order, each key once.
    entries: Vec<(Box<str>, Entry)>,
}

impl Manifest {
    /// The manifest of `entries`, in any order; a key given twice keeps its
    /// last entry.
    #[cfg(test)]
    pub fn new(entries: impl IntoIterator<Item = (String, Entry)>) -> Manifest {
        let entries = entries.into_iter();
        Manifest::of(
            entries
                .map(|(key, entry)| (key.into_boxed_str(), entry))
                .collect(),
        )
    }

    /// The manifest of `entries`, sorted in place: no second copy of them.
    pub fn of(mut entries: Vec<(Box<str>, Entry)>) -> Manifest {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.reverse();
        entries.dedup_by(|later, earlier| later.0 == earlier.0);
        entries.reverse();
        Manifest { entries }
    }

    /// What the manifest says of `key`.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        let at = self.entries.binary_search_by(|(k, _)| (**k).cmp(key));
        at.ok().map(|at| &self.entries[at].1)
    }

    /// Whether a key starts with `prefix`.
    pub fn has_under(&self, prefix: &str) -> bool {
        let at = self.entries.partition_point(|(key, _)| **key < *prefix);
        self.entries
            .get(at)
            .is_some_and(|(key, _)| key.starts_with(prefix))
    }

    /// Every key, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(key, _)| &**key)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The manifest as stored: gzip of its lines.
    pub fn to_gzip(&self) -> Vec<u8> {
        let mut out = GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut write = || -> std::io::Result<()> {
            writeln!(out, "{HEADER}")?;
            for (key, entry) in &self.entries {
                let md5 = hex(&entry.md5);
                writeln!(out, "{md5} {} {:016x} {key}", entry.size, entry.digest)?;
            }
            Ok(())
        };
        write().expect("writing to memory does not fail");
        out.finish().expect("writing to memory does not fail")
    }

    /// The manifest stored as `gzip`, read from `key`: every line checked.
    pub fn parse(gzip: &[u8], key: &str) -> Result<Manifest> {
        Manifest::read(gzip).with_context(|| {
            format!("the manifest {key} is not svn2s3's; publish with --full to write it anew")
        })
    }

    fn read(gzip: &[u8]) -> Result<Manifest> {
        let mut lines = BufReader::new(GzDecoder::new(gzip));
        let mut line = Vec::new();
        let mut next = |line: &mut Vec<u8>| -> Result<bool> {
            line.clear();
            let read = (&mut lines)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', line)?;
            if line.len() > MAX_LINE_BYTES {
                bail!("a line is longer than {MAX_LINE_BYTES} bytes");
            }
            if read > 0 && line.pop() != Some(b'\n') {
                bail!("its last line is cut off");
            }
            Ok(read > 0)
        };
        if !next(&mut line)? || line != HEADER.as_bytes() {
            bail!("it does not start with {HEADER:?}");
        }
        let mut entries: Vec<(Box<str>, Entry)> = Vec::new();
        let mut number = 1;
        while next(&mut line)? {
            number += 1;
            let (key, entry) = parse_line(&line).with_context(|| format!("line {number}"))?;
            if entries.last().is_some_and(|(last, _)| **last >= *key) {
                bail!("line {number}: {key:?} is out of order");
            }
            entries.push((key.into(), entry));
        }
        Ok(Manifest { entries })
    }
}

/// One line: `MD5 SIZE DIGEST KEY`.
fn parse_line(line: &[u8]) -> Result<(&str, Entry)> {
    let line = std::str::from_utf8(line).context("it is not UTF-8")?;
    let mut parts = line.splitn(4, ' ');
    let mut part = |what: &str| {
        parts
            .next()
            .filter(|part| !part.is_empty())
            .with_context(|| format!("it has no {what}"))
    };
    let (md5, size, digest, key) = (part("MD5")?, part("size")?, part("digest")?, part("key")?);
    let md5 = unhex::<16>(md5).context("its MD5 is not 32 hex digits")?;
    let size = (size.bytes().all(|b| b.is_ascii_digit()))
        .then(|| size.parse().ok())
        .flatten()
        .context("its size is not a number")?;
    let digest = unhex::<8>(digest).context("its digest is not 16 hex digits")?;
    if key.chars().any(char::is_control) {
        bail!("its key holds control characters");
    }
    let entry = Entry {
        md5,
        size,
        digest: u64::from_be_bytes(digest),
    };
    Ok((key, entry))
}

/// `bytes` as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `N` bytes from exactly `2 * N` lowercase hex digits.
pub(crate) fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let value = |digit: u8| match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    };
    let mut out = [0; N];
    for (at, pair) in digits.chunks(2).enumerate() {
        out[at] = value(pair[0])? << 4 | value(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8) -> Entry {
        Entry {
            md5: [n; 16],
            size: u64::from(n) * 1000,
            digest: u64::from(n) << 56 | 7,
        }
    }

    fn gzip(text: &str) -> Vec<u8> {
        let mut out = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        out.write_all(text.as_bytes()).unwrap();
        out.finish().unwrap()
    }

    #[test]
    fn a_manifest_round_trips_in_key_order_with_spaces_and_non_ascii_in_keys() {
        let manifest = Manifest::new([
            ("b/c d.html".to_owned(), entry(2)),
            ("a".to_owned(), entry(1)),
            ("b/café".to_owned(), entry(3)),
            ("a".to_owned(), entry(4)),
        ]);
        assert_eq!(manifest.len(), 3);
        assert_eq!(
            manifest.get("a"),
            Some(&entry(4)),
            "the last entry of a key wins"
        );
        assert_eq!(manifest.get("b"), None);
        let read = Manifest::parse(&manifest.to_gzip(), "m").unwrap();
        assert_eq!(read, manifest);
        assert_eq!(
            read.keys().collect::<Vec<_>>(),
            ["a", "b/c d.html", "b/café"]
        );
    }

    #[test]
    fn a_manifest_that_does_not_read_is_refused_with_its_line() {
        let line = |key: &str| format!("{} 12 00000000000000ff {key}\n", "0a".repeat(16));
        let cases = [
            (gzip("svn2s3 manifest 2\n"), "does not start with"),
            (b"not gzip at all".to_vec(), "invalid gzip header"),
            (
                gzip(&format!("{HEADER}\n{}", line("b").trim_end())),
                "cut off",
            ),
            (
                gzip(&format!("{HEADER}\n{}{}", line("b"), line("a"))),
                "line 3: \"a\" is out of order",
            ),
            (
                gzip(&format!("{HEADER}\n{}{}", line("a"), line("a"))),
                "out of order",
            ),
            (
                gzip(&format!("{HEADER}\nxyz 12 00000000000000ff a\n")),
                "line 2: its MD5",
            ),
            (
                gzip(&format!(
                    "{HEADER}\n{} -1 00000000000000ff a\n",
                    "0a".repeat(16)
                )),
                "its size",
            ),
            (
                gzip(&format!(
                    "{HEADER}\n{} 1 00000000000000FF a\n",
                    "0a".repeat(16)
                )),
                "its digest",
            ),
            (
                gzip(&format!(
                    "{HEADER}\n{} 1 00000000000000ff\n",
                    "0a".repeat(16)
                )),
                "it has no key",
            ),
            (gzip(&format!("{HEADER}\n{}", line("a\rb"))), "control"),
            (
                gzip(&format!("{HEADER}\n{}", line(&"k".repeat(2000)))),
                "longer than",
            ),
        ];
        for (stored, why) in cases {
            let err = format!(
                "{:#}",
                Manifest::parse(&stored, "p/.svn2s3/manifest.gz").unwrap_err()
            );
            assert!(
                err.starts_with(
                    "the manifest p/.svn2s3/manifest.gz is not svn2s3's; publish with --full"
                ),
                "{err}"
            );
            assert!(err.contains(why), "{why}: {err}");
        }
        let empty = Manifest::parse(&gzip(&format!("{HEADER}\n")), "m").unwrap();
        assert_eq!(empty.len(), 0);
    }

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_lowercase_hex() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(unhex::<3>("00ab10"), Some([0, 0xab, 0x10]));
        assert_eq!(unhex::<3>("00AB10"), None);
        assert_eq!(unhex::<3>("00ab1"), None);
        assert_eq!(unhex::<1>("g0"), None);
    }
}

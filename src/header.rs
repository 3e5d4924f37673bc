//! Header values as HTTP and S3 take them. Every value an object is given
//! (an svn property, a header rule of the settings, `svn:mime-type`) passes
//! through [`value`] before the first request, so that a value a store
//! cannot carry is refused up front, naming where it came from, and never
//! fails a publish half-way.
//!
//! What is refused and what is changed:
//! - control characters (CR, LF, NUL, DEL...): HTTP cannot carry them, and a
//!   CR/LF would end the header;
//! - characters outside ASCII: HTTP header values are ASCII, and S3 refuses
//!   others; a `Content-Disposition` file name is the exception, written as
//!   RFC 8187 says (`filename*=UTF-8''caf%C3%A9.pdf`, with an ASCII
//!   `filename=` beside it for old browsers);
//! - a tab is written as a space: the two mean the same between the parts
//!   of a value, and signers disagree on tabs (SigV4 collapses sequential
//!   spaces in the value it signs; some servers collapse tabs too);
//! - values longer than [`MAX_VALUE_BYTES`]: S3 takes at most 8 KB of
//!   headers in a request, and a publish sends up to six of these.
//!
//! Sequential spaces are kept as given; the request signer (aws-sigv4)
//! signs the canonical form SigV4 specifies, which collapses them.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub mod checksum;

use checksum::Checksum;

/// The longest header value svn2s3 sends: six of them, a redirect's
/// location (at most 2 KB) and the request's own headers stay under S3's
/// 8 KB.
pub const MAX_VALUE_BYTES: usize = 800;

/// The headers an object takes from settings and properties: its
/// Content-Type, and those of [`HEADERS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Name {
    /// `Content-Type`, from `svn:mime-type` or the file's extension.
    ContentType,
    /// `Cache-Control`.
    CacheControl,
    /// `Content-Disposition`.
    ContentDisposition,
    /// `Content-Language`.
    ContentLanguage,
    /// `Expires`.
    Expires,
}

/// A header that svn properties, and maybe header rules, give an object.
#[derive(Debug)]
pub struct Header {
    /// Which header it is.
    pub name: Name,
    /// As HTTP names it, in lowercase.
    pub http: &'static str,
    /// Its key in a header rule of svn2s3.yaml, in the state's record of
    /// the rules and in `--json`.
    pub key: &'static str,
    /// The svn property that gives it, on a file or a folder above it.
    pub property: &'static str,
    /// Whether a header rule (`headers:` in svn2s3.yaml) may give it.
    pub in_rules: bool,
}

/// Every header an object takes from svn properties and header rules, in
/// the order they are written. Adding one is adding its entry here, and
/// saying where a HEAD answer shows it (`bucket.rs`, a `match` the compiler
/// holds complete): its property is then read, its value checked by
/// [`value`], written by every upload, compared by every HEAD and kept in
/// the state's record of the rules.
pub const HEADERS: &[Header] = &[
    Header {
        name: Name::CacheControl,
        http: "cache-control",
        key: "cache_control",
        property: "svn2s3:cache-control",
        in_rules: true,
    },
    Header {
        name: Name::ContentDisposition,
        http: "content-disposition",
        key: "content_disposition",
        property: "svn2s3:content-disposition",
        in_rules: true,
    },
    Header {
        name: Name::ContentLanguage,
        http: "content-language",
        key: "content_language",
        property: "svn2s3:content-language",
        in_rules: true,
    },
    Header {
        name: Name::Expires,
        http: "expires",
        key: "expires",
        property: "svn2s3:expires",
        in_rules: false,
    },
];

impl Name {
    /// The entry of [`HEADERS`] for this header; `None` for Content-Type.
    pub fn header(self) -> Option<&'static Header> {
        HEADERS.iter().find(|header| header.name == self)
    }

    /// The svn property that gives it.
    pub fn property(self) -> &'static str {
        self.header()
            .map_or("svn:mime-type", |header| header.property)
    }
}

/// Values of headers of [`HEADERS`], each at most once, kept in the
/// table's order. As serde sees them: a map from each one's `key`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(BTreeMap<Name, String>);

impl Values {
    /// The value of `name`, if it has one.
    pub fn get(&self, name: Name) -> Option<&str> {
        self.0.get(&name).map(String::as_str)
    }

    /// Gives `name` (one of [`HEADERS`]) the value `value`.
    pub fn set(&mut self, name: Name, value: String) {
        debug_assert!(name.header().is_some(), "{name:?} is not in HEADERS");
        self.0.insert(name, value);
    }

    /// Each header with its value, in the table's order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static Header, &str)> {
        HEADERS
            .iter()
            .filter_map(|header| Some((header, self.get(header.name)?)))
    }

    /// The values a HEAD answer shows: `shown` gives the one of each
    /// header, by its entry. Empty values count as none.
    pub fn shown(mut shown: impl FnMut(&'static Header) -> Option<String>) -> Values {
        let values = HEADERS.iter().filter_map(|header| {
            let value = shown(header)?.trim().to_owned();
            (!value.is_empty()).then_some((header.name, value))
        });
        Values(values.collect())
    }
}

impl FromIterator<(Name, String)> for Values {
    fn from_iter<I: IntoIterator<Item = (Name, String)>>(given: I) -> Values {
        let mut values = Values::default();
        for (name, value) in given {
            values.set(name, value);
        }
        values
    }
}

impl Serialize for Values {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(header, value)| (header.key, value)))
    }
}

/// How S3 stores an object (`storage_class:`, `sse:`, `sse_kms_key_id:`,
/// `checksum:`); what is not set is the bucket's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// `x-amz-storage-class`: `STANDARD_IA`, `INTELLIGENT_TIERING`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// `x-amz-server-side-encryption`: `AES256`, `aws:kms` or `aws:kms:dsse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse: Option<String>,
    /// `x-amz-server-side-encryption-aws-kms-key-id`, with `aws:kms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse_kms_key_id: Option<String>,
    /// The checksum S3 checks and keeps besides the MD5 (`checksum:`);
    /// `None` is MD5 alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<Checksum>,
}

/// The storage classes an object can be written with and still be read
/// at once, as a published site's objects must be.
pub const STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "EXPRESS_ONEZONE",
];

impl Storage {
    /// Whether nothing is set: every object as the bucket's default says.
    pub fn is_unset(&self) -> bool {
        *self == Storage::default()
    }

    /// These settings (a header rule's) over `base` (the target's): each
    /// that is set wins. `sse` and its key go together: a rule that names
    /// an algorithm takes the key from the rule alone.
    pub fn over(&self, base: &Storage) -> Storage {
        let (sse, sse_kms_key_id) = match &self.sse {
            Some(_) => (self.sse.clone(), self.sse_kms_key_id.clone()),
            None => (
                base.sse.clone(),
                (self.sse_kms_key_id.clone()).or_else(|| base.sse_kms_key_id.clone()),
            ),
        };
        Storage {
            storage_class: (self.storage_class.clone()).or_else(|| base.storage_class.clone()),
            sse,
            sse_kms_key_id,
            checksum: self.checksum.or(base.checksum),
        }
    }

    /// The request headers that say it, for an upload or a copy.
    pub fn header_pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("x-amz-storage-class", self.storage_class.as_deref()),
            ("x-amz-server-side-encryption", self.sse.as_deref()),
            (
                "x-amz-server-side-encryption-aws-kms-key-id",
                self.sse_kms_key_id.as_deref(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
    }

    /// Refuses what S3 would refuse, or a class whose objects a site could
    /// not serve, naming the setting.
    pub fn check(&self) -> Result<(), String> {
        if let Some(class) = &self.storage_class {
            if matches!(class.as_str(), "GLACIER" | "DEEP_ARCHIVE") {
                return Err(format!(
                    "storage_class: {class} objects cannot be read until they are restored; a \
                     published site could not serve them"
                ));
            }
            if !STORAGE_CLASSES.contains(&class.as_str()) {
                return Err(format!(
                    "storage_class: {class:?} is not one of {}",
                    STORAGE_CLASSES.join(", ")
                ));
            }
        }
        match (self.sse.as_deref(), &self.sse_kms_key_id) {
            (None | Some("AES256" | "aws:kms" | "aws:kms:dsse"), None) => {}
            (Some("aws:kms" | "aws:kms:dsse"), Some(key)) => {
                if key.is_empty() || key.chars().any(|c| c.is_control() || c.is_whitespace()) {
                    return Err(format!(
                        "sse_kms_key_id: {key:?} is not a KMS key ID, alias or ARN"
                    ));
                }
            }
            (Some(other), None) => {
                return Err(format!(
                    "sse: {other:?} is not AES256, aws:kms or aws:kms:dsse"
                ))
            }
            (_, Some(_)) => {
                return Err("sse_kms_key_id: is set, and needs `sse: aws:kms`".to_owned())
            }
        }
        Ok(())
    }
}

/// A header rule: the headers it gives every file that matches `pattern`.
/// One record serves svn2s3.yaml's `headers:`, the plan's rules and the
/// state's record of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderRule {
    /// The pattern of the files it is for, as given.
    #[serde(rename = "match")]
    pub pattern: String,
    /// The headers it gives them.
    #[serde(flatten)]
    pub values: Values,
    /// How S3 stores them, over the target's settings (unset: as the
    /// target says).
    #[serde(flatten)]
    pub storage: Storage,
}

/// Read by hand: a header given as `~`, or left empty, is none (as each
/// was an optional field before the table); a number is its text; a key
/// named twice, or one that is not a header, is refused.
impl<'de> Deserialize<'de> for HeaderRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<HeaderRule, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = HeaderRule;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header rule: `match` and the headers it sets")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HeaderRule, A::Error> {
                let mut pattern = None;
                let mut values = Values::default();
                let mut storage = Storage::default();
                let mut seen = BTreeSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(A::Error::custom(format!("duplicate field `{key}`")));
                    }
                    if key == "match" {
                        pattern = Some(map.next_value::<String>()?);
                        continue;
                    }
                    let setting = match key.as_str() {
                        "storage_class" => Some(&mut storage.storage_class),
                        "sse" => Some(&mut storage.sse),
                        "sse_kms_key_id" => Some(&mut storage.sse_kms_key_id),
                        _ => None,
                    };
                    if let Some(setting) = setting {
                        *setting = map.next_value::<Option<String>>()?;
                        continue;
                    }
                    if key == "checksum" {
                        let text = map.next_value::<Option<String>>()?;
                        let named = |why| A::Error::custom(format!("checksum: {why}"));
                        storage.checksum = match text.as_deref().map(Checksum::parse) {
                            None => None,
                            Some(Ok(Some(checksum))) => Some(checksum),
                            // Every upload has its MD5: a rule cannot take
                            // the target's algorithm away.
                            Some(Ok(None)) => {
                                return Err(named(
                                    "md5 is every upload's; a rule may choose \
                                                  another algorithm, not md5 alone"
                                        .to_owned(),
                                ))
                            }
                            Some(Err(why)) => return Err(named(why)),
                        };
                        continue;
                    }
                    let Some(header) = HEADERS.iter().find(|header| header.key == key) else {
                        let keys: Vec<&str> = (HEADERS.iter())
                            .filter(|header| header.in_rules)
                            .map(|header| header.key)
                            .collect();
                        return Err(A::Error::custom(format!(
                            "unknown field `{key}`, expected `match` or one of {}, \
                             storage_class, sse, sse_kms_key_id, checksum",
                            keys.join(", ")
                        )));
                    };
                    if let Some(value) = map.next_value::<Option<String>>()? {
                        values.set(header.name, value);
                    }
                }
                let pattern = pattern.ok_or_else(|| A::Error::missing_field("match"))?;
                Ok(HeaderRule {
                    pattern,
                    values,
                    storage,
                })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

impl HeaderRule {
    /// The rule giving the files that match `pattern` these values.
    pub fn new<'a>(
        pattern: impl Into<String>,
        values: impl IntoIterator<Item = (Name, &'a str)>,
    ) -> HeaderRule {
        HeaderRule {
            pattern: pattern.into(),
            values: (values.into_iter())
                .map(|(name, value)| (name, value.to_owned()))
                .collect(),
            storage: Storage::default(),
        }
    }
}

/// `text` as the value of the header `name`, ready to send; or why it
/// cannot be one, in a few words.
pub fn value(name: Name, text: &str) -> Result<Cow<'_, str>, String> {
    // What libsvn could not read as UTF-8 arrives as U+FFFD.
    if text.contains('\u{fffd}') {
        return Err("holds bytes that are not UTF-8".to_owned());
    }
    if let Some(bad) = text.chars().find(|&c| c.is_control() && c != '\t') {
        return Err(format!(
            "holds the control character {}, which HTTP cannot carry",
            bad.escape_unicode()
        ));
    }
    let text = match text.contains('\t') {
        true => Cow::Owned(text.replace('\t', " ")),
        false => Cow::Borrowed(text),
    };
    let text = match (text.is_ascii(), name) {
        (true, _) => text,
        (false, Name::ContentDisposition) => Cow::Owned(disposition(&text)?),
        (false, _) => {
            let bad = text.chars().find(|c| !c.is_ascii()).unwrap_or_default();
            return Err(format!(
                "holds {bad:?}; HTTP header values are ASCII (only a Content-Disposition \
                 file name may be otherwise, written as RFC 8187 says)"
            ));
        }
    };
    if text.len() > MAX_VALUE_BYTES {
        return Err(format!(
            "is {} bytes long; svn2s3 sends header values of at most {MAX_VALUE_BYTES}",
            text.len()
        ));
    }
    if name == Name::Expires {
        check_date(&text)?;
    }
    Ok(text)
}

/// Refuses an `Expires` that is not an HTTP date as RFC 9110 writes it
/// (`Wed, 21 Oct 2026 07:28:00 GMT`), its weekday the date's: stores take
/// it as a time, and refuse or rewrite anything else.
fn check_date(text: &str) -> Result<(), String> {
    use time::macros::format_description;
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let wrong = || "is not an HTTP date, as Wed, 21 Oct 2026 07:28:00 GMT is".to_owned();
    let parsed = time::PrimitiveDateTime::parse(text, &format).map_err(|_| wrong())?;
    let weekday = text.get(..3).unwrap_or_default();
    if !parsed.weekday().to_string().starts_with(weekday) {
        return Err(format!(
            "names the wrong weekday: that date is a {}",
            parsed.weekday()
        ));
    }
    Ok(())
}

/// `text` for a message: at most 80 characters of it.
pub fn shown(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((at, _)) => format!("{:?}... ({} bytes)", &text[..at], text.len()),
        None => format!("{text:?}"),
    }
}

/// A `Content-Disposition` whose `filename` holds characters outside
/// ASCII, as RFC 6266 and RFC 8187 write it: the name percent-encoded in
/// `filename*=UTF-8''...`, and an ASCII `filename=` beside it for clients
/// that read only that one. Anything else outside ASCII cannot be written.
fn disposition(text: &str) -> Result<String, String> {
    let mut parts = Vec::new();
    for (i, part) in split_parameters(text).into_iter().enumerate() {
        let part = part.trim();
        if part.is_ascii() {
            parts.push(part.to_owned());
            continue;
        }
        let filename = part
            .split_once('=')
            .filter(|(name, _)| i > 0 && name.trim().eq_ignore_ascii_case("filename"));
        let Some((_, value)) = filename else {
            return Err(format!(
                "holds {part:?}; only the filename of a Content-Disposition may hold \
                 characters outside ASCII"
            ));
        };
        let value = value.trim();
        let name = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\\\"", "\"").replace("\\\\", "\\"),
            None => value.to_owned(),
        };
        let fallback: String = name
            .chars()
            .map(|c| match c {
                '"' | '\\' => '_',
                c if c.is_ascii() => c,
                _ => '_',
            })
            .collect();
        parts.push(format!("filename=\"{fallback}\""));
        parts.push(format!("filename*=UTF-8''{}", rfc8187(&name)));
    }
    Ok(parts.join("; "))
}

/// The parameters of a header value, split at the semicolons that are not
/// inside a quoted string.
fn split_parameters(text: &str) -> Vec<&str> {
    let (mut parts, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (at, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `text` as RFC 8187's `value-chars`: attr-chars as they are, every other
/// byte of its UTF-8 as `%XX`.
fn rfc8187(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(byte as char),
            b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_header_has_its_own_name_key_and_property() {
        let distinct = |of: fn(&Header) -> &str| {
            let all: std::collections::BTreeSet<&str> = HEADERS.iter().map(of).collect();
            all.len() == HEADERS.len()
        };
        assert!(distinct(|header| header.http));
        assert!(distinct(|header| header.key));
        assert!(distinct(|header| header.property));
        for header in HEADERS {
            assert_eq!(header.name.header().map(|h| h.key), Some(header.key));
            // The property is named as the key, with dashes.
            assert_eq!(
                header.property,
                format!("svn2s3:{}", header.key.replace('_', "-"))
            );
            assert_eq!(header.http, header.http.to_ascii_lowercase());
        }
        assert_eq!(Name::ContentType.property(), "svn:mime-type");
    }

    #[test]
    fn values_are_a_map_of_keys_in_the_tables_order() {
        let values: Values = [
            (Name::Expires, "Wed, 21 Oct 2026 07:28:00 GMT".to_owned()),
            (Name::CacheControl, "no-cache".to_owned()),
        ]
        .into_iter()
        .collect();
        let json = serde_json::to_string(&values).unwrap();
        assert_eq!(
            json,
            r#"{"cache_control":"no-cache","expires":"Wed, 21 Oct 2026 07:28:00 GMT"}"#
        );
    }

    #[test]
    fn a_rule_reads_empty_headers_as_none_numbers_as_text_and_refuses_the_rest() {
        let rule = |yaml: &str| serde_yaml::from_str::<HeaderRule>(yaml).map_err(|e| e.to_string());
        let read = rule("match: '*'\ncache_control: ~\ncontent_language:\n").unwrap();
        assert_eq!(read, HeaderRule::new("*", []));
        let read = rule("match: '*.css'\ncache_control: 300\n").unwrap();
        assert_eq!(
            read,
            HeaderRule::new("*.css", [(Name::CacheControl, "300")])
        );
        let twice = rule("match: '*'\ncache_control: a\ncache_control: b\n").unwrap_err();
        assert!(twice.contains("duplicate field `cache_control`"), "{twice}");
        let unknown = rule("match: '*'\nx_header: 1\n").unwrap_err();
        assert!(
            unknown.contains(
                "unknown field `x_header`, expected `match` or one of cache_control, \
                 content_disposition, content_language"
            ),
            "{unknown}"
        );
        assert!(rule("cache_control: a\n")
            .unwrap_err()
            .contains("missing field `match`"));
        // As the state records it, and back.
        let rule = HeaderRule::new("*", [(Name::Expires, "Wed, 21 Oct 2026 07:28:00 GMT")]);
        let yaml = serde_yaml::to_string(&rule).unwrap();
        assert_eq!(serde_yaml::from_str::<HeaderRule>(&yaml).unwrap(), rule);
    }

    fn ok(name: Name, text: &str) -> String {
        value(name, text).unwrap().into_owned()
    }

    fn refused(name: Name, text: &str) -> String {
        value(name, text).unwrap_err()
    }

    #[test]
    fn plain_values_pass_unchanged_spaces_and_all() {
        assert_eq!(
            ok(Name::CacheControl, "public,  max-age=60"),
            "public,  max-age=60"
        );
        assert_eq!(
            ok(Name::ContentType, "text/html; charset=utf-8"),
            "text/html; charset=utf-8"
        );
        assert!(matches!(
            value(Name::ContentLanguage, "en"),
            Ok(Cow::Borrowed("en"))
        ));
    }

    #[test]
    fn a_tab_is_sent_as_a_space() {
        assert_eq!(
            ok(Name::CacheControl, "public,\tmax-age=60"),
            "public, max-age=60"
        );
    }

    #[test]
    fn control_characters_are_refused_whatever_the_header() {
        for text in [
            "a\r\nX-Evil: 1",
            "a\nb",
            "a\rb",
            "a\0b",
            "a\u{7f}b",
            "a\u{85}b",
        ] {
            for name in [
                Name::ContentType,
                Name::CacheControl,
                Name::ContentDisposition,
            ] {
                let why = refused(name, text);
                assert!(why.contains("control character"), "{text:?}: {why}");
            }
        }
        assert_eq!(
            refused(Name::CacheControl, "a\nb"),
            "holds the control character \\u{a}, which HTTP cannot carry"
        );
    }

    #[test]
    fn characters_outside_ascii_are_refused_but_in_a_file_name() {
        let why = refused(Name::CacheControl, "max-age=60, café");
        assert!(
            why.starts_with("holds 'é'; HTTP header values are ASCII"),
            "{why}"
        );
        assert!(refused(Name::ContentLanguage, "français").contains("ASCII"));
        assert_eq!(
            ok(
                Name::ContentDisposition,
                "attachment; filename=\"café menu.pdf\""
            ),
            "attachment; filename=\"caf_ menu.pdf\"; filename*=UTF-8''caf%C3%A9%20menu.pdf"
        );
        assert_eq!(
            ok(Name::ContentDisposition, "inline;filename=日本.txt"),
            "inline; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt"
        );
        let why = refused(Name::ContentDisposition, "attachmént; filename=a.pdf");
        assert!(why.contains("only the filename"), "{why}");
    }

    #[test]
    fn semicolons_inside_a_quoted_name_do_not_split_it() {
        assert_eq!(
            split_parameters("attachment; filename=\"a;b.pdf\"; size=3"),
            ["attachment", " filename=\"a;b.pdf\"", " size=3"]
        );
    }

    #[test]
    fn expires_is_an_http_date_with_its_weekday() {
        assert!(value(Name::Expires, "Wed, 21 Oct 2026 07:28:00 GMT").is_ok());
        assert!(value(Name::Expires, "Wed,\t21 Oct 2026 07:28:00 GMT").is_ok());
        for text in [
            "0",
            "tomorrow",
            "2026-10-21T07:28:00Z",
            "Wed, 21 Oct 2026 07:28:00",
        ] {
            let why = refused(Name::Expires, text);
            assert!(why.starts_with("is not an HTTP date"), "{text}: {why}");
        }
        let why = refused(Name::Expires, "Thu, 01 Dec 2094 16:00:00 GMT");
        assert_eq!(why, "names the wrong weekday: that date is a Wednesday");
    }

    #[test]
    fn bytes_svn_could_not_read_as_utf8_are_refused() {
        let why = refused(
            Name::ContentDisposition,
            "attachment; filename=\"a\u{fffd}.pdf\"",
        );
        assert_eq!(why, "holds bytes that are not UTF-8");
    }

    #[test]
    fn long_values_are_shown_cut() {
        assert_eq!(shown("short"), "\"short\"");
        let long = "x".repeat(5000);
        assert_eq!(
            shown(&long),
            format!("{:?}... (5000 bytes)", "x".repeat(80))
        );
    }

    #[test]
    fn values_longer_than_s3_takes_are_refused() {
        let long = "a".repeat(MAX_VALUE_BYTES + 1);
        assert!(refused(Name::CacheControl, &long).contains("bytes long"));
        assert!(value(Name::CacheControl, &long[1..]).is_ok());
    }
}

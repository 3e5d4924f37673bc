use super::*;
use crate::header::Name;

#[test]
fn adoption_keeps_only_an_object_with_the_files_bytes_metadata_and_headers() {
    let md5 = "0123456789abcdef0123456789abcdef".to_owned();
    let sent = Fingerprint {
        md5: md5.clone(),
        sent_md5: md5.clone(),
        sent_etag: md5.clone(),
        sent_sum: None,
    };
    let headers = Headers {
        content_type: "text/html".into(),
        content_encoding: None,
        values: Values::default(),
        acl: None,
        storage: Default::default(),
    };
    let stored = Stored {
        md5: Some(md5.clone()),
        etag: Some(md5.clone()),
        content_type: Some("text/html".into()),
        ..Stored::default()
    };
    let decide = |stored: &Stored, headers: &Headers, encoding| {
        adoption(Some(stored), &sent, headers, encoding)
    };
    assert_eq!(decide(&stored, &headers, None), Adopt::Keep);
    // The listing showed other bytes: no HEAD, an upload.
    assert_eq!(adoption(None, &sent, &headers, None), Adopt::Upload);
    let other_bytes = Stored {
        etag: Some("ffffffffffffffffffffffffffffffff".into()),
        ..stored.clone()
    };
    assert_eq!(decide(&other_bytes, &headers, None), Adopt::Upload);
    // A redirect object keeps its redirect through a copy.
    let redirect = Stored {
        redirect: Some("/elsewhere.html".into()),
        ..stored.clone()
    };
    assert_eq!(decide(&redirect, &headers, None), Adopt::Upload);
    // An ACL does not show in a HEAD: it is always set again.
    let acl = Headers {
        acl: Some("public-read".into()),
        ..headers.clone()
    };
    assert_eq!(decide(&stored, &acl, None), Adopt::Rewrite);
    let typed = Headers {
        content_type: "text/plain".into(),
        ..headers.clone()
    };
    assert_eq!(decide(&stored, &typed, None), Adopt::Rewrite);
    // Without the metadata, the ETag tells the bytes of a file, but
    // not that a twin was made from it.
    let bare = Stored {
        md5: None,
        ..stored.clone()
    };
    assert_eq!(decide(&bare, &headers, None), Adopt::Keep);
    let gzip = Headers {
        content_encoding: Some("gzip"),
        ..headers.clone()
    };
    let bare_twin = Stored {
        content_encoding: Some("gzip".into()),
        ..bare
    };
    assert_eq!(
        decide(&bare_twin, &gzip, Some(Encoding::Gzip)),
        Adopt::Rewrite
    );
}

#[test]
fn headers_are_sent_as_http_names_them_the_type_first() {
    let headers = Headers {
        content_type: "text/css".into(),
        content_encoding: Some("gzip"),
        values: Values::from_iter([(Name::CacheControl, "public,  max-age=60".into())]),
        acl: Some("public-read".into()),
        storage: Default::default(),
    };
    assert_eq!(
        header_pairs(&headers),
        [
            ("content-type", "text/css"),
            ("content-encoding", "gzip"),
            ("cache-control", "public,  max-age=60"),
            ("x-amz-acl", "public-read"),
        ]
    );
    let stored_so = Headers {
        storage: crate::plan::Storage {
            storage_class: Some("STANDARD_IA".into()),
            sse: Some("aws:kms".into()),
            sse_kms_key_id: Some("alias/site".into()),
            checksum: None,
        },
        ..headers.clone()
    };
    assert_eq!(
        header_pairs(&stored_so)[4..],
        [
            ("x-amz-storage-class", "STANDARD_IA"),
            ("x-amz-server-side-encryption", "aws:kms"),
            ("x-amz-server-side-encryption-aws-kms-key-id", "alias/site"),
        ]
    );
    // As a HEAD shows it: empty values are none.
    let shown = |name: Name, value: &str| {
        Values::shown(|header| match header.name {
            Name::Expires => Some(" ".into()),
            shown if shown == name => Some(value.into()),
            _ => None,
        })
    };
    let stored = Stored {
        content_type: Some("text/css".into()),
        content_encoding: Some("gzip".into()),
        values: shown(Name::CacheControl, "public,  max-age=60"),
        ..Stored::default()
    };
    assert!(stored.has_headers(&headers));
    let other = Stored {
        values: shown(Name::ContentLanguage, "en"),
        ..stored.clone()
    };
    assert!(!other.has_headers(&headers));
    // The class and encryption count where the settings name them: an
    // absent class is STANDARD; the KMS key shows as an ARN, and is not
    // compared.
    let standard = |storage_class: Option<&str>, sse: Option<&str>| crate::plan::Storage {
        storage_class: storage_class.map(str::to_owned),
        sse: sse.map(str::to_owned),
        sse_kms_key_id: None,
        checksum: None,
    };
    let encrypted = Stored {
        sse: Some("AES256".into()),
        ..stored
    };
    assert!(encrypted.is_stored_as(&standard(None, None)));
    assert!(encrypted.is_stored_as(&standard(Some("STANDARD"), Some("AES256"))));
    assert!(!encrypted.is_stored_as(&standard(Some("STANDARD_IA"), None)));
    assert!(!encrypted.is_stored_as(&standard(None, Some("aws:kms"))));
    let infrequent = Stored {
        storage_class: Some("STANDARD_IA".into()),
        ..encrypted
    };
    assert!(infrequent.is_stored_as(&standard(Some("STANDARD_IA"), Some("AES256"))));
    assert!(!infrequent.is_stored_as(&standard(Some("STANDARD"), None)));
}

//! S3's and CloudFront's XML answers, read with quick-xml's event reader:
//! the text of an element, and the errors of a DeleteObjects answer wherever
//! they stand among its other entries.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::Reader;

/// The text of the first `<tag>` in `xml`, entities decoded; `None` when
/// there is none or `xml` is not XML.
pub fn text(xml: &str, tag: &str) -> Option<String> {
    let mut found = None;
    walk(xml, |node| {
        if let Node::Text(path, text) = node {
            if found.is_none() && path.last().is_some_and(|name| name == tag) {
                found = Some(text.to_owned());
            }
        }
    })
    .ok()?;
    found
}

/// One key a DeleteObjects request did not delete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyError {
    pub key: String,
    pub code: String,
    pub message: String,
}

/// Every `<Error>` of a DeleteObjects answer (`<DeleteResult>`), in order.
pub fn delete_errors(xml: &str) -> Result<Vec<KeyError>, String> {
    let mut errors: Vec<KeyError> = Vec::new();
    walk(xml, |node| match node {
        Node::Open([_, entry]) if entry == "Error" => errors.push(KeyError::default()),
        Node::Text([_, entry, field], text) if entry == "Error" => {
            let error = errors.last_mut().expect("an <Error> is open");
            match field.as_str() {
                "Key" => error.key = text.to_owned(),
                "Code" => error.code = text.to_owned(),
                "Message" => error.message = text.to_owned(),
                _ => {}
            }
        }
        _ => {}
    })?;
    Ok(errors)
}

/// One object of a ListObjectsV2 answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    /// As the answer writes it, quotes and all; `None` where there is none.
    pub etag: Option<String>,
    pub size: u64,
}

/// One page of a ListObjectsV2 answer: its objects, and the token that
/// asks for the next page when the listing goes on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub next: Option<String>,
}

/// A ListObjectsV2 answer (`<ListBucketResult>`). A page that says it is
/// cut (`IsTruncated`) without saying where to go on is an error: read as
/// the end, it would hide objects.
pub fn listing(xml: &str) -> Result<Page, String> {
    let mut page = Page::default();
    let (mut truncated, mut size_error) = (false, None);
    walk(xml, |node| match node {
        Node::Open([_, entry]) if entry == "Contents" => page.entries.push(Entry::default()),
        Node::Text([_, entry, field], text) if entry == "Contents" => {
            let listed = page.entries.last_mut().expect("a <Contents> is open");
            match field.as_str() {
                "Key" => listed.key = text.to_owned(),
                "ETag" => listed.etag = Some(text.to_owned()),
                "Size" => match text.trim().parse() {
                    Ok(size) => listed.size = size,
                    Err(_) => size_error = Some(format!("the size {text:?} is no number")),
                },
                _ => {}
            }
        }
        Node::Text([_, field], text) if field == "IsTruncated" => truncated = text == "true",
        Node::Text([_, field], text) if field == "NextContinuationToken" => {
            page.next = Some(text.to_owned())
        }
        _ => {}
    })?;
    if let Some(error) = size_error {
        return Err(error);
    }
    match (truncated, &page.next) {
        (true, None) => Err("the listing is cut but says not where it goes on".to_owned()),
        (false, _) => Ok(Page { next: None, ..page }),
        (true, Some(_)) => Ok(page),
    }
}

/// One origin of a CloudFront distribution's config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// `bucket.s3.region.amazonaws.com`, a website endpoint, or any host.
    pub domain: String,
    /// `/static`, or empty.
    pub path: String,
}

/// Every origin of a `<DistributionConfig>` (GetDistributionConfig's answer).
pub fn origins(xml: &str) -> Result<Vec<Origin>, String> {
    let mut origins: Vec<Origin> = Vec::new();
    let is_origin =
        |path: &[String]| path.ends_with(&["Origins".into(), "Items".into(), "Origin".into()]);
    walk(xml, |node| match node {
        Node::Open(path) if is_origin(path) => origins.push(Origin::default()),
        Node::Text([path @ .., field], text) if is_origin(path) => {
            let origin = origins.last_mut().expect("an <Origin> is open");
            match field.as_str() {
                "DomainName" => origin.domain = text.to_owned(),
                "OriginPath" => origin.path = text.to_owned(),
                _ => {}
            }
        }
        _ => {}
    })?;
    Ok(origins)
}

/// What [`walk`] meets: an element opening (the names of the open elements,
/// itself last), or the text of the element last opened.
pub(crate) enum Node<'a> {
    Open(&'a [String]),
    Text(&'a [String], &'a str),
}

/// Calls `each` for every element and every text of `xml`, in document order.
pub(crate) fn walk(xml: &str, mut each: impl FnMut(Node)) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    // Whether the element last opened has no element inside it (yet): its
    // text is given even when empty, as `<Key></Key>` or `<Key/>` says "".
    let mut leaf = false;
    let failed = |err: &dyn std::fmt::Display| format!("the answer is not XML: {err}");
    loop {
        match reader.read_event().map_err(|err| failed(&err))? {
            Event::Start(element) => {
                path.push(String::from_utf8_lossy(element.local_name().as_ref()).into_owned());
                each(Node::Open(&path));
                text.clear();
                leaf = true;
            }
            Event::Empty(element) => {
                path.push(String::from_utf8_lossy(element.local_name().as_ref()).into_owned());
                each(Node::Open(&path));
                each(Node::Text(&path, ""));
                path.pop();
                text.clear();
                leaf = false;
            }
            Event::Text(chunk) => text.push_str(&chunk.decode().map_err(|err| failed(&err))?),
            Event::CData(chunk) => text.push_str(&chunk.decode().map_err(|err| failed(&err))?),
            Event::GeneralRef(reference) => {
                match reference.resolve_char_ref().map_err(|err| failed(&err))? {
                    Some(char) => text.push(char),
                    None => {
                        let name = reference.decode().map_err(|err| failed(&err))?;
                        let entity = resolve_predefined_entity(&name)
                            .ok_or_else(|| failed(&format!("unknown entity &{name};")))?;
                        text.push_str(entity);
                    }
                }
            }
            Event::End(_) => {
                if leaf || !text.is_empty() {
                    each(Node::Text(&path, &text));
                    text.clear();
                }
                path.pop();
                leaf = false;
            }
            // A cut-off answer must not read as one that said nothing more.
            Event::Eof if path.is_empty() => return Ok(()),
            Event::Eof => return Err(failed(&format!("it ends inside <{}>", path.join("><")))),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_page_gives_its_objects_and_where_it_goes_on() {
        let page = "<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name>\
            <IsTruncated>true</IsTruncated><Contents><Key>a &amp; b.txt</Key>\
            <ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size></Contents>\
            <Contents><Size>3</Size><Key> c</Key></Contents>\
            <NextContinuationToken>1/x+y=</NextContinuationToken></ListBucketResult>";
        let read = listing(page).unwrap();
        assert_eq!(
            read.entries,
            [
                Entry {
                    key: "a & b.txt".into(),
                    etag: Some("\"d41d8cd98f00b204e9800998ecf8427e\"".into()),
                    size: 0
                },
                Entry {
                    key: " c".into(),
                    etag: None,
                    size: 3
                }
            ]
        );
        assert_eq!(read.next.as_deref(), Some("1/x+y="));
        let last = "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>";
        assert_eq!(listing(last).unwrap(), Page::default());
        let cut = "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>";
        assert!(listing(cut)
            .unwrap_err()
            .contains("says not where it goes on"));
        let bad = "<ListBucketResult><Contents><Size>x</Size></Contents></ListBucketResult>";
        assert!(listing(bad).unwrap_err().contains("is no number"));
    }

    #[test]
    fn the_text_of_an_element_is_decoded() {
        let body = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>\
            <Message>a &amp; b &lt;c&gt; &#233;</Message></Error>";
        assert_eq!(text(body, "Code").as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(text(body, "Message").as_deref(), Some("a & b <c> é"));
        assert_eq!(text(body, "Region"), None);
        assert_eq!(text("not xml at all", "Code"), None);
    }

    #[test]
    fn the_origins_of_a_distribution_config_are_read() {
        let config = r#"<?xml version="1.0"?>
            <DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
              <Origins><Quantity>2</Quantity><Items>
                <Origin><Id>a</Id><DomainName>media.s3.amazonaws.com</DomainName>
                  <OriginPath>/static</OriginPath>
                  <CustomHeaders><Quantity>0</Quantity></CustomHeaders></Origin>
                <Origin><Id>b</Id><DomainName>api.example.com</DomainName><OriginPath/></Origin>
              </Items></Origins>
              <OriginGroups><Quantity>0</Quantity></OriginGroups>
            </DistributionConfig>"#;
        let origin = |domain: &str, path: &str| Origin {
            domain: domain.into(),
            path: path.into(),
        };
        assert_eq!(
            origins(config).unwrap(),
            [
                origin("media.s3.amazonaws.com", "/static"),
                origin("api.example.com", "")
            ]
        );
        assert!(origins("<DistributionConfig><Origins>").is_err());
    }

    #[test]
    fn every_error_of_a_delete_answer_is_read_wherever_it_stands() {
        let answer = r#"<?xml version="1.0" encoding="UTF-8"?>
            <DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Deleted><Key>a.txt</Key></Deleted>
              <Error><Key>b &amp; c.txt</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
              <Deleted><Key>d.txt</Key></Deleted>
              <Error><Code>InternalError</Code><Key>e.txt</Key><Message>try again</Message></Error>
            </DeleteResult>"#;
        let errors = delete_errors(answer).unwrap();
        assert_eq!(
            errors,
            [
                KeyError {
                    key: "b & c.txt".into(),
                    code: "AccessDenied".into(),
                    message: "Access Denied".into()
                },
                KeyError {
                    key: "e.txt".into(),
                    code: "InternalError".into(),
                    message: "try again".into()
                }
            ]
        );
        assert_eq!(delete_errors("<DeleteResult/>").unwrap(), []);
        assert!(delete_errors("<DeleteResult><Error>").is_err());
    }
}

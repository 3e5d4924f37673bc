//! The bucket's website configuration as code (`website:` in
//! svn2s3.yaml): what S3's website endpoint serves for a folder, a missing
//! key and a redirect. A publish reads the bucket's configuration once,
//! and writes it only where it differs from the settings; a bucket whose
//! settings have no `website:` is never asked. Pure: what is read and
//! written is XML, made and read here and unit-tested.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use crate::xml::{walk, Node};

/// The most routing rules S3 keeps for a bucket.
pub const MAX_ROUTING_RULES: usize = 50;

/// A bucket's website configuration, as S3 holds it. With `redirect_all`,
/// nothing else may be set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Website {
    /// The suffix served for a request to a folder (`index.html`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// The key served, with its status, for a key that is not there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every request redirected to this host (`www.example.com`, or
    /// `https://www.example.com` to name the protocol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_all: Option<String>,
    /// Redirects by key prefix or error code, in S3's own terms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_rules: Vec<RoutingRule>,
}

/// One routing rule, named as S3 names its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct RoutingRule {
    /// When it applies; always, without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Where it sends the request.
    pub redirect: Redirect,
}

/// When a routing rule applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct Condition {
    /// Keys that start so (the bucket's keys, prefix and all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_prefix_equals: Option<String>,
    /// Answers of this 4xx or 5xx status.
    #[serde(
        default,
        deserialize_with = "status",
        skip_serializing_if = "Option::is_none"
    )]
    pub http_error_code_returned_equals: Option<String>,
}

/// Where a routing rule sends the request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct Redirect {
    /// To this host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    /// With this 3xx status (S3's default: 301).
    #[serde(
        default,
        deserialize_with = "status",
        skip_serializing_if = "Option::is_none"
    )]
    pub http_redirect_code: Option<String>,
    /// By `http` or `https`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The prefix the condition named replaced with this ("" takes it off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_key_prefix_with: Option<String>,
    /// The whole key replaced with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_key_with: Option<String>,
}

impl Website {
    /// Refuses what S3 would refuse, naming the part that is wrong, before
    /// anything is written.
    pub fn check(&self) -> Result<()> {
        let text = |what: &str, value: &str| -> Result<()> {
            if value.is_empty() || value.chars().any(char::is_control) {
                bail!("{what} {value:?} is empty or holds control characters");
            }
            Ok(())
        };
        if let Some(host) = &self.redirect_all {
            if self.index.is_some() || self.error.is_some() || !self.routing_rules.is_empty() {
                bail!("redirect_all sends every request elsewhere: it takes no index, error or routing_rules");
            }
            let (protocol, name) = split_protocol(host);
            if protocol.is_none() && host.contains("://") || name.contains('/') {
                bail!("redirect_all {host:?} is a host name, or http:// or https:// and one");
            }
            return text("redirect_all", name);
        }
        let Some(index) = &self.index else {
            bail!("index is needed (such as index.html) unless redirect_all is set");
        };
        text("index", index)?;
        if index.contains('/') {
            bail!("index {index:?} is a suffix such as index.html, without /");
        }
        if let Some(error) = &self.error {
            text("error", error)?;
            if error.starts_with('/') {
                bail!("error {error:?} is a path of the published folder, without a leading /");
            }
            if error.split('/').any(|part| matches!(part, "" | "." | "..")) {
                bail!("error {error:?} has an empty, . or .. part; name a file of the published folder");
            }
        }
        if self.routing_rules.len() > MAX_ROUTING_RULES {
            bail!(
                "routing_rules has {} rules; S3 keeps at most {MAX_ROUTING_RULES}",
                self.routing_rules.len()
            );
        }
        for (at, rule) in self.routing_rules.iter().enumerate() {
            let rule_text = |what: &str, value: &Option<String>| match value {
                Some(value) => text(&format!("routing_rules[{at}].{what}"), value),
                None => Ok(()),
            };
            let redirect = &rule.redirect;
            if let Some(condition) = &rule.condition {
                if condition == &Condition::default() {
                    bail!("routing_rules[{at}].Condition names neither KeyPrefixEquals nor HttpErrorCodeReturnedEquals");
                }
                rule_text("Condition.KeyPrefixEquals", &condition.key_prefix_equals)?;
                if let Some(code) = &condition.http_error_code_returned_equals {
                    if !matches!(code.parse::<u16>(), Ok(400..=599)) {
                        bail!("routing_rules[{at}].Condition.HttpErrorCodeReturnedEquals {code:?} is not a 4xx or 5xx status");
                    }
                }
            }
            if redirect == &Redirect::default() {
                bail!("routing_rules[{at}].Redirect says nothing of where to go");
            }
            if redirect.replace_key_prefix_with.is_some() && redirect.replace_key_with.is_some() {
                bail!("routing_rules[{at}].Redirect has both ReplaceKeyPrefixWith and ReplaceKeyWith; S3 takes one");
            }
            rule_text("Redirect.HostName", &redirect.host_name)?;
            if let Some(protocol) = &redirect.protocol {
                if protocol != "http" && protocol != "https" {
                    bail!(
                        "routing_rules[{at}].Redirect.Protocol {protocol:?} is not http or https"
                    );
                }
            }
            if let Some(code) = &redirect.http_redirect_code {
                if !matches!(code.parse::<u16>(), Ok(300..=399)) {
                    bail!("routing_rules[{at}].Redirect.HttpRedirectCode {code:?} is not a 3xx status");
                }
            }
            for (what, value) in [
                (
                    "Redirect.ReplaceKeyPrefixWith",
                    &redirect.replace_key_prefix_with,
                ),
                ("Redirect.ReplaceKeyWith", &redirect.replace_key_with),
            ] {
                if value
                    .as_ref()
                    .is_some_and(|v| v.chars().any(char::is_control))
                {
                    bail!("routing_rules[{at}].{what} holds control characters");
                }
            }
        }
        Ok(())
    }

    /// The request body of PutBucketWebsite.
    pub fn to_xml(&self) -> String {
        let mut xml = String::from(
            r#"<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#,
        );
        // In the order of S3's API reference, as the SDKs send them.
        if let Some(error) = &self.error {
            xml.push_str("<ErrorDocument>");
            element(&mut xml, "Key", Some(error));
            xml.push_str("</ErrorDocument>");
        }
        if let Some(index) = &self.index {
            xml.push_str("<IndexDocument>");
            element(&mut xml, "Suffix", Some(index));
            xml.push_str("</IndexDocument>");
        }
        if let Some(host) = &self.redirect_all {
            let (protocol, name) = split_protocol(host);
            xml.push_str("<RedirectAllRequestsTo>");
            element(&mut xml, "HostName", Some(name));
            element(&mut xml, "Protocol", protocol);
            xml.push_str("</RedirectAllRequestsTo>");
        }
        if !self.routing_rules.is_empty() {
            xml.push_str("<RoutingRules>");
            for rule in &self.routing_rules {
                xml.push_str("<RoutingRule>");
                if let Some(condition) = &rule.condition {
                    xml.push_str("<Condition>");
                    for (name, value) in [
                        (
                            "HttpErrorCodeReturnedEquals",
                            &condition.http_error_code_returned_equals,
                        ),
                        ("KeyPrefixEquals", &condition.key_prefix_equals),
                    ] {
                        element(&mut xml, name, value.as_deref());
                    }
                    xml.push_str("</Condition>");
                }
                xml.push_str("<Redirect>");
                let redirect = &rule.redirect;
                for (name, value) in [
                    ("HostName", &redirect.host_name),
                    ("HttpRedirectCode", &redirect.http_redirect_code),
                    ("Protocol", &redirect.protocol),
                    ("ReplaceKeyPrefixWith", &redirect.replace_key_prefix_with),
                    ("ReplaceKeyWith", &redirect.replace_key_with),
                ] {
                    element(&mut xml, name, value.as_deref());
                }
                xml.push_str("</Redirect></RoutingRule>");
            }
            xml.push_str("</RoutingRules>");
        }
        xml.push_str("</WebsiteConfiguration>");
        xml
    }
}

impl Website {
    /// The configuration in a GetBucketWebsite answer.
    pub fn from_xml(xml: &str) -> Result<Website, String> {
        let mut website = Website::default();
        let mut protocol = None;
        walk(xml, |node| match node {
            Node::Open([.., rules, rule]) if rules == "RoutingRules" && rule == "RoutingRule" => {
                website.routing_rules.push(RoutingRule::default())
            }
            Node::Text([.., parent, field], text) => {
                let text = Some(text.to_owned());
                let rule = website.routing_rules.last_mut();
                match (parent.as_str(), field.as_str(), rule) {
                    ("RedirectAllRequestsTo", "HostName", _) => website.redirect_all = text,
                    ("RedirectAllRequestsTo", "Protocol", _) => protocol = text,
                    ("IndexDocument", "Suffix", _) => website.index = text,
                    ("ErrorDocument", "Key", _) => website.error = text,
                    ("Condition", field, Some(rule)) => {
                        let condition = rule.condition.get_or_insert_with(Condition::default);
                        match field {
                            "KeyPrefixEquals" => condition.key_prefix_equals = text,
                            "HttpErrorCodeReturnedEquals" => {
                                condition.http_error_code_returned_equals = text
                            }
                            _ => {}
                        }
                    }
                    ("Redirect", field, Some(rule)) => {
                        let redirect = &mut rule.redirect;
                        match field {
                            "HostName" => redirect.host_name = text,
                            "HttpRedirectCode" => redirect.http_redirect_code = text,
                            "Protocol" => redirect.protocol = text,
                            "ReplaceKeyPrefixWith" => redirect.replace_key_prefix_with = text,
                            "ReplaceKeyWith" => redirect.replace_key_with = text,
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        })?;
        if let (Some(host), Some(protocol)) = (&mut website.redirect_all, protocol) {
            *host = format!("{protocol}://{host}");
        }
        Ok(website)
    }
}

/// What `wanted` changes of `current` (the bucket's configuration, `None`
/// where it has none), a line per part; none where they are the same.
pub fn differences(current: Option<&Website>, wanted: &Website) -> Vec<String> {
    let none = Website::default();
    let current = current.unwrap_or(&none);
    let shown = |value: &Option<String>| match value {
        Some(value) => format!("{value:?}"),
        None => "none".to_owned(),
    };
    let mut changes = Vec::new();
    for (name, from, to) in [
        ("index", &current.index, &wanted.index),
        ("error", &current.error, &wanted.error),
        ("redirect_all", &current.redirect_all, &wanted.redirect_all),
    ] {
        if from != to {
            changes.push(format!("{name} {} -> {}", shown(from), shown(to)));
        }
    }
    let (before, after) = (&current.routing_rules, &wanted.routing_rules);
    if before.len() != after.len() {
        let rules = |rules: &[RoutingRule]| crate::report::counted(rules.len(), "rule");
        changes.push(format!(
            "routing_rules {} -> {}",
            rules(before),
            rules(after)
        ));
    } else {
        let differ = before
            .iter()
            .zip(after)
            .enumerate()
            .filter(|(_, (a, b))| a != b);
        changes.extend(differ.map(|(at, _)| format!("routing_rules[{at}] differs")));
    }
    changes
}

/// `<name>value</name>`, escaped, when there is a value.
fn element(xml: &mut String, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        let value = quick_xml::escape::escape(value);
        xml.push_str(&format!("<{name}>{value}</{name}>"));
    }
}

/// An HTTP status as YAML gives it, `301` or `"301"`.
fn status<'de, D: serde::Deserializer<'de>>(from: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Status {
        Text(String),
        Number(u64),
    }
    Ok(
        Option::<Status>::deserialize(from)?.map(|status| match status {
            Status::Text(text) => text,
            Status::Number(number) => number.to_string(),
        }),
    )
}

/// `https://host` as its protocol and host; a bare host has no protocol.
fn split_protocol(host: &str) -> (Option<&str>, &str) {
    for protocol in ["http", "https"] {
        if let Some(name) = host
            .strip_prefix(protocol)
            .and_then(|rest| rest.strip_prefix("://"))
        {
            return (Some(protocol), name);
        }
    }
    (None, host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Website {
        Website {
            index: Some("index.html".into()),
            error: Some("site/404.html".into()),
            redirect_all: None,
            routing_rules: vec![
                RoutingRule {
                    condition: Some(Condition {
                        key_prefix_equals: Some("docs/<old>&".into()),
                        ..Condition::default()
                    }),
                    redirect: Redirect {
                        replace_key_prefix_with: Some("documents/".into()),
                        http_redirect_code: Some("301".into()),
                        ..Redirect::default()
                    },
                },
                RoutingRule {
                    condition: Some(Condition {
                        http_error_code_returned_equals: Some("404".into()),
                        ..Condition::default()
                    }),
                    redirect: Redirect {
                        host_name: Some("old.example.com".into()),
                        protocol: Some("https".into()),
                        ..Redirect::default()
                    },
                },
            ],
        }
    }

    #[test]
    fn a_configuration_written_reads_back_the_same() {
        for website in [
            site(),
            Website {
                index: Some("index.htm".into()),
                ..Website::default()
            },
            Website {
                redirect_all: Some("https://www.example.com".into()),
                ..Website::default()
            },
            Website {
                redirect_all: Some("example.org".into()),
                ..Website::default()
            },
            Website {
                index: Some("index.html".into()),
                routing_rules: vec![RoutingRule {
                    condition: Some(Condition {
                        key_prefix_equals: Some("old/".into()),
                        ..Condition::default()
                    }),
                    // Takes the prefix off: "" is said, not left out.
                    redirect: Redirect {
                        replace_key_prefix_with: Some(String::new()),
                        ..Redirect::default()
                    },
                }],
                ..Website::default()
            },
        ] {
            website.check().unwrap();
            let xml = website.to_xml();
            assert_eq!(Website::from_xml(&xml), Ok(website), "{xml}");
        }
        assert!(site()
            .to_xml()
            .contains("<KeyPrefixEquals>docs/&lt;old&gt;&amp;</KeyPrefixEquals>"));
        assert!(Website::from_xml("<WebsiteConfiguration><Index").is_err());
        let empty = "<WebsiteConfiguration><IndexDocument><Suffix>i</Suffix></IndexDocument>\
            <RoutingRules><RoutingRule><Redirect><ReplaceKeyPrefixWith/></Redirect></RoutingRule>\
            </RoutingRules></WebsiteConfiguration>";
        let read = Website::from_xml(empty).unwrap();
        assert_eq!(
            read.routing_rules[0]
                .redirect
                .replace_key_prefix_with
                .as_deref(),
            Some("")
        );
        let yaml = "index: i\nrouting_rules:\n- Redirect: {HttpRedirectCode: 302, HostName: h}\n";
        let website: Website = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(
            website.routing_rules[0]
                .redirect
                .http_redirect_code
                .as_deref(),
            Some("302")
        );
    }

    #[test]
    fn what_s3_would_refuse_is_refused_naming_the_part() {
        let refused = |website: Website, says: &str| {
            let err = website.check().unwrap_err().to_string();
            assert!(err.contains(says), "{says}: {err}");
        };
        refused(Website::default(), "index is needed");
        let with = |change: &dyn Fn(&mut Website)| {
            let mut website = site();
            change(&mut website);
            website
        };
        refused(
            with(&|w| w.index = Some("a/index.html".into())),
            "without /",
        );
        refused(
            with(&|w| w.index = Some(String::new())),
            "index \"\" is empty",
        );
        refused(
            with(&|w| w.error = Some("a\nb".into())),
            "control characters",
        );
        refused(
            with(&|w| w.error = Some("/404.html".into())),
            "without a leading /",
        );
        refused(
            with(&|w| w.error = Some("../404.html".into())),
            ". or .. part",
        );
        refused(
            with(&|w| w.redirect_all = Some("www.example.com".into())),
            "takes no index",
        );
        refused(
            Website {
                redirect_all: Some("ftp://example.com".into()),
                ..Website::default()
            },
            "is a host name",
        );
        refused(
            with(&|w| w.routing_rules[0].redirect.replace_key_with = Some("x".into())),
            "routing_rules[0].Redirect has both",
        );
        refused(
            with(&|w| w.routing_rules[1].redirect.protocol = Some("ftp".into())),
            "routing_rules[1].Redirect.Protocol",
        );
        refused(
            with(&|w| w.routing_rules[0].redirect.http_redirect_code = Some("200".into())),
            "not a 3xx status",
        );
        refused(
            with(&|w| w.routing_rules[0].condition = Some(Condition::default())),
            "names neither",
        );
        refused(
            with(&|w| w.routing_rules[1].redirect = Redirect::default()),
            "says nothing of where to go",
        );
        refused(
            with(&|w| w.routing_rules = vec![w.routing_rules[0].clone(); 51]),
            "at most 50",
        );
    }

    #[test]
    fn the_differences_name_each_part_that_changes() {
        let wanted = site();
        assert!(differences(Some(&wanted), &wanted).is_empty());
        assert_eq!(
            differences(None, &wanted),
            [
                "index none -> \"index.html\"",
                "error none -> \"site/404.html\"",
                "routing_rules 0 rules -> 2 rules"
            ]
        );
        let older = Website {
            index: Some("index.htm".into()),
            ..wanted.clone()
        };
        assert_eq!(
            differences(Some(&older), &wanted),
            ["index \"index.htm\" -> \"index.html\""]
        );
        let mut other = wanted.clone();
        other.routing_rules[1].redirect.protocol = Some("http".into());
        assert_eq!(
            differences(Some(&other), &wanted),
            ["routing_rules[1] differs"]
        );
    }
}

//! What a file becomes under the rules: its keys, headers and twins, or
//! a redirect, each checked.

use super::*;

/// The objects `file` becomes under `rules`: itself and its twins, or a
/// redirect (a file with `svn2s3:redirect`, or a symbolic link inside the
/// tree), or nothing. Every header value is checked here, and every key.
pub(crate) fn objects(file: &File, rules: &Rules) -> Result<Objects, PlanError> {
    if rules.exclude.is_match(&file.path) {
        return Ok(Objects::Excluded);
    }
    let key = key(rules, &file.path)?;
    if let Some((source, encoding)) = twin_of(&file.path, rules) {
        return Err(PlanError::TwinNamed {
            path: file.path.clone(),
            twin_of: source,
            encoding,
        });
    }
    let redirect = match redirect_of(file, rules)? {
        Redirect::Not => None,
        Redirect::To(target, written, by) => Some((target, written, by)),
        Redirect::Skip(why) => return Ok(Objects::Skipped(why)),
    };
    let headers = headers_for(file, rules)?;
    if let Some((target, written, by)) = redirect {
        return Ok(Objects::Redirect(Box::new(Link {
            path: file.path.clone(),
            key,
            headers,
            target,
            written,
            by,
        })));
    }
    let mut uploads = Vec::new();
    for encoding in rules.twins(&file.path) {
        uploads.push(Upload {
            key: self::key(rules, &encoding.twin_path(&file.path))?,
            content: Content::File {
                local: file.local.clone(),
                encoding: Some(encoding),
            },
            headers: Headers {
                content_encoding: Some(encoding.content_encoding()),
                ..headers.clone()
            },
        });
    }
    uploads.push(Upload {
        key,
        content: Content::File {
            local: file.local.clone(),
            encoding: None,
        },
        headers,
    });
    Ok(Objects::Written(uploads))
}

/// The headers of the redirect left at the key of `path`, a file that
/// moved away: the rules', as for a file with no properties.
pub(crate) fn moved_headers(path: &str, rules: &Rules) -> Result<Headers, PlanError> {
    let file = File {
        path: path.to_owned(),
        ..File::default()
    };
    headers_for(&file, rules)
}

/// The keys a file at `path` may have had under `rules`: itself and every
/// twin. None for a path svn2s3 never writes (excluded, or in a state
/// folder), whose keys are never its to delete.
pub(crate) fn keys_of(path: &str, rules: &Rules) -> Result<Vec<String>, PlanError> {
    if rules.exclude.is_match(path) || is_reserved(path) {
        return Ok(Vec::new());
    }
    let mut keys = vec![key(rules, path)?];
    for encoding in rules.twins(path) {
        keys.push(key(rules, &encoding.twin_path(path))?);
    }
    Ok(keys)
}

/// The file, and the encoding, of which a file at `path` would be the
/// twin, when the rules give that file such a twin. A file of the tree may
/// not be named so (`site.gz.css` where `*.css` files get gzip twins):
/// whether the file it would be the twin of exists or not, in this change
/// or another, the keys of the two could not be told apart.
pub(crate) fn twin_of(path: &str, rules: &Rules) -> Option<(String, Encoding)> {
    let name_at = path.rfind('/').map_or(0, |slash| slash + 1);
    let (folder, name) = path.split_at(name_at);
    for encoding in [Encoding::Gzip, Encoding::Brotli] {
        let mark = encoding.mark();
        // The mark goes before the last extension, or after a name without one.
        let before_extension = name.rfind('.').and_then(|dot| {
            let (head, extension) = name.split_at(dot);
            Some(format!("{}{extension}", head.strip_suffix(mark)?))
        });
        let appended = name.strip_suffix(mark).map(str::to_owned);
        for source in before_extension.into_iter().chain(appended) {
            let source = format!("{folder}{source}");
            if !source.ends_with('/')
                && encoding.twin_path(&source) == path
                && rules.twins(&source).contains(&encoding)
            {
                return Some((source, encoding));
            }
        }
    }
    None
}

/// Whether a file's object is a redirect.
enum Redirect {
    Not,
    /// Where it leads, and that as written.
    To(Target, String, By),
    Skip(&'static str),
}

/// The redirect `file` publishes as, from its `svn2s3:redirect` property,
/// else from where its symbolic link points: where it leads, as written.
fn redirect_of(file: &File, rules: &Rules) -> Result<Redirect, PlanError> {
    let property = file
        .props
        .get(props::REDIRECT)
        .or_else(|| rules.inherited.get(props::REDIRECT))
        .map(|value| value.trim())
        .filter(|value| !value.is_empty());
    if let Some(value) = property {
        let bad = |why: &str| PlanError::BadRedirect {
            path: file.path.clone(),
            value: value.to_owned(),
            why: why.to_owned(),
        };
        if value.chars().any(char::is_control) {
            return Err(bad("holds control characters"));
        }
        if value.contains('\u{fffd}') {
            return Err(bad("holds bytes that are not UTF-8"));
        }
        let url = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"));
        let target = if let Some(rest) = url {
            if value.chars().any(|c| c.is_whitespace() || !c.is_ascii()) {
                return Err(bad(
                    "is not a URL: it holds spaces or characters outside ASCII",
                ));
            }
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if host.contains('@') {
                return Err(bad(
                    "holds a user name or password, which the redirect would show to everyone",
                ));
            }
            let fit = |c: char| c.is_ascii_alphanumeric() || "._-:[]".contains(c);
            if host.is_empty() {
                return Err(bad("is not a URL: it names no host"));
            }
            if !host.chars().all(fit) {
                return Err(bad(
                    "is not a URL: its host holds characters no host name has",
                ));
            }
            Target::Url(value.to_owned())
        } else {
            let path = match value.strip_prefix('/') {
                Some(from_root) => resolve("", from_root),
                None => resolve(folder_of(&file.path), value),
            };
            let (path, folder) = path.ok_or_else(|| bad("leads outside the published folder"))?;
            Target::Path { path, folder }
        };
        if location_of(&target, &rules.prefix).len() > MAX_LOCATION_BYTES {
            return Err(bad("is longer than the 2 KB S3 allows"));
        }
        return Ok(Redirect::To(target, value.to_owned(), By::Property));
    }
    let Some(link) = &file.link else {
        return Ok(Redirect::Not);
    };
    if !rules.redirects {
        return Ok(Redirect::Skip(
            "a symbolic link (svn:special), published as a redirect only with `redirects: true`",
        ));
    }
    match resolve(folder_of(&file.path), link).filter(|_| !link.starts_with('/')) {
        Some((path, folder)) => {
            let target = Target::Path { path, folder };
            if location_of(&target, &rules.prefix).len() > MAX_LOCATION_BYTES {
                return Ok(Redirect::Skip("a symbolic link longer than S3 allows"));
            }
            Ok(Redirect::To(target, link.clone(), By::Symlink))
        }
        None => Ok(Redirect::Skip(
            "a symbolic link to outside the published folder",
        )),
    }
}

/// S3 keeps at most this much of `x-amz-website-redirect-location`.
const MAX_LOCATION_BYTES: usize = 2048;

/// The folder of a `/`-separated path, "" at the root.
pub(crate) fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// `relative` (which may hold `.` and `..`) from the folder `base`, as a
/// path from the published folder's root, and whether it was written as a
/// folder (with a trailing `/`); `None` when it climbs out.
fn resolve(base: &str, relative: &str) -> Option<(String, bool)> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            name => parts.push(name),
        }
    }
    let folder = relative.ends_with('/') || relative.ends_with("/.") || relative == ".";
    Some((parts.join("/"), folder || parts.is_empty()))
}

/// Where a redirect to `target` sends a browser, the keys under `prefix`.
pub(crate) fn location_of(target: &Target, prefix: &str) -> String {
    match target {
        Target::Url(url) => url.clone(),
        Target::Path { path, folder } => location(prefix, path, *folder),
    }
}

/// The redirect location of the key of `path` under `prefix`: `/` then the
/// key, percent-encoded but for its slashes; a folder ends in `/`.
pub(crate) fn location(prefix: &str, path: &str, folder: bool) -> String {
    let mut location = String::from("/");
    for byte in format!("{prefix}{path}").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                location.push(byte as char)
            }
            _ => location.push_str(&format!("%{byte:02X}")),
        }
    }
    if folder && !location.ends_with('/') {
        location.push('/');
    }
    location
}

/// True when `key` and an uploaded key cannot both exist as a file and a
/// folder of the same name (`a` and `a/b`), so `key` must go first.
pub(super) fn blocks_upload(key: &str, uploaded: &BTreeSet<&str>) -> bool {
    let folder = format!("{key}/");
    let under = uploaded
        .range(folder.as_str()..)
        .next()
        .is_some_and(|k| k.starts_with(&folder));
    let above = key
        .match_indices('/')
        .any(|(at, _)| uploaded.contains(&key[..at]));
    under || above
}

/// Whether `path` is, or is inside, a folder named as svn2s3's state
/// folders are: no file of the tree is written there, at any depth, so
/// that no file of a tree looks like (or replaces) a publish's state.
pub(crate) fn is_reserved(path: &str) -> bool {
    path.split('/').any(|part| part == STATE_FOLDER)
}

/// The object key of a path: the prefix, then the path.
pub(crate) fn key(rules: &Rules, path: &str) -> Result<String, PlanError> {
    if is_reserved(path) {
        let parts: Vec<&str> = path.split('/').collect();
        let at = parts.iter().position(|part| *part == STATE_FOLDER);
        let pattern = match at {
            Some(at) if at + 1 < parts.len() => format!("{}/**", parts[..=at].join("/")),
            _ => path.to_owned(),
        };
        return Err(PlanError::Reserved {
            path: path.to_owned(),
            pattern,
        });
    }
    let key = format!("{}{}", rules.prefix, path);
    if key.len() > MAX_KEY_BYTES {
        return Err(PlanError::KeyTooLong {
            bytes: key.len(),
            key,
        });
    }
    Ok(key)
}

/// What `svn add` sets as `svn:mime-type` on every file it finds binary: a
/// marker, not a choice, so the extension says more.
const SVN_BINARY: &str = "application/octet-stream";

/// The headers of `file`'s object, every value checked (see [`header`]):
/// its svn properties (its own, a folder's, or one from above the
/// published folder) over the first header rule that matches it.
fn headers_for(file: &File, rules: &Rules) -> Result<Headers, PlanError> {
    // `given_by`: the property, or the header rule, the value came from.
    let checked = |name: Name, given_by: &str, value: String| match header::value(name, &value) {
        Ok(sent) => Ok(sent.into_owned()),
        Err(why) => Err(PlanError::BadHeader {
            path: file.path.clone(),
            given_by: given_by.to_owned(),
            value,
            why,
        }),
    };
    let content_type = match file.mime_type.as_deref().map(str::trim) {
        Some(mime) if mime != SVN_BINARY && !mime.is_empty() => {
            checked(Name::ContentType, "svn:mime-type", mime.to_owned())?
        }
        _ => mime_guess::from_path(&file.path)
            .first_raw()
            .unwrap_or("application/octet-stream")
            .to_owned(),
    };
    let rule = rules.headers.first_match(&file.path);
    let mut values = header::Values::default();
    for header in HEADERS {
        // A property beats the rule; an empty one takes the header away.
        let property = header.property;
        let given = (file.props.get(property)).or_else(|| rules.inherited.get(property));
        let (value, given_by) = match given {
            Some(value) => (
                Some(value.trim()).filter(|value| !value.is_empty()),
                property,
            ),
            None => (
                rule.and_then(|rule| rule.values.get(header.name)),
                "the header rule",
            ),
        };
        if let Some(value) = value {
            values.set(
                header.name,
                checked(header.name, given_by, value.to_owned())?,
            );
        }
    }
    Ok(Headers {
        content_type,
        content_encoding: None,
        values,
        acl: rules.acl.clone(),
        storage: rule.map_or_else(
            || rules.storage.clone(),
            |rule| rule.storage.over(&rules.storage),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where `path`'s `svn2s3:redirect` of `value` leads, or why it cannot.
    fn leads(path: &str, value: &str) -> Result<Target, String> {
        let file = File {
            props: Props::from([(props::REDIRECT.to_owned(), value.to_owned())]),
            ..File::at(path)
        };
        match redirect_of(&file, &Rules::new("p/")) {
            Ok(Redirect::To(target, written, By::Property)) => {
                assert_eq!(written, value.trim());
                Ok(target)
            }
            Ok(_) => panic!("{value:?} is no redirect"),
            Err(err) => Err(err.to_string()),
        }
    }

    fn path(path: &str, folder: bool) -> Target {
        Target::Path {
            path: path.into(),
            folder,
        }
    }

    #[test]
    fn a_redirect_property_is_resolved_from_its_files_folder_spaces_and_all() {
        assert_eq!(
            leads("x/y.html", "../docs/a b.html"),
            Ok(path("docs/a b.html", false))
        );
        assert_eq!(leads("x/y.html", " /docs/ "), Ok(path("docs", true)));
        assert_eq!(leads("x/y.html", "./z/../w/."), Ok(path("x/w", true)));
        assert_eq!(
            location_of(&path("docs/a b.html", false), "p/"),
            "/p/docs/a%20b.html"
        );
        let url = "https://example.com/a?b#c";
        assert_eq!(leads("y.html", url), Ok(Target::Url(url.into())));
    }

    #[test]
    fn a_redirect_property_that_no_location_can_carry_is_refused() {
        let refused = |value: &str, why: &str| {
            let err = leads("x/y.html", value).unwrap_err();
            assert!(err.contains(why), "{value:?}: {err}");
        };
        refused("../../z.html", "leads outside the published folder");
        refused(
            "https://example.com/a b",
            "holds spaces or characters outside ASCII",
        );
        refused(
            "https://user:pw@example.com/",
            "holds a user name or password",
        );
        refused("https://", "names no host");
        refused("https://exa mple.com", "holds spaces");
        refused(
            "https://ex%61mple.com/",
            "its host holds characters no host name has",
        );
        refused("/a\tb", "holds control characters");
        refused(
            &format!("/{}", "a".repeat(2046)),
            "is longer than the 2 KB S3 allows",
        );
        // 2,048 bytes with the prefix and the slash: the most S3 keeps.
        assert!(leads("y.html", &"a".repeat(2045)).is_ok());
    }

    #[test]
    fn paths_climb_and_stay_inside_the_published_folder() {
        assert_eq!(resolve("a/b", "./c/../d/"), Some(("a/b/d".into(), true)));
        assert_eq!(resolve("", "."), Some((String::new(), true)));
        assert_eq!(resolve("a", ".."), Some((String::new(), true)));
        assert_eq!(resolve("a", "../.."), None);
        assert_eq!(resolve("", "a//b"), Some(("a/b".into(), false)));
    }
}

//! Secrets kept out of what svn2s3 says. An endpoint or a repository URL
//! may carry a user and a password (`https://user:secret@host/`); every
//! message, log line and report names such a URL with its user info
//! replaced by `***`.

use std::borrow::Cow;

/// `text` with the user info of every URL in it replaced by `***`.
///
/// ```text
/// "reading https://alice:s3cret@svn.example.com/repo" -> "reading https://***@svn.example.com/repo"
/// ```
pub(crate) fn urls(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends where the path, query or fragment begins,
        // where the text around the URL resumes, or where the next URL's
        // scheme does; a password may hold spaces, and the last `@` before
        // that end ends the user info.
        let stop = after
            .find(['/', '?', '#', '"', '\'', '<', '>', '`', '\n'])
            .unwrap_or(after.len());
        let next = after.find("://").map_or(after.len(), |scheme_end| {
            let scheme = after[..scheme_end]
                .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || "+-.".contains(c));
            scheme.len()
        });
        let end = stop.min(next);
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(user_end) => {
                out.push_str("***");
                out.push_str(&authority[user_end..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_goes_and_the_rest_stays() {
        assert_eq!(
            urls("s3://media at http://user:PASSWORD@127.0.0.1:9000: refused"),
            "s3://media at http://***@127.0.0.1:9000: refused"
        );
        assert_eq!(
            urls("reading 'svn://alice:p@ss:w@rd@host/repo/a@b.txt' failed"),
            "reading 'svn://***@host/repo/a@b.txt' failed"
        );
        assert_eq!(
            urls("\"https://token@github.example\" and https://x.org/a@b"),
            "\"https://***@github.example\" and https://x.org/a@b"
        );
        assert!(matches!(urls("no secrets at all"), Cow::Borrowed(_)));
        assert_eq!(urls("mail alice@example.com"), "mail alice@example.com");
        assert_eq!(
            urls("at http://u:CFG PASS@127.0.0.1:9: refused"),
            "at http://***@127.0.0.1:9: refused"
        );
    }
}

//! Media references in a post's text, both ways. Going out, every reference to one of this
//! site's uploads (`https://site/uploads/NAME` or `/uploads/NAME`) becomes the archive's
//! relative `uploads/NAME`, so that the archive's pages open from disk; coming in, every
//! reference that names a file the archive holds (`uploads/…`, `./uploads/…`, `/uploads/…`, or
//! any site's `https://host/uploads/…`) becomes the address the imported copy has here.

/// Characters a media file name may have (Porch's names are a hash, a width and an extension).
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

/// Characters of a path under `uploads/` in another service's archive.
fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~' | '%' | '/' | '+')
}

/// What may stand before a root-relative reference: the start of an attribute value, a
/// Markdown link's parenthesis, white space.
fn opens_reference(c: char) -> bool {
    matches!(c, '(' | '"' | '\'' | '=' | '<' | '[' | ',') || c.is_whitespace()
}

/// `text` with this site's upload references made relative to the archive, and the names of
/// the files they point at (each once, in order). `base` is the site's origin with no trailing
/// slash; `known` says whether a name is one of the site's media files.
pub fn to_archive(text: &str, base: &str, known: impl Fn(&str) -> bool) -> (String, Vec<String>) {
    const MARK: &str = "/uploads/";
    let mut out = String::with_capacity(text.len());
    let mut names = Vec::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find(MARK) {
        let at = from + found;
        let name_start = at + MARK.len();
        let name_len = text[name_start..]
            .find(|c: char| !name_char(c))
            .unwrap_or(text.len() - name_start);
        let name = &text[name_start..name_start + name_len];
        from = name_start;
        let before = &text[..at];
        let start = if !base.is_empty() && before.ends_with(base) {
            Some(at - base.len())
        } else if before.chars().next_back().is_none_or(opens_reference) {
            Some(at)
        } else {
            None
        };
        let Some(start) = start.filter(|_| !name.is_empty() && known(name)) else {
            continue;
        };
        if start < copied {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str("uploads/");
        out.push_str(name);
        copied = name_start + name_len;
        from = copied;
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    out.push_str(&text[copied..]);
    (out, names)
}

/// `text` with every reference to a file of the archive replaced by what `place` answers for
/// the file's path in the archive (`uploads/…`): its address here, or None to leave the
/// reference as it is.
pub fn from_archive(text: &str, mut place: impl FnMut(&str) -> Option<String>) -> String {
    const MARK: &str = "uploads/";
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find(MARK) {
        let at = from + found;
        let path_start = at + MARK.len();
        let path_len = text[path_start..]
            .find(|c: char| !path_char(c))
            .unwrap_or(text.len() - path_start);
        from = path_start;
        let Some(start) = reference_start(text, at) else {
            continue;
        };
        if start < copied || path_len == 0 {
            continue;
        }
        let entry = &text[at..path_start + path_len];
        let Some(new) = place(entry) else {
            continue;
        };
        out.push_str(&text[copied..start]);
        out.push_str(&new);
        copied = path_start + path_len;
        from = copied;
    }
    out.push_str(&text[copied..]);
    out
}

/// Where a reference whose `uploads/` begins at `at` starts: at `uploads/` itself (relative),
/// at `./`, at a leading `/`, or at the scheme of `https://host/`; None when `uploads/` is part
/// of a longer name.
fn reference_start(text: &str, at: usize) -> Option<usize> {
    let before = &text[..at];
    if before.ends_with("./") && !before.ends_with("../") {
        return Some(at - 2);
    }
    if !before.ends_with('/') {
        return before
            .chars()
            .next_back()
            .is_none_or(opens_reference)
            .then_some(at);
    }
    let slash = at - 1;
    let host_start = before[..slash]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '@')))
        .map_or(0, |i| i + 1);
    let host = &before[host_start..slash];
    let scheme_end = before[..host_start].strip_suffix("//");
    match scheme_end {
        Some(head) if !host.is_empty() => {
            let head = head.strip_suffix(':')?;
            let scheme_start = head
                .rfind(|c: char| !c.is_ascii_alphabetic())
                .map_or(0, |i| i + 1);
            (scheme_start < head.len()).then_some(scheme_start)
        }
        // `/uploads/…`: root-relative, when it is not the tail of a longer path.
        _ if host.is_empty() => before[..slash]
            .chars()
            .next_back()
            .is_none_or(opens_reference)
            .then_some(slash),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn the_sites_own_uploads_become_relative_and_nothing_else_does() {
        let text = format!(
            "![A](https://example.org/uploads/{HASH}.jpg) and <img src=\"/uploads/{HASH}-640.jpg\"> \
             but not https://elsewhere.net/uploads/{HASH}.jpg nor /uploads/unknown.jpg nor \
             /a/uploads/{HASH}.jpg"
        );
        let (out, names) = to_archive(&text, "https://example.org", |n| n.starts_with(HASH));
        assert_eq!(
            out,
            format!(
                "![A](uploads/{HASH}.jpg) and <img src=\"uploads/{HASH}-640.jpg\"> \
                 but not https://elsewhere.net/uploads/{HASH}.jpg nor /uploads/unknown.jpg nor \
                 /a/uploads/{HASH}.jpg"
            )
        );
        assert_eq!(
            names,
            vec![format!("{HASH}.jpg"), format!("{HASH}-640.jpg")]
        );
    }

    #[test]
    fn references_to_files_in_the_archive_are_pointed_here() {
        let text = "<img src=\"uploads/2020/a.jpg\"> ![b](./uploads/b.png) \
                    ![c](https://me.micro.blog/uploads/2021/c.jpg) <img src='/uploads/d.gif'> \
                    uploads/missing.jpg and reuploads/e.jpg and ../uploads/f.jpg";
        let out = from_archive(text, |path| {
            (path != "uploads/missing.jpg").then(|| format!("https://new.example/{}", &path[8..]))
        });
        assert_eq!(
            out,
            "<img src=\"https://new.example/2020/a.jpg\"> ![b](https://new.example/b.png) \
             ![c](https://new.example/2021/c.jpg) <img src='https://new.example/d.gif'> \
             uploads/missing.jpg and reuploads/e.jpg and ../uploads/f.jpg"
        );
    }

    #[test]
    fn text_without_references_is_unchanged() {
        let text = "Nothing to see: a path /uploads or uploads alone, ünïcödé.";
        assert_eq!(to_archive(text, "https://example.org", |_| true).0, text);
        assert_eq!(from_archive(text, |_| Some("x".into())), text);
    }
}

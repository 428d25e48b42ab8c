//! Text clean-up shared by the profiles: HTML to plain text and the content
//! hash used to spot retried writes.

use sha2::{Digest, Sha256};

/// Strips tags and decodes the common entities; collapses white space.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            },
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {},
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Hash of case-folded, whitespace-collapsed parts: equal for retried writes
/// of the same content.
pub fn content_hash(parts: &[Option<&str>]) -> Option<String> {
    if parts.iter().all(Option::is_none) {
        return None;
    }
    let mut hasher = Sha256::new();
    for part in parts {
        let norm = part.unwrap_or("").to_lowercase();
        let norm: Vec<&str> = norm.split_whitespace().collect();
        hasher.update(norm.join(" ").as_bytes());
        hasher.update([0x1f]);
    }
    let digest = hasher.finalize();
    Some(digest.iter().take(12).map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_flattened() {
        assert_eq!(html_to_text("Test call<br>next &amp; <b>final</b>"), "Test call next & final");
    }

    #[test]
    fn retried_content_hashes_equal() {
        let a = content_hash(&[Some("Called  Bob"), None]);
        let b = content_hash(&[Some("called bob"), None]);
        assert_eq!(a, b);
        assert_ne!(a, content_hash(&[Some("called bob"), Some("x")]));
        assert_eq!(content_hash(&[None, None]), None);
    }
}

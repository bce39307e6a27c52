//! Emoji topics: a post that contains a topic's emoji is collected on that topic's page. Emoji
//! are compared without variation selectors, since "✈" and "✈️" are the same topic to a reader.

use anyhow::Result;
use rusqlite::Connection;

use crate::store::posts;
use crate::store::settings::Topic;

/// An emoji as it is stored and compared: without U+FE0F / U+FE0E.
pub fn normalize(emoji: &str) -> String {
    emoji
        .chars()
        .filter(|c| !matches!(c, '\u{fe0f}' | '\u{fe0e}'))
        .collect()
}

/// The (normalized) emoji of every topic that the text mentions.
pub fn find(text: &str, topics: &[Topic]) -> Vec<String> {
    let text = normalize(text);
    let mut found: Vec<String> = topics
        .iter()
        .map(|t| normalize(&t.emoji))
        .filter(|e| !e.is_empty() && text.contains(e.as_str()))
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Looks at every post again for a new topic list, so that old posts join new topics (posts are
/// collected under topics when they are saved).
pub fn retag_all(tx: &Connection, topics: &[Topic]) -> Result<()> {
    for (id, markdown) in posts::all_markdown(tx)? {
        posts::set_topics(tx, id, &find(&markdown, topics))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(emoji: &str) -> Topic {
        Topic {
            emoji: emoji.into(),
            name: "x".into(),
            slug: "x".into(),
        }
    }

    #[test]
    fn finds_topics_with_or_without_variation_selectors() {
        let topics = [topic("📚"), topic("✈️"), topic("☕")];
        assert_eq!(
            find("Reading 📚 on the plane ✈ today", &topics),
            vec!["✈".to_string(), "📚".to_string()]
        );
        assert!(find("no emoji #books", &topics).is_empty());
    }
}

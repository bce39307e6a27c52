//! Mastodon's archive of an account (Preferences → Import and export → Request your archive):
//! a zip (a `.tar.gz` before Mastodon 4, unpacked into the data folder first, since a tar file
//! can only be read in order) with `actor.json`, `outbox.json` (an ActivityStreams collection of
//! the account's activities) and `media_attachments/`. The owner's own public and unlisted notes become
//! backdated short posts, with their images and alt text and their content warnings; replies
//! keep what they reply to. Boosts, direct messages and followers-only notes are left out, as
//! is media Porch does not show (video, audio). The outbox is streamed an activity at a time.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::Value;

use crate::media::process::MAX_UPLOAD_BYTES;
use crate::posts::save::{Action, Compose};
use crate::store::Db;
use crate::store::posts::Kind;

use super::feed;
use super::importer::{
    AfterBatch, Archive, Files, Format, Importer, Outcome, Prepared, Survey, is_gzip, open_tar_gz,
    open_zip, tar_name, unpack_tar_gz,
};

const PUBLIC: [&str; 3] = [
    "https://www.w3.org/ns/activitystreams#Public",
    "as:Public",
    "Public",
];

fn open(path: &Path) -> Result<Archive, String> {
    let zip = open_zip(path)?;
    if zip.index_for_name("outbox.json").is_none() || zip.index_for_name("actor.json").is_none() {
        return Err(
            "This zip file has no outbox.json and actor.json at its top, so it is not a Mastodon archive."
                .into(),
        );
    }
    Ok(zip)
}

/// Whether the file is a Mastodon archive (a zip, or the `.tar.gz` Mastodon made before
/// version 4); why not, for the owner.
pub fn check_file(path: &Path) -> Result<(), String> {
    if is_gzip(path) {
        return tar_has_outbox(path);
    }
    open(path).map(drop)
}

fn tar_has_outbox(path: &Path) -> Result<(), String> {
    let mut archive = open_tar_gz(path)?;
    let (mut outbox, mut actor) = (false, false);
    if let Ok(entries) = archive.entries() {
        for entry in entries {
            let Ok(entry) = entry else { break };
            match tar_name(&entry).as_deref() {
                Some("outbox.json") => outbox = true,
                Some("actor.json") => actor = true,
                _ => {}
            }
            if outbox && actor {
                return Ok(());
            }
        }
    }
    Err(
        "This .tar.gz file has no outbox.json and actor.json, so it is not a Mastodon archive."
            .into(),
    )
}

/// A file of the archive's media (a photo, or a video left out later).
fn is_media(name: &str) -> bool {
    name.starts_with("media_attachments/") && !name.ends_with('/')
}

/// One activity of the outbox, as far as an import looks at it.
#[derive(Deserialize)]
struct Activity {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    object: Value,
}

/// A note of the owner's.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Note {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    url: Option<Value>,
    #[serde(default)]
    content: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    in_reply_to: Option<String>,
    #[serde(default)]
    published: String,
    #[serde(default)]
    to: Audience,
    #[serde(default)]
    cc: Audience,
    #[serde(default)]
    attachment: Vec<Attachment>,
}

/// `to` and `cc`: a URI or a list of them.
#[derive(Default, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

impl Audience {
    fn has_public(&self) -> bool {
        match self {
            Audience::One(s) => PUBLIC.contains(&s.as_str()),
            Audience::Many(v) => v.iter().any(|s| PUBLIC.contains(&s.as_str())),
            Audience::None => false,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attachment {
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    name: Option<String>,
}

/// What becomes of one activity.
enum Fate {
    Post(Box<Note>),
    Boost,
    /// A direct message or a followers-only note.
    Private,
    /// Anything else (a Like of a poll, an unknown type): nothing to post.
    Other,
}

fn fate(activity: Activity) -> Fate {
    match activity.kind.as_str() {
        "Announce" => Fate::Boost,
        "Create" => match serde_json::from_value::<Note>(activity.object) {
            Ok(note) if note.kind == "Note" || note.kind == "Question" => {
                // Public: addressed to everyone; unlisted: everyone is only copied in.
                if note.to.has_public() || note.cc.has_public() {
                    Fate::Post(Box::new(note))
                } else {
                    Fate::Private
                }
            }
            _ => Fate::Other,
        },
        _ => Fate::Other,
    }
}

/// Counts what the archive at `path` holds.
pub fn survey(path: &Path) -> Result<Survey> {
    let mut survey = Survey::default();
    if is_gzip(path) {
        let mut archive = open_tar_gz(path).map_err(anyhow::Error::msg)?;
        for entry in archive.entries()? {
            let entry = entry?;
            match tar_name(&entry) {
                Some(name) if name == "outbox.json" => count_outbox(entry, &mut survey)?,
                Some(name) if is_media(&name) && entry.header().entry_type().is_file() => {
                    survey.files += 1
                }
                _ => {}
            }
        }
    } else {
        let mut zip = open(path).map_err(anyhow::Error::msg)?;
        survey.files = zip
            .file_names()
            .filter_map(|n| n.ok())
            .filter(|n| is_media(n))
            .count() as i64;
        count_outbox(zip.by_name("outbox.json")?, &mut survey)?;
    }
    Ok(survey)
}

fn count_outbox(outbox: impl Read, survey: &mut Survey) -> Result<()> {
    let mut n = 0;
    feed::read_list(BufReader::new(outbox), "orderedItems", &mut |a| {
        n += 1;
        match a.map(fate) {
            Ok(Fate::Post(_)) => survey.posts += 1,
            Ok(Fate::Boost | Fate::Private | Fate::Other) => {
                survey.left_out += 1;
                survey.left_out_what = "boosts, direct messages and followers-only posts";
            }
            Err(e) => survey.unreadable(format!("Activity {n}: {e}")),
        }
        Ok(())
    })?;
    Ok(())
}

/// Imports the archive at `path` into the site in `db` (see `bar_import::import_file`).
pub fn import_file(
    db: &Db,
    media_dir: &Path,
    base: &str,
    path: &Path,
    after_batch: AfterBatch,
) -> Result<Outcome> {
    if is_gzip(path) {
        // Unpacked in the data folder (not a /tmp that may live in memory), and removed after.
        let beside = media_dir.parent().unwrap_or(media_dir);
        let folder = tempfile::Builder::new()
            .prefix(".mastodon-import-")
            .tempdir_in(beside)?;
        unpack_tar_gz(path, folder.path(), |name, size| {
            matches!(name, "outbox.json" | "actor.json")
                || (is_media(name) && size <= MAX_UPLOAD_BYTES as u64)
        })?;
        let outbox = File::open(folder.path().join("outbox.json"))
            .context("the archive has no outbox.json")?;
        let files = Files::Folder(folder.path().to_path_buf());
        let importer = Importer::new(db, media_dir, base, files, Format::Mastodon)?;
        return read_outbox(importer, outbox, after_batch);
    }
    let mut outbox = open(path).map_err(anyhow::Error::msg)?;
    let files = open(path).map_err(anyhow::Error::msg)?;
    let importer = Importer::new(db, media_dir, base, Files::Zip(files), Format::Mastodon)?;
    read_outbox(importer, outbox.by_name("outbox.json")?, after_batch)
}

/// Reads the outbox's activities into posts, taking their media out of the importer's files.
fn read_outbox(
    mut importer: Importer,
    outbox: impl Read,
    after_batch: AfterBatch,
) -> Result<Outcome> {
    let (mut boosts, mut private) = (0, 0);
    feed::read_list(BufReader::new(outbox), "orderedItems", &mut |activity| {
        importer.outcome.counts.rows += 1;
        let n = importer.outcome.counts.rows;
        match activity.map(fate) {
            Err(e) => importer.outcome.skip(format!("Activity {n}: {e}")),
            Ok(Fate::Post(note)) => {
                if let Some(p) = prepare(&mut importer, n, *note)? {
                    importer.add(p, after_batch)?;
                }
            }
            Ok(Fate::Boost) => {
                boosts += 1;
                importer.outcome.counts.skipped += 1;
            }
            Ok(Fate::Private) => {
                private += 1;
                importer.outcome.counts.skipped += 1;
            }
            Ok(Fate::Other) => importer.outcome.counts.skipped += 1,
        }
        Ok(())
    })?;
    if boosts + private > 0 {
        importer.outcome.note(format!(
            "Left out on purpose: {boosts} boosts, and {private} direct messages and \
             followers-only posts."
        ));
    }
    importer.finish(after_batch)
}

fn prepare(importer: &mut Importer, n: i64, note: Note) -> Result<Option<Prepared>> {
    let label = format!("Activity {n}");
    if note.id.trim().is_empty() {
        importer.outcome.skip(format!(
            "{label}: the note has no id, so it could not be told apart."
        ));
        return Ok(None);
    }
    if importer.imported_before(&note.id)? {
        return Ok(None);
    }
    let Some(at) = chrono::DateTime::parse_from_rfc3339(note.published.trim())
        .ok()
        .map(|d| d.timestamp())
    else {
        importer
            .outcome
            .skip(format!("{label}: it has no date it was published."));
        return Ok(None);
    };
    let mut photos = Vec::new();
    for a in &note.attachment {
        if !a.media_type.starts_with("image/") {
            importer.outcome.note(format!(
                "{label}: its {} attachment was left out; Porch shows images only.",
                a.media_type
            ));
            continue;
        }
        // The archive's paths are the server's, from its root.
        let file = a.url.trim_start_matches('/');
        if let Some((m, _)) = importer.media(file)? {
            photos.push((m.id, a.name.clone().unwrap_or_default()));
        }
    }
    let mut compose = Compose::new(Kind::Post, Action::Schedule(at));
    compose.markdown = note.content;
    compose.photos = photos;
    compose.content_warning = note.summary.unwrap_or_default();
    compose.in_reply_to = note.in_reply_to.unwrap_or_default();
    let original_url = match note.url {
        Some(Value::String(url)) => url,
        _ => note.id.clone(),
    };
    Ok(Some(Prepared {
        n,
        compose,
        source: note.id,
        original_url,
        replies: Vec::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(json: Value) -> Fate {
        fate(serde_json::from_value(json).unwrap())
    }

    #[test]
    fn public_and_unlisted_notes_are_posts_and_the_rest_is_left_out() {
        let note = |to: Value, cc: Value| {
            serde_json::json!({"type": "Create", "object": {
                "type": "Note", "id": "https://m.example/s/1", "to": to, "cc": cc,
                "content": "<p>Hi</p>", "published": "2023-01-01T00:00:00Z"}})
        };
        let public = "https://www.w3.org/ns/activitystreams#Public";
        let followers = "https://m.example/users/ann/followers";
        assert!(matches!(
            activity(note(
                serde_json::json!([public]),
                serde_json::json!([followers])
            )),
            Fate::Post(_)
        ));
        assert!(matches!(
            activity(note(
                serde_json::json!(followers),
                serde_json::json!(public)
            )),
            Fate::Post(_)
        ));
        assert!(matches!(
            activity(note(serde_json::json!([followers]), serde_json::json!([]))),
            Fate::Private
        ));
        assert!(matches!(
            activity(note(
                serde_json::json!(["https://other.example/users/bob"]),
                serde_json::json!([])
            )),
            Fate::Private
        ));
        assert!(matches!(
            activity(serde_json::json!({"type": "Announce", "object": "https://x/1"})),
            Fate::Boost
        ));
        assert!(matches!(
            activity(serde_json::json!({"type": "Like", "object": "https://x/1"})),
            Fate::Other
        ));
    }
}

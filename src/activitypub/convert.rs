//! All ActivityStreams mapping, both ways, with names mirrored: `post_to_object` and
//! `object_to_remote_post`, `owner_to_actor` and `json_to_actor`. Where a property is set a
//! certain way because of how Mastodon reads it, the comment says so.

use chrono::DateTime;
use serde_json::{Value, json};

use crate::config::BaseUrl;
use crate::media::files;
use crate::render::escape_html;
use crate::render::sanitize;
use crate::render::time::iso_utc;
use crate::store::actors::Actor;
use crate::store::ids::ActorId;
use crate::store::kinds::Verb;
use crate::store::own_replies::OwnReply;
use crate::store::owner::Owner;
use crate::store::posts::{Post, Status};
use crate::store::remote_posts::Attachment;
use crate::store::settings::SiteSettings;

use super::{PUBLIC, actor_id, key_id};

/// The JSON-LD context of everything Porch serves: AS2, the security vocabulary for keys, and
/// the Mastodon extensions it uses (each defined, so JSON-LD processors agree with Mastodon).
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "movedTo": { "@id": "as:movedTo", "@type": "@id" },
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "blurhash": "toot:blurhash",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ])
}

/// The site's one actor.
pub fn owner_to_actor(
    base: &BaseUrl,
    owner: &Owner,
    settings: &SiteSettings,
    public_pem: &str,
    created_at: i64,
) -> Value {
    let id = actor_id(base);
    let mut actor = json!({
        "@context": context(),
        "id": id,
        "type": "Person",
        "preferredUsername": owner.username,
        "name": owner.display_name,
        // Mastodon shows `summary` as the profile's bio, as HTML.
        "summary": settings.bio_html,
        "url": base.join("/"),
        "inbox": base.join("/inbox"),
        "outbox": base.join("/outbox"),
        "followers": base.join("/followers"),
        "following": base.join("/following"),
        "featured": base.join("/featured"),
        "endpoints": { "sharedInbox": base.join("/inbox") },
        "publicKey": {
            "id": key_id(base),
            "owner": id,
            "publicKeyPem": public_pem,
        },
        "manuallyApprovesFollowers": settings.manually_approves_followers,
        "discoverable": true,
        "indexable": true,
        "published": iso_utc(created_at),
        // Profile links: Mastodon shows PropertyValues as a table and checks each link for a
        // rel="me" back to the profile, marking it verified.
        "attachment": settings.rel_me.iter().map(|url| json!({
            "type": "PropertyValue",
            "name": crate::urls::host(url).unwrap_or_else(|| "Link".into()),
            "value": format!(
                r#"<a href="{0}" rel="me nofollow noopener" target="_blank">{1}</a>"#,
                escape_html(url),
                escape_html(url.trim_start_matches("https://").trim_start_matches("http://"))
            ),
        })).collect::<Vec<_>>(),
        "alsoKnownAs": settings.also_known_as,
    });
    if let Some(avatar) = &settings.avatar {
        let url = base.join(&files::public_path(avatar));
        actor["icon"] = json!({ "type": "Image", "url": url });
    }
    if let Some(header) = &settings.header_image {
        actor["image"] = json!({ "type": "Image", "url": base.join(&files::public_path(header)) });
    }
    if !settings.moved_to.is_empty() {
        actor["movedTo"] = json!(settings.moved_to);
    }
    actor
}

/// How the site's own posts are addressed: public, and to the followers collection so that
/// Mastodon puts them in followers' home timelines.
fn public_addressing(base: &BaseUrl) -> (Value, Value) {
    (json!([PUBLIC]), json!([base.join("/followers")]))
}

/// A post as an ActivityStreams object. An untitled post is a Note. A titled post is a Note too
/// by default, its content starting with the linked title, because Mastodon shows an Article as
/// a bare title and link; the `federate_articles` setting sends Articles with a Note preview
/// (FEP-b2b8) instead. A deleted post is a Tombstone.
pub fn post_to_object(
    base: &BaseUrl,
    settings: &SiteSettings,
    post: &Post,
    mentions: &[Actor],
) -> Value {
    let url = base.join(post.path.as_deref().unwrap_or("/"));
    if post.status == Status::Deleted {
        let titled = post.title.as_deref().is_some_and(|t| !t.trim().is_empty());
        return json!({
            "id": url,
            "type": "Tombstone",
            "formerType": if titled && settings.federate_articles { "Article" } else { "Note" },
            "deleted": iso_utc(post.updated_at),
        });
    }
    let published = post.published_at.unwrap_or(post.created_at);
    let (to, mut cc) = public_addressing(base);
    if let Some(list) = cc.as_array_mut() {
        list.extend(mentions.iter().map(|a| json!(a.uri)));
    }
    let body = sanitize::absolutizer(base.as_str())
        .clean(&post.html)
        .to_string();
    let title = post.title.as_deref().filter(|t| !t.trim().is_empty());
    let linked_title = title.map(|t| {
        format!(
            r#"<p><a href="{}">{}</a></p>"#,
            escape_html(&url),
            escape_html(t)
        )
    });
    let (kind, content) = match (&linked_title, settings.federate_articles) {
        (Some(_), true) => ("Article", body.clone()),
        (Some(linked), false) => ("Note", format!("{linked}{body}")),
        (None, _) => ("Note", body.clone()),
    };
    let mut object = json!({
        "id": url,
        "type": kind,
        "attributedTo": actor_id(base),
        "url": url,
        "published": iso_utc(published),
        "to": to,
        "cc": cc,
        "content": content,
        "attachment": post.photos.iter().map(|p| {
            let mut image = json!({
                "type": "Image",
                "mediaType": p.media.mime,
                "url": base.join(&files::url_path(&p.media.hash, &p.media.ext, None)),
                // Mastodon reads the alt text from `name`.
                "name": p.alt,
                "width": p.media.width,
                "height": p.media.height,
            });
            if !p.media.blurhash.is_empty() {
                image["blurhash"] = json!(p.media.blurhash);
            }
            image
        }).collect::<Vec<_>>(),
        "tag": mentions.iter().map(|a| json!({
            "type": "Mention",
            "href": a.uri,
            "name": format!("@{}", a.handle),
        })).collect::<Vec<_>>(),
        "replies": base.join(&format!("/conversations/{}", post.id)),
        "sensitive": !post.content_warning.trim().is_empty(),
    });
    // `summary` is only ever a content warning: Mastodon hides the post behind it.
    if !post.content_warning.trim().is_empty() {
        object["summary"] = json!(post.content_warning.trim());
    }
    if !post.in_reply_to.is_empty() {
        object["inReplyTo"] = json!(post.in_reply_to);
    }
    if post.updated_at > published + 60 {
        object["updated"] = json!(iso_utc(post.updated_at));
    }
    if kind == "Article" {
        object["name"] = json!(title.unwrap_or_default());
        object["preview"] = json!({
            "type": "Note",
            "attributedTo": actor_id(base),
            "content": format!("{}<p>{}</p>", linked_title.unwrap_or_default(),
                escape_html(&crate::render::text::summarize(&post.html))),
        });
    }
    object
}

/// A post as the object of an Update. Mastodon applies an edit only when the object's `updated`
/// is present and later than the last edit it applied, and otherwise ignores the new content:
/// an Update always carries it, even for an edit made within a minute of publishing.
pub fn post_to_updated_object(
    base: &BaseUrl,
    settings: &SiteSettings,
    post: &Post,
    mentions: &[Actor],
) -> Value {
    let mut object = post_to_object(base, settings, post, mentions);
    object["updated"] = json!(iso_utc(post.updated_at));
    object
}

/// One of the owner's replies: a public Note in reply to another server's post, mentioning its
/// author so that Mastodon notifies them and threads it.
/// A reply to a post that was not public goes only to the people it mentions, as a direct
/// message does on Mastodon.
pub fn own_reply_to_note(base: &BaseUrl, reply: &OwnReply, mentioned: &[Actor]) -> Value {
    let id = base.join(&format!("/replies/{}", reply.id));
    let (to, cc) = if reply.public {
        let (to, mut cc) = public_addressing(base);
        if let Some(list) = cc.as_array_mut() {
            list.extend(reply.mentions.iter().map(|m| json!(m)));
        }
        (to, cc)
    } else {
        (json!(reply.mentions), json!([]))
    };
    // Mastodon links and notifies a mention by its href; the name is what it shows.
    let tags: Vec<Value> = reply
        .mentions
        .iter()
        .map(|m| {
            let mut tag = json!({ "type": "Mention", "href": m });
            if let Some(a) = mentioned.iter().find(|a| &a.uri == m) {
                tag["name"] = json!(format!("@{}", a.handle));
            }
            tag
        })
        .collect();
    json!({
        "id": id,
        "type": "Note",
        "attributedTo": actor_id(base),
        "url": id,
        "inReplyTo": reply.in_reply_to,
        "published": iso_utc(reply.created_at),
        "to": to,
        "cc": cc,
        "content": sanitize::absolutizer(base.as_str()).clean(&reply.html).to_string(),
        "tag": tags,
    })
}

/// Wraps an object in an activity addressed as the object is.
pub fn activity(base: &BaseUrl, kind: Verb, activity_id: &str, object: Value) -> Value {
    let mut activity = json!({
        "@context": context(),
        "id": activity_id,
        "type": kind,
        "actor": actor_id(base),
    });
    for field in ["to", "cc", "published"] {
        if let Some(v) = object.get(field) {
            activity[field] = v.clone();
        }
    }
    if kind == Verb::Delete {
        let (to, cc) = public_addressing(base);
        activity["to"] = to;
        activity["cc"] = cc;
    }
    activity["object"] = object;
    activity
}

/// A string or the `id` of an embedded object, as AS2 allows either.
pub fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The first web URL of a property that may be a string, a Link or Image object, or an array of
/// those. Other schemes (`javascript:`, `data:`) are never taken: these URLs end up in links.
fn first_url(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.starts_with("https://") || s.starts_with("http://") => {
            Some(s.clone())
        }
        Value::Array(items) => items.iter().find_map(first_url),
        Value::Object(o) => o.get("href").or_else(|| o.get("url")).and_then(first_url),
        _ => None,
    }
}

/// The ids in an addressing property (`to`, `cc`), which may be a string or an array.
pub fn ids(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(id_of).map(String::from).collect(),
        Some(other) => id_of(other).map(String::from).into_iter().collect(),
        None => Vec::new(),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not an actor: {0}")]
pub struct NotAnActor(pub &'static str);

/// Reads a fetched actor document. `key_id`, when given, picks that key among several; a
/// document without it has no key for the purpose.
pub fn json_to_actor(v: &Value, key_id: Option<&str>) -> Result<Actor, NotAnActor> {
    let uri = v
        .get("id")
        .and_then(Value::as_str)
        .ok_or(NotAnActor("no id"))?;
    let inbox = v
        .get("inbox")
        .and_then(Value::as_str)
        .ok_or(NotAnActor("no inbox"))?;
    let username = v
        .get("preferredUsername")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // The host as written in handles: with its port when not the default (local peers).
    let host = crate::urls::authority(uri).ok_or(NotAnActor("id is not a URL"))?;
    let keys: Vec<&Value> = match v.get("publicKey") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(key @ Value::Object(_)) => vec![key],
        _ => Vec::new(),
    };
    // The key asked for, and no other: a document listing some other key does not own this
    // one. Asked for none, the first.
    let key = match key_id {
        Some(want) => keys
            .iter()
            .find(|k| k.get("id").and_then(Value::as_str) == Some(want)),
        None => keys.first(),
    };
    let (key_id, pem) = key
        .map(|k| {
            (
                k.get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                k.get("publicKeyPem")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .unwrap_or_default();
    let shared_inbox = v
        .get("endpoints")
        .and_then(|e| e.get("sharedInbox"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let text = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .map(sanitize::remote_text)
            .unwrap_or_default()
    };
    Ok(Actor {
        // Not stored yet: the row id comes from `actors::upsert`.
        id: ActorId::default(),
        uri: uri.to_string(),
        handle: if username.is_empty() {
            host.clone()
        } else {
            format!("{username}@{host}")
        },
        name: text("name"),
        url: v
            .get("url")
            .and_then(first_url)
            .unwrap_or_else(|| uri.to_string()),
        icon: v.get("icon").and_then(first_url).unwrap_or_default(),
        inbox: inbox.to_string(),
        shared_inbox: shared_inbox.to_string(),
        key_id,
        public_key_pem: pem,
        also_known_as: ids(v.get("alsoKnownAs")),
        fetched_at: crate::store::now(),
        // The local copy is the avatar job's to make (`media::avatars`).
        avatar: String::new(),
    })
}

/// A Note, Article or other post-like object from elsewhere, read for storing.
#[derive(Debug, Clone)]
pub struct RemoteObject {
    pub uri: String,
    pub attributed_to: String,
    pub url: String,
    pub in_reply_to: String,
    pub summary: String,
    pub content_html: String,
    pub attachments: Vec<Attachment>,
    pub mentions: Vec<String>,
    pub audience: Vec<String>,
    pub published: i64,
}

/// The largest post from elsewhere that is stored: long articles fit, a flood of megabytes not.
const MAX_CONTENT_BYTES: usize = 256 * 1024;
/// Attachments kept per post (Mastodon allows four; other servers a few more).
const MAX_ATTACHMENTS: usize = 20;

/// The object types that are posts; anything else (a Question, an Event) is not stored.
const POST_TYPES: &[&str] = &["Note", "Article", "Page", "Video", "Image"];

pub fn object_to_remote_post(v: &Value) -> Option<RemoteObject> {
    let kind = v.get("type").and_then(Value::as_str)?;
    if !POST_TYPES.contains(&kind) {
        return None;
    }
    let uri = v.get("id").and_then(Value::as_str)?.to_string();
    let attributed_to = v.get("attributedTo").and_then(|a| match a {
        Value::Array(items) => items.iter().find_map(id_of),
        other => id_of(other),
    })?;
    let content = v.get("content").and_then(Value::as_str).unwrap_or_default();
    if content.len() > MAX_CONTENT_BYTES {
        return None;
    }
    // An Article shows its title first, as the owner's would.
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .filter(|_| kind == "Article");
    // A post whose HTML nests too deeply to read safely is not a post anyone wrote.
    let mut html = sanitize::remote_html(content).ok()?;
    if let Some(name) = name {
        html = format!("<p><strong>{}</strong></p>{html}", escape_html(name));
    }
    let attachments = match v.get("attachment") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(attachment)
            .take(MAX_ATTACHMENTS)
            .collect(),
        Some(item @ Value::Object(_)) => attachment(item).into_iter().collect(),
        _ => Vec::new(),
    };
    let tags: Vec<&Value> = match v.get("tag") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => Vec::new(),
    };
    let mentions = tags
        .iter()
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("Mention"))
        .filter_map(|t| t.get("href").and_then(Value::as_str).map(String::from))
        .collect();
    let mut audience = ids(v.get("to"));
    audience.extend(ids(v.get("cc")));
    let published = v
        .get("published")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or_else(crate::store::now, |t| t.timestamp());
    Some(RemoteObject {
        url: v
            .get("url")
            .and_then(first_url)
            .unwrap_or_else(|| uri.clone()),
        uri,
        attributed_to: attributed_to.to_string(),
        in_reply_to: v
            .get("inReplyTo")
            .and_then(id_of)
            .unwrap_or_default()
            .to_string(),
        summary: v
            .get("summary")
            .and_then(Value::as_str)
            .map(sanitize::remote_text)
            .unwrap_or_default(),
        content_html: html,
        attachments,
        mentions,
        audience,
        published,
    })
}

fn attachment(v: &Value) -> Option<Attachment> {
    let url = v.get("url").and_then(first_url)?;
    // Some servers leave out mediaType on images; their type says it.
    let media_type = match v.get("mediaType").and_then(Value::as_str) {
        Some(t) => t.to_string(),
        None if v.get("type").and_then(Value::as_str) == Some("Image") => "image/*".to_string(),
        None => String::new(),
    };
    Some(Attachment {
        url,
        media_type,
        alt: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_mastodon_actor() {
        let v: Value = serde_json::from_str(
            r#"{"@context":["https://www.w3.org/ns/activitystreams"],
            "id":"https://mastodon.example/users/bob","type":"Person",
            "preferredUsername":"bob","name":"Bob <b>B</b>","url":"https://mastodon.example/@bob",
            "inbox":"https://mastodon.example/users/bob/inbox",
            "endpoints":{"sharedInbox":"https://mastodon.example/inbox"},
            "icon":{"type":"Image","url":"https://files.example/bob.png"},
            "alsoKnownAs":["https://old.example/users/bob"],
            "publicKey":{"id":"https://mastodon.example/users/bob#main-key",
              "owner":"https://mastodon.example/users/bob","publicKeyPem":"PEM"}}"#,
        )
        .unwrap();
        let a = json_to_actor(&v, None).unwrap();
        assert_eq!(a.handle, "bob@mastodon.example");
        assert_eq!(a.name, "Bob B");
        assert_eq!(a.delivery_inbox(), "https://mastodon.example/inbox");
        assert_eq!(a.key_id, "https://mastodon.example/users/bob#main-key");
        assert_eq!(a.icon, "https://files.example/bob.png");
        assert_eq!(a.also_known_as, ["https://old.example/users/bob"]);
        assert!(json_to_actor(&json!({"id": "https://x.example/a"}), None).is_err());
    }

    #[test]
    fn reads_a_reply_and_sanitizes_it() {
        let v = json!({
            "id": "https://m.example/statuses/1", "type": "Note",
            "attributedTo": "https://m.example/users/bob",
            "inReplyTo": "https://blog.example/2026/01/01/a.html",
            "summary": "spoilers", "content": "<p>Hi<script>x</script></p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": "https://blog.example/actor",
            "tag": [{"type": "Mention", "href": "https://blog.example/actor"}, {"type": "Hashtag", "name": "#x"}],
            "attachment": [{"type": "Document", "mediaType": "image/png", "url": "https://f.example/1.png", "name": "a cat"},
                           {"type": "Document", "url": "javascript:x"}],
            "published": "2026-01-02T03:04:05Z"
        });
        let o = object_to_remote_post(&v).unwrap();
        assert_eq!(o.content_html, "<p>Hi</p>");
        assert_eq!(o.summary, "spoilers");
        assert_eq!(o.mentions, ["https://blog.example/actor"]);
        assert_eq!(o.audience.len(), 2);
        assert_eq!(o.attachments.len(), 1);
        assert_eq!(o.attachments[0].alt, "a cat");
        assert_eq!(o.published, 1767323045);
        assert!(
            object_to_remote_post(&json!({"type": "Question", "id": "x", "attributedTo": "y"}))
                .is_none()
        );
    }
}

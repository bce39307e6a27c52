//! What every import of posts from an archive shares: the archive's files taken into the media
//! library once each (checked and cleaned like any upload, outside the write transactions),
//! references to them pointed at the copies, and the posts saved in batches through
//! `posts::import`, each on a savepoint so that one refused is reported and the rest kept.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use flate2::read::GzDecoder;
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use zip::ZipArchive;

use crate::media::process::{self, MAX_UPLOAD_BYTES};
use crate::media::{files, upload};
use crate::net::{HttpClient, NetError};
use crate::posts::import::{self as post_import, Imported, Origin};
use crate::posts::save::{Compose, SaveError};
use crate::store::Db;
use crate::store::actors::{self, Actor};
use crate::store::ids::PostId;
use crate::store::media::{self, Media};
use crate::store::remote_posts::{self, Moderation, RemotePostWrite};
use crate::store::{imported_posts, settings};

use super::uploads;

/// Items saved per transaction.
const BATCH_ITEMS: usize = 50;
/// More entries than any blog has; a zip past it is refused before anything is read.
const MAX_ENTRIES: usize = 500_000;

pub type Archive = ZipArchive<BufReader<File>>;

/// Where an import's files are: a zip, a folder on disk (a Markdown site), or nowhere (a
/// WordPress export, whose images are downloaded from the old site instead).
pub enum Files {
    Zip(Archive),
    Folder(PathBuf),
    None,
}

impl Files {
    /// The size of the file at `name` (a `/`-separated path inside), if there is one.
    pub fn size(&mut self, name: &str) -> Option<u64> {
        match self {
            Files::Zip(zip) => {
                let index = zip.index_for_name(name)?;
                zip.by_index(index).ok().map(|e| e.size())
            }
            Files::Folder(root) => {
                let meta = std::fs::symlink_metadata(inside(root, name)?).ok()?;
                meta.is_file().then_some(meta.len())
            }
            Files::None => None,
        }
    }

    /// Reads the file at `name`, at most `cap` bytes of it.
    pub fn read(&mut self, name: &str, cap: u64) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        match self {
            Files::Zip(zip) => {
                zip.by_name(name)?.take(cap).read_to_end(&mut bytes)?;
            }
            Files::Folder(root) => {
                let path = inside(root, name).context("a path that leaves the folder")?;
                File::open(&path)
                    .with_context(|| format!("open {}", path.display()))?
                    .take(cap)
                    .read_to_end(&mut bytes)?;
            }
            Files::None => anyhow::bail!("{name}: this import has no files of its own"),
        }
        Ok(bytes)
    }
}

/// The path of `name` inside `root`, when every part of it is a plain name: no `..`, no root,
/// no drive. (Symbolic links are refused where files are read: `size` looks at the link.)
pub fn inside(root: &Path, name: &str) -> Option<PathBuf> {
    let relative = Path::new(name);
    relative
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        .then(|| root.join(relative))
}

/// What reports each batch's progress, inside its transaction.
pub type AfterBatch<'a> = &'a mut dyn FnMut(&Connection, &Outcome) -> Result<()>;

/// Opens a zip file; why it cannot be read, for the owner.
pub fn open_zip(path: &Path) -> Result<Archive, String> {
    let file = File::open(path).map_err(|e| format!("The file could not be opened: {e}."))?;
    let zip = ZipArchive::new(BufReader::new(file))
        .map_err(|_| "This is not a zip file, so it is not an archive Porch reads.".to_string())?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "This archive holds {} files; Porch reads archives of at most {MAX_ENTRIES}.",
            zip.len()
        ));
    }
    Ok(zip)
}

/// Whether the file starts as a gzip file does (a `.tar.gz`).
pub fn is_gzip(path: &Path) -> bool {
    let mut head = [0u8; 2];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == [0x1f, 0x8b]
}

/// The entries of a `.tar.gz`, read as they come: a tar file can only be read in order.
pub fn open_tar_gz(path: &Path) -> Result<tar::Archive<GzDecoder<BufReader<File>>>, String> {
    let file = File::open(path).map_err(|e| format!("The file could not be opened: {e}."))?;
    Ok(tar::Archive::new(GzDecoder::new(BufReader::new(file))))
}

/// An entry's name as a `/`-separated path inside the archive, without a leading `./`.
pub fn tar_name<R: Read>(entry: &tar::Entry<R>) -> Option<String> {
    let path = entry.path().ok()?;
    let name = path.to_str()?.trim_start_matches("./").to_string();
    (!name.is_empty()).then_some(name)
}

/// Unpacks the regular files of the `.tar.gz` at `path` that `keep` wants (given each one's name
/// and size) into the folder `into`: a tar file cannot be read out of order, and an import
/// reads its files as posts ask for them. Names that would leave the folder, links and devices
/// are passed over.
pub fn unpack_tar_gz(path: &Path, into: &Path, keep: impl Fn(&str, u64) -> bool) -> Result<()> {
    let mut archive = open_tar_gz(path).map_err(anyhow::Error::msg)?;
    for (n, entry) in archive.entries()?.enumerate() {
        if n >= MAX_ENTRIES {
            anyhow::bail!("the archive holds more than {MAX_ENTRIES} files");
        }
        let mut entry = entry.context("the archive is not a readable .tar.gz")?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let Some(name) = tar_name(&entry) else {
            continue;
        };
        let size = entry.size();
        let Some(to) = inside(into, &name).filter(|_| keep(&name, size)) else {
            continue;
        };
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = File::create(&to).with_context(|| format!("write {}", to.display()))?;
        std::io::copy(&mut (&mut entry).take(size), &mut file)
            .with_context(|| format!("unpack {name}"))?;
    }
    Ok(())
}

/// Whether the file starts as a zip file does (an archive of some kind).
pub fn is_zip(path: &Path) -> bool {
    let mut head = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == *b"PK\x03\x04"
}

/// The kinds of archive read into posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Exported by Porch: its `porch/` folder rides along.
    Porch,
    /// A Blog Archive from Micro.blog or another blog that writes the format.
    BlogArchive,
    /// Mastodon's archive of an account (`outbox.json`, `actor.json`, `media_attachments/`).
    Mastodon,
    /// A folder or zip of Markdown files with front matter (Hugo, Jekyll).
    Markdown,
    /// WordPress's export of a whole site (WXR).
    WordPress,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Porch => "Porch archive",
            Format::BlogArchive => "Blog Archive",
            Format::Mastodon => "Mastodon archive",
            Format::Markdown => "Markdown files",
            Format::WordPress => "WordPress export",
        }
    }
}

pub type Outcome = crate::store::imports::Outcome<Format>;

/// What an archive holds, read before it is imported (the panel's preview).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Survey {
    /// What kind of archive it is (`Format::name`).
    pub format: &'static str,
    pub posts: i64,
    pub pages: i64,
    pub drafts: i64,
    /// Media files in the archive.
    pub files: i64,
    /// What is left out on purpose (a Mastodon archive's boosts and direct messages).
    pub left_out: i64,
    /// What those are, for the owner.
    pub left_out_what: &'static str,
    /// Items that are not items Porch can read, with why (the first ones).
    pub unreadable: Vec<String>,
    pub unreadable_count: i64,
}

impl Survey {
    /// Counts an item Porch cannot read, with why.
    pub fn unreadable(&mut self, why: String) {
        self.unreadable_count += 1;
        if self.unreadable.len() < crate::store::imports::MAX_REPORTED {
            self.unreadable.push(why);
        }
    }
}

/// A post ready to save.
pub struct Prepared {
    /// Its place in the file, for the report.
    pub n: i64,
    pub compose: Compose,
    /// The key it is found again by.
    pub source: String,
    pub original_url: String,
    /// Comments it had where it was, saved under it as approved replies.
    pub replies: Vec<Reply>,
}

/// A comment a post had on the old site: shown under it as a reply, already approved there.
pub struct Reply {
    /// What tells it apart (the old address of the comment).
    pub uri: String,
    pub author: String,
    /// The author's web site, or empty.
    pub author_url: String,
    /// Cleaned with the policy for HTML from elsewhere.
    pub content_html: String,
    pub published_at: i64,
    /// The `uri` of the reply it answers, or empty for one to the post.
    pub in_reply_to: String,
}

pub struct Importer<'a> {
    db: &'a Db,
    media_dir: &'a Path,
    files: Files,
    /// Files of the archive taken in so far (None: not an image Porch takes).
    placed: HashMap<String, Option<Media>>,
    /// Alt text and original name of files, where the archive gives them.
    pub library: HashMap<String, (String, String)>,
    base: String,
    site_host: Option<String>,
    settings: settings::SiteSettings,
    pending: Vec<Prepared>,
    pub outcome: Outcome,
}

impl<'a> Importer<'a> {
    /// An import into the site in `db`, served from the origin `base`, taking files out of
    /// `files` into `media_dir`.
    pub fn new(
        db: &'a Db,
        media_dir: &'a Path,
        base: &str,
        files: Files,
        format: Format,
    ) -> Result<Importer<'a>> {
        let mut settings = db.read_blocking(settings::load)?;
        // An import must not lose a post for a photo the old site let go without alt text.
        settings.require_alt = false;
        let base = base.trim_end_matches('/').to_string();
        let site_host = url::Url::parse(&base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string));
        Ok(Importer {
            db,
            media_dir,
            files,
            placed: HashMap::new(),
            library: HashMap::new(),
            base,
            site_host,
            settings,
            pending: Vec::with_capacity(BATCH_ITEMS),
            outcome: Outcome::of(format),
        })
    }

    /// The site's settings as the import saves with them.
    pub fn settings(&self) -> &settings::SiteSettings {
        &self.settings
    }

    /// The archive's files, to read one by name.
    pub fn files(&mut self) -> &mut Files {
        &mut self.files
    }

    /// The address here of a media item taken in.
    pub fn url_of(&self, m: &Media) -> String {
        self.url_of_copy(m, None)
    }

    fn url_of_copy(&self, m: &Media, width: Option<u32>) -> String {
        format!("{}{}", self.base, files::url_path(&m.hash, &m.ext, width))
    }

    /// Whether a post came in from `source` before (counted as such).
    pub fn imported_before(&mut self, source: &str) -> Result<bool> {
        let found = self
            .db
            .read_blocking(|c| imported_posts::find(c, source))?
            .is_some();
        if found {
            self.outcome.counts.existing += 1;
        }
        Ok(found)
    }

    /// Queues a post to be saved with the next batch.
    pub fn add(&mut self, post: Prepared, after_batch: AfterBatch) -> Result<()> {
        self.pending.push(post);
        if self.pending.len() >= BATCH_ITEMS {
            self.save(after_batch)?;
        }
        Ok(())
    }

    /// Saves what is still waiting; the outcome.
    pub fn finish(mut self, after_batch: AfterBatch) -> Result<Outcome> {
        self.save(after_batch)?;
        Ok(self.outcome)
    }

    /// `text` with its references to the archive's files pointed at their copies here.
    pub fn point_here(&mut self, text: &str) -> Result<String> {
        let mut failed = None;
        let out = uploads::from_archive(text, |path| match self.media(path) {
            Ok(Some((m, width))) => Some(self.url_of_copy(&m, width)),
            Ok(None) => None,
            Err(e) => {
                failed.get_or_insert(e);
                None
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// The media item for the archive's file at `path` (`uploads/…`), taken in the first time
    /// it is asked for, and the width of the resized copy the path named, if it named one. None
    /// when the archive has no such file or it is no image Porch takes (reported once).
    pub fn media(&mut self, path: &str) -> Result<Option<(Media, Option<u32>)>> {
        let path = percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .into_owned();
        if let Some(placed) = self.placed.get(&path) {
            return Ok(placed.clone().map(|m| (m, None)));
        }
        // A resized copy Porch made is made again from its original, when the archive has it.
        let original = resized_copy(&path).and_then(|(stem, width)| {
            ["jpg", "png", "gif", "webp"]
                .iter()
                .map(|ext| format!("{stem}.{ext}"))
                .find(|name| self.files.size(name).is_some())
                .map(|name| (name, width))
        });
        if let Some((original, width)) = original {
            let found = self.media(&original)?;
            return Ok(found.map(|(m, _)| {
                let width = Some(width).filter(|w| m.variants.contains(w));
                (m, width)
            }));
        }
        let Some(size) = self.files.size(&path) else {
            self.outcome.note(format!(
                "{path} is not in the archive; the post still points at it."
            ));
            self.placed.insert(path, None);
            return Ok(None);
        };
        let taken = self.take_in(&path, size)?;
        if let Err(reason) = &taken {
            self.outcome.note(format!("{path}: {reason}"));
        }
        let media = taken.ok();
        self.placed.insert(path, media.clone());
        Ok(media.map(|m| (m, None)))
    }

    /// Reads one image out of the archive into the media library; why not, for the owner.
    fn take_in(&mut self, path: &str, size: u64) -> Result<Result<Media, String>> {
        if size > MAX_UPLOAD_BYTES as u64 {
            return Ok(Err(format!(
                "it is larger than the {} MB an image may be.",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            )));
        }
        let bytes = self
            .files
            .read(path, MAX_UPLOAD_BYTES as u64 + 1)
            .with_context(|| format!("read {path} from the archive"))?;
        self.take_bytes(path, &bytes)
    }

    /// The image at `url` on the old site, downloaded through the guarded client the first time
    /// it is asked for; None when it could not be (reported once).
    pub fn fetched(&mut self, net: &HttpClient, url: &str) -> Result<Option<Media>> {
        if let Some(placed) = self.placed.get(url) {
            return Ok(placed.clone());
        }
        let taken = match net.get(url, "image/*", MAX_UPLOAD_BYTES as u64 + 1) {
            Ok(f) if f.status == 200 => self.take_bytes(url, &f.body)?,
            Ok(f) => Err(format!("the old site answered {}", f.status)),
            Err(NetError::TooLarge(_)) => Err(format!(
                "it is larger than the {} MB an image may be",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            )),
            Err(e) => Err(format!("it could not be downloaded: {e}")),
        };
        if let Err(reason) = &taken {
            self.outcome
                .note(format!("{url}: {reason}; the post still points at it."));
        }
        let media = taken.ok();
        self.placed.insert(url.to_string(), media.clone());
        Ok(media)
    }

    /// Takes an image's bytes into the media library, under the name and alt text the library
    /// has for `key`; why not, for the owner.
    fn take_bytes(&mut self, key: &str, bytes: &[u8]) -> Result<Result<Media, String>> {
        // The same bytes as a file already here (Porch's own files are already clean): that
        // file, with no second decoding.
        let hash = hex::encode(Sha256::digest(bytes));
        if let Some(m) = self.db.read_blocking(|c| media::by_hash(c, &hash))? {
            return Ok(Ok(m));
        }
        let processed = match process::process(bytes) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e.to_string())),
        };
        files::write(self.media_dir, &processed)?;
        let (alt, name) = self.library.get(key).cloned().unwrap_or_else(|| {
            let name = key.rsplit('/').next().unwrap_or(key).to_string();
            (String::new(), name)
        });
        let m = self
            .db
            .write_blocking(|tx| upload::record(tx, &processed, &name, &alt))?;
        Ok(Ok(m))
    }

    /// Saves the waiting posts in one transaction, each on its own savepoint, so that one
    /// refused changes nothing and the rest are kept. With none waiting (at the end of an
    /// archive imported before) it still reports the counts.
    fn save(&mut self, after_batch: AfterBatch) -> Result<()> {
        let batch = std::mem::take(&mut self.pending);
        let (settings, site_host, base) = (&self.settings, self.site_host.as_deref(), &self.base);
        let outcome = &mut self.outcome;
        self.db.write_blocking(|tx| {
            for p in batch {
                tx.execute_batch("SAVEPOINT item")?;
                let origin = Origin {
                    source: &p.source,
                    original_url: &p.original_url,
                    site_host,
                };
                match post_import::save(tx, settings, &p.compose, &origin) {
                    Ok(Imported::Added(saved)) => {
                        outcome.counts.added += 1;
                        let here = format!("{base}{}", saved.path.as_deref().unwrap_or("/"));
                        save_replies(tx, saved.id, &here, &p.replies)?;
                    }
                    Ok(Imported::Existing(_)) => outcome.counts.existing += 1,
                    Err(SaveError::Invalid(refusal)) => {
                        tx.execute_batch("ROLLBACK TO item")?;
                        let label = match p.compose.title.trim() {
                            "" => format!("Item {}", p.n),
                            t => format!("Item {} (“{t}”)", p.n),
                        };
                        outcome.skip(format!("{label}: {}", refusal.message));
                    }
                    Err(SaveError::Internal(e)) => return Err(e),
                }
                tx.execute_batch("RELEASE item")?;
            }
            after_batch(tx, outcome)
        })
    }
}

/// Saves a post's comments from the old site as approved replies in its conversation, each
/// author a person with a name and maybe a web site (no inbox: nothing is ever sent to them).
/// Nothing is notified: they are not news.
fn save_replies(tx: &Connection, post_id: PostId, here: &str, replies: &[Reply]) -> Result<()> {
    for r in replies {
        let url = r.author_url.as_str();
        let handle = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let actor_id = actors::upsert(
            tx,
            &Actor {
                // One person per web site across their comments; one per comment without one.
                uri: if url.is_empty() {
                    format!("{}#author", r.uri)
                } else {
                    format!("{url}#commenter")
                },
                handle,
                name: r.author.chars().take(200).collect(),
                url: url.to_string(),
                fetched_at: crate::store::now(),
                ..Actor::default()
            },
        )?;
        let in_reply_to = if r.in_reply_to.is_empty() {
            here
        } else {
            &r.in_reply_to
        };
        remote_posts::upsert(
            tx,
            &RemotePostWrite {
                uri: &r.uri,
                actor_id,
                url: &r.uri,
                in_reply_to,
                post_id: Some(post_id),
                summary: "",
                content_html: &r.content_html,
                attachments: &[],
                mentions_owner: false,
                in_timeline: false,
                moderation: Moderation::Approved,
                published_at: r.published_at,
                public: true,
            },
        )?;
    }
    Ok(())
}

/// `uploads/<hash>-<width>.<ext>` (a resized copy Porch made) as its original's path without
/// the extension (a copy of a WebP is a JPEG), and the width.
fn resized_copy(path: &str) -> Option<(String, u32)> {
    let (dir, name) = path.rsplit_once('/')?;
    let (stem, _) = name.rsplit_once('.')?;
    let (hash, width) = stem.split_once('-')?;
    let width: u32 = width.parse().ok()?;
    (hash.len() == 64).then(|| (format!("{dir}/{hash}"), width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_inside_may_not_leave_the_folder() {
        let root = Path::new("/data/x");
        assert_eq!(inside(root, "a/b.jpg"), Some(root.join("a/b.jpg")));
        for leaving in ["../b.jpg", "a/../../b", "/etc/passwd", "a/./../b"] {
            assert_eq!(inside(root, leaving), None, "{leaving}");
        }
    }

    #[test]
    fn a_resized_copy_names_its_original() {
        let hash = "a".repeat(64);
        assert_eq!(
            resized_copy(&format!("uploads/{hash}-480.jpg")),
            Some((format!("uploads/{hash}"), 480))
        );
        assert_eq!(resized_copy("uploads/2020/photo-480.jpg"), None);
        assert_eq!(resized_copy(&format!("uploads/{hash}.jpg")), None);
    }
}

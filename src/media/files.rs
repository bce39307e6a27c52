//! Where media files live: `DATA/media/<first two hex digits>/<sha256>.<ext>`, with resized
//! copies beside the original as `<sha256>-<width>.<ext>`. Names come from content, so a file,
//! once written, never changes, and the URL can be cached forever.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::store::media::Media;

use super::process::{Processed, variant_ext};

/// The file name of an original (`width` None) or of one resized copy.
pub fn file_name(hash: &str, ext: &str, width: Option<u32>) -> String {
    match width {
        Some(w) => format!("{hash}-{w}.{}", variant_ext(ext)),
        None => format!("{hash}.{ext}"),
    }
}

/// The public path of an original or resized copy.
pub fn url_path(hash: &str, ext: &str, width: Option<u32>) -> String {
    public_path(&file_name(hash, ext, width))
}

/// The public path of a media file by its file name (the avatar is kept as one).
pub fn public_path(name: &str) -> String {
    format!("/uploads/{name}")
}

/// The best copy of `media` for a box `want` pixels wide: the smallest copy at least that wide,
/// else the original.
pub fn fitting(media: &Media, want: u32) -> String {
    fitting_copy(&media.hash, &media.ext, &media.variants, want)
}

/// `fitting`, from the parts of a media row a query picked (a book's cover).
pub fn fitting_copy(hash: &str, ext: &str, variants: &[u32], want: u32) -> String {
    let width = variants.iter().copied().filter(|w| *w >= want).min();
    url_path(hash, ext, width)
}

/// Where a file name from a URL lives on disk, or None if the name is not one Porch makes.
pub fn disk_path(media_dir: &Path, name: &str) -> Option<PathBuf> {
    let (stem, ext) = name.rsplit_once('.')?;
    if !matches!(ext, "jpg" | "png" | "gif" | "webp") {
        return None;
    }
    let hash = match stem.split_once('-') {
        Some((hash, width)) if !width.is_empty() && width.bytes().all(|b| b.is_ascii_digit()) => {
            hash
        }
        Some(_) => return None,
        None => stem,
    };
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Some(media_dir.join(&hash[..2]).join(name))
}

/// Writes the original and its copies. Each file is written to a temporary name, synced and
/// renamed, so a crash never leaves a half-written file under a real name.
pub fn write(media_dir: &Path, p: &Processed) -> Result<()> {
    let dir = media_dir.join(&p.hash[..2]);
    std::fs::create_dir_all(&dir).with_context(|| format!("media: create {}", dir.display()))?;
    write_atomic(&dir.join(file_name(&p.hash, p.ext, None)), &p.original)?;
    for (width, bytes) in &p.variants {
        write_atomic(&dir.join(file_name(&p.hash, p.ext, Some(*width))), bytes)?;
    }
    Ok(())
}

/// Writes one file with no copies beside it (a reply author's avatar) under the name its
/// content gives it, and returns that name.
pub fn write_one(media_dir: &Path, hash: &str, ext: &str, bytes: &[u8]) -> Result<String> {
    let shard = hash
        .get(..2)
        .context("media: a content hash is 64 hex digits")?;
    let dir = media_dir.join(shard);
    std::fs::create_dir_all(&dir).with_context(|| format!("media: create {}", dir.display()))?;
    let name = file_name(hash, ext, None);
    write_atomic(&dir.join(&name), bytes)?;
    Ok(name)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    let tmp = path.with_extension("partial");
    let mut file =
        std::fs::File::create(&tmp).with_context(|| format!("media: create {}", tmp.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("media: rename to {}", path.display()))?;
    Ok(())
}

/// Removes a media item's files (after its row is gone).
pub fn remove(media_dir: &Path, media: &Media) {
    let dir = media_dir.join(&media.hash[..2]);
    let names = std::iter::once(None)
        .chain(media.variants.iter().map(|w| Some(*w)))
        .map(|w| file_name(&media.hash, &media.ext, w));
    for name in names {
        if let Err(e) = std::fs::remove_file(dir.join(&name))
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = name, error = %e, "media: could not remove file");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    #[test]
    fn disk_paths_accept_only_names_porch_makes() {
        let dir = Path::new("/data/media");
        assert_eq!(
            disk_path(dir, &format!("{HASH}.jpg")),
            Some(dir.join("0f").join(format!("{HASH}.jpg")))
        );
        assert!(disk_path(dir, &format!("{HASH}-480.jpg")).is_some());
        assert!(disk_path(dir, &format!("{HASH}.exe")).is_none());
        assert!(disk_path(dir, &format!("{HASH}-x.jpg")).is_none());
        assert!(disk_path(dir, "../../etc/passwd.jpg").is_none());
        assert!(disk_path(dir, &format!("{}.jpg", HASH.to_uppercase())).is_none());
    }

    #[test]
    fn resized_copies_of_webp_are_jpeg() {
        assert_eq!(
            file_name(HASH, "webp", Some(480)),
            format!("{HASH}-480.jpg")
        );
        assert_eq!(file_name(HASH, "png", Some(480)), format!("{HASH}-480.png"));
    }
}

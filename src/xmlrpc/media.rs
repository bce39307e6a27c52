//! `metaWeblog.newMediaObject` (and `wp.uploadFile`): an image in, through the admin panel's
//! pipeline (EXIF stripped, size caps), and its absolute URL out, for the app to put in the
//! post's HTML.

use dxr::Value;

use crate::app::App;
use crate::media::files;
use crate::media::upload::{self, UploadError};

use super::Caller;
use super::values::{Params, member_bytes, member_string, structure, text};
use super::wire::Fault;

/// `metaWeblog.newMediaObject(blogid, username, password, {name, type, bits, overwrite})`.
/// The type is sniffed from the bytes rather than believed, and files are named by their
/// content, so `overwrite` has nothing to do.
pub async fn upload(app: &App, caller: Caller, p: Params) -> Result<Value, Fault> {
    caller.require(&["media", "create"])?;
    let file = p.structure(3)?;
    let bytes =
        member_bytes(file, "bits")?.ok_or_else(|| Fault::params("The file has no bits member."))?;
    // The name may carry the client's folders; only the file's own name is kept.
    let name = member_string(file, "name")?.unwrap_or_default();
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let media = match upload::accept(app, bytes, name, "").await {
        Ok(media) => media,
        Err(UploadError::Refused(e)) if name.is_empty() => {
            return Err(Fault::refused(e.to_string()));
        }
        Err(UploadError::Refused(e)) => return Err(Fault::refused(format!("{name}: {e}"))),
        Err(UploadError::Internal(e)) => return Err(e.into()),
    };
    let url = files::url_path(&media.hash, &media.ext, None);
    Ok(structure([
        ("id", text(&media.id.to_string())),
        (
            "file",
            text(&files::file_name(&media.hash, &media.ext, None)),
        ),
        ("url", text(&app.config.base_url.join(&url))),
        ("type", text(&media.mime)),
    ]))
}

//! The panel's import of a blog archive: the upload waits in the data folder's `imports/`
//! until the owner has seen what it holds and pressed Start; then a job reads it into posts,
//! recording its progress for the import's page. Reading it again (a job interrupted by a
//! restart) adds nothing twice.

use std::path::PathBuf;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::jobs::Task;
use crate::store::ids::ImportId;
use crate::store::imports;

use super::archives;
use super::importer::Format;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPosts {
    pub import_id: ImportId,
}

impl Task for ImportPosts {
    const KIND: &'static str = "import_posts";
    const MAX_ATTEMPTS: u32 = 3;
}

/// Where an uploaded archive waits to be read.
pub fn file_path(app: &App, id: ImportId) -> PathBuf {
    app.config.imports_dir().join(format!("{}.bar", id.0))
}

pub async fn run(app: &App, ImportPosts { import_id }: ImportPosts) -> Result<()> {
    let path = file_path(app, import_id);
    let media_dir = app.config.media_dir();
    let base = app.config.base_url.to_string();
    let net = app.http.clone();
    imports::run_job(
        &app.db,
        import_id,
        path,
        Format::name,
        move |db, path, after_batch| {
            archives::import_file(db, &media_dir, &base, path, &net, after_batch)
        },
    )
    .await
}

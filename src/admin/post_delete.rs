//! Deleting a post or page (POST /admin/posts/<id>/delete). A published one leaves its URL
//! answering 410 Gone; a scheduled one loses its publication job.

use poem::web::{Data, Path, Redirect};
use poem::{IntoResponse, Response, handler};

use crate::app::App;
use crate::auth::csrf::{AdminForm, NoFields};
use crate::error::{Failure, Result};
use crate::posts::delete as remove;
use crate::store::ids::PostId;
use crate::store::posts::{Kind, Status};

#[handler]
pub async fn delete(
    Data(app): Data<&App>,
    Path(id): Path<PostId>,
    _f: AdminForm<NoFields>,
) -> Result<Response> {
    let kind = app
        .db
        .write(move |tx| Ok(remove::delete(tx, id)?.map(|p| (p.kind, p.status))))
        .await?;
    let to = match kind.ok_or(Failure::not_found())? {
        (Kind::Page, _) => "/admin/pages?done=deleted",
        (Kind::Post, Status::Draft | Status::Scheduled) => "/admin/drafts?done=deleted",
        (Kind::Post, _) => "/admin?done=deleted",
    };
    Ok(Redirect::see_other(to).into_response())
}

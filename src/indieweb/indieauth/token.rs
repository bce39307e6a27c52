//! The token endpoint (a code traded for an app token), token introspection (RFC 7662, as the
//! IndieAuth specification profiles it) and revocation (RFC 7009).

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::auth::csrf::PublicForm;
use crate::auth::secret;
use crate::auth::tokens::{self, bearer};
use crate::error::Result;
use crate::store::{owner, tokens as token_store};

use super::authorize::{Redemption, redeem};
use super::oauth_error;
use crate::indieweb::{oauth, private_json};

/// The owner's profile, for apps granted the `profile` scope.
pub async fn profile(app: &App) -> anyhow::Result<Value> {
    let owner = app.db.read(owner::get).await?;
    let settings = app.settings().await?;
    let base = &app.config.base_url;
    let mut profile = json!({
        "name": owner.map(|o| o.display_name).unwrap_or_default(),
        "url": super::me(base),
    });
    if let Some(avatar) = &settings.avatar {
        profile["photo"] = json!(base.join(&crate::media::files::public_path(avatar)));
    }
    Ok(profile)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    grant_type: String,
    code: String,
    client_id: String,
    redirect_uri: String,
    code_verifier: String,
    /// The older revocation form (`action=revoke&token=…`) that some clients still send here.
    action: String,
    token: String,
}

/// POST /indieauth/token.
#[handler]
pub async fn exchange(Data(app): Data<&App>, PublicForm(f): PublicForm<TokenForm>) -> Response {
    oauth(exchange_code(app, f).await)
}

async fn exchange_code(app: &App, f: TokenForm) -> Result<Response> {
    if f.action == "revoke" {
        return revoke_value(app, &f.token).await;
    }
    let r = &Redemption {
        grant_type: f.grant_type.clone(),
        code: f.code.clone(),
        client_id: f.client_id.clone(),
        redirect_uri: f.redirect_uri.clone(),
        code_verifier: f.code_verifier.clone(),
    };
    if r.grant_type != "authorization_code" {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only grant_type=authorization_code is supported",
        ));
    }
    let code = redeem(app, r).await?;
    // A code without a scope proves identity only; it cannot become a token.
    if code.scope.trim().is_empty() {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code was issued without a scope, so no token can be made from it",
        ));
    }
    let name = if code.client_name.is_empty() {
        code.client_id.clone()
    } else {
        code.client_name.clone()
    };
    let (client_id, scope) = (code.client_id.clone(), code.scope.clone());
    let token = app
        .db
        .write(move |tx| tokens::issue(tx, &name, &scope, &client_id, None))
        .await?;
    let mut body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "scope": code.scope,
        "me": code.me,
    });
    if code.scope.split_whitespace().any(|s| s == "profile") {
        body["profile"] = profile(app).await?;
    }
    Ok(private_json(StatusCode::OK, &body))
}

/// GET /indieauth/token with a Bearer token: the older way of checking a token.
#[handler]
pub async fn verify(Data(app): Data<&App>, req: &Request) -> Response {
    oauth(verify_bearer(app, req).await)
}

async fn verify_bearer(app: &App, req: &Request) -> Result<Response> {
    let presented = bearer(req).unwrap_or_default();
    let t = tokens::authenticate(app, &presented)
        .await?
        .ok_or_else(|| {
            oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the token is not valid",
            )
        })?;
    Ok(private_json(
        StatusCode::OK,
        &json!({ "me": super::me(&app.config.base_url), "client_id": t.client_id, "scope": t.scope }),
    ))
}

#[derive(Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    token: String,
}

/// POST /indieauth/introspect: whether a token is live, for a resource server holding a token of
/// its own (an anonymous caller may not probe tokens).
#[handler]
pub async fn introspect(
    Data(app): Data<&App>,
    req: &Request,
    PublicForm(f): PublicForm<TokenOnly>,
) -> Response {
    oauth(introspect_token(app, req, f).await)
}

async fn introspect_token(app: &App, req: &Request, f: TokenOnly) -> Result<Response> {
    let caller = bearer(req).unwrap_or_default();
    if tokens::authenticate(app, &caller).await?.is_none() {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "introspection needs a Bearer token of its own",
        ));
    }
    let hash = secret::hash(f.token.trim());
    let now = crate::store::now();
    let found = app
        .db
        .read(move |c| token_store::find(c, &hash, now))
        .await?;
    let body = match found {
        Some(t) => {
            let mut body = json!({
                "active": true,
                "me": super::me(&app.config.base_url),
                "client_id": t.client_id,
                "scope": t.scope,
                "iat": t.created_at,
            });
            if let Some(exp) = t.expires_at {
                body["exp"] = json!(exp);
            }
            body
        }
        None => json!({ "active": false }),
    };
    Ok(private_json(StatusCode::OK, &body))
}

/// POST /indieauth/revoke: the token stops working. Always 200, known or not (RFC 7009).
#[handler]
pub async fn revoke(
    Data(app): Data<&App>,
    PublicForm(f): PublicForm<TokenOnly>,
) -> Result<Response> {
    revoke_value(app, &f.token).await
}

async fn revoke_value(app: &App, value: &str) -> Result<Response> {
    let hash = secret::hash(value.trim());
    app.db
        .write(move |tx| token_store::revoke_hash(tx, &hash))
        .await?;
    Ok(private_json(StatusCode::OK, &json!({})))
}

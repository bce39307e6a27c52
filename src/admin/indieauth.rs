//! The IndieAuth consent screen (`/admin/indieauth`): it shows the app and the scopes it asks
//! for and lets the owner narrow them; approving sends the owner back to the app with a code.
//! The checks of the request are IndieAuth's (`indieweb::indieauth::authorize`).

use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::auth::Admin;
use crate::auth::csrf::AdminForm;
use crate::auth::secret;
use crate::ctx;
use crate::error::Result;
use crate::indieweb::indieauth::authorize::{AuthRequest, back_to_app, check_client};
use crate::indieweb::indieauth::{CODE_LIFETIME_SECS, canonical_url, grantable, me, refuse};
use crate::store::auth_codes::{self, AuthCode};

#[derive(Serialize)]
struct ScopeChoice {
    name: String,
    known: bool,
}

/// GET /admin/indieauth: the consent screen.
#[handler]
pub async fn consent(
    Data(app): Data<&App>,
    admin: Admin,
    Query(r): Query<AuthRequest>,
) -> Result<Response> {
    let info = match check_client(app, &r).await {
        Ok(info) => info,
        Err(message) => return Ok(refuse(&message)),
    };
    if !r.response_type.is_empty() && r.response_type != "code" {
        return Ok(back_to_app(
            app,
            &r.redirect_uri,
            &[("error", "unsupported_response_type"), ("state", &r.state)],
        ));
    }
    // PKCE with S256, or (for older apps) none at all.
    let pkce_ok = matches!(
        (
            r.code_challenge.is_empty(),
            r.code_challenge_method.as_str()
        ),
        (true, "") | (false, "S256")
    );
    if !pkce_ok {
        return Ok(back_to_app(
            app,
            &r.redirect_uri,
            &[
                ("error", "invalid_request"),
                (
                    "error_description",
                    "only code_challenge_method=S256 is supported",
                ),
                ("state", &r.state),
            ],
        ));
    }
    let scopes: Vec<ScopeChoice> = r
        .scope
        .split_whitespace()
        .map(|s| ScopeChoice {
            name: s.to_string(),
            known: grantable(s),
        })
        .collect();
    let other_host = crate::urls::host(&r.redirect_uri) != crate::urls::host(&r.client_id);
    super::render(
        app,
        &admin,
        "indieauth.html",
        "tokens",
        None,
        ctx! { request => r, client_name => info.name, logo => info.logo_data, scopes, other_host, me => me(&app.config.base_url) },
    )
    .await
}

/// The consent form: the request again (hidden fields), the scopes the owner left ticked, and
/// the answer.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ConsentForm {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
    scope: String,
    granted: Vec<String>,
    decision: String,
}

/// POST /admin/indieauth: the owner's answer. The request is checked again (the form's hidden
/// fields come back from the browser).
#[handler]
pub async fn decide(Data(app): Data<&App>, f: AdminForm<ConsentForm>) -> Result<Response> {
    let form = f.form;
    let r = &AuthRequest {
        response_type: form.response_type.clone(),
        client_id: form.client_id.clone(),
        redirect_uri: form.redirect_uri.clone(),
        state: form.state.clone(),
        code_challenge: form.code_challenge.clone(),
        code_challenge_method: form.code_challenge_method.clone(),
        scope: form.scope.clone(),
    };
    // Checked again, whole: the hidden fields came back from the browser.
    let info = match check_client(app, r).await {
        Ok(info) => info,
        Err(message) => return Ok(refuse(&message)),
    };
    let pkce_ok = matches!(
        (
            r.code_challenge.is_empty(),
            r.code_challenge_method.as_str()
        ),
        (true, "") | (false, "S256")
    );
    if !pkce_ok || !(r.response_type.is_empty() || r.response_type == "code") {
        return Ok(refuse("This authorization request is not valid."));
    }
    if form.decision != "allow" {
        return Ok(back_to_app(
            app,
            &r.redirect_uri,
            &[("error", "access_denied"), ("state", &r.state)],
        ));
    }
    let requested: Vec<&str> = r.scope.split_whitespace().collect();
    let granted: Vec<&str> = form
        .granted
        .iter()
        .map(String::as_str)
        .filter(|s| requested.contains(s) && grantable(s))
        .collect();
    let code = secret::random_token();
    let record = AuthCode {
        client_id: canonical_url(&r.client_id),
        client_name: info.name,
        redirect_uri: r.redirect_uri.clone(),
        scope: granted.join(" "),
        code_challenge: r.code_challenge.clone(),
        me: me(&app.config.base_url),
        expires_at: crate::store::now() + CODE_LIFETIME_SECS,
        used_at: None,
    };
    let hash = secret::hash(&code);
    app.db
        .write(move |tx| auth_codes::insert(tx, &hash, &record))
        .await?;
    Ok(back_to_app(
        app,
        &r.redirect_uri,
        &[("code", &code), ("state", &r.state)],
    ))
}

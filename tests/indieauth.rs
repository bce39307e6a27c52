//! IndieAuth through the real server, the way an app signs in with it: a real client on loopback
//! (its client metadata document, or an h-app page, at its client_id), discovery from the home
//! page, the authorization request with PKCE, the owner signing in and narrowing the scopes on the
//! consent screen, the code traded for a token, the token used with Micropub, introspected and
//! revoked. Then every way a code or a request can be wrong, each refused with nothing issued.

mod common;

use common::federation::{form_fields, number, texts};
use common::{Client, PASSWORD, Resp, TestServer, png, serve_pages};
use scraper::{Html, Selector};
use serde_json::json;

/// The specification's own PKCE pair (§5.2): SHA-256 of the verifier, base64url, no padding.
const VERIFIER: &str = "a6128783714cfda1d388e2e98b6ae8221ac31aca31959e59512c59f5";
const CHALLENGE: &str = "OfYAxt8zU2dAPDWQxTAUIteRzMsoj9QBdMIVEDOErUo";
/// RFC 7636's example verifier: well formed, but not the one behind `CHALLENGE`.
const OTHER_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

const APP_NAME: &str = "Porch Poster";
const H_APP_NAME: &str = "Indigenous Test";

/// An IndieAuth client: where it lives and where it wants the owner sent back.
struct App {
    client_id: String,
    redirect_uri: String,
    /// A redirect URL on another host (`localhost` rather than `127.0.0.1`) that the app lists.
    listed_elsewhere: String,
}

/// A client on loopback publishing a client metadata document at `/app/` (the 2024
/// specification) and an h-app page at `/h-app/` (older apps), each listing one redirect URL on
/// another host.
fn client_site() -> (App, App) {
    let base = serve_pages(|base| {
        let other = base.replace("127.0.0.1", "localhost");
        let metadata = json!({
            "client_id": format!("{base}/app/"),
            "client_name": APP_NAME,
            "client_uri": format!("{base}/app/"),
            "logo_uri": format!("{base}/app/logo.png"),
            "redirect_uris": [
                format!("{base}/app/callback"),
                format!("{other}/app/elsewhere"),
                "porch-test-app://signed-in".to_string(),
            ],
        });
        let h_app = format!(
            r#"<!doctype html><html><head><title>Indigenous</title>
<link rel="redirect_uri" href="{other}/h-app/elsewhere"></head>
<body><div class="h-app"><img class="u-logo" src="/h-app/logo.png" alt="">
<a class="u-url p-name" href="/h-app/">{H_APP_NAME}</a></div></body></html>"#
        );
        vec![
            (
                "/app/".into(),
                "application/json".into(),
                metadata.to_string().into_bytes(),
            ),
            (
                "/h-app/".into(),
                "text/html; charset=utf-8".into(),
                h_app.into_bytes(),
            ),
            ("/app/logo.png".into(), "image/png".into(), png(16, 16)),
            (
                "/h-app/logo.png".into(),
                "image/svg+xml".into(),
                b"<svg/>".to_vec(),
            ),
        ]
    });
    let other = base.replace("127.0.0.1", "localhost");
    (
        App {
            client_id: format!("{base}/app/"),
            redirect_uri: format!("{base}/app/callback"),
            listed_elsewhere: format!("{other}/app/elsewhere"),
        },
        App {
            client_id: format!("{base}/h-app/"),
            redirect_uri: format!("{base}/h-app/callback"),
            listed_elsewhere: format!("{other}/h-app/elsewhere"),
        },
    )
}

/// One authorization request, as the app builds it (every value percent-encoded).
struct AuthRequest<'a> {
    app: &'a App,
    redirect_uri: &'a str,
    scope: &'a str,
    state: &'a str,
    code_challenge: &'a str,
    code_challenge_method: &'a str,
}

impl<'a> AuthRequest<'a> {
    fn new(app: &'a App, scope: &'a str) -> AuthRequest<'a> {
        AuthRequest {
            app,
            redirect_uri: &app.redirect_uri,
            scope,
            state: "1234567890",
            code_challenge: CHALLENGE,
            code_challenge_method: "S256",
        }
    }

    fn query(&self, server: &TestServer) -> String {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", self.app.client_id.as_str()),
            ("redirect_uri", self.redirect_uri),
            ("state", self.state),
        ];
        if !self.code_challenge.is_empty() {
            params.push(("code_challenge", self.code_challenge));
            params.push(("code_challenge_method", self.code_challenge_method));
        }
        params.push(("scope", self.scope));
        let me = server.url("/");
        params.push(("me", &me));
        serde_urlencoded::to_string(&params).unwrap()
    }
}

/// The owner's browser, signed in.
fn browser(server: &TestServer) -> Client {
    server.admin()
}

/// Follows the app's link to the authorization endpoint with a signed-in browser, up to the
/// consent screen, which is returned.
#[track_caller]
fn consent_screen(server: &TestServer, browser: &Client, request: &AuthRequest) -> Resp {
    let query = request.query(server);
    let start = browser.get(&format!("/indieauth/auth?{query}"));
    assert_eq!(start.status, 303, "{}", start.text());
    assert_eq!(start.location(), format!("/admin/indieauth?{query}"));
    browser.get(start.location())
}

/// The owner's answer on the consent screen: the form as shown, minus the unticked scopes,
/// sent with `decision`.
#[track_caller]
fn answer(browser: &Client, consent: &Resp, untick: &[&str], decision: &str) -> Resp {
    assert_eq!(consent.status, 200, "{}", consent.text());
    let mut fields: Vec<(String, String)> = form_fields(&consent.text(), "/admin/indieauth")
        .into_iter()
        .filter(|(name, value)| !(name == "granted" && untick.contains(&value.as_str())))
        .collect();
    fields.push(("decision".into(), decision.into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    browser.post_form("/admin/indieauth", &pairs)
}

/// Where the owner was sent back to, split into the address and its query parameters.
#[track_caller]
fn sent_back(resp: &Resp) -> (String, Vec<(String, String)>) {
    assert_eq!(resp.status, 303, "{}", resp.text());
    let location = resp.location();
    let (to, query) = location.split_once('?').unwrap_or((location, ""));
    (
        to.to_string(),
        serde_urlencoded::from_str(query).expect("a query string"),
    )
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The whole approval, for a browser already signed in: returns the code.
#[track_caller]
fn approve(
    server: &TestServer,
    browser: &Client,
    request: &AuthRequest,
    untick: &[&str],
) -> String {
    let consent = consent_screen(server, browser, request);
    let (to, params) = sent_back(&answer(browser, &consent, untick, "allow"));
    assert_eq!(to, request.redirect_uri);
    assert_eq!(param(&params, "state"), Some(request.state));
    assert_eq!(param(&params, "iss"), Some(server.url("/").as_str()));
    param(&params, "code").expect("a code").to_string()
}

/// A redemption as the app sends it (form-encoded, asking for JSON).
fn redeem(server: &TestServer, endpoint: &str, fields: &[(&str, &str)]) -> Resp {
    let body = serde_urlencoded::to_string(fields).unwrap();
    server.client().post_raw(
        endpoint,
        "application/x-www-form-urlencoded",
        body.as_bytes(),
        &[("Accept", "application/json")],
    )
}

/// The token request for `code`, as `app` sends it with the matching verifier.
fn token_request(server: &TestServer, app: &App, code: &str) -> Resp {
    redeem(
        server,
        "/indieauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", &app.client_id),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", VERIFIER),
        ],
    )
}

/// An OAuth error answer: the status, JSON with this `error`, never cached.
#[track_caller]
fn assert_oauth_error(resp: &Resp, status: u16, error: &str) {
    assert_eq!(resp.status, status, "{}", resp.text());
    assert_eq!(resp.json()["error"], error, "{}", resp.text());
    assert_eq!(resp.header("cache-control"), Some("no-store"));
}

/// Tokens issued to apps through IndieAuth.
fn app_tokens(server: &TestServer) -> i64 {
    number(
        server,
        "SELECT count(*) FROM app_tokens WHERE client_id != ''",
        [],
    )
}

/// Codes issued and not yet redeemed.
fn fresh_codes(server: &TestServer) -> i64 {
    number(
        server,
        "SELECT count(*) FROM auth_codes WHERE used_at IS NULL",
        [],
    )
}

/// A token of the site's own, as a resource server holds one to call introspection.
fn resource_server_token(server: &TestServer) -> String {
    server
        .app
        .db
        .write_blocking(|tx| porch::auth::tokens::create(tx, "resource server", "media"))
        .unwrap()
}

fn introspect(server: &TestServer, caller: &str, token: &str) -> Resp {
    let auth = format!("Bearer {caller}");
    let body = serde_urlencoded::to_string([("token", token)]).unwrap();
    server.client().post_raw(
        "/indieauth/introspect",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
        &[("Authorization", &auth), ("Accept", "application/json")],
    )
}

fn micropub_create(server: &TestServer, token: &str, content: &str) -> Resp {
    let auth = format!("Bearer {token}");
    let body = serde_urlencoded::to_string([("h", "entry"), ("content", content)]).unwrap();
    server.client().post_raw(
        "/micropub",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
        &[("Authorization", &auth)],
    )
}

/// The `href` of the first `<link rel=…>` in the page's head.
fn link(html: &str, rel: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!(r#"head link[rel="{rel}"]"#)).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|l| l.value().attr("href"))
        .map(String::from)
}

#[test]
fn an_app_signs_in_with_pkce_narrowed_scopes_and_posts_with_its_token() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let me = server.url("/");

    // Discovery, from the URL the owner typed into the app.
    let home = server.client().get("/");
    assert_eq!(home.status, 200);
    let home = home.text();
    let metadata_url = link(&home, "indieauth-metadata").expect("rel=indieauth-metadata");
    assert_eq!(
        metadata_url,
        server.url("/.well-known/oauth-authorization-server")
    );
    let metadata = server.client().get(&metadata_url);
    assert_eq!(metadata.status, 200);
    assert!(
        metadata
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let metadata = metadata.json();
    let issuer = metadata["issuer"].as_str().unwrap().to_string();
    assert_eq!(issuer, me);
    assert!(
        metadata_url.starts_with(&issuer),
        "the issuer is a prefix of the metadata URL"
    );
    let endpoint = |name: &str| metadata[name].as_str().unwrap_or_default().to_string();
    assert_eq!(
        endpoint("authorization_endpoint"),
        server.url("/indieauth/auth")
    );
    assert_eq!(endpoint("token_endpoint"), server.url("/indieauth/token"));
    assert_eq!(
        endpoint("introspection_endpoint"),
        server.url("/indieauth/introspect")
    );
    assert_eq!(
        endpoint("revocation_endpoint"),
        server.url("/indieauth/revoke")
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(metadata["response_types_supported"], json!(["code"]));
    assert_eq!(
        metadata["grant_types_supported"],
        json!(["authorization_code"])
    );
    assert_eq!(
        metadata["revocation_endpoint_auth_methods_supported"],
        json!(["none"])
    );
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        true
    );
    let scopes = metadata["scopes_supported"].as_array().unwrap();
    for scope in [
        "create", "update", "delete", "undelete", "media", "draft", "profile",
    ] {
        assert!(scopes.contains(&json!(scope)), "{scope} in {scopes:?}");
    }
    // Older clients read the endpoints from the page itself.
    assert_eq!(
        link(&home, "authorization_endpoint"),
        Some(endpoint("authorization_endpoint"))
    );
    assert_eq!(
        link(&home, "token_endpoint"),
        Some(endpoint("token_endpoint"))
    );
    assert_eq!(link(&home, "micropub"), Some(server.url("/micropub")));

    // The owner's browser, not signed in, goes to the authorization endpoint.
    let request = AuthRequest::new(&app, "profile create update delete media");
    let query = request.query(&server);
    let browser = server.client();
    let start = browser.get(&format!("{}?{query}", endpoint("authorization_endpoint")));
    assert_eq!(start.status, 303);
    let consent_path = format!("/admin/indieauth?{query}");
    assert_eq!(start.location(), consent_path);
    let to_login = browser.get(&consent_path);
    assert_eq!(to_login.status, 303);
    let login_path = to_login.location().to_string();
    assert!(login_path.starts_with("/admin/login?next="), "{login_path}");

    // Signing in brings the owner back to the consent screen.
    let login = browser.get(&login_path);
    assert_eq!(login.status, 200);
    let mut fields: Vec<(String, String)> = form_fields(&login.text(), "/admin/login")
        .into_iter()
        .filter(|(name, _)| name != "password")
        .collect();
    assert!(
        fields.contains(&("next".to_string(), consent_path.clone())),
        "{fields:?}"
    );
    fields.push(("password".into(), PASSWORD.into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let signed_in = browser.post_form("/admin/login", &pairs);
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    assert_eq!(signed_in.location(), consent_path);

    // The consent screen names the app (from its metadata) and its address, and lists the scopes.
    let consent = browser.get(&consent_path);
    assert_eq!(consent.status, 200, "{}", consent.text());
    let html = consent.text();
    assert_eq!(
        texts(&html, "h1"),
        [format!("Let {APP_NAME} use your site?")]
    );
    assert!(html.contains(&app.client_id), "the full client_id is shown");
    let offered: Vec<String> = form_fields(&html, "/admin/indieauth")
        .into_iter()
        .filter(|(name, _)| name == "granted")
        .map(|(_, value)| value)
        .collect();
    assert_eq!(offered, ["profile", "create", "update", "delete", "media"]);
    assert!(
        !html.contains("role=\"alert\""),
        "no warning for a redirect on the app's own host"
    );

    // The owner unticks delete and allows.
    let (to, params) = sent_back(&answer(&browser, &consent, &["delete"], "allow"));
    assert_eq!(to, app.redirect_uri);
    assert_eq!(param(&params, "state"), Some("1234567890"));
    assert_eq!(param(&params, "iss"), Some(issuer.as_str()));
    let code = param(&params, "code").expect("a code").to_string();
    assert!(code.len() >= 32, "{code}");

    // The app trades the code (it may add `me`, as older clients do).
    let token = redeem(
        &server,
        &endpoint("token_endpoint"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &app.client_id),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", VERIFIER),
            ("me", &me),
        ],
    );
    assert_eq!(token.status, 200, "{}", token.text());
    assert_eq!(token.header("cache-control"), Some("no-store"));
    let token = token.json();
    let access = token["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], "profile create update media");
    assert_eq!(token["me"], me);
    assert_eq!(token["profile"]["name"], "Alice Example");
    assert_eq!(token["profile"]["url"], me);

    // It posts with it, and may not do what the owner unticked.
    let created = micropub_create(&server, &access, "Posted from an app that signed in");
    assert_eq!(created.status, 201, "{}", created.text());
    let post = server.client().get(created.location());
    assert_eq!(post.status, 200);
    assert!(post.text().contains("Posted from an app that signed in"));
    let auth = format!("Bearer {access}");
    let delete = server.client().post_raw(
        "/micropub",
        "application/x-www-form-urlencoded",
        serde_urlencoded::to_string([("action", "delete"), ("url", created.location())])
            .unwrap()
            .as_bytes(),
        &[("Authorization", &auth)],
    );
    assert_eq!(delete.status, 401, "{}", delete.text());
    assert_eq!(delete.json()["error"], "insufficient_scope");
    assert_eq!(server.client().get(created.location()).status, 200);

    // A resource server asks about the token.
    let caller = resource_server_token(&server);
    let about = introspect(&server, &caller, &access);
    assert_eq!(about.status, 200, "{}", about.text());
    let about = about.json();
    assert_eq!(about["active"], true);
    assert_eq!(about["me"], me);
    assert_eq!(about["client_id"], app.client_id);
    assert_eq!(about["scope"], "profile create update media");
    assert!(about["iat"].is_i64(), "{about}");
    // Older resource servers ask the token endpoint.
    let verified = server
        .client()
        .get_with("/indieauth/token", &[("Authorization", &auth)]);
    assert_eq!(verified.status, 200, "{}", verified.text());
    assert_eq!(
        verified.json(),
        json!({"me": me, "client_id": app.client_id, "scope": "profile create update media"})
    );

    // The owner sees the app among the tokens, by name and address.
    let tokens = browser.get("/admin/tokens");
    assert_eq!(tokens.status, 200);
    let rows = texts(&tokens.text(), "tbody tr td:first-child");
    assert!(
        rows.iter()
            .any(|r| r.contains(APP_NAME) && r.contains(&app.client_id)),
        "{rows:?}"
    );

    // Revoked, it is dead everywhere.
    let revoked = redeem(
        &server,
        &endpoint("revocation_endpoint"),
        &[("token", &access)],
    );
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    let about = introspect(&server, &caller, &access);
    assert_eq!(about.status, 200);
    assert_eq!(about.json(), json!({"active": false}));
    let refused = micropub_create(&server, &access, "After revocation");
    assert_eq!(refused.status, 401, "{}", refused.text());
    assert_eq!(refused.json()["error"], "invalid_token");
    assert_eq!(app_tokens(&server), 0);
    // Revoking an unknown token is no error either.
    let again = redeem(&server, "/indieauth/revoke", &[("token", &access)]);
    assert_eq!(again.status, 200);
}

#[test]
fn introspection_needs_a_token_of_its_own() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let code = approve(
        &server,
        &browser(&server),
        &AuthRequest::new(&app, "create"),
        &[],
    );
    let access = token_request(&server, &app, &code).json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let body = serde_urlencoded::to_string([("token", access.as_str())]).unwrap();
    let anonymous = server.client().post_raw(
        "/indieauth/introspect",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
        &[],
    );
    assert_oauth_error(&anonymous, 401, "invalid_token");
    assert!(
        anonymous.json().get("active").is_none(),
        "nothing told about the token"
    );
    let wrong = introspect(&server, "not-a-token", &access);
    assert_oauth_error(&wrong, 401, "invalid_token");
    let unknown = introspect(&server, &resource_server_token(&server), "no-such-token");
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.json(), json!({"active": false}));
}

#[test]
fn an_app_described_by_an_h_app_page_is_named_on_the_consent_screen() {
    let server = TestServer::with_owner();
    let (_, app) = client_site();
    let browser = browser(&server);
    let consent = consent_screen(&server, &browser, &AuthRequest::new(&app, "create"));
    assert_eq!(consent.status, 200, "{}", consent.text());
    assert_eq!(
        texts(&consent.text(), "h1"),
        [format!("Let {H_APP_NAME} use your site?")]
    );
    // Its redirect link on another host is honoured, with a warning for the owner.
    let mut request = AuthRequest::new(&app, "create");
    request.redirect_uri = &app.listed_elsewhere;
    let consent = consent_screen(&server, &browser, &request);
    assert_eq!(consent.status, 200, "{}", consent.text());
    assert!(
        consent.text().contains("role=\"alert\""),
        "{}",
        consent.text()
    );
    let code = approve(&server, &browser, &request, &[]);
    let token = redeem(
        &server,
        "/indieauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &app.client_id),
            ("redirect_uri", &app.listed_elsewhere),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_eq!(token.status, 200, "{}", token.text());
    assert_eq!(token.json()["scope"], "create");
}

#[test]
fn a_redirect_uri_that_the_metadata_document_lists_on_another_host_is_allowed() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    let mut request = AuthRequest::new(&app, "create");
    request.redirect_uri = &app.listed_elsewhere;
    let consent = consent_screen(&server, &browser, &request);
    assert_eq!(consent.status, 200, "{}", consent.text());
    assert!(consent.text().contains(&app.listed_elsewhere));
    assert!(consent.text().contains("role=\"alert\""));
    approve(&server, &browser, &request, &[]);
}

#[test]
fn an_older_app_without_pkce_redeems_its_code_without_a_verifier() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    let mut request = AuthRequest::new(&app, "create update delete undelete");
    request.code_challenge = "";
    let code = approve(&server, &browser, &request, &[]);
    let token = redeem(
        &server,
        "/indieauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &app.client_id),
            ("redirect_uri", &app.redirect_uri),
            ("me", &server.url("/")),
        ],
    );
    assert_eq!(token.status, 200, "{}", token.text());
    assert_eq!(token.json()["scope"], "create update delete undelete");
    // A verifier for a code asked for without a challenge is refused.
    let code = approve(&server, &browser, &request, &[]);
    assert_oauth_error(&token_request(&server, &app, &code), 400, "invalid_grant");
    assert_eq!(app_tokens(&server), 1);
}

// Codes: single use, short-lived, bound to their app and their verifier.

#[test]
fn a_code_works_only_once() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let code = approve(
        &server,
        &browser(&server),
        &AuthRequest::new(&app, "create"),
        &[],
    );
    let first = token_request(&server, &app, &code);
    assert_eq!(first.status, 200, "{}", first.text());
    let replay = token_request(&server, &app, &code);
    assert_oauth_error(&replay, 400, "invalid_grant");
    let at_auth = redeem(
        &server,
        "/indieauth/auth",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &app.client_id),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_oauth_error(&at_auth, 400, "invalid_grant");
    assert_eq!(app_tokens(&server), 1);
}

#[test]
fn an_expired_code_is_refused() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let code = approve(
        &server,
        &browser(&server),
        &AuthRequest::new(&app, "create"),
        &[],
    );
    let expired = server
        .app
        .db
        .write_blocking(|tx| {
            Ok(tx.execute(
                "UPDATE auth_codes SET expires_at = strftime('%s', 'now') - 1",
                [],
            )?)
        })
        .unwrap();
    assert_eq!(expired, 1);
    let resp = token_request(&server, &app, &code);
    assert_oauth_error(&resp, 400, "invalid_grant");
    assert!(
        resp.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    assert_eq!(app_tokens(&server), 0);
}

#[test]
fn a_wrong_code_verifier_is_refused() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let code = approve(
        &server,
        &browser(&server),
        &AuthRequest::new(&app, "create"),
        &[],
    );
    let resp = redeem(
        &server,
        "/indieauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &app.client_id),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", OTHER_VERIFIER),
        ],
    );
    assert_oauth_error(&resp, 400, "invalid_grant");
    assert_eq!(app_tokens(&server), 0);
    // Whoever guessed wrong does not get another try with the same code.
    assert_oauth_error(&token_request(&server, &app, &code), 400, "invalid_grant");
    assert_eq!(app_tokens(&server), 0);
}

#[test]
fn a_code_asked_for_with_pkce_needs_its_verifier() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let code = approve(
        &server,
        &browser(&server),
        &AuthRequest::new(&app, "create"),
        &[],
    );
    let resp = redeem(
        &server,
        "/indieauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &app.client_id),
            ("redirect_uri", &app.redirect_uri),
        ],
    );
    assert_oauth_error(&resp, 400, "invalid_grant");
    assert_eq!(app_tokens(&server), 0);
}

#[test]
fn a_code_is_bound_to_its_client_id_and_redirect_uri() {
    let server = TestServer::with_owner();
    let (app, other) = client_site();
    let browser = browser(&server);
    let code = approve(&server, &browser, &AuthRequest::new(&app, "create"), &[]);
    let resp = redeem(
        &server,
        "/indieauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &other.client_id),
            ("redirect_uri", &app.redirect_uri),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_oauth_error(&resp, 400, "invalid_grant");
    let code = approve(&server, &browser, &AuthRequest::new(&app, "create"), &[]);
    let resp = redeem(
        &server,
        "/indieauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &app.client_id),
            ("redirect_uri", &app.listed_elsewhere),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_oauth_error(&resp, 400, "invalid_grant");
    assert_eq!(app_tokens(&server), 0);
}

#[test]
fn only_the_authorization_code_grant_is_supported() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let code = approve(
        &server,
        &browser(&server),
        &AuthRequest::new(&app, "create"),
        &[],
    );
    for grant in ["refresh_token", "password", "client_credentials", ""] {
        let resp = redeem(
            &server,
            "/indieauth/token",
            &[
                ("grant_type", grant),
                ("code", &code),
                ("client_id", &app.client_id),
                ("redirect_uri", &app.redirect_uri),
                ("code_verifier", VERIFIER),
            ],
        );
        assert_oauth_error(&resp, 400, "unsupported_grant_type");
    }
    assert_eq!(app_tokens(&server), 0);
    // The refusals left the code as it was.
    let resp = token_request(&server, &app, &code);
    assert_eq!(resp.status, 200, "{}", resp.text());
}

#[test]
fn a_code_without_scopes_proves_identity_but_gives_no_token() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    let me = server.url("/");
    let request = AuthRequest::new(&app, "");
    let consent = consent_screen(&server, &browser, &request);
    assert_eq!(consent.status, 200);
    assert!(
        consent
            .text()
            .contains("It only asks to confirm who you are"),
        "{}",
        consent.text()
    );
    let identity = |code: &str| {
        redeem(
            &server,
            "/indieauth/auth",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("client_id", &app.client_id),
                ("redirect_uri", &app.redirect_uri),
                ("code_verifier", VERIFIER),
            ],
        )
    };
    let code = approve(&server, &browser, &request, &[]);
    let resp = identity(&code);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json(), json!({"me": me}));

    let code = approve(&server, &browser, &request, &[]);
    assert_oauth_error(&token_request(&server, &app, &code), 400, "invalid_grant");
    assert_eq!(app_tokens(&server), 0);

    // With the profile scope, the owner's name comes with it.
    let code = approve(&server, &browser, &AuthRequest::new(&app, "profile"), &[]);
    let resp = identity(&code);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.json(),
        json!({"me": me, "profile": {"name": "Alice Example", "url": me}})
    );
    // Unticked, it does not.
    let code = approve(
        &server,
        &browser,
        &AuthRequest::new(&app, "profile"),
        &["profile"],
    );
    assert_eq!(identity(&code).json(), json!({"me": me}));
    assert_eq!(app_tokens(&server), 0);
}

// Authorization requests the owner must never be sent back from, or is sent back from with an
// error.

#[test]
fn a_redirect_uri_on_another_host_that_the_app_does_not_list_gets_an_error_page() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    let mut request = AuthRequest::new(&app, "create");
    request.redirect_uri = "https://attacker.example/steal";
    let consent = consent_screen(&server, &browser, &request);
    assert_eq!(consent.status, 400, "{}", consent.text());
    assert_eq!(consent.header("location"), None);
    assert!(consent.text().contains("https://attacker.example/steal"));
    assert!(
        !consent.text().contains("name=\"decision\""),
        "no consent form"
    );
    // A consent form forged with that address is refused the same way.
    let csrf = browser.csrf();
    let resp = browser.post_form(
        "/admin/indieauth",
        &[
            ("csrf", &csrf),
            ("response_type", "code"),
            ("client_id", &app.client_id),
            ("redirect_uri", "https://attacker.example/steal"),
            ("state", "1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("scope", "create"),
            ("granted", "create"),
            ("decision", "allow"),
        ],
    );
    assert_eq!(resp.status, 400, "{}", resp.text());
    assert_eq!(resp.header("location"), None);
    assert_eq!(number(&server, "SELECT count(*) FROM auth_codes", []), 0);
}

#[test]
fn a_client_id_that_is_not_a_valid_url_gets_an_error_page() {
    let server = TestServer::with_owner();
    let browser = browser(&server);
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", "https://user:pass@app.example/"),
        ("redirect_uri", "https://app.example/callback"),
        ("state", "1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let resp = browser.get(&format!("/admin/indieauth?{query}"));
    assert_eq!(resp.status, 400, "{}", resp.text());
    assert_eq!(resp.header("location"), None);
}

#[test]
fn the_plain_code_challenge_method_is_sent_back_as_invalid_request() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    let mut request = AuthRequest::new(&app, "create");
    request.code_challenge = VERIFIER;
    request.code_challenge_method = "plain";
    let back = consent_screen(&server, &browser, &request);
    let (to, params) = sent_back(&back);
    assert_eq!(to, app.redirect_uri);
    assert_eq!(param(&params, "error"), Some("invalid_request"));
    assert_eq!(param(&params, "state"), Some("1234567890"));
    assert_eq!(param(&params, "iss"), Some(server.url("/").as_str()));
    assert_eq!(param(&params, "code"), None);
    assert_eq!(number(&server, "SELECT count(*) FROM auth_codes", []), 0);
}

#[test]
fn denying_sends_the_app_access_denied() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    // A redirect URL with a query of its own keeps it; an odd state comes back unchanged.
    let redirect_uri = format!("{}?from=porch", app.redirect_uri);
    let mut request = AuthRequest::new(&app, "create update");
    request.redirect_uri = &redirect_uri;
    request.state = "a b&c=d+e/é\"<x>";
    let consent = consent_screen(&server, &browser, &request);
    let (to, params) = sent_back(&answer(&browser, &consent, &[], "deny"));
    assert_eq!(to, app.redirect_uri);
    assert_eq!(param(&params, "from"), Some("porch"));
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert_eq!(param(&params, "state"), Some(request.state));
    assert_eq!(param(&params, "iss"), Some(server.url("/").as_str()));
    assert_eq!(param(&params, "code"), None);
    assert_eq!(number(&server, "SELECT count(*) FROM auth_codes", []), 0);
}

#[test]
fn the_consent_form_needs_its_csrf_token() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    let consent = consent_screen(&server, &browser, &AuthRequest::new(&app, "create"));
    assert_eq!(consent.status, 200);
    let fields = form_fields(&consent.text(), "/admin/indieauth");
    for csrf in [None, Some("forged")] {
        let mut pairs: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(n, _)| n != "csrf")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        if let Some(token) = csrf {
            pairs.push(("csrf", token));
        }
        pairs.push(("decision", "allow"));
        let resp = browser.post_form("/admin/indieauth", &pairs);
        assert_eq!(resp.status, 403, "{}", resp.text());
        assert_eq!(resp.header("location"), None);
    }
    // Nor can another site's page post the owner's consent.
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    pairs.push(("decision", "allow"));
    let body = serde_urlencoded::to_string(&pairs).unwrap();
    let resp = browser.post_raw(
        "/admin/indieauth",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(resp.status, 403);
    assert_eq!(number(&server, "SELECT count(*) FROM auth_codes", []), 0);
    assert_eq!(fresh_codes(&server), 0);
}

#[test]
fn a_signed_out_consent_post_is_refused() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let resp = server.client().post_form(
        "/admin/indieauth",
        &[
            ("csrf", "anything"),
            ("response_type", "code"),
            ("client_id", &app.client_id),
            ("redirect_uri", &app.redirect_uri),
            ("state", "1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("scope", "create"),
            ("granted", "create"),
            ("decision", "allow"),
        ],
    );
    assert_eq!(resp.status, 403, "{}", resp.text());
    assert_eq!(number(&server, "SELECT count(*) FROM auth_codes", []), 0);
}

#[test]
fn the_owner_may_grant_only_what_was_asked_for() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    let request = AuthRequest::new(&app, "create email");
    let consent = consent_screen(&server, &browser, &request);
    assert!(
        consent
            .text()
            .contains("email — not something Porch offers")
    );
    let mut fields = form_fields(&consent.text(), "/admin/indieauth");
    // A tampered form adds scopes the app never asked for.
    for extra in ["delete", "email"] {
        fields.push(("granted".into(), extra.into()));
    }
    fields.push(("decision".into(), "allow".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let (_, params) = sent_back(&browser.post_form("/admin/indieauth", &pairs));
    let code = param(&params, "code").unwrap();
    let token = token_request(&server, &app, code);
    assert_eq!(token.status, 200, "{}", token.text());
    assert_eq!(token.json()["scope"], "create");
}

#[test]
fn the_owner_cuts_an_app_off_from_the_tokens_screen() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    let code = approve(&server, &browser, &AuthRequest::new(&app, "create"), &[]);
    let access = token_request(&server, &app, &code).json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(micropub_create(&server, &access, "Before").status, 201);
    let id = number(
        &server,
        "SELECT id FROM app_tokens WHERE client_id = ?1",
        [&app.client_id],
    );
    let tokens = browser.get("/admin/tokens");
    let action = format!("/admin/tokens/{id}/revoke");
    let fields = form_fields(&tokens.text(), &action);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let revoked = browser.post_form(&action, &pairs);
    assert_eq!(revoked.status, 303, "{}", revoked.text());
    let refused = micropub_create(&server, &access, "After");
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["error"], "invalid_token");
    assert!(!browser.get("/admin/tokens").text().contains(&app.client_id));
}

#[test]
fn an_app_that_leaves_the_slashes_of_its_urls_unencoded_still_gets_the_owner_back_after_sign_in() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    // `:` and `/` may stand unencoded in a query string, and some apps write them so.
    let query = format!(
        "response_type=code&client_id={}&redirect_uri={}&state=xyz&code_challenge={CHALLENGE}&code_challenge_method=S256&scope=create",
        app.client_id, app.redirect_uri
    );
    let browser = server.client();
    let start = browser.get(&format!("/indieauth/auth?{query}"));
    assert_eq!(start.status, 303);
    let to_login = browser.get(start.location());
    assert_eq!(to_login.status, 303);
    let login = browser.get(to_login.location());
    let mut fields: Vec<(String, String)> = form_fields(&login.text(), "/admin/login")
        .into_iter()
        .filter(|(name, _)| name != "password")
        .collect();
    fields.push(("password".into(), PASSWORD.into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let signed_in = browser.post_form("/admin/login", &pairs);
    assert_eq!(signed_in.status, 303);
    assert_eq!(signed_in.location(), format!("/admin/indieauth?{query}"));
    let consent = browser.get(signed_in.location());
    assert_eq!(consent.status, 200);
    assert_eq!(
        texts(&consent.text(), "h1"),
        [format!("Let {APP_NAME} use your site?")]
    );
}

#[test]
fn a_token_granted_only_the_profile_scope_reads_nothing_private() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let admin = browser(&server);
    let saved = admin.compose(&[
        ("markdown", "A private draft about the porch"),
        ("action", "draft"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let code = approve(&server, &admin, &AuthRequest::new(&app, "profile"), &[]);
    let token = token_request(&server, &app, &code);
    assert_eq!(token.status, 200, "{}", token.text());
    assert_eq!(token.json()["scope"], "profile");
    let access = token.json()["access_token"].as_str().unwrap().to_string();
    let auth = format!("Bearer {access}");
    let get = |path: &str| server.client().get_with(path, &[("Authorization", &auth)]);
    // The app learns where things are...
    assert_eq!(get("/micropub?q=config").status, 200);
    // ...but not what the owner has not published, nor the media library.
    for path in [
        "/micropub?q=source&post-status=draft",
        "/micropub?q=source",
        "/micropub/media?q=last",
        "/micropub/media?q=source",
    ] {
        let resp = get(path);
        assert_eq!(resp.status, 401, "{path}: {}", resp.text());
        assert_eq!(resp.json()["error"], "insufficient_scope", "{path}");
        assert!(!resp.text().contains("private draft"));
    }
    let resp = micropub_create(&server, &access, "Posted by a sign-in app");
    assert_eq!(resp.status, 401);
    assert_eq!(resp.json()["error"], "insufficient_scope");
}

#[test]
fn older_apps_revoke_their_token_at_the_token_endpoint() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let code = approve(
        &server,
        &browser(&server),
        &AuthRequest::new(&app, "create"),
        &[],
    );
    let access = token_request(&server, &app, &code).json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = redeem(
        &server,
        "/indieauth/token",
        &[("action", "revoke"), ("token", &access)],
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(app_tokens(&server), 0);
    let refused = micropub_create(&server, &access, "After revocation");
    assert_eq!(refused.status, 401);
    let caller = resource_server_token(&server);
    assert_eq!(
        introspect(&server, &caller, &access).json(),
        json!({"active": false})
    );
}

#[test]
fn the_consent_screen_shows_the_apps_logo_without_the_browser_asking_its_server() {
    let server = TestServer::with_owner();
    let (app, h_app) = client_site();
    let browser = browser(&server);
    let consent = consent_screen(&server, &browser, &AuthRequest::new(&app, "create"));
    let html = consent.text();
    assert!(
        html.contains(r#"<img class="client-logo" src="data:image/png;base64,"#),
        "{html}"
    );
    assert!(
        !html.contains("logo.png"),
        "no address of the app's server: {html}"
    );
    // A logo that is not a raster image (an SVG could carry script) is not shown at all.
    let consent = consent_screen(&server, &browser, &AuthRequest::new(&h_app, "create"));
    assert!(!consent.text().contains("data:image"), "{}", consent.text());
}

#[test]
fn a_phone_app_is_sent_back_to_its_own_scheme_only_when_it_lists_it() {
    let server = TestServer::with_owner();
    let (app, _) = client_site();
    let browser = browser(&server);
    let mut listed = AuthRequest::new(&app, "create");
    listed.redirect_uri = "porch-test-app://signed-in";
    let consent = consent_screen(&server, &browser, &listed);
    assert_eq!(consent.status, 200, "{}", consent.text());
    let back = answer(&browser, &consent, &[], "allow");
    assert_eq!(back.status, 303);
    assert!(
        back.location()
            .starts_with("porch-test-app://signed-in?code="),
        "{}",
        back.location()
    );
    for refused in ["other-app://signed-in", "javascript://alert(1)"] {
        let mut request = AuthRequest::new(&app, "create");
        request.redirect_uri = refused;
        let query = request.query(&server);
        let page = browser.get(&format!("/admin/indieauth?{query}"));
        assert_eq!(page.status, 400, "{refused}: {}", page.text());
        assert!(page.header("location").is_none());
    }
}

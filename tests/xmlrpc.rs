//! The XML-RPC blogging APIs, driven over HTTP the way MarsEdit drives them: discovery through
//! RSD, getUsersBlogs, the lists, an image upload, posts and pages written, edited, categorised
//! and deleted — and every refusal a proper fault that changes nothing. Requests are written by
//! hand and answers read with a small reader of their own, independent of the server's crate.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

use base64::Engine;
use common::{Client, PASSWORD, TestServer, USERNAME, jpeg, png};
use porch::store::ids::PostId;
use porch::store::posts::{self, Kind, Post, Status};
use quick_xml::events::Event;

// ---- Writing calls ----

fn escape(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn s(v: &str) -> String {
    format!("<value><string>{}</string></value>", escape(v))
}

fn int(v: i64) -> String {
    format!("<value><int>{v}</int></value>")
}

fn boolean(v: bool) -> String {
    format!("<value><boolean>{}</boolean></value>", u8::from(v))
}

fn date(v: &str) -> String {
    format!("<value><dateTime.iso8601>{v}</dateTime.iso8601></value>")
}

/// Base64 broken into lines of 76 characters, as Cocoa's encoder writes it.
fn base64(bytes: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!("<value><base64>{}</base64></value>", lines.join("\n"))
}

fn st(members: &[(&str, String)]) -> String {
    let mut out = String::from("<value><struct>");
    for (name, value) in members {
        out.push_str(&format!("<member><name>{name}</name>{value}</member>"));
    }
    out + "</struct></value>"
}

fn arr(values: &[String]) -> String {
    format!(
        "<value><array><data>{}</data></array></value>",
        values.concat()
    )
}

fn call(method: &str, params: &[String]) -> String {
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall>\n<methodName>{method}</methodName>\n<params>\n"
    );
    for p in params {
        body.push_str(&format!("<param>{p}</param>\n"));
    }
    body + "</params>\n</methodCall>\n"
}

// ---- Reading answers ----

/// An XML-RPC value as the test reads it.
#[derive(Clone, Debug, PartialEq)]
enum X {
    Str(String),
    Int(i64),
    Bool(bool),
    Date(String),
    Struct(BTreeMap<String, X>),
    Array(Vec<X>),
}

impl X {
    fn str(&self) -> &str {
        match self {
            X::Str(s) => s,
            other => panic!("not a string: {other:?}"),
        }
    }

    fn int(&self) -> i64 {
        match self {
            X::Int(n) => *n,
            other => panic!("not an int: {other:?}"),
        }
    }

    fn bool(&self) -> bool {
        match self {
            X::Bool(b) => *b,
            other => panic!("not a boolean: {other:?}"),
        }
    }

    fn date(&self) -> &str {
        match self {
            X::Date(d) => d,
            other => panic!("not a date: {other:?}"),
        }
    }

    fn get(&self, key: &str) -> &X {
        match self {
            X::Struct(m) => m
                .get(key)
                .unwrap_or_else(|| panic!("no member {key} in {m:?}")),
            other => panic!("not a struct: {other:?}"),
        }
    }

    fn list(&self) -> &[X] {
        match self {
            X::Array(a) => a,
            other => panic!("not an array: {other:?}"),
        }
    }

    fn strings(&self) -> Vec<&str> {
        self.list().iter().map(X::str).collect()
    }
}

struct El {
    name: String,
    kids: Vec<El>,
    text: String,
}

impl El {
    fn new(name: &[u8]) -> El {
        El {
            name: String::from_utf8(name.to_vec()).unwrap(),
            kids: Vec::new(),
            text: String::new(),
        }
    }

    fn child(&self, name: &str) -> &El {
        self.kids
            .iter()
            .find(|k| k.name == name)
            .unwrap_or_else(|| panic!("no <{name}> in <{}>", self.name))
    }
}

fn dom(xml: &str) -> El {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![El::new(b"#document")];
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("answer not well-formed ({e}): {xml}"));
        match event {
            Event::Start(e) => stack.push(El::new(e.name().as_ref())),
            Event::Empty(e) => stack
                .last_mut()
                .unwrap()
                .kids
                .push(El::new(e.name().as_ref())),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().kids.push(done);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Event::CData(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap().to_string();
                let resolved = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .unwrap_or_else(|| panic!("entity {name}"))
                        .to_string(),
                };
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements: {xml}");
    stack.pop().unwrap()
}

fn value(v: &El) -> X {
    assert_eq!(v.name, "value");
    let Some(typed) = v.kids.first() else {
        return X::Str(v.text.clone());
    };
    match typed.name.as_str() {
        "string" => X::Str(typed.text.clone()),
        "int" | "i4" => X::Int(typed.text.trim().parse().unwrap()),
        "boolean" => X::Bool(match typed.text.trim() {
            "1" => true,
            "0" => false,
            other => panic!("boolean {other:?}"),
        }),
        "dateTime.iso8601" => X::Date(typed.text.trim().to_string()),
        "struct" => X::Struct(
            typed
                .kids
                .iter()
                .map(|m| (m.child("name").text.clone(), value(m.child("value"))))
                .collect(),
        ),
        "array" => X::Array(typed.child("data").kids.iter().map(value).collect()),
        other => panic!("unexpected value type {other}"),
    }
}

/// The answer: a value, or a fault's code and string.
fn answer(r: &common::Resp) -> Result<X, (i64, String)> {
    assert_eq!(
        r.status,
        200,
        "XML-RPC answers are always 200: {}",
        r.text()
    );
    assert_eq!(r.header("content-type"), Some("text/xml; charset=utf-8"));
    let doc = dom(&r.text());
    let response = doc.child("methodResponse");
    if let Some(fault) = response.kids.iter().find(|k| k.name == "fault") {
        let f = value(fault.child("value"));
        return Err((
            f.get("faultCode").int(),
            f.get("faultString").str().to_string(),
        ));
    }
    let params = response.child("params");
    assert_eq!(params.kids.len(), 1, "one value: {}", r.text());
    Ok(value(params.child("param").child("value")))
}

/// A MarsEdit-like client: the blog's address, the username and an app token.
struct Editor<'a> {
    server: &'a TestServer,
    http: Client,
    token: String,
}

impl Editor<'_> {
    fn new<'a>(server: &'a TestServer, scope: &str) -> Editor<'a> {
        Editor {
            server,
            http: server.client(),
            token: token(server, scope),
        }
    }

    fn post(&self, body: &str) -> Result<X, (i64, String)> {
        answer(
            &self
                .http
                .post_raw("/xmlrpc", "text/xml", body.as_bytes(), &[]),
        )
    }

    /// Calls a method whose parameters are `before`, then the credentials, then `after`.
    fn call(&self, method: &str, before: &[String], after: &[String]) -> Result<X, (i64, String)> {
        let mut params = before.to_vec();
        params.push(s(USERNAME));
        params.push(s(&self.token));
        params.extend_from_slice(after);
        self.post(&call(method, &params))
    }

    fn ok(&self, method: &str, before: &[String], after: &[String]) -> X {
        self.call(method, before, after)
            .unwrap_or_else(|f| panic!("{method} failed: {f:?}"))
    }

    fn fault(&self, method: &str, before: &[String], after: &[String]) -> (i64, String) {
        match self.call(method, before, after) {
            Err(f) => f,
            Ok(v) => panic!("{method} should have failed: {v:?}"),
        }
    }

    fn new_post(&self, members: &[(&str, String)], publish: bool) -> String {
        self.ok(
            "metaWeblog.newPost",
            &[s("1")],
            &[st(members), boolean(publish)],
        )
        .str()
        .to_string()
    }

    fn get_post(&self, id: &str) -> X {
        self.ok("metaWeblog.getPost", &[s(id)], &[])
    }

    fn path_of(&self, link: &str) -> String {
        link.strip_prefix(&self.server.base)
            .unwrap_or_else(|| panic!("{link} is not on {}", self.server.base))
            .to_string()
    }
}

fn token(server: &TestServer, scope: &str) -> String {
    let scope = scope.to_string();
    server
        .app
        .db
        .write_blocking(move |tx| porch::auth::tokens::create(tx, "MarsEdit", &scope))
        .unwrap()
}

const ALL: &str = "create update delete media";

fn all_posts(server: &TestServer) -> Vec<Post> {
    let mut out = Vec::new();
    for kind in [Kind::Post, Kind::Page] {
        out.extend(
            server
                .app
                .db
                .read_blocking(move |c| {
                    posts::for_admin(
                        c,
                        kind,
                        &[
                            Status::Draft,
                            Status::Scheduled,
                            Status::Published,
                            Status::Deleted,
                        ],
                        100,
                        0,
                    )
                })
                .unwrap(),
        );
    }
    out
}

fn media_count(server: &TestServer) -> usize {
    server
        .app
        .db
        .read_blocking(|c| porch::store::media::list(c, 100, 0))
        .unwrap()
        .len()
}

// ---- Discovery and setup ----

#[test]
fn marsedit_finds_the_endpoint_from_the_home_page_and_sets_up_the_blog() {
    let server = TestServer::with_owner();
    let visitor = server.client();
    let home = visitor.get("/").text();
    let rsd_url = format!("{}/rsd.xml", server.base);
    assert!(
        home.contains(&format!(
            r#"<link rel="EditURI" type="application/rsd+xml" title="RSD" href="{rsd_url}">"#
        )),
        "{home}"
    );

    let rsd = visitor.get(&rsd_url);
    assert_eq!(rsd.status, 200);
    assert_eq!(
        rsd.header("content-type"),
        Some("application/rsd+xml; charset=utf-8")
    );
    let doc = dom(&rsd.text());
    let root = doc.child("rsd");
    let service = root.child("service");
    assert_eq!(service.child("engineName").text, "Porch");
    assert_eq!(
        service.child("homePageLink").text,
        format!("{}/", server.base)
    );
    let text = rsd.text();
    let api = format!("{}/xmlrpc", server.base);
    for (name, preferred) in [
        ("MetaWeblog", true),
        ("Blogger", false),
        ("Movable Type", false),
        ("WordPress", false),
    ] {
        let line =
            format!(r#"<api name="{name}" blogID="1" preferred="{preferred}" apiLink="{api}"/>"#);
        assert!(text.contains(&line), "{line} in {text}");
    }
    assert_eq!(service.child("apis").kids.len(), 4);

    // The owner makes an app token in the panel and gives it to MarsEdit as the password.
    let admin = server.admin();
    let csrf = admin.csrf();
    let page = admin.post_form(
        "/admin/tokens",
        &[
            ("csrf", &csrf),
            ("name", "MarsEdit"),
            ("scope", "create"),
            ("scope", "update"),
            ("scope", "delete"),
            ("scope", "media"),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    let start = html.find(r#"<p class="token">"#).expect("token shown") + 17;
    let token = html[start..start + html[start..].find('<').unwrap()].to_string();
    let app = Editor {
        server: &server,
        http: server.client(),
        token,
    };

    let blogs = app.ok("blogger.getUsersBlogs", &[s("0123456789ABCDEF")], &[]);
    assert_eq!(blogs.list().len(), 1);
    let blog = &blogs.list()[0];
    assert_eq!(blog.get("blogid").str(), "1");
    assert_eq!(blog.get("blogName").str(), "My blog");
    assert_eq!(blog.get("url").str(), format!("{}/", server.base));
    assert_eq!(blog.get("xmlrpc").str(), api);
    assert!(blog.get("isAdmin").bool());
    // The aliases answer the same.
    assert_eq!(&app.ok("metaWeblog.getUsersBlogs", &[s("")], &[]), &blogs);
    assert_eq!(&app.ok("wp.getUsersBlogs", &[], &[]), &blogs);

    let methods = app.post(&call("mt.supportedMethods", &[])).unwrap();
    let methods = methods.strings();
    for m in [
        "blogger.getUsersBlogs",
        "blogger.deletePost",
        "metaWeblog.newPost",
        "metaWeblog.editPost",
        "metaWeblog.getPost",
        "metaWeblog.getRecentPosts",
        "metaWeblog.getCategories",
        "metaWeblog.newMediaObject",
        "mt.getCategoryList",
        "mt.setPostCategories",
        "mt.getPostCategories",
        "mt.supportedMethods",
        "wp.getPages",
        "wp.newPage",
        "wp.editPage",
        "wp.deletePage",
        "system.listMethods",
    ] {
        assert!(methods.contains(&m), "{m} in {methods:?}");
    }
    let listed = app.post(&call("system.listMethods", &[])).unwrap();
    assert_eq!(listed.strings(), methods);
    let filters = app.post(&call("mt.supportedTextFilters", &[])).unwrap();
    assert_eq!(filters.list()[0].get("key").str(), "markdown");

    // An empty blog lists nothing, without a fault.
    let recent = app.ok("metaWeblog.getRecentPosts", &[s("1")], &[int(50)]);
    assert_eq!(recent.list().len(), 0);
    assert_eq!(
        app.ok("metaWeblog.getCategories", &[s("1")], &[])
            .list()
            .len(),
        0
    );
    assert_eq!(app.ok("mt.getCategoryList", &[s("1")], &[]).list().len(), 0);
    assert_eq!(app.ok("wp.getPages", &[s("1")], &[int(10)]).list().len(), 0);
}

#[test]
fn every_method_it_lists_is_answered() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let methods = app.post(&call("mt.supportedMethods", &[])).unwrap();
    for m in methods.strings() {
        match app.post(&call(m, &[])) {
            Ok(_) => assert!(
                [
                    "mt.supportedMethods",
                    "system.listMethods",
                    "mt.supportedTextFilters"
                ]
                .contains(&m),
                "{m} answered without parameters"
            ),
            Err((code, message)) => {
                assert_eq!(code, -32602, "{m}: {message}");
                assert!(message.contains("0 given"), "{m}: {message}");
            }
        }
    }
}

// ---- Writing posts ----

#[test]
fn a_post_written_in_marsedit_with_an_uploaded_image_and_categories_is_published() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);

    let image = png(40, 30);
    let uploaded = app.ok(
        "metaWeblog.newMediaObject",
        &[s("1")],
        &[st(&[
            ("name", s("Pictures/red square.png")),
            ("type", s("image/png")),
            ("bits", base64(&image)),
            ("overwrite", boolean(false)),
        ])],
    );
    let url = uploaded.get("url").str().to_string();
    assert!(
        url.starts_with(&format!("{}/uploads/", server.base)) && url.ends_with(".png"),
        "{url}"
    );
    assert_eq!(uploaded.get("type").str(), "image/png");
    assert_eq!(url.rsplit('/').next().unwrap(), uploaded.get("file").str());
    let served = server.client().get(&url);
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("image/png"));
    let decoded = image::load_from_memory(&served.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (40, 30));
    let library = server
        .app
        .db
        .read_blocking(|c| porch::store::media::list(c, 10, 0))
        .unwrap();
    assert_eq!(library.len(), 1);
    assert_eq!(library[0].original_name, "red square.png");

    let description = format!(
        "A walk along the *canal* this morning.\n\n<p><img src=\"{url}\" alt=\"A red square\" width=\"40\" height=\"30\" /></p>"
    );
    let id = app.new_post(
        &[
            ("title", s("Canal walk")),
            ("description", s(&description)),
            ("categories", arr(&[s("Travel"), s("Walks")])),
            ("mt_allow_comments", int(1)),
            ("mt_keywords", s("")),
        ],
        true,
    );
    assert!(
        id.parse::<i64>().is_ok(),
        "postid is a string of digits: {id}"
    );

    let post = app.get_post(&id);
    assert_eq!(post.get("postid").str(), id);
    assert_eq!(post.get("title").str(), "Canal walk");
    assert_eq!(post.get("description").str(), description);
    assert_eq!(post.get("mt_text_more").str(), "");
    assert_eq!(post.get("categories").strings(), vec!["Travel", "Walks"]);
    assert_eq!(post.get("post_status").str(), "publish");
    assert_eq!(post.get("wp_slug").str(), "canal-walk");
    let link = post.get("link").str().to_string();
    assert_eq!(post.get("permaLink").str(), link);
    let today = chrono::Utc::now().format("/%Y/%m/%d/").to_string();
    assert_eq!(app.path_of(&link), format!("{today}canal-walk.html"));
    assert_eq!(post.get("dateCreated").date().len(), 17);
    assert_eq!(post.get("dateCreated"), post.get("date_created_gmt"));

    let page = server.client().get(&link);
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains(&format!(
            r#"<h1 class="p-name"><a href="{link}">Canal walk</a></h1>"#
        )),
        "{html}"
    );
    assert!(
        html.contains("A walk along the <em>canal</em> this morning."),
        "{html}"
    );
    assert!(html.contains(&format!(r#"src="{url}""#)), "{html}");
    assert!(html.contains(r#"alt="A red square""#), "{html}");
    for (slug, name) in [("travel", "Travel"), ("walks", "Walks")] {
        assert!(
            html.contains(&format!(
                r#"<a class="p-category" href="{}/categories/{slug}/">{name}</a>"#,
                server.base
            )),
            "{html}"
        );
        let list = server.client().get(&format!("/categories/{slug}/")).text();
        assert!(list.contains("Canal walk"), "{list}");
    }
    assert!(server.client().get("/").text().contains("Canal walk"));

    // The new categories are listed, in both forms.
    let categories = app.ok("metaWeblog.getCategories", &[s("1")], &[]);
    let travel = &categories.list()[0];
    assert_eq!(travel.get("categoryName").str(), "Travel");
    assert_eq!(travel.get("description").str(), "Travel");
    assert_eq!(travel.get("parentId").str(), "0");
    assert_eq!(
        travel.get("htmlUrl").str(),
        format!("{}/categories/travel/", server.base)
    );
    assert_eq!(
        travel.get("rssUrl").str(),
        format!("{}/categories/travel/feed.xml", server.base)
    );
    let list = app.ok("mt.getCategoryList", &[s("1")], &[]);
    let names: Vec<&str> = list
        .list()
        .iter()
        .map(|c| c.get("categoryName").str())
        .collect();
    assert_eq!(names, vec!["Travel", "Walks"]);
    assert_eq!(
        list.list()[0].get("categoryId").str(),
        travel.get("categoryId").str()
    );

    let recent = app.ok("metaWeblog.getRecentPosts", &[s("1")], &[int(50)]);
    assert_eq!(recent.list().len(), 1);
    assert_eq!(&recent.list()[0], &post);
}

#[test]
fn editing_a_post_changes_the_members_sent_and_keeps_its_url() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let id = app.new_post(
        &[
            ("title", s("First light")),
            ("description", s("Up early.")),
            ("categories", arr(&[s("Mornings")])),
        ],
        true,
    );
    let before = app.get_post(&id);
    let link = before.get("link").str().to_string();

    // Only the text, with an extended part.
    let done = app.ok(
        "metaWeblog.editPost",
        &[s(&id)],
        &[
            st(&[
                ("description", s("Up early, again.")),
                ("mt_text_more", s("The rest of the morning was quiet.")),
            ]),
            boolean(true),
        ],
    );
    assert!(done.bool());
    let after = app.get_post(&id);
    assert_eq!(after.get("title").str(), "First light");
    assert_eq!(after.get("description").str(), "Up early, again.");
    assert_eq!(
        after.get("mt_text_more").str(),
        "The rest of the morning was quiet."
    );
    assert_eq!(after.get("categories").strings(), vec!["Mornings"]);
    assert_eq!(after.get("link").str(), link);
    assert_eq!(after.get("dateCreated"), before.get("dateCreated"));
    let html = server.client().get(&link).text();
    assert!(html.contains("Up early, again."), "{html}");
    assert!(
        html.contains("The rest of the morning was quiet."),
        "{html}"
    );
    assert!(!html.contains("more--"), "{html}");

    // A new title does not move a published post.
    app.ok(
        "metaWeblog.editPost",
        &[s(&id)],
        &[st(&[("title", s("First light, revised"))]), boolean(true)],
    );
    let renamed = app.get_post(&id);
    assert_eq!(renamed.get("title").str(), "First light, revised");
    assert_eq!(renamed.get("link").str(), link);
    assert!(
        server
            .client()
            .get(&link)
            .text()
            .contains("First light, revised")
    );

    // MarsEdit sets the categories with a second call, by id.
    app.new_post(
        &[
            ("title", s("Other")),
            ("description", s("x")),
            ("categories", arr(&[s("Birds"), s("Weather")])),
        ],
        true,
    );
    let ids: BTreeMap<String, String> = app
        .ok("mt.getCategoryList", &[s("1")], &[])
        .list()
        .iter()
        .map(|c| {
            (
                c.get("categoryName").str().to_string(),
                c.get("categoryId").str().to_string(),
            )
        })
        .collect();
    let set = app.ok(
        "mt.setPostCategories",
        &[s(&id)],
        &[arr(&[
            st(&[
                ("categoryId", s(&ids["Weather"])),
                ("isPrimary", boolean(true)),
            ]),
            st(&[("categoryId", s(&ids["Birds"]))]),
        ])],
    );
    assert!(set.bool());
    let now = app.ok("mt.getPostCategories", &[s(&id)], &[]);
    let got: Vec<(&str, &str, bool)> = now
        .list()
        .iter()
        .map(|c| {
            (
                c.get("categoryName").str(),
                c.get("categoryId").str(),
                c.get("isPrimary").bool(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("Birds", ids["Birds"].as_str(), true),
            ("Weather", ids["Weather"].as_str(), false)
        ]
    );
    let html = server.client().get(&link).text();
    assert!(html.contains("/categories/birds/"), "{html}");
    assert!(html.contains("/categories/weather/"), "{html}");
    assert!(!html.contains("/categories/mornings/"), "{html}");
    assert_eq!(app.get_post(&id).get("link").str(), link);
}

#[test]
fn a_draft_saved_from_marsedit_is_not_public_until_published() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let id = app.new_post(
        &[
            ("title", s("Half a thought")),
            ("description", s("Still writing this one.")),
        ],
        false,
    );
    let draft = app.get_post(&id);
    assert_eq!(draft.get("post_status").str(), "draft");
    assert_eq!(draft.get("wp_slug").str(), "");
    assert_eq!(
        draft.get("link").str(),
        format!("{}/admin/posts/{id}", server.base)
    );
    let visitor = server.client();
    for path in ["/", "/feed.xml", "/archive/"] {
        let text = visitor.get(path).text();
        assert!(!text.contains("Still writing"), "{path}: {text}");
    }
    let recent = app.ok("metaWeblog.getRecentPosts", &[s("1")], &[int(10)]);
    assert_eq!(recent.list()[0].get("postid").str(), id);
    assert_eq!(recent.list()[0].get("post_status").str(), "draft");

    // post_status wins over the publish flag, as in WordPress.
    app.ok(
        "metaWeblog.editPost",
        &[s(&id)],
        &[st(&[("post_status", s("publish"))]), boolean(false)],
    );
    let published = app.get_post(&id);
    assert_eq!(published.get("post_status").str(), "publish");
    let link = published.get("link").str().to_string();
    assert!(link.ends_with("/half-a-thought.html"), "{link}");
    let page = visitor.get(&link);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Still writing this one."));
    assert!(visitor.get("/").text().contains("Still writing this one."));
}

#[test]
fn a_post_can_be_backdated_or_scheduled_and_named_by_its_slug() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let old = app.new_post(
        &[
            ("title", s("From the archive")),
            ("description", s("Written long ago.")),
            ("date_created_gmt", date("20200301T10:00:00")),
            ("wp_slug", s("old-notes")),
        ],
        true,
    );
    let post = app.get_post(&old);
    assert_eq!(
        app.path_of(post.get("link").str()),
        "/2020/03/01/old-notes.html"
    );
    assert_eq!(post.get("date_created_gmt").date(), "20200301T10:00:00");
    assert_eq!(server.client().get(post.get("link").str()).status, 200);

    // A date with a zone, as a string.
    let zoned = app.new_post(
        &[
            ("title", s("Leap day")),
            ("description", s("x")),
            ("dateCreated", s("2020-02-29T23:30:00-01:00")),
        ],
        true,
    );
    let post = app.get_post(&zoned);
    assert_eq!(post.get("date_created_gmt").date(), "20200301T00:30:00");
    assert_eq!(
        app.path_of(post.get("link").str()),
        "/2020/03/01/leap-day.html"
    );

    let later = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y%m%dT%H:%M:%S")
        .to_string();
    let id = app.new_post(
        &[
            ("title", s("Coming soon")),
            ("description", s("Not yet.")),
            ("date_created_gmt", date(&later)),
        ],
        true,
    );
    let scheduled = app.get_post(&id);
    assert_eq!(scheduled.get("post_status").str(), "publish");
    assert_eq!(scheduled.get("date_created_gmt").date(), later);
    assert_eq!(
        scheduled.get("link").str(),
        format!("{}/admin/posts/{id}", server.base)
    );
    let stored = server
        .app
        .db
        .read_blocking(move |c| posts::by_id(c, PostId(id.parse().unwrap())))
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, Status::Scheduled);
    assert!(stored.path.is_none());
    assert!(!server.client().get("/").text().contains("Not yet."));
}

#[test]
fn pages_are_listed_created_edited_and_deleted() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let id = app
        .ok(
            "wp.newPage",
            &[s("1")],
            &[
                st(&[
                    ("title", s("The garden")),
                    ("description", s("What grows where.")),
                    ("page_status", s("publish")),
                ]),
                boolean(true),
            ],
        )
        .str()
        .to_string();
    let pages = app.ok("wp.getPages", &[s("1")], &[int(10)]);
    assert_eq!(pages.list().len(), 1);
    let page = &pages.list()[0];
    assert_eq!(page.get("page_id").int().to_string(), id);
    assert_eq!(page.get("title").str(), "The garden");
    assert_eq!(page.get("description").str(), "What grows where.");
    assert_eq!(page.get("page_status").str(), "publish");
    assert_eq!(page.get("wp_slug").str(), "the-garden");
    assert_eq!(page.get("wp_author_display_name").str(), "Alice Example");
    let link = format!("{}/the-garden/", server.base);
    assert_eq!(page.get("link").str(), link);
    let html = server.client().get(&link).text();
    assert!(
        html.contains(r#"<h1 class="p-name">The garden</h1>"#),
        "{html}"
    );
    assert!(html.contains("What grows where."), "{html}");
    // Pages are not posts.
    assert_eq!(
        app.ok("metaWeblog.getRecentPosts", &[s("1")], &[int(10)])
            .list()
            .len(),
        0
    );

    let edited = app.ok(
        "wp.editPage",
        &[s("1"), s(&id)],
        &[
            st(&[("description", s("Beans by the fence, roses by the door."))]),
            boolean(true),
        ],
    );
    assert!(edited.bool());
    let page = app.ok("wp.getPage", &[s("1"), s(&id)], &[]);
    assert_eq!(page.get("title").str(), "The garden");
    assert_eq!(
        page.get("description").str(),
        "Beans by the fence, roses by the door."
    );
    assert_eq!(page.get("link").str(), link);
    assert!(
        server
            .client()
            .get(&link)
            .text()
            .contains("roses by the door")
    );

    // A page is not edited or deleted as a post's id through the page calls, and vice versa.
    let post = app.new_post(&[("title", s("A post")), ("description", s("x"))], true);
    assert_eq!(
        app.fault("wp.deletePage", &[s("1")], &[s(&post)]),
        (404, "Sorry, no such page.".into())
    );
    assert_eq!(
        app.fault(
            "wp.editPage",
            &[s("1"), s(&post)],
            &[st(&[]), boolean(true)]
        )
        .0,
        404
    );

    assert!(app.ok("wp.deletePage", &[s("1")], &[s(&id)]).bool());
    assert_eq!(server.client().get(&link).status, 410);
    assert_eq!(app.ok("wp.getPages", &[s("1")], &[]).list().len(), 0);
    assert_eq!(app.fault("wp.getPage", &[s("1"), s(&id)], &[]).0, 404);
    assert_eq!(app.fault("wp.deletePage", &[s("1")], &[s(&id)]).0, 404);
}

#[test]
fn deleting_a_post_leaves_its_url_gone() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let id = app.new_post(
        &[("title", s("Brief")), ("description", s("Gone soon."))],
        true,
    );
    let link = app.get_post(&id).get("link").str().to_string();
    assert_eq!(server.client().get(&link).status, 200);

    let deleted = app.ok(
        "blogger.deletePost",
        &[s("0123456789ABCDEF"), s(&id)],
        &[boolean(true)],
    );
    assert!(deleted.bool());
    assert_eq!(server.client().get(&link).status, 410);
    assert!(!server.client().get("/").text().contains("Gone soon."));
    assert_eq!(
        app.fault("metaWeblog.getPost", &[s(&id)], &[]),
        (404, "Invalid post ID.".into())
    );
    assert_eq!(
        app.fault("blogger.deletePost", &[s(""), s(&id)], &[boolean(true)])
            .0,
        404
    );
    assert_eq!(
        app.ok("metaWeblog.getRecentPosts", &[s("1")], &[int(10)])
            .list()
            .len(),
        0
    );
}

#[test]
fn a_jpeg_upload_has_its_camera_data_stripped() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, "media");
    let original = jpeg(64, 48);
    // An EXIF segment, as a phone writes one, right after the start of image.
    let mut with_exif = original[..2].to_vec();
    let exif = b"Exif\0\0MM\0*\0\0\0\x08\0\0GPS-SECRET";
    with_exif.extend_from_slice(&[0xFF, 0xE1]);
    with_exif.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    with_exif.extend_from_slice(exif);
    with_exif.extend_from_slice(&original[2..]);
    let uploaded = app.ok(
        "metaWeblog.newMediaObject",
        &[s("1")],
        &[st(&[
            ("name", s("IMG_0001.JPG")),
            ("type", s("image/jpeg")),
            ("bits", base64(&with_exif)),
        ])],
    );
    assert_eq!(uploaded.get("type").str(), "image/jpeg");
    let served = server.client().get(uploaded.get("url").str());
    assert_eq!(served.status, 200);
    assert!(
        !served.body.windows(10).any(|w| w == b"GPS-SECRET"),
        "EXIF removed"
    );
    assert_eq!(image::load_from_memory(&served.body).unwrap().width(), 64);
}

// ---- Refusals ----

#[test]
fn malformed_xml_and_calls_that_are_not_xmlrpc_are_faults() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    for body in [
        "",
        "this is not XML",
        "<methodCall><methodName>metaWeblog.getPost</methodName><params>",
        "<methodCall><methodName>x</methodName></params></methodCall>",
    ] {
        let (code, message) = app.post(body).unwrap_err();
        assert_eq!(code, -32700, "{body:?}: {message}");
    }
    for body in [
        "<methodResponse><params/></methodResponse>",
        "<methodCall><methodName>mt.supportedMethods</methodName><params><param><value><foo/></value></param></params></methodCall>",
        "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><methodCall><methodName>&lol2;</methodName></methodCall>",
    ] {
        let (code, message) = app.post(body).unwrap_err();
        assert_eq!(code, -32600, "{body:?}: {message}");
    }
    let r = app
        .http
        .post_raw("/xmlrpc", "text/xml", b"<a>\xff\xfe</a>", &[]);
    assert_eq!(answer(&r).unwrap_err().0, -32701);
    assert!(all_posts(&server).is_empty());
}

#[test]
fn an_unknown_method_is_a_fault() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    assert_eq!(
        app.fault("metaWeblog.frobnicate", &[s("1")], &[]),
        (
            -32601,
            "Requested method metaWeblog.frobnicate not found.".into()
        )
    );
    // Only POST is XML-RPC.
    assert_eq!(server.client().get("/xmlrpc").status, 405);
}

#[test]
fn wrong_parameter_counts_and_types_are_faults_that_change_nothing() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let (code, message) = app
        .post(&call("metaWeblog.newPost", &[s("1"), s(USERNAME)]))
        .unwrap_err();
    assert_eq!(code, -32602);
    assert_eq!(
        message,
        "Invalid method parameters: 2 given, 4 to 5 expected."
    );
    assert_eq!(
        app.fault(
            "metaWeblog.newPost",
            &[s("1")],
            &[s("not a struct"), boolean(true)]
        ),
        (-32602, "Parameter 4 must be a struct.".into())
    );
    assert_eq!(
        app.fault(
            "metaWeblog.newPost",
            &[s("1")],
            &[st(&[("title", arr(&[s("a")]))]), boolean(true)]
        ),
        (-32602, "The member title must be a string.".into())
    );
    let (code, message) = app.fault(
        "metaWeblog.newPost",
        &[s("1")],
        &[
            st(&[("title", s("x")), ("dateCreated", s("last tuesday"))]),
            boolean(true),
        ],
    );
    assert_eq!(code, -32602);
    assert!(message.contains("dateCreated"), "{message}");
    assert_eq!(
        app.fault(
            "metaWeblog.newMediaObject",
            &[s("1")],
            &[st(&[("name", s("a.png")), ("bits", s("***not base64***"))])]
        ),
        (-32602, "The member bits must be base64.".into())
    );
    // A save the save path refuses: an empty post, a page without a title.
    assert_eq!(
        app.fault("metaWeblog.newPost", &[s("1")], &[st(&[]), boolean(true)]),
        (
            400,
            "The post is empty: write something or add a photo.".into()
        )
    );
    assert_eq!(
        app.fault(
            "wp.newPage",
            &[s("1")],
            &[st(&[("description", s("text"))]), boolean(true)]
        ),
        (400, "A page needs a title.".into())
    );
    // A file that is not an image.
    let (code, message) = app.fault(
        "metaWeblog.newMediaObject",
        &[s("1")],
        &[st(&[
            ("name", s("notes.txt")),
            ("bits", base64(b"just text")),
        ])],
    );
    assert_eq!(code, 400);
    assert!(message.starts_with("notes.txt: "), "{message}");
    assert!(all_posts(&server).is_empty());
    assert_eq!(media_count(&server), 0);
    assert_eq!(app.ok("mt.getCategoryList", &[s("1")], &[]).list().len(), 0);
}

#[test]
fn a_wrong_username_or_password_is_refused_and_changes_nothing() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let good = app.token.clone();
    let post = st(&[("title", s("Intruder")), ("description", s("x"))]);
    for (user, password) in [
        (USERNAME, "not-a-token"),
        (USERNAME, ""),
        ("mallory", good.as_str()),
    ] {
        let body = call(
            "metaWeblog.newPost",
            &[s("1"), s(user), s(password), post.clone(), boolean(true)],
        );
        assert_eq!(
            app.post(&body).unwrap_err(),
            (403, "Incorrect username or password.".into()),
            "{user} / {password}"
        );
    }
    // The username is not case-sensitive, as on the login form.
    let body = call("blogger.getUsersBlogs", &[s(""), s("ALICE"), s(&good)]);
    assert!(app.post(&body).is_ok());
    assert!(all_posts(&server).is_empty());
}

#[test]
fn the_admin_password_is_not_accepted_in_place_of_an_app_token() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let id = app.new_post(&[("title", s("Mine")), ("description", s("x"))], true);
    for body in [
        call("blogger.getUsersBlogs", &[s(""), s(USERNAME), s(PASSWORD)]),
        call(
            "metaWeblog.newPost",
            &[
                s("1"),
                s(USERNAME),
                s(PASSWORD),
                st(&[("title", s("Sneaky")), ("description", s("x"))]),
                boolean(true),
            ],
        ),
        call(
            "blogger.deletePost",
            &[s(""), s(&id), s(USERNAME), s(PASSWORD), boolean(true)],
        ),
    ] {
        assert_eq!(
            app.post(&body).unwrap_err(),
            (403, "Incorrect username or password.".into())
        );
    }
    let posts = all_posts(&server);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].status, Status::Published);
}

#[test]
fn a_token_without_the_needed_scope_changes_nothing() {
    let server = TestServer::with_owner();
    let owner = Editor::new(&server, ALL);
    let id = owner.new_post(
        &[
            ("title", s("Kept")),
            ("description", s("Still here.")),
            ("categories", arr(&[s("Keep")])),
        ],
        true,
    );
    let before = owner.get_post(&id);

    let media_only = Editor::new(&server, "media");
    let post = st(&[("title", s("New")), ("description", s("x"))]);
    let (code, message) = media_only.fault(
        "metaWeblog.newPost",
        &[s("1")],
        &[post.clone(), boolean(true)],
    );
    assert_eq!(code, 401);
    assert_eq!(
        message,
        "Sorry, this app token is not allowed to do that: it needs the create scope (its scopes: media)."
    );
    assert_eq!(
        media_only
            .fault(
                "metaWeblog.newPost",
                &[s("1")],
                &[post.clone(), boolean(false)]
            )
            .0,
        401
    );
    assert_eq!(
        media_only
            .fault(
                "metaWeblog.editPost",
                &[s(&id)],
                &[st(&[("title", s("Changed"))]), boolean(true)]
            )
            .0,
        401
    );
    assert_eq!(
        media_only
            .fault("blogger.deletePost", &[s(""), s(&id)], &[boolean(true)])
            .0,
        401
    );
    assert_eq!(
        media_only
            .fault("mt.setPostCategories", &[s(&id)], &[arr(&[])])
            .0,
        401
    );
    assert_eq!(
        media_only
            .fault(
                "wp.newPage",
                &[s("1")],
                &[st(&[("title", s("P"))]), boolean(true)]
            )
            .0,
        401
    );
    // Reading needs no particular scope.
    assert_eq!(owner.get_post(&id), before);

    let updater = Editor::new(&server, "update");
    let (code, message) = updater.fault(
        "metaWeblog.newMediaObject",
        &[s("1")],
        &[st(&[("name", s("a.png")), ("bits", base64(&png(4, 4)))])],
    );
    assert_eq!(code, 401);
    assert!(message.contains("the media or create scope"), "{message}");
    assert_eq!(updater.fault("wp.deletePage", &[s("1")], &[s(&id)]).0, 401);

    // A draft-only token may save drafts, and nothing public.
    let drafter = Editor::new(&server, "draft");
    assert_eq!(
        drafter
            .fault(
                "metaWeblog.newPost",
                &[s("1")],
                &[post.clone(), boolean(true)]
            )
            .0,
        401
    );
    assert_eq!(
        drafter
            .fault(
                "metaWeblog.newPost",
                &[s("1")],
                &[
                    st(&[("title", s("New")), ("post_status", s("publish"))]),
                    boolean(false)
                ]
            )
            .0,
        401
    );
    let draft = drafter.new_post(&[("title", s("Idea")), ("description", s("later"))], false);
    assert_eq!(owner.get_post(&draft).get("post_status").str(), "draft");

    // A revoked token is no token.
    server
        .app
        .db
        .write_blocking(|tx| {
            let t = porch::store::tokens::list(tx)?;
            for token in t.iter().filter(|t| t.scope == "media") {
                porch::store::tokens::revoke(tx, token.id)?;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(
        media_only.fault("metaWeblog.getPost", &[s(&id)], &[]).0,
        403
    );

    assert_eq!(owner.get_post(&id), before);
    assert_eq!(all_posts(&server).len(), 2);
    assert_eq!(media_count(&server), 0);
    assert_eq!(server.client().get(before.get("link").str()).status, 200);
}

#[test]
fn a_post_that_does_not_exist_is_a_fault_and_never_a_new_post() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let id = app.new_post(
        &[
            ("title", s("Real")),
            ("description", s("x")),
            ("categories", arr(&[s("One")])),
        ],
        true,
    );
    let missing = "999999";
    let not_found = (404, "Invalid post ID.".to_string());
    assert_eq!(
        app.fault("metaWeblog.getPost", &[s(missing)], &[]),
        not_found
    );
    assert_eq!(app.fault("metaWeblog.getPost", &[s("abc")], &[]), not_found);
    assert_eq!(
        app.fault("metaWeblog.getPost", &[int(999_999)], &[]),
        not_found
    );
    assert_eq!(
        app.fault(
            "metaWeblog.editPost",
            &[s(missing)],
            &[
                st(&[("title", s("Ghost")), ("description", s("x"))]),
                boolean(true)
            ]
        ),
        not_found
    );
    assert_eq!(
        app.fault("blogger.deletePost", &[s(""), s(missing)], &[boolean(true)]),
        not_found
    );
    assert_eq!(
        app.fault("mt.getPostCategories", &[s(missing)], &[]),
        not_found
    );
    assert_eq!(
        app.fault("mt.setPostCategories", &[s(missing)], &[arr(&[])]),
        not_found
    );
    // An unknown category leaves the post's categories as they were.
    assert_eq!(
        app.fault(
            "mt.setPostCategories",
            &[s(&id)],
            &[arr(&[st(&[("categoryId", s("424242"))])])]
        ),
        (404, "No such category: 424242.".into())
    );
    assert_eq!(app.get_post(&id).get("categories").strings(), vec!["One"]);
    assert_eq!(all_posts(&server).len(), 1);
}

#[test]
fn an_oversized_request_is_refused_before_it_is_read() {
    let server = TestServer::with_owner();
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /xmlrpc HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nContent-Length: 40000000\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").expect("an answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/xml; charset=utf-8"),
        "{head}"
    );
    let fault = value(
        dom(body)
            .child("methodResponse")
            .child("fault")
            .child("value"),
    );
    assert_eq!(fault.get("faultCode").int(), -32300);
    assert_eq!(
        fault.get("faultString").str(),
        "The request is too large (36 MB at most)."
    );
}

#[test]
fn an_oversized_body_without_a_length_is_cut_off_at_the_cap() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    // Sent in chunks, so that the server must count as it reads; 37 MiB of one string value.
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "POST /xmlrpc HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut chunk = |data: &[u8]| -> std::io::Result<()> {
        write!(stream, "{:x}\r\n", data.len())?;
        stream.write_all(data)?;
        stream.write_all(b"\r\n")
    };
    let mut sent = chunk(
        call("metaWeblog.newPost", &[s("1"), s(USERNAME), s(&app.token)])
            .split("</params>")
            .next()
            .unwrap()
            .as_bytes(),
    )
    .and_then(|_| chunk(b"<param><value><struct><member><name>description</name><value><string>"));
    let block = vec![b'a'; 1 << 20];
    for _ in 0..37 {
        if sent.is_err() {
            break;
        }
        sent = chunk(&block);
    }
    // The server stops reading at the cap and answers; the rest of the upload may be refused.
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").expect("an answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let fault = value(
        dom(body)
            .child("methodResponse")
            .child("fault")
            .child("value"),
    );
    assert_eq!(fault.get("faultCode").int(), -32300);
    assert_eq!(
        fault.get("faultString").str(),
        "The request is too large (36 MB at most)."
    );
    assert!(all_posts(&server).is_empty());
}

#[test]
fn an_image_over_the_media_cap_is_refused_by_the_upload_pipeline() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    // 26 MB: inside the request cap once base64-encoded, over the 25 MB image cap.
    let mut big = png(8, 8);
    big.resize(26 * 1024 * 1024, 0);
    let (code, message) = app.fault(
        "metaWeblog.newMediaObject",
        &[s("1")],
        &[st(&[("name", s("huge.png")), ("bits", base64(&big))])],
    );
    assert_eq!(code, 400);
    assert!(message.contains("too large"), "{message}");
    assert_eq!(media_count(&server), 0);
}

#[test]
fn hostile_input_gets_faults_and_the_server_keeps_answering() {
    let server = TestServer::with_owner();
    let app = Editor::new(&server, ALL);
    let deep = format!(
        "{}{}",
        "<value><array><data>".repeat(50_000),
        "</data></array></value>".repeat(50_000)
    );
    let bodies = [
        format!("<methodCall><methodName>mt.supportedMethods</methodName><params><param>{deep}</param></params></methodCall>"),
        call("metaWeblog.getRecentPosts", &[s("1"), s(USERNAME), s(&app.token), "<value><int>99999999999999</int></value>".into()]),
        call("metaWeblog.getRecentPosts", &[s("1"), s(USERNAME), s(&app.token), "<value><double>NaN</double></value>".into()]),
        call("metaWeblog.newPost", &[s("1"), s(USERNAME), s(&app.token), st(&[("dateCreated", date("99999999T99:99:99"))]), boolean(true)]),
        call("metaWeblog.newPost", &[s("1"), s(USERNAME), s(&app.token), st(&[("title", s("x")), ("date_created_gmt", s("-2020-01-01T00:00:00Z"))]), boolean(true)]),
        call("metaWeblog.getPost", &[s("99999999999999999999999"), s(USERNAME), s(&app.token)]),
        call("metaWeblog.getPost", &["<value><nil/></value>".into(), s(USERNAME), s(&app.token)]),
        call("metaWeblog.getPost", &[s("1"), arr(&[]), s(&app.token)]),
        call("metaWeblog.newPost", &[s("1"), s(USERNAME), s(&app.token), st(&[("title", s(&"t".repeat(5000)))]), boolean(true)]),
        call("mt.setPostCategories", &[s("1"), s(USERNAME), s(&app.token), arr(&[s("nope")])]),
        "<methodCall><methodName>a</methodName><params><param><value><base64>!!!!</base64></value></param></params></methodCall>".into(),
        "<methodCall><methodName>a</methodName><params><param><value><struct><member><value>x</value></member></struct></value></param></params></methodCall>".into(),
    ];
    for body in &bodies {
        let r = app
            .http
            .post_raw("/xmlrpc", "text/xml", body.as_bytes(), &[]);
        // Well-formed XML-RPC either way: a fault, or (for a count too large to matter)
        // the capped list.
        if let Err((code, message)) = answer(&r) {
            assert!(
                [-32700, -32600, -32602, 400, 404].contains(&code),
                "{code} {message} for {}",
                &body[..body.len().min(200)]
            );
        }
    }
    assert_eq!(server.client().get("/healthz").status, 200);
    assert!(all_posts(&server).is_empty());
}

#[test]
fn a_token_that_may_not_post_reads_no_posts_and_cannot_publish_a_draft() {
    let server = TestServer::with_owner();
    let owner = Editor::new(&server, ALL);
    let draft = owner.new_post(
        &[("title", s("Secret plans")), ("description", s("Soon."))],
        false,
    );
    // A media-only token (an uploader) reads nothing, drafts least of all.
    let uploader = Editor::new(&server, "media");
    for (method, before, after) in [
        ("metaWeblog.getPost", vec![s(&draft)], vec![]),
        ("metaWeblog.getRecentPosts", vec![s("1")], vec![int(10)]),
        ("wp.getPages", vec![s("1")], vec![int(10)]),
    ] {
        let (code, _) = uploader.fault(method, &before, &after);
        assert_eq!(code, 401, "{method}");
    }
    // An update token edits the draft but cannot make it public.
    let editor = Editor::new(&server, "update");
    let (code, message) = editor.fault(
        "metaWeblog.editPost",
        &[s(&draft)],
        &[st(&[("description", s("Now."))]), boolean(true)],
    );
    assert_eq!(code, 401, "{message}");
    assert_eq!(owner.get_post(&draft).get("post_status").str(), "draft");
    editor.ok(
        "metaWeblog.editPost",
        &[s(&draft)],
        &[st(&[("description", s("Later."))]), boolean(false)],
    );
    assert_eq!(owner.get_post(&draft).get("description").str(), "Later.");
}

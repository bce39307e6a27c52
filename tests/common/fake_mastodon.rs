//! A fake Mastodon instance: a real HTTP server on loopback with its own RSA key and one account,
//! `bob`. It serves bob's actor and WebFinger, records every request it receives, and checks the
//! HTTP signatures of Porch's requests with its own draft-cavage code (never Porch's), fetching
//! the signer's key the way Mastodon does. It signs what bob sends the same way, and can sign
//! wrongly on purpose, rotate its key, or have its inboxes answer 503 (down) or 410 (gone).
//! It can also sign the ways other servers do (hs2019, another header order, a query string
//! left out, RFC 9421 message signatures) and host further accounts beside bob: one that moved
//! there, or one whose key is a document of its own rather than a fragment of the actor.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use poem::http::StatusCode;
use poem::listener::TcpAcceptor;
use poem::{Request, Response, Server};
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use rsa::sha2::{Digest, Sha256};
use rsa::traits::PublicKeyParts;
use rsa::{PrivateKey, PublicKey};
use serde_json::{Value, json};

pub const AS2: &str = "application/activity+json";
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// How long a test waits for something Porch does in the background.
pub const WAIT: Duration = Duration::from_secs(15);
/// The account this instance hosts.
pub const USER: &str = "bob";
/// What Porch signs, in order: Mastodon's own choice, which Mastodon verifies.
const POST_SIGNED: &[&str] = &["(request-target)", "host", "date", "digest", "content-type"];
const GET_SIGNED: &[&str] = &["(request-target)", "host", "date", "accept"];
/// How far a signature's Date may be from now for this instance to accept it. Porch signs at
/// the moment of sending, so a few minutes is generous.
const MAX_SKEW_SECS: i64 = 300;

/// One request the fake received, and how it judged and answered it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    /// Path and query.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The key id of a signature that verified, or why there was none.
    pub signature: Result<String, String>,
    /// The status the fake answered with.
    pub status: u16,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The activity's `type`, for a POST carrying one.
    pub fn kind(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_string()
    }

    pub fn is_inbox_post(&self) -> bool {
        self.method == "POST" && is_inbox(&self.path)
    }
}

/// What Porch answered to something the fake sent.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Ways to spoil a signed request, each of which Porch must refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    Nothing,
    /// No Signature header at all.
    Unsigned,
    /// Signed by a key bob does not own, under bob's key id.
    OtherKey,
    /// Signed by the key bob had before `rotate_key`.
    PreviousKey,
    /// A Digest of some other body (the signature itself is valid over it).
    WrongDigest,
    /// Dated (and signed) this many seconds ago.
    DatedSecsAgo(i64),
    /// Signed for another server's Host, as a request captured there and replayed here would be.
    OtherHost,
    /// Signed over `(request-target) host date` only: the body is not covered.
    DigestNotSigned,
}

/// How a POST from this instance is signed.
#[derive(Clone, Debug)]
pub struct Signing {
    /// The key id named; bob's main key when None.
    pub key_id: Option<String>,
    pub content_type: String,
    pub tamper: Tamper,
    /// The `algorithm` parameter: Mastodon's `rsa-sha256`, or `hs2019` as newer drafts have it.
    pub algorithm: String,
    /// The signed headers, in this order, instead of Mastodon's list. Each is one of
    /// `(request-target)`, `host`, `date`, `digest`, `content-type` or an `extra_headers` name.
    pub headers: Option<Vec<String>>,
    /// Further headers sent with the request, which `headers` may sign.
    pub extra_headers: Vec<(String, String)>,
    /// Signs `(request-target)` over the path alone, leaving out the URL's query string.
    pub target_without_query: bool,
}

impl Default for Signing {
    fn default() -> Signing {
        Signing {
            key_id: None,
            content_type: AS2.to_string(),
            tamper: Tamper::Nothing,
            algorithm: "rsa-sha256".to_string(),
            headers: None,
            extra_headers: Vec::new(),
            target_without_query: false,
        }
    }
}

/// An account on this instance besides bob. All accounts here sign with the instance's one key
/// pair, each under its own key id.
#[derive(Clone, Debug, Default)]
pub struct Account {
    /// The actor's `alsoKnownAs`: the accounts it says it moved from.
    pub also_known_as: Vec<String>,
    /// The key id is a document of its own (`/users/<name>/main-key`, a Key object naming its
    /// `owner`, as GoToSocial serves it) rather than `#main-key` on the actor.
    pub key_at_path: bool,
    /// Properties that replace the document's own (a hostile server's tricks).
    pub overrides: Vec<(&'static str, Value)>,
}

struct Keys {
    current: PrivateKey,
    public_pem: String,
    previous: Option<PrivateKey>,
}

struct Shared {
    base: String,
    host: String,
    keys: Mutex<Keys>,
    inbox_status: Mutex<u16>,
    /// The `Retry-After` the inboxes send with a 429 or 503, if any.
    retry_after: Mutex<Option<String>>,
    log: Mutex<Vec<Received>>,
    /// Public keys of signers, by key id, as fetched.
    known_keys: Mutex<HashMap<String, PublicKey>>,
    /// Accounts hosted besides bob, by name.
    accounts: Mutex<HashMap<String, Account>>,
    agent: ureq::Agent,
    /// Files served as they are (media attachments), by path: content type and bytes.
    files: Mutex<HashMap<String, (String, Vec<u8>)>>,
}

pub struct FakeMastodon {
    /// `http://<host>`, the origin of every id here.
    pub base: String,
    /// `<name>:<port>`, as the Host header and handles carry it.
    pub host: String,
    shared: Arc<Shared>,
    next_id: AtomicU64,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FakeMastodon {
    /// An instance reached as `127.0.0.1:<port>`.
    pub fn start() -> FakeMastodon {
        FakeMastodon::start_named("127.0.0.1")
    }

    /// An instance listening on 127.0.0.1 but naming itself `<name>:<port>` (e.g. `localhost`),
    /// so that two instances can be told apart by domain.
    pub fn start_named(name: &str) -> FakeMastodon {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("fake mastodon runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("fake mastodon bind");
        let port = listener.local_addr().unwrap().port();
        let host = format!("{name}:{port}");
        let base = format!("http://{host}");
        let current = new_key();
        let public_pem = public_pem(&current);
        let shared = Arc::new(Shared {
            base: base.clone(),
            host: host.clone(),
            keys: Mutex::new(Keys {
                current,
                public_pem,
                previous: None,
            }),
            inbox_status: Mutex::new(202),
            retry_after: Mutex::new(None),
            log: Mutex::new(Vec::new()),
            known_keys: Mutex::new(HashMap::new()),
            accounts: Mutex::new(HashMap::new()),
            agent: agent(),
            files: Mutex::new(HashMap::new()),
        });
        let app = {
            let shared = shared.clone();
            poem::endpoint::make(move |req: Request| {
                let shared = shared.clone();
                async move { handle(shared, req).await }
            })
        };
        let acceptor = TcpAcceptor::from_tokio(listener).expect("fake mastodon acceptor");
        runtime.spawn(async move {
            let _ = Server::new_with_acceptor(acceptor).run(app).await;
        });
        FakeMastodon {
            base,
            host,
            shared,
            next_id: AtomicU64::new(1),
            runtime: Some(runtime),
        }
    }

    pub fn actor_id(&self) -> String {
        format!("{}/users/{USER}", self.base)
    }

    pub fn key_id(&self) -> String {
        format!("{}#main-key", self.actor_id())
    }

    pub fn inbox(&self) -> String {
        format!("{}/inbox", self.actor_id())
    }

    pub fn shared_inbox(&self) -> String {
        format!("{}/inbox", self.base)
    }

    /// bob's handle as Porch shows it: the domain of bob's id, without its port.
    pub fn handle(&self) -> String {
        let name = self.host.rsplit_once(':').map_or(&*self.host, |(h, _)| h);
        format!("{USER}@{name}")
    }

    /// A fresh id on this instance, such as `<base>/users/bob/statuses/3`.
    pub fn new_id(&self, kind: &str) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("{}/{kind}/{n}", self.actor_id())
    }

    /// Every request received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.shared.log.lock().unwrap().clone()
    }

    /// The POSTs to bob's inbox and the shared inbox.
    pub fn inbox_posts(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(Received::is_inbox_post)
            .collect()
    }

    /// Inbox POSTs carrying an activity of this type.
    pub fn activities(&self, kind: &str) -> Vec<Received> {
        self.inbox_posts()
            .into_iter()
            .filter(|r| r.kind() == kind)
            .collect()
    }

    /// GETs of paths starting with `prefix`.
    pub fn gets(&self, prefix: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.method == "GET" && r.path.starts_with(prefix))
            .collect()
    }

    /// Waits up to `WAIT` for a request matching `pred`; panics with the log if none comes.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&Received) -> bool) -> Received {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(found) = self.received().into_iter().find(&pred) {
                return found;
            }
            if Instant::now() > deadline {
                panic!(
                    "{what}: not received within {WAIT:?}; got {}",
                    self.summary()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for an inbox POST of an activity of `kind` matching `pred`.
    pub fn wait_for_activity(&self, kind: &str, pred: impl Fn(&Value) -> bool) -> Received {
        self.wait_for(&format!("a {kind}"), |r| {
            r.is_inbox_post() && r.kind() == kind && pred(&r.json())
        })
    }

    /// One line per request received, for failure messages.
    pub fn summary(&self) -> String {
        self.received()
            .iter()
            .map(|r| {
                format!(
                    "\n  {} {} -> {} [{}] {}",
                    r.method,
                    r.path,
                    r.status,
                    match &r.signature {
                        Ok(k) => format!("signed by {k}"),
                        Err(e) => e.clone(),
                    },
                    String::from_utf8_lossy(&r.body)
                        .chars()
                        .take(200)
                        .collect::<String>()
                )
            })
            .collect()
    }

    /// What the inboxes answer to a correctly signed POST: 202 normally, 503 while "down",
    /// 410 once "gone".
    pub fn set_inbox_status(&self, status: u16) {
        *self.shared.inbox_status.lock().unwrap() = status;
    }

    /// What the inboxes say in `Retry-After` when they answer 429 or 503.
    pub fn set_retry_after(&self, value: Option<&str>) {
        *self.shared.retry_after.lock().unwrap() = value.map(str::to_string);
    }

    /// bob gets a new key pair under the same key id, as Mastodon does on a key rotation.
    pub fn rotate_key(&self) {
        let fresh = new_key();
        let pem = public_pem(&fresh);
        let mut keys = self.shared.keys.lock().unwrap();
        let old = std::mem::replace(&mut keys.current, fresh);
        keys.previous = Some(old);
        keys.public_pem = pem;
    }

    /// bob's actor document, as served.
    pub fn actor(&self) -> Value {
        actor_document(&self.shared)
    }

    /// Hosts another account (its actor document, key and inbox) from now on.
    pub fn add_account(&self, name: &str, account: Account) {
        assert_ne!(name, USER, "bob is always here");
        self.shared
            .accounts
            .lock()
            .unwrap()
            .insert(name.to_string(), account);
    }

    /// The actor id of an account here (bob's or one added).
    pub fn account_id(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    /// The key id an account signs with.
    pub fn account_key_id(&self, name: &str) -> String {
        let at_path = self
            .shared
            .accounts
            .lock()
            .unwrap()
            .get(name)
            .is_some_and(|a| a.key_at_path);
        key_id_of(&self.account_id(name), at_path)
    }

    // What bob sends.

    /// Resolves a handle (`alice@host:port`) by WebFinger, over plain HTTP as on loopback, and
    /// fetches the actor it points to.
    pub fn resolve(&self, handle: &str) -> Value {
        let (_, domain) = handle.split_once('@').expect("a handle user@domain");
        let url = format!("http://{domain}/.well-known/webfinger?resource=acct:{handle}");
        let jrd = self.get_json(&url, "application/jrd+json");
        let href = jrd["links"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["rel"] == "self" && l["type"] == AS2)
            .and_then(|l| l["href"].as_str())
            .unwrap_or_else(|| panic!("no self link in {jrd}"))
            .to_string();
        self.get_json(&href, AS2)
    }

    fn get_json(&self, url: &str, accept: &str) -> Value {
        let mut response = self
            .shared
            .agent
            .get(url)
            .header("Accept", accept)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        assert_eq!(response.status().as_u16(), 200, "GET {url}");
        let body = response.body_mut().read_to_vec().unwrap();
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
    }

    /// A draft-cavage `Signature` header by bob's current key over these (name, value) pairs,
    /// for a request a test writes by hand.
    pub fn signature(&self, signed: &[(&str, String)]) -> String {
        sign(
            &self.shared.keys.lock().unwrap().current,
            &self.key_id(),
            signed,
        )
    }

    /// POSTs an activity to an inbox, signed correctly by bob.
    pub fn send(&self, inbox: &str, activity: &Value) -> Answer {
        self.send_raw(inbox, activity.to_string().as_bytes(), &Signing::default())
    }

    /// POSTs a body signed as `signing` says (possibly wrongly on purpose).
    pub fn send_raw(&self, url: &str, body: &[u8], signing: &Signing) -> Answer {
        let target = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_else(|| "/".to_string());
        let host = url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_string())
            .unwrap_or_default();
        let now = chrono::Utc::now();
        let when = match signing.tamper {
            Tamper::DatedSecsAgo(secs) => now - chrono::Duration::seconds(secs),
            _ => now,
        };
        let date = http_date(when);
        let digest = match signing.tamper {
            Tamper::WrongDigest => digest(b"{\"some\":\"other body\"}"),
            _ => digest(body),
        };
        let key_id = signing.key_id.clone().unwrap_or_else(|| self.key_id());
        let signed_host = match signing.tamper {
            Tamper::OtherHost => "elsewhere.example".to_string(),
            _ => host,
        };
        let signed_target = if signing.target_without_query {
            target.split('?').next().unwrap_or_default().to_string()
        } else {
            target
        };
        let mut available = vec![
            ("(request-target)", format!("post {signed_target}")),
            ("host", signed_host),
            ("date", date.clone()),
            ("digest", digest.clone()),
            ("content-type", signing.content_type.clone()),
        ];
        // Signed header names are lowercase in the signing string, whatever their spelling.
        let extra: Vec<(String, String)> = signing
            .extra_headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        let mut signed = match &signing.headers {
            None => available.clone(),
            Some(names) => {
                available.extend(extra.iter().map(|(n, v)| (n.as_str(), v.clone())));
                names
                    .iter()
                    .map(|name| {
                        available
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(name))
                            .cloned()
                            .unwrap_or_else(|| panic!("no header {name} to sign"))
                    })
                    .collect()
            }
        };
        if signing.tamper == Tamper::DigestNotSigned {
            signed.truncate(3);
        }
        let mut request = self
            .shared
            .agent
            .post(url)
            .header("Content-Type", &signing.content_type)
            .header("Date", &date)
            .header("Digest", &digest);
        for (name, value) in &signing.extra_headers {
            request = request.header(name, value);
        }
        if signing.tamper != Tamper::Unsigned {
            let signature = {
                let keys = self.shared.keys.lock().unwrap();
                let key = match signing.tamper {
                    Tamper::OtherKey => &new_key(),
                    Tamper::PreviousKey => keys.previous.as_ref().expect("rotate_key first"),
                    _ => &keys.current,
                };
                sign_with(key, &key_id, &signing.algorithm, &signed)
            };
            request = request.header("Signature", &signature);
        }
        let mut response = request
            .send(body)
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        Answer {
            status: response.status().as_u16(),
            body: response.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    /// POSTs a body signed as Fedify signs (RFC 9421): `Signature-Input` covering `@method`,
    /// `@target-uri`, `@authority` and `content-digest`, an rsa-v1_5-sha256 signature over the
    /// signature base, and no draft-cavage `Signature` parameters. The Content-Digest is of
    /// `digest_of` when given (a wrong one, signed all the same), else of the body.
    pub fn send_rfc9421(
        &self,
        url: &str,
        key_id: &str,
        body: &[u8],
        digest_of: Option<&[u8]>,
    ) -> Answer {
        let authority = url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_string())
            .unwrap_or_default();
        let content_digest = format!(
            "sha-256=:{}:",
            BASE64.encode(Sha256::digest(digest_of.unwrap_or(body)))
        );
        let created = chrono::Utc::now().timestamp();
        let params = format!(
            "(\"@method\" \"@target-uri\" \"@authority\" \"content-digest\");created={created};keyid=\"{key_id}\""
        );
        // RFC 9421 section 2.5: one line per covered component, then the parameters.
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": {url}\n\"@authority\": {authority}\n\"content-digest\": {content_digest}\n\"@signature-params\": {params}"
        );
        let signature = self
            .shared
            .keys
            .lock()
            .unwrap()
            .current
            .pkcs1v15_sign::<Sha256>(base.as_bytes())
            .expect("sign");
        let mut response = self
            .shared
            .agent
            .post(url)
            .header("Content-Type", AS2)
            .header("Date", http_date(chrono::Utc::now()))
            .header("Content-Digest", &content_digest)
            .header("Signature-Input", format!("sig1={params}"))
            .header("Signature", format!("sig1=:{}:", BASE64.encode(signature)))
            .send(body)
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        Answer {
            status: response.status().as_u16(),
            body: response.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    // Activities as Mastodon writes them.

    pub fn follow(&self, target: &str) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id("follows"),
            "type": "Follow",
            "actor": self.actor_id(),
            "object": target,
        })
    }

    /// bob accepting a Follow sent to him.
    pub fn accept(&self, follow: &Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id("accepts"),
            "type": "Accept",
            "actor": self.actor_id(),
            "object": embedded(follow),
        })
    }

    /// An Undo of an activity this instance sent (a Follow, a Like), embedded whole.
    pub fn undo(&self, activity: &Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#undo", activity["id"].as_str().unwrap_or_default()),
            "type": "Undo",
            "actor": self.actor_id(),
            "object": embedded(activity),
        })
    }

    pub fn like(&self, object: &str) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id("likes"),
            "type": "Like",
            "actor": self.actor_id(),
            "object": object,
        })
    }

    /// A public Note by bob, mentioning and replying as given.
    pub fn note(&self, content: &str, in_reply_to: Option<&str>, mention: Option<&str>) -> Value {
        let id = self.new_id("statuses");
        let mut cc = vec![json!(format!("{}/followers", self.actor_id()))];
        let mut tags = Vec::new();
        if let Some(m) = mention {
            cc.push(json!(m));
            tags.push(json!({ "type": "Mention", "href": m }));
        }
        json!({
            "id": id,
            "type": "Note",
            "attributedTo": self.actor_id(),
            "url": id,
            "inReplyTo": in_reply_to,
            "published": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "to": [PUBLIC],
            "cc": cc,
            "tag": tags,
            "content": content,
        })
    }

    /// Wraps an object in a Create or Update addressed as the object is.
    pub fn wrap(&self, kind: &str, object: &Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id("activities"),
            "type": kind,
            "actor": self.actor_id(),
            "to": object["to"],
            "cc": object["cc"],
            "object": object,
        })
    }

    /// bob announcing that he moved to `target`, as Mastodon does when an account moves.
    pub fn move_to(&self, target: &str) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id("moves"),
            "type": "Move",
            "actor": self.actor_id(),
            "object": self.actor_id(),
            "target": target,
        })
    }

    /// A Delete of one of bob's posts, as a Tombstone.
    pub fn delete(&self, object_id: &str) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{object_id}#delete"),
            "type": "Delete",
            "actor": self.actor_id(),
            "to": [PUBLIC],
            "object": { "id": object_id, "type": "Tombstone" },
        })
    }

    /// The Delete a server broadcasts when an account (here any name on this instance, served
    /// or not) is deleted.
    pub fn account_deleted(&self, user: &str) -> Value {
        let actor = format!("{}/users/{user}", self.base);
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}#delete"),
            "type": "Delete",
            "actor": actor,
            "to": [PUBLIC],
            "object": actor,
        })
    }
}

impl Drop for FakeMastodon {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn new_key() -> PrivateKey {
    PrivateKey::new(&mut rand::rng(), 2048).expect("RSA key")
}

fn public_pem(key: &PrivateKey) -> String {
    key.to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("public key PEM")
}

fn header_in<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// An activity as another embeds it: whole, less its own `@context`.
fn embedded(activity: &Value) -> Value {
    let mut object = activity.clone();
    if let Some(o) = object.as_object_mut() {
        o.remove("@context");
    }
    object
}

/// The shared inbox, or the inbox of an account (`/users/<name>/inbox`).
fn is_inbox(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    path == "/inbox"
        || path
            .strip_prefix("/users/")
            .and_then(|rest| rest.strip_suffix("/inbox"))
            .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

fn key_id_of(actor: &str, at_path: bool) -> String {
    if at_path {
        format!("{actor}/main-key")
    } else {
        format!("{actor}#main-key")
    }
}

pub fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

pub fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

/// A draft-cavage `Signature` header over `(name, value)` pairs, in order.
pub fn sign(key: &PrivateKey, key_id: &str, signed: &[(&str, String)]) -> String {
    sign_with(key, key_id, "rsa-sha256", signed)
}

/// The same, naming `algorithm` (an RSA-SHA256 signature either way).
pub fn sign_with(
    key: &PrivateKey,
    key_id: &str,
    algorithm: &str,
    signed: &[(&str, String)],
) -> String {
    let string = signed
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let signature = key
        .pkcs1v15_sign::<Sha256>(string.as_bytes())
        .expect("sign");
    let names: Vec<&str> = signed.iter().map(|(n, _)| *n).collect();
    format!(
        "keyId=\"{key_id}\",algorithm=\"{algorithm}\",headers=\"{}\",signature=\"{}\"",
        names.join(" "),
        BASE64.encode(signature)
    )
}

fn actor_document(shared: &Shared) -> Value {
    account_document(shared, USER, &Account::default())
}

fn account_document(shared: &Shared, name: &str, account: &Account) -> Value {
    let id = format!("{}/users/{name}", shared.base);
    let pem = shared.keys.lock().unwrap().public_pem.clone();
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": if name == USER { "Bob Fake".to_string() } else { format!("{name} (fake)") },
        "url": format!("{}/@{name}", shared.base),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "endpoints": { "sharedInbox": format!("{}/inbox", shared.base) },
        "publicKey": { "id": key_id_of(&id, account.key_at_path), "owner": id, "publicKeyPem": pem },
    });
    if !account.also_known_as.is_empty() {
        doc["alsoKnownAs"] = json!(account.also_known_as);
    }
    for (name, value) in &account.overrides {
        doc[*name] = value.clone();
    }
    doc
}

/// A key served as a document of its own, as GoToSocial serves `/users/<name>/main-key`.
fn key_document(shared: &Shared, name: &str) -> Value {
    let owner = format!("{}/users/{name}", shared.base);
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": key_id_of(&owner, true),
        "type": "Key",
        "owner": owner,
        "publicKeyPem": shared.keys.lock().unwrap().public_pem.clone(),
    })
}

async fn handle(shared: Arc<Shared>, req: Request) -> Response {
    let method = req.method().as_str().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = req.into_body().into_vec().await.unwrap_or_default();
    let signature = {
        let shared = shared.clone();
        let (method, path, headers, body) =
            (method.clone(), path.clone(), headers.clone(), body.clone());
        tokio::task::spawn_blocking(move || shared.verify(&method, &path, &headers, &body))
            .await
            .unwrap_or_else(|e| Err(format!("verification panicked: {e}")))
    };
    let route = path.split('?').next().unwrap_or_default();
    let file = shared.files.lock().unwrap().get(route).cloned();
    let (status, content_type, answer) = match (file, method.as_str()) {
        (Some((content_type, bytes)), "GET") => (200, content_type, bytes),
        _ => {
            let (status, content_type, text) = response_to(&shared, &method, &path, &signature);
            (status, content_type.to_string(), text.into_bytes())
        }
    };
    let to_inbox = is_inbox(&path);
    shared.log.lock().unwrap().push(Received {
        method,
        path,
        headers,
        body,
        signature,
        status,
        at: Instant::now(),
    });
    let mut response = Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .content_type(content_type);
    let retry_after = shared.retry_after.lock().unwrap().clone();
    if let Some(value) = retry_after.filter(|_| matches!(status, 429 | 503) && to_inbox) {
        response = response.header("Retry-After", value);
    }
    response.body(answer)
}

/// What this instance answers to a request for anything but a file it serves: the status, the
/// content type and the body.
fn response_to(
    shared: &Shared,
    method: &str,
    path: &str,
    signature: &Result<String, String>,
) -> (u16, &'static str, String) {
    let route = path.split('?').next().unwrap_or_default();
    match (method, route) {
        ("POST", _) if is_inbox(route) => match signature {
            Err(e) => (401, "text/plain", e.clone()),
            Ok(_) => (
                *shared.inbox_status.lock().unwrap(),
                "text/plain",
                String::new(),
            ),
        },
        ("GET", r) if r == format!("/users/{USER}") => {
            (200, AS2, actor_document(shared).to_string())
        }
        ("GET", r) if r.starts_with("/users/") => {
            let rest = &r["/users/".len()..];
            let (name, key) = match rest.strip_suffix("/main-key") {
                Some(name) => (name, true),
                None => (rest, false),
            };
            let account = shared.accounts.lock().unwrap().get(name).cloned();
            match account {
                Some(a) if !key => (200, AS2, account_document(shared, name, &a).to_string()),
                Some(a) if a.key_at_path => (200, AS2, key_document(shared, name).to_string()),
                _ => (404, "text/plain", String::new()),
            }
        }
        ("GET", "/.well-known/webfinger") => {
            let wanted = format!("acct:{USER}@{}", shared.host);
            let query = path.split_once('?').map_or("", |(_, q)| q);
            let asked: Vec<(String, String)> =
                serde_urlencoded::from_str(query).unwrap_or_default();
            if asked.iter().any(|(k, v)| k == "resource" && *v == wanted) {
                let jrd = json!({
                    "subject": format!("acct:{USER}@{}", shared.host),
                    "links": [{ "rel": "self", "type": AS2, "href": format!("{}/users/{USER}", shared.base) }],
                });
                (200, "application/jrd+json", jrd.to_string())
            } else {
                (404, "text/plain", String::new())
            }
        }
        _ => (404, "text/plain", String::new()),
    }
}

impl Shared {
    /// Checks a request's draft-cavage signature as Mastodon would: every header Porch signs is
    /// covered, the Host is ours, the Date is fresh, the Digest matches the body, and the
    /// signature verifies with the key its keyId names (fetched from the signer's server, and
    /// fetched again once if a cached key fails). Returns the key id.
    fn verify(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<String, String> {
        let header = header_in(headers, "signature").ok_or("unsigned")?;
        let params = signature_params(header)?;
        let param = |name: &str| {
            params
                .get(name)
                .cloned()
                .ok_or_else(|| format!("the signature has no {name}"))
        };
        let key_id = param("keyid")?;
        if param("algorithm")? != "rsa-sha256" {
            return Err(format!("algorithm {:?}", params.get("algorithm")));
        }
        let covered: Vec<String> = param("headers")?
            .split_ascii_whitespace()
            .map(str::to_string)
            .collect();
        let expected = if method == "POST" {
            POST_SIGNED
        } else {
            GET_SIGNED
        };
        if covered != expected {
            return Err(format!("signed headers {covered:?}, expected {expected:?}"));
        }
        let signature = BASE64
            .decode(param("signature")?)
            .map_err(|_| "the signature is not base64")?;
        if header_in(headers, "host") != Some(self.host.as_str()) {
            return Err(format!("Host {:?}", header_in(headers, "host")));
        }
        let date = header_in(headers, "date").ok_or("no Date")?;
        let signed_at = chrono::DateTime::parse_from_rfc2822(date)
            .map_err(|_| format!("Date {date:?} is not an HTTP date"))?;
        let skew = (chrono::Utc::now().timestamp() - signed_at.timestamp()).abs();
        if skew > MAX_SKEW_SECS {
            return Err(format!("Date {date} is {skew} s away"));
        }
        if method == "POST" {
            let sent = header_in(headers, "digest").ok_or("no Digest")?;
            if sent != digest(body) {
                return Err(format!("Digest {sent} does not match the body"));
            }
        }
        let mut lines = Vec::new();
        for name in &covered {
            let value = if name == "(request-target)" {
                format!("{} {path}", method.to_ascii_lowercase())
            } else {
                header_in(headers, name)
                    .ok_or_else(|| format!("signed header {name} is missing"))?
                    .to_string()
            };
            lines.push(format!("{name}: {value}"));
        }
        let string = lines.join("\n");
        let check = |key: &PublicKey| key.pkcs1v15_verify::<Sha256>(string.as_bytes(), &signature);
        let cached = self.known_keys.lock().unwrap().get(&key_id).cloned();
        if let Some(key) = cached
            && check(&key).is_ok()
        {
            return Ok(key_id);
        }
        let key = self.fetch_key(&key_id)?;
        check(&key).map_err(|_| "the signature does not verify".to_string())?;
        self.known_keys.lock().unwrap().insert(key_id.clone(), key);
        Ok(key_id)
    }

    /// Fetches the document a key id points to and reads its RSA 2048 public key.
    fn fetch_key(&self, key_id: &str) -> Result<PublicKey, String> {
        let url = key_id.split('#').next().unwrap_or(key_id);
        let mut response = self
            .agent
            .get(url)
            .header("Accept", AS2)
            .call()
            .map_err(|e| format!("fetching {url}: {e}"))?;
        if response.status() != 200 {
            return Err(format!("{url} answered {}", response.status()));
        }
        let doc: Value = serde_json::from_slice(&response.body_mut().read_to_vec().unwrap())
            .map_err(|e| format!("{url}: not JSON: {e}"))?;
        let key = &doc["publicKey"];
        if key["id"] != key_id || key["owner"] != doc["id"] {
            return Err(format!("{url} does not own the key {key_id}: {key}"));
        }
        let pem = key["publicKeyPem"].as_str().ok_or("no publicKeyPem")?;
        let key = PublicKey::from_public_key_pem(pem).map_err(|e| format!("bad PEM: {e}"))?;
        if key.size() != 256 {
            return Err(format!("a {}-bit key", key.size() * 8));
        }
        Ok(key)
    }
}

/// The `name="value"` parameters of a Signature header, names lowercased.
fn signature_params(header: &str) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| format!("malformed signature parameter in {header:?}"))?;
        let after = after
            .strip_prefix('"')
            .ok_or_else(|| format!("unquoted signature parameter in {header:?}"))?;
        let end = after
            .find('"')
            .ok_or_else(|| format!("unterminated value in {header:?}"))?;
        params.insert(name.trim().to_ascii_lowercase(), after[..end].to_string());
        rest = after[end + 1..]
            .trim_start()
            .trim_start_matches(',')
            .trim_start();
    }
    Ok(params)
}

/// Media this instance hosts, as Mastodon serves attachments: plain GETs, answered as they are.
impl FakeMastodon {
    /// Serves `bytes` as `content_type` at `path` from now on; returns the file's URL.
    pub fn serve_file(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> String {
        self.shared
            .files
            .lock()
            .unwrap()
            .insert(path.to_string(), (content_type.to_string(), bytes));
        format!("{}{path}", self.base)
    }
}

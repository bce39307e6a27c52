//! Durability: the schema built fresh equals the one the migrations build, backups taken while
//! the server writes restore every post saved before them, a kill -9 loses no committed post,
//! and scheduled posts are published by the job queue at their time, across restarts too.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use common::{Client, TestServer};
use porch::store::{self, Db, SCHEMA_VERSION};
use rusqlite::Connection;

/// The owner's password for sites set up with `porch init`.
const OWNER_PASSWORD: &str = "a long and durable passphrase";
/// The longest a scheduled post may take to appear after its time before a test gives up.
const PUBLISH_WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Helpers: the schema, the real binary, and the posts table read directly.

/// One row of `sqlite_schema`: type, name, table name, and its SQL with whitespace normalised.
type SchemaObject = (String, String, String, Option<String>);

/// Every object in the schema, and the schema version.
fn schema_of(conn: &Connection) -> (Vec<SchemaObject>, i64) {
    let mut stmt = conn
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name")
        .unwrap();
    let objects = stmt
        .query_map([], |r| {
            let sql: Option<String> = r.get(3)?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                sql.map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")),
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let version = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    (objects, version)
}

fn integrity(path: &Path) -> String {
    let conn = Connection::open(path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// The Markdown of every published post in the database at `path`.
fn published_markdown(path: &Path) -> BTreeSet<String> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT markdown FROM posts WHERE status = 'published' AND path IS NOT NULL")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Every file under `dir`, by its path relative to `dir`, with its bytes.
fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The paths of the files under `dir`, relative to it.
fn listing(dir: &Path) -> Vec<PathBuf> {
    files_under(dir).into_keys().collect()
}

/// The `porch` binary, with no settings leaking in from the environment.
fn porch() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_porch"));
    for var in [
        "PORCH_DATA",
        "PORCH_LISTEN",
        "PORCH_BASE_URL",
        "PORCH_TRUST_PROXY",
        "PORCH_ACME_DOMAIN",
        "PORCH_ACME_EMAIL",
        "PORCH_ACME_DIRECTORY",
        "PORCH_ACME_CA_ROOT",
        "PORCH_HTTP_LISTEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("PORCH_LOG", "warn");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("run porch")
}

/// `porch restore` of `archive` into the data folder `data`.
fn restore(data: impl AsRef<Path>, archive: impl AsRef<Path>) -> Output {
    run(porch()
        .args(["restore", "--data"])
        .arg(data.as_ref())
        .arg(archive.as_ref()))
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `porch init` with the owner `bob`, as an operator sets up a site without a browser.
fn init(data: &Path) {
    init_as(data, "http://127.0.0.1:1", "bob", "bob");
}

/// `porch init` with a given base URL, username and display name, password on stdin.
fn init_as(data: &Path, base_url: &str, username: &str, name: &str) {
    let mut child = porch()
        .args(["init", "--data"])
        .arg(data)
        .args([
            "--base-url",
            base_url,
            "--username",
            username,
            "--name",
            name,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start porch init");
    writeln!(child.stdin.take().unwrap(), "{OWNER_PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "porch init: {}", stderr_of(&out));
}

/// `porch serve` as a child process, killed (SIGKILL) when dropped.
struct Served {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Served {
    fn start(data: &Path, log: &Path) -> Served {
        let mut child = porch()
            .args(["serve", "--data"])
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("start porch serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Reads the address line, then keeps draining so that the server never blocks on a
        // full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if line.starts_with("Porch is serving") {
                    let _ = tx.send(line);
                }
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => line,
            Err(e) => {
                let _ = child.kill();
                panic!(
                    "porch serve did not start ({e}): {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
        };
        let addr = line.rsplit(" on ").next().unwrap().trim().to_string();
        Served {
            child,
            base: format!("http://{addr}"),
            log: log.to_path_buf(),
        }
    }

    fn owner(&self) -> Client {
        let client = Client::new(&self.base);
        let login = client.login(OWNER_PASSWORD);
        assert_eq!(login.status, 303, "login: {}", login.text());
        client
    }

    /// kill -9: no shutdown, no flush, nothing the process could do about it.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Publishes numbered posts one after another until `stop` is set (or a request fails, as it
/// does when the server is killed). `confirmed` counts the saves answered 303, in order, so a
/// reader knows that posts `0..confirmed` are committed.
fn keep_publishing(
    client: Client,
    label: &'static str,
    confirmed: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for i in 0.. {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let text = numbered(label, i);
            let saved = client.compose(&[
                ("kind", "post"),
                ("title", ""),
                ("markdown", &text),
                ("action", "publish"),
            ]);
            assert_eq!(saved.status, 303, "save {i}: {}", saved.text());
            confirmed.store(i + 1, Ordering::SeqCst);
        }
    })
}

fn numbered(label: &str, i: usize) -> String {
    format!("{label} number {i}.")
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A time as the composer's `publish_at` field takes it, in the zone `tz`.
fn input_time<Z: TimeZone>(ts: i64, tz: &Z) -> String
where
    Z::Offset: std::fmt::Display,
{
    tz.timestamp_opt(ts, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// The permalink a titled post published at `ts` gets on a site in UTC.
fn utc_permalink(ts: i64, slug: &str) -> String {
    let date = chrono::Utc.timestamp_opt(ts, 0).unwrap();
    format!("{}/{slug}.html", date.format("/%Y/%m/%d"))
}

/// A post as stored, found by its title: (id, status, path, published_at).
fn post_titled(db: &Db, title: &str) -> (i64, String, Option<String>, Option<i64>) {
    let title = title.to_string();
    db.read_blocking(move |c| {
        Ok(c.query_row(
            "SELECT id, status, path, published_at FROM posts WHERE title = ?1",
            [title],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?)
    })
    .unwrap()
}

/// The run times of the queued jobs that publish post `id`.
fn publish_jobs(db: &Db, id: i64) -> Vec<(String, i64)> {
    let payload = format!(r#"{{"post_id":{id}}}"#);
    db.read_blocking(move |c| {
        let mut stmt = c.prepare(
            "SELECT status, run_at FROM jobs WHERE kind = 'publish_post' AND payload = ?1",
        )?;
        let rows = stmt.query_map([payload], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
    .unwrap()
}

/// Schedules a titled post through the composer for `at` (UTC site) and returns its id.
fn schedule(admin: &Client, db: &Db, title: &str, text: &str, at: i64) -> i64 {
    let saved = admin.compose(&[
        ("kind", "post"),
        ("title", title),
        ("markdown", text),
        ("action", "schedule"),
        ("publish_at", &input_time(at, &chrono::Utc)),
    ]);
    assert_eq!(saved.status, 303, "schedule: {}", saved.text());
    assert_eq!(saved.location(), "/admin/drafts?done=scheduled");
    let (id, status, path, published_at) = post_titled(db, title);
    assert_eq!(status, "scheduled");
    assert_eq!(
        path, None,
        "a permalink is given at publication, not before"
    );
    assert_eq!(published_at, Some(at));
    id
}

// ---------------------------------------------------------------------------------------------
// 1. Migrations

#[test]
fn the_migrations_build_exactly_the_schema_that_schema_sql_builds() {
    let mut fresh = Connection::open_in_memory().unwrap();
    store::create_fresh(&mut fresh).unwrap();
    let mut migrated = Connection::open_in_memory().unwrap();
    store::apply_migrations(&mut migrated, 0).unwrap();

    let (fresh_objects, fresh_version) = schema_of(&fresh);
    let (migrated_objects, migrated_version) = schema_of(&migrated);
    assert_eq!(fresh_version, SCHEMA_VERSION);
    assert_eq!(migrated_version, SCHEMA_VERSION);
    for table in ["owner", "posts", "jobs", "media", "posts_fts", "site_meta"] {
        assert!(
            fresh_objects
                .iter()
                .any(|(t, n, ..)| t == "table" && n == table),
            "schema.sql creates {table}"
        );
    }
    let names =
        |objects: &[SchemaObject]| -> Vec<String> { objects.iter().map(|o| o.1.clone()).collect() };
    assert_eq!(
        names(&fresh_objects),
        names(&migrated_objects),
        "the same objects"
    );
    for (a, b) in fresh_objects.iter().zip(&migrated_objects) {
        assert_eq!(a, b, "the same definition of {}", a.1);
    }
}

#[test]
fn a_database_from_a_newer_porch_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("porch.db");
    drop(Db::open(&path).unwrap());
    let newer = SCHEMA_VERSION + 1;
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", newer).unwrap();
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('title', '\"From the future\"')",
            [],
        )
        .unwrap();
    }
    let before = schema_of(&Connection::open(&path).unwrap());
    let stamp = |path: &Path| -> (i64, String) {
        Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT s.content_version, t.value FROM site_meta s, settings t WHERE t.key = 'title'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let data_before = stamp(&path);

    let error = match Db::open(&path) {
        Ok(_) => panic!("a database of schema version {newer} was opened"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        error.contains(&format!("schema version {newer}")) && error.contains("newer"),
        "a clear error: {error}"
    );
    assert_eq!(schema_of(&Connection::open(&path).unwrap()), before);
    assert_eq!(stamp(&path), data_before);

    // The binary says so too, and exits instead of serving.
    let data = dir.path();
    let out = run(porch()
        .args(["token", "create", "--data"])
        .arg(data)
        .args(["--name", "x"]));
    assert!(!out.status.success(), "refused");
    assert!(stderr_of(&out).contains("newer"), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty(), "no token printed");
    assert_eq!(schema_of(&Connection::open(&path).unwrap()), before);
    assert_eq!(stamp(&path), data_before);
}

#[test]
fn opening_a_current_database_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("porch.db");
    let db = Db::open(&path).unwrap();
    db.write_blocking(|tx| store::settings::set_raw(tx, "title", "\"Kept\""))
        .unwrap();
    drop(db);
    let snapshot = |path: &Path| {
        let conn = Connection::open(path).unwrap();
        let meta: (i64, String) = conn
            .query_row(
                "SELECT s.content_version, t.value FROM site_meta s, settings t WHERE t.key = 'title'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM site_meta", [], |r| r.get(0))
            .unwrap();
        (schema_of(&conn), meta, rows)
    };
    let first = snapshot(&path);
    assert_eq!(first.0.1, SCHEMA_VERSION);

    for _ in 0..2 {
        let db = Db::open(&path).unwrap();
        assert_eq!(db.stamp().version(), first.1.0);
        drop(db);
        assert_eq!(snapshot(&path), first);
    }
}

/// A backup of a site written by the previous release (v0.1.0, schema 15) through its own
/// doors: `porch init`, `porch token`, Micropub. `tests/fixtures/upgrade/make.sh` says how it
/// was made; each release adds the next one.
const PREVIOUS_RELEASE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/upgrade/porch-0.1.0.tar.gz"
);
/// The schema version of that release.
const PREVIOUS_SCHEMA: i64 = 15;

#[test]
fn a_site_from_the_previous_release_migrates_and_serves_its_posts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let restored = restore(&data, PREVIOUS_RELEASE);
    assert!(restored.status.success(), "{}", stderr_of(&restored));
    let db_path = data.join("porch.db");
    let before = schema_of(&Connection::open(&db_path).unwrap()).1;
    assert_eq!(
        before, PREVIOUS_SCHEMA,
        "the fixture is the release's own schema"
    );

    let server = TestServer::start_in(&data);

    // Migrated to exactly the schema a new site gets.
    let mut fresh = Connection::open_in_memory().unwrap();
    store::create_fresh(&mut fresh).unwrap();
    assert_eq!(
        schema_of(&Connection::open(&db_path).unwrap()),
        schema_of(&fresh)
    );
    assert_eq!(integrity(&db_path), "ok");

    // Its posts, at the addresses they had.
    let visitor = server.client();
    let long = visitor.get("/2024/05/01/walking-the-old-railway.html");
    assert_eq!(long.status, 200, "{}", long.text());
    let long = long.text();
    assert!(
        long.contains("Walking the old railway")
            && long.contains(r#"href="http://127.0.0.1:9/railway""#)
            && long.contains("The third one"),
        "{long}"
    );
    let home = visitor.get("/").text();
    assert!(
        home.contains("A short post from before the upgrade"),
        "{home}"
    );
    assert!(!home.contains("A draft nobody has seen"), "{home}");
    let category = visitor.get("/categories/travel/");
    assert_eq!(category.status, 200);
    assert!(category.text().contains("Walking the old railway"));
    let feed = visitor.get("/feed.xml").text();
    assert!(feed.contains("Walking the old railway"), "{feed}");

    // Its photo, from the media folder the backup carried.
    let photo_file = home
        .split("/uploads/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("the photo post shows its photo: {home}"));
    let photo = visitor.get(&format!("/uploads/{photo_file}"));
    assert_eq!(photo.status, 200);
    assert!(photo.header("content-type").unwrap().starts_with("image/"));

    // Its owner signs in with the password set under that release.
    let owner = server.client();
    let signed_in = owner.login(OWNER_PASSWORD);
    assert_eq!(signed_in.status, 303, "{}", signed_in.text());
    let drafts = owner.get("/admin/drafts").text();
    assert!(drafts.contains("A draft nobody has seen"), "{drafts}");
}

// ---------------------------------------------------------------------------------------------
// 2. Backup and restore

#[test]
fn backups_taken_while_posts_are_being_written_restore_every_post_saved_before_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    let served = Served::start(&data, &dir.path().join("serve.log"));
    let owner = served.owner();

    let csrf = owner.csrf();
    let photo = common::png(64, 48);
    let uploaded = owner.post_multipart(
        "/admin/media",
        &[("csrf", &csrf), ("alt", "A test pattern")],
        &[("file", "pattern.png", &photo)],
    );
    assert_eq!(uploaded.status, 303, "upload: {}", uploaded.text());
    let media = files_under(&data.join("media"));
    assert!(!media.is_empty(), "the photo is on disk");

    let confirmed = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = keep_publishing(owner, "In-flight post", confirmed.clone(), stop.clone());
    wait_for("the first posts", Duration::from_secs(20), || {
        confirmed.load(Ordering::SeqCst) >= 3
    });

    let mut backups = Vec::new();
    // Saves answered while a backup ran: the point of the test is that there are some.
    let mut during = 0;
    while backups.len() < 3 || (during == 0 && backups.len() < 10) {
        let k = backups.len();
        let saved_before = confirmed.load(Ordering::SeqCst);
        let archive = dir.path().join(format!("backup-{k}.tar.gz"));
        let out = run(porch()
            .args(["backup", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(&archive));
        assert!(out.status.success(), "backup {k}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("Backup written to"),
            "{}",
            stderr_of(&out)
        );
        during += confirmed.load(Ordering::SeqCst) - saved_before;
        backups.push((archive, saved_before));
        // Let the writer get further before the next backup, so that each one differs.
        wait_for("more posts", Duration::from_secs(20), || {
            confirmed.load(Ordering::SeqCst) >= saved_before + 2
        });
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("every save answered 303");
    assert!(during > 0, "posts were saved while the backups ran");
    assert!(
        !served.log().contains("ERROR"),
        "the server logged an error: {}",
        served.log()
    );

    for (k, (archive, saved_before)) in backups.iter().enumerate() {
        let restored = dir.path().join(format!("restored-{k}"));
        let out = restore(&restored, archive);
        assert!(out.status.success(), "restore {k}: {}", stderr_of(&out));
        let db = restored.join("porch.db");
        assert_eq!(integrity(&db), "ok");
        assert_eq!(schema_of(&Connection::open(&db).unwrap()).1, SCHEMA_VERSION);
        let posts = published_markdown(&db);
        for i in 0..*saved_before {
            let text = numbered("In-flight post", i);
            assert!(
                posts.contains(&text),
                "backup {k} taken after {saved_before} saves lacks {text:?}"
            );
        }
        let restored_media = files_under(&restored.join("media"));
        assert_eq!(
            restored_media.keys().collect::<Vec<_>>(),
            media.keys().collect::<Vec<_>>(),
            "backup {k} holds the photo"
        );
        assert!(restored_media == media, "with the same bytes");
    }

    // The restored site serves its posts and its photo.
    let restored = dir.path().join(format!("restored-{}", backups.len() - 1));
    let site = TestServer::start_in(&restored);
    let newest = common::newest_path(&site);
    let visitor = site.client();
    assert_eq!(visitor.get(&newest).status, 200);
    let (original, bytes) = media
        .iter()
        .find(|(p, _)| !p.to_string_lossy().contains('-'))
        .expect("the original photo");
    let name = original.file_name().unwrap().to_string_lossy();
    let served_photo = visitor.get(&format!("/uploads/{name}"));
    assert_eq!(served_photo.status, 200);
    assert!(&served_photo.body == bytes, "the photo as uploaded");
}

/// A freshly set-up site in a temporary folder, and a backup of it (`site.tar.gz` beside it).
fn backed_up_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    let archive = dir.path().join("site.tar.gz");
    let out = run(porch()
        .args(["backup", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&archive));
    assert!(out.status.success(), "backup: {}", stderr_of(&out));
    (dir, archive)
}

#[test]
fn restore_refuses_a_folder_that_is_not_empty_and_writes_nothing_there() {
    let (dir, archive) = backed_up_site();

    let occupied = dir.path().join("occupied");
    std::fs::create_dir_all(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "mine").unwrap();
    let out = restore(&occupied, &archive);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("not empty"), "{}", stderr_of(&out));
    assert_eq!(listing(&occupied), vec![PathBuf::from("notes.txt")]);
    assert_eq!(std::fs::read(occupied.join("notes.txt")).unwrap(), b"mine");
}

#[test]
fn restore_refuses_an_archive_with_an_entry_outside_the_data_folder() {
    let (dir, archive) = backed_up_site();

    // The genuine backup's entries, then one that climbs out of the folder. The tar crate will
    // not write `..` through its path setters, so the name goes into the header's bytes.
    let mut genuine = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&archive).unwrap())
        .read_to_end(&mut genuine)
        .unwrap();
    let evil_archive = dir.path().join("evil.tar.gz");
    {
        let out = flate2::write::GzEncoder::new(
            std::fs::File::create(&evil_archive).unwrap(),
            flate2::Compression::default(),
        );
        let mut builder = tar::Builder::new(out);
        let mut source = tar::Archive::new(genuine.as_slice());
        for entry in source.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            builder.append(&header, bytes.as_slice()).unwrap();
        }
        let payload = b"pwned";
        let mut header = tar::Header::new_gnu();
        let name = b"../evil";
        header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
        header.set_size(payload.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        builder.append(&header, &payload[..]).unwrap();
        builder.into_inner().unwrap().finish().unwrap();
    }

    // Into a folder that does not exist yet, and into one made empty for it beforehand.
    let absent = dir.path().join("inner").join("absent");
    let empty = dir.path().join("inner").join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for target in [&absent, &empty] {
        let out = restore(target, &evil_archive);
        assert!(!out.status.success(), "refused");
        assert!(
            stderr_of(&out).contains("unexpected entry ../evil"),
            "{}",
            stderr_of(&out)
        );
        assert!(!dir.path().join("inner").join("evil").exists());
        assert!(!dir.path().join("evil").exists());
    }
    assert!(
        !absent.exists(),
        "a refused archive leaves no half-restored site behind: {:?}",
        listing(&absent)
    );
    assert!(empty.is_dir(), "the folder made for the restore stays");
    assert_eq!(listing(&empty), Vec::<PathBuf>::new(), "and stays empty");

    // The genuine archive still restores there afterwards.
    let target = empty;
    let out = restore(&target, &archive);
    assert!(out.status.success(), "restore: {}", stderr_of(&out));
    assert_eq!(integrity(&target.join("porch.db")), "ok");
}

// ---------------------------------------------------------------------------------------------
// 3. Crashes

#[test]
fn a_kill_9_in_the_middle_of_writing_loses_no_saved_post() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    let mut served = Served::start(&data, &dir.path().join("serve.log"));
    let confirmed = Arc::new(AtomicUsize::new(0));
    let writer = keep_publishing(
        served.owner(),
        "Crash test post",
        confirmed.clone(),
        Arc::new(AtomicBool::new(false)),
    );
    wait_for("posts before the crash", Duration::from_secs(20), || {
        confirmed.load(Ordering::SeqCst) >= 8
    });
    served.kill();
    // The writer's next request fails now that the server is gone; that ends it.
    assert!(writer.join().is_err(), "the writer stops at the crash");
    let saved = confirmed.load(Ordering::SeqCst);

    let restarted = Served::start(&data, &dir.path().join("serve-2.log"));
    let db = data.join("porch.db");
    assert_eq!(integrity(&db), "ok");
    let posts = published_markdown(&db);
    for i in 0..saved {
        let text = numbered("Crash test post", i);
        assert!(posts.contains(&text), "{text:?} was lost in the crash");
    }
    // At most the one save in flight at the kill went through without its answer.
    assert!(
        posts.len() <= saved + 1,
        "{} posts for {saved} saves",
        posts.len()
    );

    let owner = restarted.owner();
    let after = owner.compose(&[("markdown", "Back after the crash."), ("action", "publish")]);
    assert_eq!(after.status, 303, "{}", after.text());
    let home = Client::new(&restarted.base).get("/");
    assert_eq!(home.status, 200);
    assert!(home.text().contains("Back after the crash."));
    assert!(
        home.text()
            .contains(&numbered("Crash test post", saved - 1))
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Scheduled posts

#[test]
fn a_scheduled_post_stays_hidden_until_its_time_then_the_job_queue_publishes_it() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let at = store::now() + 3;
    let id = schedule(
        &admin,
        &server.app.db,
        "Letter from the future",
        "Written ahead of time.",
        at,
    );
    assert_eq!(
        publish_jobs(&server.app.db, id),
        vec![("queued".into(), at)]
    );
    let permalink = utc_permalink(at, "letter-from-the-future");

    let visitor = server.client();
    let deadline = Instant::now() + PUBLISH_WAIT;
    loop {
        let page = visitor.get(&permalink);
        let home = visitor.get("/").text();
        let feed = visitor.get("/feed.xml").text();
        let checked_at = store::now();
        if page.status == 200 {
            assert!(
                checked_at >= at,
                "published at {checked_at}, before its time {at}"
            );
            assert!(page.text().contains("Written ahead of time."));
            break;
        }
        assert_eq!(page.status, 404, "hidden until its time");
        assert!(!home.contains("Written ahead of time."), "not on / yet");
        assert!(
            !feed.contains("Written ahead of time."),
            "not in the feed yet"
        );
        assert!(
            Instant::now() < deadline,
            "not published {}s after its time",
            store::now() - at
        );
        std::thread::sleep(Duration::from_millis(250));
    }

    let (_, status, path, published_at) = post_titled(&server.app.db, "Letter from the future");
    assert_eq!(status, "published");
    assert_eq!(path.as_deref(), Some(permalink.as_str()));
    assert_eq!(published_at, Some(at), "dated at its scheduled time");
    assert!(visitor.get("/").text().contains("Written ahead of time."));
    assert!(
        visitor
            .get("/feed.xml")
            .text()
            .contains("Written ahead of time.")
    );
    assert_eq!(publish_jobs(&server.app.db, id), vec![], "the job is done");
}

#[test]
fn a_schedule_time_is_read_in_the_sites_time_zone() {
    let server = TestServer::with_owner();
    server
        .app
        .db
        .write_blocking(|tx| store::settings::set_raw(tx, "timezone", "\"Asia/Kathmandu\""))
        .unwrap();
    let admin = server.admin();
    let at = store::now() + 3600;
    let local = input_time(at, &chrono_tz::Asia::Kathmandu);
    let saved = admin.compose(&[
        ("title", "Namaste later"),
        ("markdown", "An hour from now in Kathmandu."),
        ("action", "schedule"),
        ("publish_at", &local),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let (id, status, _, published_at) = post_titled(&server.app.db, "Namaste later");
    assert_eq!(status, "scheduled");
    assert_eq!(published_at, Some(at), "{local} is Kathmandu time");
    assert_eq!(
        publish_jobs(&server.app.db, id),
        vec![("queued".into(), at)]
    );
}

#[test]
fn rescheduling_a_post_further_ahead_keeps_it_hidden_past_its_first_time() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let soon = store::now() + 3;
    let moved = schedule(
        &admin,
        &server.app.db,
        "Moved on",
        "Not yet after all.",
        soon,
    );
    // A post scheduled for the same moment shows when the queue has run past it.
    schedule(&admin, &server.app.db, "On time", "Right on time.", soon);

    let later = store::now() + 3600;
    let id = moved.to_string();
    let resaved = admin.compose(&[
        ("id", &id),
        ("title", "Moved on"),
        ("markdown", "Not yet after all."),
        ("action", "schedule"),
        ("publish_at", &input_time(later, &chrono::Utc)),
    ]);
    assert_eq!(resaved.status, 303, "{}", resaved.text());
    assert_eq!(
        publish_jobs(&server.app.db, moved),
        vec![("queued".into(), later)],
        "one job, at the new time"
    );

    wait_for("the post on time", PUBLISH_WAIT, || {
        post_titled(&server.app.db, "On time").1 == "published"
    });
    assert!(store::now() >= soon);
    let (_, status, path, published_at) = post_titled(&server.app.db, "Moved on");
    assert_eq!(status, "scheduled");
    assert_eq!(path, None);
    assert_eq!(published_at, Some(later));
    let visitor = server.client();
    let home = visitor.get("/").text();
    assert!(home.contains("Right on time."));
    assert!(!home.contains("Not yet after all."));
    assert_eq!(visitor.get(&utc_permalink(soon, "moved-on")).status, 404);
    assert_eq!(visitor.get(&utc_permalink(later, "moved-on")).status, 404);
}

#[test]
fn deleting_a_scheduled_post_removes_its_job() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let at = store::now() + 3600;
    let id = schedule(&admin, &server.app.db, "Never mind", "Changed my mind.", at);
    assert_eq!(publish_jobs(&server.app.db, id).len(), 1);

    let csrf = admin.csrf();
    let deleted = admin.post_form(&format!("/admin/posts/{id}/delete"), &[("csrf", &csrf)]);
    assert_eq!(deleted.status, 303, "{}", deleted.text());
    assert_eq!(deleted.location(), "/admin/drafts?done=deleted");
    assert_eq!(publish_jobs(&server.app.db, id), vec![]);
    assert_eq!(post_titled(&server.app.db, "Never mind").1, "deleted");
    let jobs = admin.get("/admin/jobs");
    assert_eq!(jobs.status, 200);
    assert!(!jobs.text().contains("publish_post"), "{}", jobs.text());
}

#[test]
fn a_scheduled_post_is_published_after_a_restart() {
    let mut first = TestServer::with_owner();
    let admin = first.admin();
    let at = store::now() + 3;
    let id = schedule(
        &admin,
        &first.app.db,
        "Survives restarts",
        "Queued before the restart.",
        at,
    );
    first.stop();
    assert_eq!(
        publish_jobs(&first.app.db, id),
        vec![("queued".into(), at)],
        "still queued while the server is down"
    );

    let second = TestServer::start_in(&first.data);
    let permalink = utc_permalink(at, "survives-restarts");
    let visitor = second.client();
    assert_eq!(visitor.get(&permalink).status, 404);
    wait_for("publication after the restart", PUBLISH_WAIT, || {
        visitor.get(&permalink).status == 200
    });
    assert!(store::now() >= at);
    assert!(
        visitor
            .get(&permalink)
            .text()
            .contains("Queued before the restart.")
    );
    assert_eq!(post_titled(&second.app.db, "Survives restarts").3, Some(at));
    // The post is committed in the job's transaction; the job's row is cleared just after.
    wait_for("the publish job to be done", PUBLISH_WAIT, || {
        publish_jobs(&second.app.db, id).is_empty()
    });
}

#[test]
fn a_schedule_time_in_the_past_publishes_at_once_with_that_date() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let at = store::now() - 3 * 24 * 3600 - 5 * 3600;
    let saved = admin.compose(&[
        ("title", "Written last week"),
        ("markdown", "Backdated on purpose."),
        ("action", "schedule"),
        ("publish_at", &input_time(at, &chrono::Utc)),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let (id, status, path, published_at) = post_titled(&server.app.db, "Written last week");
    // Its own screen says it was published, and with which date.
    assert_eq!(
        saved.location(),
        format!("/admin/posts/{id}?done=backdated")
    );
    let permalink = utc_permalink(at, "written-last-week");
    assert_eq!(status, "published");
    assert_eq!(path.as_deref(), Some(permalink.as_str()));
    assert_eq!(published_at, Some(at));
    assert_eq!(publish_jobs(&server.app.db, id), vec![]);
    let page = server.client().get(&permalink);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Backdated on purpose."));
}

// ---------------------------------------------------------------------------------------------
// 5. The jobs page

#[test]
fn the_jobs_page_lists_the_job_of_a_scheduled_post() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let empty = admin.get("/admin/jobs");
    assert_eq!(empty.status, 200);
    assert!(empty.text().contains("Nothing waiting."));

    let at = store::now() + 7200;
    let id = schedule(
        &admin,
        &server.app.db,
        "Queued for later",
        "Two hours on.",
        at,
    );
    let page = admin.get("/admin/jobs");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(!html.contains("Nothing waiting."), "{html}");
    assert!(html.contains("publish_post"), "{html}");
    assert!(
        html.contains(&format!("post_id&#34;:{id}}}"))
            || html.contains(&format!("post_id&quot;:{id}}}")),
        "the payload names post {id}: {html}"
    );
    assert!(html.contains(r#"<span class="status queued">queued</span>"#));
    let when = chrono::Utc
        .timestamp_opt(at, 0)
        .unwrap()
        .format("%-d %b %Y, %H:%M:%S")
        .to_string();
    assert!(html.contains(&when), "runs at {when}: {html}");
    assert!(html.contains("0 of 8"), "not tried yet: {html}");

    let visitor = server.client().get("/admin/jobs");
    assert_eq!(
        visitor.status, 303,
        "signed-out visitors are sent to log in"
    );
    assert!(visitor.location().starts_with("/admin/login"));
    assert!(!visitor.text().contains("publish_post"));
}

// ---------------------------------------------------------------------------------------------
// 6. One server per data folder, writes from other processes, lost workers

#[test]
fn a_second_server_on_the_same_data_folder_is_refused() {
    let server = TestServer::with_owner();
    let mut child = porch()
        .args(["serve", "--data"])
        .arg(&server.data)
        .args(["--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start porch serve");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a second porch serve kept running on a folder already served");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("another Porch is already serving"),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("Porch is serving"),
        "it never served"
    );
    // The first server is untouched and still answers.
    assert_eq!(server.client().get("/healthz").status, 200);
    assert_eq!(server.admin().get("/admin").status, 200);
}

#[test]
fn a_write_by_another_process_reaches_the_page_cache() {
    let server = TestServer::start();
    let visitor = server.client();
    let first = visitor.get("/");
    assert_eq!(first.status, 200, "{}", first.text());
    let cached = visitor.get("/");
    assert_eq!(
        cached.header("etag"),
        first.header("etag"),
        "served from the cache"
    );
    assert!(!first.text().contains("Bobbie Tables"));

    init_as(&server.data, &server.base, "bobbie", "Bobbie Tables");

    wait_for(
        "the new owner on the home page",
        Duration::from_secs(3),
        || visitor.get("/").text().contains("Bobbie Tables"),
    );
    let after = visitor.get("/");
    assert_ne!(after.header("etag"), first.header("etag"));
}

#[test]
fn a_job_whose_worker_died_runs_again_after_its_lease() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let db = &server.app.db;
    let at = store::now() + 3;
    let id = schedule(&admin, db, "Picked up again", "The first worker died.", at);

    // A worker claims the job (as if 5 s had passed, with a 1 s lease) and dies without
    // recording an outcome: the job stays 'running' with nobody running it.
    let now = store::now();
    let claimed = db
        .write_blocking(|tx| store::jobs::claim_due(tx, now + 5, 1, 10))
        .unwrap();
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(claimed[0].kind, "publish_post");
    assert_eq!(publish_jobs(db, id), vec![("running".into(), now + 6)]);
    assert_eq!(post_titled(db, "Picked up again").1, "scheduled");

    wait_for("the post published by another claim", PUBLISH_WAIT, || {
        post_titled(db, "Picked up again").1 == "published"
    });
    let (_, _, path, published_at) = post_titled(db, "Picked up again");
    assert_eq!(path, Some(utc_permalink(at, "picked-up-again")));
    assert_eq!(published_at, Some(at));
    wait_for("the job to be done", PUBLISH_WAIT, || {
        publish_jobs(db, id).is_empty()
    });
    assert_eq!(
        server.client().get(&path.unwrap()).status,
        200,
        "the post is shown"
    );
}

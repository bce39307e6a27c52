//! The job queue on its own: a job queued in a committed transaction runs at once, without
//! waiting for the worker's poll (which is 30 seconds: far longer than these tests wait), and
//! one queued in a transaction that rolled back never runs. Then the jobs page, which says what
//! each job does in words.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use porch::jobs::{self, Task};
use porch::store::{self, Db};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Note {
    text: String,
}

impl Task for Note {
    const KIND: &'static str = "note";
    const MAX_ATTEMPTS: u32 = 1;
}

/// A database and a worker whose jobs write down what they were given.
fn worker(runtime: &tokio::runtime::Runtime) -> (Db, Arc<Mutex<Vec<String>>>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("porch.db")).unwrap();
    let ran: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = ran.clone();
    runtime
        .block_on(jobs::worker::start(db.clone(), move |kind, payload| {
            let log = log.clone();
            async move {
                assert_eq!(kind, Note::KIND);
                let note: Note = jobs::parse(&payload)?;
                log.lock().unwrap().push(note.text);
                Ok(())
            }
        }))
        .unwrap();
    (db, ran, dir)
}

fn wait_for(ran: &Mutex<Vec<String>>, text: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if ran.lock().unwrap().iter().any(|t| t == text) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn a_job_queued_in_a_committed_transaction_runs_without_waiting_for_the_poll() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (db, ran, _dir) = worker(&runtime);
    // Let the worker find the queue empty and go to sleep on its poll.
    std::thread::sleep(Duration::from_millis(300));
    db.write_blocking(|tx| jobs::enqueue(tx, &Note { text: "now".into() }, store::now()))
        .unwrap();
    assert!(wait_for(&ran, "now"), "the job did not run within 5 s");
    // And again, once the worker is idle after running one.
    std::thread::sleep(Duration::from_millis(300));
    db.write_blocking(|tx| {
        jobs::enqueue(
            tx,
            &Note {
                text: "again".into(),
            },
            store::now(),
        )
    })
    .unwrap();
    assert!(
        wait_for(&ran, "again"),
        "the second job did not run within 5 s"
    );
}

#[test]
fn a_job_queued_in_a_transaction_that_rolled_back_never_runs() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (db, ran, _dir) = worker(&runtime);
    let refused: anyhow::Result<()> = db.write_blocking(|tx| {
        jobs::enqueue(
            tx,
            &Note {
                text: "rolled back".into(),
            },
            store::now(),
        )?;
        anyhow::bail!("the change that needed it was refused")
    });
    assert!(refused.is_err());
    db.write_blocking(|tx| {
        jobs::enqueue(
            tx,
            &Note {
                text: "committed".into(),
            },
            store::now(),
        )
    })
    .unwrap();
    assert!(wait_for(&ran, "committed"));
    assert_eq!(*ran.lock().unwrap(), ["committed"]);
    // The job's row is cleared just after its handler returns: wait for that, not a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: i64 = db
            .read_blocking(|c| Ok(c.query_row("SELECT count(*) FROM jobs", [], |r| r.get(0))?))
            .unwrap();
        if left == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{left} jobs left in the queue");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        *ran.lock().unwrap(),
        ["committed"],
        "the rolled-back one never ran"
    );
}

// The jobs page (`/admin/jobs`) ------------------------------------------------------------------

/// One row of the jobs page, parsed: its sentence, its disclosed details, and its forms.
struct JobRow {
    words: String,
    details: String,
    attempts: String,
    retry: Option<String>,
    drop: Option<String>,
}

/// The rows of the jobs page for jobs of `kind`.
fn job_rows(admin: &common::Client, kind: &str) -> Vec<JobRow> {
    let page = admin.get("/admin/jobs");
    assert_eq!(page.status, 200, "{}", page.text());
    let doc = scraper::Html::parse_document(&page.text());
    let select = |s: &str| scraper::Selector::parse(s).unwrap();
    let text = |e: scraper::ElementRef| {
        e.text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    doc.select(&select(&format!(r#"tr[data-kind="{kind}"]"#)))
        .map(|row| {
            let action = |s: &str| {
                row.select(&select(s))
                    .next()
                    .and_then(|f| f.value().attr("action"))
                    .map(String::from)
            };
            JobRow {
                words: row.select(&select(".job-words")).map(text).collect(),
                details: row.select(&select("details")).map(text).collect(),
                attempts: row
                    .select(&select("td"))
                    .nth(3)
                    .map(text)
                    .unwrap_or_default(),
                retry: action(r#"form[action$="/retry"]"#),
                drop: action(r#"form[action$="/delete"]"#),
            }
        })
        .collect()
}

#[test]
fn a_webmention_to_an_unreachable_host_is_described_in_words_with_its_payload_disclosed() {
    let server = common::TestServer::with_owner();
    let admin = server.admin();
    // Nothing listens on the discard port of loopback: every try is refused at once.
    let target = "http://127.0.0.1:9/a/page";
    let saved = admin.compose(&[
        ("markdown", &format!("Have you read [this page]({target})?")),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());

    let deadline = Instant::now() + Duration::from_secs(15);
    let row = loop {
        let tried = job_rows(&admin, "send_webmention")
            .into_iter()
            .find(|r| r.words.contains("next try at"));
        if let Some(row) = tried {
            break row;
        }
        assert!(
            Instant::now() < deadline,
            "no failed Webmention on the jobs page within 15 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        row.words
            .starts_with("Send Webmention to 127.0.0.1 for “Have you read this page?”"),
        "{}",
        row.words
    );
    assert!(
        row.words.contains(" — connection refused; next try at "),
        "{}",
        row.words
    );
    assert!(
        !row.words.contains('{'),
        "no JSON in the sentence: {}",
        row.words
    );
    // The raw kind, payload and error are there, behind the disclosure.
    assert!(row.details.contains("send_webmention"), "{}", row.details);
    assert!(
        row.details.contains(&format!(r#""target":"{target}""#)),
        "{}",
        row.details
    );
    assert!(
        row.details.to_lowercase().contains("connection refused"),
        "{}",
        row.details
    );

    // Its forms still work: run it now, then drop it.
    let retry = row.retry.expect("a Retry now form");
    let csrf = admin.csrf();
    let resp = admin.post_form(&retry, &[("csrf", &csrf)]);
    assert_eq!(resp.status, 303, "{}", resp.text());
    assert_eq!(resp.location(), "/admin/jobs?done=retried");
    // Run at once, it fails again and waits for its next try (long enough to drop it first).
    let deadline = Instant::now() + Duration::from_secs(15);
    let drop = loop {
        let waiting = job_rows(&admin, "send_webmention")
            .into_iter()
            .find(|r| r.attempts == "2 of 8" && r.words.contains("next try at"))
            .and_then(|r| r.drop);
        if let Some(drop) = waiting {
            break drop;
        }
        assert!(
            Instant::now() < deadline,
            "the retried Webmention did not wait again within 15 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let resp = admin.post_form(&drop, &[("csrf", &csrf)]);
    assert_eq!(resp.status, 303, "{}", resp.text());
    assert_eq!(resp.location(), "/admin/jobs?done=deleted");
    assert!(job_rows(&admin, "send_webmention").is_empty());
}

#[test]
fn a_job_of_an_unknown_kind_or_with_an_unreadable_payload_is_named_by_its_kind() {
    let server = common::TestServer::with_owner();
    let later = store::now() + 3600;
    server
        .app
        .db
        .write_blocking(|tx| {
            store::jobs::enqueue(tx, "mail_digest", r#"{"to":"me"}"#, later, 3)?;
            store::jobs::enqueue(tx, "deliver", r#"{"inbox":42}"#, later, 3)?;
            Ok(())
        })
        .unwrap();
    let admin = server.admin();
    let unknown = job_rows(&admin, "mail_digest");
    assert_eq!(unknown.len(), 1);
    assert!(
        unknown[0]
            .words
            .starts_with("A job of the kind “mail_digest” — waiting; runs at "),
        "{}",
        unknown[0].words
    );
    assert!(unknown[0].details.contains(r#"{"to":"me"}"#));
    let unreadable = job_rows(&admin, "deliver");
    assert_eq!(unreadable.len(), 1);
    assert!(
        unreadable[0]
            .words
            .starts_with("A job of the kind “deliver” — "),
        "{}",
        unreadable[0].words
    );
}

//! The job queue on its own: a job queued in a committed transaction runs at once, without
//! waiting for the worker's poll (which is 30 seconds: far longer than these tests wait), and
//! one queued in a transaction that rolled back never runs.

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
    let left: i64 = db
        .read_blocking(|c| Ok(c.query_row("SELECT count(*) FROM jobs", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(left, 0);
}

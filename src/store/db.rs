//! The database handle: one write connection (SQLite allows one writer at a time anyway) and a
//! small pool of readers. All work runs on Tokio's blocking threads so that no async thread waits
//! on disk.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use rusqlite::hooks::Action;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::{Notify, Semaphore, oneshot};

use super::migrations;

/// How many idle read connections are kept open. Each holds its own page cache, so a small
/// number keeps a Raspberry Pi's memory low.
const IDLE_READERS: usize = 4;
/// Reads running at once; more wait their turn instead of each taking a thread and a connection
/// (a flood of uncached requests must not open hundreds of either). SQLite reads are short,
/// and two cores gain nothing from more at a time (measured with `cargo bench --bench http`).
const MAX_READERS: usize = 4;

/// Page cache per connection, in KiB (SQLite's negative `cache_size` form).
const CACHE_KIB: i64 = 2048;

/// How long a connection waits for another process's lock (a CLI command, a backup) before it
/// gives up; long enough for any write Porch makes.
const BUSY_TIMEOUT_MS: i64 = 5000;

/// What visitors can see changes when `content_version` does (triggers in schema.sql bump it).
/// Kept in memory after every write so that the page cache can check it without a query.
#[derive(Debug, Default)]
pub struct ContentStamp {
    version: AtomicI64,
    changed_at: AtomicI64,
    /// When the stamp was last read from the database, in Unix milliseconds.
    read_at_ms: AtomicI64,
}

/// How stale the in-memory stamp may get before it is read again. Writes made by this process
/// refresh it at once; this only bounds how long a write by another process (`porch init` while
/// the server runs) takes to reach the page cache.
const STAMP_MAX_AGE_MS: i64 = 1000;

impl ContentStamp {
    pub fn version(&self) -> i64 {
        self.version.load(Ordering::Acquire)
    }

    pub fn changed_at(&self) -> i64 {
        self.changed_at.load(Ordering::Acquire)
    }

    fn refresh(&self, conn: &Connection) -> Result<()> {
        let (version, changed_at): (i64, i64) = conn
            .query_row(
                "SELECT content_version, content_changed_at FROM site_meta WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .context("store: read content stamp")?;
        self.changed_at.store(changed_at, Ordering::Release);
        self.version.store(version, Ordering::Release);
        self.read_at_ms
            .store(chrono::Utc::now().timestamp_millis(), Ordering::Release);
        Ok(())
    }
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    read_slots: Semaphore,
    /// Writes waiting for the writer, committed together in the next group (see `write`).
    queue: Mutex<VecDeque<Pending>>,
    /// Set while a blocking task is committing groups from `queue`.
    draining: AtomicBool,
    stamp: ContentStamp,
    /// Set when the open write transaction queues or requeues a job (an update hook on the
    /// `jobs` table); the commit then wakes the job worker through `jobs`.
    touched_jobs: Arc<AtomicBool>,
    jobs: Notify,
}

/// The most writes committed as one group, so that a flood cannot hold the writer (and every
/// caller in the group) for long.
const MAX_GROUP: usize = 256;

/// How a write that succeeded in the group's transaction tells its caller, once the group's
/// commit is known.
type Deliver = Box<dyn FnOnce(Result<(), &anyhow::Error>) + Send>;
/// A queued write: run it in the transaction, or tell its caller the transaction never began.
/// Gives back how to answer its caller when it succeeded (its savepoint is kept); a write that
/// failed has already been answered.
type Pending = Box<dyn FnOnce(Result<&Transaction, &anyhow::Error>) -> Option<Deliver> + Send>;

/// Opens one connection with the settings every Porch connection uses.
pub fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .with_context(|| format!("store: open {}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a committed post survives a power cut, not only a crash; a blog writes rarely.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "busy_timeout", BUSY_TIMEOUT_MS)?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    Ok(conn)
}

/// SQLite's own check of a database file: "ok", or what is wrong.
pub fn integrity_check(conn: &Connection) -> Result<String> {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .context("store: integrity check")
}

impl Db {
    /// Opens the database, creating it from schema.sql or migrating it to the current version.
    pub fn open(path: &Path) -> Result<Db> {
        let mut writer = open_connection(path)?;
        migrations::prepare(&mut writer)?;
        let stamp = ContentStamp::default();
        stamp.refresh(&writer)?;
        let touched_jobs = Arc::new(AtomicBool::new(false));
        let flag = touched_jobs.clone();
        writer.update_hook(Some(
            move |action: Action, _db: &str, table: &str, _row: i64| {
                if table == "jobs" && action != Action::SQLITE_DELETE {
                    flag.store(true, Ordering::Release);
                }
            },
        ))?;
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                read_slots: Semaphore::new(MAX_READERS),
                queue: Mutex::new(VecDeque::new()),
                draining: AtomicBool::new(false),
                stamp,
                touched_jobs,
                jobs: Notify::new(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn stamp(&self) -> &ContentStamp {
        &self.inner.stamp
    }

    /// Notified when a committed transaction queued a job (or a job finished): what the job
    /// worker waits on. No writer has to remember to wake it.
    pub fn queued_jobs(&self) -> &Notify {
        &self.inner.jobs
    }

    /// The content stamp, re-read first if it is older than a second.
    pub async fn fresh_stamp(&self) -> Result<&ContentStamp> {
        let age = chrono::Utc::now().timestamp_millis()
            - self.inner.stamp.read_at_ms.load(Ordering::Acquire);
        if age > STAMP_MAX_AGE_MS {
            let db = self.clone();
            self.read(move |c| db.inner.stamp.refresh(c)).await?;
        }
        Ok(&self.inner.stamp)
    }

    /// Runs `f` on a read connection, off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let _slot = self.inner.read_slots.acquire().await?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .context("store: read task")?
    }

    /// Runs `f` inside one write transaction, off the async threads. The transaction commits when
    /// `f` returns Ok and rolls back when it returns Err, so a failed action changes nothing.
    ///
    /// Writes that arrive while another group commits are committed together as the next group,
    /// each inside its own savepoint: one fsync for many (a burst of inbox activities, many
    /// Micropub clients, the job worker's bookkeeping), where each alone would wait for its own.
    /// A write that fails rolls back to its savepoint and leaves the others in; nobody hears of
    /// success before the group's commit is durable.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T>>();
        let pending: Pending = Box::new(move |tx| {
            let outcome = match tx {
                // A panic inside `f` fails this write alone; the group goes on.
                Ok(tx) => std::panic::catch_unwind(AssertUnwindSafe(|| f(tx)))
                    .unwrap_or_else(|_| Err(anyhow!("store: a write panicked"))),
                Err(e) => Err(anyhow!("{e:#}")),
            };
            match outcome {
                Ok(value) => Some(Box::new(move |committed: Result<(), &anyhow::Error>| {
                    let _ = reply.send(committed.map(|()| value).map_err(|e| anyhow!("{e:#}")));
                }) as Deliver),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    None
                }
            }
        });
        self.inner
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push_back(pending);
        if !self.inner.draining.swap(true, Ordering::AcqRel) {
            let db = self.clone();
            tokio::task::spawn_blocking(move || db.drain());
        }
        answer.await.context("store: write task")?
    }

    /// Commits queued writes, a group at a time, until the queue is empty.
    fn drain(&self) {
        loop {
            let group: Vec<Pending> = {
                let mut queue = self
                    .inner
                    .queue
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                let n = queue.len().min(MAX_GROUP);
                queue.drain(..n).collect()
            };
            if group.is_empty() {
                self.inner.draining.store(false, Ordering::Release);
                // A write queued between the empty look and the store above saw `draining`
                // still set and started no task: take it on, unless a new task already has.
                let queued = !self
                    .inner
                    .queue
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .is_empty();
                if queued && !self.inner.draining.swap(true, Ordering::AcqRel) {
                    continue;
                }
                return;
            }
            self.commit_group(group);
        }
    }

    /// One transaction for the group: each write in a savepoint, one commit for all. A write
    /// that fails rolls back to its savepoint (alone, that leaves an empty transaction, which
    /// commits nothing).
    fn commit_group(&self, group: Vec<Pending>) {
        let mut conn = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                let e = anyhow::Error::new(e).context("store: begin");
                for pending in group {
                    let _ = pending(Err(&e));
                }
                return;
            }
        };
        // Left set only by a transaction that rolled back: its jobs are gone with it.
        self.inner.touched_jobs.store(false, Ordering::Release);
        let mut succeeded = Vec::with_capacity(group.len());
        let mut broken = None;
        for pending in group {
            if let Some(e) = &broken {
                let _ = pending(Err(e));
                continue;
            }
            if let Err(e) = tx.execute_batch("SAVEPOINT one_write") {
                let e = anyhow::Error::new(e).context("store: savepoint");
                let _ = pending(Err(&e));
                broken = Some(e);
                continue;
            }
            let deliver = pending(Ok(&tx));
            let end = if deliver.is_some() {
                "RELEASE one_write"
            } else {
                "ROLLBACK TO one_write; RELEASE one_write"
            };
            if let Err(e) = tx.execute_batch(end) {
                // The savepoint could not be closed (SQLite rolled the whole transaction
                // back after a disk error, say): nothing in this group can commit.
                broken = Some(anyhow::Error::new(e).context("store: end of a write"));
            }
            succeeded.extend(deliver);
        }
        let committed = match broken {
            Some(e) => {
                drop(tx);
                Err(e)
            }
            None => tx.commit().context("store: commit"),
        };
        if committed.is_ok() {
            self.after_commit(&conn);
        }
        for deliver in succeeded {
            deliver(committed.as_ref().map(|_| ()));
        }
    }

    /// What every commit is followed by: waking the job worker if a job was queued, and
    /// refreshing the content stamp.
    fn after_commit(&self, conn: &Connection) {
        if self.inner.touched_jobs.swap(false, Ordering::AcqRel) {
            self.inner.jobs.notify_one();
        }
        // The change is committed: failing now would make the caller report (and perhaps
        // repeat) a save that happened. A stale stamp only delays the page cache's refresh.
        if let Err(e) = self.inner.stamp.refresh(conn) {
            tracing::error!(
                error = format!("{e:#}"),
                "store: could not read the content stamp"
            );
        }
    }

    pub fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = match self
            .inner
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop()
        {
            Some(conn) => conn,
            None => open_connection(&self.inner.path)?,
        };
        let result = f(&conn);
        let mut pool = self
            .inner
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if pool.len() < IDLE_READERS {
            pool.push(conn);
        }
        result
    }

    pub fn write_blocking<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        // A panic inside `f` drops, and so rolls back, its transaction: the connection stays good.
        let mut conn = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("store: begin")?;
        // Left set only by a transaction that rolled back: its jobs are gone with it.
        self.inner.touched_jobs.store(false, Ordering::Release);
        let value = f(&tx)?;
        tx.commit().context("store: commit")?;
        self.after_commit(&conn);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(db: &Db) -> Vec<i64> {
        db.read_blocking(|c| {
            let mut stmt = c.prepare("SELECT n FROM t ORDER BY n")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
        })
        .unwrap()
    }

    /// Writes that queue while the writer is busy commit as one group; one that fails or panics
    /// changes nothing, its caller hears why, and the others commit and hear so.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_that_fails_in_a_group_changes_nothing_and_the_others_commit() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("porch.db")).unwrap();
        db.write(|tx| Ok(tx.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")?))
            .await
            .unwrap();

        let busy = db.inner.writer.lock().unwrap();
        let mut writes = Vec::new();
        for n in 0..12_i64 {
            let writer = db.clone();
            writes.push(tokio::spawn(async move {
                writer
                    .write(move |tx| {
                        tx.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                        match n {
                            4 => anyhow::bail!("write {n} refused"),
                            7 => panic!("write {n} panicked"),
                            _ => Ok(n),
                        }
                    })
                    .await
            }));
            // One at a time: the first is taken (and held at the busy writer), the rest queue.
            loop {
                let queued = db.inner.queue.lock().unwrap().len();
                let taken = db.inner.draining.load(Ordering::Acquire);
                if (n == 0 && taken && queued == 0) || (n > 0 && queued == n as usize) {
                    break;
                }
                // Not an await: the writer's lock is held, and the writes run on the runtime's
                // worker threads meanwhile.
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        assert_eq!(
            db.inner.queue.lock().unwrap().len(),
            11,
            "queued as one group"
        );
        drop(busy);

        let mut answers = Vec::new();
        for write in writes {
            answers.push(write.await.unwrap().map_err(|e| e.to_string()));
        }
        assert_eq!(answers[4], Err("write 4 refused".to_string()));
        assert_eq!(answers[7], Err("store: a write panicked".to_string()));
        let committed: Vec<i64> = (0..12).filter(|n| ![4, 7].contains(n)).collect();
        for n in &committed {
            assert_eq!(answers[*n as usize], Ok(*n));
        }
        assert_eq!(count(&db), committed);
    }
}

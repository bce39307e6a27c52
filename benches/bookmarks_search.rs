//! `cargo bench --bench bookmarks_search`: how long a search of the panel's bookmarks takes
//! over 10,000 bookmarks, each with an archived article of about 2 KB of text, in a database
//! file on disk (as `porch serve` has it): one rare word, one common word, and two words.

use std::time::{Duration, Instant};

use porch::store::bookmarks::{self, Archive, NewBookmark};

const BOOKMARKS: usize = 10_000;
const RUNS: usize = 50;

/// Words to build articles from; a few are rare, so that searches find few or many.
const WORDS: &[&str] = &[
    "porch",
    "evening",
    "light",
    "garden",
    "neighbour",
    "weather",
    "swing",
    "boards",
    "coffee",
    "morning",
    "letters",
    "river",
    "bicycle",
    "library",
    "winter",
    "kettle",
    "window",
    "harbour",
];

fn text(n: usize) -> String {
    let mut out = String::new();
    let mut i = n as u64;
    while out.len() < 2_000 {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.push_str(WORDS[((i >> 33) as usize) % WORDS.len()]);
        out.push(' ');
    }
    if n.is_multiple_of(1000) {
        out.push_str("quillwort");
    }
    out
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut conn = porch::store::open_connection(&dir.path().join("bench.db")).expect("a database");
    porch::store::create_fresh(&mut conn).expect("the schema");
    let started = Instant::now();
    let tx = conn.transaction().expect("a transaction");
    for n in 0..BOOKMARKS {
        let id = bookmarks::insert(
            &tx,
            &NewBookmark {
                url: format!("https://site{}.example/articles/{n}", n % 300),
                url_key: format!("https://site{}.example/articles/{n}", n % 300),
                title: format!("Article {n}"),
                note: String::new(),
                tags: vec![format!("tag{}", n % 40)],
                source: "import",
                post_id: None,
            },
            1_700_000_000,
        )
        .expect("a bookmark");
        let archive = Archive {
            article_title: format!("Article {n}"),
            text: text(n),
            ..Archive::default()
        };
        bookmarks::save_archive(&tx, id, &archive, 1_700_000_000).expect("an archive");
    }
    tx.commit().expect("commit");
    println!(
        "bookmarks_search: {BOOKMARKS} bookmarks of ~2 KB archived text stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for query in ["quillwort", "garden", "winter kettle"] {
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        let mut found = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            found = bookmarks::search(&conn, query, 100)
                .expect("a search")
                .len();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "bookmarks_search: {query:?}: {found} shown, median {:.2} ms, slowest {:.2} ms over {RUNS} runs",
            times[RUNS / 2].as_secs_f64() * 1000.0,
            times[RUNS - 1].as_secs_f64() * 1000.0
        );
    }
}

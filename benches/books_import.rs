//! `cargo bench --bench books_import`: how long `porch import` takes to read a 5,000-row
//! Goodreads export onto an empty bookshelf, and its resident memory meanwhile (VmHWM, from
//! /proc, read every few milliseconds while it runs), then the same file again (every book is
//! found already there) and `porch export books` of the result.

use std::fmt::Write as _;

#[path = "common/memory.rs"]
mod memory;
#[path = "common/run.rs"]
mod run;

use run::measure;

const BOOKS: usize = 5_000;

/// An ISBN-13 with a correct check digit, from a running number.
fn isbn13(n: usize) -> String {
    let body = format!("978{:09}", n);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A Goodreads export (the current layout) of `BOOKS` books, as a person's library looks: most
/// read, reviews on some, a few shelves.
fn goodreads_csv() -> String {
    let mut csv = String::from(
        "Book Id,Title,Author,Author l-f,Additional Authors,ISBN,ISBN13,My Rating,Average Rating,\
         Publisher,Binding,Number of Pages,Year Published,Original Publication Year,Date Read,\
         Date Added,Bookshelves,Bookshelves with positions,Exclusive Shelf,My Review,Spoiler,\
         Private Notes,Read Count,Owned Copies\n",
    );
    let shelves = ["read", "read", "read", "to-read", "currently-reading"];
    for n in 0..BOOKS {
        let exclusive = shelves[n % shelves.len()];
        let review = if n % 4 == 0 {
            "A long review of the book.<br/><br/>It goes on for a while about what worked and what did not, as reviews do."
        } else {
            ""
        };
        let _ = writeln!(
            csv,
            "{id},\"Book Number {n}: A Subtitle\",\"Author {a}\",\"{a}, Author\",\"\",=\"\",=\"{isbn}\",{rating},\"3.9\",\
             \"Publisher {p}\",Paperback,{pages},{year},{year},{read},2020/01/{day:02},\"{exclusive}, genre-{g}\",\
             \"\",{exclusive},\"{review}\",,,1,0",
            id = 100_000 + n,
            a = n % 700,
            isbn = isbn13(n),
            rating = n % 6,
            p = n % 40,
            pages = 100 + n % 600,
            year = 1950 + n % 70,
            read = if exclusive == "read" {
                format!("2021/{:02}/{:02}", 1 + n % 12, 1 + n % 28)
            } else {
                String::new()
            },
            day = 1 + n % 28,
            g = n % 12,
        );
    }
    csv
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let file = dir.path().join("goodreads_library_export.csv");
    let csv = goodreads_csv();
    std::fs::write(&file, &csv).expect("write the export");
    drop(porch::server::open_data(&data).expect("make the data folder"));
    println!(
        "\nPorch bookshelf import: {BOOKS} Goodreads rows, {:.1} MB\n",
        csv.len() as f64 / 1e6
    );
    let import = [
        "import".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        file.as_os_str(),
    ];
    let (took, peak, said) = measure(&import);
    let summary = said.lines().next().unwrap_or_default().trim();
    println!("first import:  {took:6.2} s, peak RSS {peak:5.1} MB  ({summary})");
    let (took, peak, _) = measure(&import);
    println!("same again:    {took:6.2} s, peak RSS {peak:5.1} MB");
    let out = dir.path().join("books.csv");
    let export = [
        "export".as_ref(),
        "books".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    let (took, peak, _) = measure(&export);
    println!("export:        {took:6.2} s, peak RSS {peak:5.1} MB");
}

//! `cargo bench --bench bookmarks_import`: how long `porch import` takes to read a Firefox-shaped
//! bookmark file of 10,000 bookmarks (nested folders, tags, notes, an icon on each as Firefox
//! writes them) into empty bookmarks, and its resident memory meanwhile (VmHWM, from /proc,
//! read every few milliseconds while it runs); then the same file again (every link found
//! already saved), and `porch export bookmarks` of the result as HTML and as JSON.

use std::fmt::Write as _;

#[path = "common/memory.rs"]
mod memory;
#[path = "common/run.rs"]
mod run;

use run::measure;

const BOOKMARKS: usize = 10_000;

/// A Firefox export of `BOOKMARKS` bookmarks in 50 folders of two levels, each with the base64
/// icon Firefox embeds (about 1 KB), a third with tags and a fifth with a description.
fn firefox_file() -> String {
    let icon = format!("data:image/png;base64,{}", "iVBORw0KGgo".repeat(90));
    let mut html = String::from(
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<!-- This is an automatically generated file. -->\n\
         <META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=UTF-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'\">\n\
         <TITLE>Bookmarks</TITLE>\n<H1>Bookmarks Menu</H1>\n\n<DL><p>\n",
    );
    let per_folder = BOOKMARKS / 50;
    for folder in 0..50 {
        let _ = writeln!(
            html,
            "    <DT><H3 ADD_DATE=\"1600000000\" LAST_MODIFIED=\"1600000000\">Topic {folder}</H3>\n    <DL><p>\n        <DT><H3>Subtopic {}</H3>\n        <DL><p>",
            folder % 7
        );
        for i in 0..per_folder {
            let n = folder * per_folder + i;
            let tags = if n.is_multiple_of(3) {
                format!(" TAGS=\"reading,tag{}\"", n % 40)
            } else {
                String::new()
            };
            let _ = writeln!(
                html,
                "            <DT><A HREF=\"https://site{}.example.com/articles/{n}?utm_source=feed&amp;ref=home\" ADD_DATE=\"{}\" LAST_MODIFIED=\"{}\" ICON_URI=\"https://site{}.example.com/favicon.ico\" ICON=\"{icon}\"{tags}>Article number {n} &amp; its &quot;subtitle&quot;</A>",
                n % 500,
                1_500_000_000 + n * 60,
                1_500_000_000 + n * 60,
                n % 500,
            );
            if n.is_multiple_of(5) {
                let _ = writeln!(
                    html,
                    "            <DD>A note on article {n}, with a few words about why it was worth keeping &amp; reading later."
                );
            }
        }
        html.push_str("        </DL><p>\n    </DL><p>\n");
    }
    html.push_str("</DL><p>\n");
    html
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let file = dir.path().join("bookmarks.html");
    let html = firefox_file();
    std::fs::write(&file, &html).expect("write the file");
    drop(porch::server::open_data(&data).expect("make the data folder"));
    println!(
        "\nPorch bookmark import: {BOOKMARKS} Firefox bookmarks, {:.1} MB\n",
        html.len() as f64 / 1e6
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
    for ext in ["html", "json"] {
        let out = dir.path().join(format!("export.{ext}"));
        let export = [
            "export".as_ref(),
            "bookmarks".as_ref(),
            "--data".as_ref(),
            data.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        let (took, peak, _) = measure(&export);
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        println!("export {ext}:   {took:6.2} s, peak RSS {peak:5.1} MB  ({size:.1} MB)");
    }
}

//! `cargo bench --bench portability`: how long `porch export` takes to write a site of 10,000
//! posts and 1,000 photos as a Blog Archive, how large the archive is, and how long `porch
//! import` takes to read it into a second, empty site; then the same import again (every item
//! found imported before). Each run's resident memory meanwhile is its VmHWM, from /proc, read
//! every few milliseconds while it runs. The site is seeded in this process, through the same
//! save and upload code the panel uses; that is not measured. Last, a WordPress export of
//! 10,000 posts with 3 comments each, in a folder beside a copy of its uploads (`WXR_IMAGES`
//! photos), is imported into a third site.

use std::path::Path;
use std::time::Instant;

#[path = "common/memory.rs"]
mod memory;
#[path = "common/run.rs"]
mod run;

use porch::auth::owner::{self, NewOwner};
use porch::auth::password;
use porch::media::{files, process, upload};
use porch::posts::save::{self, Action, Compose};
use porch::store::Db;
use porch::store::media::Media;
use porch::store::posts::Kind;
use porch::store::settings;
use run::measure;

const POSTS: usize = 10_000;
const PHOTOS: usize = 1_000;
const BASE_URL: &str = "https://example.org";
/// Photos in the WordPress site's uploads: fewer than the archive's, since decoding them is
/// what an import of photos spends its time on, and that is measured above.
const WXR_IMAGES: usize = 200;
/// Posts saved per transaction while seeding.
const BATCH: usize = 500;

/// An 800×600 JPEG whose pixels depend on `n`, so that each photo is a different file.
fn jpeg(n: usize) -> Vec<u8> {
    let (shift, tint) = ((n / 256) as u32 * 61, (n % 256) as u8);
    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([
            ((x + shift) % 256) as u8,
            tint,
            ((y + (x * y) / 97) % 256) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode a JPEG");
    out.into_inner()
}

/// A data folder set up as `porch init` leaves it: the owner, and the site's address.
fn set_up(data: &Path) -> Db {
    let db = porch::server::open_data(data).expect("make the data folder");
    let hash = password::hash("correct horse battery staple").expect("hash the password");
    let new = NewOwner {
        username: "alice".into(),
        display_name: "Alice Example".into(),
        password: "correct horse battery staple".into(),
    };
    db.write_blocking(|tx| {
        owner::create(tx, &new, &hash)?;
        settings::set_raw(tx, "base_url", BASE_URL)
    })
    .expect("set up the owner");
    db
}

/// `PHOTOS` photos through the upload path (cleaned, resized, written, recorded), on two
/// threads; returned in the order of their numbers.
fn seed_photos(db: &Db, data: &Path) -> Vec<Media> {
    let media_dir = porch::config::media_dir(data);
    let mut all: Vec<(usize, Media)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                let media_dir = &media_dir;
                s.spawn(move || {
                    let mut made = Vec::new();
                    let mine: Vec<usize> = (worker..PHOTOS).step_by(2).collect();
                    for chunk in mine.chunks(50) {
                        let processed: Vec<_> = chunk
                            .iter()
                            .map(|&n| {
                                let p = process::process(&jpeg(n)).expect("process a photo");
                                files::write(media_dir, &p).expect("write a photo");
                                (n, p)
                            })
                            .collect();
                        let recorded = db
                            .write_blocking(|tx| {
                                processed
                                    .iter()
                                    .map(|(n, p)| {
                                        let name = format!("photo{n}.jpg");
                                        let alt = format!("alt text {n}");
                                        Ok((*n, upload::record(tx, p, &name, &alt)?))
                                    })
                                    .collect::<anyhow::Result<Vec<_>>>()
                            })
                            .expect("record photos");
                        made.extend(recorded);
                    }
                    made
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("photo worker"))
            .collect()
    });
    all.sort_by_key(|(n, _)| *n);
    let photos: Vec<Media> = all.into_iter().map(|(_, m)| m).collect();
    let mut ids: Vec<_> = photos.iter().map(|m| m.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids.len(),
        PHOTOS,
        "two seeded photos came out the same file"
    );
    photos
}

/// `POSTS` posts through the real save, backdated an hour apart: a tenth with a title, a tenth
/// carrying one of the photos (each photo once), one in 25 with a photo inline in its Markdown,
/// a third in one of 12 categories.
fn seed_posts(db: &Db, photos: &[Media]) {
    let mut site = db.read_blocking(settings::load).expect("load settings");
    site.require_alt = false;
    for start in (0..POSTS).step_by(BATCH) {
        db.write_blocking(|tx| {
            for i in start..(start + BATCH).min(POSTS) {
                let at = 1_500_000_000 + i as i64 * 3600;
                let mut c = Compose::new(Kind::Post, Action::Schedule(at));
                if i % 10 == 0 {
                    c.title = format!("Post number {i}: notes from the porch");
                }
                let mut markdown = format!(
                    "Post {i}. The evening light falls across the boards of the porch, and the \
                     conversation turns, as it always does, to the *garden* and the weather. \
                     [A link](https://example.com/read/{i}) to something worth reading.\n\n\
                     A second paragraph, with a list:\n\n- one thing\n- another, number {}\n",
                    i % 97
                );
                if i % 25 == 3 {
                    let m = &photos[(i * 7) % PHOTOS];
                    let url = files::url_path(&m.hash, &m.ext, None);
                    markdown.push_str(&format!("\n![Inline picture {i}]({BASE_URL}{url})\n"));
                }
                c.markdown = markdown;
                if i % 10 == 5 {
                    c.photos = vec![(photos[i / 10].id, format!("alt {i}"))];
                }
                if i % 3 == 0 {
                    c.new_categories = vec![format!("Topic {}", i % 12)];
                }
                save::save(tx, &site, &c)?;
            }
            Ok(())
        })
        .expect("save posts");
    }
}

fn published_posts(data: &Path) -> i64 {
    let db = porch::server::open_data(data).expect("open the imported data folder");
    db.read_blocking(|c| {
        Ok(c.query_row(
            "SELECT count(*) FROM posts WHERE kind = 'post' AND status = 'published'",
            [],
            |r| r.get(0),
        )?)
    })
    .expect("count posts")
}

fn media_rows(data: &Path) -> i64 {
    let db = porch::server::open_data(data).expect("open the imported data folder");
    db.read_blocking(|c| Ok(c.query_row("SELECT count(*) FROM media", [], |r| r.get(0))?))
        .expect("count media")
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let second = dir.path().join("second");
    let archive = dir.path().join("site.bar");

    let seeding = Instant::now();
    let db = set_up(&data);
    let photos = seed_photos(&db, &data);
    seed_posts(&db, &photos);
    drop(db);
    drop(set_up(&second));
    println!(
        "\nPorch export and import: {POSTS} posts, {PHOTOS} photos (seeded in {:.0} s)\n",
        seeding.elapsed().as_secs_f64()
    );

    let export = [
        "export".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        archive.as_os_str(),
    ];
    let (took, peak, said) = measure(&export);
    let summary = said.lines().last().unwrap_or_default().trim();
    let bytes = std::fs::metadata(&archive).map(|m| m.len()).unwrap_or(0);
    println!("export:        {took:6.2} s, peak RSS {peak:5.1} MB  ({summary})");
    println!(
        "archive:       {bytes} bytes ({:.1} MB)",
        bytes as f64 / 1e6
    );

    let import = [
        "import".as_ref(),
        "--data".as_ref(),
        second.as_os_str(),
        archive.as_os_str(),
    ];
    let (took, peak, said) = measure(&import);
    let summary = said.lines().next().unwrap_or_default().trim();
    println!("first import:  {took:6.2} s, peak RSS {peak:5.1} MB  ({summary})");
    let posts = published_posts(&second);
    assert_eq!(
        posts, POSTS as i64,
        "the import left {posts} published posts, not {POSTS}: {said}"
    );
    println!(
        "               {posts} published posts, {} media rows",
        media_rows(&second)
    );

    let (took, peak, said) = measure(&import);
    let summary = said.lines().next().unwrap_or_default().trim();
    println!("same again:    {took:6.2} s, peak RSS {peak:5.1} MB  ({summary})");
    let posts = published_posts(&second);
    assert_eq!(
        posts, POSTS as i64,
        "the second import left {posts} published posts, not {POSTS}: {said}"
    );

    let third = dir.path().join("third");
    let wordpress = dir.path().join("wordpress");
    drop(set_up(&third));
    let xml_bytes = write_wordpress_site(&wordpress);
    println!(
        "\nWordPress export: {POSTS} posts, {} comments, {WXR_IMAGES} photos beside it \
         ({:.1} MB of XML)",
        POSTS * 3,
        xml_bytes as f64 / 1e6
    );
    let import = [
        "import".as_ref(),
        "--data".as_ref(),
        third.as_os_str(),
        wordpress.as_os_str(),
    ];
    let (took, peak, said) = measure(&import);
    let summary = said.lines().next().unwrap_or_default().trim();
    println!("import:        {took:6.2} s, peak RSS {peak:5.1} MB  ({summary})");
    let posts = published_posts(&third);
    assert_eq!(
        posts, POSTS as i64,
        "the WordPress import left {posts} published posts, not {POSTS}: {said}"
    );
    let media = media_rows(&third);
    println!("               {posts} published posts, {media} media rows");
    assert_eq!(
        media, WXR_IMAGES as i64,
        "every photo beside the export, named by its resized copies, is taken in once"
    );
}

/// A WordPress site as its owner would hand it over when the old host is gone: `export.xml`
/// (WXR 1.2) beside a copy of `wp-content/uploads`. Every post has three approved comments; one
/// in 50 has one of the photos inline. Returns the size of the XML.
fn write_wordpress_site(folder: &Path) -> u64 {
    use std::io::Write;
    let uploads = folder.join("wp-content/uploads/2020/01");
    std::fs::create_dir_all(&uploads).expect("make the uploads folder");
    for n in 0..WXR_IMAGES {
        std::fs::write(uploads.join(format!("photo{n}.jpg")), jpeg(n)).expect("write a photo");
    }
    let path = folder.join("export.xml");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create the XML"));
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<rss version=\"2.0\" \
         xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\">\n\
         <channel><title>Old</title><link>https://old.example</link>\
         <wp:base_site_url>https://old.example</wp:base_site_url>\n"
    )
    .expect("write the XML");
    for i in 0..POSTS {
        let day = chrono::DateTime::from_timestamp(1_500_000_000 + i as i64 * 3600, 0)
            .expect("a date")
            .format("%Y-%m-%d %H:%M:%S");
        let image = if i % 50 == 7 {
            format!(
                "<figure><img src=\"https://old.example/wp-content/uploads/2020/01/photo{}-300x225.jpg\" \
                 srcset=\"https://old.example/wp-content/uploads/2020/01/photo{0}.jpg 800w\"></figure>",
                (i / 50) % WXR_IMAGES
            )
        } else {
            String::new()
        };
        write!(
            out,
            "<item><title>Post {i} from the old blog</title>\
             <link>https://old.example/{i}/post-{i}/</link><guid isPermaLink=\"false\">https://old.example/?p={i}</guid>\
             <content:encoded><![CDATA[<!-- wp:paragraph --><p>The evening light falls across the \
             boards of the porch, and the conversation turns to the <em>garden</em>, post {i}.</p>\
             <!-- /wp:paragraph -->{image}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>\
             <wp:post_id>{i}</wp:post_id><wp:post_date_gmt><![CDATA[{day}]]></wp:post_date_gmt>\
             <wp:post_name><![CDATA[post-{i}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status>\
             <wp:post_type><![CDATA[post]]></wp:post_type>\
             <category domain=\"category\" nicename=\"t{t}\"><![CDATA[Topic {t}]]></category>",
            t = i % 12
        )
        .expect("write the XML");
        for c in 0..3 {
            write!(
                out,
                "<wp:comment><wp:comment_id>{}</wp:comment_id><wp:comment_author><![CDATA[Reader {c}]]></wp:comment_author>\
                 <wp:comment_author_url>https://reader{c}.example/</wp:comment_author_url>\
                 <wp:comment_date_gmt><![CDATA[{day}]]></wp:comment_date_gmt>\
                 <wp:comment_content><![CDATA[What a lovely evening, number {c}.\nThank you.]]></wp:comment_content>\
                 <wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[comment]]></wp:comment_type>\
                 <wp:comment_parent>0</wp:comment_parent></wp:comment>",
                i * 3 + c
            )
            .expect("write the XML");
        }
        writeln!(out, "</item>").expect("write the XML");
    }
    writeln!(out, "</channel></rss>").expect("write the XML");
    out.flush().expect("write the XML");
    std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
}

//! Uploaded images through the real server: metadata (EXIF, GPS, PNG text) stripped, EXIF
//! rotation applied, bombs and non-images refused without a trace, resized copies served
//! immutable, alt text required to publish, and media deletion guarded by its use.

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use common::{Client, Resp, TestServer};
use porch::store::media::Media;
use porch::store::posts::{Kind, Post, Status};

// ---- Building images with metadata -------------------------------------------------------

/// One TIFF directory entry: tag, field type (2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL), count and
/// the value's bytes (little-endian).
struct Entry(u16, u16, u32, Vec<u8>);

/// An IFD placed `at` bytes from the TIFF header: the entries, a zero link to the next IFD, then
/// the values too long to sit in an entry.
fn ifd(entries: &[Entry], at: u32) -> Vec<u8> {
    let data_start = at + 2 + 12 * entries.len() as u32 + 4;
    let mut head = (entries.len() as u16).to_le_bytes().to_vec();
    let mut data = Vec::new();
    for Entry(tag, kind, count, value) in entries {
        head.extend(tag.to_le_bytes());
        head.extend(kind.to_le_bytes());
        head.extend(count.to_le_bytes());
        if value.len() <= 4 {
            let mut inline = value.clone();
            inline.resize(4, 0);
            head.extend(inline);
        } else {
            head.extend((data_start + data.len() as u32).to_le_bytes());
            data.extend(value);
            if data.len() % 2 == 1 {
                data.push(0);
            }
        }
    }
    head.extend(0u32.to_le_bytes());
    head.extend(data);
    head
}

fn rationals(values: &[(u32, u32)]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes()))
        .collect()
}

/// Text put in the camera's Make tag, to look for in the stored bytes.
const MAKE: &[u8] = b"SpyCam GPS-SECRET-MAKE\0";

/// A little-endian TIFF block as cameras write it: IFD0 with Make (and Orientation if given)
/// and a GPSInfo pointer to a GPS IFD holding a latitude and longitude.
fn tiff_with_gps(orientation: Option<u16>) -> Vec<u8> {
    let ifd0 = |gps_at: u32| {
        let mut entries = vec![Entry(0x010F, 2, MAKE.len() as u32, MAKE.to_vec())];
        if let Some(o) = orientation {
            entries.push(Entry(0x0112, 3, 1, o.to_le_bytes().to_vec()));
        }
        entries.push(Entry(0x8825, 4, 1, gps_at.to_le_bytes().to_vec()));
        ifd(&entries, 8)
    };
    let gps_at = 8 + ifd0(0).len() as u32;
    let gps = ifd(
        &[
            Entry(0x0001, 2, 2, b"N\0".to_vec()),
            Entry(0x0002, 5, 3, rationals(&[(51, 1), (30, 1), (1234, 100)])),
            Entry(0x0003, 2, 2, b"E\0".to_vec()),
            Entry(0x0004, 5, 3, rationals(&[(0, 1), (7, 1), (3900, 100)])),
        ],
        gps_at,
    );
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(ifd0(gps_at));
    tiff.extend(gps);
    tiff
}

/// The JPEG with an APP1 "Exif\0\0" segment holding `tiff` right after its SOI marker.
fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// CRC-32 (ISO-HDLC, as PNG uses), bit by bit.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let mut covered = kind.to_vec();
    covered.extend_from_slice(data);
    chunk.extend(crc32(&covered).to_be_bytes());
    chunk
}

/// The PNG with `chunks` inserted right after its IHDR (signature 8 bytes, IHDR 25).
fn with_png_chunks(png: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
    assert_eq!(&png[12..16], b"IHDR");
    let mut out = png[..33].to_vec();
    for chunk in chunks {
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&png[33..]);
    out
}

/// A PNG whose header claims `width`×`height` RGB pixels but carries only a tiny IDAT: a few
/// hundred bytes that would expand to gigabytes if decoded.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write;
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&[0u8; 64 * 1024]).unwrap();
    let idat = z.finish().unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(b"IDAT", &idat));
    png.extend(png_chunk(b"IEND", &[]));
    png
}

fn exif_of(bytes: &[u8]) -> Result<exif::Exif, exif::Error> {
    exif::Reader::new().read_from_container(&mut Cursor::new(bytes))
}

/// Asserts that `bytes` carries the GPS position and camera make this file puts in.
fn assert_has_gps(bytes: &[u8]) {
    let exif = exif_of(bytes).expect("the test input carries EXIF");
    for tag in [
        exif::Tag::GPSLatitudeRef,
        exif::Tag::GPSLatitude,
        exif::Tag::GPSLongitudeRef,
        exif::Tag::GPSLongitude,
        exif::Tag::Make,
    ] {
        assert!(
            exif.get_field(tag, exif::In::PRIMARY).is_some(),
            "the test input lacks {tag}"
        );
    }
    let lat = exif
        .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
        .unwrap();
    assert_eq!(lat.display_value().to_string(), "51 deg 30 min 12.34 sec");
}

/// Asserts that a stored file has no EXIF and none of the bytes that carried it.
fn assert_clean(bytes: &[u8]) {
    match exif_of(bytes) {
        Err(exif::Error::NotFound(_)) => {}
        Err(e) => panic!("stored file has unreadable EXIF: {e}"),
        Ok(exif) => panic!(
            "stored file still has EXIF: {:?}",
            exif.fields().map(|f| f.tag).collect::<Vec<_>>()
        ),
    }
    assert!(!contains(bytes, b"Exif\0\0"), "APP1 Exif header survived");
    assert!(!contains(bytes, b"II*\0"), "TIFF header survived");
    assert!(!contains(bytes, b"GPS-SECRET"), "camera/GPS text survived");
    assert!(!contains(bytes, b"eXIf"), "PNG eXIf chunk survived");
    assert!(!contains(bytes, b"tEXt"), "PNG tEXt chunk survived");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A JPEG whose left third is red and the rest blue, to tell which way it was turned.
fn jpeg_red_left(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, _| {
        if x < width / 3 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

// ---- Talking to the server ----------------------------------------------------------------

/// Uploads one file to the media library as the browser form does.
fn upload_form(client: &Client, file_name: &str, bytes: &[u8]) -> Resp {
    let csrf = client.csrf();
    client.post_multipart(
        "/admin/media",
        &[("csrf", &csrf)],
        &[("file", file_name, bytes)],
    )
}

/// Uploads one file to the media library as the composer's drag-and-drop does.
fn upload_json(client: &Client, file_name: &str, bytes: &[u8]) -> Resp {
    let csrf = client.csrf();
    client.post_multipart_with(
        "/admin/media",
        &[("csrf", &csrf)],
        &[("file", file_name, bytes)],
        &[("Accept", "application/json")],
    )
}

/// Saves the composer with one new photo.
fn compose_with_photo(
    client: &Client,
    fields: &[(&str, &str)],
    file_name: &str,
    bytes: &[u8],
) -> Resp {
    let csrf = client.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post_multipart("/admin/new", &all, &[("photo_file", file_name, bytes)])
}

fn media_rows(server: &TestServer) -> Vec<Media> {
    server
        .app
        .db
        .read_blocking(|c| porch::store::media::list(c, 100, 0))
        .unwrap()
}

fn posts(server: &TestServer) -> Vec<Post> {
    server
        .app
        .db
        .read_blocking(|c| {
            porch::store::posts::for_admin(
                c,
                Kind::Post,
                &[Status::Draft, Status::Scheduled, Status::Published],
                100,
                0,
            )
        })
        .unwrap()
}

fn published_count(server: &TestServer) -> u32 {
    server
        .app
        .db
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM posts WHERE kind = 'post' AND status = 'published'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap()
}

/// Every file under the data folder's media directory.
fn media_files(server: &TestServer) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&server.data.join("media"), &mut out);
    out.sort();
    out
}

fn original_url(m: &Media) -> String {
    format!("/uploads/{}.{}", m.hash, m.ext)
}

/// Fetches a stored original over HTTP, as a visitor would.
fn fetch_original(server: &TestServer, m: &Media) -> Vec<u8> {
    let resp = server.client().get(&original_url(m));
    assert_eq!(resp.status, 200, "{}", original_url(m));
    resp.body
}

/// The value of the first `name="photo_id"` field of a composer page.
fn photo_id_in(html: &str) -> String {
    let marker = "name=\"photo_id\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no photo_id field in: {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// The first `<img ...>` tag in `html` that starts with `prefix`.
fn img_tag<'a>(html: &'a str, prefix: &str) -> &'a str {
    let start = html
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in: {html}"));
    &html[start..start + html[start..].find('>').unwrap() + 1]
}

/// Asserts that a refused upload left no media row and no file behind.
fn assert_nothing_stored(server: &TestServer) {
    assert!(media_rows(server).is_empty(), "a media row was created");
    assert_eq!(media_files(server), Vec::<PathBuf>::new(), "files written");
}

// ---- 1. Metadata stripped -----------------------------------------------------------------

#[test]
fn the_media_library_strips_exif_and_gps_from_jpeg_and_png() {
    let server = TestServer::with_owner();
    let admin = server.admin();

    let jpeg = with_exif(&common::jpeg(320, 240), &tiff_with_gps(None));
    assert_has_gps(&jpeg);
    let saved = upload_form(&admin, "holiday.jpg", &jpeg);
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(saved.location(), "/admin/media?done=uploaded");

    let png = with_png_chunks(
        &common::png(64, 48),
        &[
            png_chunk(b"eXIf", &tiff_with_gps(None)),
            png_chunk(b"tEXt", b"Comment\0taken at home GPS-SECRET-TEXT"),
        ],
    );
    assert_has_gps(&png);
    image::load_from_memory(&png).expect("the test PNG is valid, CRCs included");
    let saved = upload_json(&admin, "screenshot.png", &png);
    assert_eq!(saved.status, 201, "{}", saved.text());

    let rows = media_rows(&server);
    assert_eq!(rows.len(), 2);
    let stored_jpeg = rows.iter().find(|m| m.ext == "jpg").expect("the JPEG");
    let stored_png = rows.iter().find(|m| m.ext == "png").expect("the PNG");
    assert_eq!((stored_jpeg.width, stored_jpeg.height), (320, 240));
    assert_eq!((stored_png.width, stored_png.height), (64, 48));

    let bytes = fetch_original(&server, stored_jpeg);
    assert_clean(&bytes);
    let decoded = image::load_from_memory(&bytes).expect("still a JPEG");
    assert_eq!((decoded.width(), decoded.height()), (320, 240));

    let bytes = fetch_original(&server, stored_png);
    assert_clean(&bytes);
    let decoded = image::load_from_memory(&bytes).expect("still a PNG");
    assert_eq!((decoded.width(), decoded.height()), (64, 48));
    assert_eq!(
        decoded.to_rgb8(),
        image::load_from_memory(&png).unwrap().to_rgb8(),
        "PNG pixels untouched"
    );
}

#[test]
fn the_composer_strips_exif_and_gps_from_jpeg_and_png() {
    let server = TestServer::with_owner();
    let admin = server.admin();

    let jpeg = with_exif(&common::jpeg(320, 240), &tiff_with_gps(None));
    assert_has_gps(&jpeg);
    let saved = compose_with_photo(
        &admin,
        &[
            ("markdown", "From the beach"),
            ("photo_file_alt", "Waves on sand"),
            ("action", "publish"),
        ],
        "beach.jpg",
        &jpeg,
    );
    assert_eq!(saved.status, 303, "{}", saved.text());

    let png = with_png_chunks(
        &common::png(64, 48),
        &[
            png_chunk(b"tEXt", b"Comment\0taken at home GPS-SECRET-TEXT"),
            png_chunk(b"eXIf", &tiff_with_gps(None)),
        ],
    );
    assert_has_gps(&png);
    let saved = compose_with_photo(
        &admin,
        &[
            ("markdown", "A diagram"),
            ("photo_file_alt", "Boxes and arrows"),
            ("action", "publish"),
        ],
        "diagram.png",
        &png,
    );
    assert_eq!(saved.status, 303, "{}", saved.text());

    let posts = posts(&server);
    assert_eq!(posts.len(), 2);
    for post in &posts {
        assert_eq!(post.status, Status::Published);
        assert_eq!(post.photos.len(), 1, "{}", post.markdown);
        let bytes = fetch_original(&server, &post.photos[0].media);
        assert_clean(&bytes);
        image::load_from_memory(&bytes).expect("still an image");
    }
    assert_eq!(media_rows(&server).len(), 2);
}

// ---- 2. EXIF rotation applied -------------------------------------------------------------

#[test]
fn a_jpeg_turned_by_exif_orientation_is_stored_upright() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let jpeg = with_exif(&jpeg_red_left(300, 200), &tiff_with_gps(Some(6)));
    let orientation = exif_of(&jpeg)
        .unwrap()
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0));
    assert_eq!(orientation, Some(6), "the test input says: rotate 90°");

    let saved = upload_json(&admin, "portrait.jpg", &jpeg);
    assert_eq!(saved.status, 201, "{}", saved.text());
    let rows = media_rows(&server);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].width, rows[0].height), (200, 300));

    let bytes = fetch_original(&server, &rows[0]);
    assert_clean(&bytes);
    let stored = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(stored.dimensions(), (200, 300));
    // Turned clockwise, the red left edge is now the top.
    let top = stored.get_pixel(100, 10).0;
    let bottom = stored.get_pixel(100, 290).0;
    assert!(top[0] > 150 && top[2] < 100, "top is red: {top:?}");
    assert!(
        bottom[2] > 150 && bottom[0] < 100,
        "bottom is blue: {bottom:?}"
    );
}

// ---- 3. Refused uploads leave nothing -----------------------------------------------------

#[test]
fn a_decompression_bomb_is_refused_without_being_decoded() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let bomb = png_claiming(50_000, 50_000);
    assert!(bomb.len() < 8 * 1024, "a few KB: {}", bomb.len());

    let refused = upload_json(&admin, "bomb.png", &bomb);
    assert_eq!(refused.status, 422, "{}", refused.text());
    let error = refused.json()["error"].as_str().unwrap().to_string();
    assert!(
        error.starts_with("bomb.png: ") && error.contains("50000×50000"),
        "{error}"
    );
    assert_nothing_stored(&server);

    let refused = upload_form(&admin, "bomb.png", &bomb);
    assert_eq!(refused.status, 422, "{}", refused.text());
    let page = refused.text();
    assert!(
        page.contains(r#"<p class="error" role="alert">bomb.png: The image is 50000×50000 pixels"#),
        "{page}"
    );
    assert_nothing_stored(&server);

    let refused = compose_with_photo(
        &admin,
        &[
            ("markdown", "Look at this"),
            ("photo_file_alt", "Nothing"),
            ("action", "publish"),
        ],
        "bomb.png",
        &bomb,
    );
    assert_eq!(refused.status, 422, "{}", refused.text());
    let page = refused.text();
    assert!(page.contains("50000×50000"), "{page}");
    assert!(
        page.contains(">Look at this</textarea>"),
        "text kept: {page}"
    );
    assert!(posts(&server).is_empty(), "no post saved");
    assert_nothing_stored(&server);
}

#[test]
fn an_image_longer_than_the_side_cap_is_refused() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let strip = common::png(20_000, 10);
    image::load_from_memory(&strip).expect("a real, valid PNG");

    let refused = upload_json(&admin, "strip.png", &strip);
    assert_eq!(refused.status, 422, "{}", refused.text());
    let error = refused.json()["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("20000×10") && error.contains("16000 on a side"),
        "{error}"
    );
    assert_nothing_stored(&server);
}

#[test]
fn files_that_are_not_images_are_refused() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>"#;
    let cases: [(&str, &[u8]); 3] = [
        ("photo.jpg", b"Just some text pretending to be a photo.\n"),
        ("drawing.svg", svg),
        ("drawing.jpg", svg),
    ];
    for (name, bytes) in cases {
        let refused = upload_json(&admin, name, bytes);
        assert_eq!(refused.status, 422, "{name}: {}", refused.text());
        assert_eq!(
            refused.json()["error"],
            format!("{name}: This file is not an image Porch accepts (JPEG, PNG, GIF or WebP)."),
        );
        let refused = upload_form(&admin, name, bytes);
        assert_eq!(refused.status, 422, "{name}");
        assert!(
            refused
                .text()
                .contains("This file is not an image Porch accepts"),
            "{}",
            refused.text()
        );
        assert_nothing_stored(&server);
    }
}

#[test]
fn a_truncated_jpeg_is_refused() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let whole = common::jpeg(400, 300);
    let truncated = &whole[..whole.len() / 2];
    let refused = upload_json(&admin, "cut.jpg", truncated);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(
        refused.json()["error"],
        "cut.jpg: The image could not be read: the JPEG is malformed or incomplete"
    );
    assert_nothing_stored(&server);

    // One that would be turned by its EXIF takes the re-encoding path: refused all the same.
    let turned = with_exif(&whole, &tiff_with_gps(Some(6)));
    let refused = upload_form(&admin, "cut.jpg", &turned[..turned.len() - 400]);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(
        refused
            .text()
            .contains("the JPEG is malformed or incomplete"),
        "{}",
        refused.text()
    );
    assert_nothing_stored(&server);
}

// ---- 4. Stored and served -----------------------------------------------------------------

#[test]
fn a_photo_is_stored_with_resized_copies_served_immutable() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = upload_json(&admin, "big.jpg", &common::jpeg(2000, 1500));
    assert_eq!(saved.status, 201, "{}", saved.text());

    let rows = media_rows(&server);
    assert_eq!(rows.len(), 1);
    let m = &rows[0];
    assert_eq!((m.width, m.height), (2000, 1500));
    assert_eq!(m.variants, vec![1200, 480]);
    assert_eq!(m.mime, "image/jpeg");

    let prefix = &m.hash[..2];
    let expected: Vec<PathBuf> = [
        format!("{}-1200.jpg", m.hash),
        format!("{}-480.jpg", m.hash),
        format!("{}.jpg", m.hash),
    ]
    .iter()
    .map(|name| server.data.join("media").join(prefix).join(name))
    .collect();
    let mut on_disk = media_files(&server);
    on_disk.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(on_disk, want);

    let visitor = server.client();
    for (suffix, size) in [
        ("", (2000, 1500)),
        ("-1200", (1200, 900)),
        ("-480", (480, 360)),
    ] {
        let url = format!("/uploads/{}{suffix}.jpg", m.hash);
        let resp = visitor.get_with(&url, &[("Accept-Encoding", "br, gzip")]);
        assert_eq!(resp.status, 200, "{url}");
        assert_eq!(resp.header("content-type"), Some("image/jpeg"), "{url}");
        assert_eq!(
            resp.header("content-encoding"),
            None,
            "{url}: a JPEG is compressed already"
        );
        assert_eq!(
            resp.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{url}"
        );
        assert_eq!(resp.header("x-content-type-options"), Some("nosniff"));
        let img = image::load_from_memory(&resp.body).unwrap();
        assert_eq!((img.width(), img.height()), size, "{url}");
    }
}

#[test]
fn the_same_image_uploaded_twice_is_one_media_item() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let photo = common::jpeg(640, 480);
    let first = upload_json(&admin, "one.jpg", &photo);
    assert_eq!(first.status, 201, "{}", first.text());
    let files_after_first = media_files(&server);
    let second = upload_json(&admin, "two.jpg", &photo);
    assert_eq!(second.status, 201, "{}", second.text());
    assert_eq!(first.json()[0]["id"], second.json()[0]["id"]);
    assert_eq!(first.json()[0]["url"], second.json()[0]["url"]);
    let rows = media_rows(&server);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].original_name, "one.jpg", "the first upload's row");
    assert_eq!(media_files(&server), files_after_first);
}

#[test]
fn upload_names_porch_did_not_make_are_not_found() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = upload_json(&admin, "a.jpg", &common::jpeg(640, 480));
    assert_eq!(saved.status, 201);
    let hash = media_rows(&server)[0].hash.clone();
    let visitor = server.client();
    assert_eq!(visitor.get(&format!("/uploads/{hash}.jpg")).status, 200);
    for name in [
        "../x".to_string(),
        "..%2Fx".to_string(),
        "..%2F..%2Fporch.db".to_string(),
        format!("{}.jpg", hash.to_uppercase()),
        format!("{hash}.exe"),
        format!("{hash}.jpeg"),
        format!("{hash}.png"),
        format!("{hash}-abc.jpg"),
        format!("{hash}-.jpg"),
        format!("{}.jpg", &hash[..63]),
        format!("{hash}-9999.jpg"),
    ] {
        let resp = visitor.get(&format!("/uploads/{name}"));
        assert_eq!(resp.status, 404, "/uploads/{name}");
        assert_ne!(resp.header("content-type"), Some("image/jpeg"));
    }
}

// ---- 5. The composer and alt text ---------------------------------------------------------

#[test]
fn publishing_a_photo_without_alt_text_is_refused_but_a_draft_is_kept() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let text = "Sunset over the harbour & the hills";
    let refused = compose_with_photo(
        &admin,
        &[
            ("markdown", text),
            ("photo_file_alt", "  "),
            ("action", "publish"),
        ],
        "sunset.jpg",
        &common::jpeg(800, 600),
    );
    assert_eq!(refused.status, 422, "{}", refused.text());
    let page = refused.text();
    assert!(page.contains("Every photo needs alt text"), "{page}");
    assert!(
        page.contains(">Sunset over the harbour &amp; the hills</textarea>"),
        "the owner's text is kept: {page}"
    );
    assert!(posts(&server).is_empty(), "nothing saved");
    assert_eq!(published_count(&server), 0);
    // The photo was taken in, so the form offers it again rather than asking for it twice.
    let photo_id = photo_id_in(&page);
    assert_eq!(media_rows(&server)[0].id.to_string(), photo_id);

    let draft = admin.compose(&[
        ("markdown", text),
        ("photo_id", &photo_id),
        ("photo_alt", ""),
        ("action", "draft"),
    ]);
    assert_eq!(draft.status, 303, "{}", draft.text());
    assert_eq!(draft.location(), "/admin/drafts?done=draft");
    let saved = posts(&server);
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].status, Status::Draft);
    assert_eq!(saved[0].markdown, text);
    assert_eq!(saved[0].photos.len(), 1);
    assert_eq!(published_count(&server), 0);

    let id = saved[0].id.to_string();
    let refused = admin.compose(&[
        ("id", &id),
        ("markdown", text),
        ("photo_id", &photo_id),
        ("photo_alt", ""),
        ("action", "publish"),
    ]);
    assert_eq!(refused.status, 422, "publishing the draft still needs alt");
    assert_eq!(posts(&server)[0].status, Status::Draft);

    let published = admin.compose(&[
        ("id", &id),
        ("markdown", text),
        ("photo_id", &photo_id),
        ("photo_alt", "The sun setting behind hills"),
        ("action", "publish"),
    ]);
    assert_eq!(published.status, 303, "{}", published.text());
    assert!(published.location().starts_with("/admin?done=posted&post="));
    assert_eq!(published_count(&server), 1);
}

#[test]
fn a_published_photo_appears_on_its_page_in_the_grid_and_in_the_feeds() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let alt = "A red barn at dusk";
    let saved = compose_with_photo(
        &admin,
        &[
            ("markdown", "Out in the fields"),
            ("photo_file_alt", alt),
            ("action", "publish"),
        ],
        "barn.jpg",
        &common::jpeg(800, 600),
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    let m = media_rows(&server).remove(0);
    assert_eq!(m.variants, vec![480], "800 wide: only the grid copy");
    let original = server.url(&original_url(&m));
    let thumb = server.url(&format!("/uploads/{}-480.jpg", m.hash));

    let visitor = server.client();
    let path = common::newest_path(&server);
    let page = visitor.get(&path);
    assert_eq!(page.status, 200);
    let page = page.text();
    let tag = img_tag(&page, r#"<img class="u-photo""#);
    assert!(tag.contains(&format!(r#"src="{original}""#)), "{tag}");
    assert!(tag.contains(&format!(r#"alt="{alt}""#)), "{tag}");
    assert!(tag.contains(r#"width="800" height="600""#), "{tag}");

    let grid = visitor.get("/photos/");
    assert_eq!(grid.status, 200);
    let grid = grid.text();
    let tag = img_tag(&grid, &format!(r#"<img src="{thumb}""#));
    assert!(tag.contains(&format!(r#"alt="{alt}""#)), "{tag}");
    assert!(
        grid.contains(&format!(r#"<a href="{}">"#, server.url(&path))),
        "the tile links to its post: {grid}"
    );

    let rss = visitor.get("/feed.xml");
    assert_eq!(rss.status, 200);
    let rss = rss.text();
    assert!(rss.contains(&original), "{rss}");
    assert!(rss.contains(alt), "{rss}");

    let feed = visitor.get("/feed.json");
    assert_eq!(feed.status, 200);
    let feed = feed.json();
    let item = &feed["items"][0];
    assert_eq!(item["image"], original.as_str());
    let html = item["content_html"].as_str().unwrap();
    assert!(
        html.contains(&format!(r#"<img src="{original}" alt="{alt}""#)),
        "{html}"
    );
}

#[test]
fn a_photo_offers_the_copies_it_has_in_srcset_and_keeps_its_src() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let visitor = server.client();
    // (width, the srcset expected from the stored copies' suffixes and widths).
    let cases: [(u32, Option<&str>); 3] = [
        // Both copies: the grid one and the column one, and never the 1600 px original.
        (1600, Some("-480.jpg 480w, {}-1200.jpg 1200w")),
        // No 1200 px copy of an 800 px photo: the original stands in at its own width.
        (800, Some("-480.jpg 480w, {}.jpg 800w")),
        // Nothing smaller to offer than the original itself: no srcset.
        (300, None),
    ];
    for (width, expected) in cases {
        let text = format!("A photo {width} wide");
        let saved = compose_with_photo(
            &admin,
            &[
                ("markdown", text.as_str()),
                ("photo_file_alt", "A field"),
                ("action", "publish"),
            ],
            &format!("field-{width}.jpg"),
            &common::jpeg(width, width * 3 / 4),
        );
        assert_eq!(saved.status, 303, "{}", saved.text());
        let m = media_rows(&server)
            .into_iter()
            .find(|m| m.width == width)
            .expect("the photo's media row");
        let stem = server.url(&format!("/uploads/{}", m.hash));
        let page = visitor.get(&common::newest_path(&server)).text();
        let doc = scraper::Html::parse_document(&page);
        let img = doc
            .select(&scraper::Selector::parse("img.u-photo").unwrap())
            .next()
            .unwrap_or_else(|| panic!("no photo in {page}"));
        let attr = |name: &str| img.value().attr(name).map(String::from);
        let column = if width > 1200 {
            format!("{stem}-1200.jpg")
        } else {
            format!("{stem}.jpg")
        };
        assert_eq!(attr("src"), Some(column), "src as before");
        let expected = expected.map(|e| format!("{stem}{}", e.replace("{}", &stem)));
        assert_eq!(attr("srcset"), expected, "{width} wide");
        assert_eq!(
            attr("sizes").is_some(),
            expected.is_some(),
            "sizes with srcset"
        );
        for candidate in attr("srcset")
            .unwrap_or_default()
            .split(", ")
            .filter(|c| !c.is_empty())
        {
            let url = candidate.split(' ').next().unwrap();
            assert_eq!(visitor.get(url).status, 200, "{url} is served");
        }
    }
}

#[test]
fn a_json_upload_answers_201_with_the_new_item() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let resp = upload_json(&admin, "dropped.jpg", &common::jpeg(1000, 500));
    assert_eq!(resp.status, 201, "{}", resp.text());
    assert!(
        resp.header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{:?}",
        resp.header("content-type")
    );
    let m = media_rows(&server).remove(0);
    let body = resp.json();
    let items = body.as_array().expect("a list of uploaded items");
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["id"], m.id.0);
    assert_eq!(item["thumb"], format!("/uploads/{}-480.jpg", m.hash));
    assert_eq!(item["url"], server.url(&original_url(&m)));
    assert_eq!(item["width"], 1000);
    assert_eq!(item["height"], 500);
    assert_eq!(item["name"], "dropped.jpg");
    assert_eq!(
        server.client().get(item["thumb"].as_str().unwrap()).status,
        200
    );
}

#[test]
fn an_upload_without_its_csrf_token_changes_nothing() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let resp = admin.post_multipart(
        "/admin/media",
        &[("csrf", "forged")],
        &[("file", "a.jpg", &common::jpeg(64, 64))],
    );
    assert_eq!(resp.status, 403, "{}", resp.text());
    let anonymous = server.client().post_multipart(
        "/admin/media",
        &[],
        &[("file", "a.jpg", &common::jpeg(64, 64))],
    );
    assert_ne!(anonymous.status, 201);
    assert_ne!(anonymous.status, 303);
    assert_nothing_stored(&server);
}

// ---- 6. Deleting media --------------------------------------------------------------------

#[test]
fn media_a_post_uses_cannot_be_deleted() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = compose_with_photo(
        &admin,
        &[
            ("markdown", "Kept"),
            ("photo_file_alt", "A kept photo"),
            ("action", "publish"),
        ],
        "kept.jpg",
        &common::jpeg(800, 600),
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    let m = media_rows(&server).remove(0);
    let files = media_files(&server);
    assert_eq!(files.len(), 2, "original and grid copy");

    let csrf = admin.csrf();
    let resp = admin.post_form(&format!("/admin/media/{}/delete", m.id), &[("csrf", &csrf)]);
    assert_eq!(resp.status, 303, "{}", resp.text());
    assert_eq!(resp.location(), "/admin/media?error=in_use");
    assert_eq!(media_rows(&server).len(), 1);
    assert_eq!(media_files(&server), files);
    assert_eq!(server.client().get(&original_url(&m)).status, 200);
    let library = admin.get("/admin/media?error=in_use").text();
    assert!(library.contains("That image is in use"), "{library}");
}

#[test]
fn deleting_unused_media_removes_its_files() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let keep = upload_json(&admin, "keep.jpg", &common::jpeg(600, 400));
    assert_eq!(keep.status, 201);
    let keep_files = media_files(&server);
    let gone = upload_json(&admin, "gone.jpg", &common::jpeg(2000, 1500));
    assert_eq!(gone.status, 201);
    let id = gone.json()[0]["id"].as_i64().unwrap();
    let m = media_rows(&server)
        .into_iter()
        .find(|m| m.id.0 == id)
        .unwrap();
    assert_eq!(media_files(&server).len(), keep_files.len() + 3);

    let forged = admin.post_form(&format!("/admin/media/{id}/delete"), &[("csrf", "no")]);
    assert_eq!(forged.status, 403);
    assert_eq!(media_files(&server).len(), keep_files.len() + 3);

    let csrf = admin.csrf();
    let resp = admin.post_form(&format!("/admin/media/{id}/delete"), &[("csrf", &csrf)]);
    assert_eq!(resp.status, 303, "{}", resp.text());
    assert_eq!(resp.location(), "/admin/media?done=deleted");
    assert_eq!(
        media_files(&server),
        keep_files,
        "only the deleted files went"
    );
    assert_eq!(media_rows(&server).len(), 1);
    let visitor = server.client();
    for suffix in ["", "-1200", "-480"] {
        let url = format!("/uploads/{}{suffix}.jpg", m.hash);
        assert_eq!(visitor.get(&url).status, 404, "{url}");
    }

    let again = admin.post_form(&format!("/admin/media/{id}/delete"), &[("csrf", &csrf)]);
    assert_eq!(again.status, 404);
}

// ---- 7. Size cap --------------------------------------------------------------------------

#[test]
fn an_upload_over_25_mb_is_refused_with_413() {
    let server = TestServer::with_owner();
    let huge = vec![0u8; 26 * 1024 * 1024];
    // The server answers before reading the rest of the body and then closes the connection,
    // so each oversized request gets a client of its own.
    let resp = upload_form(&server.admin(), "huge.jpg", &huge);
    assert_eq!(resp.status, 413, "{}", resp.text());
    let resp = compose_with_photo(
        &server.admin(),
        &[("markdown", "Too big"), ("action", "draft")],
        "huge.jpg",
        &huge,
    );
    assert_eq!(resp.status, 413, "{}", resp.text());
    assert!(posts(&server).is_empty());
    assert_nothing_stored(&server);
}

// ---- 8. The library's alt text, starting a post from a photo, serving, the avatar ---------

/// Uploads an image to the library without alt text and returns its id.
fn library_item(client: &Client, file_name: &str, bytes: &[u8]) -> i64 {
    let resp = upload_json(client, file_name, bytes);
    assert_eq!(resp.status, 201, "{}", resp.text());
    resp.json()[0]["id"].as_i64().unwrap()
}

/// Saves alt text for a library item as its form in the media library does.
fn set_library_alt(client: &Client, id: i64, alt: &str) {
    let csrf = client.csrf();
    let resp = client.post_form(
        &format!("/admin/media/{id}/alt"),
        &[("csrf", &csrf), ("alt", alt)],
    );
    assert_eq!(resp.status, 303, "{}", resp.text());
    assert_eq!(resp.location(), "/admin/media?done=alt");
}

/// The text of the first `name="photo_alt"` textarea of a composer page.
fn photo_alt_in(html: &str) -> String {
    let start = html
        .find("name=\"photo_alt\"")
        .unwrap_or_else(|| panic!("no photo_alt field in: {html}"));
    let open = start + html[start..].find('>').unwrap() + 1;
    html[open..open + html[open..].find("</textarea>").unwrap()].to_string()
}

#[test]
fn alt_text_saved_in_the_library_serves_a_post_that_gives_none() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let id = library_item(&admin, "heron.jpg", &common::jpeg(800, 600));
    let alt = "A grey heron standing on one leg";
    set_library_alt(&admin, id, alt);

    // Alt text is required to publish (the default), and the post gives none of its own.
    let saved = admin.compose(&[
        ("markdown", "Down by the river"),
        ("photo_id", &id.to_string()),
        ("photo_alt", ""),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert!(saved.location().starts_with("/admin?done=posted&post="));
    let stored = posts(&server);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, Status::Published);

    let page = server.client().get(&common::newest_path(&server));
    assert_eq!(page.status, 200);
    let page = page.text();
    let tag = img_tag(&page, r#"<img class="u-photo""#);
    assert!(tag.contains(&format!(r#"alt="{alt}""#)), "{tag}");
}

#[test]
fn a_post_started_from_a_library_photo_carries_it_and_its_alt_text() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let id = library_item(&admin, "fern.jpg", &common::jpeg(800, 600));
    let alt = "A fern unrolling";
    set_library_alt(&admin, id, alt);

    let form = admin.get(&format!("/admin/new?photo={id}"));
    assert_eq!(form.status, 200, "{}", form.text());
    let html = form.text();
    assert_eq!(photo_id_in(&html), id.to_string());
    assert!(
        html.contains(&format!(
            r#"<input type="hidden" name="photo_id" value="{id}">"#
        )),
        "{html}"
    );
    assert_eq!(photo_alt_in(&html), alt);

    // Saved as the browser sends that form back.
    let saved = admin.compose(&[
        ("markdown", "Spring"),
        ("photo_id", &photo_id_in(&html)),
        ("photo_alt", &photo_alt_in(&html)),
        ("action", "publish"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let stored = posts(&server);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, Status::Published);
    assert_eq!(stored[0].photos.len(), 1);
    let page = server.client().get(&common::newest_path(&server)).text();
    let tag = img_tag(&page, r#"<img class="u-photo""#);
    let m = media_rows(&server).remove(0);
    assert!(
        tag.contains(&format!(r#"src="{}""#, server.url(&original_url(&m)))),
        "{tag}"
    );
    assert!(tag.contains(&format!(r#"alt="{alt}""#)), "{tag}");
}

#[test]
fn uploads_answer_conditional_and_range_requests() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    library_item(&admin, "range.jpg", &common::jpeg(640, 480));
    let m = media_rows(&server).remove(0);
    let url = original_url(&m);
    let visitor = server.client();

    let full = visitor.get(&url);
    assert_eq!(full.status, 200);
    assert!(full.body.len() > 10);
    let etag = full.header("etag").expect("an ETag").to_string();

    let same = visitor.get_with(&url, &[("If-None-Match", &etag)]);
    assert_eq!(same.status, 304, "{:?}", same.headers);
    assert!(same.body.is_empty());
    let other = visitor.get_with(&url, &[("If-None-Match", "\"something-else\"")]);
    assert_eq!(other.status, 200);
    assert_eq!(other.body, full.body);

    let part = visitor.get_with(&url, &[("Range", "bytes=0-9")]);
    assert_eq!(part.status, 206, "{:?}", part.headers);
    assert_eq!(part.body, full.body[..10]);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 0-9/{}", full.body.len()).as_str())
    );
}

#[test]
fn the_avatar_image_cannot_be_deleted() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let resp = admin.post_multipart(
        "/admin/settings/profile",
        &[("csrf", &csrf)],
        &[("avatar", "me.png", &common::png(600, 600))],
    );
    assert_eq!(resp.status, 303, "{}", resp.text());
    assert_eq!(resp.location(), "/admin/settings/profile?done=settings");
    let m = media_rows(&server).remove(0);
    let avatar = server
        .app
        .db
        .read_blocking(porch::store::settings::load)
        .unwrap()
        .avatar
        .expect("an avatar");
    assert!(avatar.starts_with(&m.hash), "{avatar}");
    assert!(posts(&server).is_empty(), "no post uses it");
    let files = media_files(&server);

    let resp = admin.post_form(&format!("/admin/media/{}/delete", m.id), &[("csrf", &csrf)]);
    assert_eq!(resp.status, 303, "{}", resp.text());
    assert_eq!(resp.location(), "/admin/media?error=in_use");
    assert_eq!(media_rows(&server).len(), 1);
    assert_eq!(media_files(&server), files);
    assert_eq!(
        server.client().get(&format!("/uploads/{avatar}")).status,
        200
    );
}

#[test]
fn every_image_link_in_the_media_library_has_a_name_even_without_alt_text() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let csrf = admin.csrf();
    let r = admin.post_multipart(
        "/admin/media",
        &[("csrf", &csrf), ("alt", "")],
        &[("file", "harbour.png", &common::png(64, 48))],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let page = admin.get("/admin/media").text();
    let grid = page.split("class=\"media-grid\"").nth(1).unwrap();
    let link = grid.split("<a ").nth(1).unwrap().split('>').next().unwrap();
    assert!(
        link.contains("aria-label=\"The original of harbour.png\""),
        "{link}"
    );
}

// ---- The library: what uses an image, and its URL and Markdown to copy ---------------------

/// The library's figure for one media item, parsed.
fn library_figure(page: &str, id: i64) -> scraper::Html {
    let doc = scraper::Html::parse_document(page);
    let figure = scraper::Selector::parse("figure").unwrap();
    let alt_form = format!("/admin/media/{id}/alt");
    let html = doc
        .select(&figure)
        .find(|f| f.html().contains(&alt_form))
        .unwrap_or_else(|| panic!("no figure for media {id} in: {page}"))
        .html();
    scraper::Html::parse_fragment(&html)
}

fn attr_of(fragment: &scraper::Html, selector: &str, attr: &str) -> Option<String> {
    let selector = scraper::Selector::parse(selector).unwrap();
    fragment
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr(attr))
        .map(String::from)
}

fn text_of(fragment: &scraper::Html, selector: &str) -> String {
    let selector = scraper::Selector::parse(selector).unwrap();
    fragment
        .select(&selector)
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_library_says_which_posts_use_an_image_and_offers_its_url_and_markdown() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let saved = compose_with_photo(
        &admin,
        &[
            (
                "markdown",
                "Out in the fields before the storm came over the hill",
            ),
            ("photo_file_alt", "A red barn at dusk"),
            ("action", "publish"),
        ],
        "barn.jpg",
        &common::jpeg(800, 600),
    );
    assert_eq!(saved.status, 303, "{}", saved.text());
    let unused = library_item(&admin, "spare.png", &common::png(64, 48));
    let rows = media_rows(&server);
    let used = rows.iter().find(|m| m.id.0 != unused).unwrap();
    let post = posts(&server).remove(0);

    let page = admin.get("/admin/media");
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.text();

    let figure = library_figure(&page, used.id.0);
    let uses = text_of(&figure, ".media-uses");
    assert!(uses.contains("Used in"), "{uses}");
    assert_eq!(
        attr_of(&figure, ".media-uses a", "href").as_deref(),
        Some(format!("/admin/posts/{}", post.id).as_str()),
        "the post's edit screen: {uses}"
    );
    // No title: the start of its text names it.
    assert_eq!(
        text_of(&figure, ".media-uses a"),
        "Out in the fields before the storm came over the hill"
    );
    let url = server.url(&original_url(used));
    let markdown = format!("![{}]({url})", used.alt);
    assert_eq!(
        attr_of(&figure, "button[data-copy]", "data-copy"),
        Some(format!("url-{}", used.id))
    );
    assert_eq!(
        attr_of(&figure, &format!("#url-{}", used.id), "value").as_deref(),
        Some(url.as_str()),
        "the URL in a field to select without scripts"
    );
    assert_eq!(
        attr_of(&figure, &format!("#markdown-{}", used.id), "value").as_deref(),
        Some(markdown.as_str())
    );
    assert!(
        attr_of(&figure, &format!("#markdown-{}", used.id), "readonly").is_some(),
        "read-only"
    );
    // The buttons need the script, which shows them; without it the fields are what is seen.
    assert!(attr_of(&figure, ".copy-buttons", "hidden").is_some());
    let copy_markdown = scraper::Selector::parse("button[data-copy]").unwrap();
    let buttons: Vec<(String, String)> = figure
        .select(&copy_markdown)
        .map(|b| {
            (
                b.text().collect(),
                b.value().attr("data-copy").unwrap_or("").to_string(),
            )
        })
        .collect();
    // Each button copies the value of its field.
    assert_eq!(
        buttons,
        [
            ("Copy URL".to_string(), format!("url-{}", used.id)),
            ("Copy Markdown".to_string(), format!("markdown-{}", used.id))
        ]
    );

    // Alt text saved in the library goes into the Markdown, its brackets escaped.
    set_library_alt(&admin, used.id.0, "A red barn [at] dusk");
    let page = admin.get("/admin/media").text();
    let figure = library_figure(&page, used.id.0);
    assert_eq!(
        attr_of(&figure, &format!("#markdown-{}", used.id), "value"),
        Some(format!(r"![A red barn \[at\] dusk]({url})"))
    );

    // The image no post uses says so, and names no post.
    let figure = library_figure(&page, unused);
    assert!(text_of(&figure, ".media-uses").contains("Not used yet"));
    assert_eq!(attr_of(&figure, ".media-uses a", "href"), None);
}

#[test]
fn the_library_names_a_titled_draft_the_avatar_and_a_book_cover_among_the_uses() {
    let server = TestServer::with_owner();
    let admin = server.admin();
    let id = library_item(&admin, "me.png", &common::png(300, 300));
    let m = media_rows(&server).remove(0);
    server
        .app
        .db
        .write_blocking(|tx| {
            let mut settings = porch::store::settings::load(tx)?;
            settings.avatar = Some(format!("{}.{}", m.hash, m.ext));
            porch::store::settings::save(tx, &settings)
        })
        .unwrap();
    let saved = admin.compose(&[
        ("title", "Me, drafted"),
        ("markdown", "Not yet."),
        ("photo_id", &id.to_string()),
        ("photo_alt", "A face"),
        ("action", "draft"),
    ]);
    assert_eq!(saved.status, 303, "{}", saved.text());
    let post = posts(&server).remove(0);

    let page = admin.get("/admin/media").text();
    let figure = library_figure(&page, id);
    let links = scraper::Selector::parse(".media-uses li").unwrap();
    let uses: Vec<String> = figure
        .select(&links)
        .map(|li| {
            li.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(uses, ["Me, drafted (draft)", "Avatar"], "{page}");
    let hrefs = scraper::Selector::parse(".media-uses a").unwrap();
    let hrefs: Vec<&str> = figure
        .select(&hrefs)
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(
        hrefs,
        [
            format!("/admin/posts/{}", post.id).as_str(),
            "/admin/settings/profile"
        ]
    );

    // A book's cover, added with the book, names the book.
    let csrf = admin.csrf();
    let added = admin.post_multipart(
        "/admin/books",
        &[
            ("csrf", &csrf),
            ("title", "Middlemarch"),
            ("status", "want-to-read"),
        ],
        &[("cover", "cover.jpg", &common::jpeg(300, 450))],
    );
    assert_eq!(added.status, 303, "{}", added.text());
    let (cover, book): (i64, i64) = server
        .app
        .db
        .read_blocking(|c| {
            Ok(
                c.query_row("SELECT cover_media_id, id FROM books", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?,
            )
        })
        .unwrap();
    let page = admin.get("/admin/media").text();
    let figure = library_figure(&page, cover);
    assert_eq!(text_of(&figure, ".media-uses a"), "Cover of “Middlemarch”");
    assert_eq!(
        attr_of(&figure, ".media-uses a", "href"),
        Some(format!("/admin/books/{book}"))
    );
}

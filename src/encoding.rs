//! Compressed responses: which coding a client takes (brotli, else gzip), which responses are
//! worth compressing (text, not images, audio or archives, which are compressed already), and
//! the middleware that compresses them as they stream. Cached pages are compressed once per
//! version instead (`site::cache`), and pass through here untouched because they already say
//! their `Content-Encoding`.
//!
//! poem's own compression middleware is not used: it compressed every response, images and zip
//! exports included, and also inflated request bodies that announced a `Content-Encoding`,
//! which no client of Porch sends.

use std::io::Write;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use poem::http::{HeaderMap, Method, StatusCode, header};
use poem::web::{Compress, CompressionAlgo};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// A coding Porch sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    pub fn name(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }

    fn algo(self) -> CompressionAlgo {
        match self {
            Coding::Brotli => CompressionAlgo::BR,
            Coding::Gzip => CompressionAlgo::GZIP,
        }
    }
}

/// Bodies smaller than this go as they are: the coding's framing would eat what it saves.
pub const MIN_BYTES: usize = 512;

/// Brotli's quality for pages compressed once and kept: near its best ratio, at a few
/// milliseconds for a page (11, the maximum, is several times slower for a percent or two).
const BROTLI_QUALITY: u32 = 9;
/// Brotli's window, 4 MiB: more than any page.
const BROTLI_WINDOW: u32 = 22;

/// The coding to use for a request's `Accept-Encoding` (RFC 9110 §12.5.3): brotli when it is
/// accepted, else gzip, else none; `q=0` refuses a coding, `*` stands for any not named.
pub fn negotiate(headers: &HeaderMap) -> Option<Coding> {
    let mut brotli = None;
    let mut gzip = None;
    let mut any = None;
    for item in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let accepted = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .is_none_or(|q| q > 0.0);
        match name.as_str() {
            "br" => brotli = Some(accepted),
            "gzip" | "x-gzip" => gzip = Some(accepted),
            "*" => any = Some(accepted),
            _ => {}
        }
    }
    let takes = |named: Option<bool>| named.or(any).unwrap_or(false);
    if takes(brotli) {
        Some(Coding::Brotli)
    } else if takes(gzip) {
        Some(Coding::Gzip)
    } else {
        None
    }
}

/// Whether a response of this type is worth compressing: text, and the JSON and XML formats
/// Porch serves. Images, audio, video, fonts and archives are compressed in their own format.
pub fn compressible(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/manifest+json"
                | "image/svg+xml"
        )
}

/// `bytes` in `coding`, all at once (for a page kept in the cache).
pub fn encode(bytes: &[u8], coding: Coding) -> std::io::Result<Bytes> {
    match coding {
        Coding::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(bytes)?;
            Ok(encoder.finish()?.into())
        }
        Coding::Brotli => {
            let mut encoder =
                brotli::CompressorWriter::new(Vec::new(), 4096, BROTLI_QUALITY, BROTLI_WINDOW);
            encoder.write_all(bytes)?;
            encoder.flush()?;
            Ok(encoder.into_inner().into())
        }
    }
}

/// Compresses what is worth it on its way out, streaming.
pub struct Compression;

pub struct CompressionEndpoint<E>(E);

impl<E: Endpoint> Middleware<E> for Compression {
    type Output = CompressionEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        CompressionEndpoint(ep)
    }
}

impl<E: Endpoint> Endpoint for CompressionEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let coding = (req.method() != Method::HEAD)
            .then(|| negotiate(req.headers()))
            .flatten();
        let mut response = self.0.call(req).await?.into_response();
        let Some(coding) = coding else {
            return Ok(response);
        };
        // Header checks first: a cached page arrives compressed already, and is passed on
        // without its body being touched.
        let headers = response.headers();
        let skip = response.status() != StatusCode::OK
            || headers.contains_key(header::CONTENT_ENCODING)
            || headers.contains_key(header::CONTENT_RANGE)
            || !compressible(response.content_type());
        if skip {
            return Ok(response);
        }
        // A body held in memory knows its size; a stream (a file, an export) does not.
        let body: BoxBody<Bytes, std::io::Error> = response.take_body().into();
        let small = http_body::Body::size_hint(&body)
            .exact()
            .is_some_and(|n| n < MIN_BYTES as u64);
        response.set_body(poem::Body::from(body));
        if small {
            return Ok(response);
        }
        Ok(Compress::new(response, coding.algo()).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::http::HeaderValue;

    fn accepting(value: &str) -> Option<Coding> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        negotiate(&headers)
    }

    #[test]
    fn brotli_first_then_gzip_and_q_zero_refuses() {
        assert_eq!(accepting("gzip, deflate, br, zstd"), Some(Coding::Brotli));
        assert_eq!(accepting("gzip, deflate"), Some(Coding::Gzip));
        assert_eq!(accepting("br;q=0, gzip;q=0.5"), Some(Coding::Gzip));
        assert_eq!(accepting("identity"), None);
        assert_eq!(accepting("*"), Some(Coding::Brotli));
        assert_eq!(accepting("*, br;q=0"), Some(Coding::Gzip));
        assert_eq!(accepting("gzip;q=0, *;q=0"), None);
        assert_eq!(negotiate(&HeaderMap::new()), None);
    }

    #[test]
    fn text_is_compressed_and_media_is_not() {
        for t in [
            "text/html; charset=utf-8",
            "application/activity+json",
            "application/rss+xml",
            "application/feed+json",
            "application/json",
        ] {
            assert!(compressible(Some(t)), "{t}");
        }
        for t in [
            "image/jpeg",
            "audio/mpeg",
            "application/zip",
            "application/gzip",
        ] {
            assert!(!compressible(Some(t)), "{t}");
        }
        assert!(!compressible(None));
    }

    #[test]
    fn both_codings_round_trip() {
        let page = "<p>A page that repeats itself. </p>".repeat(50);
        let gz = encode(page.as_bytes(), Coding::Gzip).unwrap();
        let mut plain = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain)
            .unwrap();
        assert_eq!(plain, page);
        let br = encode(page.as_bytes(), Coding::Brotli).unwrap();
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut brotli::Decompressor::new(&br[..], 4096), &mut plain)
            .unwrap();
        assert_eq!(plain, page.as_bytes());
        assert!(br.len() < page.len() / 5 && gz.len() < page.len() / 5);
    }
}

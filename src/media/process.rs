//! Checking and cleaning an uploaded image: only JPEG, PNG, GIF and WebP; size and pixel caps
//! checked from the header before anything is decoded (so a decompression bomb is refused, not
//! expanded); EXIF, GPS and other metadata removed; resized copies made for pages and grids.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use super::jpeg;

/// Largest upload accepted: a full-size photo from a current phone is 3–12 MB.
pub const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;
/// Largest image by area: 50 megapixels, beyond any phone camera; decoding it takes 200 MB.
pub const MAX_PIXELS: u64 = 50_000_000;
/// Longest side accepted, so a 1×50,000,000 strip is refused too.
pub const MAX_SIDE: u32 = 16_000;
/// Widths of the resized copies: a page column on a high-density screen, and a grid tile.
pub const VARIANT_WIDTHS: [u32; 2] = [1200, 480];
const JPEG_QUALITY: u8 = 85;
/// Frames an animated GIF may have: minutes of animation, and a bound on the work one upload
/// can cause.
const MAX_GIF_FRAMES: usize = 3000;
/// Pixels an animated GIF may hold across all its frames, read from the frames' headers before
/// anything is decoded: a browser decodes every frame, and so does Mastodon when it turns the
/// GIF into a video. 400 million is 200 full-HD frames, or a 480×270 loop of 3,000.
const MAX_GIF_PIXELS: u64 = 400_000_000;
/// Quality when a JPEG must be re-encoded anyway (to apply its EXIF rotation).
const JPEG_QUALITY_ORIGINAL: u8 = 92;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MediaError {
    #[error("This file is not an image Porch accepts (JPEG, PNG, GIF or WebP).")]
    NotAnImage,
    #[error("The file is too large ({MAX_UPLOAD_BYTES} bytes at most).")]
    TooLarge,
    #[error(
        "The image is {0}×{1} pixels, larger than Porch accepts ({MAX_PIXELS} pixels, {MAX_SIDE} on a side, at most)."
    )]
    TooManyPixels(u32, u32),
    #[error(
        "The animation is too large: by its frame {0} it holds more than {MAX_GIF_PIXELS} pixels in all."
    )]
    AnimationTooLarge(usize),
    #[error("The image could not be read: {0}")]
    Corrupt(String),
}

/// The side of the copy a BlurHash is computed from; Mastodon's own hashes are 4×3 components.
const BLURHASH_SIDE: u32 = 32;

/// A cleaned image, ready to be stored.
pub struct Processed {
    pub hash: String,
    pub ext: &'static str,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    pub original: Vec<u8>,
    /// (width, bytes) of each resized copy; all of them use `variant_ext`.
    pub variants: Vec<(u32, Vec<u8>)>,
    /// The BlurHash placeholder, empty if it could not be computed.
    pub blurhash: String,
}

/// The file extension of an image's resized copies: photos become JPEG; PNG keeps its
/// transparency; an animated GIF has no copies (resizing would stop it).
pub fn variant_ext(ext: &str) -> &'static str {
    match ext {
        "png" => "png",
        _ => "jpg",
    }
}

fn corrupt(e: impl std::fmt::Display) -> MediaError {
    MediaError::Corrupt(e.to_string())
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    limits
}

/// The file extension and media type of a format Porch accepts.
fn accepted(format: ImageFormat) -> Option<(&'static str, &'static str)> {
    match format {
        ImageFormat::Jpeg => Some(("jpg", "image/jpeg")),
        ImageFormat::Png => Some(("png", "image/png")),
        ImageFormat::Gif => Some(("gif", "image/gif")),
        ImageFormat::WebP => Some(("webp", "image/webp")),
        _ => None,
    }
}

/// The format of an image Porch accepts, its size read from the header alone and held to the
/// caps (`max_pixels` by area) before a single pixel is decoded.
fn check(bytes: &[u8], max_pixels: u64) -> Result<ImageFormat, MediaError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(MediaError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| MediaError::NotAnImage)?;
    if accepted(format).is_none() {
        return Err(MediaError::NotAnImage);
    }
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(corrupt)?;
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > max_pixels
    {
        return Err(MediaError::TooManyPixels(width, height));
    }
    Ok(format)
}

/// An image decoded within the caps (`max_pixels` by area, at most `MAX_PIXELS`) and turned
/// upright as its EXIF said; of an animation, the first frame. For copies made anew from the
/// pixels (a reply author's avatar), which keep nothing of the file's metadata.
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<DynamicImage, MediaError> {
    let format = check(bytes, max_pixels.min(MAX_PIXELS))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    Ok(image)
}

pub fn process(bytes: &[u8]) -> Result<Processed, MediaError> {
    let format = check(bytes, MAX_PIXELS)?;
    let (ext, mime) = accepted(format).ok_or(MediaError::NotAnImage)?;

    // Stripping walks the file's structure, so it also refuses a file cut short before any
    // pixel is decoded.
    let stripped = strip(bytes, format)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;

    let rotate = orientation != Orientation::NoTransforms && format != ImageFormat::Gif;
    let original = if rotate {
        // The rotation lived in the EXIF that is about to go: apply it to the pixels instead.
        image.apply_orientation(orientation);
        encode(&image, format, JPEG_QUALITY_ORIGINAL)?
    } else {
        stripped
    };
    let (width, height) = (image.width(), image.height());

    let mut variants = Vec::new();
    if format != ImageFormat::Gif {
        let variant_format = match variant_ext(ext) {
            "png" => ImageFormat::Png,
            _ => ImageFormat::Jpeg,
        };
        for target in VARIANT_WIDTHS {
            if target < width {
                let h = ((u64::from(height) * u64::from(target)) / u64::from(width)).max(1) as u32;
                let small = image.resize_exact(target, h, FilterType::Lanczos3);
                variants.push((target, encode(&small, variant_format, JPEG_QUALITY)?));
            }
        }
    }
    // From a tiny copy: a BlurHash keeps only a few colour components, and computing it on
    // the full image would cost seconds on a large photo.
    let tiny = image.thumbnail(BLURHASH_SIDE, BLURHASH_SIDE).to_rgba8();
    let blurhash =
        blurhash::encode(4, 3, tiny.width(), tiny.height(), tiny.as_raw()).unwrap_or_default();
    Ok(Processed {
        blurhash,
        hash: hex::encode(Sha256::digest(&original)),
        ext,
        mime,
        width,
        height,
        original,
        variants,
    })
}

pub(super) fn encode(
    image: &DynamicImage,
    format: ImageFormat,
    quality: u8,
) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    match format {
        ImageFormat::Jpeg => {
            // JPEG has no alpha: flatten onto white rather than black.
            let rgb = if image.color().has_alpha() {
                flatten_on_white(image)
            } else {
                image.to_rgb8()
            };
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
                .map_err(corrupt)?;
        }
        ImageFormat::Png => image
            .write_with_encoder(PngEncoder::new(&mut out))
            .map_err(corrupt)?,
        ImageFormat::WebP => image
            .to_rgba8()
            .write_with_encoder(WebPEncoder::new_lossless(&mut out))
            .map_err(corrupt)?,
        _ => return Err(MediaError::NotAnImage),
    }
    Ok(out)
}

fn flatten_on_white(image: &DynamicImage) -> image::RgbImage {
    let rgba = image.to_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend =
            |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

/// The same image with its metadata removed, without re-encoding the pixels.
fn strip(bytes: &[u8], format: ImageFormat) -> Result<Vec<u8>, MediaError> {
    use img_parts::{Bytes, ImageEXIF};
    match format {
        ImageFormat::Jpeg => {
            jpeg::strip(bytes).ok_or_else(|| corrupt("the JPEG is malformed or incomplete"))
        }
        ImageFormat::Png => {
            let mut png =
                img_parts::png::Png::from_bytes(Bytes::copy_from_slice(bytes)).map_err(corrupt)?;
            // eXIf is EXIF; the text chunks carry XMP and free-form notes; tIME is when it
            // was last edited.
            for kind in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                png.remove_chunks_by_type(kind);
            }
            Ok(png.encoder().bytes().to_vec())
        }
        ImageFormat::WebP => {
            let mut webp = img_parts::webp::WebP::from_bytes(Bytes::copy_from_slice(bytes))
                .map_err(corrupt)?;
            webp.remove_chunks_by_id(*b"XMP ");
            // set_exif also recomputes the VP8X flags for the chunks that remain.
            webp.set_exif(None);
            Ok(webp.encoder().bytes().to_vec())
        }
        ImageFormat::Gif => strip_gif(bytes),
        _ => Err(MediaError::NotAnImage),
    }
}

/// Re-writes a GIF frame by frame: each frame's compressed pixels and palette are copied as they
/// are (never decompressed), while comment and application extensions (where XMP hides) are
/// left behind; only the loop count survives. Every frame must fit the caps for one image, and
/// all of them together `MAX_GIF_PIXELS`, as their headers say.
fn strip_gif(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    options.skip_frame_decoding(true);
    let mut decoder = options.read_info(Cursor::new(bytes)).map_err(corrupt)?;
    let (w, h) = (decoder.width(), decoder.height());
    let palette = decoder.global_palette().unwrap_or(&[]).to_vec();
    let repeat = decoder.repeat();
    let mut out = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut out, w, h, &palette).map_err(corrupt)?;
        encoder.set_repeat(repeat).map_err(corrupt)?;
        let (mut frames, mut pixels) = (0usize, 0u64);
        while let Some(frame) = decoder.read_next_frame().map_err(corrupt)? {
            frames += 1;
            if frames > MAX_GIF_FRAMES {
                return Err(corrupt("the animation has too many frames"));
            }
            let (fw, fh) = (u32::from(frame.width), u32::from(frame.height));
            let area = u64::from(fw) * u64::from(fh);
            pixels += area;
            if fw > MAX_SIDE || fh > MAX_SIDE || area > MAX_PIXELS {
                return Err(MediaError::TooManyPixels(fw, fh));
            }
            if pixels > MAX_GIF_PIXELS {
                return Err(MediaError::AnimationTooLarge(frames));
            }
            encoder
                .write_lzw_pre_encoded_frame(frame)
                .map_err(corrupt)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GIF on a `screen`, of `frames` frames of `w`×`h`, each one colour, with a comment
    /// extension: one frame compressed once and repeated, so that a huge animation is quick to
    /// make.
    fn animation(screen: (u16, u16), w: u16, h: u16, frames: usize) -> Vec<u8> {
        let palette = [0, 0, 0, 255, 0, 0, 0, 255, 0];
        let pixels = vec![1; usize::from(w) * usize::from(h)];
        let mut frame = gif::Frame::from_indexed_pixels(w, h, pixels, None);
        frame.make_lzw_pre_encoded();
        let mut out = Vec::new();
        {
            let mut encoder = gif::Encoder::new(&mut out, screen.0, screen.1, &palette).unwrap();
            encoder.set_repeat(gif::Repeat::Infinite).unwrap();
            encoder
                .write_raw_extension(gif::Extension::Comment.into(), &[b"secret notes"])
                .unwrap();
            for _ in 0..frames {
                encoder.write_lzw_pre_encoded_frame(&frame).unwrap();
            }
        }
        out
    }

    #[test]
    fn an_animation_keeps_its_frames_and_loses_its_comments() {
        let gif = animation((40, 30), 40, 30, 3);
        let processed = process(&gif).unwrap();
        assert_eq!((processed.width, processed.height), (40, 30));
        assert!(!processed.original.windows(12).any(|w| w == b"secret notes"));
        let mut options = gif::DecodeOptions::new();
        options.set_color_output(gif::ColorOutput::Indexed);
        let mut decoder = options.read_info(processed.original.as_slice()).unwrap();
        assert_eq!(decoder.repeat(), gif::Repeat::Infinite);
        let mut frames = 0;
        while let Some(frame) = decoder.read_next_frame().unwrap() {
            assert!(frame.buffer.iter().all(|p| *p == 1));
            frames += 1;
        }
        assert_eq!(frames, 3);
    }

    #[test]
    fn an_animation_too_large_in_all_is_refused_from_its_headers() {
        // 101 frames of 2000×2000: 404 million pixels in a file of a few hundred kilobytes.
        let gif = animation((2000, 2000), 2000, 2000, 101);
        assert!(gif.len() < 2 * 1024 * 1024, "{}", gif.len());
        assert_eq!(
            process(&gif).err(),
            Some(MediaError::AnimationTooLarge(101))
        );
        assert!(process(&animation((2000, 2000), 2000, 2000, 99)).is_ok());
    }

    #[test]
    fn a_frame_larger_than_an_image_may_be_is_refused() {
        // A small screen with one frame far wider than any image may be.
        let gif = animation((20, 20), 16_001, 1, 1);
        assert_eq!(
            process(&gif).err(),
            Some(MediaError::TooManyPixels(16_001, 1))
        );
    }
}

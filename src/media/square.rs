//! Copies of images from elsewhere made anew from their pixels, so that nothing of the original
//! file survives, and named by their content like every media file: a small square for avatars
//! (the centre cropped square, scaled down, never up), and a copy fitted to a width for the
//! images of an archived page.

use image::ImageFormat;
use image::imageops::FilterType;
use sha2::{Digest, Sha256};

use super::process::{self, MediaError};

/// An avatar is a few hundred pixels a side; a picture past 16 megapixels is not one, and is
/// refused before it is decoded.
const MAX_PIXELS: u64 = 16_000_000;
/// A small picture seen at a glance: artefacts of a lower quality would show on faces.
const JPEG_QUALITY: u8 = 88;

/// A copy, ready to be written.
#[derive(Debug)]
pub struct Square {
    pub hash: String,
    pub ext: &'static str,
    pub bytes: Vec<u8>,
}

/// The centre square of the image in `bytes`, `side` pixels wide at most: PNG where it may be
/// transparent, else JPEG.
pub fn square(bytes: &[u8], side: u32) -> Result<Square, MediaError> {
    let image = process::decode(bytes, MAX_PIXELS)?;
    let (width, height) = (image.width(), image.height());
    let crop = width.min(height);
    let centred = image.crop_imm((width - crop) / 2, (height - crop) / 2, crop, crop);
    let side = side.min(crop);
    let small = centred.resize_exact(side, side, FilterType::Lanczos3);
    let (format, ext) = if small.color().has_alpha() {
        (ImageFormat::Png, "png")
    } else {
        (ImageFormat::Jpeg, "jpg")
    };
    let bytes = process::encode(&small, format, JPEG_QUALITY)?;
    Ok(Square {
        hash: hex::encode(Sha256::digest(&bytes)),
        ext,
        bytes,
    })
}

/// The image in `bytes` at most `max_width` pixels wide (scaled down, never up), its pixels
/// capped at `max_pixels` before decoding: PNG where it may be transparent, else JPEG.
pub fn fitted(bytes: &[u8], max_width: u32, max_pixels: u64) -> Result<Square, MediaError> {
    let image = process::decode(bytes, max_pixels)?;
    let image = if image.width() > max_width {
        let height = (u64::from(image.height()) * u64::from(max_width) / u64::from(image.width()))
            .max(1) as u32;
        image.resize_exact(max_width, height, FilterType::Lanczos3)
    } else {
        image
    };
    let (format, ext) = if image.color().has_alpha() {
        (ImageFormat::Png, "png")
    } else {
        (ImageFormat::Jpeg, "jpg")
    };
    let bytes = process::encode(&image, format, JPEG_QUALITY)?;
    Ok(Square {
        hash: hex::encode(Sha256::digest(&bytes)),
        ext,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(image: image::DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_wide_photo_becomes_its_centre_square_scaled_down() {
        // Red on the left and right thirds, blue in the middle: the square is all blue.
        let photo = image::RgbImage::from_fn(300, 100, |x, _| match x {
            100..200 => image::Rgb([0, 0, 255]),
            _ => image::Rgb([255, 0, 0]),
        });
        let made = square(&encoded(photo.into(), ImageFormat::Png), 48).unwrap();
        assert_eq!(made.ext, "jpg");
        let back = image::load_from_memory(&made.bytes).unwrap().to_rgb8();
        assert_eq!(back.dimensions(), (48, 48));
        let [r, _, b] = back.get_pixel(2, 24).0;
        assert!(b > 200 && r < 60, "the centre is kept: {r} {b}");
    }

    #[test]
    fn a_small_picture_is_not_enlarged_and_transparency_stays_png() {
        let dot = image::RgbaImage::from_pixel(20, 30, image::Rgba([10, 200, 10, 128]));
        let made = square(&encoded(dot.into(), ImageFormat::Png), 96).unwrap();
        assert_eq!(made.ext, "png");
        let back = image::load_from_memory(&made.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (20, 20));
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        assert_eq!(
            square(b"<svg xmlns='http://www.w3.org/2000/svg'/>", 96).err(),
            Some(MediaError::NotAnImage)
        );
    }
}

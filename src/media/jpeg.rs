//! Removes metadata from a JPEG without re-encoding it. img-parts parses the header segments but
//! keeps everything after the first scan as one opaque block, which can hide a second image (MPF
//! trailers, depth maps) with its own EXIF and GPS; so this walks the whole stream, the scans
//! included, and stops at the primary image's end.

/// Segments that describe the image and are kept: JFIF (APP0), ICC colour profiles (APP2, only
/// those labelled ICC_PROFILE: MPF also lives in APP2), Adobe's colour transform (APP14).
fn keep_app(marker: u8, payload: &[u8]) -> bool {
    match marker {
        0xE0 => payload.starts_with(b"JFIF\0") || payload.starts_with(b"JFXX\0"),
        0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
        0xEE => payload.starts_with(b"Adobe"),
        _ => false,
    }
}

/// The JPEG with every EXIF, XMP, IPTC, comment and trailing block removed, or None if the
/// stream is not a well-formed JPEG.
pub fn strip(data: &[u8]) -> Option<Vec<u8>> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let mut in_scan = false;
    while i < data.len() {
        if in_scan {
            // Entropy-coded data: copy it until a real marker. 0xFF00 is an escaped byte, RSTn
            // markers belong to the scan, and 0xFF 0xFF is fill.
            let byte = data[i];
            if byte != 0xFF {
                out.push(byte);
                i += 1;
                continue;
            }
            let next = *data.get(i + 1)?;
            if next == 0x00 || (0xD0..=0xD7).contains(&next) {
                out.extend_from_slice(&[0xFF, next]);
                i += 2;
                continue;
            }
            if next == 0xFF {
                i += 1;
                continue;
            }
            in_scan = false;
            continue;
        }
        if data[i] != 0xFF {
            return None;
        }
        // Skip fill bytes before a marker.
        while data.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let marker = *data.get(i + 1)?;
        i += 2;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            0xD0..=0xD7 | 0x01 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            _ => {}
        }
        let len = u16::from_be_bytes([*data.get(i)?, *data.get(i + 1)?]) as usize;
        if len < 2 {
            return None;
        }
        let segment = data.get(i..i + len)?;
        let payload = &segment[2..];
        let is_metadata = matches!(marker, 0xE0..=0xEF | 0xFE);
        if !is_metadata || keep_app(marker, payload) {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(segment);
        }
        i += len;
        if marker == 0xDA {
            in_scan = true;
        }
    }
    // No end marker: the file was cut short (an interrupted transfer). Its decoder would fill
    // the missing part with grey and the owner would publish a broken photo; refuse it instead.
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    #[test]
    fn drops_exif_comments_and_trailers_but_keeps_the_image() {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(segment(0xE0, b"JFIF\0\x01\x01"));
        jpeg.extend(segment(0xE1, b"Exif\0\0GPS-SECRET"));
        jpeg.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01colour"));
        jpeg.extend(segment(0xE2, b"MPF\0secondary"));
        jpeg.extend(segment(0xFE, b"a comment"));
        jpeg.extend(segment(0xDB, b"quant"));
        jpeg.extend(segment(0xDA, b"scanhdr"));
        jpeg.extend_from_slice(&[1, 2, 0xFF, 0x00, 3, 0xFF, 0xD0, 4]);
        jpeg.extend(segment(0xE1, b"Exif\0\0between scans"));
        jpeg.extend(segment(0xDA, b"scan2"));
        jpeg.extend_from_slice(&[5, 6]);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        jpeg.extend_from_slice(b"\xFF\xD8\xFF\xE1trailing Exif GPS-SECRET\xFF\xD9");

        let out = strip(&jpeg).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("GPS-SECRET"));
        assert!(!text.contains("comment"));
        assert!(!text.contains("MPF"));
        assert!(!text.contains("between scans"));
        assert!(text.contains("JFIF"));
        assert!(text.contains("ICC_PROFILE"));
        assert!(out.ends_with(&[5, 6, 0xFF, 0xD9]));
        assert!(out.windows(4).any(|w| w == [3, 0xFF, 0xD0, 4]));
    }

    #[test]
    fn refuses_what_is_not_a_jpeg() {
        assert_eq!(strip(b"GIF89a"), None);
        assert_eq!(strip(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00]), None);
    }

    #[test]
    fn refuses_a_jpeg_cut_short() {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(segment(0xDB, b"quant"));
        jpeg.extend(segment(0xDA, b"scanhdr"));
        jpeg.extend_from_slice(&[1, 2, 3]);
        assert_eq!(strip(&jpeg), None);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        assert!(strip(&jpeg).is_some());
    }
}

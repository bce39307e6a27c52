//! Dates as the owner sees them: stored times are UTC seconds; pages show them in the site's
//! time zone.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The site's time zone, falling back to UTC for a name chrono-tz does not know.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

pub fn local(ts: i64, tz: Tz) -> DateTime<Tz> {
    Utc.timestamp_opt(ts, 0)
        .single()
        .unwrap_or_default()
        .with_timezone(&tz)
}

/// RFC 3339 with the local offset, for `dt-published` and JSON Feed.
pub fn iso(ts: i64, tz: Tz) -> String {
    local(ts, tz).to_rfc3339()
}

/// RFC 3339 in UTC to the second, with `Z`: what ActivityStreams and Micropub dates carry.
pub fn iso_utc(ts: i64) -> String {
    local(ts, Tz::UTC).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// When something happened, as the admin panel lists it: "27 Nov 2026, 14:05".
pub fn panel(ts: i64, tz: Tz) -> String {
    local(ts, tz).format(PANEL).to_string()
}

/// The same to the second, where seconds matter (when a job runs).
pub fn panel_seconds(ts: i64, tz: Tz) -> String {
    local(ts, tz).format(&format!("{PANEL}:%S")).to_string()
}

const PANEL: &str = "%-d %b %Y, %H:%M";

/// An HTTP date (RFC 9110's IMF-fixdate), as `Date` and `Last-Modified` carry it.
pub fn http_date(ts: i64) -> String {
    local(ts, Tz::UTC)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// RFC 2822, for RSS.
pub fn rfc2822(ts: i64) -> String {
    local(ts, Tz::UTC).to_rfc2822()
}

/// How a date reads on a page: "27 Nov 2026".
pub fn display_date(ts: i64, tz: Tz) -> String {
    local(ts, tz).format("%-d %b %Y").to_string()
}

/// The value of an `<input type="datetime-local">` for a time.
pub fn input_value(ts: i64, tz: Tz) -> String {
    local(ts, tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// Reads an `<input type="datetime-local">` value (seconds optional) in the site's time zone.
pub fn parse_input(value: &str, tz: Tz) -> Option<i64> {
    let value = value.trim();
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.timestamp()),
        // In the hour a clock goes back, take the earlier; in the hour it skips, the time does
        // not exist and is refused.
        LocalResult::Ambiguous(early, _) => Some(early.timestamp()),
        LocalResult::None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_values_round_trip_in_the_site_zone() {
        let tz = zone("Europe/Paris");
        let ts = parse_input("2026-07-01T09:30", tz).unwrap();
        assert_eq!(ts, 1782891000);
        assert_eq!(input_value(ts, tz), "2026-07-01T09:30");
    }

    #[test]
    fn unknown_zones_fall_back_to_utc() {
        assert_eq!(zone("Mars/Olympus"), Tz::UTC);
    }

    #[test]
    fn a_skipped_local_time_is_refused() {
        assert_eq!(parse_input("2026-03-29T02:30", zone("Europe/Paris")), None);
    }
}

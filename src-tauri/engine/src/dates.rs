//! Days as the reports and the CLI take them: `YYYY-MM-DD` (UTC), checked, as unix ms.

use crate::error::{Error, Result};

/// A `YYYY-MM-DD` day (zero-padded, a real date) as unix ms at its start (UTC); `what` names the
/// field in the error.
pub fn day_start(what: &str, day: &str) -> Result<i64> {
    let bad = || Error::InvalidRequest(format!("{what}: `{day}` is not a date (YYYY-MM-DD)"));
    let b = day.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(bad());
    }
    let (y, m, d) = (&day[..4], &day[5..7], &day[8..]);
    let month = m
        .parse::<u8>()
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let (y, d) = (
        y.parse::<i32>().map_err(|_| bad())?,
        d.parse::<u8>().map_err(|_| bad())?,
    );
    let date = time::Date::from_calendar_date(y, month, d).map_err(|_| bad())?;
    Ok(date.midnight().assume_utc().unix_timestamp() * 1000)
}

/// `YYYY-MM-DD` of a unix-ms time (UTC).
pub fn day(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_else(|_| "?".into())
}

/// The unix-ms bounds of the days `since..=until` (UTC): from the start of `since` to the end of
/// `until`; an end that is missing (or empty) is open.
pub fn bounds(since: Option<&str>, until: Option<&str>) -> Result<(i64, i64)> {
    let start = |what: &str, day: Option<&str>| {
        day.filter(|d| !d.is_empty())
            .map(|d| day_start(what, d))
            .transpose()
    };
    let from = start("from", since)?.unwrap_or(0);
    let to = start("to", until)?.map_or(i64::MAX, |t| t + 86_400_000);
    if from >= to {
        return Err(Error::InvalidRequest(format!(
            "the range starts ({}) after it ends ({})",
            since.unwrap_or_default(),
            until.unwrap_or_default()
        )));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_bounds() {
        assert_eq!(day_start("from", "1970-01-02").unwrap(), 86_400_000);
        assert!(day_start("from", "2026-02-30").is_err());
        assert!(day_start("from", "2026-3-01").is_err());
        assert_eq!(day(86_400_000), "1970-01-02");
        assert_eq!(bounds(None, None).unwrap(), (0, i64::MAX));
        assert_eq!(
            bounds(Some("1970-01-02"), Some("1970-01-02")).unwrap(),
            (86_400_000, 2 * 86_400_000)
        );
        assert!(bounds(Some("1970-01-03"), Some("1970-01-02")).is_err());
        let e = bounds(Some("soon"), None).unwrap_err().to_string();
        assert!(e.contains("from: `soon` is not a date"), "{e}");
    }
}

//! Money as the ledger keeps it: integer micro-dollars, printed exactly.

/// Micro-dollars as dollars with six decimals, exactly (as `roundtable usage` prints them).
pub fn usd(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    format!("{sign}{}.{:06}", m / 1_000_000, m % 1_000_000)
}

/// Micro-dollars for people: cents when the amount is whole cents (`2.50`), else as many
/// decimals as it needs (`0.0035`).
pub fn usd_short(micros: i64) -> String {
    let full = usd(micros);
    let (whole, frac) = full.split_once('.').unwrap_or((&full, ""));
    let frac = frac.trim_end_matches('0');
    format!("{whole}.{frac:0<2}")
}

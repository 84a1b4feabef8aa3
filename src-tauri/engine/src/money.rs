//! Money as the ledger keeps it: integer micro-dollars, printed exactly.

/// Micro-dollars as dollars with six decimals, exactly (as `roundtable usage` prints them).
pub fn usd(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    format!("{sign}{}.{:06}", m / 1_000_000, m % 1_000_000)
}

//! The dashboard against a real SQLite ledger: the same totals as `usage` for the same range,
//! percentiles and fallbacks from the latency rollup kept right through updates, bad ranges named.

use roundtable_engine::reports::dashboard::{dashboard, to_csv};
use roundtable_engine::store::{LedgerOutcome, LedgerRow, Store, UsageBy};
use roundtable_engine::Config;

const DAY: i64 = 86_400_000;
// 2026-03-01T12:00:00Z
const T0: i64 = 1_772_366_400_000;

fn row(
    model: &str,
    day: i64,
    outcome: LedgerOutcome,
    attempt: i64,
    ttft: Option<i64>,
    cost: i64,
) -> LedgerRow {
    LedgerRow {
        request_id: format!("r{}", fastrand::u64(..)),
        provider: model.split('/').next().unwrap().into(),
        model_requested: model.into(),
        model_answered: (outcome != LedgerOutcome::Failed).then(|| model.to_string()),
        attempt,
        outcome,
        started_at: T0 + day * DAY,
        ttft_ms: ttft,
        input_tokens: 100,
        output_tokens: 10,
        cost_micros: cost,
        ..Default::default()
    }
}

#[test]
fn the_dashboard_matches_usage_and_keeps_latency_right() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // 100 answers of a/fast with first tokens at 10, 20, … 1000 ms, on day 0.
    for i in 1..=100 {
        store
            .record_attempt(&row("a/fast", 0, LedgerOutcome::Ok, 1, Some(i * 10), 1_000))
            .unwrap();
    }
    // b/slow: 3 failures, 2 answers after a failure, one answer recorded streaming then updated.
    for _ in 0..3 {
        store
            .record_attempt(&row("b/slow", 1, LedgerOutcome::Failed, 1, None, 0))
            .unwrap();
    }
    for _ in 0..2 {
        store
            .record_attempt(&row("b/slow", 1, LedgerOutcome::Ok, 2, Some(2_500), 7_000))
            .unwrap();
    }
    let mut streaming = row("b/slow", 1, LedgerOutcome::Streaming, 1, Some(2_500), 0);
    let id = store.record_attempt(&streaming).unwrap();
    streaming.outcome = LedgerOutcome::Ok;
    streaming.cost_micros = 7_000;
    store.update_attempt(id, &streaming).unwrap();
    // A gateway client's row, and one outside the range.
    let mut gw = row("a/fast", 2, LedgerOutcome::Ok, 1, Some(10), 500);
    gw.client = Some("my-script".into());
    store.record_attempt(&gw).unwrap();
    store
        .record_attempt(&row("a/fast", 30, LedgerOutcome::Ok, 1, Some(10), 99_999))
        .unwrap();

    let d = dashboard(&store, &Config::default(), "2026-03-01", "2026-03-03").unwrap();
    let usage = store
        .usage(Some("2026-03-01"), Some("2026-03-03"), UsageBy::Model)
        .unwrap();
    assert_eq!(d.models.len(), usage.len());
    for (line, u) in d.models.iter().zip(&usage) {
        let m = &line.usage;
        assert_eq!(
            (
                &m.key,
                m.requests,
                m.errors,
                m.input_tokens,
                m.output_tokens,
                m.cost_micros
            ),
            (
                &u.key,
                u.requests,
                u.errors,
                u.input_tokens,
                u.output_tokens,
                u.cost_micros
            )
        );
    }
    assert_eq!(d.total_micros, 100 * 1_000 + 3 * 7_000 + 500);
    let a = d.models.iter().find(|m| m.usage.key == "a/fast").unwrap();
    assert_eq!((a.usage.requests, a.usage.errors), (101, 0));
    // 101 first tokens: 10…1000 ms and one 10 ms; p50 is the 51st = 500 ms, p95 the 96th = 950 ms.
    assert_eq!((a.ttft_p50, a.ttft_p95), (Some(500), Some(950)));
    let b = d.models.iter().find(|m| m.usage.key == "b/slow").unwrap();
    assert_eq!(
        (b.usage.requests, b.usage.errors),
        (6, 3),
        "the update did not count twice"
    );
    assert_eq!(
        (b.ttft_p50, b.ttft_p95, b.after_failure),
        (Some(2_500), Some(2_500), 2)
    );
    // Spend per day and provider, per client.
    let days: Vec<(&str, &str, i64)> = d
        .days
        .iter()
        .map(|s| (s.day.as_str(), s.provider.as_str(), s.cost_micros))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-03-01", "a", 100_000),
            ("2026-03-02", "b", 21_000),
            ("2026-03-03", "a", 500)
        ]
    );
    let clients: Vec<(&str, i64)> = d
        .clients
        .iter()
        .map(|c| (c.usage.key.as_str(), c.usage.cost_micros))
        .collect();
    assert_eq!(clients, [("(local)", 121_000), ("my-script", 500)]);
    assert!(d.budgets.is_empty());
    let csv = to_csv(&d);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("a/fast,101,0,10100,1010,0,0,0.100500,0,500,950,0"),
        "{csv}"
    );

    for (since, until, why) in [
        ("2026-3-01", "2026-03-02", "from: `2026-3-01` is not a date"),
        (
            "2026-02-30",
            "2026-03-02",
            "from: `2026-02-30` is not a date",
        ),
        ("2026-03-01", "tomorrow", "to: `tomorrow`"),
        (
            "2026-03-05",
            "2026-03-01",
            "starts (2026-03-05) after it ends (2026-03-01)",
        ),
    ] {
        let err = dashboard(&store, &Config::default(), since, until)
            .unwrap_err()
            .to_string();
        assert!(err.contains(why), "{err}");
    }
}

//! Spend limits against a real SQLite ledger, with the clock moved by an injected
//! [`BudgetClock`] (never by sleeping): each scope over each window, the time zone at a
//! boundary, overlapping rules, one alert per window, the legacy `[budget] monthly_usd`, and the
//! refusal of a turn (nothing stored, nothing sent) unless it says to send anyway.

use std::path::Path;

use jiff::tz::TimeZone;
use roundtable_engine::error::ErrorKind;
use roundtable_engine::session::{Turn, TurnSpec};
use roundtable_engine::store::{
    now_ms, BudgetCheck, BudgetClock, LedgerOutcome, LedgerRow, RuleState, Spending, Store,
};
use roundtable_engine::Config;
use roundtable_fakes::{Answer, FakeServer, Protocol};

use crate::presets::{answer, setup};

/// Unix ms of a local wall-clock time.
fn at(tz: &TimeZone, (y, mo, d): (i16, i8, i8), (h, mi): (i8, i8)) -> i64 {
    jiff::civil::date(y, mo, d)
        .at(h, mi, 0, 0)
        .to_zoned(tz.clone())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

const MINUTE: i64 = 60_000;

/// Who a ledger row was for.
#[derive(Clone, Copy)]
struct Who {
    provider: &'static str,
    model: &'static str,
    route: Option<&'static str>,
    client: Option<&'static str>,
}

/// `openai/gpt-4o` through `@smart` for the client `ci`: under every scope of the rules below.
const OURS: Who = Who {
    provider: "openai",
    model: "openai/gpt-4o",
    route: Some("smart"),
    client: Some("ci"),
};

/// Under none of them but `all`.
const THEIRS: Who = Who {
    provider: "acme",
    model: "acme/x",
    route: None,
    client: None,
};

fn spend(store: &Store, who: Who, when: i64, usd: f64) {
    store
        .record_attempt(&LedgerRow {
            request_id: format!("r{}", next_id()),
            provider: who.provider.into(),
            model_requested: who.model.into(),
            model_answered: Some(who.model.into()),
            route: who.route.map(str::to_string),
            client: who.client.map(str::to_string),
            attempt: 1,
            outcome: LedgerOutcome::Ok,
            started_at: when,
            cost_micros: (usd * 1e6).round() as i64,
            ..Default::default()
        })
        .unwrap();
}

/// A fresh request id (rows of one request id are one request's attempts).
fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn spending(who: Who) -> Spending {
    Spending {
        targets: vec![who.model.into()],
        routes: who.route.into_iter().map(str::to_string).collect(),
        client: who.client.map(str::to_string),
    }
}

fn parse(text: &str) -> Config {
    Config::parse(text, Path::new("config.toml")).unwrap()
}

fn check(store: &Store, config: &Config, who: Who, clock: &BudgetClock) -> BudgetCheck {
    store.check_spending(config, &spending(who), clock).unwrap()
}

fn micros(usd: f64) -> i64 {
    (usd * 1e6).round() as i64
}

#[test]
fn every_scope_counts_its_own_spend_within_its_window_only() {
    let tz = TimeZone::get("Europe/Paris").unwrap();
    // Wednesday 18 November 2026, noon in Paris.
    let now = at(&tz, (2026, 11, 18), (12, 0));
    let windows = [
        (
            "day",
            at(&tz, (2026, 11, 18), (0, 0)),
            at(&tz, (2026, 11, 19), (0, 0)),
        ),
        (
            "week",
            at(&tz, (2026, 11, 16), (0, 0)),
            at(&tz, (2026, 11, 23), (0, 0)),
        ),
        (
            "month",
            at(&tz, (2026, 11, 1), (0, 0)),
            at(&tz, (2026, 12, 1), (0, 0)),
        ),
    ];
    let scopes = [
        "all",
        "provider:openai",
        "model:openai/gpt-4o",
        "route:smart",
        "client:ci",
    ];
    for scope in scopes {
        for (window, start, end) in windows {
            let what = format!("{scope} per {window}");
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path()).unwrap();
            let config = parse(&format!(
                "[[budgets]]\nscope = \"{scope}\"\nwindow = \"{window}\"\nlimit_usd = 1.0\nalert_percent = 50\n"
            ));
            let clock = |now_ms: i64| BudgetClock {
                now_ms,
                tz: tz.clone(),
            };
            // Inside the window: its first minute. Before it: the minute before.
            spend(&store, OURS, start, 0.25);
            spend(&store, OURS, start - MINUTE, 5.0);
            spend(&store, THEIRS, start + MINUTE, 0.125);
            let ours = if scope == "all" { 0.375 } else { 0.25 };

            let c = check(&store, &config, OURS, &clock(now));
            assert_eq!(c.rules.len(), 1, "{what}");
            let r = &c.rules[0];
            assert_eq!(r.label, format!("{what} ($1.00)"));
            assert_eq!((r.window_start, r.window_end), (start, end), "{what}");
            assert_eq!(r.spent_micros, micros(ours), "{what}");
            assert_eq!(r.state, RuleState::Fine, "{what}");
            assert!(c.exceeded().is_none() && c.alerts.is_empty(), "{what}");
            // A request the scope does not count is not under the rule.
            let theirs = check(&store, &config, THEIRS, &clock(now));
            assert_eq!(theirs.rules.len(), usize::from(scope == "all"), "{what}");

            // Spend at the window's last instant reaches the alert share, then the limit.
            spend(&store, OURS, end - 1, 0.5);
            let c = check(&store, &config, OURS, &clock(end - 1));
            assert_eq!(c.rules[0].state, RuleState::Alert, "{what}");
            assert_eq!(c.alerts.len(), 1, "{what}");
            assert!(c.exceeded().is_none(), "{what}");
            spend(&store, OURS, now, 0.25);
            let c = check(&store, &config, OURS, &clock(now));
            let over = c.exceeded().unwrap_or_else(|| panic!("{what}: {c:?}"));
            assert_eq!(over.spent_micros, micros(ours + 0.75), "{what}");
            assert_eq!(over.state, RuleState::Exceeded);
            let refusal = over.refusal();
            assert_eq!(refusal.kind(), ErrorKind::BudgetExceeded);
            assert!(refusal.to_string().contains(&what), "{refusal}");

            // The next window starts from nothing.
            let next = check(&store, &config, OURS, &clock(end));
            let r = &next.rules[0];
            assert_eq!((r.window_start, r.spent_micros), (end, 0), "{what}");
            assert_eq!(r.state, RuleState::Fine, "{what}");
            assert!(next.exceeded().is_none(), "{what}");
        }
    }
}

#[test]
fn the_time_zone_decides_where_a_day_and_a_month_begin() {
    let utc = TimeZone::UTC;
    let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let config = parse(
        "[[budgets]]\nscope = \"all\"\nwindow = \"day\"\nlimit_usd = 1.0\n\n\
         [[budgets]]\nscope = \"all\"\nwindow = \"month\"\nlimit_usd = 100.0\n",
    );
    // 30 November 23:00 in Tokyo is 14:00 UTC; the check is at 18:00 UTC, already 1 December
    // (03:00) in Tokyo.
    let spent_at = at(&utc, (2026, 11, 30), (14, 0));
    let now = at(&utc, (2026, 11, 30), (18, 0));
    spend(&store, OURS, spent_at, 0.5);
    let spent = |tz: &TimeZone| -> Vec<i64> {
        let clock = BudgetClock {
            now_ms: now,
            tz: tz.clone(),
        };
        check(&store, &config, OURS, &clock)
            .rules
            .iter()
            .map(|r| r.spent_micros)
            .collect()
    };
    assert_eq!(
        spent(&utc),
        [500_000, 500_000],
        "the same day and month in UTC"
    );
    assert_eq!(spent(&tokyo), [0, 0], "yesterday, and last month, in Tokyo");
    let clock = BudgetClock {
        now_ms: now,
        tz: tokyo.clone(),
    };
    let rules = check(&store, &config, OURS, &clock).rules;
    assert_eq!(rules[0].window_start, at(&utc, (2026, 11, 30), (15, 0)));
    assert_eq!(rules[1].window_start, at(&tokyo, (2026, 12, 1), (0, 0)));
}

#[test]
fn overlapping_rules_the_tightest_decides() {
    let tz = TimeZone::UTC;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let config = parse(
        "[[budgets]]\nscope = \"all\"\nwindow = \"month\"\nlimit_usd = 10.0\n\n\
         [[budgets]]\nscope = \"provider:openai\"\nwindow = \"day\"\nlimit_usd = 1.0\n\n\
         [[budgets]]\nscope = \"model:openai/gpt-4o\"\nwindow = \"week\"\nlimit_usd = 5.0\n",
    );
    let clock = BudgetClock {
        now_ms: at(&tz, (2026, 11, 18), (12, 0)),
        tz,
    };
    spend(&store, OURS, clock.now_ms - MINUTE, 0.9);
    let c = check(&store, &config, OURS, &clock);
    assert_eq!(c.rules.len(), 3);
    let tightest = c.tightest().unwrap();
    assert_eq!(tightest.label, "provider:openai per day ($1.00)");
    assert_eq!(tightest.state, RuleState::Alert);
    assert!(c.exceeded().is_none());
    assert_eq!(c.headroom_micros(), Some(100_000));

    spend(&store, OURS, clock.now_ms, 0.2);
    let c = check(&store, &config, OURS, &clock);
    let over = c.exceeded().expect("the day's provider limit is reached");
    assert_eq!(over.label, "provider:openai per day ($1.00)");
    assert_eq!(c.headroom_micros(), Some(0));
    // The other rules are well under theirs.
    let states: Vec<RuleState> = c.rules.iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [RuleState::Fine, RuleState::Exceeded, RuleState::Fine]
    );
    // Another provider's request is under `all` only, which is not reached.
    let other = check(&store, &config, THEIRS, &clock);
    assert_eq!(other.rules.len(), 1);
    assert!(other.exceeded().is_none());

    // When two are reached, the one furthest past its limit is named.
    spend(&store, OURS, clock.now_ms, 10.0);
    let c = check(&store, &config, OURS, &clock);
    assert_eq!(
        c.exceeded().unwrap().label,
        "provider:openai per day ($1.00)",
        "1110% of the day's limit beats 111% of the month's and 222% of the week's"
    );
    assert!(c.rules.iter().all(|r| r.state == RuleState::Exceeded));
}

#[test]
fn an_alert_is_given_once_per_window() {
    let tz = TimeZone::get("America/New_York").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let config = parse(
        "[[budgets]]\nscope = \"provider:openai\"\nwindow = \"day\"\nlimit_usd = 1.0\nalert_percent = 50\n\n\
         [[budgets]]\nscope = \"all\"\nwindow = \"week\"\nlimit_usd = 2.0\nalert_percent = 25\n",
    );
    let clock = |day: i8, hour: i8| BudgetClock {
        now_ms: at(&tz, (2026, 11, day), (hour, 0)),
        tz: tz.clone(),
    };
    let labels =
        |c: &BudgetCheck| -> Vec<String> { c.alerts.iter().map(|r| r.label.clone()).collect() };
    // Wednesday: under both shares, then past both.
    spend(&store, OURS, clock(18, 9).now_ms, 0.25);
    assert!(labels(&check(&store, &config, OURS, &clock(18, 10))).is_empty());
    spend(&store, OURS, clock(18, 10).now_ms, 0.5);
    let c = check(&store, &config, OURS, &clock(18, 11));
    assert_eq!(
        labels(&c),
        ["provider:openai per day ($1.00)", "all per week ($2.00)"]
    );
    // Again that day (and from another process on the same file): none.
    let c = check(&store, &config, OURS, &clock(18, 12));
    assert!(c.alerts.is_empty(), "{c:?}");
    assert_eq!(c.rules[0].state, RuleState::Alert, "still past its share");
    let reopened = Store::open(dir.path()).unwrap();
    assert!(check(&reopened, &config, OURS, &clock(18, 23))
        .alerts
        .is_empty());

    // Thursday: the day starts under its share again and says nothing.
    let c = check(&store, &config, OURS, &clock(19, 8));
    assert_eq!(c.rules[0].state, RuleState::Fine);
    assert!(c.alerts.is_empty(), "{c:?}");
    // Past it again: the day's rule alerts anew; the week's already did this week.
    spend(&store, OURS, clock(19, 9).now_ms, 0.5);
    let c = check(&store, &config, OURS, &clock(19, 10));
    assert_eq!(labels(&c), ["provider:openai per day ($1.00)"]);
    // The next Monday starts a new week, and its rule alerts again once past its share.
    spend(&store, OURS, clock(23, 9).now_ms, 0.5);
    let c = check(&store, &config, OURS, &clock(23, 10));
    assert_eq!(
        labels(&c),
        ["provider:openai per day ($1.00)", "all per week ($2.00)"]
    );
    // `applicable` only looks: it records no alert.
    spend(&store, OURS, clock(24, 9).now_ms, 0.5);
    let looked = store
        .applicable(&config, &spending(OURS), &clock(24, 10))
        .unwrap();
    assert_eq!(looked[0].state, RuleState::Alert);
    let c = check(&store, &config, OURS, &clock(24, 11));
    assert_eq!(labels(&c), ["provider:openai per day ($1.00)"]);
}

#[test]
fn the_legacy_monthly_budget_is_still_a_rule() {
    let tz = TimeZone::UTC;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let config = parse(
        "[budget]\nmonthly_usd = 2.0\n\n\
         [[budgets]]\nscope = \"client:ci\"\nwindow = \"day\"\nlimit_usd = 5.0\n",
    );
    let rules = config.budget_rules();
    assert_eq!(rules.len(), 2);
    assert!(rules[1].legacy && !rules[0].legacy);
    let clock = BudgetClock {
        now_ms: at(&tz, (2026, 11, 18), (12, 0)),
        tz,
    };
    // Last month's spend does not count.
    spend(
        &store,
        THEIRS,
        at(&TimeZone::UTC, (2026, 10, 31), (23, 0)),
        9.0,
    );
    spend(
        &store,
        THEIRS,
        at(&TimeZone::UTC, (2026, 11, 2), (0, 0)),
        1.6,
    );
    let c = check(&store, &config, THEIRS, &clock);
    assert_eq!(c.rules.len(), 1, "the client rule does not count it");
    assert_eq!(
        (c.rules[0].label.as_str(), c.rules[0].state),
        ("all per month ($2.00)", RuleState::Alert),
        "80% by default"
    );
    assert_eq!(c.alerts.len(), 1);
    spend(&store, THEIRS, clock.now_ms, 0.4);
    let c = check(&store, &config, THEIRS, &clock);
    let over = c.exceeded().unwrap();
    assert_eq!(over.label, "all per month ($2.00)");
    assert!(over.rule.legacy);
    // The statuses for the dashboard: every rule, applicable or not.
    let all = store.budget_statuses(&rules, &clock).unwrap();
    assert_eq!(
        all.iter().map(|r| r.spent_micros).collect::<Vec<_>>(),
        [0, 2_000_000]
    );
}

/// Two OpenAI-protocol providers, `dear` and `cheap`, and a limit on `dear` already reached
/// today (at the real clock: the turn checks with [`BudgetClock::system`]).
#[tokio::test]
async fn a_reached_limit_refuses_a_turn_to_its_provider_only() {
    let dear = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &["Dear."])));
    let cheap = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &["Cheap."])));
    let s = setup(&format!(
        "[providers.dear]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [providers.cheap]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [[budgets]]\nscope = \"provider:dear\"\nwindow = \"day\"\nlimit_usd = 0.01\n\n\
         [router]\nmax_retries = 0\n",
        dear.url(),
        cheap.url()
    ));
    let dear_row = Who {
        provider: "dear",
        model: "dear/m",
        route: None,
        client: None,
    };
    spend(&s.store, dear_row, now_ms(), 0.01);
    let to = |target: &str, over: Option<bool>| TurnSpec {
        prompt: "hello".into(),
        targets: vec![target.into()],
        over_budget: over,
        ..Default::default()
    };

    let err = Turn::prepare(&s.router, &s.store, to("dear/m", None)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded);
    assert_eq!(err.kind().as_str(), "budget_exceeded");
    assert!(
        err.to_string().contains("provider:dear per day ($0.01)"),
        "{err}"
    );
    assert!(
        s.store.list_conversations(10, 0).unwrap().is_empty(),
        "nothing stored"
    );
    // A fallback chain that could reach it is refused too.
    let chain = TurnSpec {
        targets: vec!["cheap/m".into(), "dear/m".into()],
        ..to("cheap/m", Some(false))
    };
    assert_eq!(
        Turn::prepare(&s.router, &s.store, chain)
            .unwrap_err()
            .kind(),
        ErrorKind::BudgetExceeded
    );

    // Another provider goes through.
    let turn = Turn::prepare(&s.router, &s.store, to("cheap/m", None)).unwrap();
    assert!(turn.budget.rules.is_empty(), "no rule counts it");
    answer(&s, &turn).await;
    assert_eq!(cheap.requests().len(), 1);
    assert!(
        dear.requests().is_empty(),
        "nothing was sent to the refused provider"
    );

    // Sending anyway: the turn runs, and says where the rule stands.
    let turn = Turn::prepare(&s.router, &s.store, to("dear/m", Some(true))).unwrap();
    assert_eq!(
        turn.budget.exceeded().map(|r| r.label.as_str()),
        Some("provider:dear per day ($0.01)")
    );
    answer(&s, &turn).await;
    assert_eq!(dear.requests().len(), 1);
    assert_eq!(s.store.list_conversations(10, 0).unwrap().len(), 2);
}

/// What a turn writes to the ledger is what each scope counts: its provider, its model, its
/// route.
#[tokio::test]
async fn a_turns_own_spend_counts_under_its_provider_model_and_route() {
    let fake = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &["Fine."])));
    let rules: String = [
        "all",
        "provider:fake",
        "model:fake/m",
        "route:smart",
        "client:ci",
    ]
    .iter()
    .map(|scope| format!("[[budgets]]\nscope = \"{scope}\"\nwindow = \"day\"\nlimit_usd = 1.0\n\n"))
    .collect();
    let s = setup(&format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [routes.smart]\ntargets = [\"fake/m\"]\n\n\
         [prices.\"fake/m\"]\ninput = 1000\noutput = 1000\n\n{rules}",
        fake.url()
    ));
    let turn = Turn::prepare(
        &s.router,
        &s.store,
        TurnSpec {
            prompt: "hello".into(),
            targets: vec!["@smart".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let labels: Vec<&str> = turn.budget.rules.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "all per day ($1.00)",
            "provider:fake per day ($1.00)",
            "model:fake/m per day ($1.00)",
            "route:smart per day ($1.00)"
        ],
        "every rule but the gateway client's counts it"
    );
    let done = answer(&s, &turn).await;
    // 12 prompt tokens and 1 answer token at $1,000 per million each.
    assert_eq!(done.cost_micros, 13_000);
    let config = s.router.engine().config();
    let statuses = s
        .store
        .budget_statuses(&config.budget_rules(), &BudgetClock::system())
        .unwrap();
    let spent: Vec<i64> = statuses.iter().map(|r| r.spent_micros).collect();
    assert_eq!(spent, [13_000, 13_000, 13_000, 13_000, 0]);
}

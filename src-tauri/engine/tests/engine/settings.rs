//! The settings editors' edits to a real `config.toml`: what they change, what they keep, and
//! refusals that leave the file exactly as it was.

use std::path::Path;

use roundtable_engine::config::settings::{
    apply, view, CompareSetSetting, Edit, PriceSetting, RouteSetting,
};
use roundtable_engine::config::{Config, Strategy};
use roundtable_engine::store::Store;

const START: &str = r#"# My settings — keep this comment.
[providers.llamacpp]
kind = "openai"
base_url = "http://127.0.0.1:9/v1" # my llama.cpp

[routes.smart]
strategy = "fallback"
targets = ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"]

[router]
max_retries = 1
"#;

fn dir_with(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), text).unwrap();
    dir
}

fn file(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("config.toml")).unwrap()
}

fn route(name: &str, targets: &[&str]) -> RouteSetting {
    RouteSetting {
        name: name.into(),
        strategy: Strategy::Fallback,
        targets: targets.iter().map(|s| s.to_string()).collect(),
        weights: None,
    }
}

fn price(model: &str, input: f64, output: f64) -> PriceSetting {
    PriceSetting {
        model: model.into(),
        input,
        output,
        cache_read: None,
        cache_write: None,
    }
}

#[test]
fn edits_change_only_their_keys_and_keep_comments() {
    let dir = dir_with(START);
    let d = dir.path();
    apply(
        d,
        &Edit::Route {
            route: RouteSetting {
                strategy: Strategy::Balance,
                weights: Some(vec![3, 1]),
                ..route("cheap", &["local/qwen", "@smart"])
            },
            previous: None,
        },
    )
    .unwrap();
    apply(
        d,
        &Edit::Price {
            price: PriceSetting {
                cache_read: Some(0.25),
                ..price("openai/gpt-4o", 2.5, 10.0)
            },
        },
    )
    .unwrap();
    apply(
        d,
        &Edit::Budget {
            monthly_usd: Some(20.0),
        },
    )
    .unwrap();
    apply(
        d,
        &Edit::Provider {
            id: "openai".into(),
            enabled: false,
            base_url: Some("https://proxy.example/v1".into()),
        },
    )
    .unwrap();
    let config = apply(
        d,
        &Edit::Provider {
            id: "llamacpp".into(),
            enabled: true,
            base_url: Some("http://127.0.0.1:8080/v1".into()),
        },
    )
    .unwrap();

    let text = file(d);
    assert!(
        text.starts_with("# My settings — keep this comment.\n"),
        "{text}"
    );
    assert!(
        text.contains("# my llama.cpp"),
        "a trailing comment stays: {text}"
    );
    assert!(text.contains("max_retries = 1"), "{text}");
    assert!(
        !text.contains("[providers]\n"),
        "no empty parent table: {text}"
    );
    assert_eq!(
        Config::parse(&text, &d.join("config.toml"))
            .unwrap()
            .router
            .max_retries,
        1
    );

    let cheap = config.routes["cheap"].get_ref();
    assert_eq!(cheap.strategy, Strategy::Balance);
    assert_eq!(cheap.targets.get_ref(), &["local/qwen", "@smart"]);
    assert_eq!(cheap.weights.as_ref().unwrap().get_ref(), &[3, 1]);
    assert_eq!(config.prices["openai/gpt-4o"].cache_read, Some(0.25));
    assert_eq!(config.budget.as_ref().unwrap().monthly_usd, 20.0);
    let openai = config.providers["openai"].get_ref();
    assert_eq!(openai.enabled, Some(false));
    assert_eq!(
        openai.base_url.as_ref().unwrap().get_ref(),
        "https://proxy.example/v1"
    );
    assert_eq!(
        config.providers["llamacpp"]
            .get_ref()
            .base_url
            .as_ref()
            .unwrap()
            .get_ref(),
        "http://127.0.0.1:8080/v1"
    );

    // The view shows what the file says, with this month's spend (none yet).
    let store = Store::open(d).unwrap();
    let v = view(&config, d, store.month_spent().unwrap()).unwrap();
    assert_eq!(v.routes.len(), 2);
    assert_eq!(v.routes[0].name, "cheap");
    assert_eq!(v.prices[0].model, "openai/gpt-4o");
    assert_eq!(v.budget.monthly_usd, Some(20.0));
    assert_eq!(v.budget.spent_usd, 0.0);

    // Back to the built-in: enabled again and its own address; the table goes away.
    apply(
        d,
        &Edit::Provider {
            id: "openai".into(),
            enabled: true,
            base_url: None,
        },
    )
    .unwrap();
    // Rename, then remove; clear the budget and the price.
    apply(
        d,
        &Edit::Route {
            route: route("clever", &["openai/gpt-4o"]),
            previous: Some("smart".into()),
        },
    )
    .unwrap();
    assert!(
        file(d).contains(r#"targets = ["local/qwen", "@clever"]"#),
        "a rename follows references: {}",
        file(d)
    );
    let err = apply(
        d,
        &Edit::RemoveRoute {
            name: "clever".into(),
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("routes.cheap.targets: `@clever`"),
        "a route another uses is not removed: {err}"
    );
    apply(
        d,
        &Edit::RemoveRoute {
            name: "cheap".into(),
        },
    )
    .unwrap();
    apply(d, &Edit::Budget { monthly_usd: None }).unwrap();
    let config = apply(
        d,
        &Edit::RemovePrice {
            model: "openai/gpt-4o".into(),
        },
    )
    .unwrap();
    let text = file(d);
    assert!(!text.contains("providers.openai"), "{text}");
    assert!(
        !text.contains("[budget]") && !text.contains("[prices"),
        "{text}"
    );
    assert_eq!(config.routes.keys().collect::<Vec<_>>(), ["clever"]);
    assert!(config.prices.is_empty() && config.budget.is_none());
    assert!(text.starts_with("# My settings"), "{text}");
}

#[test]
fn a_missing_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let config = apply(
        dir.path(),
        &Edit::Budget {
            monthly_usd: Some(5.0),
        },
    )
    .unwrap();
    assert_eq!(config.budget.unwrap().monthly_usd, 5.0);
    assert!(file(dir.path()).contains("monthly_usd = 5"));
}

#[test]
fn refused_edits_name_the_problem_and_change_nothing() {
    let dir = dir_with(START);
    let d = dir.path();
    let cases: Vec<(Edit, &str)> = vec![
        (
            Edit::Route {
                route: route("r", &["nosuch/model"]),
                previous: None,
            },
            "`nosuch/model` is not a provider/model of a known provider",
        ),
        (
            Edit::Route {
                route: route("r", &["@r"]),
                previous: None,
            },
            "nor another route",
        ),
        (
            Edit::Route {
                route: route("r", &["@nosuch"]),
                previous: None,
            },
            "`@nosuch`",
        ),
        (
            Edit::Route {
                route: route("r", &["openai"]),
                previous: None,
            },
            "not of the form provider/model",
        ),
        (
            Edit::Route {
                route: route("r", &[]),
                previous: None,
            },
            "at least one target",
        ),
        (
            Edit::Route {
                route: route("my route", &["openai/gpt-4o"]),
                previous: None,
            },
            "route name `my route`",
        ),
        (
            Edit::Route {
                route: route("", &["openai/gpt-4o"]),
                previous: None,
            },
            "route name ``",
        ),
        (
            Edit::Route {
                route: RouteSetting {
                    weights: Some(vec![1]),
                    ..route("r", &["openai/gpt-4o", "openai/gpt-4o-mini"])
                },
                previous: None,
            },
            "1 weights for 2 targets",
        ),
        (
            Edit::RemoveRoute {
                name: "nosuch".into(),
            },
            "there is no route `nosuch`",
        ),
        (
            Edit::Price {
                price: price("openai/gpt-4o", -1.0, 2.0),
            },
            "prices.\"openai/gpt-4o\".input: -1",
        ),
        (
            Edit::Price {
                price: price("openai/gpt-4o", 1.0, f64::NAN),
            },
            ".output: NaN is not a price",
        ),
        (
            Edit::Price {
                price: PriceSetting {
                    cache_write: Some(f64::INFINITY),
                    ..price("openai/gpt-4o", 1.0, 2.0)
                },
            },
            ".cache_write: inf is not a price",
        ),
        (
            Edit::Price {
                price: price("gpt-4o", 1.0, 2.0),
            },
            "name a model as provider/model",
        ),
        (
            Edit::RemovePrice {
                model: "openai/nosuch".into(),
            },
            "no price override for `openai/nosuch`",
        ),
        (
            Edit::Budget {
                monthly_usd: Some(0.0),
            },
            "budget.monthly_usd: 0 is not a budget",
        ),
        (
            Edit::Budget {
                monthly_usd: Some(-3.0),
            },
            "-3 is not a budget",
        ),
        (
            Edit::Provider {
                id: "openai".into(),
                enabled: true,
                base_url: Some("ftp://example.com/v1".into()),
            },
            "providers.openai.base_url",
        ),
        (
            Edit::Provider {
                id: "openai".into(),
                enabled: true,
                base_url: Some("not a url".into()),
            },
            "providers.openai.base_url",
        ),
        (
            Edit::Provider {
                id: "llamacpp".into(),
                enabled: true,
                base_url: None,
            },
            "a custom provider needs a `base_url`",
        ),
        (
            Edit::Provider {
                id: "made-up".into(),
                enabled: false,
                base_url: None,
            },
            "missing `kind`",
        ),
    ];
    let n = cases.len();
    for (edit, expected) in cases {
        let err = apply(d, &edit).expect_err(&format!("{edit:?} should be refused"));
        let msg = err.to_string();
        assert!(msg.contains(expected), "{edit:?}: {msg}");
        assert!(!msg.contains('\n'), "one line: {msg}");
        assert_eq!(file(d), START, "{edit:?} left the file as it was");
    }
    assert_eq!(n, 20);
    assert_eq!(
        std::fs::read_dir(d).unwrap().count(),
        1,
        "no temporary file left behind"
    );
}

#[test]
fn a_broken_file_is_reported_not_overwritten() {
    let broken = "[router]\nmax_retries = \"many\"\n";
    let dir = dir_with(broken);
    let err = apply(
        dir.path(),
        &Edit::Budget {
            monthly_usd: Some(1.0),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("config.toml") && err.contains("router.max_retries"),
        "{err}"
    );
    assert_eq!(file(dir.path()), broken);
}

fn set(name: &str, columns: &[&str]) -> Edit {
    Edit::CompareSet {
        set: CompareSetSetting {
            name: name.into(),
            columns: columns.iter().map(|s| s.to_string()).collect(),
        },
        previous: None,
    }
}

#[test]
fn compare_sets_are_added_renamed_and_removed_keeping_the_rest() {
    let start = format!("{START}\n# my sets\n[compare_sets.pair] # the usual two\ncolumns = [\"openai/gpt-4o\", \"@smart\"]\n");
    let dir = dir_with(&start);
    let d = dir.path();
    let config = apply(
        d,
        &set(
            "coders",
            &[
                "anthropic/claude-3-5-sonnet-latest",
                " openai/gpt-4o ",
                "@smart",
            ],
        ),
    )
    .unwrap();
    assert_eq!(
        config.compare_sets["coders"].get_ref().columns.get_ref(),
        &[
            "anthropic/claude-3-5-sonnet-latest",
            "openai/gpt-4o",
            "@smart"
        ]
    );
    let text = file(d);
    assert!(
        text.starts_with("# My settings — keep this comment.\n"),
        "{text}"
    );
    assert!(
        text.contains("# my sets\n[compare_sets.pair] # the usual two"),
        "{text}"
    );
    assert!(text.contains("max_retries = 1"), "{text}");
    assert!(
        !text.contains("[compare_sets]\n"),
        "no empty parent table: {text}"
    );

    // Replace in place, rename, and a route's rename follows into the sets.
    apply(d, &set("coders", &["openai/gpt-4o", "local/qwen"])).unwrap();
    let config = apply(
        d,
        &Edit::CompareSet {
            set: CompareSetSetting {
                name: "duo".into(),
                columns: vec!["openai/gpt-4o".into(), "@smart".into()],
            },
            previous: Some("pair".into()),
        },
    )
    .unwrap();
    assert_eq!(
        config.compare_sets.keys().collect::<Vec<_>>(),
        ["coders", "duo"]
    );
    assert_eq!(
        config.compare_sets["coders"].get_ref().columns.get_ref(),
        &["openai/gpt-4o", "local/qwen"]
    );
    apply(
        d,
        &Edit::Route {
            route: route("clever", &["openai/gpt-4o"]),
            previous: Some("smart".into()),
        },
    )
    .unwrap();
    assert!(
        file(d).contains(r#"columns = ["openai/gpt-4o", "@clever"]"#),
        "a route's rename follows into the sets: {}",
        file(d)
    );
    let err = apply(
        d,
        &Edit::RemoveRoute {
            name: "clever".into(),
        },
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("compare_sets.duo.columns: `@clever`"),
        "a route a set uses is not removed: {err}"
    );

    let store = Store::open(d).unwrap();
    let v = view(&config, d, store.month_spent().unwrap()).unwrap();
    assert_eq!(
        v.compare_sets,
        [
            CompareSetSetting {
                name: "coders".into(),
                columns: vec!["openai/gpt-4o".into(), "local/qwen".into()]
            },
            CompareSetSetting {
                name: "duo".into(),
                columns: vec!["openai/gpt-4o".into(), "@smart".into()]
            },
        ]
    );

    let config = apply(d, &Edit::RemoveCompareSet { name: "duo".into() }).unwrap();
    assert_eq!(config.compare_sets.keys().collect::<Vec<_>>(), ["coders"]);
    let text = file(d);
    assert!(!text.contains("duo"), "{text}");
    assert!(text.starts_with("# My settings"), "{text}");
}

#[test]
fn refused_compare_set_edits_change_nothing() {
    let start =
        format!("{START}\n[compare_sets.pair]\ncolumns = [\"openai/gpt-4o\", \"@smart\"]\n");
    let dir = dir_with(&start);
    let d = dir.path();
    let cases: Vec<(Edit, &str)> = vec![
        (
            set("one", &["openai/gpt-4o"]),
            "compare_sets.one.columns: a compare set has 2 to 8 columns, 1 given",
        ),
        (set("many", &["openai/gpt-4o"; 9]), "9 given"),
        (
            set("s", &["openai/gpt-4o", "gpt-4o"]),
            "`gpt-4o` is neither provider/model nor @route",
        ),
        (
            set("s", &["openai/gpt-4o", "nosuch/model"]),
            "compare_sets.s.columns: `nosuch/model` is not a provider/model of a known provider",
        ),
        (set("s", &["openai/gpt-4o", "@nosuch"]), "`@nosuch`"),
        (
            set("my set", &["openai/gpt-4o", "@smart"]),
            "compare set name `my set`",
        ),
        (set("", &["openai/gpt-4o", "@smart"]), "compare set name ``"),
        (
            Edit::CompareSet {
                set: CompareSetSetting {
                    name: "x".into(),
                    columns: vec!["openai/gpt-4o".into(), "@smart".into()],
                },
                previous: Some("nosuch".into()),
            },
            "there is no compare set `nosuch` to rename",
        ),
        (
            Edit::RemoveCompareSet {
                name: "nosuch".into(),
            },
            "there is no compare set `nosuch`",
        ),
        (
            Edit::RemoveRoute {
                name: "smart".into(),
            },
            "compare_sets.pair.columns: `@smart`",
        ),
    ];
    for (edit, expected) in cases {
        let err = apply(d, &edit).expect_err(&format!("{edit:?} should be refused"));
        let msg = err.to_string();
        assert!(msg.contains(expected), "{edit:?}: {msg}");
        assert!(!msg.contains('\n'), "one line: {msg}");
        assert_eq!(file(d), start, "{edit:?} left the file as it was");
    }
    assert_eq!(
        std::fs::read_dir(d).unwrap().count(),
        1,
        "no temporary file left behind"
    );
}

#[test]
fn presets_are_written_on_first_edit_and_a_name_is_never_silently_replaced() {
    use roundtable_engine::config::settings::PresetSetting;
    use roundtable_engine::config::PresetConfig;
    let dir = dir_with(START);
    let d = dir.path();
    let preset = |name: &str, t: f32| PresetSetting {
        name: name.into(),
        built_in: false,
        fields: PresetConfig {
            system: Some("Be brief.".into()),
            temperature: Some(t),
            ..Default::default()
        },
    };
    // The first edit writes the built-in examples beside the new one (so they can be changed).
    let config = apply(
        d,
        &Edit::Preset {
            preset: preset("mine", 0.3),
            previous: None,
        },
    )
    .unwrap();
    let names: Vec<String> = config.presets().into_iter().map(|p| p.0).collect();
    assert!(
        names.contains(&"mine".to_string()) && names.contains(&"terse".to_string()),
        "{names:?}"
    );
    let text = file(d);
    assert!(
        text.starts_with("# My settings — keep this comment."),
        "{text}"
    );
    assert!(
        text.contains("[presets.mine]") && text.contains("temperature = 0.3"),
        "{text}"
    );
    // A new preset under an existing name is refused, and so is a rename onto one.
    for previous in [None, Some("mine".to_string())] {
        let err = apply(
            d,
            &Edit::Preset {
                preset: preset("terse", 1.0),
                previous,
            },
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("already a preset `terse`"),
            "{err}"
        );
    }
    assert_eq!(file(d), text, "nothing changed");
    // Editing it under its own name works; deleting a built-in example sticks.
    apply(
        d,
        &Edit::Preset {
            preset: preset("terse", 1.0),
            previous: Some("terse".into()),
        },
    )
    .unwrap();
    let config = apply(
        d,
        &Edit::RemovePreset {
            name: "terse".into(),
        },
    )
    .unwrap();
    assert!(config.presets().iter().all(|p| p.0 != "terse"));
    assert!(Config::load(d).unwrap().preset("terse").is_err());
}

/// `[updates]`: turned on with an address, back to the default address, and refusals (plain http
/// elsewhere, a password in the address, a bad hand-written file) that change nothing.
#[test]
fn update_settings_are_edited_and_checked() {
    use roundtable_engine::config::updates::DEFAULT_URL;
    let dir = dir_with(START);
    let d = dir.path();
    let config = apply(
        d,
        &Edit::Updates {
            enabled: true,
            url: Some(" https://mirror.example/roundtable/latest.json ".into()),
        },
    )
    .unwrap();
    assert!(config.updates.enabled);
    assert_eq!(
        config.updates.url(),
        "https://mirror.example/roundtable/latest.json"
    );
    let shown = view(&config, d, 0).unwrap().updates;
    assert!(shown.enabled && shown.default_url == DEFAULT_URL);
    assert!(file(d).starts_with("# My settings"), "{}", file(d));

    let before = file(d);
    for bad in [
        "http://mirror.example/latest.json",
        "https://me:secret@mirror.example/latest.json",
        "file:///etc/passwd",
    ] {
        let err = apply(
            d,
            &Edit::Updates {
                enabled: true,
                url: Some(bad.into()),
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("updates.url"), "{bad}: {err}");
        assert_eq!(file(d), before, "a refused address changed the file");
    }
    // Loopback may be plain http (a local mirror).
    apply(
        d,
        &Edit::Updates {
            enabled: false,
            url: Some("http://127.0.0.1:8080/latest.json".into()),
        },
    )
    .unwrap();
    let config = apply(
        d,
        &Edit::Updates {
            enabled: false,
            url: None,
        },
    )
    .unwrap();
    assert!(!config.updates.enabled);
    assert_eq!(config.updates.url(), DEFAULT_URL);
    assert!(!file(d).contains("\nurl ="), "{}", file(d));

    // A hand-written bad address is named with its line.
    std::fs::write(
        d.join("config.toml"),
        "[updates]\nenabled = true\nurl = \"http://example.com/x.json\"\n",
    )
    .unwrap();
    let err = Config::load(d).unwrap_err().to_string();
    assert!(
        err.contains("updates.url") && err.contains("plain http"),
        "{err}"
    );
}

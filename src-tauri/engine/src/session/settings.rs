//! A conversation's (or a compare column's) settings: its system prompt and parameters, and the
//! preset they came from. Stored with the conversation, carried to its follow-ups and
//! regenerations, shown in exports.
//!
//! Layers, lowest first: what the conversation (or column) has stored, a preset named for this
//! turn, then what the turn gives itself (a CLI flag, the app's panel). A field set higher wins.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::chat::{ChatRequest, Message, ReasoningEffort};
use crate::config::{Config, PresetConfig};
use crate::error::{Error, Result};

/// A system prompt and parameters; every field optional (the provider's default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct ChatSettings {
    /// The preset these came from, if any (a label: the values are copied).
    pub preset: Option<String>,
    pub system: Option<String>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub max_tokens: Option<u32>,
    pub reasoning: Option<ReasoningEffort>,
    pub stop: Option<Vec<String>>,
    pub seed: Option<u64>,
}

impl ChatSettings {
    /// A preset's values, labelled with its name (its model is the caller's to use).
    pub fn from_preset(name: &str, p: &PresetConfig) -> Self {
        ChatSettings {
            preset: Some(name.to_string()),
            system: p.system.clone(),
            temperature: p.temperature,
            top_p: p.top_p,
            max_tokens: p.max_tokens,
            reasoning: p.reasoning,
            stop: p.stop.clone(),
            seed: p.seed,
        }
    }

    /// A named preset from the config, with its model.
    pub fn preset(config: &Config, name: &str) -> Result<(Self, Option<String>)> {
        let p = config.preset(name)?;
        Ok((ChatSettings::from_preset(name, &p), p.model))
    }

    /// These settings with every field `top` sets put over them. An empty system prompt or stop
    /// list in `top` clears the one below.
    pub fn overlay(mut self, top: &ChatSettings) -> Self {
        fn put<T: Clone>(below: &mut Option<T>, above: &Option<T>) {
            if above.is_some() {
                below.clone_from(above);
            }
        }
        put(&mut self.preset, &top.preset);
        put(&mut self.system, &top.system);
        put(&mut self.temperature, &top.temperature);
        put(&mut self.top_p, &top.top_p);
        put(&mut self.max_tokens, &top.max_tokens);
        put(&mut self.reasoning, &top.reasoning);
        put(&mut self.stop, &top.stop);
        put(&mut self.seed, &top.seed);
        self.tidy()
    }

    /// Empty system prompts and stop lists are none.
    fn tidy(mut self) -> Self {
        if self.system.as_deref().is_some_and(|s| s.trim().is_empty()) {
            self.system = None;
        }
        if self.stop.as_ref().is_some_and(Vec::is_empty) {
            self.stop = None;
        }
        if self.preset.as_deref().is_some_and(str::is_empty) {
            self.preset = None;
        }
        self
    }

    /// Refuses values no provider takes, naming the field.
    pub fn check(&self) -> Result<()> {
        let as_preset = PresetConfig {
            system: None,
            model: None,
            temperature: self.temperature,
            top_p: self.top_p,
            max_tokens: self.max_tokens,
            reasoning: self.reasoning,
            stop: self.stop.clone(),
            seed: self.seed,
        };
        match as_preset.problem() {
            Some((field, why)) => Err(Error::InvalidRequest(format!("{field}: {why}"))),
            None => Ok(()),
        }
    }

    /// The request these settings make of `messages`.
    pub fn request(&self, messages: Vec<Message>) -> ChatRequest {
        ChatRequest {
            system: self.system.clone().filter(|s| !s.trim().is_empty()),
            messages,
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            top_p: self.top_p,
            seed: self.seed,
            stop: self.stop.clone().unwrap_or_default(),
            reasoning: self.reasoning,
            ..Default::default()
        }
    }

    /// The parameters as short phrases (`temperature 0.2`, `seed 7`); the system prompt and
    /// preset are not among them.
    pub fn phrases(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(t) = self.temperature {
            out.push(("temperature", format!("temperature {t}")));
        }
        if let Some(p) = self.top_p {
            out.push(("top_p", format!("top_p {p}")));
        }
        if let Some(m) = self.max_tokens {
            out.push(("max_tokens", format!("max {m} tokens")));
        }
        if let Some(r) = self.reasoning {
            out.push(("reasoning", format!("reasoning {}", r.as_str())));
        }
        if let Some(s) = &self.stop {
            out.push(("stop", format!("stop {s:?}")));
        }
        if let Some(s) = self.seed {
            out.push(("seed", format!("seed {s}")));
        }
        out
    }

    /// The JSON kept in the store (`None` when nothing is set).
    pub(crate) fn to_stored(&self) -> Option<String> {
        let mut s = self.clone();
        s.system = None;
        (s != ChatSettings::default()).then(|| serde_json::to_string(&s).unwrap_or_default())
    }

    /// From the store's JSON and system prompt; a damaged value reads as none.
    pub(crate) fn from_stored(json: Option<&str>, system: Option<String>) -> Self {
        let mut s: ChatSettings = json
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        s.system = system;
        s.tidy()
    }
}

/// What tells each column's settings apart, one label per column (empty when all are alike):
/// the preset's name when the presets differ, else the parameters that differ, else "system
/// prompt N" when only the system prompts do.
pub fn differences(columns: &[ChatSettings]) -> Vec<String> {
    let n = columns.len();
    if n < 2 || columns.iter().all(|c| c == &columns[0]) {
        return vec![String::new(); n];
    }
    let presets_differ = columns.iter().any(|c| c.preset != columns[0].preset);
    let keys = [
        "temperature",
        "top_p",
        "max_tokens",
        "reasoning",
        "stop",
        "seed",
    ];
    let phrases: Vec<Vec<(&str, String)>> = columns.iter().map(ChatSettings::phrases).collect();
    let value = |i: usize, key: &str| {
        phrases[i]
            .iter()
            .find(|(k, _)| *k == key)
            .map(|p| p.1.clone())
    };
    let differing: Vec<&str> = keys
        .into_iter()
        .filter(|k| (1..n).any(|i| value(i, k) != value(0, k)))
        .collect();
    // System prompts numbered in order of first appearance.
    let mut systems: Vec<Option<&str>> = Vec::new();
    for c in columns {
        if !systems.contains(&c.system.as_deref()) {
            systems.push(c.system.as_deref());
        }
    }
    let systems_differ = systems.len() > 1;
    (0..n)
        .map(|i| {
            let c = &columns[i];
            let mut parts: Vec<String> = Vec::new();
            if presets_differ {
                parts.push(c.preset.clone().unwrap_or_else(|| "no preset".into()));
            }
            if !presets_differ {
                for k in &differing {
                    parts.push(
                        value(i, k).unwrap_or_else(|| format!("{} default", k.replace('_', " "))),
                    );
                }
                if systems_differ {
                    let at = systems
                        .iter()
                        .position(|s| *s == c.system.as_deref())
                        .unwrap_or(0);
                    parts.push(match c.system {
                        Some(_) => format!("system prompt {}", at + 1),
                        None => "no system prompt".into(),
                    });
                }
            }
            parts.join(" · ")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(t: f32) -> ChatSettings {
        ChatSettings {
            temperature: Some(t),
            ..Default::default()
        }
    }

    #[test]
    fn layers_put_the_higher_value_over_the_lower() {
        let stored = ChatSettings {
            system: Some("be kind".into()),
            temperature: Some(0.7),
            seed: Some(1),
            ..Default::default()
        };
        let preset = ChatSettings::from_preset(
            "terse",
            &PresetConfig {
                system: Some("one sentence".into()),
                max_tokens: Some(50),
                ..Default::default()
            },
        );
        let flags = temp(0.1);
        let s = stored.overlay(&preset).overlay(&flags);
        assert_eq!(s.preset.as_deref(), Some("terse"));
        assert_eq!(s.system.as_deref(), Some("one sentence"));
        assert_eq!(
            (s.temperature, s.max_tokens, s.seed),
            (Some(0.1), Some(50), Some(1))
        );
        // An empty system prompt given on top clears the one below.
        let cleared = s.overlay(&ChatSettings {
            system: Some(" ".into()),
            ..Default::default()
        });
        assert_eq!(cleared.system, None);
        let r = cleared.request(vec![]);
        assert_eq!(
            (r.temperature, r.max_tokens, r.seed),
            (Some(0.1), Some(50), Some(1))
        );
    }

    #[test]
    fn stored_json_round_trips_without_the_system_prompt() {
        let s = ChatSettings {
            preset: Some("p".into()),
            system: Some("sys".into()),
            stop: Some(vec!["\n\n".into()]),
            reasoning: Some(ReasoningEffort::Low),
            ..Default::default()
        };
        let json = s.to_stored().unwrap();
        assert!(!json.contains("\"sys\""), "{json}");
        assert_eq!(
            ChatSettings::from_stored(Some(&json), Some("sys".into())),
            s
        );
        assert_eq!(ChatSettings::default().to_stored(), None);
        assert_eq!(
            ChatSettings::from_stored(Some("{broken"), None),
            ChatSettings::default()
        );
    }

    #[test]
    fn differences_name_what_tells_columns_apart() {
        assert_eq!(differences(&[temp(0.2), temp(0.2)]), ["", ""]);
        assert_eq!(
            differences(&[temp(0.2), temp(1.0)]),
            ["temperature 0.2", "temperature 1"]
        );
        let sys = |s: Option<&str>| ChatSettings {
            system: s.map(str::to_string),
            ..Default::default()
        };
        assert_eq!(
            differences(&[sys(Some("a")), sys(Some("b")), sys(None)]),
            ["system prompt 1", "system prompt 2", "no system prompt"]
        );
        let pre = |p: Option<&str>, t: f32| ChatSettings {
            preset: p.map(str::to_string),
            temperature: Some(t),
            ..Default::default()
        };
        assert_eq!(
            differences(&[pre(Some("terse"), 0.2), pre(None, 1.0)]),
            ["terse", "no preset"]
        );
        assert_eq!(
            differences(&[temp(0.5), ChatSettings::default()]),
            ["temperature 0.5", "temperature default"]
        );
    }

    #[test]
    fn values_no_provider_takes_are_refused_by_name() {
        assert!(temp(3.0)
            .check()
            .unwrap_err()
            .to_string()
            .contains("temperature"));
        assert!(temp(1.0).check().is_ok());
    }
}

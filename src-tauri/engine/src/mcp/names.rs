//! The names models see for MCP tools: `<server>__<tool>`, in the characters every provider
//! accepts (`[A-Za-z0-9_-]`, at most 64), unique across servers, and mapped back exactly.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// The longest name OpenAI and Anthropic accept.
pub const MAX_CHARS: usize = 64;

/// The namespaced names given out so far, both ways.
#[derive(Debug, Default)]
pub(crate) struct Names {
    by_name: HashMap<String, (String, String)>,
    by_tool: HashMap<(String, String), String>,
}

/// `text` with every character outside `[A-Za-z0-9_-]` replaced by `_`.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// At most `max` bytes of an ASCII string.
fn cut(text: &str, max: usize) -> &str {
    &text[..text.len().min(max)]
}

impl Names {
    /// The name of `server`'s `tool`, given out now if it has none yet.
    pub(crate) fn name(&mut self, server: &str, tool: &str) -> String {
        let key = (server.to_string(), tool.to_string());
        if let Some(name) = self.by_tool.get(&key) {
            return name.clone();
        }
        let plain = format!("{}__{}", clean(server), clean(tool));
        let mut name = cut(&plain, MAX_CHARS).to_string();
        if self.by_name.contains_key(&name) {
            // Another tool cleans or cuts to the same name: a short hash of the real pair tells
            // them apart (and a counter, in the unlikely case that collides too).
            let digest = Sha256::digest(format!("{server}\0{tool}").as_bytes());
            let hash: String = digest[..3].iter().map(|b| format!("{b:02x}")).collect();
            let mut n = 0u32;
            loop {
                let suffix = if n == 0 {
                    format!("_{hash}")
                } else {
                    format!("_{hash}{n}")
                };
                let candidate = format!("{}{suffix}", cut(&plain, MAX_CHARS - suffix.len()));
                if !self.by_name.contains_key(&candidate) {
                    name = candidate;
                    break;
                }
                n += 1;
            }
        }
        self.by_name.insert(name.clone(), key.clone());
        self.by_tool.insert(key, name.clone());
        name
    }

    /// The server and tool a name was given to.
    pub(crate) fn resolve(&self, name: &str) -> Option<(String, String)> {
        self.by_name.get(name).cloned()
    }

    /// Forgets `server`'s tools that are not in `keep` (after it listed its tools again), so the
    /// table stays as large as the tools that exist.
    pub(crate) fn retain(&mut self, server: &str, keep: &[String]) {
        let gone: Vec<(String, String)> = self
            .by_tool
            .keys()
            .filter(|(s, t)| s == server && !keep.contains(t))
            .cloned()
            .collect();
        for key in gone {
            if let Some(name) = self.by_tool.remove(&key) {
                self.by_name.remove(&name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(name: &str) -> bool {
        name.len() <= MAX_CHARS
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    #[test]
    fn names_are_clean_unique_and_reversible() {
        let mut names = Names::default();
        let a = names.name("everything", "echo");
        assert_eq!(a, "everything__echo");
        let b = names.name("misbehave", "echo");
        assert_eq!(b, "misbehave__echo");
        let dotted = names.name("fs", "fs.read");
        assert_eq!(dotted, "fs__fs_read");
        let clash = names.name("fs", "fs_read");
        assert_ne!(clash, dotted);
        assert!(clash.starts_with("fs__fs_read_"), "{clash}");
        let long_tool = "t".repeat(100);
        let long = names.name("server", &long_tool);
        assert_eq!(long.len(), MAX_CHARS);
        let long2 = names.name("server", &format!("{long_tool}2"));
        assert_ne!(long, long2);
        let unicode = names.name("s", "读取文件");
        for n in [&a, &b, &dotted, &clash, &long, &long2, &unicode] {
            assert!(valid(n), "{n}");
        }
        assert_eq!(
            names.resolve(&a),
            Some(("everything".into(), "echo".into()))
        );
        assert_eq!(names.resolve(&clash), Some(("fs".into(), "fs_read".into())));
        assert_eq!(
            names.resolve(&long2),
            Some(("server".into(), format!("{long_tool}2")))
        );
        assert_eq!(names.resolve("nope__x"), None);
        // Asked again, a tool keeps its name.
        assert_eq!(names.name("fs", "fs_read"), clash);
    }

    #[test]
    fn retain_forgets_tools_that_are_gone() {
        let mut names = Names::default();
        let a = names.name("s", "a");
        let b = names.name("s", "b");
        let other = names.name("t", "a");
        names.retain("s", &["b".to_string()]);
        assert_eq!(names.resolve(&a), None);
        assert_eq!(names.resolve(&b), Some(("s".into(), "b".into())));
        assert_eq!(names.resolve(&other), Some(("t".into(), "a".into())));
    }
}

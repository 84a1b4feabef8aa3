//! The JSON Schema check: the keywords structured output uses, validated (draft 2020-12
//! meaning). Known: `type` (a name or a list), `enum`, `const`, `properties`, `required`,
//! `additionalProperties` (false or a schema), `items`, `minItems`, `maxItems`, `minLength`,
//! `maxLength`, `pattern`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `allOf`,
//! `anyOf`, `oneOf`, `not`, and local `$ref`s (`#/$defs/…`, any `#/…` pointer). Annotations
//! (`title`, `description`, `format`, …) are ignored; any other keyword is refused when the suite
//! loads, so a schema never passes by a keyword being skipped silently.

use serde_json::Value;

const KNOWN: &[&str] = &[
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "$ref",
    "$defs",
    "definitions",
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "format",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// Refuses a schema with a keyword this check does not know, a keyword's value of the wrong
/// kind, a bad type name or pattern, or a `$ref` that points at nothing here.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    walk_schema(schema, schema, "#")
}

/// The kind of value each keyword takes.
fn expects(k: &str, v: &Value) -> Result<(), &'static str> {
    let ok = match k {
        "type" => v.is_string() || v.is_array(),
        "enum" | "required" | "allOf" | "anyOf" | "oneOf" | "examples" => v.is_array(),
        "properties" | "$defs" | "definitions" => v.is_object(),
        "additionalProperties" | "items" | "not" => v.is_object() || v.is_boolean(),
        "minItems" | "maxItems" | "minLength" | "maxLength" => v.is_u64(),
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => v.is_number(),
        "pattern" | "$ref" | "$schema" | "$id" | "$comment" | "title" | "description"
        | "format" => v.is_string(),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    Err(match k {
        "type" => "a type name or a list of them",
        "enum" | "required" | "allOf" | "anyOf" | "oneOf" | "examples" => "a list",
        "properties" | "$defs" | "definitions" => "a table of schemas",
        "additionalProperties" | "items" | "not" => "a schema or a boolean",
        "minItems" | "maxItems" | "minLength" | "maxLength" => "a whole number, 0 or more",
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => "a number",
        _ => "a string",
    })
}

fn walk_schema(root: &Value, s: &Value, at: &str) -> Result<(), String> {
    let obj = match s {
        Value::Bool(_) => return Ok(()),
        Value::Object(o) => o,
        _ => return Err(format!("schema at {at} is not an object or a boolean")),
    };
    for (k, v) in obj {
        if !KNOWN.contains(&k.as_str()) {
            return Err(format!(
                "schema at {at}: the keyword `{k}` is not supported by this check"
            ));
        }
        expects(k, v).map_err(|what| format!("schema at {at}: `{k}` must be {what}, not {v}"))?;
        match k.as_str() {
            "type" => {
                let names: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    one => vec![one],
                };
                for n in names {
                    if !n.as_str().is_some_and(|n| TYPES.contains(&n)) {
                        return Err(format!("schema at {at}: unknown type {n}"));
                    }
                }
            }
            "pattern" => {
                let p = v.as_str().unwrap_or_default();
                regex::Regex::new(p).map_err(|e| format!("schema at {at}: pattern: {e}"))?;
            }
            "$ref" => {
                let r = v.as_str().unwrap_or_default();
                let found = r.strip_prefix('#').and_then(|p| root.pointer(p));
                if !found.is_some_and(|f| f.is_object() || f.is_boolean()) {
                    return Err(format!(
                        "schema at {at}: $ref {r:?} points at no schema here (only #/… references to schemas are followed)"
                    ));
                }
            }
            "required" if v.as_array().into_iter().flatten().any(|n| !n.is_string()) => {
                return Err(format!(
                    "schema at {at}: `required` must list property names"
                ));
            }
            "properties" | "$defs" | "definitions" => {
                for (name, sub) in v.as_object().into_iter().flatten() {
                    walk_schema(root, sub, &format!("{at}/{k}/{name}"))?;
                }
            }
            "items" | "not" | "additionalProperties" => walk_schema(root, v, &format!("{at}/{k}"))?,
            "allOf" | "anyOf" | "oneOf" => {
                for (i, sub) in v.as_array().into_iter().flatten().enumerate() {
                    walk_schema(root, sub, &format!("{at}/{k}/{i}"))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks `value` against `schema`; the error names where (a JSON pointer) and what.
pub fn validate(schema: &Value, value: &Value) -> Result<(), String> {
    let mut v = Validator {
        root: schema,
        depth: 0,
        steps: 0,
        exhausted: None,
    };
    let verdict = v.check(schema, value, "");
    match v.exhausted {
        Some(e) => Err(e),
        None => verdict,
    }
}

/// The most schema nodes one validation visits (a schema whose branches refer to themselves
/// would otherwise take exponential time).
const MAX_STEPS: usize = 100_000;

struct Validator<'a> {
    root: &'a Value,
    depth: usize,
    steps: usize,
    /// A cap was reached: the error goes straight out, never read as "this branch did not
    /// match" by `not`, `anyOf` or `oneOf`.
    exhausted: Option<String>,
}

/// Equal as JSON values, numbers by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
    }
}

fn is_type(v: &Value, name: &str) -> bool {
    let t = type_of(v);
    t == name || (name == "number" && t == "integer")
}

impl<'a> Validator<'a> {
    fn resolve(&self, r: &str) -> Result<&'a Value, String> {
        let pointer = r.strip_prefix('#').ok_or_else(|| {
            format!("$ref {r:?}: only references inside the schema (#/…) are followed")
        })?;
        self.root
            .pointer(pointer)
            .ok_or_else(|| format!("$ref {r:?} points at nothing"))
    }

    fn check(&mut self, s: &'a Value, v: &Value, at: &str) -> Result<(), String> {
        let here = if at.is_empty() { "/" } else { at };
        let obj = match s {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => return Err(format!("at {here}: no value is allowed here")),
            Value::Object(o) => o,
            _ => return Ok(()),
        };
        if let Some(e) = &self.exhausted {
            return Err(e.clone());
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            let e = format!(
                "the schema took over {MAX_STEPS} steps to check (it refers to itself too much)"
            );
            self.exhausted = Some(e.clone());
            return Err(e);
        }
        if self.depth >= 64 {
            let e = "the schema refers to itself too deeply (over 64 levels)".to_string();
            self.exhausted = Some(e.clone());
            return Err(e);
        }
        self.depth += 1;
        let result = self.keywords(obj, v, at, here);
        self.depth -= 1;
        result
    }

    fn keywords(
        &mut self,
        obj: &'a serde_json::Map<String, Value>,
        v: &Value,
        at: &str,
        here: &str,
    ) -> Result<(), String> {
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            let target = self.resolve(r)?;
            self.check(target, v, at)?;
        }
        if let Some(t) = obj.get("type") {
            let names: Vec<&str> = match t {
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                Value::String(s) => vec![s.as_str()],
                _ => Vec::new(),
            };
            if !names.is_empty() && !names.iter().any(|n| is_type(v, n)) {
                return Err(format!(
                    "at {here}: expected {}, got {}",
                    names.join(" or "),
                    type_of(v)
                ));
            }
        }
        if let Some(Value::Array(options)) = obj.get("enum") {
            if !options.iter().any(|o| same(o, v)) {
                return Err(format!(
                    "at {here}: {v} is not one of {}",
                    Value::Array(options.clone())
                ));
            }
        }
        if let Some(c) = obj.get("const") {
            if !same(c, v) {
                return Err(format!("at {here}: expected {c}, got {v}"));
            }
        }
        match v {
            Value::Object(map) => {
                for name in obj
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !map.contains_key(name) {
                        return Err(format!("at {here}: the property {name:?} is missing"));
                    }
                }
                let props = obj.get("properties").and_then(Value::as_object);
                for (k, val) in map {
                    let path = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    match props.and_then(|p| p.get(k)) {
                        Some(sub) => self.check(sub, val, &path)?,
                        None => match obj.get("additionalProperties") {
                            Some(Value::Bool(false)) => {
                                return Err(format!("at {here}: the property {k:?} is not allowed"))
                            }
                            Some(sub) => self.check(sub, val, &path)?,
                            None => {}
                        },
                    }
                }
            }
            Value::Array(items) => {
                let n = items.len() as u64;
                if let Some(min) = obj.get("minItems").and_then(Value::as_u64) {
                    if n < min {
                        return Err(format!("at {here}: {n} items, at least {min} needed"));
                    }
                }
                if let Some(max) = obj.get("maxItems").and_then(Value::as_u64) {
                    if n > max {
                        return Err(format!("at {here}: {n} items, at most {max} allowed"));
                    }
                }
                if let Some(sub) = obj.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(sub, item, &format!("{at}/{i}"))?;
                    }
                }
            }
            Value::String(text) => {
                let n = text.chars().count() as u64;
                if let Some(min) = obj.get("minLength").and_then(Value::as_u64) {
                    if n < min {
                        return Err(format!("at {here}: {n} characters, at least {min} needed"));
                    }
                }
                if let Some(max) = obj.get("maxLength").and_then(Value::as_u64) {
                    if n > max {
                        return Err(format!("at {here}: {n} characters, at most {max} allowed"));
                    }
                }
                if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
                    let re = regex::Regex::new(p).map_err(|e| format!("pattern {p:?}: {e}"))?;
                    if !re.is_match(text) {
                        return Err(format!("at {here}: {text:?} does not match /{p}/"));
                    }
                }
            }
            Value::Number(num) => {
                let x = num.as_f64().unwrap_or(f64::NAN);
                let bound = |k: &str| obj.get(k).and_then(Value::as_f64);
                if bound("minimum").is_some_and(|m| x < m)
                    || bound("maximum").is_some_and(|m| x > m)
                    || bound("exclusiveMinimum").is_some_and(|m| x <= m)
                    || bound("exclusiveMaximum").is_some_and(|m| x >= m)
                {
                    return Err(format!("at {here}: {x} is out of the allowed range"));
                }
            }
            _ => {}
        }
        if let Some(Value::Array(all)) = obj.get("allOf") {
            for sub in all {
                self.check(sub, v, at)?;
            }
        }
        if let Some(Value::Array(any)) = obj.get("anyOf") {
            let mut last = String::new();
            if !any.iter().any(|sub| match self.check(sub, v, at) {
                Ok(()) => true,
                Err(e) => {
                    last = e;
                    false
                }
            }) {
                if let Some(e) = &self.exhausted {
                    return Err(e.clone());
                }
                return Err(format!("at {here}: matches none of anyOf ({last})"));
            }
        }
        if let Some(Value::Array(one)) = obj.get("oneOf") {
            let n = one
                .iter()
                .filter(|sub| self.check(sub, v, at).is_ok())
                .count();
            if let Some(e) = &self.exhausted {
                return Err(e.clone());
            }
            if n != 1 {
                return Err(format!("at {here}: matches {n} of oneOf, exactly 1 needed"));
            }
        }
        if let Some(not) = obj.get("not") {
            let matched = self.check(not, v, at).is_ok();
            if let Some(e) = &self.exhausted {
                return Err(e.clone());
            }
            if matched {
                return Err(format!("at {here}: matches what `not` forbids"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validates_the_structured_output_keywords() {
        let schema = json!({
            "type": "object",
            "$defs": {"tag": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5}},
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "age": {"type": "integer", "minimum": 0, "exclusiveMaximum": 150},
                "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}, "maxItems": 2},
                "kind": {"enum": ["a", "b"]},
                "x": {"anyOf": [{"type": "null"}, {"type": "number"}]}
            },
            "required": ["name", "age"],
            "additionalProperties": false
        });
        check_schema(&schema).unwrap();
        validate(
            &schema,
            &json!({"name": "Ada", "age": 36, "tags": ["x"], "kind": "a", "x": null}),
        )
        .unwrap();
        let bad = [
            (json!({"name": "Ada"}), "\"age\" is missing"),
            (
                json!({"name": "Ada", "age": "36"}),
                "at /age: expected integer",
            ),
            (json!({"name": "Ada", "age": 150}), "range"),
            (
                json!({"name": "Ada", "age": 1, "tags": ["UP"]}),
                "at /tags/0",
            ),
            (
                json!({"name": "Ada", "age": 1, "tags": ["a", "b", "c"]}),
                "at most 2",
            ),
            (json!({"name": "Ada", "age": 1, "kind": "c"}), "not one of"),
            (json!({"name": "Ada", "age": 1, "extra": 1}), "not allowed"),
            (json!({"name": "", "age": 1}), "at least 1"),
            (json!({"name": "Ada", "age": 1, "x": "s"}), "anyOf"),
        ];
        for (value, says) in bad {
            let e = validate(&schema, &value).unwrap_err();
            assert!(e.contains(says), "{value}: {e}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_check() {
        assert!(
            check_schema(&json!({"type": "object", "patternProperties": {}}))
                .unwrap_err()
                .contains("patternProperties")
        );
        assert!(check_schema(&json!({"type": "strng"})).is_err());
        assert!(check_schema(&json!({"pattern": "("})).is_err());
        let looped = json!({"$ref": "#"});
        assert!(validate(&looped, &json!(1)).unwrap_err().contains("deeply"));
        // Branches that refer to themselves end at the step cap, not in exponential time.
        let branching = json!({"anyOf": [{"$ref": "#"}, {"$ref": "#"}]});
        assert!(validate(&branching, &json!(1))
            .unwrap_err()
            .contains("deeply"));
        // A cap reached under `not` is an error, never a match turned around.
        let big: Vec<u32> = (0..150_000).collect();
        let not = json!({"not": {"type": "array", "items": {"type": "integer"}}});
        assert!(validate(&not, &json!(big)).unwrap_err().contains("steps"));
        assert!(validate(&json!({"not": {"$ref": "#"}}), &json!(1))
            .unwrap_err()
            .contains("deeply"));
        assert!(check_schema(&json!({"$ref": "#/required", "required": ["a"]})).is_err());
        // A keyword's value of the wrong kind, a $ref to nothing: refused at load.
        for bad in [
            json!({"required": "name"}),
            json!({"minimum": "3"}),
            json!({"enum": "a"}),
            json!({"properties": []}),
            json!({"exclusiveMinimum": true}),
            json!({"$ref": "#/$defs/missing"}),
            json!({"$ref": "https://example.com/s.json"}),
        ] {
            assert!(check_schema(&bad).is_err(), "{bad}");
        }
        // Numbers compare by value.
        validate(&json!({"enum": [1, 2]}), &json!(1.0)).unwrap();
        validate(&json!({"const": {"a": [2.0]}}), &json!({"a": [2]})).unwrap();
    }
}

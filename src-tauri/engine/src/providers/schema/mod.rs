//! JSON Schema to Gemini's `Schema`: the OpenAPI 3.0 subset that `functionDeclarations[]
//! .parameters` and `generationConfig.responseSchema` take (`wire-formats-parts-tools.md` §3c).
//! It owns the translation and its refusals; it does not send `parametersJsonSchema` (which
//! honours a different keyword list) and checks nothing a schema says about values.
//!
//! **Translated.** `type` to its upper-case name; a type list holding `"null"` to one type plus
//! `nullable: true`, and a list of several types to `anyOf` of one branch per type (each with
//! the keywords that apply to it); `const` (a string) to a one-element `enum`; `oneOf` to
//! `anyOf` (exclusivity is lost, the shape is kept); an `anyOf`/`oneOf` branch that is only
//! `null` to `nullable: true`, and a single branch left to the schema itself; `allOf` of one
//! schema merged into its parent; local `$ref`s (`#/$defs/…`, `#/definitions/…`, any `#/…`
//! pointer) inlined, with the referring schema's own keywords kept over the target's; a
//! missing `type` inferred from `properties` (object), `items` (array) or `enum` (string);
//! `propertyOrdering` added (the declared order) to objects of several properties, as Google's
//! SDK does. Kept as they are: `format` where Gemini knows it, `title`, `description`,
//! `nullable`, string `enum`, `items`, `properties`, `required` (only names among the
//! properties), `minItems`, `maxItems`, `minLength`, `maxLength`, `minProperties`,
//! `maxProperties`, `pattern`, `minimum`, `maximum`, `default`, `example`.
//!
//! **Dropped**, because they only narrow which values are valid or annotate the schema: the
//! model may then send a value the tool refuses, and the tool's own check answers it with an
//! error result. `$schema`, `$id`, `$comment`, `$anchor`, `$vocabulary`, `$defs` and
//! `definitions` (after inlining), `additionalProperties` (the Developer API refuses it),
//! `patternProperties`, `propertyNames`, `unevaluatedProperties`, `unevaluatedItems`,
//! `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `uniqueItems`, `contains`,
//! `minContains`, `maxContains`, `dependentRequired`, `dependencies`, `readOnly`, `writeOnly`,
//! `deprecated`, `examples`, `contentEncoding`, `contentMediaType`, a `format` Gemini does not
//! take (strings: only `enum` and `date-time`; numbers: `float`, `double`; integers: `int32`,
//! `int64`), an empty `enum`, and any keyword not named here (vendor extensions such as
//! `x-…`). An object schema with no properties as a tool's parameters: the `parameters` field
//! is left out, which declares a tool without arguments.
//!
//! **Refused**, with the keyword and where it is, because dropping them would change the shape
//! of what the model must write: `not`, `if`/`then`/`else`, `dependentSchemas`, `prefixItems`
//! and `items` given as a list (tuples), `allOf` of several schemas, an `enum` or `const`
//! value that is not a string (Gemini's enums are strings only; writing `1` as `"1"` would
//! change the arguments' types), `$dynamicRef`/`$recursiveRef`, a `$ref` that is not local or
//! points nowhere, a recursive `$ref` (Gemini has no references, and a cycle cannot be
//! inlined), both `anyOf` and `oneOf` on one schema, several `type`s together with `anyOf`,
//! the `false` schema, a schema nested deeper than [`MAX_DEPTH`] levels or growing past
//! [`MAX_NODES`] sub-schemas once inlined, and, for a tool's parameters, a top level that is
//! not one object.

use std::fmt;

use serde_json::{json, Map, Value};

/// The deepest nesting translated (inlined references count as levels).
pub(crate) const MAX_DEPTH: usize = 32;
/// The most sub-schemas one translation may produce (inlining can multiply a schema).
pub(crate) const MAX_NODES: usize = 5_000;

/// Keywords that cannot be dropped without changing what the model must write.
const REFUSED: [&str; 8] = [
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "prefixItems",
    "$dynamicRef",
    "$recursiveRef",
];

/// Keywords that apply to one type only: split among the branches of a type list.
const STRING_KEYS: [&str; 5] = ["format", "enum", "minLength", "maxLength", "pattern"];
const NUMBER_KEYS: [&str; 3] = ["format", "minimum", "maximum"];
const ARRAY_KEYS: [&str; 3] = ["items", "minItems", "maxItems"];
const OBJECT_KEYS: [&str; 5] = [
    "properties",
    "required",
    "propertyOrdering",
    "minProperties",
    "maxProperties",
];
/// Keywords that stay on the schema holding a type list's branches.
const GENERIC_KEYS: [&str; 5] = ["title", "description", "nullable", "default", "example"];

/// What Gemini's schema cannot say, and where in the schema it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The keyword (in backticks) or the construct, with why when it is not plain.
    pub what: String,
    /// The dotted path to it (`properties.query.items`); empty at the top level.
    pub at: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gemini cannot express {}", self.what)?;
        if self.at.is_empty() {
            f.write_str(" (at the top level)")
        } else {
            write!(f, " (at `{}`)", self.at)
        }
    }
}

/// A tool's parameters in Gemini's words; `None` for a tool without arguments (no schema, or
/// an object schema with no properties), whose declaration leaves `parameters` out.
pub(crate) fn parameters(schema: &Value) -> Result<Option<Value>, Refusal> {
    if schema.is_null() {
        return Ok(None);
    }
    let out = Translator::new(schema).schema(schema, "", 0)?;
    let refuse = |what: String| {
        Err(Refusal {
            what,
            at: "".into(),
        })
    };
    if out.contains_key("anyOf") {
        return refuse(
            "`anyOf` at the top of a tool's parameters (they must be one object)".into(),
        );
    }
    match out.get("type").and_then(Value::as_str) {
        None | Some("OBJECT") => {}
        Some(other) => {
            return refuse(format!(
                "parameters of type `{}` (a tool's parameters must be an object)",
                other.to_ascii_lowercase()
            ))
        }
    }
    let no_properties = out
        .get("properties")
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty);
    Ok((!no_properties).then_some(Value::Object(out)))
}

/// A response schema in Gemini's words; `None` when it says nothing (`{}` or `true`).
pub(crate) fn response(schema: &Value) -> Result<Option<Value>, Refusal> {
    let out = Translator::new(schema).schema(schema, "", 0)?;
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

struct Translator<'a> {
    root: &'a Value,
    nodes: usize,
    /// The references being inlined on the way down to the current schema.
    expanding: Vec<String>,
}

fn child(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

fn gemini_type(t: &str) -> Option<&'static str> {
    Some(match t {
        "string" => "STRING",
        "number" => "NUMBER",
        "integer" => "INTEGER",
        "boolean" => "BOOLEAN",
        "array" => "ARRAY",
        "object" => "OBJECT",
        _ => return None,
    })
}

/// The keywords of a type list's branch for Gemini type `t`.
fn keys_of(t: &str) -> &'static [&'static str] {
    match t {
        "STRING" => &STRING_KEYS,
        "NUMBER" | "INTEGER" => &NUMBER_KEYS,
        "ARRAY" => &ARRAY_KEYS,
        "OBJECT" => &OBJECT_KEYS,
        _ => &[],
    }
}

fn format_fits(format: &str, types: &[&str]) -> bool {
    types.iter().any(|t| match *t {
        "STRING" => matches!(format, "enum" | "date-time"),
        "NUMBER" => matches!(format, "float" | "double"),
        "INTEGER" => matches!(format, "int32" | "int64"),
        _ => false,
    })
}

/// A translated branch that only says "null" (`{"type": "null"}`, perhaps described).
fn only_null(t: &Map<String, Value>) -> bool {
    t.get("type").and_then(Value::as_str) == Some("NULL")
        && t.keys()
            .all(|k| matches!(k.as_str(), "type" | "description" | "title" | "nullable"))
}

impl<'a> Translator<'a> {
    fn new(root: &'a Value) -> Self {
        Translator {
            root,
            nodes: 0,
            expanding: Vec::new(),
        }
    }

    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        if pointer.is_empty() {
            Some(self.root)
        } else {
            self.root.pointer(pointer)
        }
    }

    fn schema(&mut self, s: &Value, at: &str, depth: usize) -> Result<Map<String, Value>, Refusal> {
        let refuse = |what: String| {
            Err(Refusal {
                what,
                at: at.into(),
            })
        };
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return refuse(format!(
                "a schema of more than {MAX_NODES} sub-schemas (once its `$ref`s are inlined)"
            ));
        }
        if depth > MAX_DEPTH {
            return refuse(format!("a schema nested deeper than {MAX_DEPTH} levels"));
        }
        let obj = match s {
            Value::Object(o) => o,
            Value::Bool(true) => return Ok(Map::new()),
            Value::Bool(false) => return refuse("`false` (a schema no value matches)".into()),
            other => return refuse(format!("`{other}` where a schema should be")),
        };
        if let Some(r) = obj.get("$ref") {
            return self.reference(obj, r, at, depth);
        }
        if let Some(k) = REFUSED.iter().find(|k| obj.contains_key(**k)) {
            return refuse(format!("`{k}`"));
        }
        if let Some(all) = obj.get("allOf") {
            let Some(branches) = all.as_array() else {
                return refuse("an `allOf` that is not a list".into());
            };
            match branches.as_slice() {
                [] => {}
                [one] => {
                    let mut merged = match one {
                        Value::Object(b) => b.clone(),
                        Value::Bool(true) => Map::new(),
                        _ => return refuse("an `allOf` schema that is not an object".into()),
                    };
                    for (k, v) in obj.iter().filter(|(k, _)| *k != "allOf") {
                        merged.insert(k.clone(), v.clone());
                    }
                    return self.schema(&Value::Object(merged), at, depth + 1);
                }
                several => {
                    return refuse(format!(
                        "`allOf` of {} schemas (it has no way to combine schemas)",
                        several.len()
                    ))
                }
            }
        }

        let mut nullable = obj.get("nullable").and_then(Value::as_bool) == Some(true);
        let mut types: Vec<&'static str> = Vec::new();
        let mut null_type = false;
        match obj.get("type") {
            None => {}
            Some(Value::String(t)) if t == "null" => null_type = true,
            Some(Value::String(t)) => match gemini_type(t) {
                Some(g) => types.push(g),
                None => return refuse(format!("`type` `{t}`")),
            },
            Some(Value::Array(list)) => {
                for t in list {
                    match t.as_str() {
                        Some("null") => nullable = true,
                        Some(t) => match gemini_type(t) {
                            Some(g) if !types.contains(&g) => types.push(g),
                            Some(_) => {}
                            None => return refuse(format!("`type` `{t}`")),
                        },
                        None => return refuse(format!("`type` `{t}`")),
                    }
                }
                null_type = types.is_empty() && nullable;
            }
            Some(other) => return refuse(format!("`type` `{other}`")),
        }

        let mut enum_values: Option<Vec<Value>> = None;
        if let Some(e) = obj.get("enum") {
            let Some(list) = e.as_array() else {
                return refuse("an `enum` that is not a list".into());
            };
            let mut values = Vec::new();
            for v in list {
                match v {
                    Value::String(_) => values.push(v.clone()),
                    Value::Null => nullable = true,
                    other => {
                        return refuse(format!(
                            "`enum` with the value {other} (its enums are strings only)"
                        ))
                    }
                }
            }
            enum_values = (!values.is_empty()).then_some(values);
        }
        match obj.get("const") {
            None => {}
            Some(Value::String(c)) => enum_values = Some(vec![json!(c)]),
            Some(Value::Null) => null_type = types.is_empty(),
            Some(other) => {
                return refuse(format!(
                    "`const` with the value {other} (its enums are strings only)"
                ))
            }
        }
        if types.is_empty() && !null_type {
            if obj.contains_key("properties") {
                types.push("OBJECT");
            } else if obj.contains_key("items") {
                types.push("ARRAY");
            } else if enum_values.is_some() {
                types.push("STRING");
            }
        }

        let mut out = Map::new();
        match types.as_slice() {
            [one] => {
                out.insert("type".into(), json!(one));
            }
            [] if null_type => {
                out.insert("type".into(), json!("NULL"));
            }
            _ => {}
        }
        if let Some(f) = obj.get("format").and_then(Value::as_str) {
            if format_fits(f, &types) {
                out.insert("format".into(), json!(f));
            }
        }
        for k in ["title", "description"] {
            if let Some(v) = obj.get(k).filter(|v| v.is_string()) {
                out.insert(k.into(), v.clone());
            }
        }
        if let Some(values) = enum_values {
            out.insert("enum".into(), Value::Array(values));
        }
        match obj.get("items") {
            None => {}
            Some(Value::Array(_)) => return refuse("`items` given as a list (a tuple)".into()),
            Some(items) => {
                let t = self.schema(items, &child(at, "items"), depth + 1)?;
                out.insert("items".into(), Value::Object(t));
            }
        }
        for k in [
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "minProperties",
            "maxProperties",
        ] {
            if let Some(n) = obj.get(k).filter(|v| v.is_u64()) {
                out.insert(k.into(), n.clone());
            }
        }
        if let Some(p) = obj.get("pattern").filter(|v| v.is_string()) {
            out.insert("pattern".into(), p.clone());
        }
        for k in ["minimum", "maximum"] {
            if let Some(n) = obj.get(k).filter(|v| v.is_number()) {
                out.insert(k.into(), n.clone());
            }
        }
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            let at_props = child(at, "properties");
            let mut translated = Map::new();
            for (name, sub) in props {
                let t = self.schema(sub, &child(&at_props, name), depth + 1)?;
                translated.insert(name.clone(), Value::Object(t));
            }
            let required: Vec<Value> = obj
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|r| r.as_str().is_some_and(|r| translated.contains_key(r)))
                .cloned()
                .collect();
            let ordering = match obj.get("propertyOrdering") {
                Some(Value::Array(o)) => Some(Value::Array(o.clone())),
                _ => (translated.len() > 1)
                    .then(|| Value::Array(translated.keys().map(|k| json!(k)).collect())),
            };
            out.insert("properties".into(), Value::Object(translated));
            if !required.is_empty() {
                out.insert("required".into(), Value::Array(required));
            }
            if let Some(o) = ordering {
                out.insert("propertyOrdering".into(), o);
            }
        }
        for k in ["default", "example"] {
            if let Some(v) = obj.get(k) {
                out.insert(k.into(), v.clone());
            }
        }

        let choice = match (obj.get("anyOf"), obj.get("oneOf")) {
            (Some(_), Some(_)) => return refuse("both `anyOf` and `oneOf` on one schema".into()),
            (Some(a), None) => Some(("anyOf", a)),
            (None, Some(o)) => Some(("oneOf", o)),
            (None, None) => None,
        };
        if let Some((key, branches)) = choice {
            let Some(branches) = branches.as_array() else {
                return refuse(format!("a `{key}` that is not a list"));
            };
            let at_key = child(at, key);
            let mut alternatives = Vec::new();
            for (i, b) in branches.iter().enumerate() {
                let t = self.schema(b, &child(&at_key, &i.to_string()), depth + 1)?;
                if only_null(&t) {
                    nullable = true;
                } else {
                    alternatives.push(t);
                }
            }
            match alternatives.len() {
                0 => {}
                1 => {
                    // One schema left: it is the schema, under the parent's own keywords.
                    let mut merged = alternatives.pop().unwrap_or_default();
                    for (k, v) in out {
                        merged.insert(k, v);
                    }
                    out = merged;
                }
                _ if types.len() > 1 => {
                    return refuse(format!("a list of `type`s together with `{key}`"))
                }
                _ => {
                    let list = alternatives.into_iter().map(Value::Object).collect();
                    out.insert("anyOf".into(), Value::Array(list));
                }
            }
        }

        if types.len() > 1 {
            out = split_types(out, &types);
        }
        if nullable {
            out.insert("nullable".into(), json!(true));
        }
        Ok(out)
    }

    /// A schema with `$ref`: the target, under the referring schema's own keywords.
    fn reference(
        &mut self,
        obj: &Map<String, Value>,
        reference: &Value,
        at: &str,
        depth: usize,
    ) -> Result<Map<String, Value>, Refusal> {
        let refuse = |what: String| {
            Err(Refusal {
                what,
                at: at.into(),
            })
        };
        let Some(r) = reference.as_str() else {
            return refuse("a `$ref` that is not a string".into());
        };
        let Some(target) = self.resolve(r) else {
            return refuse(format!(
                "`$ref` to `{r}` (only references inside the schema, such as `#/$defs/…`, \
                 can be inlined)"
            ));
        };
        if self.expanding.iter().any(|e| e == r) {
            return refuse(format!(
                "`$ref` to `{r}`, which refers back to itself (a recursive schema)"
            ));
        }
        let mut merged = match target {
            Value::Object(t) => t.clone(),
            Value::Bool(true) => Map::new(),
            _ => return refuse(format!("`$ref` to `{r}`, which is not a schema")),
        };
        for (k, v) in obj.iter().filter(|(k, _)| *k != "$ref") {
            merged.insert(k.clone(), v.clone());
        }
        self.expanding.push(r.to_string());
        let out = self.schema(&Value::Object(merged), at, depth + 1);
        self.expanding.pop();
        out
    }
}

/// A schema of several types as `anyOf` of one branch per type, each with its own keywords.
fn split_types(out: Map<String, Value>, types: &[&'static str]) -> Map<String, Value> {
    let mut parent = Map::new();
    let mut branches = Vec::new();
    for t in types {
        let mut branch = Map::new();
        branch.insert("type".into(), json!(t));
        for k in keys_of(t) {
            let fits = *k != "format"
                || out
                    .get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|f| format_fits(f, &[t]));
            if let Some(v) = out.get(*k).filter(|_| fits) {
                branch.insert((*k).into(), v.clone());
            }
        }
        branches.push(Value::Object(branch));
    }
    for k in GENERIC_KEYS {
        if let Some(v) = out.get(k) {
            parent.insert(k.into(), v.clone());
        }
    }
    parent.insert("anyOf".into(), Value::Array(branches));
    parent
}

#[cfg(test)]
mod tests;

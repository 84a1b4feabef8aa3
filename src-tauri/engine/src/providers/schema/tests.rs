//! The translation's cases: each kept, dropped and refused keyword, references and their bounds.

use super::*;

fn params(s: Value) -> Value {
    parameters(&s).unwrap().expect("parameters")
}

fn refused(s: Value) -> Refusal {
    parameters(&s).unwrap_err()
}

/// `{"type":"object","properties":{"x": <sub>}}`.
fn with_x(sub: Value) -> Value {
    json!({"type": "object", "properties": {"x": sub}})
}

#[test]
fn types_become_upper_case_and_a_null_in_a_type_list_becomes_nullable() {
    let out = params(json!({
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": ["string", "null"]}},
        "required": ["city", "unit"]
    }));
    assert_eq!(
        out,
        json!({
            "type": "OBJECT",
            "properties": {"city": {"type": "STRING"}, "unit": {"type": "STRING", "nullable": true}},
            "required": ["city", "unit"],
            "propertyOrdering": ["city", "unit"]
        })
    );
}

#[test]
fn several_types_become_any_of_with_their_own_keywords() {
    let out = params(with_x(json!({
        "type": ["string", "integer", "null"], "description": "id or name",
        "maxLength": 9, "minimum": 1, "format": "int64"
    })));
    assert_eq!(
        out["properties"]["x"],
        json!({"description": "id or name", "nullable": true, "anyOf": [
            {"type": "STRING", "maxLength": 9},
            {"type": "INTEGER", "format": "int64", "minimum": 1}
        ]})
    );
}

#[test]
fn const_becomes_a_one_element_enum() {
    let out = params(with_x(json!({"const": "fast"})));
    assert_eq!(
        out["properties"]["x"],
        json!({"type": "STRING", "enum": ["fast"]})
    );
    let out = params(with_x(json!({"enum": ["a", "b", null]})));
    assert_eq!(
        out["properties"]["x"],
        json!({"type": "STRING", "enum": ["a", "b"], "nullable": true})
    );
}

#[test]
fn each_dropped_keyword_is_dropped() {
    let dropped = [
        (
            "$schema",
            json!("https://json-schema.org/draft/2020-12/schema"),
        ),
        ("$id", json!("urn:x")),
        ("$comment", json!("note")),
        ("$anchor", json!("a")),
        ("additionalProperties", json!(false)),
        ("patternProperties", json!({"^x": {"type": "string"}})),
        ("propertyNames", json!({"pattern": "^[a-z]+$"})),
        ("unevaluatedProperties", json!(false)),
        ("exclusiveMinimum", json!(0)),
        ("exclusiveMaximum", json!(10)),
        ("multipleOf", json!(2)),
        ("uniqueItems", json!(true)),
        ("contains", json!({"type": "string"})),
        ("minContains", json!(1)),
        ("dependentRequired", json!({"a": ["b"]})),
        ("readOnly", json!(true)),
        ("deprecated", json!(true)),
        ("examples", json!(["x"])),
        ("x-vendor", json!({"anything": 1})),
    ];
    for (keyword, value) in dropped {
        let mut sub = json!({"type": "string", "description": "d"});
        sub[keyword] = value;
        let out = params(with_x(sub));
        assert_eq!(
            out["properties"]["x"],
            json!({"type": "STRING", "description": "d"}),
            "{keyword} is dropped"
        );
    }
    // At the top level too (MCP servers send `$schema` and `additionalProperties`).
    let out = params(json!({
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
        "properties": {"q": {"type": "string"}}, "additionalProperties": false
    }));
    assert_eq!(
        out,
        json!({"type": "OBJECT", "properties": {"q": {"type": "STRING"}}})
    );
}

#[test]
fn only_formats_gemini_takes_are_kept() {
    for (sub, kept) in [
        (json!({"type": "string", "format": "date-time"}), true),
        (json!({"type": "string", "format": "email"}), false),
        (json!({"type": "string", "format": "uri"}), false),
        (json!({"type": "integer", "format": "int32"}), true),
        (json!({"type": "number", "format": "double"}), true),
        (json!({"type": "number", "format": "int32"}), false),
    ] {
        let out = params(with_x(sub.clone()));
        assert_eq!(
            out["properties"]["x"].get("format").is_some(),
            kept,
            "{sub}"
        );
    }
}

#[test]
fn each_refused_keyword_is_named_with_its_place() {
    let refusals = [
        (json!({"not": {"type": "null"}}), "`not`"),
        (
            json!({"if": {"type": "string"}, "then": {"minLength": 1}}),
            "`if`",
        ),
        (json!({"then": {}}), "`then`"),
        (json!({"else": {}}), "`else`"),
        (json!({"dependentSchemas": {"a": {}}}), "`dependentSchemas`"),
        (
            json!({"type": "array", "prefixItems": [{"type": "string"}]}),
            "`prefixItems`",
        ),
        (
            json!({"type": "array", "items": [{"type": "string"}]}),
            "`items` given as a list",
        ),
        (
            json!({"allOf": [{"type": "string"}, {"minLength": 1}]}),
            "`allOf` of 2 schemas",
        ),
        (json!({"enum": [1, 2, 3]}), "`enum` with the value 1"),
        (json!({"const": true}), "`const` with the value true"),
        (json!({"$dynamicRef": "#meta"}), "`$dynamicRef`"),
        (
            json!({"$ref": "https://example.com/s.json"}),
            "`$ref` to `https://example.com/s.json`",
        ),
        (
            json!({"$ref": "#/$defs/Missing"}),
            "`$ref` to `#/$defs/Missing`",
        ),
        (
            json!({"anyOf": [{"type": "string"}], "oneOf": [{"type": "integer"}]}),
            "both `anyOf` and `oneOf`",
        ),
        (json!({"type": "date"}), "`type` `date`"),
        (json!(false), "`false`"),
    ];
    for (sub, named) in refusals {
        let r = refused(with_x(sub.clone()));
        assert!(r.what.contains(named), "{sub}: {r}");
        assert!(r.at.starts_with("properties.x"), "{sub}: {}", r.at);
        assert!(r.to_string().starts_with("Gemini cannot express"));
    }
}

#[test]
fn refs_are_inlined_with_the_referrers_own_keywords() {
    let out = params(json!({
        "type": "object",
        "$defs": {"Place": {"type": "object", "description": "a place",
            "properties": {"city": {"type": "string"}}, "required": ["city"]}},
        "properties": {
            "from": {"$ref": "#/$defs/Place", "description": "where from"},
            "to": {"allOf": [{"$ref": "#/$defs/Place"}]},
            "via": {"$ref": "#/definitions/Stop"}
        },
        "definitions": {"Stop": {"type": "string"}}
    }));
    let place = |d: &str| {
        json!({"type": "OBJECT", "description": d,
            "properties": {"city": {"type": "STRING"}}, "required": ["city"]})
    };
    assert_eq!(out["properties"]["from"], place("where from"));
    assert_eq!(out["properties"]["to"], place("a place"));
    assert_eq!(out["properties"]["via"], json!({"type": "STRING"}));
    assert!(out.get("$defs").is_none() && out.get("definitions").is_none());
}

#[test]
fn a_recursive_ref_is_refused() {
    let r = refused(json!({
        "type": "object",
        "$defs": {"Node": {"type": "object", "properties": {
            "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}},
        "properties": {"root": {"$ref": "#/$defs/Node"}}
    }));
    assert!(r.what.contains("`$ref` to `#/$defs/Node`"), "{r}");
    assert!(r.what.contains("recursive"), "{r}");
    assert_eq!(r.at, "properties.root.properties.children.items");
    let r = refused(json!({"type": "object", "properties": {"again": {"$ref": "#"}}}));
    assert!(r.what.contains("recursive"), "{r}");
}

#[test]
fn a_ref_fan_out_is_bounded() {
    // Each level refers to the next eight times: 8^6 schemas once inlined, no cycle.
    let mut defs = Map::new();
    for i in 0..6 {
        let next = json!({"$ref": format!("#/$defs/L{}", i + 1)});
        let props: Map<String, Value> = "abcdefgh"
            .chars()
            .map(|c| (c.to_string(), next.clone()))
            .collect();
        defs.insert(
            format!("L{i}"),
            json!({"type": "object", "properties": props}),
        );
    }
    defs.insert("L6".into(), json!({"type": "string"}));
    let r = refused(json!({"type": "object", "$defs": defs,
        "properties": {"top": {"$ref": "#/$defs/L0"}}}));
    assert!(r.what.contains("more than 5000 sub-schemas"), "{r}");
    let mut deep = json!({"type": "string"});
    for _ in 0..40 {
        deep = json!({"type": "array", "items": deep});
    }
    assert!(refused(with_x(deep)).what.contains("deeper than 32"));
}

#[test]
fn optional_unions_fold_into_nullable_and_one_of_becomes_any_of() {
    let out = params(with_x(
        json!({"anyOf": [{"type": "integer"}, {"type": "null"}],
        "description": "a count"}),
    ));
    assert_eq!(
        out["properties"]["x"],
        json!({"type": "INTEGER", "description": "a count", "nullable": true})
    );
    let out = params(with_x(
        json!({"oneOf": [{"type": "integer"}, {"type": "string"}]}),
    ));
    assert_eq!(
        out["properties"]["x"],
        json!({"anyOf": [{"type": "INTEGER"}, {"type": "STRING"}]})
    );
}

#[test]
fn an_empty_object_schema_leaves_parameters_out() {
    for empty in [
        json!(null),
        json!({}),
        json!({"type": "object"}),
        json!({"type": "object", "properties": {}, "additionalProperties": false}),
    ] {
        assert_eq!(parameters(&empty).unwrap(), None, "{empty}");
    }
    assert!(refused(json!({"type": "string"}))
        .what
        .contains("must be an object"));
    assert!(refused(
        json!({"anyOf": [{"type": "object", "properties": {"a": {}}}, {"type": "string"}]})
    )
    .what
    .contains("`anyOf` at the top"));
}

#[test]
fn a_response_schema_may_be_any_type() {
    assert_eq!(
        response(&json!({"type": "array", "items": {"type": "string"}})).unwrap(),
        Some(json!({"type": "ARRAY", "items": {"type": "STRING"}}))
    );
    assert_eq!(response(&json!({})).unwrap(), None);
}

//! The route classification behind the cross-tenant matrix. Every operation comes from the
//! OpenAPI document the server generates (the same route table that serves requests), and the
//! tables of [`super::tables`] say how to aim each one at an organization's objects. A route,
//! path parameter or query parameter that no table classifies fails [`classify`] with what to
//! add, so a new route cannot slip past the matrix unnoticed.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

pub use super::tables::*;

/// One method of one path of the OpenAPI document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    pub path: String,
    /// (segment before it, name) of each `{param}` of the path, in order.
    path_params: Vec<(String, String)>,
    query_params: Vec<String>,
    pub has_body: bool,
}

impl Operation {
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method.as_str() == method && self.path == path
    }

    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Every operation of the document `labelsync_api::openapi()` generates.
pub fn operations() -> Vec<Operation> {
    let doc = serde_json::to_value(labelsync_api::openapi()).expect("OpenAPI as JSON");
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Ok(method) = method.to_uppercase().parse::<Method>() else { continue };
            if !op.is_object() || op.get("responses").is_none() {
                continue;
            }
            out.push(Operation {
                method,
                path: path.clone(),
                path_params: template_params(path),
                query_params: query_params(op),
                has_body: op.get("requestBody").is_some(),
            });
        }
    }
    out
}

fn template_params(path: &str) -> Vec<(String, String)> {
    let segments: Vec<&str> = path.split('/').collect();
    segments
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let name = s.strip_prefix('{')?.strip_suffix('}')?;
            Some((segments[i - 1].to_owned(), name.to_owned()))
        })
        .collect()
}

fn query_params(op: &Value) -> Vec<String> {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let mut names = Vec::new();
    for param in params {
        match (param["in"].as_str(), param["name"].as_str()) {
            (Some("query"), Some(name)) if !names.iter().any(|n| n == name) => names.push(name.to_owned()),
            (Some("query" | "path"), Some(_)) => {}
            // A `$ref` or another location: classify it by name below (it cannot be filled).
            _ => names.push(format!("<unclassifiable parameter {param}>")),
        }
    }
    names
}

/// Ids of one organization's objects, or of objects that do not exist.
#[derive(Debug, Clone)]
pub struct Objects {
    pub project: i64,
    pub task: i64,
    pub annotation: i64,
    pub prediction: i64,
    pub import_storage: i64,
    pub export_storage: i64,
    /// The storage kind of `import_storage` and `export_storage`.
    pub kind: &'static str,
    /// `d` of a file under `import_storage` (local files).
    pub local_file: String,
    pub token: String,
    /// A dry run of `import_storage`.
    pub diff: i64,
    /// A webhook of `project`.
    pub webhook: i64,
}

impl Objects {
    /// The same shape with ids that name nothing.
    pub fn absent(&self) -> Objects {
        let none = 987_654_321;
        Objects {
            project: none,
            task: none,
            annotation: none,
            prediction: none,
            import_storage: none,
            export_storage: none,
            kind: self.kind,
            local_file: "no/such/file.jpg".into(),
            token: "not.a.token".into(),
            diff: none,
            webhook: none,
        }
    }

    /// The value naming `what` (a storage in `path` is an export storage under
    /// `/api/storages/export/`).
    pub fn value(&self, what: Ref, path: &str) -> Value {
        match what {
            Ref::Project => self.project.into(),
            Ref::Task => self.task.into(),
            Ref::Annotation => self.annotation.into(),
            Ref::Prediction => self.prediction.into(),
            Ref::Storage if path.starts_with("/api/storages/export/") => self.export_storage.into(),
            Ref::Storage => self.import_storage.into(),
            Ref::LocalFile => self.local_file.clone().into(),
            Ref::Token => self.token.clone().into(),
            Ref::Diff => self.diff.into(),
            Ref::Webhook => self.webhook.into(),
        }
    }

    fn text(&self, what: Ref, path: &str) -> String {
        match self.value(what, path) {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }
}

/// An operation that names objects through its path or query, and how to fill them.
#[derive(Debug, Clone)]
pub struct Aimed {
    pub op: Operation,
    /// When only the query names objects: the one query parameter this call fills.
    pub via_query: Option<String>,
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Call {
    pub label: String,
    pub method: Method,
    /// Path and query.
    pub url: String,
    pub body: Option<Value>,
}

impl Aimed {
    /// `objects`' ids in the path and query, and a body the owner could send.
    pub fn call(&self, objects: &Objects) -> Call {
        let op = &self.op;
        let path = fill_path(op, objects);
        let mut url = reqwest::Url::parse("http://localhost").expect("url");
        url.set_path(&path);
        for name in &op.query_params {
            match query_fill(name) {
                Some(QueryFill::Object(what))
                    if self.via_query.is_none() || self.via_query.as_ref() == Some(name) =>
                {
                    url.query_pairs_mut().append_pair(name, &objects.text(what, &op.path));
                }
                Some(QueryFill::Fixed(value)) => {
                    url.query_pairs_mut().append_pair(name, value);
                }
                _ => {}
            }
        }
        let label = match &self.via_query {
            Some(name) => format!("{} ?{name}=", op.name()),
            None => op.name(),
        };
        let url = match url.query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        Call { label, method: op.method.clone(), url, body: op.has_body.then(|| owner_body(op)) }
    }
}

/// The path of `op` with `objects` in its parameters.
pub fn fill_path(op: &Operation, objects: &Objects) -> String {
    let mut path = op.path.clone();
    for (before, name) in &op.path_params {
        let value = match path_fill(before, name) {
            Some(PathFill::Object(what)) => objects.text(what, &op.path),
            Some(PathFill::Kind) => objects.kind.to_owned(),
            None => panic!("{}: unclassified path parameter {name}", op.name()),
        };
        path = path.replacen(&format!("{{{name}}}"), &value, 1);
    }
    path
}

/// A body the owner of the path's object could send (so only the lookup can refuse it).
fn owner_body(op: &Operation) -> Value {
    if op.path.ends_with("/import") {
        return serde_json::json!([{"image_url": "hijacked"}]);
    }
    if op.path.ends_with("/annotations/") {
        return serde_json::json!({"result": []});
    }
    let last = op.path_params.iter().rev().find_map(|(before, name)| match path_fill(before, name) {
        Some(PathFill::Object(what)) => Some(what),
        _ => None,
    });
    match last {
        Some(Ref::Task) => serde_json::json!({"data": {"image_url": "hijacked"}}),
        Some(Ref::Annotation) => serde_json::json!({"result": []}),
        Some(Ref::Prediction) => serde_json::json!({"result": [], "score": 0.5}),
        _ => serde_json::json!({"title": "hijacked"}),
    }
}

fn path_fill(before: &str, name: &str) -> Option<PathFill> {
    PATH_PARAMS.iter().find(|(b, n, _)| *b == before && *n == name).map(|(_, _, fill)| *fill)
}

fn query_fill(name: &str) -> Option<QueryFill> {
    QUERY_PARAMS.iter().find(|(n, _)| *n == name).map(|(_, fill)| *fill)
}

/// The routes sorted into the matrix, with every classification gap as a message.
pub struct Classified {
    pub aimed: Vec<Aimed>,
    pub operations: Vec<Operation>,
}

const HERE: &str = "tests/api/tenancy/tables.rs";

/// Sorts the document's operations; every gap or stale table entry is one error message.
pub fn classify(operations: Vec<Operation>) -> Result<Classified, Vec<String>> {
    let mut errors = Vec::new();
    let mut aimed = Vec::new();
    for op in &operations {
        let mut names_object = false;
        for (before, name) in &op.path_params {
            match path_fill(before, name) {
                Some(PathFill::Object(_)) => names_object = true,
                Some(PathFill::Kind) => {}
                None => errors.push(format!(
                    "{}: path parameter `{name}` (after `{before}`) is not in PATH_PARAMS of {HERE}; add how to fill it",
                    op.name()
                )),
            }
        }
        let mut object_queries = Vec::new();
        for name in &op.query_params {
            match query_fill(name) {
                Some(QueryFill::Object(_)) => object_queries.push(name.clone()),
                Some(_) => {}
                None => errors.push(format!(
                    "{}: query parameter `{name}` is not in QUERY_PARAMS of {HERE}; add whether it names an object",
                    op.name()
                )),
            }
        }
        let listed = |table: &[(&str, &str)]| table.iter().any(|(m, p)| op.is(m, p));
        let out_of_scope = listed(&pairs(OUT_OF_SCOPE));
        let body_ref = BODY_REFS.iter().any(|(m, p, ..)| op.is(m, p));
        if names_object {
            aimed.push(Aimed { op: op.clone(), via_query: None });
        } else {
            aimed.extend(object_queries.iter().map(|q| Aimed { op: op.clone(), via_query: Some(q.clone()) }));
        }
        let reaches = names_object || !object_queries.is_empty();
        if reaches && out_of_scope {
            errors.push(format!(
                "{}: listed in OUT_OF_SCOPE of {HERE} but names an object; remove it there",
                op.name()
            ));
        }
        if !reaches && !out_of_scope && !body_ref {
            errors.push(format!(
                "{}: names no object in its path or query; add it to BODY_REFS of {HERE} if its body \
                 names one, else to OUT_OF_SCOPE with why it reaches no organization's objects",
                op.name()
            ));
        }
        if op.has_body && !body_ref && !listed(&pairs(BODIES_NAME_NOTHING)) {
            errors.push(format!(
                "{}: its request body is not classified; add the fields naming objects to BODY_REFS of \
                 {HERE}, or the route to BODIES_NAME_NOTHING",
                op.name()
            ));
        }
    }
    errors.extend(stale_entries(&operations));
    if errors.is_empty() { Ok(Classified { aimed, operations }) } else { Err(errors) }
}

fn pairs(table: &[(&'static str, &'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    table.iter().map(|(m, p, _)| (*m, *p)).collect()
}

/// Table entries naming operations the document no longer has.
fn stale_entries(operations: &[Operation]) -> Vec<String> {
    let known: BTreeSet<(String, String)> =
        operations.iter().map(|op| (op.method.to_string(), op.path.clone())).collect();
    let tables: [(&str, Vec<(&str, &str)>); 6] = [
        ("OUT_OF_SCOPE", pairs(OUT_OF_SCOPE)),
        ("BODY_REFS", BODY_REFS.iter().map(|(m, p, ..)| (*m, *p)).collect()),
        ("BODIES_NAME_NOTHING", pairs(BODIES_NAME_NOTHING)),
        ("STRANGER_EXPECTS", STRANGER_EXPECTS.iter().map(|(m, p, _)| (*m, *p)).collect()),
        ("ANNOTATOR_MAY", ANNOTATOR_MAY.to_vec()),
        ("ANNOTATOR_EXPECTS", ANNOTATOR_EXPECTS.iter().map(|(m, p, _)| (*m, *p)).collect()),
    ];
    let mut errors = Vec::new();
    for (table, entries) in tables {
        for (method, path) in entries {
            if !known.contains(&(method.to_owned(), path.to_owned())) {
                errors.push(format!(
                    "{table} of {HERE} lists {method} {path}, which the OpenAPI document lacks"
                ));
            }
        }
    }
    errors
}

/// What `table` says for `op`, or `default`.
pub fn expected(table: &[(&str, &str, Expect)], op: &Operation, default: Expect) -> Expect {
    table.iter().find(|(m, p, _)| op.is(m, p)).map_or(default, |(_, _, e)| *e)
}

/// Classified routes, or a panic listing what to add.
pub fn classified() -> Classified {
    classify(operations()).unwrap_or_else(|errors| {
        panic!("the cross-tenant matrix cannot cover every route:\n{}", errors.join("\n"))
    })
}

/// Every route, path parameter, query parameter and body of the document is classified, and
/// no table names a route the document lacks.
#[test]
fn every_route_is_classified() {
    let classified = classified();
    assert!(classified.aimed.len() > 30, "only {} object operations", classified.aimed.len());
}

/// A route the tables do not know fails classification with a message naming it.
#[test]
fn an_unknown_route_fails_classification() {
    let mut ops = operations();
    ops.push(Operation {
        method: Method::POST,
        path: "/api/widgets/{widget_id}/frob".into(),
        path_params: template_params("/api/widgets/{widget_id}/frob"),
        query_params: vec!["owner".into()],
        has_body: true,
    });
    ops.push(Operation {
        method: Method::GET,
        path: "/api/gadgets/".into(),
        path_params: Vec::new(),
        query_params: Vec::new(),
        has_body: false,
    });
    let errors = classify(ops).err().expect("classification fails");
    let text = errors.join("\n");
    for needle in [
        "POST /api/widgets/{widget_id}/frob: path parameter `widget_id`",
        "POST /api/widgets/{widget_id}/frob: query parameter `owner`",
        "POST /api/widgets/{widget_id}/frob: its request body is not classified",
        "GET /api/gadgets/: names no object",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

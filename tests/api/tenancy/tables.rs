//! The tables that classify every route of the OpenAPI document for the cross-tenant matrix.
//! Add a row here when [`super::routes::classify`] names a route, parameter or body it does
//! not know.

/// What kind of object a parameter or body field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    Project,
    Task,
    Annotation,
    Prediction,
    /// An import or export storage, by the path it appears in (`/api/storages/export/…`).
    Storage,
    /// A file under a local-files import storage (`/data/local-files/?d=`).
    LocalFile,
    /// A personal access (refresh) token.
    Token,
    /// A dry run of the import storage (`…/diff/{diff_id}`).
    Diff,
    /// A webhook (`/api/webhooks/{id}/`).
    Webhook,
}

/// How a path parameter is filled.
#[derive(Debug, Clone, Copy)]
pub enum PathFill {
    Object(Ref),
    /// The storage kind of the objects (not an object itself).
    Kind,
}

/// How a query parameter is filled.
#[derive(Debug, Clone, Copy)]
pub enum QueryFill {
    Object(Ref),
    /// A value that lets the request reach its object lookup (e.g. a `fileuri` to resolve).
    Fixed(&'static str),
    /// An option that names no object; left out.
    Omit,
}

/// Path parameters by (the segment before it, its name).
pub const PATH_PARAMS: &[(&str, &str, PathFill)] = &[
    ("projects", "id", PathFill::Object(Ref::Project)),
    ("tasks", "id", PathFill::Object(Ref::Task)),
    ("annotations", "id", PathFill::Object(Ref::Annotation)),
    ("predictions", "id", PathFill::Object(Ref::Prediction)),
    ("{kind}", "id", PathFill::Object(Ref::Storage)),
    ("diff", "diff_id", PathFill::Object(Ref::Diff)),
    ("webhooks", "id", PathFill::Object(Ref::Webhook)),
    ("storages", "kind", PathFill::Kind),
    ("export", "kind", PathFill::Kind),
];

/// Query parameters by name.
pub const QUERY_PARAMS: &[(&str, QueryFill)] = &[
    ("project", QueryFill::Object(Ref::Project)),
    ("task", QueryFill::Object(Ref::Task)),
    ("ids[]", QueryFill::Object(Ref::Task)),
    ("d", QueryFill::Object(Ref::LocalFile)),
    // base64url("s3://bucket/a.jpg"): a URI to resolve, so the task or project lookup decides.
    ("fileuri", QueryFill::Fixed("czM6Ly9idWNrZXQvYS5qcGc=")),
    ("secret", QueryFill::Omit),
    ("page", QueryFill::Omit),
    ("page_size", QueryFill::Omit),
    ("fields", QueryFill::Omit),
    ("resolve_uri", QueryFill::Omit),
    ("exportType", QueryFill::Omit),
    ("download_all_tasks", QueryFill::Omit),
    ("return_task_ids", QueryFill::Omit),
    ("commit_to_project", QueryFill::Omit),
    ("organization-only", QueryFill::Omit),
];

/// Operations that reach no object of an organization through path, query or body.
pub const OUT_OF_SCOPE: &[(&str, &str, &str)] = &[
    ("GET", "/health", "liveness, no data"),
    ("GET", "/metrics", "process counters, no tenant data"),
    ("GET", "/api/version", "server version"),
    ("GET", "/api/current-user/whoami", "the caller"),
    ("GET", "/api/current-user/token", "the caller's own token (always 404: stored hashed)"),
    ("POST", "/api/current-user/reset-token/", "the caller's own token"),
    ("GET", "/api/jwt/settings", "the caller's organization"),
    ("POST", "/api/jwt/settings", "the caller's organization"),
    ("GET", "/api/token/", "the caller's own tokens"),
    ("POST", "/api/token/", "creates a token for the caller"),
    ("POST", "/api/token/refresh/", "the refresh token is the credential itself"),
    ("GET", "/api/projects/", "the caller's organization's projects"),
    ("POST", "/api/projects/", "creates in the caller's organization"),
    ("GET", "/api/storages/types", "static list"),
    ("GET", "/api/storages/export/types", "static list"),
    ("GET", "/api/storages/{kind}/form", "static form layout"),
    ("GET", "/api/storages/export/{kind}/form", "static form layout"),
    ("GET", "/api/webhooks/info/", "static list of actions"),
];

/// Request bodies that name an object: (method, path, body field, what it names, base body).
/// The path's own parameters are filled with the caller's objects; the field with another's.
pub const BODY_REFS: &[(&str, &str, &str, Ref, &str)] = &[
    ("POST", "/api/storages/{kind}/", "project", Ref::Project, "{}"),
    ("POST", "/api/storages/export/{kind}", "project", Ref::Project, "{}"),
    ("POST", "/api/storages/{kind}/validate", "project", Ref::Project, "{}"),
    ("POST", "/api/storages/{kind}/validate", "id", Ref::Storage, "{}"),
    ("POST", "/api/storages/export/{kind}/validate", "project", Ref::Project, "{}"),
    ("POST", "/api/storages/export/{kind}/validate", "id", Ref::Storage, "{}"),
    ("POST", "/api/storages/{kind}/files", "project", Ref::Project, "{}"),
    ("POST", "/api/storages/{kind}/files", "id", Ref::Storage, "{}"),
    ("PATCH", "/api/storages/{kind}/{id}", "project", Ref::Project, "{}"),
    ("PUT", "/api/storages/{kind}/{id}", "project", Ref::Project, "{}"),
    ("PATCH", "/api/storages/export/{kind}/{id}", "project", Ref::Project, "{}"),
    ("PUT", "/api/storages/export/{kind}/{id}", "project", Ref::Project, "{}"),
    ("POST", "/api/tasks/", "project", Ref::Project, r#"{"data": {"image_url": "x"}}"#),
    ("PATCH", "/api/tasks/{id}/", "project", Ref::Project, r#"{"data": {"image_url": "x"}}"#),
    ("PUT", "/api/tasks/{id}/", "project", Ref::Project, r#"{"data": {"image_url": "x"}}"#),
    ("POST", "/api/predictions/", "task", Ref::Task, r#"{"result": []}"#),
    ("POST", "/api/token/blacklist/", "refresh", Ref::Token, "{}"),
    ("POST", "/api/token/rotate/", "refresh", Ref::Token, "{}"),
    ("POST", "/api/webhooks/", "project", Ref::Project, r#"{"url": "http://127.0.0.1:9/hook"}"#),
];

/// Request bodies that name no object (the object, if any, is in the path).
pub const BODIES_NAME_NOTHING: &[(&str, &str, &str)] = &[
    ("PUT", "/api/annotations/{id}/", "result and flags; the task is fixed"),
    ("PATCH", "/api/annotations/{id}/", "result and flags; the task is fixed"),
    ("PUT", "/api/predictions/{id}/", "`task` is read-only"),
    ("PATCH", "/api/predictions/{id}/", "`task` is read-only"),
    ("PUT", "/api/projects/{id}/", "project settings"),
    ("PATCH", "/api/projects/{id}/", "project settings"),
    ("POST", "/api/projects/", "project settings"),
    ("POST", "/api/projects/{id}/import", "task data; the project is the path"),
    ("POST", "/api/tasks/{id}/annotations/", "the task is the path"),
    ("POST", "/api/jwt/settings", "organization flags"),
    ("POST", "/api/token/refresh/", "the refresh token is the credential itself"),
    ("POST", "/api/storages/{kind}/{id}/events", "a bucket notification; the storage is the path"),
    ("PUT", "/api/webhooks/{id}/", "`project` is read-only"),
    ("PATCH", "/api/webhooks/{id}/", "`project` is read-only"),
];

/// What another organization's manager gets, where it is not a 404 envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Label Studio's 404 envelope.
    NotFound,
    /// Label Studio's 403 envelope.
    Forbidden,
    /// An envelope with this status (Label Studio's answer for an unknown object there).
    Status(u16),
    /// `200 []`: Label Studio's aggregate lists never fail (`docs/label-studio-api.md` §2.3).
    EmptyList,
    /// A 404 without a body (HEAD).
    BareNotFound,
}

/// Deviations from [`Expect::NotFound`] for a stranger (another organization's manager).
pub const STRANGER_EXPECTS: &[(&str, &str, Expect)] = &[
    ("GET", "/api/storages/", Expect::EmptyList),
    ("GET", "/api/storages/export", Expect::EmptyList),
    // Label Studio filters the caller's organization's webhooks by any project id.
    ("GET", "/api/webhooks/", Expect::EmptyList),
    // Label Studio: 400 "Select a valid choice" for a task or project it cannot see.
    ("GET", "/api/predictions/", Expect::Status(400)),
    ("HEAD", "/data/local-files/", Expect::BareNotFound),
];

/// Operations on objects that an annotator of the owning organization may call (reading,
/// annotating); every other object operation must refuse them with 403.
pub const ANNOTATOR_MAY: &[(&str, &str)] = &[
    ("GET", "/api/projects/{id}/"),
    ("GET", "/api/projects/{id}/export"),
    ("GET", "/api/projects/{id}/tasks/"),
    ("GET", "/api/tasks/"),
    ("GET", "/api/tasks/{id}/"),
    ("GET", "/api/tasks/{id}/annotations/"),
    ("POST", "/api/tasks/{id}/annotations/"),
    ("GET", "/api/annotations/{id}/"),
    ("GET", "/api/predictions/"),
    ("GET", "/api/predictions/{id}/"),
    ("GET", "/data/local-files/"),
    ("HEAD", "/data/local-files/"),
    ("GET", "/tasks/{id}/resolve/"),
    ("GET", "/tasks/{id}/presign/"),
    ("GET", "/projects/{id}/resolve/"),
    ("GET", "/projects/{id}/presign/"),
];

/// Deviations from [`Expect::Forbidden`] for an annotator on a management operation.
pub const ANNOTATOR_EXPECTS: &[(&str, &str, Expect)] = &[
    ("GET", "/api/storages/", Expect::EmptyList),
    ("GET", "/api/storages/export", Expect::EmptyList),
    // Authenticated by the storage's events secret, not a caller, and the matrix's storages are
    // local files, which have no bucket events (tests/api/storages/events_auth.rs: a wrong,
    // foreign or absent storage's secret gets one 403).
    ("POST", "/api/storages/{kind}/{id}/events", Expect::NotFound),
];

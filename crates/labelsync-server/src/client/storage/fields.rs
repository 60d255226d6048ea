//! The JSON body of `add` and `validate`: Label Studio's field names, each flag only for the
//! kinds and roles whose field table has it, secrets from flags, the environment or stdin.

use std::io::Read;

use labelsync_types::{Role, StorageKind, fields};
use serde_json::{Map, Value, json};

use crate::client::args::{SecretArgs, StorageFields};
use crate::client::error::{CliError, Redact};

/// A request body and the secrets it carries (to keep them out of anything printed).
pub struct Body {
    pub json: Map<String, Value>,
    redact: Redact,
}

impl Body {
    pub fn new(
        kind: StorageKind,
        export: bool,
        project: Option<i64>,
        flags: &StorageFields,
        secrets: &SecretArgs,
    ) -> Result<Body, CliError> {
        let role = if export { Role::Export } else { Role::Import };
        let has = |name: &str| fields::find(kind, role, name).is_some();
        let mut json = Map::new();
        if let Some(project) = project {
            json.insert("project".into(), json!(project));
        }
        for (name, value) in settings(flags) {
            let Some(value) = value else { continue };
            if !has(name) {
                let flag = if name == "region_name" { "region".to_owned() } else { name.replace('_', "-") };
                return Err(CliError::Usage(format!("--{flag} does not apply to {kind} {role} storages")));
            }
            json.insert(name.into(), value);
        }
        // Secrets may come from the environment, where the other kinds' secrets also live:
        // each kind takes its own and ignores the rest.
        let mut values = Vec::new();
        for (name, value) in secret_values(kind, secrets)? {
            if has(name) {
                values.push(value.clone());
                json.insert(name.into(), Value::String(value));
            }
        }
        Ok(Body { json, redact: Redact::new(values) })
    }

    pub fn value(&self) -> Value {
        Value::Object(self.json.clone())
    }

    /// The result with the body's secrets blanked out of its error.
    pub fn redacting<T>(&self, result: Result<T, CliError>) -> Result<T, CliError> {
        result.map_err(|error| match error {
            CliError::Api { status, message } => {
                CliError::Api { status, message: self.redact.text(&message) }
            }
            CliError::Auth { status, message } => {
                CliError::Auth { status, message: self.redact.text(&message) }
            }
            other => other,
        })
    }
}

/// The non-secret flags as (Label Studio's field, value when given).
fn settings(flags: &StorageFields) -> [(&'static str, Option<Value>); 16] {
    let text = |v: &Option<String>| v.clone().map(Value::String);
    let yes = |b: bool| b.then_some(Value::Bool(true));
    [
        ("title", text(&flags.title)),
        ("description", text(&flags.description)),
        ("bucket", text(&flags.bucket)),
        ("prefix", text(&flags.prefix)),
        ("regex_filter", text(&flags.regex_filter)),
        ("use_blob_urls", yes(flags.use_blob_urls)),
        ("recursive_scan", yes(flags.recursive_scan)),
        ("can_delete_objects", yes(flags.can_delete_objects)),
        ("s3_endpoint", text(&flags.s3_endpoint)),
        ("region_name", text(&flags.region)),
        ("google_project_id", text(&flags.google_project_id)),
        ("container", text(&flags.container)),
        ("host", text(&flags.host)),
        ("port", flags.port.map(|p| json!(p.to_string()))),
        ("db", flags.db.map(|d| json!(d))),
        ("path", text(&flags.path)),
    ]
}

/// The secrets given, `--secret-stdin` standing for the kind's main one.
fn secret_values(kind: StorageKind, secrets: &SecretArgs) -> Result<Vec<(&'static str, String)>, CliError> {
    let credentials = match &secrets.google_application_credentials {
        Some(path) if kind == StorageKind::Gcs => Some(std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!("cannot read the credentials file {}: {e}", path.display()))
        })?),
        _ => None,
    };
    let mut values: Vec<(&'static str, Option<String>)> = vec![
        ("aws_access_key_id", secrets.aws_access_key_id.clone()),
        ("aws_secret_access_key", secrets.aws_secret_access_key.clone()),
        ("aws_session_token", secrets.aws_session_token.clone()),
        ("google_application_credentials", credentials),
        ("account_name", secrets.account_name.clone()),
        ("account_key", secrets.account_key.clone()),
        ("password", secrets.password.clone()),
    ];
    if secrets.secret_stdin {
        let main = match kind {
            StorageKind::S3 => "aws_secret_access_key",
            StorageKind::Gcs => "google_application_credentials",
            StorageKind::Azure => "account_key",
            StorageKind::Redis => "password",
            StorageKind::LocalFiles => {
                return Err(CliError::Usage("localfiles storages have no secret for --secret-stdin".into()));
            }
        };
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::Usage(format!("cannot read the secret from stdin: {e}")))?;
        let text = text.trim_end_matches(['\r', '\n']).to_owned();
        values.retain(|(name, _)| *name != main);
        values.push((main, Some(text)));
    }
    Ok(values.into_iter().filter_map(|(name, value)| Some((name, value?))).collect())
}

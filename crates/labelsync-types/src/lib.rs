//! `labelsync-types` owns the words a storage row is made of: its [`StorageKind`], its [`Role`]
//! and its [`SyncStatus`], each defined once for every labelsync crate; the field table of each
//! kind ([`fields`]: column or setting, secret, connection identity, default, roles); and the
//! typed settings of each kind ([`settings`], parsed once from a row and filled from that table).
//! It also names the sync policies of an import storage ([`SyncDeleted`], [`SyncChanged`]),
//! an organization member's [`MemberRole`] and the [`CredentialBackend`]s an
//! organization can be granted server credentials for.
//!
//! Why a crate of its own: `labelsync-db` (the rows) and `labelsync-storage` (the backends) both
//! need them and neither depends on the other, so the enums sit below both. The crate knows
//! nothing of providers: each enum is its text (the same text Label Studio sends and the
//! `storages` table stores in a `TEXT` column), with [`serde`] in that text and, with feature
//! `sqlx` (enabled by `labelsync-db`), sqlx's `Type`, `Encode` and `Decode` as that text on
//! every database. An unknown text is an [`UnknownValue`] error (a decoding error naming the
//! text), never a silent default.

pub mod fields;
pub mod settings;

use std::fmt;
use std::str::FromStr;

/// Text that names no variant of the enum it was parsed as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value:?}")]
pub struct UnknownValue {
    /// `storage kind`, `storage role` or `sync status`.
    pub what: &'static str,
    pub value: String,
}

/// Defines an enum whose variants are written as the given text: `ALL`, `as_str`, `parse`,
/// `Display`, `FromStr`, `TryFrom<String>` and serde in that text. The text is written once.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text of every variant, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text,)+];

            /// The variant's text, as stored and as sent on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The variant written as `s`, if any.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<$name, UnknownValue> {
                $name::parse(s).ok_or_else(|| UnknownValue { what: $what, value: s.to_owned() })
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;

            fn try_from(s: String) -> Result<$name, UnknownValue> {
                $name::parse(&s).ok_or(UnknownValue { what: $what, value: s })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        /// An enum of the texts.
        #[cfg(feature = "utoipa")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::NAMES.iter().copied()))
                    .into()
            }
        }

        #[cfg(feature = "utoipa")]
        impl utoipa::ToSchema for $name {}

        #[cfg(feature = "sqlx")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<$name, sqlx::error::BoxDynError> {
                Ok(<&'r str as sqlx::Decode<'r, DB>>::decode(value)?.parse::<$name>()?)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut DB::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                let text: &'q str = self.as_str();
                <&'q str as sqlx::Encode<'q, DB>>::encode_by_ref(&text, buf)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::unknown_variant(&s, $name::NAMES)
                })
            }
        }
    };
}

text_enum! {
    /// The five storage kinds, named as in Label Studio's URLs and `type` field.
    pub enum StorageKind ("storage kind") {
        S3 = "s3",
        Gcs = "gcs",
        Azure = "azure",
        Redis = "redis",
        LocalFiles = "localfiles",
    }
}

impl StorageKind {
    /// The title Label Studio shows for the kind (`/api/storages/types`).
    pub fn title(self) -> &'static str {
        match self {
            StorageKind::S3 => "AWS S3",
            StorageKind::Gcs => "Google Cloud Storage",
            StorageKind::Azure => "Microsoft Azure",
            StorageKind::Redis => "Redis",
            StorageKind::LocalFiles => "Local files",
        }
    }

    /// The URI scheme of objects of this kind (`s3://`, `gs://`, `azure-blob://`).
    pub fn uri_scheme(self) -> Option<&'static str> {
        match self {
            StorageKind::S3 => Some("s3"),
            StorageKind::Gcs => Some("gs"),
            StorageKind::Azure => Some("azure-blob"),
            StorageKind::Redis | StorageKind::LocalFiles => None,
        }
    }
}

text_enum! {
    /// Which side of a project a storage is on: tasks come in through an import storage,
    /// annotations go out through an export storage.
    pub enum Role ("storage role") {
        Import = "import",
        Export = "export",
    }
}

text_enum! {
    /// Where a storage's last sync stands (Label Studio's `status`). Written only by the sync
    /// path; a new or updated storage is [`SyncStatus::Initialized`].
    pub enum SyncStatus ("sync status") {
        /// Never synced, or its settings changed since.
        Initialized = "initialized",
        /// A sync job is waiting in the queue.
        Queued = "queued",
        /// A sync job is running (or was, when its worker stopped; the next one resumes).
        InProgress = "in_progress",
        /// The queue gave up on the job.
        Failed = "failed",
        /// The last sync finished.
        Completed = "completed",
        /// The last sync finished, skipping some objects.
        CompletedWithErrors = "completed_with_errors",
    }
}

impl SyncStatus {
    /// True while a sync job is queued or running: another request joins it.
    pub fn is_pending(self) -> bool {
        matches!(self, SyncStatus::Queued | SyncStatus::InProgress)
    }
}

text_enum! {
    /// What an import sync does with the tasks of an object that vanished from the bucket
    /// (storage field `sync_deleted`). Label Studio keeps them: [`SyncDeleted::Keep`] is the default.
    #[derive(Default)]
    pub enum SyncDeleted ("sync_deleted policy") {
        /// The tasks stay; their import links are marked missing (`object_exists` false).
        #[default]
        Keep = "keep",
        /// Tasks without any annotation are deleted; the others stay, marked missing.
        DeleteUnlabeled = "delete_unlabeled",
        /// Every task of the vanished object is deleted, with its annotations.
        Delete = "delete",
    }
}

text_enum! {
    /// What an import sync does with the tasks of an object whose content changed since it was
    /// imported (storage field `sync_changed`). Label Studio never re-reads an imported object:
    /// [`SyncChanged::Keep`] is the default.
    #[derive(Default)]
    pub enum SyncChanged ("sync_changed policy") {
        /// The tasks keep the data they were imported with.
        #[default]
        Keep = "keep",
        /// The tasks get the object's new data (task files: row by row, by position);
        /// annotations and predictions stay attached.
        Update = "update",
    }
}

text_enum! {
    /// What a member may do in an organization (ordered: each role can do what the one before
    /// it can). An unknown text in a `memberships` row fails to decode it.
    pub enum MemberRole ("member role") {
        /// Reads projects and tasks, writes annotations; nothing else.
        Annotator = "annotator",
        /// Manages projects, tasks and storages.
        Manager = "manager",
        /// Everything a manager can, plus the organization's members.
        Administrator = "administrator",
    }
}

text_enum! {
    /// A backend whose server credentials an organization can be granted
    /// (`server_credential_grants.backend`).
    pub enum CredentialBackend ("credential backend") {
        /// The AWS default chain (and role assumption on top of it), `S3_ENDPOINT`/`S3_REGION`.
        S3 = "s3",
        /// Google Application Default Credentials.
        Gcs = "gcs",
        /// `AZURE_BLOB_ACCOUNT_NAME`/`_KEY`.
        Azure = "azure",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant's text round-trips through `Display`, serde, `parse` and `TryFrom`.
    #[test]
    fn text_round_trips_through_parse_serde_and_try_from() {
        fn check<T>(all: &[T], names: &[&str])
        where
            T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr + serde::Serialize,
            T: for<'de> serde::Deserialize<'de> + TryFrom<String>,
        {
            assert_eq!(all.len(), names.len());
            for (v, name) in all.iter().zip(names) {
                assert_eq!(v.to_string(), *name);
                assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{name}\""));
                assert_eq!(serde_json::from_str::<T>(&format!("\"{name}\"")).unwrap(), *v);
                assert!(T::try_from((*name).to_owned()).is_ok_and(|t| t == *v));
            }
        }
        check(StorageKind::ALL, StorageKind::NAMES);
        check(Role::ALL, Role::NAMES);
        check(SyncStatus::ALL, SyncStatus::NAMES);
        check(MemberRole::ALL, MemberRole::NAMES);
        check(CredentialBackend::ALL, CredentialBackend::NAMES);
        check(SyncDeleted::ALL, SyncDeleted::NAMES);
        check(SyncChanged::ALL, SyncChanged::NAMES);
        assert_eq!(StorageKind::NAMES, ["s3", "gcs", "azure", "redis", "localfiles"]);
        assert_eq!(
            SyncStatus::NAMES,
            ["initialized", "queued", "in_progress", "failed", "completed", "completed_with_errors"]
        );
    }

    /// An unknown text is an error naming it, never a default variant.
    #[test]
    fn unknown_text_is_an_error_not_a_default() {
        let err = Role::try_from("imprt".to_owned()).unwrap_err();
        assert_eq!(err.to_string(), "unknown storage role: \"imprt\"");
        assert!("local_files".parse::<StorageKind>().is_err());
        assert!(serde_json::from_str::<SyncStatus>("\"done\"").is_err());
        assert!("owner".parse::<MemberRole>().is_err());
    }
}

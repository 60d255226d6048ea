//! The conformance suite (`labelsync_storage::testing::conformance`) on every available backend:
//! local files always; Redis, S3 (s3s-fs, and moto for keys s3s-fs cannot store), GCS
//! (fake-gcs-server) and Azure (Azurite) when their `LABELSYNC_TEST_*` variables are set.

use labelsync_storage::testing::{
    AzureFixture, GcsFixture, LocalFixture, RedisFixture, S3Fixture, conformance,
};

/// One `#[tokio::test]` per scenario, each with a fresh fixture from `$fixture::for_test`.
macro_rules! scenarios {
    ($fixture:ty => $($scenario:ident),* $(,)?) => {
        scenarios!($fixture, for_test => $($scenario),*);
    };
    ($fixture:ty, $constructor:ident => $($scenario:ident),* $(,)?) => {$(
        #[doc = concat!("Conformance scenario `", stringify!($scenario), "` on this backend.")]
        #[tokio::test]
        async fn $scenario() {
            let test = concat!(module_path!(), "::", stringify!($scenario));
            let Some(fixture) = <$fixture>::$constructor(test).await else { return };
            conformance::$scenario(&fixture).await;
        }
    )*};
}

mod local_files {
    use super::*;

    scenarios!(LocalFixture =>
        validate_accepts_the_sandbox,
        list_returns_every_key,
        list_from_resumes_after_every_checkpoint,
        parallel_listing_lists_each_key_once,
        list_from_refuses_foreign_checkpoints,
        versions_identify_content,
        list_respects_prefix_and_recursion,
        get_roundtrip,
        missing_key_is_not_found,
        get_respects_max_bytes,
        export_put_get_delete,
        presign_or_not_supported,
        open_range,
    );
}

mod redis {
    use super::*;

    scenarios!(RedisFixture =>
        validate_accepts_the_sandbox,
        list_returns_every_key,
        list_from_resumes_after_every_checkpoint,
        list_from_refuses_foreign_checkpoints,
        versions_identify_content,
        list_respects_prefix_and_recursion,
        get_roundtrip,
        missing_key_is_not_found,
        get_respects_max_bytes,
        export_put_get_delete,
        bad_credentials_are_reported,
        presign_or_not_supported,
        open_range,
    );
}

mod s3 {
    use super::*;

    scenarios!(S3Fixture =>
        validate_accepts_the_sandbox,
        validate_requires_objects_under_an_import_prefix,
        list_returns_every_key,
        list_from_resumes_after_every_checkpoint,
        parallel_listing_lists_each_key_once,
        list_from_refuses_foreign_checkpoints,
        versions_identify_content,
        list_respects_prefix_and_recursion,
        get_roundtrip,
        missing_key_is_not_found,
        get_respects_max_bytes,
        export_put_get_delete,
        bad_credentials_are_reported,
        presign_or_not_supported,
        open_range,
        stat_matches_the_listing,
    );
}

/// moto stores keys s3s-fs cannot (it keeps objects as files), and lists ETags, which s3s-fs
/// does not.
mod s3_moto {
    use super::*;

    scenarios!(S3Fixture, moto => list_skips_folder_placeholders, versions_identify_content);
}

mod gcs {
    use super::*;

    // fake-gcs-server checks no credentials, so `bad_credentials_are_reported` cannot run.
    scenarios!(GcsFixture =>
        validate_accepts_the_sandbox,
        validate_requires_objects_under_an_import_prefix,
        list_returns_every_key,
        list_from_resumes_after_every_checkpoint,
        parallel_listing_lists_each_key_once,
        list_from_refuses_foreign_checkpoints,
        versions_identify_content,
        list_respects_prefix_and_recursion,
        list_skips_folder_placeholders,
        get_roundtrip,
        missing_key_is_not_found,
        get_respects_max_bytes,
        export_put_get_delete,
        presign_or_not_supported,
        open_range,
        stat_matches_the_listing,
    );
}

mod azure {
    use super::*;

    scenarios!(AzureFixture =>
        validate_accepts_the_sandbox,
        validate_requires_objects_under_an_import_prefix,
        list_returns_every_key,
        list_from_resumes_after_every_checkpoint,
        parallel_listing_lists_each_key_once,
        list_from_refuses_foreign_checkpoints,
        versions_identify_content,
        list_respects_prefix_and_recursion,
        list_skips_folder_placeholders,
        get_roundtrip,
        missing_key_is_not_found,
        get_respects_max_bytes,
        export_put_get_delete,
        bad_credentials_are_reported,
        presign_or_not_supported,
        open_range,
        stat_matches_the_listing,
    );
}

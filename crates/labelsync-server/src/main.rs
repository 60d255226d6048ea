/// Label Studio reads these settings with or without its `LABEL_STUDIO_` prefix (its messages name
/// the bare form); labelsync's flags read the prefixed form, so a bare one is copied over when the
/// prefixed one is unset.
const LABEL_STUDIO_UNPREFIXED: [&str; 2] = ["LOCAL_FILES_SERVING_ENABLED", "LOCAL_FILES_DOCUMENT_ROOT"];

fn accept_unprefixed_label_studio_variables() {
    for name in LABEL_STUDIO_UNPREFIXED {
        let prefixed = format!("LABEL_STUDIO_{name}");
        if std::env::var_os(&prefixed).is_none()
            && let Some(value) = std::env::var_os(name)
        {
            // SAFETY: called first thing in `main`, before the runtime or any other thread exists.
            unsafe { std::env::set_var(prefixed, value) };
        }
    }
}

fn main() -> std::process::ExitCode {
    accept_unprefixed_label_studio_variables();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("labelsync: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(labelsync_server::run()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("labelsync: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

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

/// mimalloc, not the system allocator: a sync allocates and frees small buffers (keys, JSON,
/// bind arguments) by the million, and glibc's malloc and free were a third of labelsync's CPU in
/// a SQLite blob sync (perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (between `eager_commit_delay`, 14, and
/// `use_numa_nodes`, 16, which libmimalloc-sys names); the test below checks its default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back to the system at once rather than a second later: with its default
/// delay mimalloc held about 50 MB more at the peak of a million-object sync (150 MB against
/// glibc's 98), without it 119 MB, at the same speed.
fn purge_freed_memory_at_once() {
    // SAFETY: sets a process-wide option; mimalloc reads options atomically.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

/// No transparent huge pages for this process (Linux), unless the operator asks for them with
/// `MIMALLOC_ALLOW_THP`: where the system allows them (`enabled` is `always` or `madvise`), the
/// allocator's memory came in 2 MiB pages, each resident whole however little of it was in use,
/// and a million-object local-files sync peaked at 142 to 169 MB instead of 100 to 110 MB, at the
/// same speed (`docs/benchmarks.md`). The kernel's flag covers the whole process: mimalloc's
/// arenas and the C allocator SQLite uses.
fn keep_memory_in_small_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none()
        && let Err(err) = rustix::thread::disable_transparent_huge_pages(true)
    {
        eprintln!("labelsync: cannot turn transparent huge pages off ({err}); memory use may be higher");
    }
}

fn main() -> std::process::ExitCode {
    keep_memory_in_small_pages();
    purge_freed_memory_at_once();
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

#[cfg(test)]
mod tests {
    /// The option set at start is mimalloc's purge delay, whose default (mimalloc v3's
    /// `options.c`) is 1,000 ms.
    #[test]
    fn the_purge_option_is_the_purge_delay() {
        // SAFETY: reads a process-wide option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000, "mimalloc's option 15 should be purge_delay (default 1,000 ms)");
    }

    /// Turning transparent huge pages off takes: the kernel reports the process's flag set.
    #[cfg(target_os = "linux")]
    #[test]
    fn transparent_huge_pages_are_turned_off() {
        // SAFETY: nothing else in this test process reads or writes the variable meanwhile.
        unsafe { std::env::remove_var("MIMALLOC_ALLOW_THP") };
        super::keep_memory_in_small_pages();
        assert!(rustix::thread::transparent_huge_pages_are_disabled().expect("prctl"));
    }
}

//! Listing page sizes. Each backend pages at its provider's maximum; the conformance suite
//! (feature `testing`) may lower that so a few hundred objects already span several pages.

/// The page size a listing asks for: `default`, or less when a test lowered it.
pub(crate) fn page_size(default: usize) -> usize {
    match test_page_size::get() {
        Some(size) => size.clamp(1, default),
        None => default,
    }
}

#[cfg(feature = "testing")]
pub(crate) mod test_page_size {
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// 0: no override.
    static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

    pub(crate) fn get() -> Option<usize> {
        Some(PAGE_SIZE.load(Ordering::Relaxed)).filter(|n| *n > 0)
    }

    /// Lowers every listing page of this process to `size` objects (`None`: the providers'
    /// maxima again).
    pub(crate) fn set(size: Option<usize>) {
        PAGE_SIZE.store(size.unwrap_or(0), Ordering::Relaxed);
    }
}

#[cfg(not(feature = "testing"))]
mod test_page_size {
    pub(crate) fn get() -> Option<usize> {
        None
    }
}

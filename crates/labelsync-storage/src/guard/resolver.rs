//! The guard as a `reqwest` DNS resolver, so HTTP clients re-check at every connect.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::NetGuard;

/// Resolves names through [`NetGuard::resolve_host`]: a refused host fails the connection
/// with the guard's message, an allowed one connects to exactly the addresses that were checked.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    guard: NetGuard,
    port: u16,
}

impl GuardedResolver {
    pub(super) fn new(guard: NetGuard, port: u16) -> GuardedResolver {
        GuardedResolver { guard, port }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let port = self.port;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = guard.resolve_host(&host, port).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    /// The resolver refuses loopback names with the guard's message and passes allowlisted ones.
    #[tokio::test]
    async fn resolver_applies_the_guard() {
        let strict = NetGuard::new(true, Vec::new()).dns_resolver(80);
        let name: Name = "localhost".parse().expect("name");
        let Err(err) = strict.resolve(name).await else { panic!("localhost must be refused") };
        let err = err.downcast::<Error>().expect("a storage error");
        assert!(matches!(*err, Error::Blocked(_)), "{err:?}");

        let allowed = NetGuard::new(true, vec!["localhost:80".into()]).dns_resolver(80);
        let name: Name = "localhost".parse().expect("name");
        let Ok(addrs) = allowed.resolve(name).await else { panic!("allowlisted") };
        assert!(addrs.into_iter().all(|a| a.ip().is_loopback()));
    }
}

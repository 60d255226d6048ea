//! S3, GCS and Azure Blob listed in parts (module `partitioned`): a part is a key prefix, split
//! with one delimited listing call.

use async_trait::async_trait;
use futures::stream::BoxStream;

use super::keys::{encode_component, list_prefix};
use super::listing::mode;
use super::{CloudStorage, PageRequest, Provider};
use crate::partitioned::{Part, PartLister};
use crate::{ListItem, Result};

#[async_trait]
impl<P: Provider> PartLister for CloudStorage<P> {
    fn root(&self) -> Part {
        Part { path: list_prefix(self.prefix.as_deref()).unwrap_or_default(), recursive: self.recursive }
    }

    fn scope(&self) -> String {
        format!("{}:{}", mode(self.recursive), encode_component(&self.root().path))
    }

    /// The root; in a recursive storage also its direct objects alone, or a prefix below it
    /// ending in `/`.
    fn contains(&self, part: &Part) -> bool {
        let root = self.root();
        if !self.recursive {
            return *part == root;
        }
        part.path == root.path || (part.path.starts_with(&root.path) && part.path.ends_with('/'))
    }

    /// One delimited page of the prefix: when it is the whole listing (not truncated) and names
    /// sub-prefixes, they are the parts, with one for the objects directly under the prefix
    /// when there are any (folder placeholders aside).
    async fn split(&self, part: &Part) -> Result<Option<Vec<Part>>> {
        let request = PageRequest {
            prefix: Some(part.path.as_str()).filter(|p| !p.is_empty()),
            delimited: true,
            token: None,
            start_after: None,
            max_keys: None,
        };
        let page = self.provider.list_page(request).await?;
        let prefixes: Vec<String> = page
            .prefixes
            .into_iter()
            .filter(|p| p.starts_with(&part.path) && p.len() > part.path.len() && p.ends_with('/'))
            .collect();
        if page.next.is_some() || prefixes.is_empty() {
            return Ok(None);
        }
        let direct = page.objects.iter().any(|object| !object.key.ends_with('/'));
        let direct = direct.then(|| Part { path: part.path.clone(), recursive: false });
        let children = prefixes.into_iter().map(|path| Part { path, recursive: true });
        Ok(Some(direct.into_iter().chain(children).collect()))
    }

    fn list_part(&self, part: &Part, checkpoint: Option<String>) -> BoxStream<'_, Result<ListItem>> {
        let prefix = Some(part.path.clone()).filter(|p| !p.is_empty());
        self.list_items(prefix, part.recursive, checkpoint)
    }
}

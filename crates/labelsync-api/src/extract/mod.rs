//! Request extractors that reject with Label Studio's error envelope.

mod auth;
mod body;

pub use auth::AuthUser;
pub use body::{AnyBody, Body};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Path parameters. A segment that does not parse (e.g. a non-numeric id) is a 404, as in
/// Label Studio where such a URL matches no route.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|_| ApiError::not_found())
    }
}

/// Query parameters; a malformed query is a 400 envelope naming the problem. A key sent more
/// than once counts with its last value, as Django's `QueryDict.get` reads it.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = last_of_each_key(parts.uri.query().unwrap_or(""));
        let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(Query).map_err(|e| {
            let field = e.path().to_string();
            let message = e.inner().to_string();
            if field.is_empty() || field == "." {
                ApiError::non_field(message)
            } else {
                ApiError::field(&field, message)
            }
        })
    }
}

/// `query` with each key once, holding the last value it was sent with.
fn last_of_each_key(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        pairs.retain(|(k, _)| *k != key);
        pairs.push((key.into_owned(), value.into_owned()));
    }
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repeated key keeps its last value; other keys and their encoding are untouched.
    #[test]
    fn repeated_keys_keep_the_last_value() {
        assert_eq!(last_of_each_key("page_size=null&page=2&page_size=5"), "page=2&page_size=5");
        assert_eq!(last_of_each_key("q=a%20b&q=c+d"), "q=c+d");
        assert_eq!(last_of_each_key(""), "");
    }
}

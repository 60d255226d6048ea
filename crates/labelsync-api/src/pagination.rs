//! Page-number pagination as Django REST framework does it for Label Studio.

use axum::http::{HeaderMap, Uri, header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;

/// `page` and `page_size` as sent; kept as text because DRF treats bad values leniently.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub page: Option<String>,
    pub page_size: Option<String>,
}

/// One page of a list: DRF's `{count, next, previous, results}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paginated<T> {
    /// Items in the whole list.
    pub count: i64,
    /// The next page's absolute URL, null on the last page.
    #[schema(value_type = Option<String>)]
    pub next: Value,
    /// The previous page's absolute URL, null on the first page.
    #[schema(value_type = Option<String>)]
    pub previous: Value,
    pub results: Vec<T>,
}

impl<T> Paginated<T> {
    /// `results` as page `page` of `count` items of the request `uri`.
    pub fn new(page: &Page, uri: &Uri, headers: &HeaderMap, count: i64, results: Vec<T>) -> Paginated<T> {
        let (next, previous) = page.links(uri, headers, count);
        Paginated { count, next, previous, results }
    }
}

/// A resolved page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub fn offset(&self) -> i64 {
        (self.number - 1) * self.size
    }

    /// Resolves the page against `count` rows: a page past the end (other than an empty
    /// first page), `page=0` or a non-number is DRF's 404 `"Invalid page."`; `page=last` works.
    /// No value of `page` or `page_size` can overflow (see `page_size`).
    pub fn resolve(
        query: &PageQuery,
        default_size: i64,
        max_size: Option<i64>,
        count: i64,
    ) -> Result<Page, ApiError> {
        let size = page_size(query.page_size.as_deref(), default_size, max_size);
        let pages = if count <= 0 { 1 } else { (count - 1) / size + 1 };
        let number = match query.page.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some("last") => pages,
            Some(text) => text.parse::<i64>().map_err(|_| invalid())?,
        };
        if number < 1 || number > pages {
            return Err(invalid());
        }
        Ok(Page { number, size })
    }

    /// DRF's `next` / `previous` links: absolute URLs from the request's Host, query keys sorted.
    pub fn links(&self, uri: &Uri, headers: &HeaderMap, count: i64) -> (Value, Value) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let base = format!("http://{host}{}", uri.path());
        let with_page = |page: Option<i64>| -> String {
            let mut pairs: Vec<(String, String)> =
                url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                    .filter(|(k, _)| k != "page")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
            if let Some(page) = page {
                pairs.push(("page".into(), page.to_string()));
            }
            pairs.sort();
            let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            if query.is_empty() { base.clone() } else { format!("{base}?{query}") }
        };
        let next = (self.offset().saturating_add(self.size) < count)
            .then(|| json!(with_page(Some(self.number + 1))));
        let previous = match self.number {
            1 => None,
            2 => Some(json!(with_page(None))),
            n => Some(json!(with_page(Some(n - 1)))),
        };
        (next.unwrap_or(Value::Null), previous.unwrap_or(Value::Null))
    }
}

/// DRF's `page_size`: a positive integer, at most `max_size`; zero, negative or not a number
/// means the default. Python's integers have no bound, so a positive number too large for an
/// `i64` is the largest page there is, not an error.
fn page_size(text: Option<&str>, default_size: i64, max_size: Option<i64>) -> i64 {
    let Some(text) = text.map(str::trim) else { return default_size };
    let digits = text.strip_prefix('+').unwrap_or(text);
    let size = match text.parse::<i64>() {
        Ok(size) if size > 0 => size,
        Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => i64::MAX,
        _ => return default_size,
    };
    max_size.map_or(size, |max| size.min(max)).max(1)
}

fn invalid() -> ApiError {
    ApiError::NotFound("Invalid page.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(page: Option<&str>, size: Option<&str>) -> PageQuery {
        PageQuery { page: page.map(Into::into), page_size: size.map(Into::into) }
    }

    /// Sizes fall back and clamp like DRF; out-of-range pages are invalid except an empty page 1.
    #[test]
    fn resolve() {
        assert_eq!(Page::resolve(&q(None, None), 30, Some(100), 0).unwrap(), Page { number: 1, size: 30 });
        assert_eq!(Page::resolve(&q(None, Some("500")), 30, Some(100), 0).unwrap().size, 100);
        assert_eq!(Page::resolve(&q(None, Some("0")), 30, Some(100), 0).unwrap().size, 30);
        assert_eq!(Page::resolve(&q(Some("last"), Some("2")), 30, None, 5).unwrap().number, 3);
        assert!(Page::resolve(&q(Some("4"), Some("2")), 30, None, 5).is_err());
        assert!(Page::resolve(&q(Some("abc"), None), 30, None, 5).is_err());
        assert!(Page::resolve(&q(Some("0"), None), 30, None, 5).is_err());
    }

    /// No `page` or `page_size` overflows: huge sizes are one page (clamped where there is a
    /// maximum), huge, negative and non-numeric pages are `Invalid page.`, and links stay sane.
    #[test]
    fn extreme_values() {
        let max = i64::MAX.to_string();
        let huge = "99999999999999999999999999";
        for size in [max.as_str(), huge, "+9223372036854775807"] {
            let page = Page::resolve(&q(None, Some(size)), 30, None, 5).unwrap();
            assert_eq!((page.number, page.size, page.offset()), (1, i64::MAX, 0));
            assert_eq!(Page::resolve(&q(None, Some(size)), 30, Some(100), 5).unwrap().size, 100);
            assert_eq!(Page::resolve(&q(Some("last"), Some(size)), 30, None, i64::MAX).unwrap().number, 1);
        }
        for size in ["-1", "-9223372036854775808", "0", "abc", "1.5", "", "-99999999999999999999999"] {
            assert_eq!(Page::resolve(&q(None, Some(size)), 30, None, 5).unwrap().size, 30, "{size}");
        }
        for page in [max.as_str(), huge, "-1", "-9223372036854775808", "1e3", "2"] {
            assert!(Page::resolve(&q(Some(page), Some("5")), 30, None, 5).is_err(), "{page}");
        }
        let last = Page::resolve(&q(Some("last"), Some("1")), 30, None, i64::MAX).unwrap();
        assert_eq!(last.number, i64::MAX);
        let uri: Uri = "/api/projects/".parse().unwrap();
        let (next, _) = Page { number: 1, size: i64::MAX }.links(&uri, &HeaderMap::new(), i64::MAX);
        assert_eq!(next, Value::Null);
        let (next, _) = last.links(&uri, &HeaderMap::new(), i64::MAX);
        assert_eq!(next, Value::Null);
    }

    /// Links are absolute, sorted, and page 2's previous link drops `page`.
    #[test]
    fn links() {
        let uri: Uri = "/api/projects/?page_size=2&page=2".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "h:1".parse().unwrap());
        let (next, prev) = Page { number: 2, size: 2 }.links(&uri, &headers, 5);
        assert_eq!(next, json!("http://h:1/api/projects/?page=3&page_size=2"));
        assert_eq!(prev, json!("http://h:1/api/projects/?page_size=2"));
    }
}

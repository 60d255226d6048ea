//! `regex_filter` as Label Studio applies it: Python's `re.match`, anchored at the start of
//! the key (not at the end), with Python's syntax (lookarounds and backreferences included,
//! hence `fancy-regex`). Empty means "everything".

/// A compiled `regex_filter`.
#[derive(Debug, Clone)]
pub struct KeyFilter(Option<fancy_regex::Regex>);

impl KeyFilter {
    /// Compiles `pattern`; `None` or empty matches every key. The error is shown to the user.
    pub fn new(pattern: Option<&str>) -> Result<KeyFilter, String> {
        match pattern.filter(|p| !p.is_empty()) {
            None => Ok(KeyFilter(None)),
            Some(p) => {
                // The pattern alone first: its error positions are the user's, and a pattern
                // such as `a)|(b` cannot pass by closing the anchoring group.
                let invalid = |e: fancy_regex::Error| format!("Invalid regex_filter {p:?}: {e}");
                fancy_regex::Regex::new(p).map_err(invalid)?;
                fancy_regex::Regex::new(&format!(r"\A(?:{p})")).map(|re| KeyFilter(Some(re))).map_err(invalid)
            }
        }
    }

    /// Whether `candidate` (a full key, or a basename for local files) is selected. A pattern
    /// that fails while matching (backtracking limit) selects nothing.
    pub fn matches(&self, candidate: &str) -> bool {
        match &self.0 {
            None => true,
            Some(re) => re.is_match(candidate).unwrap_or(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeyFilter;

    /// Anchored at the start only, like `re.match`; empty matches all; bad patterns are errors.
    #[test]
    fn python_match_semantics() {
        let f = KeyFilter::new(Some(r".*\.jpg")).unwrap();
        assert!(f.matches("a.jpg") && f.matches("a.jpg.txt") && !f.matches("a.png"));
        let f = KeyFilter::new(Some("subdir/image")).unwrap();
        assert!(f.matches("subdir/image1.jpg") && !f.matches("x/subdir/image1.jpg"));
        assert!(KeyFilter::new(Some("")).unwrap().matches("anything"));
        assert!(KeyFilter::new(None).unwrap().matches("anything"));
        assert!(KeyFilter::new(Some("a|b")).unwrap().matches("b1"));
        assert!(KeyFilter::new(Some(r"(?!tmp).*\.json")).unwrap().matches("x.json"));
        assert!(!KeyFilter::new(Some(r"(?!tmp).*\.json")).unwrap().matches("tmp.json"));
        assert!(KeyFilter::new(Some("([")).is_err());
        assert!(KeyFilter::new(Some("a)|(b")).is_err(), "cannot close the anchoring group");
        let err = KeyFilter::new(Some("[")).unwrap_err();
        assert!(err.contains("position 1"), "positions are the pattern's own: {err}");
    }
}

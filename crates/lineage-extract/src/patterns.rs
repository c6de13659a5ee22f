//! The regular expressions a script builds at run time (`re.search(p, s)`, `re.compile(p)`,
//! Scala's `replaceAll` and `split`), compiled once per pattern for one pass of the
//! interpreter: a helper that calls `re.search` on every call, or a loop over a list, reuses
//! the compiled program and its search caches instead of compiling again. Patterns come from
//! an untrusted script, so each compiled program is bounded in size, and so is the cache.

use regex::{Regex, RegexBuilder};
use std::collections::HashMap;

/// The most distinct patterns kept; past it a pattern is compiled for its one use.
const MAX_PATTERNS: usize = 256;
/// The most memory one compiled pattern may take (the regex crate's default is 10 MiB).
const MAX_PROGRAM_BYTES: usize = 1 << 20;

/// Compiled patterns by their text (`None`: the pattern does not compile, or is too large).
#[derive(Debug, Default)]
pub(crate) struct Patterns {
    compiled: HashMap<String, Option<Regex>>,
}

impl Patterns {
    /// The compiled `pattern`, or `None` when it does not compile within the bounds.
    pub(crate) fn get(&mut self, pattern: &str) -> Option<Regex> {
        if let Some(hit) = self.compiled.get(pattern) {
            return hit.clone();
        }
        let re = compile(pattern);
        if self.compiled.len() < MAX_PATTERNS {
            self.compiled.insert(pattern.to_string(), re.clone());
        }
        re
    }
}

fn compile(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern)
        .size_limit(MAX_PROGRAM_BYTES)
        .dfa_size_limit(MAX_PROGRAM_BYTES)
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_compiles_once_and_matches_like_a_fresh_one() {
        let mut p = Patterns::default();
        let a = p.get(r"jdbc:redshift://(.+?)\..*").expect("compiles");
        let b = p.get(r"jdbc:redshift://(.+?)\..*").expect("compiles");
        assert_eq!(p.compiled.len(), 1);
        let text = "jdbc:redshift://cluster-1.abc.us-east-1.redshift.amazonaws.com:5439/dev";
        assert_eq!(&a.captures(text).expect("matches")[1], "cluster-1");
        assert_eq!(&b.captures(text).expect("matches")[1], "cluster-1");
    }

    #[test]
    fn bad_and_oversized_patterns_give_none_and_the_cache_stays_bounded() {
        let mut p = Patterns::default();
        assert!(p.get("(unclosed").is_none());
        // a counted repetition of a large Unicode class: far past the size bound
        assert!(p.get(r"\w{1000}\w{1000}\w{1000}").is_none());
        for i in 0..(MAX_PATTERNS + 10) {
            assert!(p.get(&format!("a{i}")).is_some());
        }
        assert_eq!(p.compiled.len(), MAX_PATTERNS);
        assert!(
            p.get("a1000000").is_some(),
            "past the bound a pattern still compiles"
        );
    }
}

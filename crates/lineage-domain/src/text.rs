//! Text as the agent quotes it in messages, findings and documents: cut to a number of
//! characters (never inside a character), the cut marked.

/// `text` cut to its first `max_chars` characters, `...` marking the cut.
pub fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn cuts_at_a_character_count_and_marks_the_cut() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdef", 4), "abcd...");
        assert_eq!(cut("éééé", 2), "éé...");
        assert_eq!(cut("", 0), "");
    }
}

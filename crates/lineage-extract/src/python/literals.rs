//! Python string literal contents: escape sequences (unless raw) and `{{`/`}}` in f-strings.

/// The value of a literal's content piece.
pub(crate) fn unescape(raw: &str, is_raw: bool, is_f: bool) -> String {
    let s = if is_f {
        raw.replace("{{", "{").replace("}}", "}")
    } else {
        raw.to_string()
    };
    if is_raw || !s.contains('\\') {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\n') => {}
            Some('0') => out.push('\0'),
            Some('x') => {
                let h: String = chars.by_ref().take(2).collect();
                if let Some(ch) = u32::from_str_radix(&h, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::unescape(r"a\nb\\c", false, false), "a\nb\\c");
        assert_eq!(super::unescape(r"a\nb", true, false), r"a\nb");
        assert_eq!(super::unescape("{{x}}", false, true), "{x}");
    }
}

//! Splitting SQL text into statements at top-level `;`, aware of quotes, comments, dollar
//! quoting and `BEGIN ... END` blocks, so that one bad statement does not lose the others.

/// One statement's text and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub text: String,
    /// 1-based line of the statement's first token.
    pub line: u32,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The next word at or after `i` (skipping whitespace), upper case.
fn next_word(chars: &[char], mut i: usize) -> String {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    let mut w = String::new();
    while i < chars.len() && is_word(chars[i]) {
        w.push(chars[i].to_ascii_uppercase());
        i += 1;
    }
    w
}

/// Skips a quoted region starting at `i` (the opening quote); returns the index after it.
fn skip_quoted(chars: &[char], i: usize, close: char) -> usize {
    let mut j = i + 1;
    while j < chars.len() {
        let c = chars[j];
        if c == '\\' && close != ']' && close != '`' {
            j += 2;
            continue;
        }
        if c == close {
            if j + 1 < chars.len() && chars[j + 1] == close && close != ']' {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    chars.len()
}

/// A dollar-quote tag (`$$`, `$body$`) starting at `i`, if any.
fn dollar_tag(chars: &[char], i: usize) -> Option<String> {
    let mut j = i + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        if j == i + 1 && chars[j].is_ascii_digit() {
            return None;
        }
        j += 1;
    }
    (j < chars.len() && chars[j] == '$').then(|| chars[i..=j].iter().collect())
}

/// True when the text has something other than whitespace and comments.
fn first_token_offset(chars: &[char]) -> Option<usize> {
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else {
            return Some(i);
        }
    }
    None
}

/// Splits `sql` into statements. Lines are counted from `first_line`.
pub(crate) fn split(sql: &str, first_line: u32) -> Vec<Chunk> {
    let chars: Vec<char> = sql.chars().collect();
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut depth = 0usize;
    let mut i = 0usize;
    let mut prev_word = String::new();
    let push = |chunks: &mut Vec<Chunk>, from: usize, to: usize| {
        let piece = &chars[from..to];
        if let Some(off) = first_token_offset(piece) {
            let line =
                first_line + chars[..from + off].iter().filter(|c| **c == '\n').count() as u32;
            chunks.push(Chunk {
                text: piece.iter().collect(),
                line,
            });
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' | '`' => i = skip_quoted(&chars, i, c),
            '[' => {
                // T-SQL bracket identifier: only when it closes on the same line.
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == ']' || x == '\n' || x == '[');
                match end {
                    Some(e) if chars[i + 1 + e] == ']' => i = i + e + 2,
                    _ => i += 1,
                }
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i = (i + 2).min(chars.len());
            }
            '$' => match dollar_tag(&chars, i) {
                Some(tag) => {
                    let tag: Vec<char> = tag.chars().collect();
                    let mut j = i + tag.len();
                    while j < chars.len() && !chars[j..].starts_with(&tag) {
                        j += 1;
                    }
                    i = (j + tag.len()).min(chars.len());
                }
                None => i += 1,
            },
            ';' if depth == 0 => {
                push(&mut chunks, start, i);
                i += 1;
                start = i;
            }
            c if is_word(c) && (i == 0 || !is_word(chars[i - 1])) => {
                let mut j = i;
                while j < chars.len() && is_word(chars[j]) {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect::<String>().to_ascii_uppercase();
                match word.as_str() {
                    "BEGIN" => {
                        let next = next_word(&chars, j);
                        let after_semicolon = chars[j..]
                            .iter()
                            .find(|c| !c.is_whitespace())
                            .is_some_and(|c| *c == ';');
                        if !matches!(
                            next.as_str(),
                            "TRANSACTION"
                                | "TRAN"
                                | "WORK"
                                | "DEFERRED"
                                | "IMMEDIATE"
                                | "EXCLUSIVE"
                        ) && !after_semicolon
                            && j < chars.len()
                        {
                            depth += 1;
                        }
                    }
                    "CASE" if prev_word != "END" => depth += 1,
                    "END" => {
                        let next = next_word(&chars, j);
                        if !matches!(next.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT" | "FOR") {
                            depth = depth.saturating_sub(1);
                        }
                    }
                    _ => {}
                }
                prev_word = word;
                i = j;
            }
            _ => i += 1,
        }
    }
    push(&mut chunks, start, chars.len());
    chunks
}

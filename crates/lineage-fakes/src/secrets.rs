//! Planted secrets for the leak tests (the AWS suite through the Lambda's bootstrap and the CLI
//! suite on local fixtures share them): the forms a secret takes in Glue jobs, the needles that
//! must never be found in a sink, and the search that reports each leak with its surroundings.

/// One form a secret takes: its name and the text that carries a value.
#[derive(Debug)]
pub struct Form {
    pub name: &'static str,
    pub text: fn(&str) -> String,
}

/// Every form: `"password": "…"`, `.option("password", …)`, `password = "…"`, URL user-info
/// (JDBC), Oracle `user/pw@host`, a Hadoop `--conf` secret key, an AWS access key id, a bearer
/// token, a webhook URL.
pub const FORMS: &[Form] = &[
    Form {
        name: "quoted key/value",
        text: |v| format!("\"password\": \"{v}\""),
    },
    Form {
        name: "option call",
        text: |v| format!(".option(\"password\", \"{v}\")"),
    },
    Form {
        name: "assignment",
        text: |v| format!("db_password = \"{v}\""),
    },
    Form {
        name: "URL user-info (JDBC)",
        text: |v| format!("jdbc:mysql://etl:{v}@sales-db:3306/sales"),
    },
    Form {
        name: "Oracle user/pw@host",
        text: |v| format!("jdbc:oracle:thin:etl/{v}@orahost:1521/ORCL"),
    },
    Form {
        name: "Hadoop conf secret key",
        text: |v| format!("spark.hadoop.fs.s3a.secret.key={v}"),
    },
    Form {
        name: "AWS access key id",
        text: |v| format!("AKIA{}", access_key_tail(v)),
    },
    Form {
        name: "bearer token",
        text: |v| format!("Authorization: Bearer {v}"),
    },
    Form {
        name: "webhook URL",
        text: |v| format!("https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/{v}"),
    },
];

/// The 16 characters after `AKIA` that the access-key form makes of a value.
fn access_key_tail(v: &str) -> String {
    let mut t: String = v
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    while t.len() < 16 {
        t.push('Q');
    }
    t[..16].to_string()
}

/// The texts carrying `values`, one per form (in [`FORMS`] order).
pub fn planted(values: &[String]) -> Vec<String> {
    values.iter().zip(FORMS).map(|(v, f)| (f.text)(v)).collect()
}

/// What must never be found: each value (named by its form), and for the access-key form the
/// key it makes.
pub fn needles(values: &[String]) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for (v, f) in values.iter().zip(FORMS) {
        out.push((v.clone(), f.name));
        if f.name == "AWS access key id" {
            out.push((format!("AKIA{}", access_key_tail(v)), f.name));
        }
    }
    out
}

/// Every needle found in a sink (`(sink name, its text)`), each with the text around it.
pub fn leaks(needles: &[(String, &str)], sinks: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (needle, form) in needles {
        for (sink, text) in sinks {
            if let Some(at) = text.find(needle.as_str()) {
                // the text around the leak, on char boundaries
                let from = (0..=at.saturating_sub(160))
                    .rev()
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(0);
                let to = (at + needle.len()..text.len().min(at + needle.len() + 60))
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                found.push(format!(
                    "{form} ({needle}) in {sink}: …{}…",
                    &text[from..to]
                ));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_carries_its_value_and_a_planted_value_is_found() {
        let values: Vec<String> = (0..FORMS.len())
            .map(|i| format!("Zx{i}secretvalue"))
            .collect();
        let texts = planted(&values);
        for (t, v) in texts.iter().zip(&values) {
            if !t.starts_with("AKIA") {
                assert!(t.contains(v.as_str()), "{t}");
            }
        }
        let n = needles(&values);
        let sinks = vec![("a log".to_string(), format!("x {} y", texts[0]))];
        let found = leaks(&n, &sinks);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("quoted key/value (Zx0secretvalue) in a log"));
        assert!(leaks(&n, &[("clean".into(), "nothing".into())]).is_empty());
    }
}

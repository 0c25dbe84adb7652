//! Recipient lists in plain-text form: one address per line, `#` comments and blank lines
//! skipped, `Ann Smith <ann@example.com>` read as the address in angle brackets. Entries are
//! validated later, by `RecipientSet::build`.

use crate::load::recipients::RecipientList;
use crate::model::error::InputError;
use crate::model::source::SourceId;

pub fn parse(source: SourceId, name: &str, text: &str) -> Result<RecipientList, InputError> {
    let _ = name;
    let mut list = RecipientList::new(source);
    let mut start = 0;
    for (index, raw) in text.split('\n').enumerate() {
        let line_start = start;
        start += raw.len() + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut address = trimmed;
        // `Display Name <address>`: the part in the last pair of angle brackets.
        if let Some(inside) = trimmed
            .strip_suffix('>')
            .and_then(|t| t.rfind('<').map(|open| t[open + 1..].trim()))
        {
            if !inside.is_empty() {
                address = inside;
            }
        }
        // `address` is a slice of `raw`, which is a slice of `text`.
        let offset = line_start + (address.as_ptr() as usize - raw.as_ptr() as usize);
        list.push(
            text,
            address,
            index + 1,
            offset..offset + address.len(),
            None,
        );
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> RecipientList {
        parse(SourceId(0), "list.txt", text).unwrap()
    }

    #[test]
    fn one_address_per_line_with_comments_and_names() {
        let text = "# spring list\r\nann@example.com\r\n\r\n  Bob Roy <bob@example.com>  \r\n\"Smith, Cy\" < cy@example.com >\n   # indented comment\nnot an address\nÉlodie <élodie@exemple.ca>";
        let list = parse(SourceId(3), "list.txt", text).unwrap();
        let got: Vec<_> = list
            .entries
            .iter()
            .map(|e| (list.address(text, e), e.line()))
            .collect();
        assert_eq!(
            got,
            [
                ("ann@example.com", 2),
                ("bob@example.com", 4),
                ("cy@example.com", 5),
                ("not an address", 7),
                ("élodie@exemple.ca", 8),
            ]
        );
        for e in &list.entries {
            assert_eq!(&text[e.span()], list.address(text, e));
            assert_eq!(list.origin(e).source, SourceId(3));
            assert!(list.consent(e).is_none());
        }
        assert!(list.problems.is_empty() && list.column.is_none() && !list.has_consent_columns);
    }

    #[test]
    fn empty_brackets_keep_the_line() {
        let text = "Ann <>\n";
        let list = load(text);
        assert_eq!(list.address(text, &list.entries[0]), "Ann <>");
    }

    #[test]
    fn empty_text() {
        assert!(load("").entries.is_empty());
        assert!(load("\n\n# only comments\n").entries.is_empty());
    }
}

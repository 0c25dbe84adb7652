//! Errors that stop a run: unreadable input, bad usage, bad configuration (exit code 2).

use std::borrow::Cow;
use std::fmt;

use crate::model::format::excerpt;

/// An input that cannot be used at all, named by file and, where known, line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// The most characters of one message: the longest real message is a few hundred; only a
/// message quoting hostile input is longer, and it is cut rather than printed whole.
const MAX_MESSAGE_CHARS: usize = 2000;

impl InputError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        let message = match excerpt(&message, MAX_MESSAGE_CHARS) {
            Cow::Borrowed(_) => message,
            Cow::Owned(cut) => cut,
        };
        InputError {
            file: excerpt(&file.into(), MAX_MESSAGE_CHARS).into_owned(),
            line: None,
            message,
        }
    }

    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for InputError {}

//! What the checks read: the mailing, and what several checks read of it, worked out on first
//! use and shared by them (the CSS of its HTML: three checks read every declaration of a
//! template, and reading it once each was a fifth of a template's check).

use std::cell::OnceCell;
use std::ops::Deref;

use crate::analysis::css::{self, DocCss};
use crate::mailing::Mailing;

/// The mailing the checks judge; it derefs to the [`Mailing`].
pub struct Subject<'m> {
    mailing: &'m Mailing,
    css: OnceCell<DocCss<'m>>,
}

impl<'m> Subject<'m> {
    pub fn new(mailing: &'m Mailing) -> Self {
        Subject {
            mailing,
            css: OnceCell::new(),
        }
    }

    /// The CSS of the draft's HTML (empty without HTML).
    pub fn css(&self) -> &DocCss<'m> {
        self.css.get_or_init(|| {
            self.mailing
                .draft
                .html
                .as_ref()
                .map(css::read)
                .unwrap_or_default()
        })
    }
}

impl Deref for Subject<'_> {
    type Target = Mailing;

    fn deref(&self) -> &Mailing {
        self.mailing
    }
}

//! What the checks read: the mailing, and what several checks read of it, worked out on first
//! use and shared by them: the CSS of its HTML (three checks read every declaration of a
//! template, and reading it once each was a fifth of a template's check) and its unsubscribe
//! mechanisms (four checks ask).

use std::cell::OnceCell;
use std::ops::Deref;

use crate::analysis::css::{self, DocCss};
use crate::analysis::unsubscribe::{self, Analysis};
use crate::mailing::Mailing;
use crate::rules::Params;

/// The mailing the checks judge; it derefs to the [`Mailing`].
pub struct Subject<'m> {
    mailing: &'m Mailing,
    /// The run's rule parameters, the ones every check is given.
    params: &'m Params,
    css: OnceCell<DocCss<'m>>,
    unsubscribe: OnceCell<Analysis>,
}

impl<'m> Subject<'m> {
    pub fn new(mailing: &'m Mailing, params: &'m Params) -> Self {
        Subject {
            mailing,
            params,
            css: OnceCell::new(),
            unsubscribe: OnceCell::new(),
        }
    }

    /// The draft's unsubscribe mechanisms, placeholders judged with the run's parameters.
    pub fn unsubscribe(&self) -> &Analysis {
        self.unsubscribe.get_or_init(|| {
            let m = self.mailing;
            unsubscribe::analyze(
                &m.draft,
                &m.sources,
                &m.body_tags,
                &self.params.unsubscribe_placeholder,
            )
        })
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

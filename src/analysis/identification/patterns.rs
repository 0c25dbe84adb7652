//! The texts of sender identification's patterns, written from the word lists of
//! `rules/sender-identification.toml` (`[params]`).
//!
//! The patterns are compiled into DFAs at build time: `build.rs` includes this file, reads the
//! rule file's params and serialises one DFA pair per pattern, so a run only deserialises the
//! ones it searches with. The library uses the same texts for the few patterns whose capture
//! group it reads (over a matched span only) and for the test that the DFAs match what the
//! texts compile to at run time. This file therefore needs nothing but std, serde and
//! regex-syntax.

/// The word lists and code tables of `rules/sender-identification.toml`'s `[params]`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Params {
    pub canadian_postal_first_letters: String,
    pub canadian_postal_letters: String,
    pub province_codes: Vec<String>,
    pub province_names: Vec<String>,
    pub us_state_codes: Vec<String>,
    pub po_box_forms: Vec<String>,
    pub street_types_en: Vec<String>,
    pub street_types_fr: Vec<String>,
    pub street_connectors_fr: Vec<String>,
    pub organisation_suffixes: Vec<String>,
    pub copyright_cues: Vec<String>,
    pub copyright_not_names: Vec<String>,
    pub name_connectors: Vec<String>,
    pub not_names: Vec<String>,
    pub name_tags: Vec<String>,
    pub name_only_tags: Vec<String>,
    pub phone_cues: Vec<String>,
    pub email_cues: Vec<String>,
    pub web_cues: Vec<String>,
    pub web_tlds: Vec<String>,
    pub contact_link_words: Vec<String>,
    pub placeholder_texts: Vec<String>,
    pub no_reply_local_parts: Vec<String>,
    pub tracking_domains: Vec<String>,
    pub street_words_intl: Vec<String>,
    pub countries: Vec<String>,
    pub irish_counties: Vec<String>,
    pub australian_states: Vec<String>,
    pub address_labels: Vec<String>,
}

/// One pattern of the detectors; its number indexes [`texts`] and the DFAs built from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Labelled,
    IntlStreet,
    IntlPostcodeCountry,
    Irish,
    Australian,
    Japanese,
    CaPostal,
    CaPostalBare,
    UsZip,
    UkPostcode,
    PoBox,
    StreetEn,
    StreetFr,
    OrgSuffix,
    OrgSuffixWord,
    Copyright,
    PhoneNanp,
    PhoneIntl,
    PhoneCued,
    Email,
    Web,
}

impl Which {
    /// Every pattern, in the order of [`texts`]: what build.rs compiles (and the tests check).
    #[cfg_attr(not(test), allow(dead_code))]
    pub const ALL: [Which; 21] = [
        Which::Labelled,
        Which::IntlStreet,
        Which::IntlPostcodeCountry,
        Which::Irish,
        Which::Australian,
        Which::Japanese,
        Which::CaPostal,
        Which::CaPostalBare,
        Which::UsZip,
        Which::UkPostcode,
        Which::PoBox,
        Which::StreetEn,
        Which::StreetFr,
        Which::OrgSuffix,
        Which::OrgSuffixWord,
        Which::Copyright,
        Which::PhoneNanp,
        Which::PhoneIntl,
        Which::PhoneCued,
        Which::Email,
        Which::Web,
    ];

    /// What the pattern finds, for messages about it.
    pub fn what(self) -> &'static str {
        match self {
            Which::Labelled => "labelled address",
            Which::IntlStreet => "European street",
            Which::IntlPostcodeCountry => "postcode and country",
            Which::Irish => "Irish address",
            Which::Australian => "Australian address",
            Which::Japanese => "Japanese address",
            Which::CaPostal => "Canadian postal code",
            Which::CaPostalBare => "Canadian postal code",
            Which::UsZip => "US ZIP code",
            Which::UkPostcode => "UK postcode",
            Which::PoBox => "post office box",
            Which::StreetEn => "English street",
            Which::StreetFr => "French street",
            Which::OrgSuffix => "organisation suffix",
            Which::OrgSuffixWord => "organisation suffix",
            Which::Copyright => "copyright",
            Which::PhoneNanp => "telephone",
            Which::PhoneIntl => "telephone",
            Which::PhoneCued => "telephone",
            Which::Email => "email",
            Which::Web => "web address",
        }
    }

    /// Whether the detectors read the pattern's first capture group, not only the match.
    pub fn has_group(self) -> bool {
        matches!(
            self,
            Which::Labelled
                | Which::Copyright
                | Which::PhoneNanp
                | Which::PhoneIntl
                | Which::PhoneCued
        )
    }
}

/// A letter, as a class: the Latin script's (see the module comment of `identification`).
const LETTER: &str = r"[\p{Latin}]";
/// A capital letter: A–Z, Latin-1's and Latin Extended-A's (which mixes the cases: close
/// enough, and a fraction of the cost of `\p{Lu}`).
const UPPER: &str = "[A-ZÀ-ÖØ-ÞĀ-Ž]";
/// Horizontal white space: an address sits on one line of the visible text.
const SP: &str = r"[ \t\u{a0}]";
/// What may stand before a number that starts a street line or a phone number: not a letter,
/// digit, currency sign or `#`, so `$12`, `#1042` and `3.14` are not read as one.
const NUM_GUARD: &str = r"(?:^|[^\p{Latin}0-9_$€£#.,:/+-])";
/// A capitalised word of a name or a street name (`Main`, `Saint-Laurent`, `O'Connor`, `St.`):
/// an [`UPPER`] letter, then [`LETTER`]s, digits and `&'’.-`.
const CAP_WORD: &str = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\p{Latin}0-9&'’.-]*";

/// `a|b|c` of the escaped words, longest first so a word never shadows a longer one.
fn alternation(words: &[String]) -> String {
    let mut words: Vec<&String> = words.iter().filter(|w| !w.is_empty()).collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words
        .iter()
        .map(|w| regex_syntax::escape(w))
        .collect::<Vec<_>>()
        .join("|")
}

/// Like [`alternation`], with each word's dots optional and its spaces flexible, so one entry
/// `P.O. Box` also reads `PO Box` and `P. O. BOX`.
fn loose_alternation(words: &[String]) -> String {
    let mut words: Vec<&String> = words.iter().filter(|w| !w.is_empty()).collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words
        .iter()
        .map(|w| {
            let mut out = String::new();
            for c in w.trim_end_matches('.').chars() {
                match c {
                    '.' => out.push_str(r"\.?\s*"),
                    ' ' => out.push_str(r"\s*"),
                    c => out.push_str(&regex_syntax::escape(&c.to_string())),
                }
            }
            // A trailing dot ("Inc.", "C.P.") is always optional.
            if w.ends_with('.') {
                out.push_str(r"\.?");
            }
            out
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// Each word as written and in upper case (`Street`, `STREET`).
fn with_upper(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = words.to_vec();
    out.extend(words.iter().map(|w| w.to_uppercase()));
    out.sort();
    out.dedup();
    out
}

/// The pattern texts, in the order of [`Which::ALL`], as they are compiled: word boundaries are
/// ASCII ones. With a Unicode `\b`, the lazy DFA gave up on any non-ASCII text and the (far
/// slower) PikeVM searched instead, which a 50 MB template turned into seconds; a DFA built
/// ahead of time cannot have one at all. The patterns are written with `\b` for readability.
pub fn texts(params: &Params) -> Vec<String> {
    let p = params;
    let first = regex_syntax::escape(&p.canadian_postal_first_letters);
    let letters = regex_syntax::escape(&p.canadian_postal_letters);
    let provinces = format!(
        r"(?:\b(?:{})\b|(?i:\b(?:{})))",
        alternation(&p.province_codes),
        alternation(&p.province_names),
    );
    let ca_postal = format!(r"\b[{first}][0-9][{letters}](?:{SP}|-)[0-9][{letters}][0-9]\b");
    let ca_postal_bare =
        format!(r"{provinces}\)?,?{SP}*[{first}][0-9][{letters}][0-9][{letters}][0-9]\b");
    let states = alternation(&p.us_state_codes);
    let us_zip = format!(r"\b(?:{states})\.?,?{SP}+[0-9]{{5}}(?:-[0-9]{{4}})?\b");
    // Outward code, space, inward code (whose letters are never C, I, K, M, O or V).
    let uk_postcode = r"\b[A-Z]{1,2}[0-9][A-Z0-9]?[ \u{a0}][0-9][ABD-HJLNP-UW-Z]{2}\b".to_string();
    let po_forms = loose_alternation(&p.po_box_forms);
    let po_box = format!(r"(?i:\b(?:{po_forms}){SP}*(?:#|no\.?|n°|nº)?{SP}*[0-9]+)\b");
    let number = r"[0-9]{1,6}[A-Za-z]?(?:-[0-9]{1,6}[A-Za-z]?)?";
    let types_en = alternation(&with_upper(&p.street_types_en));
    let street_en = format!(
        r"{NUM_GUARD}{number}{SP}+(?:(?:[0-9]+(?:st|nd|rd|th)|{CAP_WORD}){SP}+){{1,4}}(?:{types_en})(?:\b|$)"
    );
    let types_fr = alternation(&p.street_types_fr);
    let connectors_fr = alternation(&p.street_connectors_fr);
    let street_fr = format!(
        r"{NUM_GUARD}{number},?{SP}+(?i:{types_fr})\.?{SP}+(?:(?i:{connectors_fr}){SP}*)?{UPPER}"
    );

    let suffixes = loose_alternation(&p.organisation_suffixes);
    let org_suffix = format!(
        r"{CAP_WORD}(?:{SP}+{CAP_WORD})*,?{SP}+(?:&{SP}+)?(?i:{suffixes})(?:[^\p{{Latin}}0-9]|$)"
    );
    let org_suffix_word = format!(r"^(?i:{suffixes})[,.]?$");
    let cues = alternation(&p.copyright_cues);
    // "© Copyright 2016 Name", "©2\u{200c}016 Name" (a zero-width joiner inside the year).
    let copyright = format!(
        r"(?:(?i:{cues}){SP}*)+(?:[0-9\p{{Cf}}]{{4,}}(?:{SP}*[-–—]{SP}*[0-9\p{{Cf}}]{{4,}})?{SP}*,?)?{SP}*({LETTER}[^\n]*)"
    );
    let phone_nanp = format!(
        r"{NUM_GUARD}((?:\+?1[ .\u{{a0}}-]?)?(?:\([0-9]{{3}}\)[ .\u{{a0}}-]?|[0-9]{{3}}[ .\u{{a0}}-])[0-9]{{3}}[ .\u{{a0}}-][0-9]{{4}})\b"
    );
    let phone_intl =
        format!(r"{NUM_GUARD}(\+[0-9]{{1,3}}(?:[ .\u{{a0}}-]?\(?[0-9]{{1,5}}\)?){{2,6}})");
    let phone_cued = format!(
        r"(?i:\b(?:{}))\.?{SP}*(?:[:.#-]{SP}*)?(\+?[0-9(][0-9 ().\u{{a0}}-]{{5,}}[0-9])",
        alternation(&p.phone_cues)
    );
    let email = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}".to_string();
    let tlds = alternation(&p.web_tlds);
    // A bare domain counts with a known TLD, or after a cue ("Web: boulangerie.example").
    let web = format!(
        r"(?i:\bhttps?://[\p{{Latin}}0-9_-]+(?:\.[\p{{Latin}}0-9_-]+)+(?:/[^\s<>]*)?|\bwww\.[\p{{Latin}}0-9_-]+(?:\.[\p{{Latin}}0-9_-]+)+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{tlds})\b|\b(?:{}){SP}*:?{SP}*[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)",
        alternation(&p.web_cues)
    );

    // "Musterstraße 12, 10115 Berlin", "Via Roma 3 ⏎ 00185 Roma": a street word within a
    // capitalised name, a house number, then a postcode and a capitalised town.
    let intl_words = loose_alternation(&p.street_words_intl);
    // The town (of up to three words, "Emmerich am Rhein") may also come before the
    // postcode, as Mailchimp writes a list address ("Albert-Hahn-Straße 20  Duisburg
    // 47269   Germany"), with a region code between them as services that write every
    // address the US way do ("Emmerich am Rhein, NRW 46446").
    let intl_street = format!(
        r"(?i:{LETTER}*(?:{intl_words}))\.?,?{SP}*(?:{CAP_WORD}{SP}+){{0,3}}[0-9]{{1,4}}[a-zA-Z]?(?:{SP}*[-/]{SP}*[0-9]{{1,4}})?[,.·|•–-]?[ \t\u{{a0}},·|•–-]*\n?[ \t\u{{a0}}]*(?:(?:[A-Z]{{1,2}}-)?[0-9]{{4,5}}(?:{SP}?[A-Z]{{2}})?,?{SP}+{UPPER}|{CAP_WORD}(?:{SP}+{LETTER}+){{0,2}}[ \t\u{{a0}},]+(?:[A-Z]{{2,3}}{SP}+)?(?:[A-Z]{{1,2}}-)?[0-9]{{4,5}}\b)"
    );
    let countries = alternation(&p.countries);
    let intl_postcode_country = format!(
        r"\b(?:[A-Z]{{1,2}}-)?[0-9]{{4,5}}{SP}+{CAP_WORD}(?:{SP}+{CAP_WORD})?{SP}*[,·|•–-]?{SP}*(?:{countries})\b"
    );
    let irish = format!(
        r"\b(?:Co\.?|County){SP}+(?:{})\b|\b[ACDEFHKNPRTVWXY][0-9][0-9W]{SP}[0-9ACDEFHKNPRTVWXY]{{4}}\b",
        alternation(&p.irish_counties)
    );
    let australian = format!(
        r"{CAP_WORD}{SP}+(?:{}){SP}+[0-9]{{4}}\b",
        alternation(&p.australian_states)
    );

    // "〒150-0002", "東京都世田谷区駒沢1-2-27": the postal mark and its code, or a prefecture
    // (都, 道, 府 or a 県 of two or three characters), the city or ward and district, and the
    // block and house numbers (`1-2-27`, in ASCII or full-width digits, or 丁目).
    let digit = "[0-9０-９]";
    let dash = "[-－‐ー−]";
    let japanese = format!(
        r"〒{SP}*{digit}{{3}}{dash}{digit}{{4}}|(?:東京都|北海道|京都府|大阪府|\p{{Han}}{{2,3}}県)[\p{{Han}}\p{{Hiragana}}\p{{Katakana}}ー]{{1,12}}{digit}{{1,4}}(?:{dash}{digit}{{1,4}}|丁目)"
    );

    // "Our mailing address is: ⏎ ETEnergyworld.com, FC6, Sector 16 A, Noida - 201301",
    // "所在地　京都府城陽市寺田８−２" (a label, then a colon or an ideographic space): the
    // footer says what the text is, in any country's format. The address is what follows on
    // that line and the next; it needs a number (a house, a box or a postcode) and some
    // words to be more than a heading.
    let labelled = format!(
        r"(?:^|[^\p{{Latin}}])(?i:(?:{})){SP}*(?::|：|\u{{3000}})[ \t\u{{a0}}\u{{3000}}]*\n?{SP}*([^\n]+(?:\n{SP}*[^\n]+)?)",
        alternation(&p.address_labels)
    );

    [
        labelled,
        intl_street,
        intl_postcode_country,
        irish,
        australian,
        japanese,
        ca_postal,
        ca_postal_bare,
        us_zip,
        uk_postcode,
        po_box,
        street_en,
        street_fr,
        org_suffix,
        org_suffix_word,
        copyright,
        phone_nanp,
        phone_intl,
        phone_cued,
        email,
        web,
    ]
    .into_iter()
    .map(|p| p.replace(r"\b", r"(?-u:\b)"))
    .collect()
}

//! CSS colours as email markup writes them (`color`, `background-color`, the `background`
//! shorthand, `bgcolor`), and WCAG 2.x contrast between two of them.

use std::fmt;

/// An opaque sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rgb(pub [u8; 3]);

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

/// What a colour value says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Paint {
    /// Not set here: inherited (text) or see-through to the parent (background).
    #[default]
    Unset,
    /// `transparent`, or `inherit` / `initial` for a background: the parent shows through.
    Transparent,
    Color(Rgb),
    /// A value that cannot be settled from the markup alone: a variable, `currentColor`,
    /// a half-transparent colour, a system colour, a misspelling.
    Unknown,
}

/// A CSS colour value: a name, `#rgb`, `#rrggbb` (`#rgba`/`#rrggbbaa` when opaque), `rgb()` or
/// `rgba()` with alpha 1.
pub fn parse(value: &str) -> Paint {
    let v = value.trim();
    if v.eq_ignore_ascii_case("transparent") {
        return Paint::Transparent;
    }
    if let Some(hex) = v.strip_prefix('#') {
        return hex_color(hex).map_or(Paint::Unknown, Paint::Color);
    }
    let lower = v.to_ascii_lowercase();
    if let Some(args) = lower
        .strip_prefix("rgba(")
        .or_else(|| lower.strip_prefix("rgb("))
    {
        return args
            .strip_suffix(')')
            .and_then(rgb_function)
            .map_or(Paint::Unknown, Paint::Color);
    }
    named(&lower).map_or(Paint::Unknown, Paint::Color)
}

/// A legacy colour attribute (`bgcolor`, `<font color>`): CSS syntax, or six hex digits
/// without the `#`, which browsers accept there.
pub fn parse_attribute(value: &str) -> Paint {
    let v = value.trim();
    if v.len() == 6 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex_color(v).map_or(Paint::Unknown, Paint::Color);
    }
    if v.is_empty() {
        return Paint::Unset;
    }
    parse(v)
}

/// The colour of a `background` shorthand, and whether it sets an image (`url(…)`, a
/// gradient) that the text may stand on.
pub fn background(value: &str) -> (Paint, bool) {
    let lower = value.trim().to_ascii_lowercase();
    let image =
        lower.contains("url(") || lower.contains("gradient(") || lower.contains("image-set(");
    if lower == "none" || lower == "inherit" || lower == "initial" || lower == "unset" {
        return (Paint::Transparent, image);
    }
    // The colour is the token that parses as one; functions are kept whole.
    let mut paint = Paint::Unset;
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = lower.as_bytes();
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(b' ');
        match b {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b' ' | b'\t' | b'\n' if depth == 0 => {
                let token = &lower[start..i];
                start = i + 1;
                if token.is_empty() || token.contains("url(") || token.contains("gradient(") {
                    continue;
                }
                match parse(token) {
                    Paint::Unknown if token.starts_with(['#']) || token.contains('(') => {
                        paint = Paint::Unknown;
                    }
                    Paint::Unknown => {}
                    found => paint = found,
                }
            }
            _ => {}
        }
    }
    if lower.contains("var(") {
        paint = Paint::Unknown;
    }
    (paint, image)
}

/// The WCAG 2.x contrast ratio between two colours, 1 to 21.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// Relative luminance, as WCAG 2.x defines it.
fn luminance(c: Rgb) -> f64 {
    let channel = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    let [r, g, b] = c.0;
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

fn hex_color(hex: &str) -> Option<Rgb> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).ok();
    let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    match hex.len() {
        3 | 4 => {
            if hex.len() == 4 && digit(3)? != 15 {
                return None;
            }
            Some(Rgb([digit(0)? * 17, digit(1)? * 17, digit(2)? * 17]))
        }
        6 | 8 => {
            if hex.len() == 8 && pair(6)? != 255 {
                return None;
            }
            Some(Rgb([pair(0)?, pair(2)?, pair(4)?]))
        }
        _ => None,
    }
}

/// `r, g, b[, a]` or `r g b[ / a]`, numbers or percentages; `None` unless alpha is 1.
fn rgb_function(args: &str) -> Option<Rgb> {
    let parts: Vec<&str> = args
        .split([',', ' ', '/'])
        .filter(|p| !p.is_empty())
        .collect();
    if !(3..=4).contains(&parts.len()) {
        return None;
    }
    if let Some(alpha) = parts.get(3) {
        let a = match alpha.strip_suffix('%') {
            Some(p) => p.parse::<f64>().ok()? / 100.0,
            None => alpha.parse::<f64>().ok()?,
        };
        if a < 1.0 {
            return None;
        }
    }
    let channel = |p: &str| -> Option<u8> {
        let v = match p.strip_suffix('%') {
            Some(pct) => pct.parse::<f64>().ok()? * 2.55,
            None => p.parse::<f64>().ok()?,
        };
        // In range by the clamp, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(v.round().clamp(0.0, 255.0) as u8)
    };
    Some(Rgb([
        channel(parts[0])?,
        channel(parts[1])?,
        channel(parts[2])?,
    ]))
}

fn named(name: &str) -> Option<Rgb> {
    let i = NAMED.binary_search_by(|(n, _)| n.cmp(&name)).ok()?;
    let [_, r, g, b] = NAMED[i].1.to_be_bytes();
    Some(Rgb([r, g, b]))
}

/// The CSS Color Module Level 4 named colours, sorted for binary search.
const NAMED: &[(&str, u32)] = &[
    ("aliceblue", 0xf0f8ff),
    ("antiquewhite", 0xfaebd7),
    ("aqua", 0x00ffff),
    ("aquamarine", 0x7fffd4),
    ("azure", 0xf0ffff),
    ("beige", 0xf5f5dc),
    ("bisque", 0xffe4c4),
    ("black", 0x000000),
    ("blanchedalmond", 0xffebcd),
    ("blue", 0x0000ff),
    ("blueviolet", 0x8a2be2),
    ("brown", 0xa52a2a),
    ("burlywood", 0xdeb887),
    ("cadetblue", 0x5f9ea0),
    ("chartreuse", 0x7fff00),
    ("chocolate", 0xd2691e),
    ("coral", 0xff7f50),
    ("cornflowerblue", 0x6495ed),
    ("cornsilk", 0xfff8dc),
    ("crimson", 0xdc143c),
    ("cyan", 0x00ffff),
    ("darkblue", 0x00008b),
    ("darkcyan", 0x008b8b),
    ("darkgoldenrod", 0xb8860b),
    ("darkgray", 0xa9a9a9),
    ("darkgreen", 0x006400),
    ("darkgrey", 0xa9a9a9),
    ("darkkhaki", 0xbdb76b),
    ("darkmagenta", 0x8b008b),
    ("darkolivegreen", 0x556b2f),
    ("darkorange", 0xff8c00),
    ("darkorchid", 0x9932cc),
    ("darkred", 0x8b0000),
    ("darksalmon", 0xe9967a),
    ("darkseagreen", 0x8fbc8f),
    ("darkslateblue", 0x483d8b),
    ("darkslategray", 0x2f4f4f),
    ("darkslategrey", 0x2f4f4f),
    ("darkturquoise", 0x00ced1),
    ("darkviolet", 0x9400d3),
    ("deeppink", 0xff1493),
    ("deepskyblue", 0x00bfff),
    ("dimgray", 0x696969),
    ("dimgrey", 0x696969),
    ("dodgerblue", 0x1e90ff),
    ("firebrick", 0xb22222),
    ("floralwhite", 0xfffaf0),
    ("forestgreen", 0x228b22),
    ("fuchsia", 0xff00ff),
    ("gainsboro", 0xdcdcdc),
    ("ghostwhite", 0xf8f8ff),
    ("gold", 0xffd700),
    ("goldenrod", 0xdaa520),
    ("gray", 0x808080),
    ("green", 0x008000),
    ("greenyellow", 0xadff2f),
    ("grey", 0x808080),
    ("honeydew", 0xf0fff0),
    ("hotpink", 0xff69b4),
    ("indianred", 0xcd5c5c),
    ("indigo", 0x4b0082),
    ("ivory", 0xfffff0),
    ("khaki", 0xf0e68c),
    ("lavender", 0xe6e6fa),
    ("lavenderblush", 0xfff0f5),
    ("lawngreen", 0x7cfc00),
    ("lemonchiffon", 0xfffacd),
    ("lightblue", 0xadd8e6),
    ("lightcoral", 0xf08080),
    ("lightcyan", 0xe0ffff),
    ("lightgoldenrodyellow", 0xfafad2),
    ("lightgray", 0xd3d3d3),
    ("lightgreen", 0x90ee90),
    ("lightgrey", 0xd3d3d3),
    ("lightpink", 0xffb6c1),
    ("lightsalmon", 0xffa07a),
    ("lightseagreen", 0x20b2aa),
    ("lightskyblue", 0x87cefa),
    ("lightslategray", 0x778899),
    ("lightslategrey", 0x778899),
    ("lightsteelblue", 0xb0c4de),
    ("lightyellow", 0xffffe0),
    ("lime", 0x00ff00),
    ("limegreen", 0x32cd32),
    ("linen", 0xfaf0e6),
    ("magenta", 0xff00ff),
    ("maroon", 0x800000),
    ("mediumaquamarine", 0x66cdaa),
    ("mediumblue", 0x0000cd),
    ("mediumorchid", 0xba55d3),
    ("mediumpurple", 0x9370db),
    ("mediumseagreen", 0x3cb371),
    ("mediumslateblue", 0x7b68ee),
    ("mediumspringgreen", 0x00fa9a),
    ("mediumturquoise", 0x48d1cc),
    ("mediumvioletred", 0xc71585),
    ("midnightblue", 0x191970),
    ("mintcream", 0xf5fffa),
    ("mistyrose", 0xffe4e1),
    ("moccasin", 0xffe4b5),
    ("navajowhite", 0xffdead),
    ("navy", 0x000080),
    ("oldlace", 0xfdf5e6),
    ("olive", 0x808000),
    ("olivedrab", 0x6b8e23),
    ("orange", 0xffa500),
    ("orangered", 0xff4500),
    ("orchid", 0xda70d6),
    ("palegoldenrod", 0xeee8aa),
    ("palegreen", 0x98fb98),
    ("paleturquoise", 0xafeeee),
    ("palevioletred", 0xdb7093),
    ("papayawhip", 0xffefd5),
    ("peachpuff", 0xffdab9),
    ("peru", 0xcd853f),
    ("pink", 0xffc0cb),
    ("plum", 0xdda0dd),
    ("powderblue", 0xb0e0e6),
    ("purple", 0x800080),
    ("rebeccapurple", 0x663399),
    ("red", 0xff0000),
    ("rosybrown", 0xbc8f8f),
    ("royalblue", 0x4169e1),
    ("saddlebrown", 0x8b4513),
    ("salmon", 0xfa8072),
    ("sandybrown", 0xf4a460),
    ("seagreen", 0x2e8b57),
    ("seashell", 0xfff5ee),
    ("sienna", 0xa0522d),
    ("silver", 0xc0c0c0),
    ("skyblue", 0x87ceeb),
    ("slateblue", 0x6a5acd),
    ("slategray", 0x708090),
    ("slategrey", 0x708090),
    ("snow", 0xfffafa),
    ("springgreen", 0x00ff7f),
    ("steelblue", 0x4682b4),
    ("tan", 0xd2b48c),
    ("teal", 0x008080),
    ("thistle", 0xd8bfd8),
    ("tomato", 0xff6347),
    ("turquoise", 0x40e0d0),
    ("violet", 0xee82ee),
    ("wheat", 0xf5deb3),
    ("white", 0xffffff),
    ("whitesmoke", 0xf5f5f5),
    ("yellow", 0xffff00),
    ("yellowgreen", 0x9acd32),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_every_email_spelling() {
        let white = Paint::Color(Rgb([255, 255, 255]));
        for v in [
            "#fff",
            "#FFFFFF",
            "white",
            "rgb(255, 255, 255)",
            "rgba(255,255,255,1)",
            "rgb(100% 100% 100%)",
            "#ffff",
        ] {
            assert_eq!(parse(v), white, "{v}");
        }
        assert_eq!(parse_attribute("ffffff"), white);
        for v in [
            "rgba(0,0,0,0.5)",
            "var(--text)",
            "currentColor",
            "#12",
            "whiteish",
            "#ffffff80",
        ] {
            assert_eq!(parse(v), Paint::Unknown, "{v}");
        }
        assert_eq!(parse("transparent"), Paint::Transparent);
    }

    #[test]
    fn background_shorthand_gives_its_colour_and_image() {
        assert_eq!(
            background("#336699 url('a b.png') no-repeat"),
            (Paint::Color(Rgb([0x33, 0x66, 0x99])), true)
        );
        assert_eq!(background("none"), (Paint::Transparent, false));
        assert_eq!(
            background("linear-gradient(#fff, #000)"),
            (Paint::Unset, true)
        );
        assert_eq!(background("var(--bg)").0, Paint::Unknown);
    }

    #[test]
    fn contrast_matches_wcag_figures() {
        let black = Rgb([0, 0, 0]);
        let white = Rgb([255, 255, 255]);
        assert!((contrast(black, white) - 21.0).abs() < 1e-9);
        // #767676 on white is the lightest grey that passes 4.5:1.
        assert!((contrast(Rgb([0x76, 0x76, 0x76]), white) - 4.54).abs() < 0.01);
        assert!(contrast(Rgb([0x77, 0x77, 0x77]), white) < 4.5);
    }
}

//! bulklint.toml parsing and validation (strict TOML, rule and provider ids, globs, [input]).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = bulklint::config::Config::parse(std::path::Path::new("bulklint.toml"), text) {
        let _ = config.options_for(std::path::Path::new("templates/news.html"));
    }
});

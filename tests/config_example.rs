//! The shipped example config parses, and names every key the config accepts.

use std::path::Path;

use bulklint::config::Config;

#[test]
fn the_example_config_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bulklint.example.toml");
    let config = Config::load(&path).unwrap();
    assert_eq!(
        config.provider.as_ref().map(|p| p.get_ref().as_str()),
        Some("microsoft365")
    );
    assert_eq!(
        config.limits.entries().len(),
        5,
        "every limit is shown in the example"
    );
    assert!(!config.overrides.is_empty());
}

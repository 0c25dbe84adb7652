use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let t = Instant::now();
    let _ = bulklint::rules::params();
    eprintln!("rules catalogue: {:?}", t.elapsed());
    let t = Instant::now();
    let _ = bulklint::data::phrases::get();
    eprintln!("phrases: {:?}", t.elapsed());
    let t = Instant::now();
    let _ = bulklint::analysis::merge_tags::table();
    eprintln!("merge tags table: {:?}", t.elapsed());
    let t = Instant::now();
    let _ = bulklint::rules::checks::sender_identification::detectors();
    eprintln!("detectors (no DFA loaded): {:?}", t.elapsed());
    for i in 0..3 {
        let t = Instant::now();
        let input = bulklint::Input {
            name: path.clone(),
            bytes: bytes.clone(),
        };
        let _ = bulklint::check(input, Vec::new(), &bulklint::Options::default());
        eprintln!("check {i}: {:?}", t.elapsed());
    }
}

//! The floor for a recipient-list load: the least a program must do to read the address column
//! of a CSV and find its repeats. It reads the file once, splits records with the `csv` crate,
//! and keeps a 64-bit hash per address (no copy of the address). `benches/cli.sh` runs it beside
//! `bulklint check -r` on the same file, so the ratio is measured in one run.
//!
//! usage: csv_floor FILE [COLUMN]   (COLUMN: 0-based index of the address column, default the last)

use std::hash::BuildHasher;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: csv_floor FILE [COLUMN]");
        std::process::exit(2);
    };
    let column: Option<usize> = args.next().and_then(|c| c.parse().ok());
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    });
    let state = foldhash::fast::FixedState::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut seen = hashbrown::HashTable::<u64>::with_capacity(bytes.len() / 40);
    let (mut rows, mut repeats) = (0u64, 0u64);
    let mut record = csv::ByteRecord::new();
    let mut lower = Vec::new();
    while reader.read_byte_record(&mut record).unwrap_or(false) {
        rows += 1;
        let field = match column {
            Some(c) => record.get(c),
            None => record.iter().next_back(),
        };
        let Some(address) = field else { continue };
        lower.clear();
        lower.extend(address.iter().map(u8::to_ascii_lowercase));
        let hash = state.hash_one(&lower);
        match seen.entry(hash, |&h| h == hash, |&h| h) {
            hashbrown::hash_table::Entry::Occupied(_) => repeats += 1,
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(hash);
            }
        }
    }
    println!("{rows} rows, {repeats} repeats");
    // Exit without freeing the table: the OS does it, as it does for bulklint.
    std::process::exit(0);
}

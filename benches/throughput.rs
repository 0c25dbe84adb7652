//! Throughput benchmarks (how to run and what they measured: BENCHMARKS.md).
//!
//! - `corpus`: every HTML template of the shared corpus (or generated ones) through the whole
//!   library check, against html5ever alone on the same bytes (tokenizer only, and tokenizer plus
//!   tree builder into an `RcDom`). The run ends with the ratio, measured in the same process.
//! - `recipients`: a 1,000,000-row CSV generated here, loaded, and checked with a draft.
//! - `identical-body`: one body to 1k, 10k and 100k recipients, and a batch of 1k and 10k
//!   merged messages (100k with `BULKLINT_BENCH_BIG=1`): time per recipient or message should
//!   stay flat.
//! - `eml`: the MIME depth guard's walk of every corpus message, against mail-parser's parse.

use std::cell::Cell;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, BenchmarkId, Criterion, SamplingMode, Throughput};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tokenizer::{BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer};
use markup5ever_rcdom::RcDom;

use bulklint::load::mailbox::{Location, MailboxKind, RawMessage};
use bulklint::mailing::batch::Batch;
use bulklint::{Input, Options};

/// The HTML templates of the shared corpus, or (in a checkout without it) 200 generated ones.
fn templates() -> (String, Vec<(String, String)>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/templates");
    let mut found: Vec<(String, String)> = corpus_files(&root, &["html", "htm"])
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            Some((path.display().to_string(), text))
        })
        .collect();
    if !found.is_empty() {
        found.sort();
        return (
            format!("{} templates of {}", found.len(), root.display()),
            found,
        );
    }
    let generated = (0..200)
        .map(|i| (format!("generated-{i}.html"), newsletter_html(i, 40)))
        .collect();
    ("200 generated templates".into(), generated)
}

/// A newsletter-shaped HTML body: a table layout with `rows` product rows.
fn newsletter_html(seed: usize, rows: usize) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Spring specials</title>\
         <style>td{padding:8px}.btn{background:#c00}</style></head><body><table width=\"600\">",
    );
    for r in 0..rows {
        html.push_str(&format!(
            "<tr><td><img src=\"https://cdn.example.com/{seed}/{r}.jpg\" alt=\"Product {r}\" width=\"120\"></td>\
             <td><h2>Fresh bread n&deg;{r}</h2><p>Our baker&rsquo;s pick of the week &mdash; {r}0% off, \
             this week only.</p><a class=\"btn\" href=\"https://shop.example.com/p/{seed}/{r}\">Order now</a></td></tr>"
        ));
    }
    html.push_str(
        "<tr><td colspan=\"2\"><p>Northwind Bakery, 12 Rue Principale, Montréal QC H2X 1Y4</p>\
         <p><a href=\"https://shop.example.com/unsubscribe\">Unsubscribe</a></p></td></tr></table></body></html>",
    );
    html
}

/// A token sink that only looks at each token: html5ever's tokenizer, nothing more.
struct CountingSink {
    tokens: Cell<usize>,
}

impl TokenSink for CountingSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        black_box(&token);
        self.tokens.set(self.tokens.get() + 1);
        TokenSinkResult::Continue
    }
}

fn html5ever_tokenize(html: &str) -> usize {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(
        CountingSink {
            tokens: Cell::new(0),
        },
        Default::default(),
    );
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.tokens.get()
}

fn html5ever_tree(html: &str) -> RcDom {
    html5ever::parse_document(RcDom::default(), Default::default())
        .from_utf8()
        .one(html.as_bytes())
}

fn bulklint_check(name: &str, html: &str) -> usize {
    let input = Input {
        name: name.to_string(),
        bytes: html.as_bytes().to_vec(),
    };
    match bulklint::check(input, Vec::new(), &Options::default()) {
        Ok(outcome) => outcome.findings.len(),
        Err(_) => 0,
    }
}

fn corpus(c: &mut Criterion) {
    let (what, templates) = templates();
    let bytes: usize = templates.iter().map(|(_, t)| t.len()).sum();
    eprintln!("corpus: {what}, {bytes} bytes");
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("bulklint-check", |b| {
        b.iter(|| {
            templates
                .iter()
                .map(|(n, t)| bulklint_check(n, t))
                .sum::<usize>()
        })
    });
    group.bench_function("bulklint-html-parse", |b| {
        b.iter(|| {
            templates
                .iter()
                .map(|(_, t)| {
                    bulklint::load::draft::html::parse(bulklint::model::source::SourceId(0), t, 0)
                        .texts
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("html5ever-tokenize", |b| {
        b.iter(|| {
            templates
                .iter()
                .map(|(_, t)| html5ever_tokenize(t))
                .sum::<usize>()
        })
    });
    group.bench_function("html5ever-tree", |b| {
        b.iter(|| {
            for (_, t) in &templates {
                black_box(html5ever_tree(t));
            }
        })
    });
    group.finish();
}

/// A recipient list of `rows` distinct addresses over 500 domains, in an Outlook-like shape.
fn recipient_csv(rows: usize) -> Vec<u8> {
    let mut out = String::with_capacity(rows * 48 + 64);
    out.push_str("First Name,Last Name,E-mail Address\n");
    for i in 0..rows {
        out.push_str(&format!(
            "First{i},Last{i},customer{i}@shop{}.example.com\n",
            i % 500
        ));
    }
    out.into_bytes()
}

fn draft() -> Input {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/spring-specials.eml");
    Input {
        name: "spring-specials.eml".into(),
        bytes: std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    }
}

fn recipients(c: &mut Criterion) {
    const ROWS: usize = 1_000_000;
    let csv = recipient_csv(ROWS);
    eprintln!("recipients: {ROWS} rows, {} bytes", csv.len());
    let mut group = c.benchmark_group("recipients");
    group.throughput(Throughput::Elements(ROWS as u64));
    // Seconds per iteration: ten plain samples, not criterion's growing iteration counts.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("load-1M-csv", |b| {
        b.iter(|| {
            let mut sources = bulklint::model::source::Sources::default();
            bulklint::load::recipients::load(&mut sources, "big.csv", csv.clone(), None)
                .map(|l| l.entries.len())
                .unwrap_or(0)
        })
    });
    let draft = draft();
    group.bench_function("check-1M-csv", |b| {
        b.iter(|| {
            let list = Input {
                name: "big.csv".into(),
                bytes: csv.clone(),
            };
            bulklint::check(draft.clone(), vec![list], &Options::default())
                .map(|o| o.findings.len())
                .unwrap_or(0)
        })
    });
    group.finish();
}

/// `n` merged copies of one newsletter, each to its own recipient with its own greeting.
fn merged_batch(n: usize) -> Vec<RawMessage> {
    let body = newsletter_html(1, 10);
    (0..n)
        .map(|i| {
            let text = format!(
                "From: Northwind Bakery <news@northwind-bakery.ca>\r\nTo: Customer {i} <customer{i}@shop{}.example.com>\r\n\
                 Subject: Spring specials\r\nDate: Tue, 4 Mar 2025 10:{:02}:{:02} -0500\r\nX-Mailer: Microsoft Outlook 16.0\r\n\
                 MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hi Customer {i},</p>{body}\r\n",
                i % 500,
                (i / 60) % 60,
                i % 60
            );
            RawMessage {
                location: Location::file(format!("batch/{i}.eml")),
                bytes: text.into_bytes(),
            }
        })
        .collect()
}

fn identical_body(c: &mut Criterion) {
    let draft = draft();
    let mut group = c.benchmark_group("identical-body");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for n in [1_000, 10_000, 100_000] {
        let csv = recipient_csv(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("recipients", n), &csv, |b, csv| {
            b.iter(|| {
                let list = Input {
                    name: "list.csv".into(),
                    bytes: csv.clone(),
                };
                bulklint::check(draft.clone(), vec![list], &Options::default())
                    .map(|o| o.findings.len())
                    .unwrap_or(0)
            })
        });
    }
    let big = std::env::var_os("BULKLINT_BENCH_BIG").is_some();
    let sizes: &[usize] = if big {
        &[1_000, 10_000, 100_000]
    } else {
        &[1_000, 10_000]
    };
    for &n in sizes {
        let raw = merged_batch(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("batch-messages", n), &raw, |b, raw| {
            b.iter(|| batch_check(raw))
        });
    }
    group.finish();
}

/// What `bulklint check --batch` does: read every message, cluster the bodies, check the
/// representative with every message's recipients.
fn batch_check(raw: &[RawMessage]) -> usize {
    let batch = Batch::build("batch", MailboxKind::Folder, raw);
    let rep = batch
        .clusters(0.7)
        .first()
        .map_or(0, |cluster| cluster.members[0]);
    let draft = Input {
        name: raw[rep].location.to_string(),
        bytes: raw[rep].bytes.clone(),
    };
    let list = batch.recipients_list(Some(rep));
    let options = Options {
        batch: Some(Arc::new(batch)),
        ..Options::default()
    };
    bulklint::check(draft, vec![list], &options)
        .map(|o| o.findings.len())
        .unwrap_or(0)
}

/// The `.eml` files of the shared corpus (empty without it).
fn messages() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/eml");
    corpus_files(&root, &["eml"])
        .into_iter()
        .filter_map(|path| std::fs::read(path).ok())
        .collect()
}

/// Every file below `root` with one of `extensions` (none when `root` is missing).
fn corpus_files(root: &Path, extensions: &[&str]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .is_some_and(|e| extensions.iter().any(|x| e == *x))
            {
                found.push(path);
            }
        }
    }
    found
}

/// What the MIME depth guard costs: its walk of each message against mail-parser's own parse.
fn mime_guard(c: &mut Criterion) {
    let messages = messages();
    if messages.is_empty() {
        return;
    }
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("eml");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("mail-parser-parse", |b| {
        let parser = mail_parser::MessageParser::default();
        b.iter(|| {
            messages
                .iter()
                .map(|m| parser.parse(m).map_or(0, |m| m.parts.len()))
                .sum::<usize>()
        })
    });
    group.bench_function("mime-depth-guard", |b| {
        b.iter(|| {
            messages
                .iter()
                .map(|m| bulklint::load::input_limits::mime_depth(m, 100))
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, corpus, recipients, identical_body, mime_guard);

/// The median of `rounds` timings of `f`.
fn median(rounds: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[rounds / 2]
}

/// The number the design's target is about, printed in the same run: the library check of the
/// whole corpus against html5ever's bare tree parse of the same bytes.
fn corpus_ratio() {
    let (what, templates) = templates();
    let check = median(7, || {
        for (n, t) in &templates {
            black_box(bulklint_check(n, t));
        }
    });
    let tree = median(7, || {
        for (_, t) in &templates {
            black_box(html5ever_tree(t));
        }
    });
    let tokenize = median(7, || {
        for (_, t) in &templates {
            black_box(html5ever_tokenize(t));
        }
    });
    println!("\ncorpus ratio ({what}, median of 7):");
    println!("  bulklint check        {check:>12.3?}");
    println!("  html5ever tree parse  {tree:>12.3?}");
    println!("  html5ever tokenize    {tokenize:>12.3?}");
    println!(
        "  check / tree parse = {:.2}x   check / tokenize = {:.2}x   (target: within 2x of the parse)",
        check.as_secs_f64() / tree.as_secs_f64(),
        check.as_secs_f64() / tokenize.as_secs_f64()
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Only in a real benchmark run (`cargo bench`), and only when the corpus group was asked for.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let benching = args.iter().any(|a| a == "--bench");
    let filter = args.iter().find(|a| !a.starts_with('-'));
    if benching && filter.is_none_or(|f| "corpus".contains(f.as_str()) || f.contains("corpus")) {
        corpus_ratio();
    }
}

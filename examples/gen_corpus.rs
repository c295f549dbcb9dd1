//! Writes the deterministic benchmark corpus to a directory, for `benches/compare.sh`:
//! `cargo run --release --example gen_corpus -- DIR [MEGABYTES] [FILES]`.

#[path = "../benches/corpus.rs"]
mod corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: gen_corpus DIR [MEGABYTES] [FILES]");
        std::process::exit(2);
    };
    let megabytes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(256);
    let files: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let (text, planted) = corpus::generate(megabytes << 20, 64 << 10, "tree");
    let per_file = text.len() / files + 1;
    for (i, chunk) in text.chunks(per_file).enumerate() {
        let sub = std::path::Path::new(&dir).join(format!("pkg{:03}", i % 97));
        std::fs::create_dir_all(&sub).expect("directory is writable");
        let name = corpus::FILE_NAMES[i % corpus::FILE_NAMES.len()];
        std::fs::write(sub.join(format!("{i}-{name}")), chunk).expect("directory is writable");
    }
    println!("{} bytes in {} files, {planted} planted secrets", text.len(), files.min(text.len() / per_file + 1));
}

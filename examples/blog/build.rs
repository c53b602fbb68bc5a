//! Rebuild when a revision file is added to or removed from `migrations/`
//! (`embed_migrations!` already tracks the files it embeds).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

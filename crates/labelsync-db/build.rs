//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!` embeds the
//! `migrations/` directories at compile time, and cargo does not watch them otherwise (a binary
//! built without a new migration refuses a database that has it).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}

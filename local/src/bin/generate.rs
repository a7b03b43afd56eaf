//! `cargo run -p local-api --bin generate`: rewrites what the route declarations imply (the watch
//! router in Cargo.toml, template.yaml's HttpApi events) and adds an event skeleton in events/ for
//! each route without one. tests/routes fails until it has been run after a route changes.
#![forbid(unsafe_code)]

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().ok_or("local-api lives in the repository")?;
    let changed = membership_local::generate::write(repo)?;
    if changed.is_empty() {
        println!("up to date");
    }
    for path in changed {
        println!("wrote {}", path.display());
    }
    Ok(())
}

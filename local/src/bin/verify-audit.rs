//! `cargo run -p local-api --bin verify-audit -- [--endpoint URL] [--table NAME] [--seal]`: walks
//! every audit chain of the table (`AUDIT#<subject>`) and prints the first broken link of each,
//! exiting 1 when one is broken. `--seal` first links the events written since the last seal.
//! The key is derived from the DI pepper, read from `DI_PEPPER` (as Secrets Manager holds it);
//! credentials and region come from the usual AWS variables.
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::process::ExitCode;

use membership::keys::{Keys, SecretKey};
use membership::records::Records;

#[tokio::main]
async fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut endpoint = std::env::var("DYNAMODB_ENDPOINT").ok();
    let mut table = std::env::var("TABLE_NAME").ok().filter(|n| !n.is_empty()).unwrap_or_else(|| "membership".into());
    let mut seal = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--endpoint" => endpoint = Some(args.next().ok_or("--endpoint takes a URL")?),
            "--table" => table = args.next().ok_or("--table takes a name")?,
            "--seal" => seal = true,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let endpoint = endpoint.ok_or("name the table's endpoint: --endpoint URL or DYNAMODB_ENDPOINT")?;
    let pepper = std::env::var("DI_PEPPER").map_err(|_| "DI_PEPPER must hold the DI pepper")?;
    let key = Keys {
        di_pepper: SecretKey::from_text(&pepper)?,
        idempotency: SecretKey::random(),
        token_signing: SecretKey::random(),
    }
    .audit_chain();

    let dynamo = membership_local::local::dynamodb_table(&endpoint, &table).await?;
    let subjects: BTreeSet<String> = dynamo
        .scan_all()
        .await?
        .iter()
        .filter_map(|item| item.0.get("pk")?.as_str()?.strip_prefix("AUDIT#").map(str::to_owned))
        .collect();
    let records = Records::new(std::sync::Arc::new(dynamo));
    let now = time::OffsetDateTime::now_utc();
    let mut broken = 0;
    for subject in &subjects {
        if seal {
            records.seal_audit(subject, &key).await?;
        }
        match records.verify_audit(subject, &key, now).await? {
            Ok(_) => {}
            Err(link) => {
                println!("{link}");
                broken += 1;
            }
        }
    }
    println!("{} chains, {broken} broken", subjects.len());
    Ok(if broken == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

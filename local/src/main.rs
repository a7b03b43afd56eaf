//! `local-api`: serves every route, the simulators and the embedded store on 127.0.0.1:${PORT:-3000}.
#![forbid(unsafe_code)]

use std::net::SocketAddr;

use membership_local::local::{LocalApp, LocalOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    membership::telemetry::init();
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| format!("PORT must be a port number, not {port:?}"))?,
        Err(_) => 3000,
    };
    let (options, store) = LocalOptions::from_env().await?;
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let address = listener.local_addr()?;
    // The upstream adapters reach the simulators through this very server, over HTTP.
    let app = LocalApp::new(LocalOptions { upstream_base: Some(format!("http://{address}")), ..options });
    tracing::info!(address = %address, store, "local-api listening");
    membership_local::local::serve(listener, app.router, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

//! The AWS clients' HTTPS as deployed: in Lambda they trust the Amazon Trust Services roots built
//! into the binary, and nothing else. A TLS server on loopback with a certificate of its own is
//! refused by that client and accepted by one that trusts its certificate, so the refusal is the
//! trust store's doing.

use std::sync::Arc;

use aws_credential_types::Credentials;
use aws_sdk_dynamodb::config::{BehaviorVersion, Region, SharedHttpClient};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use tokio::sync::mpsc;
use tokio_rustls::rustls;

/// A TLS server for `localhost` that reports the outcome of each handshake; its certificate (PEM).
async fn tls_server() -> (u16, String, mpsc::UnboundedReceiver<Result<(), String>>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("a certificate");
    let pem = certified.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .expect("a server configuration");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (handshakes, outcomes) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let outcome = acceptor.accept(stream).await.map(drop).map_err(|e| e.to_string());
            let _ = handshakes.send(outcome);
        }
    });
    (port, pem, outcomes)
}

async fn list_tables(port: u16, http_client: SharedHttpClient) -> Result<(), String> {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("ap-northeast-2"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .endpoint_url(format!("https://localhost:{port}"))
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .http_client(http_client)
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    client
        .list_tables()
        .send()
        .await
        .map(drop)
        .map_err(|e| format!("{:?}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
}

#[tokio::test]
async fn in_lambda_the_aws_clients_trust_only_amazon_roots() {
    let (port, pem, mut handshakes) = tls_server().await;

    let refused = list_tables(port, membership::aws::aws_https_client()).await.expect_err("an unknown issuer");
    assert!(refused.contains("UnknownIssuer"), "the client names the unknown issuer: {refused}");
    let handshake = handshakes.recv().await.expect("a handshake").expect_err("refused by the client");
    assert!(handshake.contains("UnknownCA"), "the server was told why: {handshake}");

    // The same server, trusted: the handshake completes (the answer is not DynamoDB's, nobody cares).
    let trusting = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(TrustStore::empty().with_pem_certificate(pem.into_bytes()))
                .build()
                .expect("a TLS context"),
        )
        .build_https();
    let trusted = list_tables(port, trusting).await;
    assert!(!trusted.is_err_and(|e| e.contains("UnknownIssuer")), "the trusting client accepts the certificate");
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), handshakes.recv()).await;
        match next.expect("a handshake within 10 s").expect("a handshake") {
            Ok(()) => break,
            Err(refused) => assert!(refused.contains("UnknownCA"), "{refused}"),
        }
    }
}

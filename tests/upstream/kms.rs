//! The ID-token signer on the wire, against moto's KMS (the test command's second run, when
//! `DYNAMODB_ENDPOINT` names the test server): an `ECC_NIST_P256` / `SIGN_VERIFY` key created there
//! signs an ID token through the adapter (`Sign`, `RAW`, `ECDSA_SHA_256`, DER turned into `r ‖ s`),
//! and the token verifies with the public key of `GetPublicKey`, as the JWKS publishes it; the
//! previous key is published beside the current one, and a token verifies under its own only.

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use membership::aws::{sdk_config, Patience};
use membership::sso::kms::KmsSigner;
use membership::sso::signing::{sign_jwt, verified_payload};
use membership::sso::IdTokenSigner;
use serde_json::json;

async fn signing_key(client: &aws_sdk_kms::Client) -> String {
    let created = client
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .description("ID tokens (test)")
        .send()
        .await
        .expect("key created");
    created.key_metadata().expect("metadata").key_id().to_owned()
}

#[tokio::test]
async fn kms_signs_id_tokens_that_verify_with_its_public_key() {
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") else { return };
    let config = sdk_config(Some(&endpoint), Patience::LocalServer).await;
    let client = aws_sdk_kms::Client::new(&config);
    let (previous, current) = (signing_key(&client).await, signing_key(&client).await);

    let signer = KmsSigner::new(client.clone(), current, Some(previous.clone()));
    let claims = json!({ "iss": "https://api.example.kr", "sub": "pairwise-1", "aud": "e-library" });
    let token = sign_jwt(&signer, &claims).await.expect("KMS signs");

    let keys = signer.public_keys().await.expect("GetPublicKey");
    assert_eq!(keys.len(), 2, "the current key and the previous one: {keys:?}");
    assert_eq!(keys[0].kid, signer.current_kid().await.unwrap(), "the current key comes first");
    assert_ne!(keys[0].kid, keys[1].kid);
    assert_eq!(verified_payload(&token, &keys), Some(claims.clone()), "the token verifies with the JWKS");
    assert_eq!(verified_payload(&token, &keys[1..]), None, "and not with the previous key alone");

    // Tokens the previous key signed still verify after the rotation.
    let before = sign_jwt(&KmsSigner::new(client, previous, None), &claims).await.expect("KMS signs");
    assert_eq!(verified_payload(&before, &keys), Some(claims));
}

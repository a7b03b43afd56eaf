//! The membership service: use cases (`app`), the HTTP API (`http`), the store and its adapters
//! (`store`, `records`), upstream adapters (`identity`, `upstream`) and their local simulators
//! (`sim`), the OpenAPI documents (`openapi`) and the web client (`web`) the local server serves.
#![forbid(unsafe_code)]

pub mod app;
pub mod audit;
pub mod aws;
pub mod clock;
pub mod http;
pub mod identity;
pub mod keys;
pub mod lambda;
pub mod local;
pub mod notices;
pub mod openapi;
pub mod passwords;
pub mod records;
pub mod secrets;
pub mod sim;
pub mod sso;
pub mod store;
pub mod telemetry;
pub mod tokens;
pub mod upstream;
pub mod web;

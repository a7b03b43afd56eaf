//! The membership service as deployed: use cases (`app`), the HTTP API (`http`), the store and its
//! adapters (`store`, `records`), upstream adapters (`identity`, `upstream`) and each function's
//! runtime (`lambda`). The local server and the simulators live in `membership-local`.
#![forbid(unsafe_code)]

pub mod app;
pub mod audit;
pub mod aws;
pub mod clock;
pub mod http;
pub mod identity;
pub mod keys;
pub mod lambda;
pub mod metrics;
pub mod notices;
pub mod passwords;
pub mod records;
pub mod secrets;
pub mod sso;
pub mod store;
pub mod telemetry;
pub mod tokens;
pub mod upstream;
pub mod xray;

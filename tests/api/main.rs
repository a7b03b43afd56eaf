//! Every API test in one binary: HTTP against the local router, as clients use it.

mod certification_smoke;
mod conventions;
mod expiry;
mod faults;
mod idempotency;
mod lifecycle;
mod purge_cost;
mod races;
mod reference;
mod signup;
mod signup_identity;
mod signup_member;
mod simulators;
mod smoke;
mod web_client;

//! Every API test in one binary: HTTP against the local router, as clients use it.

mod audit_chain;
mod certification;
mod conventions;
mod dormancy;
mod expiry;
mod faults;
mod hardening;
mod idempotency;
mod identity;
mod lifecycle;
mod members;
mod notices;
mod notices_cost;
mod privacy;
mod purge_cost;
mod races;
mod recovery;
mod reference;
mod sessions;
mod signup;
mod signup_identity;
mod signup_member;
mod simulators;
mod smoke;
mod web_client;
mod withdrawal;

//! Every API test in one binary: HTTP against the local router, as clients use it.

mod conventions;
mod expiry;
mod idempotency;
mod lifecycle;
mod members;
mod privacy;
mod races;
mod recovery;
mod reference;
mod sessions;
mod signup;
mod signup_identity;
mod signup_member;
mod smoke;
mod withdrawal;

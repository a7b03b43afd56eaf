//! The rules of the Incheon libraries' integrated membership: who may sign up, what a valid username,
//! password or loan-card number is, how a sign-up moves from step to step, what a resident registration
//! number or a DLS credential is. Nothing here does I/O.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod consent;
pub mod contact;
pub mod dls;
pub mod identity;
pub mod library;
pub mod loan_card;
pub mod member;
#[cfg(test)]
mod never_printable;
pub mod password;
pub mod rrn;
pub mod signup;
pub mod username;
pub mod validation;

pub use validation::FieldError;

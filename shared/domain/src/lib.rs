//! The rules of the Incheon libraries' integrated membership: who may sign up, what a valid username,
//! password or loan-card number is, how a sign-up moves from step to step. Nothing here does I/O.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod consent;
pub mod contact;
pub mod identity;
pub mod library;
pub mod loan_card;
pub mod member;
pub mod password;
pub mod signup;
pub mod username;
pub mod validation;

pub use validation::FieldError;

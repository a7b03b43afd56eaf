//! What only runs on a developer's machine or in tests, never deployed (no function depends on
//! this crate): the whole service on one machine (`local`) with its simulated upstreams (`sim`),
//! the OpenAPI documents (`openapi`) and web client (`web`) it serves, and the generator of the
//! files the route declarations imply (`generate`).
#![forbid(unsafe_code)]

pub mod generate;
pub mod local;
pub mod openapi;
pub mod sim;
pub mod web;

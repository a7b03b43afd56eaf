//! One set of routes, deployable: the route table, template.yaml, the `cargo lambda watch` router,
//! the OpenAPI documents and the API Gateway events in events/ agree, and every function package
//! is deployed with what it needs.

mod agreement;
mod deployed;
mod documents;
mod events;
mod generated;
mod sources;
mod template;
mod web_texts;

//! API Gateway-style APIs in front of functions: the pure parts.
//!
//! Owns what an API is and what its requests become: reading an OpenAPI 3
//! definition with AWS's `x-amazon-apigateway-*` extensions ([`definition`]),
//! choosing a route for a request ([`routes`]), the payload 1.0 and 2.0
//! events a function receives ([`event`]), the HTTP response a function's
//! answer becomes ([`response`]), Lambda authorizers: their events,
//! their policies and their cache ([`authorizer`]), and WebSocket APIs'
//! route selection and events ([`websocket`]).
//!
//! Does no I/O: it neither serves HTTP, nor persists definitions, nor runs
//! functions (lambdalite-api does, with this crate's answers).

pub mod authorizer;
pub mod definition;
pub mod event;
pub mod response;
pub mod routes;
pub mod websocket;

pub use definition::{
    parse_api, parse_document, Api, Authorizer, AuthorizerKind, DefinitionError, IdentitySource,
    Integration, PayloadVersion, Protocol, Route,
};

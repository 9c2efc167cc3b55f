//! The HTTP server capability: hyper 1 listeners shared by every route on an address, routing
//! by address, Host header or path prefix, streaming bodies both ways, and shutting down
//! gracefully (in-flight requests finish).

mod address;
mod capability;
mod component;
mod handler;
mod listener;
mod route;
mod server;

pub use capability::{HTTP_SERVER, HttpServerCapability};
pub use component::{ComponentHandler, ComponentHandlerError, INCOMING_HANDLER, MESSAGE_HANDLER};
pub use handler::{RequestHandler, ResponseBody, ResponseFuture, body_from_parts, text_response};
pub use route::{Route, RouteCollision, RouteOwner, RouteSpec, RouteTable};
pub use server::{HttpServer, HttpServerError};

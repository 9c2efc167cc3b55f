//! The [`HttpServer`]: every listener this process has, keyed by address.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weft_telemetry::HttpServerTelemetry;

use super::address::overlaps;
use super::handler::RequestHandler;
use super::listener::{self, SharedRoutes};
use super::route::{Route, RouteCollision, RouteOwner, RouteSpec, RouteTable};

/// Why a route could not be served.
#[derive(Debug, thiserror::Error)]
pub enum HttpServerError {
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {}", bind_reason(*addr, source))]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Another listener of this process holds the port on an address that covers this one
    /// (or that this one covers): `0.0.0.0:8000` and `127.0.0.1:8000` cannot both be held.
    #[error(
        "cannot listen on {addr}: {held} is already served for {}, and a wildcard address \
         shares its port with every address it covers; {}",
        names(holders),
        holders.first().map_or_else(|| CHOOSE_ANOTHER.to_owned(), |holder| holder.remedy(CHOOSE_ANOTHER))
    )]
    Overlap {
        /// The address asked for.
        addr: SocketAddr,
        /// The address already listened on.
        held: SocketAddr,
        /// Who holds routes there.
        holders: Vec<RouteOwner>,
    },
    /// The route is already taken on that listener.
    #[error("cannot route on {addr}: {source}")]
    Collision {
        /// The listener's address.
        addr: SocketAddr,
        /// Who holds the route and who asked for it.
        source: Box<RouteCollision>,
    },
}

const CHOOSE_ANOTHER: &str = "choose another port";

/// The operating system's refusal in a user's terms.
fn bind_reason(addr: SocketAddr, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "another program already listens on port {port} ({error}); `ss -ltnp 'sport = :{port}'` \
             shows which. Stop it or {CHOOSE_ANOTHER}",
            port = addr.port()
        ),
        std::io::ErrorKind::AddrNotAvailable => format!(
            "{ip} is not an address of this machine ({error}); use one it has, 127.0.0.1 or 0.0.0.0",
            ip = addr.ip()
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "not allowed to listen on port {port} ({error}); ports below 1024 need privileges, \
             {CHOOSE_ANOTHER} above 1024",
            port = addr.port()
        ),
        _ => error.to_string(),
    }
}

fn names(holders: &[RouteOwner]) -> String {
    let names: Vec<&str> = holders.iter().map(|holder| holder.name.as_str()).collect();
    names.join(" and ")
}

impl HttpServerError {
    /// Whether the address was already in use by something else.
    pub fn is_addr_in_use(&self) -> bool {
        matches!(self, Self::Bind { source, .. } if source.kind() == std::io::ErrorKind::AddrInUse)
    }
}

struct Listener {
    routes: SharedRoutes,
    stop: CancellationToken,
    closed: tokio::sync::oneshot::Receiver<()>,
    task: JoinHandle<()>,
}

/// All HTTP listeners of a process. Routes on the same address share one listener.
pub struct HttpServer {
    listeners: Mutex<HashMap<SocketAddr, Listener>>,
    grace: Duration,
    metrics: HttpServerTelemetry,
}

impl HttpServer {
    /// A server with no listeners; `grace` is how long shutdown waits for in-flight requests.
    /// It records no metrics until [`Self::set_telemetry`].
    pub fn new(grace: Duration) -> Self {
        Self {
            listeners: Mutex::new(HashMap::new()),
            grace,
            metrics: HttpServerTelemetry::disabled(),
        }
    }

    /// Records every request of the listeners opened from now on in `metrics`.
    pub fn set_telemetry(&mut self, metrics: HttpServerTelemetry) {
        self.metrics = metrics;
    }

    /// Routes requests matching `spec` on `addr` to `handler`, binding `addr` if nothing
    /// listens there yet. Returns the bound address (which differs from `addr` for port 0).
    pub async fn add_route(
        &self,
        addr: SocketAddr,
        spec: RouteSpec,
        owner: impl Into<RouteOwner>,
        handler: Arc<dyn RequestHandler>,
    ) -> Result<SocketAddr, HttpServerError> {
        let route = Route::new(spec, owner.into(), handler);
        if addr.port() != 0 && self.try_add_to_existing(addr, &route)? {
            return Ok(addr);
        }
        self.refuse_overlap(addr)?;

        let socket = TcpListener::bind(addr)
            .await
            .map_err(|source| HttpServerError::Bind { addr, source })?;
        let bound = socket
            .local_addr()
            .map_err(|source| HttpServerError::Bind { addr, source })?;
        let mut table = RouteTable::default();
        table
            .insert(route)
            .map_err(|source| HttpServerError::Collision {
                addr: bound,
                source,
            })?;
        let routes: SharedRoutes = Arc::new(RwLock::new(Arc::new(table)));
        let stop = CancellationToken::new();
        let (closed_sender, closed) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(listener::run(
            socket,
            listener::Serving {
                addr: bound,
                routes: Arc::clone(&routes),
                telemetry: self.metrics.clone(),
            },
            stop.clone(),
            closed_sender,
            self.grace,
        ));
        tracing::debug!(addr = %bound, "listening");
        self.lock().insert(
            bound,
            Listener {
                routes,
                stop,
                closed,
                task,
            },
        );
        Ok(bound)
    }

    /// Removes `owner`'s route `spec` from `addr`; when it was the last, closes the listener
    /// and returns once the port is free (in-flight requests still finish). Returns whether a
    /// route was removed.
    pub async fn remove_route(&self, addr: SocketAddr, spec: &RouteSpec, owner: &str) -> bool {
        let (removed, emptied) = {
            let mut listeners = self.lock();
            let Some(listener) = listeners.get(&addr) else {
                return false;
            };
            let (removed, now_empty) = update_routes(&listener.routes, |table| {
                let removed = table.remove(spec, owner);
                (removed, table.is_empty())
            });
            let emptied = if now_empty {
                listeners.remove(&addr)
            } else {
                None
            };
            (removed, emptied)
        };
        if let Some(listener) = emptied {
            listener.stop.cancel();
            let _ = listener.closed.await;
        }
        removed
    }

    /// The addresses currently listened on.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.lock().keys().copied().collect()
    }

    /// Stops accepting on every listener and waits (up to the grace period) for in-flight
    /// requests to finish.
    pub async fn shutdown(&self) {
        let listeners: Vec<Listener> = self.lock().drain().map(|(_, listener)| listener).collect();
        for listener in &listeners {
            listener.stop.cancel();
        }
        for listener in listeners {
            let _ = listener.task.await;
        }
    }

    /// Refuses `addr` when a listener of ours holds its port on an overlapping address, so
    /// the user learns who holds it instead of the operating system's "address in use".
    fn refuse_overlap(&self, addr: SocketAddr) -> Result<(), HttpServerError> {
        let listeners = self.lock();
        let Some((held, listener)) = listeners.iter().find(|(held, _)| overlaps(**held, addr))
        else {
            return Ok(());
        };
        let table = listener
            .routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut holders: Vec<RouteOwner> = Vec::new();
        for route in table.routes() {
            if !holders.contains(&route.owner) {
                holders.push(route.owner.clone());
            }
        }
        Err(HttpServerError::Overlap {
            addr,
            held: *held,
            holders,
        })
    }

    fn try_add_to_existing(
        &self,
        addr: SocketAddr,
        route: &Route,
    ) -> Result<bool, HttpServerError> {
        let listeners = self.lock();
        let Some(listener) = listeners.get(&addr) else {
            return Ok(false);
        };
        update_routes(&listener.routes, |table| table.insert(route.clone()))
            .map_err(|source| HttpServerError::Collision { addr, source })?;
        Ok(true)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, Listener>> {
        self.listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Applies `change` to a copy of the table and publishes the copy.
fn update_routes<R>(routes: &SharedRoutes, change: impl FnOnce(&mut RouteTable) -> R) -> R {
    let mut guard = routes
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut table = RouteTable::clone(&guard);
    let result = change(&mut table);
    *guard = Arc::new(table);
    result
}

//! One listening socket: accepts connections, serves HTTP/1.1 on each, dispatches every
//! request through the listener's route table, and drains gracefully when told to stop.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use weft_telemetry::{HttpServerTelemetry, Outcome, TraceContext};

use super::handler::{ResponseBody, text_response};
use super::route::RouteTable;

/// The routes of a listener, swapped whole on every change so requests never wait on a writer.
pub(crate) type SharedRoutes = Arc<RwLock<Arc<RouteTable>>>;

/// How long a client may take to send a request's head (slow-loris protection).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Pause after a failed accept (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// What one listener serves: its address, its routes and where its requests are counted.
#[derive(Clone)]
pub(crate) struct Serving {
    /// The bound address.
    pub(crate) addr: SocketAddr,
    /// Its routes.
    pub(crate) routes: SharedRoutes,
    /// Its requests' instruments and spans.
    pub(crate) telemetry: HttpServerTelemetry,
}

/// Accepts and serves connections until `stop` fires, closes the socket (and says so on
/// `closed`), then waits up to `grace` for open connections to finish their in-flight requests.
pub(crate) async fn run(
    listener: TcpListener,
    serving: Serving,
    stop: CancellationToken,
    closed: tokio::sync::oneshot::Sender<()>,
    grace: Duration,
) {
    let addr = serving.addr;
    let serving = Arc::new(serving);
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let serving = Arc::clone(&serving);
                    let service = service_fn(move |request| {
                        let serving = Arc::clone(&serving);
                        async move { Ok::<_, Infallible>(dispatch(&serving, request).await) }
                    });
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(HEADER_READ_TIMEOUT)
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        if let Err(error) = connection.await {
                            tracing::debug!(%addr, %error, "connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    tracing::warn!(%addr, %error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            () = stop.cancelled() => break,
        }
    }
    drop(listener);
    // The port is free from here on; whoever stopped us may reuse it.
    let _ = closed.send(());
    let open = graceful.count();
    if open > 0 {
        tracing::info!(%addr, connections = open, "draining open connections");
    }
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(%addr, ?grace, "connections still open after the grace period; closing them");
    }
}

/// Serves `request` through the route that takes it (404 when none does), counted under the
/// route's template (the response head's status, and how the component failed if it did)
/// and traced by a SERVER span that continues the caller's trace; whatever serves the request
/// sees that span as the `traceparent` it continues.
async fn dispatch(serving: &Serving, mut request: Request<Incoming>) -> Response<ResponseBody> {
    let table = match serving.routes.read() {
        Ok(table) => Arc::clone(&table),
        Err(poisoned) => Arc::clone(&poisoned.into_inner()),
    };
    let route = table.find(host_of(&request), request.uri().path());
    let incoming = TraceContext::from_http(request.headers());
    let active = serving.telemetry.start(
        request.method().as_str(),
        request.uri().path(),
        route.map(|route| &route.labels),
        incoming.as_ref(),
    );
    if let Some(context) = active.context() {
        context.attach_to(&mut request);
    }
    match route {
        Some(route) => {
            let response = route.handler.handle(request).await;
            let failure = response.extensions().get::<Outcome>().map(|o| o.as_str());
            active.finish(response.status().as_u16(), failure);
            response
        }
        None => {
            active.finish(StatusCode::NOT_FOUND.as_u16(), None);
            text_response(
                StatusCode::NOT_FOUND,
                format!(
                    "no route on {} for host {:?}, path {:?}",
                    serving.addr,
                    host_of(&request),
                    request.uri().path()
                ),
            )
        }
    }
}

/// The host a request is for: its `Host` header, else its URI's host.
fn host_of<B>(request: &Request<B>) -> &str {
    request
        .headers()
        .get(hyper::header::HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| request.uri().host())
        .unwrap_or_default()
}

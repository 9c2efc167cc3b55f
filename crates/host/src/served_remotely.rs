//! What serves one component to the lattice's other hosts: its subscriptions and the handler
//! they answer with. Starting the component again (a scale, a new version with the same
//! exports) swaps the handler in place and keeps the subscriptions, so no request queued on
//! them is lost and NATS never picks a subscription that is going away.

use std::sync::{Arc, PoisonError, RwLock};

use weft_capabilities::http_server::ComponentHandler;

use crate::remote_http::RemoteCalls;

/// The handler remote requests for one component go to, read per request.
#[derive(Clone)]
pub(crate) struct CurrentHandler(Arc<RwLock<Arc<ComponentHandler>>>);

impl CurrentHandler {
    /// Starts with `handler`.
    pub(crate) fn new(handler: Arc<ComponentHandler>) -> Self {
        Self(Arc::new(RwLock::new(handler)))
    }

    /// The handler to answer the next request with.
    pub(crate) fn get(&self) -> Arc<ComponentHandler> {
        Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Answers later requests with `handler`.
    fn replace(&self, handler: Arc<ComponentHandler>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = handler;
    }
}

/// Which kinds of remote requests a component takes, each one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RemoteExports {
    /// `wasi:http/incoming-handler`.
    pub http: bool,
    /// A `wasmcloud:messaging` handler (0.2.0 or 0.3.0).
    pub messages: bool,
}

/// One component served remotely.
pub(crate) struct ServedRemotely {
    /// The handler its subscriptions answer with.
    pub handler: CurrentHandler,
    /// What it was subscribed for.
    pub exports: RemoteExports,
    /// The subscriptions' tasks.
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl ServedRemotely {
    /// Answers with `handler` from now on if it takes the same kinds of requests; otherwise
    /// hands `handler` back (new subscriptions are needed).
    pub(crate) fn swap(
        &self,
        handler: Arc<ComponentHandler>,
        exports: RemoteExports,
    ) -> Result<(), Arc<ComponentHandler>> {
        if exports != self.exports {
            return Err(handler);
        }
        self.handler.replace(handler);
        Ok(())
    }

    /// Ends the subscriptions.
    pub(crate) fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

/// Subscribes component `id` for calls and, as `exports` say, HTTP requests and messages
/// from other hosts, each answered by `current`'s handler; none stays subscribed on failure.
pub(crate) async fn subscribe_remote(
    remote: &RemoteCalls,
    id: &str,
    current: &CurrentHandler,
    exports: RemoteExports,
) -> Result<Vec<tokio::task::JoinHandle<()>>, async_nats::SubscribeError> {
    let mut tasks = Vec::new();
    let subscribed = async {
        tasks.push(remote.serve_calls(id, current.clone()).await?);
        if exports.http {
            tasks.push(remote.serve(id, current.clone()).await?);
        }
        if exports.messages {
            tasks.push(remote.serve_messages(id, current.clone()).await?);
        }
        Ok(())
    }
    .await;
    match subscribed {
        Ok(()) => Ok(tasks),
        Err(error) => {
            tasks.iter().for_each(tokio::task::JoinHandle::abort);
            Err(error)
        }
    }
}

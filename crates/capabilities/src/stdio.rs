//! A guest's stdout and stderr, turned into log events tagged with the component, one event
//! per line.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

use crate::call_context::{TraceContext, trace_ids};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// Longest line kept before it is logged in pieces, so a guest cannot grow the buffer forever.
const MAX_LINE_BYTES: usize = 16 * 1024;

/// Which standard stream a [`GuestLogStream`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        }
    }
}

/// A guest's standard output or error, logged line by line under the component's name and
/// the trace of the invocation it writes in.
#[derive(Debug, Clone)]
pub struct GuestLogStream {
    component: Arc<str>,
    stream: Stream,
    trace: Option<Arc<TraceContext>>,
}

impl GuestLogStream {
    /// The stdout of `component`, writing in `trace`.
    pub fn stdout(component: Arc<str>, trace: Option<Arc<TraceContext>>) -> Self {
        Self {
            component,
            stream: Stream::Stdout,
            trace,
        }
    }

    /// The stderr of `component`, writing in `trace`.
    pub fn stderr(component: Arc<str>, trace: Option<Arc<TraceContext>>) -> Self {
        Self {
            component,
            stream: Stream::Stderr,
            trace,
        }
    }
}

impl IsTerminal for GuestLogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestLogStream {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineLogger {
            component: Arc::clone(&self.component),
            stream: self.stream,
            trace: self.trace.clone(),
            pending: Vec::new(),
        })
    }
}

/// Buffers bytes until a newline, then logs the line.
struct LineLogger {
    component: Arc<str>,
    stream: Stream,
    trace: Option<Arc<TraceContext>>,
    pending: Vec<u8>,
}

impl LineLogger {
    fn emit(&self, line: &[u8]) {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        let component = &*self.component;
        let stream = self.stream.name();
        let (trace_id, span_id) = trace_ids(self.trace.as_deref());
        match self.stream {
            Stream::Stdout => {
                tracing::info!(target: "weft::guest", component, stream, trace_id, span_id, "{line}")
            }
            Stream::Stderr => {
                tracing::warn!(target: "weft::guest", component, stream, trace_id, span_id, "{line}")
            }
        }
    }

    fn emit_complete_lines(&mut self) {
        while let Some(end) = self.pending.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.emit(&line[..line.len() - 1]);
        }
        if self.pending.len() >= MAX_LINE_BYTES {
            let piece = std::mem::take(&mut self.pending);
            self.emit(&piece);
        }
    }
}

impl AsyncWrite for LineLogger {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.pending.extend_from_slice(buf);
        self.emit_complete_lines();
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            self.emit(&rest);
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineLogger {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.emit(&rest);
        }
    }
}

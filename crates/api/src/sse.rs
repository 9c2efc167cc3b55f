//! Server-sent events: a response body fed by a channel, one `data:` line per message.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame};
use tokio::sync::mpsc;

/// A streaming body that ends when the sender side is dropped.
pub(crate) struct EventStream {
    receiver: mpsc::Receiver<Bytes>,
}

impl EventStream {
    /// A body and the sender that feeds it.
    pub(crate) fn channel() -> (EventSender, Self) {
        let (sender, receiver) = mpsc::channel(16);
        (EventSender { sender }, Self { receiver })
    }
}

impl Body for EventStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.receiver
            .poll_recv(cx)
            .map(|next| next.map(|bytes| Ok(Frame::data(bytes))))
    }
}

/// Sends events into an [`EventStream`].
pub(crate) struct EventSender {
    sender: mpsc::Sender<Bytes>,
}

impl EventSender {
    /// Sends one event whose data is `json`; false once the client has gone.
    pub(crate) async fn send(&self, json: &str) -> bool {
        let data = json.replace('\n', "\ndata: ");
        self.sender
            .send(Bytes::from(format!("data: {data}\n\n")))
            .await
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    #[tokio::test]
    async fn each_event_is_a_data_line_and_the_stream_ends_with_the_sender() {
        let (sender, body) = EventStream::channel();
        let writer = tokio::spawn(async move {
            assert!(sender.send("{\"a\":1}").await);
            assert!(sender.send("two\nlines").await);
        });
        let bytes = body.collect().await.unwrap().to_bytes();
        writer.await.unwrap();
        assert_eq!(bytes, "data: {\"a\":1}\n\ndata: two\ndata: lines\n\n");
    }
}

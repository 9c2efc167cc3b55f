//! HTTP bodies larger than one NATS message, across hosts. The sender puts the first part in
//! the message itself and serves the rest on a subject of its own
//! (`weft.{lattice}.part.{ulid}`, named in the message's `weft-parts` header); the receiver
//! asks for each next part with a request, so the sender reads its body only as fast as the
//! receiver takes it. A part's answer carries `weft-more` while more follow, or `weft-error`
//! with the reason the rest cannot be sent. A sender nobody asks for 60 s drops the rest.

use std::fmt::Display;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt as _};
use http_body_util::BodyExt as _;
use hyper::body::Body;

use crate::remote_http::RemoteCalls;
use crate::remote_serve::{ask, header};

/// The header naming the subject the rest of a body is served on.
pub(crate) const PARTS_HEADER: &str = "weft-parts";
/// The header of a part that more parts follow.
const MORE_HEADER: &str = "weft-more";
/// The header of an answer saying why the rest cannot be sent.
const ERROR_HEADER: &str = "weft-error";
/// How long a sender keeps the rest of a body nobody asks for.
const IDLE: Duration = Duration::from_secs(60);
/// How long a receiver waits for the next part.
const PART_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a body could not be read or its next part fetched.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    /// The body itself failed while being read (its own words).
    #[error("{0}")]
    Read(String),
    /// The other host sent no next part in time.
    #[error("the other host sent no next part within {0:?}")]
    NoNextPart(std::time::Duration),
    /// Asking for the next part failed.
    #[error("the next part could not be fetched: {0}")]
    Fetch(#[source] async_nats::RequestError),
    /// The other host said it could not send the rest.
    #[error("the other host could not send the rest: {0}")]
    OtherHost(String),
}

/// A body read up to one message's worth.
pub(crate) enum FirstPart<B> {
    /// It ended within the limit.
    Whole(Bytes),
    /// It goes on: the first part, and what is left.
    Partial {
        /// The first `limit` bytes.
        first: Bytes,
        /// The rest.
        rest: Rest<B>,
    },
}

/// What is left of a body: bytes read past the first part, and the body itself.
pub(crate) struct Rest<B> {
    buffered: BytesMut,
    body: B,
}

/// Reads `body` up to `limit` bytes: whole if it ends within them.
pub(crate) async fn first_part<B>(mut body: B, limit: usize) -> Result<FirstPart<B>, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Display,
{
    let mut buffered = BytesMut::new();
    let ended = fill(&mut body, &mut buffered, limit + 1).await?;
    if ended && buffered.len() <= limit {
        return Ok(FirstPart::Whole(buffered.freeze()));
    }
    let first = buffered.split_to(limit.min(buffered.len())).freeze();
    Ok(FirstPart::Partial {
        first,
        rest: Rest { buffered, body },
    })
}

/// Reads `body` into `buffer` until it holds `limit` bytes; whether the body ended first.
async fn fill<B>(body: &mut B, buffer: &mut BytesMut, limit: usize) -> Result<bool, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Display,
{
    while buffer.len() < limit {
        match body.frame().await {
            None => return Ok(true),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    buffer.extend_from_slice(&data);
                }
            }
            Some(Err(error)) => return Err(BodyError::Read(error.to_string())),
        }
    }
    Ok(false)
}

impl RemoteCalls {
    /// Serves `rest` in parts of at most one message's body on a subject of its own, which it
    /// returns (to name in the first message's `weft-parts` header).
    pub(crate) async fn offer_rest<B>(
        &self,
        rest: Rest<B>,
    ) -> Result<String, async_nats::SubscribeError>
    where
        B: Body<Data = Bytes> + Unpin + Send + 'static,
        B::Error: Display,
    {
        let subject = format!("weft.{}.part.{}", self.lattice(), ulid::Ulid::new());
        let mut asks = self.client().subscribe(subject.clone()).await?;
        let client = self.client().clone();
        let limit = self.max_body();
        tokio::spawn(async move {
            let Rest {
                mut buffered,
                mut body,
            } = rest;
            let mut ended = false;
            loop {
                let Ok(Some(ask)) = tokio::time::timeout(IDLE, asks.next()).await else {
                    return;
                };
                let Some(reply) = ask.reply else {
                    continue;
                };
                let mut headers = async_nats::HeaderMap::new();
                if !ended {
                    match fill(&mut body, &mut buffered, limit).await {
                        Ok(end) => ended = end,
                        Err(reason) => {
                            let reason = reason.to_string().replace(['\r', '\n'], " ");
                            headers.insert(ERROR_HEADER, reason.as_str());
                            let _ = client
                                .publish_with_headers(reply, headers, Bytes::new())
                                .await;
                            return;
                        }
                    }
                }
                let part = buffered.split_to(limit.min(buffered.len())).freeze();
                let last = ended && buffered.is_empty();
                if !last {
                    headers.insert(MORE_HEADER, "1");
                }
                if let Err(error) = client.publish_with_headers(reply, headers, part).await {
                    tracing::warn!(%error, "cannot send a part of a body to another host");
                    return;
                }
                if last {
                    return;
                }
            }
        });
        Ok(subject)
    }

    /// A body's parts: `first`, then those served on `subject`, asked for one by one.
    pub(crate) fn take_parts(
        &self,
        first: Bytes,
        subject: String,
    ) -> impl Stream<Item = Result<Bytes, BodyError>> + Send + 'static {
        let client = self.client().clone();
        let rest = futures_util::stream::unfold(Some((client, subject)), |state| async move {
            let (client, subject) = state?;
            let headers = async_nats::HeaderMap::new();
            let answer = ask(
                &client,
                subject.clone(),
                headers,
                Bytes::new(),
                PART_TIMEOUT,
            )
            .await;
            let part = match answer {
                Err(error) if error.kind() == async_nats::RequestErrorKind::TimedOut => {
                    Err(BodyError::NoNextPart(PART_TIMEOUT))
                }
                Err(error) => Err(BodyError::Fetch(error)),
                Ok(message) => match header(&message, ERROR_HEADER) {
                    Some(reason) => Err(BodyError::OtherHost(reason)),
                    None => {
                        let more = header(&message, MORE_HEADER).is_some();
                        return Some((Ok(message.payload), more.then_some((client, subject))));
                    }
                },
            };
            Some((part, None))
        });
        futures_util::stream::once(async move { Ok(first) }).chain(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    #[tokio::test]
    async fn bodies_split_at_the_limit() {
        let whole = first_part(Full::new(Bytes::from_static(b"abcd")), 4)
            .await
            .unwrap();
        assert!(matches!(whole, FirstPart::Whole(bytes) if bytes == "abcd"));
        let partial = first_part(Full::new(Bytes::from_static(b"abcdef")), 4)
            .await
            .unwrap();
        let FirstPart::Partial { first, mut rest } = partial else {
            panic!("a body past the limit goes on");
        };
        assert_eq!(first, "abcd");
        let ended = fill(&mut rest.body, &mut rest.buffered, 4).await.unwrap();
        assert!(ended);
        assert_eq!(rest.buffered, "ef");
    }
}

//! NATS subscriptions known to be in effect, and known to be gone: subscribing and
//! unsubscribing only queue a request to the server, and a flush does not wait for the server
//! to act on it, so a test that publishes from another connection right after could race it
//! (a subscription still there also makes a request wait for an answer instead of hearing at
//! once that nobody serves its subject).

use std::time::Duration;

use futures_util::StreamExt as _;

/// Subscribes `client` to `filter` and returns once the server delivers to it: a probe
/// published on `probe` (a subject `filter` matches, that nothing else uses) has come back.
/// Panics when it does not within 5 s.
pub async fn subscribe_live(
    client: &async_nats::Client,
    filter: &str,
    probe: &str,
) -> async_nats::Subscriber {
    let mut subscription = client
        .subscribe(filter.to_owned())
        .await
        .expect("the subscription is sent");
    client
        .publish(probe.to_owned(), "".into())
        .await
        .expect("the probe is sent");
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), subscription.next())
            .await
            .expect("the probe comes back within 5 s")
            .expect("the subscription stays open");
        if message.subject.as_str() == probe {
            return subscription;
        }
    }
}

/// Ends `subscription` on `client` and returns once the server has acted on it: a probe on a
/// fresh subject, sent after, has come back (the server handles a connection's requests in
/// order).
pub async fn unsubscribe_done(client: &async_nats::Client, subscription: async_nats::Subscriber) {
    let mut subscription = subscription;
    subscription
        .unsubscribe()
        .await
        .expect("the unsubscription is sent");
    let probe = client.new_inbox();
    subscribe_live(client, &probe, &probe).await;
}

//! A NATS subscription known to be in effect: subscribing only queues a request to the
//! server, and a flush does not wait for the server to act on it, so a test that publishes
//! from another connection right after could race it.

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

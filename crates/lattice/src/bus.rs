//! The event bus: hosts publish [`LatticeEvent`]s, the manager (and watchers) subscribe.

use tokio::sync::broadcast;

use crate::event::LatticeEvent;

/// Events a subscriber may fall behind by before it is told it missed some.
pub(crate) const BACKLOG: usize = 1024;

/// Publish/subscribe of lattice events. The in-process implementation is [`InProcessBus`];
/// the NATS one carries the same events between machines.
pub trait EventBus: Send + Sync {
    /// Sends `event` to every current subscriber. Never blocks; with no subscriber the event
    /// is dropped.
    fn publish(&self, event: LatticeEvent);

    /// Receives every event published from now on.
    fn subscribe(&self) -> Subscription;
}

/// What a [`Subscription`] yields next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// The next event.
    Event(LatticeEvent),
    /// The subscriber fell behind and this many events were lost: re-read the whole state.
    Missed(u64),
    /// The bus is gone.
    Closed,
}

/// A stream of events from one [`EventBus::subscribe`] call.
pub struct Subscription {
    receiver: broadcast::Receiver<LatticeEvent>,
}

impl Subscription {
    /// A subscription reading `receiver`.
    pub(crate) fn new(receiver: broadcast::Receiver<LatticeEvent>) -> Self {
        Self { receiver }
    }

    /// Waits for the next event.
    pub async fn next(&mut self) -> Received {
        match self.receiver.recv().await {
            Ok(event) => Received::Event(event),
            Err(broadcast::error::RecvError::Lagged(missed)) => Received::Missed(missed),
            Err(broadcast::error::RecvError::Closed) => Received::Closed,
        }
    }

    /// The next event if one is already waiting (for draining a burst).
    pub fn try_next(&mut self) -> Option<Received> {
        match self.receiver.try_recv() {
            Ok(event) => Some(Received::Event(event)),
            Err(broadcast::error::TryRecvError::Lagged(missed)) => Some(Received::Missed(missed)),
            Err(broadcast::error::TryRecvError::Closed) => Some(Received::Closed),
            Err(broadcast::error::TryRecvError::Empty) => None,
        }
    }
}

/// The bus of `weft up`: a broadcast channel inside the process.
#[derive(Clone)]
pub struct InProcessBus {
    sender: broadcast::Sender<LatticeEvent>,
}

impl InProcessBus {
    /// A bus with no subscribers yet.
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(BACKLOG);
        Self { sender }
    }
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus for InProcessBus {
    fn publish(&self, event: LatticeEvent) {
        tracing::debug!(event = event.kind(), "lattice event");
        let _ = self.sender.send(event);
    }

    fn subscribe(&self) -> Subscription {
        Subscription {
            receiver: self.sender.subscribe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_set(name: &str) -> LatticeEvent {
        LatticeEvent::ConfigSet {
            name: name.to_owned(),
        }
    }

    #[tokio::test]
    async fn every_subscriber_gets_every_event_in_order() {
        let bus = InProcessBus::new();
        let mut first = bus.subscribe();
        let mut second = bus.subscribe();
        bus.publish(config_set("a"));
        bus.publish(config_set("b"));
        for subscription in [&mut first, &mut second] {
            assert_eq!(subscription.next().await, Received::Event(config_set("a")));
            assert_eq!(subscription.next().await, Received::Event(config_set("b")));
            assert_eq!(subscription.try_next(), None);
        }
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_what_it_missed() {
        let bus = InProcessBus::new();
        let mut slow = bus.subscribe();
        for n in 0..BACKLOG + 3 {
            bus.publish(config_set(&n.to_string()));
        }
        assert_eq!(slow.next().await, Received::Missed(3));
        assert_eq!(slow.next().await, Received::Event(config_set("3")));
    }

    #[tokio::test]
    async fn events_before_subscribing_are_not_replayed() {
        let bus = InProcessBus::new();
        bus.publish(config_set("early"));
        let mut late = bus.subscribe();
        assert_eq!(late.try_next(), None);
    }
}

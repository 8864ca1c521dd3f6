//! Streaming resources to the planner over `ResourceService.StreamResources`.
//!
//! The watcher keeps the full current state. Every stream starts with a full resync
//! (ResyncStart, every resource, ResyncEnd), so after any disconnect the planner converges on
//! the current state without the watcher having to know what the planner missed.

use crate::source::{Resource, ResourceKey, ResourceSource, SourceEvent};
use schemahero_proto::v1::resource_service_client::ResourceServiceClient;
use schemahero_proto::v1::{ResyncEnd, ResyncStart, StreamResourcesRequest, StreamResourcesResponse, stream_resources_request::Event};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Streaming;
use tonic::transport::Endpoint;
use tracing::{debug, info, warn};

/// How many events may wait in the gRPC request stream; beyond that the planner is not keeping
/// up and the watcher holds further events in its own queue.
const REQUEST_BUFFER: usize = 64;
/// How many source events may wait while the watcher is busy.
const SOURCE_BUFFER: usize = 1024;

#[derive(Debug, Clone)]
pub struct StreamConfig {
    pub planner_url: String,
    /// First reconnect delay; doubles after each failed attempt up to `max_backoff`, and starts
    /// over once a resync has been acknowledged.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub connect_timeout: Duration,
    /// HTTP/2 pings on the otherwise quiet stream, so a planner that vanished without closing
    /// the connection (a node lost, a partition) is noticed and the watcher reconnects.
    pub keepalive_interval: Duration,
    pub keepalive_timeout: Duration,
    /// mTLS to the planner (an https:// planner URL); None for plaintext.
    pub tls: Option<std::sync::Arc<schemahero_tls::ClientTls>>,
    /// Readiness for probes: ready while the planner has acknowledged a full resync on the
    /// current stream.
    pub health: Option<schemahero_telemetry::health::Health>,
}

impl StreamConfig {
    pub fn new(planner_url: impl Into<String>) -> Self {
        StreamConfig {
            planner_url: planner_url.into(),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            keepalive_interval: Duration::from_secs(10),
            keepalive_timeout: Duration::from_secs(10),
            tls: None,
            health: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("invalid planner URL {url:?}: {source}")]
    InvalidUrl { url: String, source: tonic::transport::Error },
    /// The source stopped producing events; the watcher could no longer follow changes.
    #[error("the resource source ended")]
    SourceEnded,
}

/// Streams `source` to the planner at `planner_url` until `shutdown` completes, reconnecting
/// (with a full resync) whenever the stream breaks. Returns `Ok` on shutdown.
pub async fn run_stream<S: ResourceSource>(
    planner_url: impl Into<String>,
    source: S,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StreamError> {
    run_stream_with(StreamConfig::new(planner_url), source, shutdown).await
}

/// [`run_stream`] with explicit timings.
pub async fn run_stream_with<S: ResourceSource>(
    config: StreamConfig,
    source: S,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StreamError> {
    let endpoint = Endpoint::from_shared(config.planner_url.clone())
        .map_err(|source| StreamError::InvalidUrl { url: config.planner_url.clone(), source })?
        .connect_timeout(config.connect_timeout)
        .http2_keep_alive_interval(config.keepalive_interval)
        .keep_alive_timeout(config.keepalive_timeout)
        .keep_alive_while_idle(true)
        .tcp_nodelay(true);

    // The source runs in its own task so that its `next()` is never cancelled halfway by the
    // select loops below (a Kubernetes watcher need not be cancel-safe).
    let (tx, events) = mpsc::channel(SOURCE_BUFFER);
    let _source_task = AbortOnDrop(tokio::spawn(drive_source(source, tx)));

    let mut watcher = Watcher {
        endpoint,
        tls: config.tls.clone(),
        health: config.health.clone(),
        planner_url: config.planner_url.clone(),
        events,
        state: BTreeMap::new(),
        synced: false,
        shutdown: Box::pin(shutdown),
    };
    match watcher.run(&config).await {
        Stop::Shutdown => {
            info!("shutting down");
            Ok(())
        }
        Stop::SourceEnded => Err(StreamError::SourceEnded),
    }
}

async fn drive_source<S: ResourceSource>(mut source: S, tx: mpsc::Sender<SourceEvent>) {
    while let Some(event) = source.next().await {
        if tx.send(event).await.is_err() {
            return;
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reconnect delays: doubling from `initial` up to `max`, back to `initial` once a stream got
/// as far as an acknowledged resync (the planner was healthy, so this is a fresh problem).
struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    fn new(initial: Duration, max: Duration) -> Self {
        Backoff { initial, max, current: initial }
    }

    fn next_delay(&mut self, resynced: bool) -> Duration {
        if resynced {
            self.current = self.initial;
        }
        let delay = self.current;
        self.current = (self.current * 2).min(self.max);
        delay
    }
}

/// Why the watcher stops for good.
#[derive(Debug)]
enum Stop {
    Shutdown,
    SourceEnded,
}

/// How a stream ended (the watcher then reconnects).
struct Lost {
    reason: String,
    /// The planner acknowledged a complete resync on this stream.
    resynced: bool,
}

/// What an event sent on the stream was about, to name it when the planner rejects it.
#[derive(Debug, Clone)]
enum Label {
    ResyncStart,
    ResyncEnd,
    Resource(ResourceKey),
}

type Outgoing = (Label, Event);

struct Watcher {
    endpoint: Endpoint,
    tls: Option<std::sync::Arc<schemahero_tls::ClientTls>>,
    health: Option<schemahero_telemetry::health::Health>,
    planner_url: String,
    events: mpsc::Receiver<SourceEvent>,
    /// The current resources; every resync sends all of them.
    state: BTreeMap<ResourceKey, Resource>,
    /// Whether the source has delivered its first full listing; before that a resync would be
    /// partial and make the planner forget resources.
    synced: bool,
    shutdown: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl Watcher {
    async fn run(&mut self, config: &StreamConfig) -> Stop {
        while !self.synced {
            tokio::select! {
                _ = &mut self.shutdown => return Stop::Shutdown,
                event = self.events.recv() => if let Err(stop) = self.apply(event) { return stop },
            }
        }
        info!(resources = self.state.len(), planner = %self.planner_url, "initial listing read");
        let mut backoff = Backoff::new(config.initial_backoff, config.max_backoff);
        loop {
            let lost = match self.session().await {
                Ok(lost) => lost,
                Err(stop) => return stop,
            };
            if let Some(health) = &self.health {
                health.set_ready(false).await;
            }
            let delay = backoff.next_delay(lost.resynced);
            schemahero_telemetry::metrics::counter("schemahero_watcher_stream_reconnects_total", &[]).inc();
            warn!(planner = %self.planner_url, reason = %lost.reason, retry_in_ms = delay.as_millis() as u64, "not connected to the planner; retrying");
            if let Err(stop) = self.idle(delay).await {
                return stop;
            }
        }
    }

    /// Waits `delay`, still following the source so that nothing it reports is lost.
    async fn idle(&mut self, delay: Duration) -> Result<(), Stop> {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut self.shutdown => return Err(Stop::Shutdown),
                _ = &mut sleep => return Ok(()),
                event = self.events.recv() => { self.apply(event)?; }
            }
        }
    }

    /// One connection and stream, from connecting to losing it.
    async fn session(&mut self) -> Result<Lost, Stop> {
        let lost = |reason: String, resynced: bool| Ok(Lost { reason, resynced });
        let endpoint = self.endpoint.clone();
        let tls = self.tls.clone();
        let connect = async move { schemahero_tls::client::connect(&endpoint, tls.as_ref()).await };
        tokio::pin!(connect);
        let channel = loop {
            tokio::select! {
                _ = &mut self.shutdown => return Err(Stop::Shutdown),
                result = &mut connect => match result {
                    Ok(channel) => break channel,
                    Err(e) => return lost(format!("cannot connect: {}", error_chain(&e)), false),
                },
                event = self.events.recv() => { self.apply(event)?; }
            }
        };
        debug!(planner = %self.planner_url, "connected");

        let mut client = ResourceServiceClient::new(channel);
        let (tx, rx) = mpsc::channel(REQUEST_BUFFER);
        // Everything goes through `outbox` so that sending never blocks reading acks, source
        // events or the shutdown signal, and so that changes queue up behind the resync.
        let mut outbox: VecDeque<Outgoing> = self.resync();
        let call = client.stream_resources(ReceiverStream::new(rx));
        tokio::pin!(call);
        let mut acks: Option<Streaming<StreamResourcesResponse>> = None;
        let mut sequence = 0u64;
        let mut in_flight: HashMap<u64, Label> = HashMap::new();
        let mut resync_end: Option<u64> = None;
        let mut resynced = false;
        loop {
            tokio::select! {
                _ = &mut self.shutdown => return Err(Stop::Shutdown),
                response = &mut call, if acks.is_none() => match response {
                    Ok(response) => acks = Some(response.into_inner()),
                    Err(status) => return lost(format!("stream refused: {status}"), resynced),
                },
                ack = next_ack(&mut acks), if acks.is_some() => match ack {
                    Ok(Some(ack)) => {
                        let label = in_flight.remove(&ack.sequence);
                        log_ack(&ack, label.as_ref());
                        if Some(ack.sequence) == resync_end && !resynced {
                            resynced = true;
                            if let Some(health) = &self.health {
                                health.set_ready(true).await;
                            }
                            info!(resources = self.state.len(), planner = %self.planner_url, "planner has the full state");
                        }
                    }
                    Ok(None) => return lost("the planner closed the stream".into(), resynced),
                    Err(status) => return lost(format!("stream failed: {status}"), resynced),
                },
                permit = tx.reserve(), if !outbox.is_empty() => {
                    let Ok(permit) = permit else { return lost("the request stream closed".into(), resynced) };
                    let Some((label, event)) = outbox.pop_front() else { continue };
                    sequence += 1;
                    if matches!(label, Label::ResyncEnd) {
                        resync_end = Some(sequence);
                    }
                    debug!(sequence, event = ?label, "sending");
                    // Each change starts a trace that the planner continues (W3C traceparent).
                    let traceparent = match &label {
                        Label::Resource(key) => {
                            let op = match &event {
                                Event::DeleteDatabase(_) | Event::DeleteTable(_) => "delete",
                                _ => "upsert",
                            };
                            schemahero_telemetry::metrics::counter("schemahero_watcher_events_total", &[("kind", &key.kind.to_string()), ("op", op)]).inc();
                            let span = tracing::info_span!("watcher.event", kind = %key.kind, namespace = %key.namespace, name = %key.name, op);
                            span.in_scope(schemahero_telemetry::current_traceparent)
                        }
                        _ => String::new(),
                    };
                    in_flight.insert(sequence, label);
                    permit.send(StreamResourcesRequest { sequence, traceparent, event: Some(event) });
                },
                event = self.events.recv() => outbox.extend(self.apply(event)?),
            }
        }
    }

    /// A full resync of the current state.
    fn resync(&self) -> VecDeque<Outgoing> {
        let mut events = VecDeque::with_capacity(self.state.len() + 2);
        events.push_back((Label::ResyncStart, Event::ResyncStart(ResyncStart {})));
        events.extend(self.state.iter().map(|(key, resource)| (Label::Resource(key.clone()), resource.upsert_event())));
        events.push_back((Label::ResyncEnd, Event::ResyncEnd(ResyncEnd {})));
        events
    }

    /// Applies a source event to the state; returns what to tell the planner about it.
    fn apply(&mut self, event: Option<SourceEvent>) -> Result<Vec<Outgoing>, Stop> {
        let Some(event) = event else {
            return Err(Stop::SourceEnded);
        };
        Ok(match event {
            SourceEvent::Snapshot(resources) => {
                self.state = resources.into_iter().map(|r| (r.key(), r)).collect();
                self.synced = true;
                // A new listing can imply deletions it does not spell out; only a resync makes
                // the planner drop what is gone.
                self.resync().into()
            }
            SourceEvent::Upsert(resource) => {
                let key = resource.key();
                if self.state.get(&key) == Some(&resource) {
                    Vec::new()
                } else {
                    let event = resource.upsert_event();
                    self.state.insert(key.clone(), resource);
                    vec![(Label::Resource(key), event)]
                }
            }
            SourceEvent::Delete(key) => match self.state.remove(&key) {
                Some(_) => vec![(Label::Resource(key.clone()), key.delete_event())],
                None => Vec::new(),
            },
        })
    }
}

async fn next_ack(acks: &mut Option<Streaming<StreamResourcesResponse>>) -> Result<Option<StreamResourcesResponse>, tonic::Status> {
    match acks {
        Some(stream) => stream.message().await,
        None => std::future::pending().await,
    }
}

fn log_ack(ack: &StreamResourcesResponse, label: Option<&Label>) {
    if ack.error.is_empty() {
        return;
    }
    match label {
        Some(Label::Resource(key)) => warn!(sequence = ack.sequence, resource = %key, error = %ack.error, "planner rejected a resource"),
        Some(other) => warn!(sequence = ack.sequence, event = ?other, error = %ack.error, "planner rejected an event"),
        None => warn!(sequence = ack.sequence, error = %ack.error, "planner rejected an event the watcher does not know about"),
    }
}

/// tonic's transport errors say little at the top level ("transport error"); the cause says
/// what happened (connection refused, DNS, …).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut last = message.clone();
    let mut source = error.source();
    while let Some(cause) = source {
        // hyper wraps some errors in a layer that prints the same text; say it once.
        let text = cause.to_string();
        if text != last {
            message.push_str(": ");
            message.push_str(&text);
            last = text;
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::ResourceKind;
    use schemahero_proto::v1::Table;

    fn watcher() -> (Watcher, mpsc::Sender<SourceEvent>) {
        let (tx, events) = mpsc::channel(8);
        let endpoint = Endpoint::from_static("http://127.0.0.1:1");
        let w = Watcher {
            endpoint,
            tls: None,
            health: None,
            planner_url: String::new(),
            events,
            state: BTreeMap::new(),
            synced: false,
            shutdown: Box::pin(std::future::pending()),
        };
        (w, tx)
    }

    fn table(name: &str, spec: &str) -> Resource {
        Resource::Table(Table { namespace: "default".into(), name: name.into(), source: "f".into(), spec_json: spec.into() })
    }

    fn kinds(events: &[Outgoing]) -> Vec<String> {
        events
            .iter()
            .map(|(_, e)| match e {
                Event::ResyncStart(_) => "start".to_string(),
                Event::ResyncEnd(_) => "end".to_string(),
                Event::UpsertTable(t) => format!("upsert {}", t.name),
                Event::DeleteTable(r) => format!("delete {}", r.name),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn state_follows_the_source_and_skips_no_op_events() {
        let (mut w, _tx) = watcher();
        let out = w.apply(Some(SourceEvent::Snapshot(vec![table("b", "1"), table("a", "1")]))).unwrap();
        assert!(w.synced);
        assert_eq!(kinds(&out), ["start", "upsert a", "upsert b", "end"]);

        assert_eq!(kinds(&w.apply(Some(SourceEvent::Upsert(table("a", "1")))).unwrap()), Vec::<String>::new());
        assert_eq!(kinds(&w.apply(Some(SourceEvent::Upsert(table("a", "2")))).unwrap()), ["upsert a"]);
        let key = ResourceKey::new(ResourceKind::Table, "default", "b");
        assert_eq!(kinds(&w.apply(Some(SourceEvent::Delete(key.clone()))).unwrap()), ["delete b"]);
        assert_eq!(kinds(&w.apply(Some(SourceEvent::Delete(key))).unwrap()), Vec::<String>::new());

        // A later snapshot replaces everything and resyncs.
        let out = w.apply(Some(SourceEvent::Snapshot(vec![table("c", "1")]))).unwrap();
        assert_eq!(kinds(&out), ["start", "upsert c", "end"]);
        assert_eq!(w.state.len(), 1);
        assert!(matches!(w.apply(None), Err(Stop::SourceEnded)));
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_resets_after_a_resync() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        let delays: Vec<u128> = (0..8).map(|_| b.next_delay(false).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(b.next_delay(true), Duration::from_millis(100));
        assert_eq!(b.next_delay(false), Duration::from_millis(200));
    }

    #[tokio::test]
    async fn an_invalid_url_is_an_error() {
        let (_, events) = mpsc::channel::<SourceEvent>(1);
        struct Never(mpsc::Receiver<SourceEvent>);
        impl ResourceSource for Never {
            async fn next(&mut self) -> Option<SourceEvent> {
                self.0.recv().await
            }
        }
        let result = run_stream("not a url", Never(events), std::future::pending()).await;
        assert!(matches!(result, Err(StreamError::InvalidUrl { .. })), "{result:?}");
    }
}

//! `daemon --metrics ADDR`: what the daemon did, per mailbox, in Prometheus's
//! text format (OpenMetrics, from the Prometheus project's own
//! `prometheus-client`), served at `http://ADDR/metrics` (`server`). An
//! operator alerts on it as on anything else they run (docs/metrics.md).

pub mod server;

use crate::daemon::scheduler::{StepObserver, StepReport};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ByMailbox {
    mailbox: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ByKind {
    mailbox: String,
    /// The failure's kind (docs/contract.md, "Failures").
    kind: String,
}

type Seconds = Counter<f64, AtomicU64>;

/// Every family, registered once; `mailbox` hands out one mailbox's view.
pub struct Metrics {
    registry: Registry,
    ingested: Family<ByMailbox, Counter>,
    bytes: Family<ByMailbox, Counter>,
    dead_lettered: Family<ByMailbox, Counter>,
    steps: Family<ByMailbox, Histogram>,
    failures: Family<ByKind, Counter>,
    throttled: Family<ByMailbox, Counter>,
    throttled_seconds: Family<ByMailbox, Seconds>,
    last_success: Family<ByMailbox, Gauge<f64, AtomicU64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("ews");
        let ingested = Family::default();
        registry.register(
            "emails_ingested",
            "Emails stored by the sink and acknowledged",
            ingested.clone(),
        );
        let bytes = Family::default();
        registry.register_with_unit(
            "ingested",
            "Bytes of the records and files stored by the sink and acknowledged",
            Unit::Bytes,
            bytes.clone(),
        );
        let dead_lettered = Family::default();
        registry.register(
            "emails_dead_lettered",
            "Emails the sink refused for good, kept as dead letters and acknowledged",
            dead_lettered.clone(),
        );
        // 10 ms to about 80 s: a quiet poll to a large backlog's step.
        let steps = Family::<ByMailbox, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.01, 2.0, 14))
        });
        registry.register_with_unit(
            "step_duration",
            "Duration of each daemon step (poll, store, ack)",
            Unit::Seconds,
            steps.clone(),
        );
        let failures = Family::default();
        registry.register(
            "step_failures",
            "Steps that failed, by the failure's kind",
            failures.clone(),
        );
        let throttled = Family::default();
        registry.register(
            "throttled_waits",
            "Waits the server asked for (ErrorServerBusy, HTTP 429/503)",
            throttled.clone(),
        );
        let throttled_seconds = Family::default();
        registry.register_with_unit(
            "throttled_wait",
            "Time spent in waits the server asked for",
            Unit::Seconds,
            throttled_seconds.clone(),
        );
        let last_success = Family::default();
        registry.register(
            "last_success_timestamp_seconds",
            "Unix time of the last step that succeeded",
            last_success.clone(),
        );
        Metrics {
            registry,
            ingested,
            bytes,
            dead_lettered,
            steps,
            failures,
            throttled,
            throttled_seconds,
            last_success,
        }
    }
}

impl Metrics {
    /// The exposition, as `GET /metrics` answers it.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// One mailbox's series, created at zero so that a mailbox that never
    /// ingested still shows (and an alert on its absence is not needed).
    pub fn mailbox(&self, name: &str) -> MailboxMetrics<'_> {
        let m = MailboxMetrics {
            metrics: self,
            label: ByMailbox {
                mailbox: name.to_string(),
            },
        };
        let _ = self.ingested.get_or_create(&m.label);
        let _ = self.bytes.get_or_create(&m.label);
        let _ = self.dead_lettered.get_or_create(&m.label);
        let _ = self.throttled.get_or_create(&m.label);
        let _ = self.throttled_seconds.get_or_create(&m.label);
        let _ = self.steps.get_or_create(&m.label);
        m
    }
}

/// What the scheduler reports to: one mailbox's series.
pub struct MailboxMetrics<'a> {
    metrics: &'a Metrics,
    label: ByMailbox,
}

impl StepObserver for MailboxMetrics<'_> {
    fn step(&self, report: &StepReport, took: Duration) {
        let m = self.metrics;
        m.ingested
            .get_or_create(&self.label)
            .inc_by(report.delivered() as u64);
        m.dead_lettered
            .get_or_create(&self.label)
            .inc_by(report.dead_lettered.len() as u64);
        if report.acked > 0 {
            m.bytes
                .get_or_create(&self.label)
                .inc_by(report.bytes as u64);
        }
        m.steps
            .get_or_create(&self.label)
            .observe(took.as_secs_f64());
        match &report.failure {
            Some(f) => {
                m.failures
                    .get_or_create(&ByKind {
                        mailbox: self.label.mailbox.clone(),
                        kind: f.kind.as_str().to_string(),
                    })
                    .inc();
            }
            None => {
                let now = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default();
                m.last_success
                    .get_or_create(&self.label)
                    .set(now.as_secs_f64());
            }
        }
    }

    fn throttled(&self, wait: Duration) {
        self.metrics.throttled.get_or_create(&self.label).inc();
        self.metrics
            .throttled_seconds
            .get_or_create(&self.label)
            .inc_by(wait.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Failure, Kind};

    #[test]
    fn a_step_counts_what_it_acked_and_a_failure_by_kind() {
        let metrics = Metrics::default();
        let soc = metrics.mailbox("soc");
        let mut ok = StepReport {
            polled: 3,
            stored: 2,
            acked: 3,
            bytes: 1234,
            ..Default::default()
        };
        ok.dead_lettered
            .push(crate::daemon::scheduler::DeadLettered {
                id: "x".into(),
                reason: "no".into(),
            });
        soc.step(&ok, Duration::from_millis(30));
        let failed = StepReport {
            failure: Some(Failure::new(Kind::Throttled, "busy")),
            ..Default::default()
        };
        soc.step(&failed, Duration::from_millis(5));
        soc.throttled(Duration::from_millis(1500));
        metrics.mailbox("idle");
        let text = metrics.encode();
        for line in [
            "ews_emails_ingested_total{mailbox=\"soc\"} 2",
            "ews_emails_dead_lettered_total{mailbox=\"soc\"} 1",
            "ews_ingested_bytes_total{mailbox=\"soc\"} 1234",
            "ews_step_failures_total{mailbox=\"soc\",kind=\"throttled\"} 1",
            "ews_throttled_waits_total{mailbox=\"soc\"} 1",
            "ews_throttled_wait_seconds_total{mailbox=\"soc\"} 1.5",
            "ews_step_duration_seconds_count{mailbox=\"soc\"} 2",
            "ews_emails_ingested_total{mailbox=\"idle\"} 0",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert!(
            text.contains("ews_last_success_timestamp_seconds{mailbox=\"soc\"} 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}

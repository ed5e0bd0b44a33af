//! `daemon --once` on a terminal: a progress bar per mailbox (indicatif),
//! with the rate and, once the component says how many are waiting
//! (`batch.remaining`), the total and an ETA, in place of a line per step.
//! Every other line (warnings, failures, the guest's logs) is printed above
//! the bars (logging::console_line_at), so that nothing tears them. Without a
//! terminal nothing changes: a plain line per step, for logs and pipes.

use super::scheduler::{StepObserver, StepReport};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Whether this run draws bars: `--once`, with stderr a terminal.
pub fn wanted(once: bool) -> bool {
    use std::io::IsTerminal;
    once && std::io::stderr().is_terminal()
}

/// One mailbox's bar.
pub struct Bar {
    bar: ProgressBar,
    sized: AtomicBool,
}

impl Bar {
    pub fn new(multi: &MultiProgress, name: &str) -> Bar {
        let bar = multi.add(ProgressBar::no_length());
        bar.set_style(style(
            "{prefix} {spinner} {pos} emails  {per_sec}  {elapsed}",
        ));
        bar.set_prefix(name.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar {
            bar,
            sized: AtomicBool::new(false),
        }
    }

    /// The end: the bar stays, saying how many went through and how fast.
    pub fn finish(&self) {
        let n = self.bar.position();
        let secs = self.bar.elapsed().as_secs_f64().max(0.001);
        self.bar.set_style(style("{prefix} {msg}"));
        self.bar.finish_with_message(format!(
            "{n} emails in {secs:.1} s ({:.1}/s)",
            n as f64 / secs
        ));
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl StepObserver for Bar {
    fn step(&self, report: &StepReport, _took: Duration) {
        self.bar.inc(report.delivered() as u64);
        if let Some(remaining) = report.remaining {
            if !self.sized.swap(true, Ordering::SeqCst) {
                self.bar.set_style(style(
                    "{prefix} [{wide_bar}] {pos}/{len} emails  {per_sec}  ETA {eta}",
                ));
            }
            self.bar.set_length(self.bar.position() + remaining);
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.finish();
        }
    }
}

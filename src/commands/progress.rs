//! The progress bar on a terminal: bytes, throughput and time left, drawn on
//! stderr only when [`super::Context::progress`] says a person is watching.
//! Stages that run side by side draw their bars as one group ([`Bars`]),
//! a line each, so that neither erases the other's.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::Progress;

pub struct Bar {
    bar: Option<ProgressBar>,
    /// The group it is drawn with, if any; else alone on stderr.
    group: Option<MultiProgress>,
}

/// Bars drawn together on stderr, one line each.
pub struct Bars(Option<MultiProgress>);

impl Bars {
    /// A group, or nothing unless `show`.
    pub fn new(show: bool) -> Bars {
        Bars(show.then(MultiProgress::new))
    }

    /// A bar of the group labelled `what`.
    pub fn bar(&self, what: &str) -> Bar {
        let mut bar = Bar::new(self.0.is_some(), what);
        bar.group = self.0.clone();
        bar
    }
}

impl Bar {
    /// A bar labelled `what` (`verifying`), or nothing unless `show`.
    pub fn new(show: bool, what: &str) -> Bar {
        let bar = show.then(|| {
            let bar = ProgressBar::hidden();
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} {what} {{bar:20}} {{binary_bytes}}/{{binary_total_bytes}} {{binary_bytes_per_sec}} eta {{eta}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Bar { bar, group: None }
    }
}

impl Progress for Bar {
    fn start(&self, _files: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(bytes);
            match &self.group {
                Some(group) => drop(group.add(bar.clone())),
                None => bar.set_draw_target(ProgressDrawTarget::stderr()),
            }
        }
    }

    fn more(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc_length(bytes);
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}

//! Compare fan-out: N routed answers streaming at once, merged into one stream of
//! `(column, event)`. A column's failure or cancellation leaves the others running.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};

use super::{RouteEvent, RoutedStream};
use crate::client::Target;
use crate::error::Result;

/// The columns of a compare, polled fairly.
pub struct CompareStream {
    columns: Vec<Option<RoutedStream>>,
    next: usize,
}

impl CompareStream {
    pub(crate) fn new(columns: Vec<RoutedStream>) -> Self {
        CompareStream {
            columns: columns.into_iter().map(Some).collect(),
            next: 0,
        }
    }

    /// How many columns there are.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Stops one column: its connection closes; the others go on.
    pub fn cancel(&mut self, column: usize) {
        if let Some(slot) = self.columns.get_mut(column) {
            *slot = None;
        }
    }

    /// Whether a column is still running.
    pub fn is_running(&self, column: usize) -> bool {
        self.columns.get(column).is_some_and(Option::is_some)
    }

    /// A column's attempts so far.
    pub fn attempts(&self, column: usize) -> &[super::Attempt] {
        self.columns
            .get(column)
            .and_then(Option::as_ref)
            .map_or(&[], |s| s.attempts())
    }

    /// The target that answered in a column, once one has.
    pub fn answered(&self, column: usize) -> Option<&Target> {
        self.columns.get(column)?.as_ref()?.answered()
    }
}

impl Stream for CompareStream {
    type Item = (usize, Result<RouteEvent>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let n = this.columns.len();
        let start = this.next;
        let mut running = false;
        for offset in 0..n {
            let i = (start + offset) % n;
            let Some(stream) = this.columns[i].as_mut() else {
                continue;
            };
            match stream.poll_next_unpin(cx) {
                Poll::Ready(Some(item)) => {
                    // Start after this column next time, so no column starves the others.
                    this.next = (i + 1) % n;
                    return Poll::Ready(Some((i, item)));
                }
                Poll::Ready(None) => this.columns[i] = None,
                Poll::Pending => running = true,
            }
        }
        if running {
            Poll::Pending
        } else {
            Poll::Ready(None)
        }
    }
}

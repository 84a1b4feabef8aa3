//! The client: [`Engine`] sends one request to one target on one shared HTTP client (keys
//! attached, redirects refused, bodies capped) and hands back a [`ChatStream`] — the body turned
//! into events under the first-token, idle and whole-answer deadlines — or a whole answer.

mod engine;
mod streaming;

pub(crate) use engine::check_model_name;
pub use engine::{Engine, Target};
pub(crate) use streaming::too_large;
pub use streaming::ChatStream;
pub(crate) use streaming::StreamTimeouts;

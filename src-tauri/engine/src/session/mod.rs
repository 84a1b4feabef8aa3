//! Sessions: what turns a user's message into a stored, routed answer. A turn is prepared
//! ([`turn`], [`compare`]: the user's message committed, the budget checked), then driven by the
//! one [`driver`], which runs the router and writes the [`recorder`] and yields typed events.
//! The CLI, the app and the gateway are fronts over this; none records or checks the budget
//! itself.

pub mod compare;
pub mod driver;
pub mod preview;
pub mod recorder;
pub mod settings;
pub mod turn;

pub use compare::{ColumnSpec, CompareSpec, Compared, MAX_COLUMNS};
pub use driver::{fan_out, fell_over, Answer, Delivery, Finished, Session, TurnEvent};
pub use preview::Preview;
pub use recorder::Recorder;
pub use settings::{differences, ChatSettings};
pub use turn::{check_budget, AttachmentRef, Place, Turn, TurnSpec};

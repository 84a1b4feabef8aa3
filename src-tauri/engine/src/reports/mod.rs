//! Reports read from the ledger and the votes: the usage dashboard and the leaderboard.

pub mod dashboard;
pub mod leaderboard;

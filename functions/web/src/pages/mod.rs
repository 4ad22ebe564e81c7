//! The portal's pages.

pub mod account;
pub mod forms;
pub mod notices;

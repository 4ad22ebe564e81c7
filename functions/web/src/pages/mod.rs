//! The portal's pages.

pub mod account;
pub mod console;
pub mod forms;
pub mod identity;
pub mod notices;
pub mod shares;
pub mod wallet;

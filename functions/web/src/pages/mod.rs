//! The portal's pages.

pub mod account;
pub mod console;
pub mod declared;
pub mod entries;
pub mod forms;
pub mod identity;
pub mod info;
pub mod notices;
pub mod request;
pub mod shares;
pub mod verify;
pub mod wallet;

//! Authentication: where credentials come from ([`credentials`]) and how a
//! request is signed with them (SigV4, in `sign.rs`).

pub mod credentials;
pub(crate) mod sign;

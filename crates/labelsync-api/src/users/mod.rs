//! `/api/current-user/…`: the caller themself and their legacy API token.

pub mod reset_token;
pub mod token;
pub mod whoami;

//! Integration tests of the mock over real loopback HTTP.

mod admin;
mod client;
mod faults;
mod lifecycle;
mod uri;
mod wire;

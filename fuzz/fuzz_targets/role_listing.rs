//! The role listing parser: never panics; a role it returns is a valid role name.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(role) = ecscred::wire::parse_role_listing(body) {
        assert!(ecscred::wire::is_valid_role_name(&role));
    }
});

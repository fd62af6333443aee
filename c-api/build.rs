//! Gives the shared library its soname, so that programs record `libecscred.so.0` (the
//! ABI version) rather than the unversioned development name.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        // Bump the number with any incompatible change of the C ABI (and in c.mk).
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libecscred.so.0");
    }
}

//! The shared library's soname: `libsvn2s3.so.0`, whatever cargo names the
//! file it builds. The number changes only when the C ABI breaks (see
//! include/svn2s3.h); functions are added under the same number.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,-soname,libsvn2s3.so.{}",
            SONAME_VERSION
        );
    }
}

/// The ABI's version, the number after `.so.`.
const SONAME_VERSION: u32 = 0;

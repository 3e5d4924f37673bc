//! Finds libsvn_client, libsvn_wc, libsvn_subr and APR, and generates
//! bindings for the part of their API that svn2s3 uses.

use std::env;
use std::path::PathBuf;

/// Functions svn2s3 calls. Anything not listed here is not bound, which keeps
/// bindgen's output (and the build) small.
const FUNCTIONS: &[&str] = &[
    "apr_initialize",
    "apr_pool_create_ex",
    "apr_pool_destroy",
    "apr_hash_get",
    "apr_hash_first",
    "apr_hash_next",
    "apr_hash_this",
    "apr_array_make",
    "apr_array_push",
    "svn_dso_initialize2",
    "svn_config_get_config",
    "svn_cmdline_create_auth_baton2",
    "svn_client_version",
    "svn_client_create_context2",
    "svn_client_info4",
    "svn_client_status6",
    "svn_client_diff_summarize2",
    "svn_client_list4",
    "svn_client_proplist4",
    "svn_client_cat3",
    "svn_wc_crawl_revisions5",
    "svn_wc_prop_list2",
    "svn_client_log5",
    "svn_stream_open_writable",
    "svn_stream_close",
    "svn_dirent_canonicalize",
    "svn_uri_canonicalize",
    "svn_path_url_add_component2",
    "svn_uri_skip_ancestor",
    "svn_error_create",
    "svn_error_clear",
    "svn_error_purge_tracing",
    "svn_err_best_message",
];

/// Enums whose values svn2s3 reads or passes, emitted as plain constants.
const ENUMS: &[&str] = &[
    "svn_opt_revision_kind",
    "svn_depth_t",
    "svn_node_kind_t",
    "svn_wc_status_kind",
    "svn_client_diff_summarize_kind_t",
    "svn_errno_t",
];

/// Structs that reach svn2s3 through `void *` (hash values, array elements),
/// so that no function signature brings them in.
const TYPES: &[&str] = &[
    "svn_log_changed_path2_t",
    "svn_prop_inherited_item_t",
    "svn_opt_revision_range_t",
];

/// Macros that bindgen can evaluate.
const VARS: &[&str] = &["SVN_DIRENT_KIND", "APR_SUCCESS"];

/// The libraries whose functions are bound. Only these are linked: Debian's
/// libsvn_subr.pc lists its own private dependencies (lz4, utf8proc, expat)
/// under `Libs`, and a dynamic link does not need them.
const LINK: &[&str] = &["svn_client-1", "svn_wc-1", "svn_subr-1", "apr-1"];

#[derive(Default)]
struct Paths {
    include: Vec<PathBuf>,
    lib: Vec<PathBuf>,
}

fn main() {
    for var in ["SVN_INCLUDE_DIR", "SVN_LIB_DIR", "APR_INCLUDE_DIR"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=wrapper.h");

    let paths = match (env::var_os("SVN_INCLUDE_DIR"), env::var_os("SVN_LIB_DIR")) {
        (Some(include), Some(lib)) => from_override(include.into(), lib.into()),
        _ => from_pkg_config(),
    };
    for dir in &paths.lib {
        println!("cargo:rustc-link-search=native={}", dir.display());
    }
    for name in LINK {
        println!("cargo:rustc-link-lib={name}");
    }
    generate(&paths);
}

/// The user told us where Subversion is; APR comes from APR_INCLUDE_DIR or pkg-config.
fn from_override(include: PathBuf, lib: PathBuf) -> Paths {
    let mut paths = Paths {
        include: vec![include],
        lib: vec![lib],
    };
    match env::var_os("APR_INCLUDE_DIR") {
        Some(apr) => paths.include.push(apr.into()),
        None => add(&mut paths, probe("apr-1")),
    }
    paths
}

fn from_pkg_config() -> Paths {
    // Debian's libsvn_*.pc files carry an empty Version:, so no version floor
    // is asked of pkg-config; the smoke test checks svn_client_version().
    let mut paths = Paths::default();
    for name in ["libsvn_client", "libsvn_wc", "libsvn_subr", "apr-1"] {
        add(&mut paths, probe(name));
    }
    paths
}

fn add(paths: &mut Paths, lib: pkg_config::Library) {
    for (into, from) in [
        (&mut paths.include, lib.include_paths),
        (&mut paths.lib, lib.link_paths),
    ] {
        for dir in from {
            if !into.contains(&dir) {
                into.push(dir);
            }
        }
    }
}

fn probe(name: &str) -> pkg_config::Library {
    let found = pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(true)
        .probe(name);
    match found {
        Ok(lib) => lib,
        Err(err) => {
            explain_missing(name);
            panic!("svn-sys: pkg-config could not find {name}: {err}");
        }
    }
}

fn explain_missing(name: &str) {
    for line in [
        &format!("pkg-config could not find `{name}`; svn-sys needs the Subversion and APR development files."),
        "Debian/Ubuntu: apt-get install libsvn-dev libapr1-dev libclang-dev pkg-config",
        "Fedora:        dnf install subversion-devel apr-devel clang-devel pkgconf",
        "Homebrew:      brew install subversion apr llvm pkg-config",
        "Or set SVN_INCLUDE_DIR and SVN_LIB_DIR (and APR_INCLUDE_DIR) to where they are installed.",
    ] {
        println!("cargo:warning={line}");
    }
}

fn generate(paths: &Paths) {
    let mut builder = bindgen::Builder::default()
        .header("wrapper.h")
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .layout_tests(false)
        .derive_default(true)
        .generate_comments(false);
    for dir in &paths.include {
        builder = builder.clang_arg(format!("-I{}", dir.display()));
    }
    for function in FUNCTIONS {
        builder = builder.allowlist_function(function);
    }
    for item in ENUMS.iter().chain(TYPES) {
        builder = builder.allowlist_type(item);
    }
    for var in VARS {
        builder = builder.allowlist_var(var);
    }
    let bindings = builder.generate().unwrap_or_else(|err| {
        println!("cargo:warning=bindgen failed on wrapper.h; is libclang installed (Debian: libclang-dev)?");
        panic!("svn-sys: generating bindings: {err}");
    });
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindings
        .write_to_file(out.join("bindings.rs"))
        .expect("svn-sys: writing bindings.rs");
}

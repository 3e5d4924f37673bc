#!/usr/bin/env bash
# Finishes the runtime library's package as Debian ships a shared library,
# which cargo-deb does not do alone: the library file 644 (cargo-deb reads
# a library's dependencies with dpkg-shlibdeps only when it is executable)
# and a shlibs file, so that packages built against libsvn2s3.so.0 depend
# on libsvn2s3-0. The package is unpacked, mended and packed again.
set -euo pipefail
deb=$1
version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The versions written by hand must be the crate's: libsvn2s3-dev's Depends
# and the changelog's first entry.
dev=${deb/libsvn2s3-0_/libsvn2s3-dev_}
if ! dpkg-deb --field "$dev" Depends | grep -qF "libsvn2s3-0 (= $version-1)"; then
    echo "$dev does not depend on libsvn2s3-0 (= $version-1): mend capi/Cargo.toml" >&2
    exit 1
fi
if ! head -1 "$(dirname "$0")/../packaging/debian/changelog" | grep -qF "($version-1)"; then
    echo "packaging/debian/changelog's first entry is not $version-1" >&2
    exit 1
fi

dpkg-deb --raw-extract "$deb" "$work/root"
chmod 644 "$work/root/usr/lib/x86_64-linux-gnu/libsvn2s3.so.$version"
echo "libsvn2s3 0 libsvn2s3-0 (>= $version)" > "$work/root/DEBIAN/shlibs"
chmod 644 "$work/root/DEBIAN/shlibs"
dpkg-deb --root-owner-group -Zxz --build "$work/root" "$deb" >/dev/null
echo "$deb: the library 644, with its shlibs"

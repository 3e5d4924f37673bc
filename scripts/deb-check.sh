#!/usr/bin/env bash
# Checks the three packages given (the command, libsvn2s3-0 and
# libsvn2s3-dev) with lintian, which must find no error (a warning only
# where an override in the package gives its reason); installs them with
# dpkg -i, checks that the command runs and that its man page and
# completions are where man and the shells look, builds the C example
# against the installed library with pkg-config and runs it, then removes
# the packages.
set -euo pipefail
deb=$1
lib=$2
dev=$3
sudo=$([ "$(id -u)" = 0 ] || echo sudo)

for package in "$deb" "$lib" "$dev"; do
    echo "== dpkg-deb --info $package"
    dpkg-deb --info "$package" | grep -E '^ (Package|Version|Architecture|Multi-Arch|Depends):'
done

echo "== lintian"
# Root is refused by default: lintian runs as root here only in containers.
# Any error or warning, or lintian failing to run at all, stops the check.
# Then the overridden tags are shown (O:), each after its reason (N:):
# --fail-on would count them, so they are listed apart.
if ! lintian --allow-root --fail-on error,warning "$deb" "$lib" "$dev"; then
    echo "deb-check: lintian reports errors or warnings (or did not run)" >&2
    exit 1
fi
lintian --allow-root --show-overrides "$deb" "$lib" "$dev" | grep -E '^(N|O): ' || true

for name in svn2s3 libsvn2s3-0 libsvn2s3-dev; do
    if dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q '^install ok installed'; then
        echo "deb-check: $name is installed already; remove it first" >&2
        exit 1
    fi
done

$sudo dpkg -i "$deb" "$lib" "$dev"
trap '$sudo dpkg -r libsvn2s3-dev libsvn2s3-0 svn2s3 >/dev/null' EXIT

echo "== installed"
/usr/bin/svn2s3 --version
man -w svn2s3
man -w svn2s3-publish
for file in /usr/share/bash-completion/completions/svn2s3 \
            /usr/share/zsh/vendor-completions/_svn2s3 \
            /usr/share/fish/vendor_completions.d/svn2s3.fish \
            /usr/share/doc/svn2s3/README.md \
            /usr/include/svn2s3.h /usr/lib/x86_64-linux-gnu/libsvn2s3.a \
            /usr/lib/x86_64-linux-gnu/pkgconfig/svn2s3.pc; do
    test -s "$file" || { echo "deb-check: $file is missing or empty" >&2; exit 1; }
    echo "$file"
done
bash -n /usr/share/bash-completion/completions/svn2s3

echo "== a C program against the installed library"
work=$(mktemp -d)
trap '$sudo dpkg -r libsvn2s3-dev libsvn2s3-0 svn2s3 >/dev/null; rm -rf "$work"' EXIT
cc "$(dirname "$0")/../capi/examples/publish.c" $(pkg-config --cflags --libs svn2s3) -o "$work/publish"
readelf -d "$work/publish" | grep -F 'libsvn2s3.so.0'
status=0
"$work/publish" 2>"$work/usage" || status=$?
if ! grep -q '^usage:' "$work/usage" || [ "$status" != 2 ]; then
    echo "deb-check: the C program gave status $status, not its usage and 2" >&2
    exit 1
fi
echo "it runs: usage, status 2"
echo "deb-check: ok"

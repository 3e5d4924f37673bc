#!/usr/bin/env bash
# Installs the package given with dpkg -i, checks that it runs and that its man
# page and completions are where man and the shells look, then removes it.
set -euo pipefail
deb=$1
sudo=$([ "$(id -u)" = 0 ] || echo sudo)

echo "== dpkg-deb --info $deb"
dpkg-deb --info "$deb" | grep -E '^ (Package|Version|Architecture|Depends):'
if dpkg-query -W -f='${Status}' svn2s3 2>/dev/null | grep -q '^install ok installed'; then
    echo "deb-check: svn2s3 is installed already; remove it first" >&2
    exit 1
fi

$sudo dpkg -i "$deb"
trap '$sudo dpkg -r svn2s3 >/dev/null' EXIT

echo "== installed"
/usr/bin/svn2s3 --version
man -w svn2s3
man -w svn2s3-publish
for file in /usr/share/bash-completion/completions/svn2s3 \
            /usr/share/zsh/vendor-completions/_svn2s3 \
            /usr/share/fish/vendor_completions.d/svn2s3.fish \
            /usr/share/doc/svn2s3/README.md; do
    test -s "$file" && echo "$file"
done
bash -n /usr/share/bash-completion/completions/svn2s3
echo "deb-check: ok"

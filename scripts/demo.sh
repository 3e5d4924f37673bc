#!/usr/bin/env bash
# The demo: a sample site in a fresh Subversion repository, published to a
# local S3-compatible server (s3s-fs on 127.0.0.1), then changed, committed and
# published again. Prints both reports and the bucket's listing, then stops the
# server and removes everything it made.
set -euo pipefail

svn2s3=$(realpath "${1:-target/release/svn2s3}")
s3s_fs=$(command -v s3s-fs || echo "${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs")
work=$(mktemp -d)
server=
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null
        wait "$server" 2>/dev/null || true # its status is that of a killed process
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Demo credentials for the local server only.
export AWS_ACCESS_KEY_ID=demo-access-key AWS_SECRET_ACCESS_KEY=demo-secret-key
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "A repository with a small site"
svnadmin create "$work/repo"
svn checkout -q "file://$work/repo" "$work/wc"
cd "$work/wc"
mkdir -p css js img "docs/guide"
printf '<!doctype html>\n<link rel="stylesheet" href="css/site.css">\n<h1>Media</h1>\n' > index.html
printf 'body { font: 16px sans-serif }\n' > css/site.css
printf 'document.title = "svn2s3";\n' > js/app.js
head -c 4096 /dev/urandom > img/photo.jpg
head -c 2048 /dev/urandom > img/old-banner.png
printf 'Read me first.\n' > "docs/guide/getting started.txt"
cat > svn2s3.yaml <<'YAML'
bucket: demo-site
prefix: static/
gzip:
  enabled: true
headers:
  - match: "*.css"
    cache_control: "public, max-age=31536000"
exclude: ["svn2s3.yaml"]
YAML
svn add -q --force .
svn commit -q -m "A small site"
svn update -q
svn list -R

step "A local S3-compatible server (s3s-fs) on 127.0.0.1"
mkdir -p "$work/s3/demo-site"
port=9123
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
endpoint="http://127.0.0.1:$port"
"$s3s_fs" --host 127.0.0.1 --port "$port" \
    --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" "$work/s3" \
    > "$work/s3s-fs.log" 2>&1 &
server=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
echo "listening at $endpoint"

step "svn2s3 publish: the first publish uploads the tree"
"$svn2s3" publish --endpoint "$endpoint"

step "A commit: edit the stylesheet, add a page, delete an image"
printf 'body { font: 18px serif }\nh1 { color: teal }\n' > css/site.css
printf '<!doctype html>\n<h1>About</h1>\n' > about.html
svn add -q about.html
svn delete -q img/old-banner.png
svn commit -q -m "Restyle, add about, drop the old banner"
svn update -q
"$svn2s3" status --endpoint "$endpoint"

step "svn2s3 publish: only what changed"
"$svn2s3" publish --endpoint "$endpoint" -v

step "svn2s3 publish again: nothing to do"
"$svn2s3" publish --endpoint "$endpoint"

# A signed GET with curl's own SigV4; S3 also wants the payload's hash (here: of nothing).
s3get() {
    curl -sS --fail --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "$endpoint/$1"
}

step "The bucket, listed through the S3 API"
s3get "demo-site?list-type=2" \
    | grep -o '<Key>[^<]*</Key><LastModified>[^<]*</LastModified>\(<ETag>[^<]*</ETag>\)\?<Size>[0-9]*</Size>' \
    | sed -E 's|<Key>([^<]*)</Key>.*<Size>([0-9]*)</Size>|\2\t\1|' \
    | awk -F'\t' '{ printf "%8d  s3://demo-site/%s\n", $1, $2 }'

step "The state object"
s3get "demo-site/static/.svn2s3/state.yaml"

#!/usr/bin/env python3
"""svn2s3's benchmark against aws s3 sync, rclone sync and s3cmd sync.

For each tree size it builds a Subversion repository of small files (r1), a
working copy of it, and a second revision (r2) that makes the same change
whatever the size: 10 files edited, 5 added, 5 deleted and a 400-file folder
removed. Each tool gets its own s3s-fs server on 127.0.0.1 with a bucket that
holds r1, written by the tool itself, so that the tool finds the metadata it
compares with. Then, for several rounds, each tool's bucket is put back to r1
(hard links to a snapshot) and the tool publishes r2 from the working copy;
then it runs once more with nothing to do. After every timed run the bucket is
compared with the working copy: a tool that skipped work has no time.

The working copy is the peers' source too, with `.svn` excluded, as a user of
those tools would run them. Its files equal `svn export`'s, since no file has
svn:keywords or svn:eol-style. Unchanged files keep the mtimes of the
checkout, older than the objects in the bucket; the changed ones are newer.

At the 20,000-file tree the incremental publish is timed again through the
project's relay (scripts/relay), which holds every chunk half a round trip
each way, as a WAN does, at 20 and 50 ms round trip; and so are a first
publish of that tree and one 1 GiB file, at 20 ms.

The same change is timed as a build folder too: r1 exported into a plain
folder, published by each tool, then the folder rebuilt as a site generator
does, every file of r2 written again with new times, and published by
`svn2s3 publish --build`, `rclone sync --checksum`, `aws s3 sync` and the
lower bound, on loopback and at 20 ms. And a branch of r1 that changes 15
files is published as a preview beside svn2s3's r1 (`--preview`), its
unchanged files copied in the bucket: time, requests and bytes sent,
against svn2s3's first publish of the tree.

Standard library only, but for the relay, a Rust program of the project.
Writes results.json, results.md, incremental.svg and wan.svg to the output
folder; prints the markdown.
"""

from __future__ import annotations

import argparse
import base64
import filecmp
import hashlib
import json
import math
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

SIZES = (2_000, 20_000, 100_000)
ROUND_TRIPS = (0, 20, 50)  # milliseconds; 0 is loopback, without the relay
WAN_SIZE = 20_000  # the tree timed through the relay
PARALLEL = 8
BUCKET = "site"
ACCESS_KEY, SECRET_KEY = "bench-access-key", "bench-secret-key"
AWS = "/usr/bin/aws"  # Debian's awscli 2; a pip-installed aws 1 may come first on PATH
TIME = "/usr/bin/time"  # GNU time, for the peak RSS
SLOW = 10.0  # seconds: a run this slow is not repeated
FAST = 1.0  # seconds: a run this fast is repeated three times as often
CHUNK = 2_500  # files per import commit: one svn import of 100,000 files took 8.5 min


def key_of(i: int) -> str:
    """The tree's i-th file: folders of 50 files, under a top folder per import chunk."""
    return f"d{i // CHUNK:02}/s{i // 50 % 50:02}/f{i:06}.{('css', 'js', 'html', 'png')[i % 4]}"


# The r2 change, the same in every tree: every path below exists at 2,000 files.
EDITED = [key_of(i) for i in range(10)]  # d00/s00/
DELETED = [key_of(i) for i in range(50, 55)]  # d00/s01/
ADDED = [f"d00/s02/new-{i}.{ext}" for i, ext in enumerate(("css", "js", "html", "png", "js"))]
RETIRED = "retired"  # a folder of 400 files, removed in r2
RETIRED_FILES = [f"{RETIRED}/old-{i:03}.png" for i in range(400)]


def main() -> None:
    args = arguments()
    tools = Tools(args.svn2s3.resolve(), args.relay.resolve(), args.out.resolve())
    args.out.mkdir(parents=True, exist_ok=True)
    results = Results(machine=machine(), versions=tools.versions(), runs=args.runs, work=str(args.work))
    started = time.perf_counter()
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-{size}-", dir=args.work) as work:
            bench_tree(size, Path(work), tools, args, results)
    if args.big:
        for round_trip in sorted({0, 20} & set(args.round_trips)):
            with tempfile.TemporaryDirectory(prefix="bench-big-", dir=args.work) as work:
                bench_big_file(Path(work), tools, round_trip, results)
    results.seconds = round(time.perf_counter() - started)
    (args.out / "results.json").write_text(json.dumps(results.__dict__, indent=2) + "\n")
    markdown = results.markdown()
    (args.out / "results.md").write_text(markdown)
    (args.out / "incremental.svg").write_text(results.chart())
    (args.out / "wan.svg").write_text(results.wan_chart())
    print(markdown)
    print(f"wrote {args.out}/results.md, results.json and incremental.svg in {results.seconds} s", file=sys.stderr)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("svn2s3", type=Path, help="the svn2s3 binary (a release build)")
    parser.add_argument("relay", type=Path, help="the relay binary, svn2s3-relay (a release build)")
    parser.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")], default=list(SIZES))
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool and size (median)")
    parser.add_argument("--no-big", dest="big", action="store_false", help="skip the 1 GiB file")
    parser.add_argument("--slow", action="store_true", help="also time aws s3 sync at 100,000 files (10 minutes more)")
    parser.add_argument("--round-trips", type=lambda s: [int(n) for n in s.split(",")], default=list(ROUND_TRIPS),
                        help="milliseconds; 0 is loopback, the others go through the relay at 20,000 files")
    parser.add_argument("--tools", type=lambda s: s.split(","), default=None,
                        help="only these tools (svn2s3, bound, rclone-fast, rclone, aws, s3cmd)")
    parser.add_argument("--out", type=Path, default=Path("target/bench"))
    parser.add_argument("--work", type=Path, default=default_work(), help="where trees and buckets go")
    return parser.parse_args()


def default_work() -> Path:
    """tmpfs when it has room: the disk's noise is not what is measured."""
    shm = Path("/dev/shm")
    if shm.is_dir() and shutil.disk_usage(shm).free > 6 << 30:
        return shm
    return Path(tempfile.gettempdir())


# --- the trees ---------------------------------------------------------------


@dataclass
class Tree:
    size: int
    wc: Path

    def files(self) -> dict[str, Path]:
        """The working copy's files by key, `.svn` aside."""
        found = {}
        for key, entry in walk(self.wc):
            if not key.startswith(".svn/"):
                found[key] = Path(entry.path)
        return found

    def commit_change(self) -> None:
        """r2: the same change in every tree."""
        rng = random.Random(2)
        for key in EDITED:
            with open(self.wc / key, "ab") as file:
                file.write(rng.randbytes(100 + rng.randrange(1000)))  # sizes change too
        for key in ADDED:
            (self.wc / key).write_bytes(rng.randbytes(200 + rng.randrange(20_000)))
        svn("add", "-q", *(str(self.wc / key) for key in ADDED))
        svn("delete", "-q", *(str(self.wc / key) for key in DELETED), str(self.wc / RETIRED))
        svn("commit", "-q", "-m", "r2", str(self.wc))
        svn("update", "-q", str(self.wc))


def make_tree(size: int, work: Path) -> Tree:
    """A repository of `size` files of 200 B-20 KiB (log-uniform) in folders of
    50, imported in chunks, and a working copy of it."""
    url, staging = new_repository(work), work / "staging"
    rng = random.Random(size)
    for start in range(0, size - len(RETIRED_FILES), CHUNK):
        for i in range(start, min(start + CHUNK, size - len(RETIRED_FILES))):
            write_random(staging / key_of(i), rng)
        top = key_of(start).split("/")[0]
        svn("import", "-q", "-m", top, str(staging / top), f"{url}/{top}")
        shutil.rmtree(staging / top)
    for key in RETIRED_FILES:
        write_random(staging / key, rng)
    svn("import", "-q", "-m", RETIRED, str(staging / RETIRED), f"{url}/{RETIRED}")
    shutil.rmtree(staging)
    svn("checkout", "-q", url, str(work / "wc"))
    return Tree(size, work / "wc")


def new_repository(work: Path) -> str:
    """An empty repository in `work`, and the URL of its trunk."""
    subprocess.run(["svnadmin", "create", str(work / "repo")], check=True)
    return f"file://{urllib.parse.quote(str(work / 'repo'))}/trunk"


def write_random(path: Path, rng: random.Random) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rng.randbytes(int(math.exp(rng.uniform(math.log(200), math.log(20_480))))))


def revision_of(wc: Path) -> int:
    """The revision of the working copy's root."""
    done = subprocess.run(["svn", "info", "--show-item", "revision", str(wc)],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def svn(*args: str) -> None:
    subprocess.run(["svn", *args], check=True)


def walk(root: Path, prefix: str = ""):
    """(key, DirEntry) for every file under root, without a stat per file."""
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from walk(Path(entry.path), f"{prefix}{entry.name}/")
            else:
                yield f"{prefix}{entry.name}", entry


# --- the tools -----------------------------------------------------------------


class Server:
    """An s3s-fs server of one's own on 127.0.0.1, its data under `root`, its
    log of requests beside it. Tools reach it directly, or through a relay
    that makes the connection a WAN's (see `route`)."""

    def __init__(self, s3s_fs: str, root: Path, relay: str):
        self.root = root
        (root / BUCKET).mkdir(parents=True)
        self.port = free_port()
        self.direct = self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = root.with_name(root.name + ".log")
        self.relay = relay
        self.relays: dict[int, tuple[subprocess.Popen, str]] = {}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [s3s_fs, "--host", "127.0.0.1", "--port", str(self.port),
                 "--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY, str(root)],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "RUST_LOG": "s3s::ops=debug", "NO_COLOR": "1"},
            )
        wait_for(self.port, "s3s-fs")

    def route(self, round_trip: int) -> None:
        """From now on tools reach the server `round_trip` ms away (0: directly)."""
        if round_trip == 0:
            self.endpoint = self.direct
            return
        if round_trip not in self.relays:
            port = free_port()
            relay = subprocess.Popen([self.relay, str(port), str(self.port), str(round_trip)],
                                     stdout=subprocess.DEVNULL)
            wait_for(port, "the relay")
            self.relays[round_trip] = (relay, f"http://127.0.0.1:{port}")
        self.endpoint = self.relays[round_trip][1]

    def requests(self) -> int:
        """Requests answered so far."""
        with open(self.log, "rb") as log:
            return sum(b"resolved route" in line for line in log)

    def objects(self) -> dict[str, int]:
        """Every object's key and the inode of its data file."""
        return {key: entry.inode() for key, entry in walk(self.root / BUCKET)}

    def snapshot(self) -> Path:
        """Hard links to every data file: s3s-fs writes by rename, so they keep their content."""
        copy = self.root.with_name(self.root.name + ".r1")
        subprocess.run(["cp", "-al", str(self.root), str(copy)], check=True)
        return copy

    def restore(self, snapshot: Path) -> None:
        shutil.rmtree(self.root)
        subprocess.run(["cp", "-al", str(snapshot), str(self.root)], check=True)

    def stop(self) -> None:
        for process in [self.process, *(relay for relay, _ in self.relays.values())]:
            process.terminate()
            process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, what: str) -> None:
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"bench: {what} did not start on port {port}")


@dataclass
class Run:
    seconds: float
    rss_mib: float
    requests: int  # answered by the server


class Tools:
    """How each tool is run, and with which settings it is correct here."""

    def __init__(self, svn2s3: Path, relay: Path, out: Path):
        self.svn2s3, self.relay = str(svn2s3), str(relay)
        self.s3s_fs = shutil.which("s3s-fs") or str(Path.home() / ".cargo/bin/s3s-fs")
        for needed in (self.svn2s3, self.relay, self.s3s_fs, AWS, TIME, shutil.which("rclone"), shutil.which("s3cmd")):
            if not needed or not os.access(needed, os.X_OK):
                raise SystemExit(f"bench: {needed or 'rclone or s3cmd'} not found; run `make deps-bench`")
        self.config = out / "config"
        self.config.mkdir(parents=True, exist_ok=True)
        (self.config / "aws").write_text(
            "[default]\nregion = us-east-1\ns3 =\n"
            f"  addressing_style = path\n  max_concurrent_requests = {PARALLEL}\n"
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RCLONE_"))}
        self.env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                        AWS_CONFIG_FILE=str(self.config / "aws"), AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                        XDG_CACHE_HOME=str(self.config / "cache"))
        # AWS_CA_BUNDLE is left out above: rclone refuses to start with it set.

    def versions(self) -> dict[str, str]:
        def first_line(*command: str) -> str:
            done = subprocess.run(command, capture_output=True, text=True, env=self.env)
            return (done.stdout or done.stderr).splitlines()[0].strip()

        return {
            "svn2s3": first_line(self.svn2s3, "--version"),
            "aws": first_line(AWS, "--version"),
            "rclone": first_line("rclone", "version"),
            "s3cmd": first_line("s3cmd", "--version"),
            "s3s-fs": "s3s-fs " + first_line(self.s3s_fs, "--version").split()[-1],
            "svn": "svn " + first_line("svn", "--version", "--quiet"),
        }

    def server(self, root: Path) -> Server:
        return Server(self.s3s_fs, root, self.relay)

    def command(self, tool: str, tree: Tree, server: Server) -> tuple[list[str], dict[str, str]]:
        """On loopback every tool but s3cmd makes 8 requests at a time; through
        the relay, svn2s3 makes as many as it chooses by default."""
        wc, endpoint, env = str(tree.wc), server.endpoint, dict(self.env)
        if tool in ("svn2s3", "svn2s3-build", "svn2s3-preview"):
            workers = ["--workers", str(PARALLEL)] if endpoint == server.direct else []
            source = {"svn2s3-build": ["--build", wc], "svn2s3-preview": ["--preview", wc]}.get(tool, [wc])
            return [self.svn2s3, "publish", *source, "--bucket", BUCKET, "--endpoint", endpoint,
                    "--max-delete", "1000", *workers, "-q"], env
        if tool == "aws":
            return [AWS, "s3", "sync", wc, f"s3://{BUCKET}/", "--delete", "--exclude", ".svn/*",
                    "--endpoint-url", endpoint, "--only-show-errors", "--no-progress"], env
        if tool.startswith("rclone"):
            env.update(RCLONE_CONFIG="/dev/null", RCLONE_CONFIG_BENCH_TYPE="s3",
                       RCLONE_CONFIG_BENCH_PROVIDER="Other", RCLONE_CONFIG_BENCH_ENDPOINT=endpoint,
                       RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=ACCESS_KEY,
                       RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=SECRET_KEY)
            command = ["rclone", "sync", wc, f"bench:{BUCKET}", "--exclude", "/.svn/**", "-q"]
            if tool != "rclone-default":
                command += ["--transfers", str(PARALLEL), "--checkers", str(PARALLEL)]
            if tool == "rclone-fast":
                command += ["--update", "--use-server-modtime"]
            if tool == "rclone-checksum":
                command += ["--checksum"]
            return command, env
        if tool == "s3cmd":
            config = self.config / "s3cmd"
            host = endpoint.removeprefix("http://")
            config.write_text(
                f"[default]\naccess_key = {ACCESS_KEY}\nsecret_key = {SECRET_KEY}\n"
                f"host_base = {host}\nhost_bucket = {host}\nuse_https = False\n"
                "signature_v2 = False\nbucket_location = us-east-1\n"
            )
            return ["s3cmd", "-c", str(config), "sync", "--delete-removed", "--no-progress", "-q",
                    "--exclude", ".svn/*", f"{wc}/", f"s3://{BUCKET}/"], env
        if tool == "bound":
            return ["curl", "-K", str(self.bound_config(tree, server))], env
        raise ValueError(tool)

    def bound_config(self, tree: Tree, server: Server) -> Path:
        """curl, told the changed keys: one process, 8 requests in flight on
        kept-alive connections, one PUT per key, then one DeleteObjects
        request for every key removed, and nothing else."""
        common = [
            f'aws-sigv4 = "aws:amz:us-east-1:s3"',
            f'user = "{ACCESS_KEY}:{SECRET_KEY}"',
            'header = "x-amz-content-sha256: UNSIGNED-PAYLOAD"',
            "fail", "silent", "show-error",
        ]

        def url(key: str) -> str:
            return f'url = "{server.endpoint}/{BUCKET}/{urllib.parse.quote(key)}"'

        lines = ["parallel", f"parallel-max = {PARALLEL}", "no-progress-meter", *common]
        for key in EDITED + ADDED:
            lines += [f'upload-file = "{tree.wc / key}"', url(key)]
        keys = "".join(f"<Object><Key>{key}</Key></Object>" for key in DELETED + RETIRED_FILES)
        delete = self.config / "delete.xml"
        delete.write_bytes(f"<Delete><Quiet>true</Quiet>{keys}</Delete>".encode())
        md5 = base64.b64encode(hashlib.md5(delete.read_bytes()).digest()).decode()
        lines += ["next", 'request = "POST"', *common, f'header = "Content-MD5: {md5}"',
                  f'data-binary = "@{delete}"', f'url = "{server.endpoint}/{BUCKET}?delete="']
        config = self.config / "bound"
        config.write_text("\n".join(lines) + "\n")
        return config

    def run(self, tool: str, tree: Tree, server: Server) -> Run:
        """Times one run, and counts its requests. The peak RSS comes from GNU
        time: a child of this (large) Python process would count the parent's
        pages in its own."""
        command, env = self.command(tool, tree, server)
        rss = self.config / "rss"
        before = server.requests()
        started = time.perf_counter()
        done = subprocess.run([TIME, "-f", "%M", "-o", str(rss), *command], env=env, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"bench: {tool} failed on the {tree.size}-file tree: {' '.join(command)}")
        return Run(seconds, int(rss.read_text().split()[-1]) / 1024, server.requests() - before)


def check(tool: str, server: Server, expected: dict[str, Path], trusted: dict[str, int], changed: set[str]):
    """The bucket must hold exactly the expected files. An object whose data
    file is still the hard link of a checked snapshot, for a key the change did
    not touch, needs no second reading."""
    found = {key: inode for key, inode in server.objects().items() if not key.startswith(".svn2s3/")}
    missing, extra = expected.keys() - found.keys(), found.keys() - expected.keys()
    differ = [
        key for key in expected.keys() & found.keys()
        if (key in changed or trusted.get(key) != found[key])
        and not filecmp.cmp(expected[key], server.root / BUCKET / key, shallow=False)
    ]
    if missing or extra or differ:
        raise SystemExit(
            f"bench: {tool} left the bucket wrong: {len(missing)} missing {sorted(missing)[:3]}, "
            f"{len(extra)} extra {sorted(extra)[:3]}, {len(differ)} different {differ[:3]}"
        )


# --- the runs --------------------------------------------------------------------

# Incremental runs; s3cmd 2.3 cannot sync onto a non-empty s3s-fs bucket.
INCREMENTAL = ("svn2s3", "bound", "rclone-fast", "rclone", "aws")


def first_publishers(size: int) -> list[str]:
    """The tools whose r1 bucket is their own first publish, timed. aws takes
    5 minutes to upload 100,000 files here, and s3cmd, one request at a time,
    is timed at 20,000 only."""
    return ["svn2s3", "rclone"] + ["aws"] * (size <= 20_000) + ["s3cmd"] * (size == 20_000)


# Where the others' r1 buckets come from: hard links to another tool's. aws
# compares sizes and mtimes, and so does rclone with --update
# --use-server-modtime, which any bucket written after the checkout satisfies.
SEEDED_FROM = {"bound": "svn2s3", "rclone-fast": "rclone", "aws": "rclone"}


def incremental_tools(size: int, slow: bool) -> list[str]:
    """aws lists the bucket 1,000 keys a page, and s3s-fs reads the whole
    bucket for each page: at 100,000 files one aws run takes 4 to 5 minutes
    here, so it runs only with --slow."""
    return [tool for tool in INCREMENTAL if slow or not (tool == "aws" and size > 20_000)]


def bench_tree(size: int, work: Path, tools: Tools, args: argparse.Namespace, results: Results) -> None:
    log(f"{size} files: building the repository and working copy")
    started = time.perf_counter()
    tree = make_tree(size, work)
    results.build[str(size)] = round(time.perf_counter() - started)
    r1 = tree.files()
    wan = [rt for rt in args.round_trips if rt > 0] if size == WAN_SIZE else []
    chosen = (lambda tool: tool in args.tools) if args.tools else (lambda tool: True)
    servers: dict[str, Server] = {}
    snapshots: dict[str, Path] = {}
    trusted: dict[str, dict[str, int]] = {}
    try:
        firsts = [t for t in first_publishers(size) if chosen(t)]
        incremental = [t for t in incremental_tools(size, args.slow) if chosen(t)]
        for tool in firsts + [t for t in incremental if t not in firsts]:
            servers[tool] = server = tools.server(work / f"s3-{tool}")
            if tool in firsts:
                log(f"{size} files: {tool}, first publish")
                results.add("full", tool, size, tools.run(tool, tree, server))
                check(tool, server, r1, {}, set())
            else:
                server.restore(snapshots[SEEDED_FROM[tool]])
                results.seeded.setdefault(tool, []).append(size)
            if tool in incremental:
                snapshots[tool] = server.snapshot()
                trusted[tool] = server.objects()
            else:
                servers.pop(tool).stop()
        # A first publish across a WAN, at svn2s3's and rclone's defaults.
        for round_trip in [rt for rt in wan if rt == 20]:
            for tool in [t for t in ("svn2s3", "rclone-default") if chosen(t.split("-")[0])]:
                log(f"{size} files: {tool}, first publish at {round_trip} ms")
                server = tools.server(work / f"s3-{tool}-first-{round_trip}")
                try:
                    server.route(round_trip)
                    results.add(f"full@{round_trip}", tool, size, tools.run(tool, tree, server))
                    check(tool, server, r1, {}, set())
                finally:
                    server.stop()
                    shutil.rmtree(server.root)

        if size == WAN_SIZE and "svn2s3" in snapshots:
            bench_preview(tree, work, tools, args, results, snapshots["svn2s3"])
        before = revision_of(tree.wc)
        tree.commit_change()
        if size == WAN_SIZE and chosen("svn2s3"):
            bench_build(tree, before, work, tools, args, results, chosen)
        r2 = tree.files()
        changed = set(EDITED + ADDED + DELETED + RETIRED_FILES)
        assert r2.keys() == (r1.keys() - set(DELETED + RETIRED_FILES)) | set(ADDED)
        for round_trip in [0, *wan] if 0 in args.round_trips else wan:
            kind = "incremental" if round_trip == 0 else f"incremental@{round_trip}"
            for round_ in range(args.runs * 3):
                for tool in incremental:
                    first = results.median(kind, tool, size)
                    # A run of tens of milliseconds moves by ten from scheduling
                    # alone: those get three times the runs. A slow run varies
                    # little, and repeating it would only cost minutes.
                    if round_ > 0 and first > SLOW or round_ >= args.runs and first > FAST:
                        continue
                    at = f" at {round_trip} ms" if round_trip else ""
                    log(f"{size} files: {tool}, incremental publish {round_ + 1}{at}")
                    server = servers[tool]
                    server.restore(snapshots[tool])
                    server.route(round_trip)
                    results.add(kind, tool, size, tools.run(tool, tree, server))
                    check(tool, server, r2, trusted[tool], changed)
                    if tool != "bound" and round_trip == 0:
                        results.add("noop", tool, size, tools.run(tool, tree, server))
                        check(tool, server, r2, trusted[tool], changed)
                    server.route(0)
    finally:
        for server in servers.values():
            server.stop()


def bench_preview(tree: Tree, work: Path, tools: Tools, args: argparse.Namespace, results: Results,
                  production: Path) -> None:
    """A branch of r1 changing 15 files (the change's edits and additions),
    published as a preview into a bucket that holds svn2s3's r1: timed on
    loopback and at 20 ms, each run from that bucket; what it sent and
    copied read from its report."""
    size = tree.size
    trunk = subprocess.run(["svn", "info", "--show-item", "url", str(tree.wc)],
                           capture_output=True, text=True, check=True).stdout.strip()
    branch_url = trunk.rsplit("/", 1)[0] + "/branches/preview"
    svn("copy", "-q", "--parents", "-m", "a branch", trunk, branch_url)
    wc = work / "branch"
    svn("checkout", "-q", branch_url, str(wc))
    rng = random.Random(3)
    for key in EDITED:
        with open(wc / key, "ab") as file:
            file.write(rng.randbytes(100 + rng.randrange(1000)))
    for key in ADDED:
        (wc / key).write_bytes(rng.randbytes(200 + rng.randrange(20_000)))
    svn("add", "-q", *(str(wc / key) for key in ADDED))
    svn("commit", "-q", "-m", "the branch's change", str(wc))
    svn("update", "-q", str(wc))
    branch = Tree(size, wc)
    server = tools.server(work / "s3-preview")
    try:
        wan = [rt for rt in args.round_trips if rt == 20]
        for round_trip in [0, *wan] if 0 in args.round_trips else wan:
            kind = "preview" if round_trip == 0 else f"preview@{round_trip}"
            for round_ in range(args.runs):
                at = f" at {round_trip} ms" if round_trip else ""
                log(f"{size} files: svn2s3, a preview's first publish {round_ + 1}{at}")
                server.restore(production)
                server.route(round_trip)
                results.add(kind, "svn2s3-preview", size, tools.run("svn2s3-preview", branch, server))
                server.route(0)
        server.restore(production)
        command, env = tools.command("svn2s3-preview", branch, server)
        done = subprocess.run([*command[:-1], "--json"], env=env, capture_output=True, text=True, check=True)
        report = json.loads(done.stdout)
        results.preview = {key: report[key] for key in ("uploaded", "copied", "bytes")}
        results.preview["tree_bytes"] = sum(path.stat().st_size for path in branch.files().values())
        previewed = {key: path for key, path in branch.files().items()}
        found = {k.removeprefix("previews/preview/"): v for k, v in server.objects().items()
                 if k.startswith("previews/preview/") and "/.svn2s3/" not in k}
        if found.keys() != previewed.keys():
            raise SystemExit(f"bench: the preview holds {len(found)} keys, the branch {len(previewed)}")
    finally:
        server.stop()


# The build folder's publishers, timed; the lower bound's bucket is svn2s3's.
BUILT = ("svn2s3-build", "bound", "rclone-checksum", "aws")


def bench_build(tree: Tree, before: int, work: Path, tools: Tools, args: argparse.Namespace,
                results: Results, chosen) -> None:
    """The bench's change as a rebuilt site: the tree before it (revision
    `before`, the bench's r1) exported into a folder and published by each
    tool, then, for each timed run, the folder rewritten as r2 with new
    times on every file, as a generator writes it."""
    size, build = tree.size, work / "build"
    url = subprocess.run(["svn", "info", "--show-item", "url", str(tree.wc)],
                         capture_output=True, text=True, check=True).stdout.strip()
    svn("export", "-q", "-r", str(before), url, str(build))
    site = Tree(size, build)
    r2 = {key: path for key, path in tree.files().items()}

    def rebuild() -> None:
        """The folder as r2, every file written anew."""
        for key in DELETED + RETIRED_FILES:
            (build / key).unlink(missing_ok=True)
        for key, source in r2.items():
            (build / key).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, build / key)

    servers: dict[str, Server] = {}
    snapshots: dict[str, Path] = {}
    trusted: dict[str, dict[str, int]] = {}
    changed = set(EDITED + ADDED + DELETED + RETIRED_FILES)
    built = [tool for tool in BUILT if chosen(tool.split("-")[0])]
    try:
        r1 = site.files()
        for tool in built:
            servers[tool] = server = tools.server(work / f"s3-build-{tool}")
            if tool == "bound":
                server.restore(snapshots["svn2s3-build"])
            else:
                log(f"{size} files as a build folder: {tool}, first publish")
                results.add("build-full", tool, size, tools.run(tool, site, server))
                check(tool, server, r1, {}, set())
            snapshots[tool] = server.snapshot()
            trusted[tool] = server.objects()
        wan = [rt for rt in args.round_trips if rt == 20]
        for round_trip in [0, *wan] if 0 in args.round_trips else wan:
            kind = "build" if round_trip == 0 else f"build@{round_trip}"
            for round_ in range(args.runs):
                for tool in built:
                    first = results.median(kind, tool, size)
                    if round_trip and tool == "aws" or round_ > 0 and first > SLOW:
                        continue  # aws uploads every file again: minutes across a WAN
                    at = f" at {round_trip} ms" if round_trip else ""
                    log(f"{size} files as a build folder: {tool}, a rebuild published {round_ + 1}{at}")
                    server = servers[tool]
                    server.restore(snapshots[tool])
                    rebuild()
                    server.route(round_trip)
                    results.add(kind, tool, size, tools.run(tool, site, server))
                    check(tool, server, site.files(), trusted[tool], changed)
                    server.route(0)
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(build, ignore_errors=True)


def bench_big_file(work: Path, tools: Tools, round_trip: int, results: Results) -> None:
    """Time and peak memory while publishing one 1 GiB file."""
    at = f" at {round_trip} ms" if round_trip else ""
    log(f"1 GiB file: building")
    url, staging = new_repository(work), work / "staging"
    staging.mkdir()
    rng = random.Random(1)
    with open(staging / "film.mp4", "wb") as file:
        for _ in range(64):
            file.write(rng.randbytes(16 << 20))
    svn("import", "-q", "-m", "r1", str(staging), url)
    shutil.rmtree(staging)
    svn("checkout", "-q", url, str(work / "wc"))
    server = tools.server(work / "s3")
    try:
        log(f"1 GiB file: svn2s3 publish{at}")
        server.route(round_trip)
        tree = Tree(1, work / "wc")
        results.big[str(round_trip)] = tools.run("svn2s3", tree, server).__dict__
        check("svn2s3", server, tree.files(), {}, set())
    finally:
        server.stop()


def human(count: int) -> str:
    """Bytes as KiB or MiB."""
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count / 1024:.1f} KiB"


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return f"{cpu}, {os.cpu_count()} cores, {memory / (1 << 20):.0f} GiB, {platform.freedesktop_os_release().get('PRETTY_NAME', platform.system())}"


# --- the report ----------------------------------------------------------------------

LABELS = {
    "svn2s3": "svn2s3 publish",
    "bound": "lower bound: curl, changed keys known",
    "rclone-fast": "rclone sync --update --use-server-modtime",
    "rclone": "rclone sync",
    "rclone-default": "rclone sync at its defaults (4 transfers, 8 checkers)",
    "aws": "aws s3 sync --delete",
    "s3cmd": "s3cmd sync --delete-removed",
    "svn2s3-build": "svn2s3 publish --build",
    "svn2s3-preview": "svn2s3 publish --preview",
    "rclone-checksum": "rclone sync --checksum",
}


@dataclass
class Results:
    machine: str
    versions: dict[str, str]
    runs: int
    work: str
    seconds: int = 0
    # kind -> tool -> size -> [run, ...]
    times: dict = field(default_factory=dict)
    seeded: dict = field(default_factory=dict)
    big: dict = field(default_factory=dict)
    build: dict = field(default_factory=dict)  # size -> seconds to make the repository and working copy
    preview: dict = field(default_factory=dict)  # what the preview's first publish sent and copied

    def add(self, kind: str, tool: str, size: int, run: Run) -> None:
        self.times.setdefault(kind, {}).setdefault(tool, {}).setdefault(str(size), []).append(run.__dict__)

    def median(self, kind: str, tool: str, size: int, what: str = "seconds") -> float | None:
        runs = self.times.get(kind, {}).get(tool, {}).get(str(size))
        return statistics.median(run[what] for run in runs) if runs else None

    def sizes(self) -> list[int]:
        return sorted({int(s) for tools in self.times.values() for sizes in tools.values() for s in sizes})

    def table(self, kind: str, tools: tuple[str, ...], what: str = "seconds") -> list[str]:
        sizes = self.sizes()
        unit = "s" if what == "seconds" else "MiB"
        lines = ["| tool | " + " | ".join(f"{s:,} files" for s in sizes) + " |",
                 "|---" * (len(sizes) + 1) + "|"]
        for tool in tools:
            cells = []
            for size in sizes:
                value = self.median(kind, tool, size, what)
                cells.append("—" if value is None else f"{value:.2f} {unit}" if unit == "s" else f"{value:.0f} {unit}")
            if any(cell != "—" for cell in cells):
                lines.append(f"| {LABELS[tool]} | " + " | ".join(cells) + " |")
        return lines

    def markdown(self) -> str:
        out = [
            f"Machine: {self.machine}. Trees and buckets on {self.work}.",
            "Tools: " + ", ".join(self.versions.values()) + ".",
            "",
            f"**Incremental publish** of the same change (10 files edited, 5 added, 5 deleted, a 400-file "
            f"folder removed), median of {self.runs} runs ({self.runs * 3} for a run under {FAST:.0f} s, one for "
            f"a run over {SLOW:.0f} s), each from "
            "the tool's own bucket at r1:",
            "",
            *self.table("incremental", INCREMENTAL),
            "",
            "**Nothing to publish** (the same command again, right after), median likewise:",
            "",
            *self.table("noop", INCREMENTAL),
            "",
            "**First publish** into an empty bucket, one run, all at 8 requests in flight but s3cmd (one):",
            "",
            *self.table("full", ("svn2s3", "rclone", "aws", "s3cmd")),
            "",
            "**Peak memory (RSS)**, median:",
            "",
            *self.table("incremental", ("svn2s3", "rclone", "aws"), "rss_mib"),
            *[line.replace("| svn2s3 publish", "| svn2s3 first publish", 1)
              for line in self.table("full", ("svn2s3",), "rss_mib")[2:]],
        ]
        if self.big.get("0"):
            out.append(f"\nOne 1 GiB file: svn2s3 publishes it in {self.big['0']['seconds']:.1f} s "
                       f"with a peak RSS of {self.big['0']['rss_mib']:.0f} MiB.")
        out += self.build_tables()
        out += self.preview_lines()
        out += self.wan_tables()
        if self.seeded:
            out.append("\nSeeded buckets (hard links to another tool's r1 bucket, not the tool's own first publish): "
                       + "; ".join(f"{LABELS[t]} at {', '.join(f'{s:,}' for s in sizes)} files"
                                   for t, sizes in self.seeded.items()) + ".")
        out += ["", "Targets:", "", *self.targets(), ""]
        return "\n".join(out) + "\n"

    def preview_lines(self) -> list[str]:
        """A branch's preview against a first publish of the tree."""
        kinds = [k for k in ("preview", "preview@20") if k in self.times]
        if not kinds or not self.preview:
            return []
        lines = ["", f"**A branch preview** of the {WAN_SIZE:,}-file tree changing 15 files, its first publish "
                 "beside svn2s3's r1 (the rest copied in the bucket), against svn2s3's first publish of the "
                 "tree, median likewise:", "",
                 "| | loopback | 20 ms | requests | bytes sent |", "|---|---|---|---|---|"]
        cell = lambda v: "—" if v is None else f"{v:.2f} s"
        p = self.preview
        lines.append(f"| svn2s3 publish --preview | {cell(self.median('preview', 'svn2s3-preview', WAN_SIZE))} | "
                     f"{cell(self.median('preview@20', 'svn2s3-preview', WAN_SIZE))} | "
                     f"{self.median('preview', 'svn2s3-preview', WAN_SIZE, 'requests'):.0f} | "
                     f"{human(p['bytes'])} ({p['uploaded']} uploaded, {p['copied']} copied) |")
        first = self.median("full", "svn2s3", WAN_SIZE)
        requests = self.median("full", "svn2s3", WAN_SIZE, "requests")
        if first:
            lines.append(f"| svn2s3 publish, first | {cell(first)} | "
                         f"{cell(self.median('full@20', 'svn2s3', WAN_SIZE))} | {requests:.0f} | "
                         f"{human(p['tree_bytes'])} |")
        return lines

    def build_tables(self) -> list[str]:
        """The bench's change as a rebuilt site: each tool's time and requests."""
        kinds = [k for k in ("build", "build@20") if k in self.times]
        if not kinds:
            return []
        lines = ["", f"**A rebuilt site** of {WAN_SIZE:,} files: the same change as a build folder whose every "
                 "file was written again with new times, median likewise, from each tool's own bucket "
                 "(svn2s3's for the lower bound). Requests: as the server counted them.", "",
                 "| tool | " + " | ".join("loopback" if k == "build" else "20 ms" for k in kinds)
                 + " | requests | peak RSS |", "|---" * (len(kinds) + 3) + "|"]
        for tool in BUILT:
            cells = [self.median(k, tool, WAN_SIZE) for k in kinds]
            if any(cells):
                requests = self.median("build", tool, WAN_SIZE, "requests")
                rss = self.median("build", tool, WAN_SIZE, "rss_mib")
                lines.append(f"| {LABELS[tool]} | " + " | ".join("—" if c is None else f"{c:.2f} s" for c in cells)
                             + f" | {'—' if requests is None else f'{requests:.0f}'}"
                             + f" | {'—' if rss is None else f'{rss:.0f} MiB'} |")
        return lines

    def round_trips(self) -> list[int]:
        return [0] + sorted(int(kind.split("@")[1]) for kind in self.times if kind.startswith("incremental@"))

    def wan_tables(self) -> list[str]:
        """The incremental publish at each round trip, the first publish and
        the big file across a WAN."""
        trips = self.round_trips()
        if len(trips) < 2:
            return []
        kind = lambda rt: "incremental" if rt == 0 else f"incremental@{rt}"
        lines = ["", f"**Across a WAN**: the incremental publish of {WAN_SIZE:,} files through the relay, "
                 "median likewise. On loopback every tool makes 8 requests at a time; through the relay "
                 "svn2s3 runs at its defaults, the others still at 8. Requests: as the server counted them.",
                 "",
                 "| tool | " + " | ".join("loopback" if rt == 0 else f"{rt} ms" for rt in trips) + " | requests |",
                 "|---" * (len(trips) + 2) + "|"]
        for tool in INCREMENTAL:
            cells = [self.median(kind(rt), tool, WAN_SIZE) for rt in trips]
            if any(cells):
                requests = self.median("incremental", tool, WAN_SIZE, "requests")
                lines.append(f"| {LABELS[tool]} | " + " | ".join("—" if c is None else f"{c:.2f} s" for c in cells)
                             + f" | {'—' if requests is None else f'{requests:.0f}'} |")
        firsts = [(tool, self.median("full@20", tool, WAN_SIZE), self.median("full@20", tool, WAN_SIZE, "rss_mib"))
                  for tool in ("svn2s3", "rclone-default")]
        if any(seconds for _, seconds, _ in firsts):
            lines += ["", f"**First publish at 20 ms** of {WAN_SIZE:,} files into an empty bucket, one run, "
                      "each tool at its defaults:", "", "| tool | time | peak RSS |", "|---|---|---|"]
            lines += [f"| {LABELS[tool]} | {seconds:.1f} s | {rss:.0f} MiB |" for tool, seconds, rss in firsts if seconds]
        for rt, run in sorted(self.big.items(), key=lambda item: int(item[0])):
            where = "on loopback" if rt == "0" else f"at {rt} ms"
            lines.append(f"\nOne 1 GiB file {where}: {run['seconds']:.1f} s, peak RSS {run['rss_mib']:.0f} MiB, "
                         f"{run['requests']} requests.")
        return lines

    def targets(self) -> list[str]:
        lines = []

        def verdict(ok: bool) -> str:
            return "met" if ok else "**missed**"

        ours = self.median("incremental", "svn2s3", 20_000)
        peers = {t: self.median("incremental", t, 20_000) for t in ("rclone-fast", "rclone", "aws")}
        peers = {t: v for t, v in peers.items() if v}
        bound = self.median("incremental", "bound", 20_000)
        if ours and peers:
            fastest = min(peers, key=peers.get)
            ratio = peers[fastest] / ours
            lines.append(f"- 20,000 files, incremental: {ratio:.1f}x faster than the fastest peer "
                         f"({LABELS[fastest]}); target 50x: {verdict(ratio >= 50)}.")
        if ours and bound:
            ratio = ours / bound
            lines.append(f"- 20,000 files, incremental: {ratio:.2f}x the lower bound; target 1.5x: {verdict(ratio <= 1.5)}.")
        small, large = (self.median("incremental", "svn2s3", s) for s in (2_000, 100_000))
        if small and large:
            ratio = large / small
            lines.append(f"- 100,000 files against 2,000: {ratio:.2f}x; target 1.5x: {verdict(ratio <= 1.5)}.")
        full, rclone = self.median("full", "svn2s3", 20_000), self.median("full", "rclone", 20_000)
        if full and rclone:
            lines.append(f"- First publish of 20,000 files: {full:.1f} s against rclone's {rclone:.1f} s; "
                         f"target no slower: {verdict(full <= rclone)}.")
        rss = [r for r in (self.median("full", "svn2s3", 20_000, "rss_mib"),
                           self.median("full@20", "svn2s3", 20_000, "rss_mib"),
                           *(run["rss_mib"] for run in self.big.values())) if r]
        if rss:
            lines.append(f"- Peak RSS: {max(rss):.0f} MiB at most (20,000-file first publishes, 1 GiB file); "
                         f"target 64 MiB: {verdict(max(rss) <= 64)}.")
        for rt in self.round_trips()[1:]:
            ours, bound = (self.median(f"incremental@{rt}", t, WAN_SIZE) for t in ("svn2s3", "bound"))
            rclone = self.median(f"incremental@{rt}", "rclone-fast", WAN_SIZE)
            if ours and bound:
                lines.append(f"- {rt} ms, incremental: {ours / bound:.2f}x the lower bound; target 2x: "
                             f"{verdict(ours <= 2 * bound)}.")
            if ours and rclone:
                lines.append(f"- {rt} ms, incremental: {rclone / ours:.1f}x faster than {LABELS['rclone-fast']}; "
                             f"target 15x: {verdict(rclone >= 15 * ours)}.")
        requests = self.median("incremental", "svn2s3", WAN_SIZE, "requests")
        if requests:
            lines.append(f"- Requests for the bench's change: {requests:.0f}; target 30: {verdict(requests <= 30)}.")
        for kind, where in (("build", "loopback"), ("build@20", "20 ms")):
            ours, bound, rclone = (self.median(kind, t, WAN_SIZE) for t in ("svn2s3-build", "bound", "rclone-checksum"))
            if ours and rclone:
                lines.append(f"- A rebuilt site, {where}: {rclone / ours:.1f}x faster than rclone sync --checksum; "
                             f"target 10x: {verdict(rclone >= 10 * ours)}.")
            if ours and bound and kind == "build@20":
                lines.append(f"- A rebuilt site, {where}: {ours / bound:.2f}x the lower bound; target 2x: "
                             f"{verdict(ours <= 2 * bound)}.")
        ours, rclone = (self.median("full@20", t, WAN_SIZE) for t in ("svn2s3", "rclone-default"))
        if ours and rclone:
            lines.append(f"- 20 ms, first publish of {WAN_SIZE:,} files: {rclone / ours:.1f}x faster than rclone "
                         f"at its defaults; target 3x: {verdict(rclone >= 3 * ours)}.")
        return lines

    def wan_chart(self) -> str:
        """The incremental publish of the WAN tree against the round trip, one line per tool."""
        trips = self.round_trips()
        kind = lambda rt: "incremental" if rt == 0 else f"incremental@{rt}"
        series = {t: [(rt, self.median(kind(rt), t, WAN_SIZE)) for rt in trips] for t in INCREMENTAL}
        series = {t: [(rt, v) for rt, v in points if v] for t, points in series.items()}
        series = {t: points for t, points in series.items() if points}
        values = [v for points in series.values() for _, v in points]
        if not values or len(trips) < 2:
            return "<svg xmlns='http://www.w3.org/2000/svg'/>\n"
        return self.svg(series, [(rt, "loopback" if rt == 0 else f"{rt} ms") for rt in trips],
                        lambda rt: rt, f"round trip to the server ({WAN_SIZE:,} files, the same change)")

    def chart(self) -> str:
        """Incremental publish time against tree size, log-log, one line per tool."""
        sizes = self.sizes()
        series = {t: [(s, self.median("incremental", t, s)) for s in sizes] for t in INCREMENTAL}
        series = {t: [(s, v) for s, v in points if v] for t, points in series.items()}
        values = [v for points in series.values() for _, v in points]
        if not values or len(sizes) < 2:
            return "<svg xmlns='http://www.w3.org/2000/svg'/>\n"
        return self.svg(series, [(s, f"{s:,}") for s in sizes], math.log10,
                        "files in the tree (the change is the same)")

    @staticmethod
    def svg(series: dict, ticks: list, scale, caption: str) -> str:
        """A line chart of seconds (log scale) against `scale` of x, one line per tool."""
        values = [v for points in series.values() for _, v in points]
        width, height, left, right, top, bottom = 780, 420, 70, 340, 20, 50
        low = 10 ** math.floor(math.log10(min(values)))
        high = 10 ** math.ceil(math.log10(max(values)))
        first, last = scale(ticks[0][0]), scale(ticks[-1][0])

        def x(value: float) -> float:
            return left + (scale(value) - first) / (last - first) * (width - left - right)

        def y(seconds: float) -> float:
            span = math.log10(high) - math.log10(low)
            return top + (1 - (math.log10(seconds) - math.log10(low)) / span) * (height - top - bottom)

        colors = {"svn2s3": "#d62728", "bound": "#7f7f7f", "rclone-fast": "#2ca02c", "rclone": "#1f77b4", "aws": "#ff7f0e"}
        svg = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
               f"font-family='sans-serif' font-size='12'>",
               f"<rect width='{width}' height='{height}' fill='white'/>"]
        decade = low
        while decade <= high:
            svg.append(f"<line x1='{left}' x2='{width - right}' y1='{y(decade):.1f}' y2='{y(decade):.1f}' stroke='#ddd'/>")
            svg.append(f"<text x='{left - 6}' y='{y(decade) + 4:.1f}' text-anchor='end'>{decade:g} s</text>")
            decade *= 10
        for value, label in ticks:
            svg.append(f"<text x='{x(value):.1f}' y='{height - bottom + 18}' text-anchor='middle'>{label}</text>")
        svg.append(f"<text x='{(left + width - right) / 2}' y='{height - 10}' text-anchor='middle'>{caption}</text>")
        for row, (tool, points) in enumerate(series.items()):
            dash = " stroke-dasharray='5,4'" if tool == "bound" else ""
            path = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in points)
            svg.append(f"<polyline points='{path}' fill='none' stroke='{colors[tool]}' stroke-width='2'{dash}/>")
            svg += [f"<circle cx='{x(s):.1f}' cy='{y(v):.1f}' r='3' fill='{colors[tool]}'/>" for s, v in points]
            legend_y = top + 20 + row * 20
            svg.append(f"<line x1='{width - right + 20}' x2='{width - right + 44}' y1='{legend_y - 4}' "
                       f"y2='{legend_y - 4}' stroke='{colors[tool]}' stroke-width='2'{dash}/>")
            svg.append(f"<text x='{width - right + 50}' y='{legend_y}'>{LABELS[tool]}</text>")
        svg.append("</svg>")
        return "\n".join(svg) + "\n"


if __name__ == "__main__":
    main()

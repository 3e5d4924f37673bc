#!/usr/bin/env python3
"""`make bench-large`: the first publish (and, with --verify, the verify) of
trees of 100,000 and 1,000,000 files, time and peak RSS, on loopback to s3s-fs;
with --build, the same files as a build folder: its first publish, a rebuild
that writes every file again with the same bytes (all read, nothing sent),
and a publish with nothing to do (the MD5 cache vouches for every file).

Each tree is one revision made by `svnadmin load` of a generated dump (an
`svn import` of 100,000 files takes minutes; a load takes seconds), in
folders of 100 short files under folders of 100, and checked out once.
Usage: bench_large.py SVN2S3 [--sizes 100000,1000000] [--work DIR] [--verify] [--build]

Standard library only. Trees are kept in WORK between runs (they take a
while to check out); delete the folder to start again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PER_FOLDER = 100
ACCESS, SECRET, BUCKET = "bench-access", "bench-secret-key-0123", "media"


def path_of(i: int) -> str:
    """The i-th file: folders of 100 files under folders of 100 folders."""
    top, rest = divmod(i, PER_FOLDER * PER_FOLDER)
    mid, leaf = divmod(rest, PER_FOLDER)
    return f"t{top:03}/m{mid:02}/f{leaf:02}.txt"


def write_dump(size: int, out: Path) -> None:
    """A dump that adds `size` files and their folders, a revision per top
    folder of 10,000 (one revision of a million nodes loads for hours)."""
    def props(pairs: dict[str, str]) -> bytes:
        body = b"".join(
            f"K {len(k)}\n{k}\nV {len(v.encode())}\n{v}\n".encode() for k, v in pairs.items()
        )
        return body + b"PROPS-END\n"

    with open(out, "wb") as dump:
        dump.write(b"SVN-fs-dump-format-version: 2\n\n")
        def revision(rev: int, pairs: dict[str, str]) -> None:
            block = props(pairs)
            dump.write(f"Revision-number: {rev}\nProp-content-length: {len(block)}\n"
                       f"Content-length: {len(block)}\n\n".encode() + block + b"\n")

        revision(0, {"svn:date": "2026-12-01T00:00:00.000000Z"})
        empty = props({})
        made: set[str] = set()
        for i in range(size):
            if i % (PER_FOLDER * PER_FOLDER) == 0:
                revision(1 + i // (PER_FOLDER * PER_FOLDER),
                         {"svn:log": "files", "svn:date": "2026-12-01T00:00:01.000000Z"})
            path = path_of(i)
            parts = path.split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in made:
                    made.add(folder)
                    dump.write(f"Node-path: {folder}\nNode-kind: dir\nNode-action: add\n"
                               f"Prop-content-length: {len(empty)}\nContent-length: {len(empty)}\n\n"
                               .encode() + empty + b"\n\n")
            text = f"file {i}\n".encode()
            dump.write(f"Node-path: {path}\nNode-kind: file\nNode-action: add\n"
                       f"Prop-content-length: {len(empty)}\nText-content-length: {len(text)}\n"
                       f"Content-length: {len(empty) + len(text)}\n\n".encode()
                       + empty + text + b"\n\n")


def make_tree(size: int, work: Path, repos: Path) -> Path:
    """A working copy of a repository of `size` files, made once. The
    repository is made in `repos`: on a RAM disk, a load opens its many
    small transaction files in microseconds rather than a disk's 0.1 ms."""
    root = work / f"tree-{size}"
    wc = root / "wc"
    if (root / "done").exists():
        return wc
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    repo = repos / f"svn2s3-bench-{size}"
    shutil.rmtree(repo, ignore_errors=True)
    started = time.monotonic()
    write_dump(size, root / "dump")
    subprocess.run(["svnadmin", "create", str(repo)], check=True)
    with open(root / "dump", "rb") as dump:
        subprocess.run(["svnadmin", "load", "-q", str(repo)], stdin=dump, check=True)
    (root / "dump").unlink()
    loaded = time.monotonic()
    subprocess.run(["svn", "checkout", "-q", f"file://{repo}", str(wc)], check=True)
    shutil.rmtree(repo)
    log(f"{size} files: dump and load {loaded - started:.0f} s, checkout {time.monotonic() - loaded:.0f} s")
    (root / "done").write_text("")
    return wc


def make_build(size: int, work: Path) -> Path:
    """A build folder of the same `size` files as the tree, made once."""
    root = work / f"build-{size}"
    if (work / f"build-{size}.done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    for i in range(size):
        path = root / path_of(i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"file {i}\n")
    (work / f"build-{size}.done").write_text("")
    return root


def rebuild(root: Path) -> None:
    """Every file of `root` written again, the same bytes, new times."""
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            path.write_bytes(path.read_bytes())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_s3s(data: Path) -> tuple[subprocess.Popen, str]:
    (data / BUCKET).mkdir(parents=True)
    port = free_port()
    server = subprocess.Popen(
        ["s3s-fs", "--host", "127.0.0.1", "--port", str(port),
         "--access-key", ACCESS, "--secret-key", SECRET, str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.02)
    sys.exit("s3s-fs did not listen")


def measured(command: list[str], cache: Path | None = None) -> tuple[float, int, str]:
    """Runs `command`; its wall time, its peak RSS in bytes (VmHWM, polled)
    and its stdout's last line. `cache` is its cache folder."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS, AWS_SECRET_ACCESS_KEY=SECRET)
    if cache:
        env["XDG_CACHE_HOME"] = str(cache)
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = 0
    status = f"/proc/{child.pid}/status"
    while child.poll() is None:
        try:
            for line in open(status):
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        except OSError:
            pass
        time.sleep(0.005)
    out, err = child.communicate()
    seconds = time.monotonic() - started
    if child.returncode != 0:
        sys.exit(f"{' '.join(command)}: exit {child.returncode}\n{err.decode()}")
    return seconds, peak, out.decode().strip().splitlines()[-1]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("svn2s3")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--verify", action="store_true",
                        help="time verify too (s3s-fs answers its HEADs slowly: 5 minutes at 100,000)")
    parser.add_argument("--build", action="store_true",
                        help="publish the same files as a build folder too")
    parser.add_argument("--work", default=str(Path("target/bench-large").absolute()))
    shm = Path("/dev/shm")
    parser.add_argument("--repos", default=str(shm if shm.is_dir() else Path("target/bench-large").absolute()))
    args = parser.parse_args()
    work = Path(args.work)
    rows, builds = [], []
    for size in [int(s) for s in args.sizes.split(",")]:
        if args.build:
            builds.append((size, bench_build(size, work, args.svn2s3)))
        wc = make_tree(size, work, Path(args.repos))
        with tempfile.TemporaryDirectory(dir=work) as data:
            server, endpoint = start_s3s(Path(data))
            try:
                base = ["--bucket", BUCKET, "--endpoint", endpoint, "--region", "us-east-1"]
                publish = measured([args.svn2s3, "publish", str(wc), *base])
                log(f"{size} files, first publish: {publish[0]:.1f} s, {publish[1] / 2**20:.0f} MiB: {publish[2]}")
                verify = None
                if args.verify:
                    verify = measured([args.svn2s3, "verify", str(wc), *base])
                    log(f"{size} files, verify: {verify[0]:.1f} s, {verify[1] / 2**20:.0f} MiB: {verify[2]}")
                rows.append((size, publish, verify))
            finally:
                server.kill()
                server.wait()
    if builds:
        print("| build folder | first publish | peak RSS | a rebuild, same bytes | peak RSS | nothing changed | peak RSS |")
        print("|---|---|---|---|---|---|---|")
        for size, runs in builds:
            cells = " | ".join(f"{seconds:.1f} s | {peak / 2**20:.0f} MiB" for seconds, peak, _ in runs)
            print(f"| {size:,} | {cells} |")
        print()
    print("| files | first publish | peak RSS | verify | peak RSS |")
    print("|---|---|---|---|---|")
    for size, publish, verify in rows:
        checked = f"{verify[0]:.1f} s | {verify[1] / 2**20:.0f} MiB" if verify else "— | —"
        print(f"| {size:,} | {publish[0]:.1f} s | {publish[1] / 2**20:.0f} MiB | {checked} |")


def bench_build(size: int, work: Path, svn2s3: str) -> list[tuple[float, int, str]]:
    """A build folder of `size` files published three times: first, after a
    rebuild of every file, and with nothing changed."""
    root = make_build(size, work)
    runs = []
    with tempfile.TemporaryDirectory(dir=work) as data, tempfile.TemporaryDirectory(dir=work) as cache:
        server, endpoint = start_s3s(Path(data))
        try:
            command = [svn2s3, "publish", "--build", str(root), "--bucket", BUCKET,
                       "--endpoint", endpoint, "--region", "us-east-1", "--max-delete", "0"]
            for step in ("first publish", "a rebuild, same bytes", "nothing changed"):
                if step == "a rebuild, same bytes":
                    rebuild(root)
                    time.sleep(2)  # older than the cache's two seconds of doubt
                runs.append(measured(command, Path(cache)))
                seconds, peak, said = runs[-1]
                log(f"{size} files as a build folder, {step}: {seconds:.1f} s, {peak / 2**20:.0f} MiB: {said}")
        finally:
            server.kill()
            server.wait()
    return runs


if __name__ == "__main__":
    main()

"""Publishes a working copy to S3 through libsvn2s3 with ctypes, as a Django
management command of a site that keeps its media in Subversion would:

    python3 publish.py TREE BUCKET [ENDPOINT]

The library is loaded by its soname, libsvn2s3.so.0, or from SVN2S3_LIBRARY.
Credentials come from the AWS environment, as for the svn2s3 command.
"""

import ctypes
import json
import os
import sys

PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)


def library(path=None):
    lib = ctypes.CDLL(path or os.environ.get("SVN2S3_LIBRARY", "libsvn2s3.so.0"))
    handle, error = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
    lib.svn2s3_version.restype = ctypes.c_char_p
    lib.svn2s3_settings_new.restype = handle
    lib.svn2s3_settings_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.svn2s3_settings_set.argtypes = [handle, ctypes.c_char_p, ctypes.c_char_p, error]
    lib.svn2s3_settings_load.argtypes = [handle, ctypes.c_char_p, error]
    lib.svn2s3_publish.argtypes = [handle, PROGRESS, ctypes.c_void_p, error, error]
    lib.svn2s3_report_json.restype = ctypes.c_char_p
    lib.svn2s3_report_json.argtypes = [handle]
    lib.svn2s3_error_message.restype = ctypes.c_char_p
    lib.svn2s3_error_message.argtypes = [handle]
    for name in ("svn2s3_settings_free", "svn2s3_report_free", "svn2s3_error_free"):
        getattr(lib, name).argtypes = [handle]
    return lib


class PublishError(Exception):
    """A publish that failed: `status` is the exit status svn2s3 would give."""

    def __init__(self, status, message):
        super().__init__(f"{message} (status {status})")
        self.status = status


def publish(lib, tree, bucket, on_event=None, config=None, **settings):
    """Publishes `tree` to `bucket`; `config` is a config file (svn2s3.yaml)
    to read, `settings` are keys of svn2s3.yaml, their values as Python
    values, over the file's. Returns the report as a dict."""
    handle = lib.svn2s3_settings_new(tree.encode(), bucket.encode())
    err, report = ctypes.c_void_p(), ctypes.c_void_p()

    @PROGRESS
    def progress(_userdata, event):
        if on_event is not None:
            on_event(json.loads(event))
        return 0

    try:
        status = 0
        if config is not None:
            status = lib.svn2s3_settings_load(handle, os.fsencode(config), ctypes.byref(err))
        for key, value in settings.items() if not status else ():
            # JSON is YAML: each value goes as it would be written in the file.
            status = lib.svn2s3_settings_set(handle, key.encode(), json.dumps(value).encode(), ctypes.byref(err))
            if status:
                break
        if not status:
            status = lib.svn2s3_publish(handle, progress, None, ctypes.byref(report), ctypes.byref(err))
        if status:
            raise PublishError(status, lib.svn2s3_error_message(err).decode())
        return json.loads(lib.svn2s3_report_json(report))
    finally:
        lib.svn2s3_report_free(report)
        lib.svn2s3_error_free(err)
        lib.svn2s3_settings_free(handle)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: publish.py TREE BUCKET [ENDPOINT]")
    lib = library()
    settings = {"endpoint": sys.argv[3]} if len(sys.argv) > 3 else {}
    try:
        report = publish(lib, sys.argv[1], sys.argv[2], on_event=lambda event: print("progress", event), **settings)
    except PublishError as err:
        print(f"publish.py (libsvn2s3 {lib.svn2s3_version().decode()}): {err}", file=sys.stderr)
        sys.exit(err.status)
    print(f"published r{report['to']}: {report['uploaded']} uploaded, {report['deleted']} deleted")


if __name__ == "__main__":
    main()

"""Publish a Subversion working copy (or a repository URL, or a built folder)
to Amazon S3 or any S3-compatible store, pushing only what changed.

>>> import svn2s3
>>> report = svn2s3.publish("/srv/site", bucket="media.example.com", gzip=True)
>>> report.uploaded, report.to
(3, 1234)

Any key of ``svn2s3.yaml`` is a keyword argument, its value as YAML would
give it (``gzip=True``, ``workers=16``, ``exclude=["*.psd"]``,
``cloudfront={"distribution": "E2Q..."}``); so are the command's flags
``dry_run``, ``full``, ``rollback``, ``preview``, ``revision`` and ``wait``
(seconds). Keywords go over the config file (``config=``, else
``svn2s3.yaml`` in the working copy) and its target (``target=``).
Credentials come from where the AWS tools find them, never from here unless
a caller puts them in the environment.

The publish runs in Rust with the GIL released. ``progress`` is called with
each event (a dict). Ctrl-C cancels the publish between two requests,
releases its claim on the bucket, and raises KeyboardInterrupt. Errors are
:class:`Error` subclasses carrying the command's exit status as ``.status``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, Mapping, Optional, Union

from . import _svn2s3

__all__ = [
    "publish",
    "status",
    "verify",
    "Report",
    "Error",
    "ConfigError",
    "Refused",
    "CredentialsError",
    "Unreachable",
    "Incomplete",
    "NotInvalidated",
    "Cancelled",
]

__version__: str = _svn2s3.__version__

Path = Union[str, "os.PathLike[str]"]

#: Keywords that are the command's flags rather than keys of svn2s3.yaml.
FLAGS = ("dry_run", "full", "rollback", "preview", "revision", "wait")


class Error(Exception):
    """An svn2s3 error: the message, the exit status the command would give
    (``.status``), and, where the publish went through but a CloudFront
    invalidation failed, its report (``.report``)."""

    #: The library's name for this kind of error (``Refused``, ...).
    kind: str = "Error"

    def __init__(self, message: str, status: int, report: Optional["Report"] = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.report = report


class ConfigError(Error):
    """An invalid setting (exit status 2); nothing was sent."""

    kind = "Config"


class Refused(Error):
    """Not fit to publish (exit status 2): not a working copy, local changes,
    too many deletes, another publish under way...; nothing was written."""

    kind = "Refused"


class CredentialsError(Error):
    """No AWS credentials, or refused (exit status 2); nothing was written."""

    kind = "Credentials"


class Unreachable(Error):
    """The store cannot be reached (exit status 2); nothing was written."""

    kind = "Unreachable"


class Incomplete(Error):
    """Failed after its first write (exit status 1); the published revision
    is unchanged: run it again."""

    kind = "Incomplete"


class NotInvalidated(Error):
    """Published, but a CloudFront invalidation failed (exit status 1);
    ``.report`` has the report."""

    kind = "NotInvalidated"


class Cancelled(Error):
    """Stopped through the cancel handle (exit status 130)."""

    kind = "Cancelled"


_KINDS = {cls.kind: cls for cls in (ConfigError, Refused, CredentialsError, Unreachable,
                                    Incomplete, NotInvalidated, Cancelled)}


class Report:
    """What a command reports: the fields of ``svn2s3 ... --json`` as
    attributes (``report.uploaded``, ``report.to``, ...) and as a dict
    (:meth:`as_dict`)."""

    def __init__(self, fields: Mapping[str, Any], text: str = ""):
        self._fields = dict(fields)
        self._text = text

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"a report has no field {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        return self._fields[name]

    def __contains__(self, name: object) -> bool:
        return name in self._fields

    def as_dict(self) -> Dict[str, Any]:
        """The report's fields, as ``--json`` writes them."""
        copied: Dict[str, Any] = json.loads(json.dumps(self._fields))
        return copied

    def __str__(self) -> str:
        """The report as the command prints it."""
        return self._text.rstrip("\n")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={self._fields[k]!r}" for k in ("target", "from", "to")
                          if k in self._fields)
        return f"Report({shown})"


def _yaml(value: Any) -> str:
    """A keyword's value as svn2s3.yaml would hold it: JSON is YAML."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return json.dumps(value)


def _flag(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _run(command: str, tree: Path, config: Optional[Path], target: Optional[str],
         progress: Optional[Callable[[Dict[str, Any]], Any]],
         settings: Mapping[str, Any]) -> Report:
    flags = [(name, _flag(value)) for name, value in settings.items()
             if name in FLAGS and value is not None]
    keys = [(name, _yaml(value)) for name, value in settings.items()
            if name not in FLAGS and value is not None]
    callback = None
    if progress is not None:
        def callback(event: str) -> None:
            progress(json.loads(event))
    try:
        fields, text = _svn2s3.run(
            command,
            os.fspath(tree),
            config=None if config is None else os.fspath(config),
            target=target,
            flags=flags,
            settings=keys,
            progress=callback,
        )
    except _svn2s3.NativeError as err:
        kind, status, message, report = err.args
        cls = _KINDS.get(kind, Error)
        raise cls(message, status, Report(json.loads(report)) if report else None) from None
    return Report(json.loads(fields), text)


def publish(tree: Path, *, config: Optional[Path] = None, target: Optional[str] = None,
            progress: Optional[Callable[[Dict[str, Any]], Any]] = None,
            **settings: Any) -> Report:
    """Publishes ``tree`` (a working copy, a folder of one, or a repository
    URL; with ``build=``, a built folder) and returns the report: the
    fields of ``svn2s3 publish --json``."""
    return _run("publish", tree, config, target, progress, settings)


def status(tree: Path, *, config: Optional[Path] = None, target: Optional[str] = None,
           **settings: Any) -> Report:
    """What the bucket holds and what a publish would do, as
    ``svn2s3 status --json`` reports it."""
    return _run("status", tree, config, target, None, settings)


def verify(tree: Path, *, config: Optional[Path] = None, target: Optional[str] = None,
           **settings: Any) -> Report:
    """Compares the bucket with the published revision, as
    ``svn2s3 verify --json`` reports it (``report.missing``, ``.extra``,
    ``.differ``); a bucket that differs is a report, not an error."""
    return _run("verify", tree, config, target, None, settings)

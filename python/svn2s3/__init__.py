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

    def __reduce__(self) -> Any:
        # Pickled whole (for multiprocessing, task queues), status included.
        return (type(self), (self.message, self.status, self.report))


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

    _fields: Dict[str, Any]
    _text: str

    def __init__(self, fields: Mapping[str, Any], text: str = ""):
        object.__setattr__(self, "_fields", dict(fields))
        object.__setattr__(self, "_text", text)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a report is read-only")

    #: Not a sequence: its fields are read by name.
    __iter__ = None

    def __getattr__(self, name: str) -> Any:
        # Only fields: what copy and pickle look for before __init__ ran is not one.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            value = self._fields[name]
        except KeyError:
            raise AttributeError(f"a report has no field {name!r}") from None
        # A copy: what a report says does not change.
        return json.loads(json.dumps(value))

    def __getitem__(self, name: str) -> Any:
        return json.loads(json.dumps(self._fields[name]))

    def __reduce__(self) -> Any:
        return (Report, (self._fields, self._text))

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


def _path(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"a {type(value).__name__} cannot be a setting")


def _yaml(name: str, value: Any) -> str:
    """A keyword's value as svn2s3.yaml would hold it: JSON is YAML (with
    characters outside ASCII as they are, since YAML takes no surrogate
    pairs), paths as text."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_path)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{name}: {err}", 2) from None


def _flag(name: str, value: Any) -> str:
    """A flag's value as the library takes it: on/off flags are bools only,
    so that ``dry_run="no"`` or ``dry_run=1`` is never taken for anything."""
    if name in ("revision", "wait"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name}: {value!r} is not a number", 2)
        return repr(value)
    if not isinstance(value, bool):
        raise ConfigError(f"{name}: {value!r} is not True or False", 2)
    return "true" if value else "false"


def _checked_path(name: str, value: Any) -> str:
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value)
        if isinstance(text, str):
            return text
    raise ConfigError(f"{name}: {value!r} is not a path", 2)


def _run(command: str, tree: Path, config: Optional[Path], target: Optional[str],
         progress: Optional[Callable[[Dict[str, Any]], Any]],
         settings: Mapping[str, Any]) -> Report:
    # Every argument checked before anything is read or sent.
    tree_path = _checked_path("tree", tree)
    config_path = None if config is None else _checked_path("config", config)
    if target is not None and not isinstance(target, str):
        raise ConfigError(f"target: {target!r} is not a target's name", 2)
    if progress is not None and not callable(progress):
        raise ConfigError(f"progress: {progress!r} is not callable", 2)
    if command != "publish":
        given = [name for name in ("dry_run", "full", "rollback", "preview")
                 if settings.get(name) is not None]
        if given:
            raise ConfigError(f"{', '.join(given)}: for publish, not {command}", 2)
    flags = [(name, _flag(name, value)) for name, value in settings.items()
             if name in FLAGS and value is not None]
    keys = [(name, _yaml(name, value)) for name, value in settings.items()
            if name not in FLAGS and value is not None]
    callback = None
    if progress is not None:
        def callback(event: str) -> None:
            progress(json.loads(event))
    try:
        fields, text = _svn2s3.run(
            command,
            tree_path,
            config=config_path,
            target=target,
            flags=flags,
            settings=keys,
            progress=callback,
        )
    except _svn2s3.NativeError as err:
        kind, status, message, report = err.args
        cls = _KINDS.get(kind, Error)
        raise cls(message, status, Report(json.loads(report)) if report else None) from None
    except BaseException as err:
        # The progress callback's own exception: where the publish went
        # through all the same, its report rides along.
        done = getattr(err, "svn2s3_report", None)
        if isinstance(done, tuple):
            err.svn2s3_report = Report(json.loads(done[0]), done[1])  # type: ignore[attr-defined]
        raise
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

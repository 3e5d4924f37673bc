"""``python manage.py svn2s3 publish|status|verify``: MEDIA_ROOT (a working
copy) by default, STATIC_ROOT (collectstatic's output) with ``--static``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

import svn2s3
from svn2s3.django import conf


class Command(BaseCommand):
    help = (
        "Publish MEDIA_ROOT (a Subversion working copy) or, with --static, "
        "STATIC_ROOT (collectstatic's output) to S3, pushing only what changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("command", choices=["publish", "status", "verify"])
        parser.add_argument("--static", action="store_true",
                            help="STATIC_ROOT, as a built folder, rather than MEDIA_ROOT")
        parser.add_argument("--target", help="a target of SVN2S3['targets'] instead")
        parser.add_argument("--dry-run", action="store_true",
                            help="say what would be done, write nothing")
        parser.add_argument("--full", action="store_true",
                            help="compare every file with the bucket, not only what changed")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        what = "static" if options["static"] else "media"
        try:
            keys = conf.keys(what, options["target"])
        except ImproperlyConfigured as err:
            raise CommandError(str(err), returncode=2) from err
        root = getattr(django_settings, "STATIC_ROOT" if what == "static" else "MEDIA_ROOT", None)
        if not root:
            name = "STATIC_ROOT" if what == "static" else "MEDIA_ROOT"
            raise CommandError(f"{name} is not set", returncode=2)
        tree: Any = root
        if what == "static":
            # A built folder; the project (a working copy, if it is one)
            # says what it was built from.
            keys["build"] = str(Path(root).resolve())
            tree = getattr(django_settings, "BASE_DIR", None) or "."
        command = options["command"]
        verbosity = options["verbosity"]
        if command == "publish":
            keys.update(dry_run=options["dry_run"], full=options["full"])
        elif options["dry_run"] or options["full"]:
            raise CommandError(f"--dry-run and --full are for publish, not {command}", returncode=2)
        run = {"publish": svn2s3.publish, "status": svn2s3.status, "verify": svn2s3.verify}[command]
        extra: Dict[str, Any] = {}
        if command == "publish" and verbosity >= 2:
            # With --json, stdout holds the report alone.
            self._events = self.stderr if options["json"] else self.stdout
            extra["progress"] = self._progress
        try:
            report = run(tree, **extra, **keys)
        except svn2s3.Error as err:
            raise CommandError(err.message, returncode=err.status) from err
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        elif verbosity >= 1:
            self.stdout.write(str(report))
            url = conf.public_url(keys.get("prefix", ""))
            if url and command == "publish":
                self.stdout.write(f"served at {url}")
        if command == "verify" and (report.missing or report.extra or report.differ):
            raise CommandError("the bucket differs from the published revision", returncode=1)

    def _progress(self, event: Dict[str, Any]) -> None:
        if event["event"] == "done":
            self._events.write(event["text"])

"""What the management command publishes, and with which svn2s3 settings.

``settings.SVN2S3`` is a dict of svn2s3.yaml keys; its ``targets`` name
other places, each its keys over the dict's, as in svn2s3.yaml. Where a key
is missing, the names django-storages users already have stand in:

========================  ===========================================
django-storages           svn2s3
========================  ===========================================
AWS_STORAGE_BUCKET_NAME   ``bucket``
AWS_S3_ENDPOINT_URL       ``endpoint``
AWS_S3_REGION_NAME        ``region``
AWS_LOCATION              ``prefix`` (of MEDIA_ROOT's publish)
AWS_S3_CUSTOM_DOMAIN      the host of the URLs printed after a publish
========================  ===========================================

Credentials are never read from Django's settings: svn2s3 finds them as
the AWS tools do (the environment, a profile, a role).

``MEDIA_ROOT``, a working copy, publishes to the target ``media`` if
``SVN2S3`` has one, else to the dict's own keys. ``STATIC_ROOT``, the output
of ``collectstatic``, publishes as a built folder (``--static``) to the
target ``static`` if there is one, else under the prefix ``static/``,
whatever prefix the dict gives media. A target's keys go over the dict's
as in svn2s3.yaml: ``cloudfront`` and ``previews`` key by key, the rest
whole.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from svn2s3 import FLAGS

#: What svn2s3.publish() takes besides svn2s3.yaml's keys: never from SVN2S3.
NOT_KEYS = ("config", "target", "progress", *FLAGS)

#: Keys whose own keys a target sets one by one, as svn2s3.yaml merges them.
MERGED = ("cloudfront", "previews")

#: django-storages' names, and the svn2s3.yaml key each stands in for.
STORAGES_NAMES = {
    "AWS_STORAGE_BUCKET_NAME": "bucket",
    "AWS_S3_ENDPOINT_URL": "endpoint",
    "AWS_S3_REGION_NAME": "region",
    "AWS_LOCATION": "prefix",
}


def keys(what: str, target: Optional[str] = None) -> Dict[str, Any]:
    """The svn2s3.yaml keys to publish ``what`` (``media`` or ``static``)
    with: the target asked for (else the one named like ``what``, if any)
    over ``SVN2S3``'s own keys, over django-storages' names."""
    given = getattr(django_settings, "SVN2S3", None)
    given = {} if given is None else given
    if not isinstance(given, dict):
        raise ImproperlyConfigured("SVN2S3 must be a dict of svn2s3.yaml keys")
    targets = given.get("targets", {})
    if not isinstance(targets, dict) or not all(isinstance(t, dict) for t in targets.values()):
        raise ImproperlyConfigured("SVN2S3['targets'] must be a dict of names to dicts of keys")
    for where, keys_given in [("SVN2S3", given), *((f"SVN2S3['targets'][{n!r}]", t)
                                                   for n, t in targets.items())]:
        for key in keys_given:
            if key in NOT_KEYS:
                raise ImproperlyConfigured(
                    f"{where}: {key!r} is not a key of svn2s3.yaml (the command's options "
                    "and the settings file are not set here)")
    base = {key: value for key, value in given.items() if key != "targets"}
    for setting, key in STORAGES_NAMES.items():
        value = getattr(django_settings, setting, None)
        if value and key not in base and not (key == "prefix" and what == "static"):
            base[key] = value
    chosen = target or (what if what in targets else None)
    if chosen is not None:
        if chosen not in targets:
            known = ", ".join(sorted(targets)) or "none"
            raise ImproperlyConfigured(f"SVN2S3 has no target {chosen!r} (it has {known})")
        for key, value in targets[chosen].items():
            if key in MERGED and isinstance(value, dict) and isinstance(base.get(key), dict):
                base[key] = {**base[key], **value}
            else:
                base[key] = value
    elif what == "static":
        base["prefix"] = "static/"
    return base


def public_url(prefix: str) -> Optional[str]:
    """Where the published files are served, from AWS_S3_CUSTOM_DOMAIN."""
    domain = getattr(django_settings, "AWS_S3_CUSTOM_DOMAIN", None)
    if not domain:
        return None
    return f"https://{domain}/{prefix.strip('/')}/" if prefix.strip("/") else f"https://{domain}/"

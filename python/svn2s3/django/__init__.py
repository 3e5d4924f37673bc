"""The Django app of svn2s3: ``python manage.py svn2s3 publish|status|verify``.

Add ``"svn2s3.django"`` to ``INSTALLED_APPS``. Settings come from
``settings.SVN2S3`` (a dict of svn2s3.yaml keys, ``targets`` included), else
from the names django-storages users have already (see
:mod:`svn2s3.django.conf`).
"""

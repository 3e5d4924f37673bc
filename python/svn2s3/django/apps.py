from django.apps import AppConfig


class Svn2s3Config(AppConfig):
    """svn2s3's management command, and nothing else: no models, no URLs."""

    name = "svn2s3.django"
    label = "svn2s3"
    verbose_name = "svn2s3"

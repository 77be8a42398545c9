from django.apps import AppConfig


class AgileTrackConfig(AppConfig):
    name = "agiletrack"
    verbose_name = "AgileTrack platform"

"""The agreements and alerts pages of one team, under /teams/<slug>/."""

from django.urls import path

from agreements import pages

urlpatterns = [
    path("agreements/", pages.agreement_list, name="team-agreements"),
    path("agreements/<int:pk>/edit/", pages.agreement_edit, name="team-agreement-edit"),
    path("agreements/<int:pk>/pause/", pages.agreement_pause, name="team-agreement-pause"),
    path("agreements/<int:pk>/evaluate/", pages.agreement_evaluate, name="team-agreement-evaluate"),
    path("alerts/", pages.alert_list, name="team-alerts"),
    path("alerts/digest/", pages.digest_page, name="team-alert-digest"),
    path(
        "alerts/<int:pk>/<str:action>/",
        pages.alert_action,
        name="team-alert-action",
    ),
]

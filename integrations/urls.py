"""The integrations pages of one team, under /teams/<slug>/integrations/."""

from django.urls import path

from integrations import form_views, views

urlpatterns = [
    path("integrations/", views.integration_list, name="team-integrations"),
    path("integrations/status.json", views.sync_status, name="team-sync-status"),
    path("integrations/new/", form_views.integration_add, name="team-integration-add"),
    path("integrations/<int:pk>/edit/", form_views.integration_edit, name="team-integration-edit"),
    path("integrations/scopes/", views.integration_scopes, name="team-integration-scopes"),
    path("integrations/<int:pk>/sync/", views.sync_now, name="team-integration-sync"),
    path("integrations/<int:pk>/test/", views.integration_test, name="team-integration-test"),
    path(
        "integrations/<int:pk>/runs/<int:run_pk>/",
        views.run_status,
        name="team-integration-run",
    ),
]

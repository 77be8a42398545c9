"""The integrations pages of one team, under /teams/<slug>/integrations/."""

from django.urls import path

from integrations import views

urlpatterns = [
    path("integrations/", views.integration_list, name="team-integrations"),
    path("integrations/new/", views.integration_add, name="team-integration-add"),
    path("integrations/scopes/", views.integration_scopes, name="team-integration-scopes"),
    path("integrations/<int:pk>/edit/", views.integration_edit, name="team-integration-edit"),
    path("integrations/<int:pk>/sync/", views.sync_now, name="team-integration-sync"),
    path("integrations/<int:pk>/test/", views.integration_test, name="team-integration-test"),
    path(
        "integrations/<int:pk>/runs/<int:run_pk>/",
        views.run_status,
        name="team-integration-run",
    ),
]

"""Dashboard pages of one team, under /teams/<slug>/."""

from django.urls import path

from integrations import views as integration_views
from metrics import views

urlpatterns = [
    path("", views.overview, name="team-overview"),
    path("pull-requests/", views.pull_requests, name="team-pull-requests"),
    path("work-items/", views.work_items, name="team-work-items"),
    path("sprints/", views.sprints, name="team-sprints"),
    path("integrations/", integration_views.integration_list, name="team-integrations"),
    path("integrations/new/", integration_views.integration_add, name="team-integration-add"),
    path(
        "integrations/<int:pk>/edit/",
        integration_views.integration_edit,
        name="team-integration-edit",
    ),
    path("integrations/<int:pk>/sync/", integration_views.sync_now, name="team-integration-sync"),
    path(
        "integrations/<int:pk>/test/",
        integration_views.integration_test,
        name="team-integration-test",
    ),
    path(
        "integrations/<int:pk>/runs/<int:run_pk>/",
        integration_views.run_status,
        name="team-integration-run",
    ),
]

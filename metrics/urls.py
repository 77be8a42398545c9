"""Dashboard pages of one team, under /teams/<slug>/."""

from django.urls import path

from metrics import delivery_views, flow_views, item_views, sprint_views, views

urlpatterns = [
    path("", views.overview, name="team-overview"),
    path("pull-requests/", views.pull_requests, name="team-pull-requests"),
    path("work-items/", views.work_items, name="team-work-items"),
    path(
        "work-items/finished/",
        item_views.finished_work_items,
        name="team-finished-work-items",
    ),
    path(
        "work-items/flow/",
        flow_views.flow_work_items,
        name="team-flow-work-items",
    ),
    path("sprints/", views.sprints, name="team-sprints"),
    path("sprints/<int:pk>/", sprint_views.sprint_items, name="team-sprint-items"),
    path("deployments/", delivery_views.deployments, name="team-deployments"),
    path("incidents/", delivery_views.incidents, name="team-incidents"),
]

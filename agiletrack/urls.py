"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agiletrack import views
from agiletrack.observability import views as observability
from integrations import webhooks
from metrics import docs, organisation_views
from metrics import views as dashboard

admin.site.site_header = "AgileTrack administration"
admin.site.site_title = "AgileTrack admin"
# The lists need the width: the index and the breadcrumbs lead to every model.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", dashboard.home, name="home"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin, the API's pages).
    path("favicon.ico", views.favicon, name="favicon"),
    path("about/", views.home, name="about"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("organisation/", organisation_views.organisation, name="organisation"),
    path("accounts/theme/", views.set_theme, name="set-theme"),
    # One prefix, three apps: the dashboard pages, the team's integrations and its agreements.
    path("teams/<slug:slug>/", include("metrics.urls")),
    path("teams/<slug:slug>/", include("integrations.urls")),
    path("teams/<slug:slug>/", include("agreements.urls")),
    path("docs/metrics/", docs.metrics_doc, name="docs-metrics"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", observability.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves the UI's own script as a file (?script): no inline script for CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("agiletrack.api_urls")),
    path("webhooks/<str:kind>/<int:integration_id>/", webhooks.receive, name="webhook"),
]

handler404 = "agiletrack.views.not_found"

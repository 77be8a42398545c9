"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import path

from agiletrack import views

admin.site.site_header = "AgileTrack administration"
admin.site.site_title = "AgileTrack admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

"""API permissions: members read their teams' data; staff also write integrations."""

from rest_framework import permissions


class IsStaffOrReadOnly(permissions.BasePermission):
    message = "Only staff can create, change or delete integrations."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_staff)

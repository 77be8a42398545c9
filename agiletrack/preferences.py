"""Per-user display preferences (the theme): read for every page, written by the theme switch."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from agiletrack.models import UserPreference

THEMES = UserPreference.Theme


def theme_for(user: AbstractBaseUser | AnonymousUser) -> str:
    """The theme a user chose: "light", "dark" or "system" (also for anonymous visitors)."""
    if not user.is_authenticated:
        return THEMES.SYSTEM
    chosen = UserPreference.objects.filter(user_id=user.pk).values_list("theme", flat=True).first()
    return chosen or THEMES.SYSTEM


def set_theme(user: AbstractBaseUser | AnonymousUser, theme: str) -> None:
    """Keep a signed-in user's theme; `theme` must be one of THEMES (the view validates it)."""
    if user.pk is None:  # anonymous visitors follow the device
        return
    UserPreference.objects.update_or_create(user_id=user.pk, defaults={"theme": THEMES(theme)})


def theme(request: HttpRequest) -> dict:
    """Context processor: the theme for <html data-theme> and the switch in the header."""
    user = getattr(request, "user", None) or AnonymousUser()
    return {"theme": theme_for(user), "themes": THEMES.choices}

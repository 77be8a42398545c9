"""The agreements' admin: staff see only their teams' rows, and a channel's secrets never."""

import pytest
from django.contrib.auth.models import Permission

from agreements.channels import save_channel
from agreements.models import Alert, WorkingAgreement
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    found = {}
    for name in ("alpha", "bravo"):
        team = TeamFactory(name=name)
        channel = save_channel(
            team, "webhook", url=f"http://127.0.0.1:9/{name}-path", secret=f"{name}-secret"
        )
        agreement = WorkingAgreement.objects.create(
            team=team, name=f"{name} rule", metric="wip", operator="<=", threshold=8
        )
        agreement.channels.add(channel)
        alert = Alert.objects.create(agreement=agreement, opened_at="2026-11-16T00:00:00Z")
        found[name] = {"team": team, "channel": channel, "agreement": agreement, "alert": alert}
    return found


@pytest.fixture
def alpha_staff(client, rows):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="agreements"))
    rows["alpha"]["team"].members.add(user)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["channel", "agreement", "alert"])
def test_staff_see_only_their_teams_rows(alpha_staff, rows, model):
    names = {"channel": "channel", "agreement": "workingagreement", "alert": "alert"}
    listing = alpha_staff.get(f"/admin/agreements/{names[model]}/").content.decode()
    assert f"/{rows['alpha'][model].pk}/change/" in listing
    assert f"/{rows['bravo'][model].pk}/change/" not in listing
    theirs = alpha_staff.get(f"/admin/agreements/{names[model]}/{rows['bravo'][model].pk}/change/")
    assert theirs.status_code == 302 and theirs["Location"] == "/admin/"


def test_a_channel_shows_its_hint_never_its_url_or_secret(admin_client, rows):
    channel = rows["alpha"]["channel"]
    page = admin_client.get(f"/admin/agreements/channel/{channel.pk}/change/").content.decode()
    assert "http://127.0.0.1/…" in page
    assert "alpha-path" not in page and "alpha-secret" not in page
    assert channel.secrets_encrypted not in page
    agreement = rows["alpha"]["agreement"]
    form = admin_client.get(f"/admin/agreements/workingagreement/{agreement.pk}/change/")
    assert "alpha-secret" not in form.content.decode()

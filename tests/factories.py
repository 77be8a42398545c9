"""Model factories. Integrations are created through the service, as users create them."""

import factory
from django.contrib.auth import get_user_model

from integrations import services
from integrations.models import Integration, Team

# A host the tests allowlist (tests/conftest.py), so no DNS is needed.
API_HOST = "api.sandbox.test"
SENTINEL_TOKEN = "ghp_SENTINEL0000secret0000TOKEN"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # Store the hashed password, so a session (which keeps a hash of it) stays valid.
        if create:
            instance.save(update_fields=["password"])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


CONFIGS = {
    "github": {"api_url": f"https://{API_HOST}", "repositories": ["acme/web"]},
    "jira": {"site_url": f"https://{API_HOST}", "board_id": 1},
    "trello": {"api_url": f"https://{API_HOST}/1", "board_ids": ["5f0c1a2b3c4d5e6f7a8b9c0d"]},
}
CREDENTIALS = {
    "github": {"token": SENTINEL_TOKEN},
    "jira": {"email": "bot@example.com", "api_token": SENTINEL_TOKEN},
    "trello": {"key": "trello-key-0001", "token": SENTINEL_TOKEN},
}


def make_integration(team: Team, kind: str = "github", name: str = "", **config) -> Integration:
    return services.create_integration(
        team=team,
        kind=kind,
        name=name or f"{kind} integration",
        config={**CONFIGS[kind], **config},
        credentials=CREDENTIALS[kind],
    )

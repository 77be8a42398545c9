from django.db import migrations
from django.db.models import Q

LINKED = ("PullRequest", "Deployment", "Incident", "WorkItem")


def blank_non_http_links(apps, schema_editor):
    # Pages put these links in an href: only http(s) is kept since the ingest checks the scheme,
    # so rows stored before that lose any other (`javascript:`, `data:`, `//host`) here too.
    web = Q(url="") | Q(url__istartswith="http://") | Q(url__istartswith="https://")
    for name in LINKED:
        apps.get_model("metrics", name).objects.exclude(web).update(url="")


class Migration(migrations.Migration):
    dependencies = [("metrics", "0017_pull_request_first_response")]

    operations = [migrations.RunPython(blank_non_http_links, migrations.RunPython.noop)]

"""Dashboard page of one sprint's items: the lists behind a sprint row's numbers (committed,
added, removed, completed, not done, carried over, completed outside the sprint), and the links
from the sprints page to them."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from integrations.team_page import TeamPage, team_page
from metrics.delivery_views import PAGE_SIZE, page_query
from metrics.selectors.sprints import find_sprint, list_sprint_items, sprint_ids

# Each list: its short name and what it holds (calc.SPRINT_LISTS, in the sprint row's order).
SPRINT_LISTS = {
    "committed": ("Committed", "In the sprint at its start (points then)"),
    "added": ("Added", "Joined after the start (points when they joined)"),
    "removed": ("Removed", "Left before the close (points when they left)"),
    "completed": ("Completed", "In the sprint at its close and done during it (points then)"),
    "not_done": ("Not done", "In the sprint at its close and not done (points then)"),
    "carried_over": ("Carried over", "Not done at the close and moved into another sprint"),
    "outside": ("Completed outside", "In the sprint at its close, done before it started"),
}


class SprintListForm(forms.Form):
    show = forms.ChoiceField(
        required=False, label="Show", choices=[(k, v[0]) for k, v in SPRINT_LISTS.items()]
    )


def add_sprint_links(page: TeamPage, board: dict, charts: dict, velocity_rows: list) -> None:
    """Link each sprint of a board (the closed sprints' rows, the velocity bars and rows, the
    running sprint) to its items: `href` on each, `links` on the velocity chart (completed)."""
    active = board["active_sprint"]
    wanted = [s["id"] for s in board["sprints"]] + list(board["velocity"]["sprints"])
    ids = sprint_ids(board["integration"], wanted + ([active["id"]] if active else []))
    query = f"?{page.query}&show=" if page.query else "?show="

    def link(external_id: str) -> str:
        url = reverse("team-sprint-items", kwargs={"slug": page.team.slug, "pk": ids[external_id]})
        return url + query

    for sprint in [*board["sprints"], *([active] if active else [])]:
        sprint["href"] = link(sprint["id"])
    velocity = [link(external_id) for external_id in board["velocity"]["sprints"]]
    for row, href in zip(velocity_rows, velocity, strict=True):
        row["href"] = href
    charts["velocity"]["links"] = [href + "completed" for href in velocity]


@login_required
@require_GET
def sprint_items(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    page = team_page(request, slug)
    sprint = find_sprint(page.scope, pk)
    if sprint is None:
        raise Http404("No such sprint on this team's boards")
    form = SprintListForm(request.GET or None)
    show = "committed"
    if form.is_bound and form.is_valid():
        show = form.cleaned_data["show"] or show
    found = list_sprint_items(page.scope, sprint)
    page_obj = Paginator(found.lists[show], PAGE_SIZE).get_page(request.GET.get("page"))
    summary = [
        {
            "key": key,
            "name": name,
            "items": len(found.lists[key]),
            "points": sum(points for _, points in found.lists[key]),
            "href": f"?{page.query}&show={key}" if page.query else f"?show={key}",
        }
        for key, (name, _) in SPRINT_LISTS.items()
    ]
    return render(
        request,
        "dashboard/sprint_items.html",
        page.context(
            "sprints",
            sprint=sprint,
            found=found,
            list_form=form,
            extra_filters=[("show", show)],
            show=show,
            shown=SPRINT_LISTS[show],
            summary=summary,
            page_obj=page_obj,
            page_query=page_query(request),
        ),
    )

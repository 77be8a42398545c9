"""The team's Agreements page (list, create with a back-test before saving, edit, pause) and
Alerts page (open, acknowledged, resolved, with their deliveries; acknowledge, snooze, resolve).
Members read, and act on alerts and run an evaluation; staff change agreements (as in the API)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agreements import alerts, rules, services
from agreements.forms import AgreementForm, add_channel_errors, rule_in_words
from agreements.models import Alert, Delivery, WorkingAgreement
from agreements.page_data import backtest_view, describe_alert, digest_preview, digest_week
from integrations.team_page import TeamPage, team_page

SNOOZES = {"1h": ("1 hour", timedelta(hours=1)), "1d": ("1 day", timedelta(days=1))}
ALERT_TABS = [(status.value, status.label) for status in Alert.Status]


def _agreements_url(page: TeamPage) -> str:
    return reverse("team-agreements", kwargs={"slug": page.team.slug})


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can change working agreements.")


def _team_agreement(page: TeamPage, pk: int) -> WorkingAgreement:
    return get_object_or_404(WorkingAgreement.objects.filter(team=page.team), pk=pk)


def _listing(page: TeamPage) -> list[dict]:
    unresolved = Alert.objects.exclude(status=Alert.Status.RESOLVED)
    rows = (
        WorkingAgreement.objects.filter(team=page.team)
        .prefetch_related("channels", Prefetch("alerts", queryset=unresolved, to_attr="open"))
        .order_by("name", "pk")
    )
    return [
        {
            "agreement": agreement,
            "rule": rule_in_words(agreement),
            "kind": getattr(rules.METRICS.get(agreement.metric), "kind", ""),
            "channels": list(agreement.channels.all()),
            "open_alert": agreement.open[0] if agreement.open else None,
        }
        for agreement in rows
    ]


def _form_page(
    request: HttpRequest,
    page: TeamPage,
    form: AgreementForm,
    agreement: WorkingAgreement | None,
) -> HttpResponse:
    """Handle a POST of the form: "backtest" shows the weekly back-test of the rule as typed
    (nothing stored), "save" stores it with its channels in one transaction (nothing stored on
    an error). Answers the page, or a redirect once saved."""
    backtest = None
    status = 200
    if request.method == "POST":
        _require_staff(request)
        if not form.is_valid():
            status = 400
        elif request.POST.get("action") == "backtest":
            trial = agreement or WorkingAgreement(team=page.team)
            for name, value in form.fields_of_agreement().items():
                setattr(trial, name, value)
            trial.team = page.team
            backtest = backtest_view(trial, *form.backtest_range())
        else:
            fields = {"team": page.team, **form.fields_of_agreement()}
            given = form.channels()
            try:
                saved = services.save_agreement(agreement, fields, given, request.user)
            except services.ChannelsInvalid as exc:
                add_channel_errors(form, given or [], exc.errors)
                status = 400
            else:
                verb = "saved" if agreement else "created"
                messages.success(request, f"Agreement “{saved.name}” {verb}.")
                return redirect(_agreements_url(page))
    template = "agreements/edit.html" if agreement else "agreements/list.html"
    context = page.context(
        "agreements",
        form=form,
        editing=agreement,
        backtest=backtest,
        rows=[] if agreement else _listing(page),
        current_channels=list(agreement.channels.all()) if agreement else [],
    )
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_list(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    form = AgreementForm(request.POST or None)
    return _form_page(request, page, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    page = team_page(request, slug)
    agreement = _team_agreement(page, pk)
    _require_staff(request)
    initial = {
        "name": agreement.name,
        "metric": agreement.metric,
        "operator": agreement.operator,
        "threshold": agreement.threshold,
        "window_days": agreement.window_days,
    }
    form = AgreementForm(request.POST or None, initial=initial)
    return _form_page(request, page, form, agreement)


@login_required
@require_POST
def agreement_pause(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    page = team_page(request, slug)
    agreement = _team_agreement(page, pk)
    _require_staff(request)
    paused = request.POST.get("paused") == "1"
    services.save_agreement(agreement, {"paused": paused}, None, request.user)
    state = "paused: it is not evaluated" if paused else "resumed"
    messages.success(request, f"Agreement “{agreement.name}” {state}.")
    return redirect(_agreements_url(page))


@login_required
@require_POST
def agreement_evaluate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    page = team_page(request, slug)
    agreement = _team_agreement(page, pk)
    result, alert = services.evaluate_agreement(agreement)
    if result.breached and alert is not None:
        messages.warning(request, f"“{agreement.name}” is broken: an alert is open.")
    else:
        messages.success(request, f"“{agreement.name}” holds.")
    return redirect(_agreements_url(page))


def _team_alerts(page: TeamPage):
    deliveries = Delivery.objects.select_related("channel").order_by("created_at", "pk")
    return (
        Alert.objects.filter(agreement__team=page.team)
        .select_related("agreement", "acknowledged_by", "resolved_by")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
    )


@login_required
@require_http_methods(["GET"])
def alert_list(request: HttpRequest, slug: str) -> HttpResponse:
    page = team_page(request, slug)
    status = request.GET.get("status") or Alert.Status.OPEN
    if status not in Alert.Status.values:
        raise Http404("No such alert status.")
    rows = _team_alerts(page).filter(status=status).order_by("-opened_at", "-pk")[:100]
    return render(
        request,
        "agreements/alerts.html",
        page.context(
            "alerts",
            status=status,
            tabs=ALERT_TABS,
            rows=[describe_alert(alert) for alert in rows],
            snoozes=[(key, label) for key, (label, _) in SNOOZES.items()],
            now=timezone.now(),
        ),
    )


@login_required
@require_POST
def alert_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """Acknowledge, snooze or resolve one of the team's alerts (members may: operational)."""
    page = team_page(request, slug)
    alert = get_object_or_404(_team_alerts(page), pk=pk)
    now = timezone.now()
    try:
        if action == "acknowledge":
            alerts.acknowledge(alert, request.user, now)
            done = "acknowledged"
        elif action == "snooze" and request.POST.get("for") in SNOOZES:
            label, length = SNOOZES[request.POST["for"]]
            alerts.snooze(alert, now + length, request.user)
            done = f"snoozed for {label}"
        elif action == "resolve":
            alerts.resolve(alert, request.user, now)
            done = "resolved"
        else:
            raise Http404("No such action.")
    except alerts.AlertStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Alert of “{alert.agreement.name}” {done}.")
    back = reverse("team-alerts", kwargs={"slug": page.team.slug})
    return redirect(f"{back}?status={request.POST.get('from') or alert.status}")


@login_required
@require_http_methods(["GET"])
def digest_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The team's weekly digest as it is sent (the email text) and as a page, for a week."""
    page = team_page(request, slug)
    now = timezone.now()
    week_start = digest_week(page.team, request.GET.get("week"), now)
    preview = digest_preview(page.team, week_start, now)
    return render(request, "agreements/digest.html", page.context("alerts", **preview))

"""The form of the agreements page: the rule, its channels (secrets write-only: never rendered
back) and the back-test's range."""

from __future__ import annotations

from datetime import date

from django import forms

from agreements import rules
from agreements.models import WorkingAgreement
from agreements.serializers import MAX_WINDOW_DAYS

UNIT_WORDS = {
    "hours": "hours",
    "lines": "lines",
    "days": "days",
    "percent": "%",
    "per_day": "per day",
    "items": "items",
}
BACKTEST_MAX_DAYS = 366


def metric_choices() -> list[tuple[str, str]]:
    """Each metric with its unit and kind, as the form's choices."""
    kinds = {rules.ITEM: "each item", rules.WINDOW: "window"}
    return [
        (spec.name, f"{spec.label} ({UNIT_WORDS[spec.unit]}, {kinds[spec.kind]})")
        for spec in rules.METRICS.values()
    ]


def rule_in_words(agreement: WorkingAgreement) -> str:
    """E.g. "Pull request size at most 400 lines, on each item" or "Change failure rate at
    most 15 % over 30 days"."""
    spec = rules.METRICS.get(agreement.metric)
    if spec is None:
        return f"{agreement.metric} {agreement.operator} {agreement.threshold:g}"
    words = WorkingAgreement.Operator(agreement.operator).label
    unit = UNIT_WORDS[spec.unit]
    rule = f"{spec.label} {words} {agreement.threshold:g} {unit}"
    if spec.kind == rules.ITEM:
        return f"{rule}, on each item"
    return f"{rule} over {agreement.window_days} days"


class AgreementForm(forms.Form):
    """An agreement's rule and channels. The Slack URL and the webhook URL and secret are
    secrets: the widgets never render a value back. Editing with every channel field empty
    keeps the agreement's channels; filling any replaces them."""

    name = forms.CharField(max_length=200)
    metric = forms.ChoiceField(choices=metric_choices)
    operator = forms.ChoiceField(choices=WorkingAgreement.Operator.choices)
    threshold = forms.FloatField(help_text="In the metric's unit (shown with the metric).")
    window_days = forms.IntegerField(
        min_value=1,
        max_value=MAX_WINDOW_DAYS,
        initial=30,
        label="Window (days)",
        help_text="Window rules: the days measured up to each evaluation.",
    )
    slack_url = forms.URLField(
        assume_scheme="https",
        required=False,
        max_length=2000,
        label="Slack incoming-webhook URL",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(required=False, label="Email address")
    webhook_url = forms.URLField(
        assume_scheme="https",
        required=False,
        max_length=2000,
        label="Webhook URL",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    webhook_secret = forms.CharField(
        required=False,
        max_length=500,
        label="Webhook signing secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    since = forms.DateField(
        required=False,
        label="Back-test from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Default: the last 90 days.",
    )
    until = forms.DateField(
        required=False, label="Back-test to", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and (since > until or (until - since).days + 1 > BACKTEST_MAX_DAYS):
            self.add_error("since", "Choose a back-test range of 1 to 366 days.")
        if data.get("webhook_secret") and not data.get("webhook_url"):
            self.add_error("webhook_url", "A signing secret needs the webhook URL it signs for.")
        return data

    def fields_of_agreement(self) -> dict:
        """The agreement's fields, as services.save_agreement takes them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "metric": data["metric"],
            "operator": data["operator"],
            "threshold": data["threshold"],
            "window_days": data["window_days"],
        }

    def channels(self) -> list[dict] | None:
        """The channels typed in, as services.save_agreement takes them (None: none typed)."""
        data = self.cleaned_data
        given = []
        if data.get("slack_url"):
            given.append({"kind": "slack", "url": data["slack_url"]})
        if data.get("email"):
            given.append({"kind": "email", "address": data["email"]})
        if data.get("webhook_url"):
            given.append(
                {"kind": "webhook", "url": data["webhook_url"], "secret": data["webhook_secret"]}
            )
        return given or None

    def backtest_range(self) -> tuple[date | None, date | None]:
        return self.cleaned_data.get("since"), self.cleaned_data.get("until")


# Where a channel's check errors land: services.ChannelsInvalid lists them per channel.
CHANNEL_FIELDS = {
    "slack": {"url": "slack_url", "kind": "slack_url"},
    "email": {"address": "email", "kind": "email"},
    "webhook": {"url": "webhook_url", "kind": "webhook_url", "secret": "webhook_secret"},
}


def add_channel_errors(form: AgreementForm, given: list[dict], errors: list[dict]) -> None:
    """Put each channel's check errors on its field of the form."""
    for channel, messages in zip(given, errors, strict=False):
        fields = CHANNEL_FIELDS.get(channel.get("kind", ""), {})
        for key, texts in messages.items():
            for text in texts if isinstance(texts, list) else [texts]:
                form.add_error(fields.get(key), text)

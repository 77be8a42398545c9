"""The integration forms of the team pages and the admin. The providers, their settings
templates and their credential fields come from the registry (integrations.providers)."""

from __future__ import annotations

import json

from django import forms
from rest_framework import serializers

from integrations.form_fields import (
    all_settings_fields,
    config_from,
    field_name,
    messages_of,
    settings_fields,
)
from integrations.providers import registry
from integrations.providers.spec import ProviderSpec

KEEP_STORED = "Leave empty to keep the stored value."
KEPT = "Kept from your last try (not shown); leave empty to use it, or type a new one."


def credential_uses() -> dict[str, list[tuple[ProviderSpec, serializers.Field]]]:
    """Each credential name with the providers that ask for it; optional ones last."""
    uses: dict[str, list[tuple[ProviderSpec, serializers.Field]]] = {}
    for spec in registry.providers():
        for name, field in spec.credential_fields().items():
            uses.setdefault(name, []).append((spec, field))
    required_somewhere = [n for n, pairs in uses.items() if any(f.required for _, f in pairs)]
    return {name: uses[name] for name in [*required_somewhere, *uses.keys()]}


def credential_form_fields(editing: bool, explain: bool = False) -> dict[str, forms.Field]:
    """A write-only form field per credential name, labelled with the providers that ask for it.

    `explain` adds each provider's description of the field (the admin shows it)."""
    uses = credential_uses()
    count = len(registry.providers())
    fields: dict[str, forms.Field] = {}
    for name, pairs in uses.items():
        label = str(pairs[0][1].label or name)
        if 1 < len(pairs) < count:
            label += f" ({' or '.join(spec.label for spec, _ in pairs)})"
        help_text = " ".join(f"{spec.label}: {field.help_text}" for spec, field in pairs)
        kinds = " ".join(spec.kind for spec, _ in pairs)
        attrs = {"data-credential": name, "data-kinds": kinds}
        if isinstance(pairs[0][1], serializers.EmailField):
            fields[name] = forms.EmailField(
                required=False,
                label=label,
                help_text=help_text if explain else "",
                widget=forms.EmailInput(attrs=attrs),
            )
            continue
        hints = [help_text] if explain else []
        if editing:
            hints.append(KEEP_STORED)
        fields[name] = forms.CharField(
            required=False,
            label=label,
            widget=forms.PasswordInput(render_value=False, attrs=attrs),
            help_text=" ".join(hints),
        )
    return fields


def credentials_of(form: forms.BaseForm, kind: str) -> dict[str, str]:
    """What the user typed into the credential fields of `kind`'s provider."""
    spec = registry.get(kind)
    names = spec.credential_fields() if spec else {}
    return {name: form.cleaned_data[name] for name in names if form.cleaned_data.get(name)}


class IntegrationForm(forms.Form):
    """Name, provider, the provider's settings as fields (or, advanced, as JSON), credentials
    (write-only) and whether it syncs. Only the chosen provider's fields show."""

    name = forms.CharField(max_length=100, label="Name")
    kind = forms.ChoiceField(choices=registry.kind_choices, label="Provider")

    def __init__(self, *args, editing: bool = False, stored: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Settings stored before that have no field here (status and list mappings) are kept.
        self.stored = stored or {}
        self.offer_save_anyway = False
        if editing:
            self.fields["kind"].disabled = True
        self.fields.update(all_settings_fields())
        self.fields["config"] = forms.CharField(
            required=False,
            label="Settings as JSON (advanced)",
            widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
            help_text="Optional: the API's config object. When filled it is used instead of the "
            "fields above; status and list mappings are set here.",
        )
        self.fields.update(credential_form_fields(editing))
        self.fields["form_token"] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.fields["save_anyway"] = forms.BooleanField(
            required=False,
            label="Save anyway: the provider could not be reached now; the first sync tries again",
        )
        # Last, after the credentials.
        self.fields["is_active"] = forms.BooleanField(
            required=False, initial=True, label="Active (synced hourly)"
        )

    def clean_config(self) -> dict | None:
        raw = (self.cleaned_data.get("config") or "").strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("The settings must be a JSON object: {...}.")
        return value

    def settings(self, kind: str) -> dict:
        """The settings to store: the advanced JSON when given, else the provider's fields (and
        the stored settings that have no field)."""
        if self.cleaned_data.get("config") is not None:
            return self.cleaned_data["config"]
        without_field = {
            key: value for key, value in self.stored.items() if field_name(kind, key) not in self
        }
        return {**without_field, **config_from(kind, self.cleaned_data)}

    def mark_kept(self, secrets: dict) -> None:
        """Say by each credential field that what was typed is kept (never the value)."""
        for name in secrets:
            if name in self.fields:
                self.fields[name].help_text = KEPT
                self[name].help_text = KEPT  # bound fields copy it when first made

    def credentials(self, kind: str) -> dict[str, str]:
        return credentials_of(self, kind)

    def add_service_errors(self, exc: serializers.ValidationError, kind: str) -> None:
        """Show the service's per-field errors, in its words, on the fields they belong to."""
        detail = exc.detail if isinstance(exc.detail, dict) else {"__all__": exc.detail}
        # Read once: add_error drops a field from cleaned_data.
        from_json = self.cleaned_data.get("config") is not None
        for field, problems in detail.items():
            if field in ("config", "credentials") and isinstance(problems, dict):
                for key, nested in problems.items():
                    self._add_setting_error(field, kind, str(key), nested, from_json)
            else:
                target = field if field in self.fields else None
                self.add_error(target, " ".join(messages_of(problems)))

    def _add_setting_error(self, group: str, kind: str, key: str, problems, from_json: bool):
        if group == "credentials":
            target = key if key in self.fields else None
        elif not from_json and field_name(kind, key) in self.fields:
            target = field_name(kind, key)
        else:
            target = "config"
        lines = messages_of(problems)
        if target in (None, "config") and key != "non_field_errors":
            lines = [f"{key}: {line}" for line in lines]
        for line in lines:
            self.add_error(target, line)


def provider_guide() -> list[dict]:
    """Per provider, what the form's help shows: its settings template and the credentials it
    needs."""
    return [
        {
            "kind": spec.kind,
            "label": spec.label,
            "example": json.dumps(spec.config_example, indent=2),
            "example_data": spec.config_example,
            "needs": [str(f.label or n) for n, f in spec.credential_fields().items() if f.required],
        }
        for spec in registry.providers()
    ]


def field_kinds() -> dict[str, str]:
    """Credential field name -> the kinds that use it, space-separated (the page script reads
    it)."""
    kinds = {
        name: " ".join(spec.kind for spec, _ in pairs) for name, pairs in credential_uses().items()
    }
    for spec in registry.providers():
        kinds.update(dict.fromkeys(settings_fields(spec), spec.kind))
    return kinds

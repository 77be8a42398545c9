"""The integration forms of the team pages and the admin. The providers, their settings
templates and their credential fields come from the registry (integrations.providers)."""

from __future__ import annotations

import json

from django import forms
from rest_framework import serializers

from integrations.providers import registry
from integrations.providers.spec import ProviderSpec

KEEP_STORED = "Leave empty to keep the stored value."


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
        if isinstance(pairs[0][1], serializers.EmailField):
            fields[name] = forms.EmailField(
                required=False, label=label, help_text=help_text if explain else ""
            )
            continue
        hints = [help_text] if explain else []
        if editing:
            hints.append(KEEP_STORED)
        fields[name] = forms.CharField(
            required=False,
            label=label,
            widget=forms.PasswordInput(render_value=False),
            help_text=" ".join(hints),
        )
    return fields


def credentials_of(form: forms.BaseForm, kind: str) -> dict[str, str]:
    """What the user typed into the credential fields of `kind`'s provider."""
    spec = registry.get(kind)
    names = spec.credential_fields() if spec else {}
    return {name: form.cleaned_data[name] for name in names if form.cleaned_data.get(name)}


class IntegrationForm(forms.Form):
    """Name, kind, settings (JSON, as in the API) and credentials (write-only)."""

    name = forms.CharField(max_length=100, label="Name")
    kind = forms.ChoiceField(choices=registry.kind_choices, label="Provider")
    config = forms.CharField(
        label="Settings (JSON)",
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text="The same keys as the API: see the examples below.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["kind"].disabled = True
        self.fields.update(credential_form_fields(editing))
        # Last, after the credentials.
        self.fields["is_active"] = forms.BooleanField(
            required=False, initial=True, label="Active (synced hourly)"
        )

    def clean_config(self) -> dict:
        try:
            value = json.loads(self.cleaned_data["config"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("The settings must be a JSON object: {...}.")
        return value

    def credentials(self, kind: str) -> dict[str, str]:
        return credentials_of(self, kind)

    def add_service_errors(self, exc: serializers.ValidationError) -> None:
        """Show the service's per-field errors on the fields they belong to."""
        detail = exc.detail if isinstance(exc.detail, dict) else {"__all__": exc.detail}
        for field, problems in detail.items():
            if field == "config" and isinstance(problems, dict):
                for key, messages_ in problems.items():
                    self.add_error("config", f"{key}: {' '.join(map(str, messages_))}")
            elif field == "credentials" and isinstance(problems, dict):
                for key, messages_ in problems.items():
                    target = key if key in self.fields else None
                    self.add_error(target, f"{key}: {' '.join(map(str, messages_))}")
            else:
                target = field if field in self.fields else None
                flat = problems if isinstance(problems, list) else [problems]
                self.add_error(target, " ".join(map(str, flat)))


def provider_guide() -> list[dict]:
    """Per provider, what the form's help shows: its settings template and the credentials it
    needs."""
    return [
        {
            "kind": spec.kind,
            "label": spec.label,
            "example": json.dumps(spec.config_example, indent=2),
            "needs": [str(f.label or n) for n, f in spec.credential_fields().items() if f.required],
        }
        for spec in registry.providers()
    ]


def field_kinds() -> dict[str, str]:
    """Credential field name -> the kinds that use it, space-separated (the page script reads
    it)."""
    return {
        name: " ".join(spec.kind for spec, _ in pairs) for name, pairs in credential_uses().items()
    }

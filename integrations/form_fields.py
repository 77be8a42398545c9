"""Form fields built from a provider's config schema (its serializer in the registry): the page
form shows real fields per provider, named `<kind>__<setting>`, and each error sits by its field.
Mappings (status or list names to categories) stay in the advanced JSON settings."""

from __future__ import annotations

from typing import Any

from django import forms
from rest_framework import serializers
from rest_framework.fields import empty

from integrations.providers import registry
from integrations.providers.spec import ProviderSpec

SEPARATOR = "__"


def field_name(kind: str, key: str) -> str:
    return f"{kind}{SEPARATOR}{key}"


def _default(field: serializers.Field) -> Any:
    default = field.default
    if default is empty:
        return None
    return default() if callable(default) else default


def _form_field(key: str, field: serializers.Field) -> forms.Field:
    """A form field standing for one setting; the serializer still decides what is valid."""
    label = key.replace("_", " ").capitalize()
    help_text = str(field.help_text or "")
    default = _default(field)
    if isinstance(field, serializers.ListField):
        return forms.CharField(
            required=False,
            label=label,
            help_text=f"One per line. {help_text}",
            initial="\n".join(str(value) for value in default or []),
            widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        )
    if isinstance(field, serializers.ChoiceField):
        return forms.ChoiceField(
            required=False,
            label=label,
            help_text=help_text,
            initial=default,
            choices=list(field.choices.items()),
        )
    if isinstance(field, serializers.IntegerField):
        return forms.IntegerField(required=False, label=label, help_text=help_text)
    return forms.CharField(required=False, label=label, help_text=help_text, initial=default)


def settings_fields(spec: ProviderSpec) -> dict[str, forms.Field]:
    """The form fields of one provider's settings (mappings aside), marked with its kind."""
    fields = {}
    for key, field in spec.config_serializer().fields.items():
        if isinstance(field, serializers.DictField):
            continue
        form_field = _form_field(key, field)
        form_field.widget.attrs.update({"data-kind": spec.kind, "data-config-key": key})
        example = spec.config_example.get(key)
        if example is not None and not isinstance(example, dict):
            lines = example if isinstance(example, list) else [example]
            form_field.widget.attrs["placeholder"] = "\n".join(str(line) for line in lines)
        fields[field_name(spec.kind, key)] = form_field
    return fields


def all_settings_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for spec in registry.providers():
        fields.update(settings_fields(spec))
    return fields


def config_from(kind: str, cleaned_data: dict) -> dict:
    """The settings typed into `kind`'s fields, as the API takes them (empty ones left out)."""
    spec = registry.get(kind)
    if spec is None:
        return {}
    config: dict[str, Any] = {}
    for key, field in spec.config_serializer().fields.items():
        raw = cleaned_data.get(field_name(kind, key))
        if raw in (None, ""):
            continue
        if isinstance(field, serializers.ListField):
            raw = [line.strip() for line in str(raw).splitlines() if line.strip()]
        config[key] = raw
    return config


def initial_from(kind: str, config: dict) -> dict[str, Any]:
    """Initial values of `kind`'s fields for a stored config (editing)."""
    initial: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, list):
            value = "\n".join(str(item) for item in value)
        elif isinstance(value, dict):
            continue
        initial[field_name(kind, key)] = value
    return initial


def messages_of(problems: Any) -> list[str]:
    """Per-field errors as lines, list items numbered as the user typed them (line 1, 2...)."""
    if isinstance(problems, dict):
        lines: list[str] = []
        for index, nested in problems.items():
            prefix = f"Line {int(index) + 1}: " if str(index).isdigit() else f"{index}: "
            lines.extend(prefix + line for line in messages_of(nested))
        return lines
    if isinstance(problems, list):
        return [line for item in problems for line in messages_of(item)]
    return [str(problems)]

"""What a delivery says, in the shape of its channel: a Slack Block Kit message, a plain-text
email (subject and body) or the JSON body of a webhook. Alerts, reminders and resolved notices
come from an Alert; the weekly digest from agreements.digest. No secret goes into a message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from agreements.models import Alert, Channel, Delivery

MAX_ITEMS = 10
HEADLINES: dict[str, str] = {
    Delivery.Kind.ALERT: "Agreement broken",
    Delivery.Kind.REMINDER: "Still broken",
    Delivery.Kind.RESOLVED: "Agreement holds again",
}
EVENTS: dict[str, str] = {
    Delivery.Kind.ALERT: "alert.opened",
    Delivery.Kind.REMINDER: "alert.reminder",
    Delivery.Kind.RESOLVED: "alert.resolved",
    Delivery.Kind.DIGEST: "digest.weekly",
}
OPERATOR_WORDS = {"<=": "at most", ">=": "at least"}


def alerts_page_url(team_slug: str) -> str:
    """The team's alerts page, from the public address AgileTrack is opened at."""
    return f"{settings.AGILETRACK_PUBLIC_URL}/teams/{team_slug}/alerts/"


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def alert_facts(alert: Alert, kind: str) -> dict[str, Any]:
    """The values every shape of an alert message is made of."""
    agreement = alert.agreement
    team = agreement.team
    items = list((alert.details or {}).get("items", []))
    rule = (
        f"{agreement.metric.replace('_', ' ')} {OPERATOR_WORDS.get(agreement.operator, '')} "
        f"{_number(agreement.threshold)}"
    )
    return {
        "headline": f"{HEADLINES[kind]}: {agreement.name}",
        "rule": rule,
        "team": team,
        "agreement": agreement,
        "items": items,
        "link": alerts_page_url(team.slug),
    }


def _item_line(item: dict) -> str:
    label = str(item.get("label", item.get("id", "")))[:150]
    value = f" ({_number(item.get('value'))})" if item.get("value") is not None else ""
    return f"{label}{value}"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def alert_slack(alert: Alert, kind: str) -> dict:
    """Block Kit: a header, the rule and the value, up to ten items as links, the alerts page."""
    facts = alert_facts(alert, kind)
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": facts["headline"][:150]}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Agreement*\n{_slack_escape(facts['rule'])}"},
                {"type": "mrkdwn", "text": f"*Value*\n{_number(alert.value)}"},
            ],
        },
    ]
    items = facts["items"][:MAX_ITEMS]
    if items and kind != Delivery.Kind.RESOLVED:
        lines = [
            f"• <{item['url']}|{_slack_escape(_item_line(item))}>"
            if item.get("url")
            else f"• {_slack_escape(_item_line(item))}"
            for item in items
        ]
        more = len(facts["items"]) - len(items)
        if more > 0:
            lines.append(f"…and {more} more")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"<{facts['link']}|Alerts of {facts['team'].name}>"}
            ],
        }
    )
    return {"text": f"{facts['headline']} ({facts['rule']})", "blocks": blocks}


def alert_email(alert: Alert, kind: str) -> dict:
    """Subject and plain-text body."""
    facts = alert_facts(alert, kind)
    lines = [
        facts["headline"],
        "",
        f"Team: {facts['team'].name}",
        f"Agreement: {facts['rule']}",
        f"Value: {_number(alert.value)}",
    ]
    items = facts["items"][:MAX_ITEMS]
    if items and kind != Delivery.Kind.RESOLVED:
        lines += ["", "Items that broke it:"]
        lines += [f"- {_item_line(item)} {item.get('url', '')}".rstrip() for item in items]
        if len(facts["items"]) > len(items):
            lines.append(f"…and {len(facts['items']) - len(items)} more")
    lines += ["", f"Alerts: {facts['link']}"]
    subject = f"[AgileTrack] {facts['team'].name}: {facts['headline']}"
    return {"subject": subject[:200], "body": "\n".join(lines) + "\n"}


def alert_webhook(alert: Alert, kind: str) -> dict:
    """The signed JSON body: event, alert (id, agreement, status, opened_at, value, items), team."""
    agreement, team = alert.agreement, alert.agreement.team
    return {
        "event": EVENTS[kind],
        "alert": {
            "id": alert.pk,
            "agreement": {
                "id": agreement.pk,
                "name": agreement.name,
                "metric": agreement.metric,
                "operator": agreement.operator,
                "threshold": agreement.threshold,
            },
            "status": alert.status,
            "opened_at": alert.opened_at.isoformat(),
            "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
            "value": alert.value,
            "items": list((alert.details or {}).get("items", [])),
            "url": alerts_page_url(team.slug),
        },
        "team": {"id": team.pk, "slug": team.slug, "name": team.name},
    }


def alert_payload(alert: Alert, kind: str, channel: Channel) -> dict:
    """The message of an alert, reminder or resolved notice in the shape of the channel."""
    if channel.kind == Channel.Kind.SLACK:
        return alert_slack(alert, kind)
    if channel.kind == Channel.Kind.EMAIL:
        return alert_email(alert, kind)
    return alert_webhook(alert, kind)


# --- The weekly digest ---------------------------------------------------------------------


def _trend(row: dict) -> str:
    arrow = {"up": "↑", "down": "↓", "same": "→"}[row["trend"]]
    if row["previous"] is None:
        return ""
    return f" {arrow} from {_number(row['previous'])}"


def digest_lines(digest: dict) -> list[str]:
    """The digest as lines of text, shared by the email and the Slack message."""
    lines = ["DORA this week (trend vs the week before):"]
    lines += [
        f"- {row['label']}: {_number(row['value'])} {row['unit']}{_trend(row)}"
        for row in digest["dora"]
    ]
    kept = [row["name"] for row in digest["agreements"] if row["kept"]]
    broken = [
        f"{row['name']} ({row['alerts_opened']} alert{'s' if row['alerts_opened'] != 1 else ''})"
        for row in digest["agreements"]
        if not row["kept"]
    ]
    lines += ["", f"Agreements kept: {', '.join(kept) or 'none'}"]
    lines.append(f"Agreements broken: {', '.join(broken) or 'none'}")
    for key, title in (
        ("oldest_open_pull_requests", "Oldest open pull requests"),
        ("oldest_in_progress_items", "Oldest items in progress"),
    ):
        lines += ["", f"{title}:"]
        rows = digest[key] or [{"label": "none", "url": "", "age_days": None}]
        lines += [
            f"- {row['label']}"
            + (f" ({_number(row['age_days'])} days)" if row["age_days"] is not None else "")
            + (f" {row['url']}" if row["url"] else "")
            for row in rows
        ]
    return lines


def digest_title(digest: dict) -> str:
    week = digest["week"]
    return f"Weekly digest of {digest['team']['name']}: {week['since']} to {week['until']}"


def digest_payload(digest: dict, channel: Channel) -> dict:
    """The weekly digest in the shape of the channel."""
    title = digest_title(digest)
    link = f"{settings.AGILETRACK_PUBLIC_URL}/teams/{digest['team']['slug']}/"
    if channel.kind == Channel.Kind.EMAIL:
        body = "\n".join([title, "", *digest_lines(digest), "", f"Team page: {link}"]) + "\n"
        return {"subject": f"[AgileTrack] {title}"[:200], "body": body}
    if channel.kind == Channel.Kind.SLACK:
        text = _slack_escape("\n".join(digest_lines(digest)))
        return {
            "text": title,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
                {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}},
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": f"<{link}|Team page>"}],
                },
            ],
        }
    return {"event": EVENTS[Delivery.Kind.DIGEST], "digest": digest, "team": digest["team"]}

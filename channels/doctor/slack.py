"""Slack tokens: present where needed, of the right kind, and accepted by Slack (`auth.test`
against the configured Web API base URL, `OPSGRAPH_SLACK_API_URL`), with the scopes opsgraph
uses (Slack names a token's scopes in the `x-oauth-scopes` header of every answer)."""

from __future__ import annotations

from opsgraph.channels.doctor.model import Doctor, Result, fail, ok, warn

PREFIXES = {"bot_token": ("xoxb-", "SLACK_BOT_TOKEN"), "app_token": ("xapp-", "SLACK_APP_TOKEN")}
# Scopes whose absence breaks something quietly (channels/slack/manifest.yaml declares them all):
# posting, and finding an incident post or answer made just before a failover (channels/slack/post_lookup.py).
REQUIRED_SCOPES = ("chat:write", "channels:history", "groups:history")


def check_slack(doctor: Doctor) -> list[Result]:
    from opsgraph.channels.slack.settings import SlackSettings

    slack = SlackSettings()
    bot, app, secret = slack.secret("bot_token"), slack.secret("app_token"), slack.secret("signing_secret")
    if not (bot or app or secret):
        return [ok("slack", "not configured (no SLACK_BOT_TOKEN): Slack is off")]
    for field, value in (("bot_token", bot), ("app_token", app)):
        prefix, variable = PREFIXES[field]
        if value and not value.startswith(prefix):
            return [
                fail("slack", f"{variable} does not start with {prefix}", f"set {variable} to the {prefix}... token")
            ]
    if not bot:
        return [fail("slack", "an app or signing secret is set but no bot token", "set SLACK_BOT_TOKEN (xoxb-...)")]
    modes = []
    if app:
        modes.append("Socket Mode")
    if secret:
        modes.append("HTTP")
    answer = _auth_test(slack.api_url, bot, doctor.timeout_s)
    if isinstance(answer, Result):
        return [answer]
    head = f"bot {answer.get('user', '?')} in {answer.get('team', '?')} ({' and '.join(modes) or 'no transport'})"
    if not modes:
        return [warn("slack", f"{head}: no SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP)",
                     "set one of them")]  # fmt: skip
    granted = answer.get("scopes")
    missing = [s for s in REQUIRED_SCOPES if granted is not None and s not in granted.split(",")]
    if missing:
        return [warn("slack", f"{head}: the bot token lacks {', '.join(missing)}",
                     "add them to the app's bot scopes (channels/slack/manifest.yaml) and reinstall it")]  # fmt: skip
    return [ok("slack", head)]


def _auth_test(api_url: str, token: str, timeout_s: float) -> dict[str, str] | Result:
    import httpx

    url = api_url + "auth.test"
    try:
        response = httpx.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout_s)
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return warn("slack", f"tokens look right, but {url} did not answer ({type(exc).__name__})",
                    "check the network to Slack or OPSGRAPH_SLACK_API_URL")  # fmt: skip
    if not body.get("ok"):
        error = body.get("error", f"HTTP {response.status_code}")
        return fail("slack", f"Slack refused the bot token: {error}", "reinstall the app and copy its bot token")
    scopes = response.headers.get("x-oauth-scopes")
    return {**body, **({"scopes": scopes.replace(" ", "")} if scopes is not None else {})}

"""Alerts to Slack (incoming webhook), Telegram (bot API) and e-mail (SMTP), by severity.

`AlertRouter` sends each alert to the channels its severity routes to, drops a repeat of
the same alert inside the dedup window, and caps each channel at N alerts per hour
(critical alerts are never rate-limited, only deduplicated). A failing channel is reported
in the outcome and does not stop the others. Webhook URLs and bot tokens are secrets: no
error message or log line carries them.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

from alpha_arena.config.sections import SEVERITIES
from alpha_arena.errors import ApiError, ValidationError

if TYPE_CHECKING:
    import httpx

    from alpha_arena.config import Config

log = logging.getLogger("alpha_arena.alerts")
TELEGRAM_API = "https://api.telegram.org"


@dataclass(frozen=True)
class Alert:
    """One alert; `key` identifies repeats (default: severity and title)."""

    severity: str
    title: str
    message: str = ""
    key: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValidationError("severity", " or ".join(SEVERITIES), self.severity)
        if not self.title.strip():
            raise ValidationError("title", "a non-empty alert title", self.title)

    @property
    def dedup_key(self) -> str:
        """What makes two alerts the same alert."""
        return self.key or f"{self.severity}:{self.title}"

    def text(self) -> str:
        """The one-message form every channel sends."""
        head = f"[alpha-arena {self.severity.upper()}] {self.title}"
        return f"{head}\n{self.message}" if self.message else head


class Channel(Protocol):
    """Something that delivers an alert or raises."""

    def send(self, alert: Alert) -> None:
        """Deliver `alert`; raise AlphaArenaError on failure."""


def _post(client: httpx.Client, url: str, payload: dict[str, object], name: str) -> None:
    import httpx

    try:
        response = client.post(url, json=payload)
    except httpx.HTTPError as exc:
        raise ApiError(name, f"request failed ({type(exc).__name__})") from None
    if response.status_code >= 300:
        raise ApiError(name, "delivery refused", response.status_code)


class SlackChannel:
    """A Slack incoming webhook (`SLACK_WEBHOOK`)."""

    def __init__(self, webhook: str, client: httpx.Client) -> None:
        self._webhook = webhook
        self._client = client

    def send(self, alert: Alert) -> None:
        """POST `{"text": ...}` to the webhook."""
        _post(self._client, self._webhook, {"text": alert.text()}, "slack")


class TelegramChannel:
    """A Telegram bot (`TELEGRAM_BOT_TOKEN`) writing to one chat (`TELEGRAM_CHAT_ID`)."""

    def __init__(self, token: str, chat_id: str, client: httpx.Client, api: str = TELEGRAM_API):
        self._url = f"{api.rstrip('/')}/bot{token}/sendMessage"
        self._chat_id = chat_id
        self._client = client

    def send(self, alert: Alert) -> None:
        """Call the bot API's sendMessage."""
        payload = {"chat_id": self._chat_id, "text": alert.text(), "disable_web_page_preview": True}
        _post(self._client, self._url, payload, "telegram")


class EmailChannel:
    """SMTP e-mail (`SMTP_HOST`, `SMTP_PORT`, `SMTP_USER`/`SMTP_PASSWORD`, `SMTP_FROM`/`_TO`)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: list[str],
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender, self.recipients = host, port, sender, recipients
        self._user, self._password, self._starttls = user, password, starttls
        self._timeout = timeout

    def send(self, alert: Alert) -> None:
        """Send one plain-text message."""
        import smtplib

        message = EmailMessage()
        message["Subject"] = f"[alpha-arena {alert.severity}] {alert.title}"
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(alert.text())
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls()
                if self._user and self._password:
                    smtp.login(self._user, self._password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise ApiError("email", f"SMTP delivery failed ({type(exc).__name__})") from None


class LogChannel:
    """The process log (journald under systemd): always available."""

    def send(self, alert: Alert) -> None:
        """Log at WARNING for info/warning, ERROR for critical."""
        level = logging.ERROR if alert.severity == "critical" else logging.WARNING
        log.log(level, "%s", alert.text().replace("\n", " | "))


class AlertRouter:
    """Routes alerts by severity, deduplicates and rate-limits (see the module docstring)."""

    def __init__(
        self,
        channels: Mapping[str, Channel],
        routes: Mapping[str, tuple[str, ...]],
        *,
        rate_limit_per_hour: int = 30,
        dedup_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channels = dict(channels)
        self.routes = dict(routes)
        self.rate_limit_per_hour = rate_limit_per_hour
        self.dedup_seconds = dedup_seconds
        self._clock = clock
        self._last_seen: dict[str, float] = {}
        self._sent: dict[str, deque[float]] = {name: deque() for name in self.channels}

    def send(self, alert: Alert) -> dict[str, str]:
        """Deliver `alert`; returns channel -> `sent`, `rate-limited`, `not configured` or
        `failed: ...`, or `{"*": "duplicate"}` inside the dedup window."""
        now = self._clock()
        last = self._last_seen.get(alert.dedup_key)
        if last is not None and now - last < self.dedup_seconds:
            return {"*": "duplicate"}
        self._last_seen[alert.dedup_key] = now
        outcome: dict[str, str] = {}
        for name in self.routes.get(alert.severity, ()):
            channel = self.channels.get(name)
            if channel is None:
                outcome[name] = "not configured"
                continue
            sent = self._sent[name]
            while sent and now - sent[0] >= 3600:
                sent.popleft()
            if alert.severity != "critical" and len(sent) >= self.rate_limit_per_hour:
                outcome[name] = "rate-limited"
                continue
            try:
                channel.send(alert)
            except Exception as exc:  # one broken channel must not silence the others
                outcome[name] = f"failed: {exc}"
                log.error("alert channel %s failed: %s", name, exc)
                continue
            sent.append(now)
            outcome[name] = "sent"
        return outcome

    @classmethod
    def from_config(
        cls,
        cfg: Config,
        client: httpx.Client | None = None,
        *,
        telegram_api: str = TELEGRAM_API,
        clock: Callable[[], float] = time.monotonic,
    ) -> AlertRouter:
        """Channels for every secret that is set; routes and limits from `alerts:`.

        Installs the log mask for the config's secrets first: httpx logs request URLs."""
        import httpx

        from alpha_arena.ops.logmask import mask_secrets_in_logs

        s = cfg.secrets
        mask_secrets_in_logs(s.values())
        http = client or httpx.Client(timeout=5.0)
        channels: dict[str, Channel] = {"log": LogChannel()}
        if webhook := s.get("SLACK_WEBHOOK"):
            channels["slack"] = SlackChannel(webhook, http)
        token, chat = s.get("TELEGRAM_BOT_TOKEN"), s.get("TELEGRAM_CHAT_ID")
        if token and chat:
            channels["telegram"] = TelegramChannel(token, chat, http, telegram_api)
        host, sender, to = s.get("SMTP_HOST"), s.get("SMTP_FROM"), s.get("SMTP_TO")
        if host and sender and to:
            channels["email"] = EmailChannel(
                host,
                int(s.get("SMTP_PORT") or 25),
                sender,
                [a.strip() for a in to.split(",")],
                user=s.get("SMTP_USER"),
                password=s.get("SMTP_PASSWORD"),
                starttls=(s.get("SMTP_STARTTLS") or "").lower() == "true",
            )
        a = cfg.alerts
        return cls(
            channels,
            a.routes,
            rate_limit_per_hour=a.rate_limit_per_hour,
            dedup_seconds=a.dedup_seconds,
            clock=clock,
        )

"""The [push] table and `push_endpoint_hosts`: where pushes may go and how they are signed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The browsers' public push services (Chrome/Edge via FCM, Firefox, Safari, legacy Edge).
# A leading dot allows any subdomain.
DEFAULT_ENDPOINT_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "web.push.apple.com",
    ".notify.windows.com",
)


class PushSettingError(ValueError):
    """A push setting is malformed; the message names it."""


@dataclass(frozen=True)
class PushSettings:
    endpoint_hosts: tuple[str, ...] = DEFAULT_ENDPOINT_HOSTS
    # PEM file of the VAPID private key (P-256); unset: generated once into instance/.
    vapid_private_key_file: str = ""
    # The contact the push services see (RFC 8292 "sub"): mailto: or https:.
    subject: str = "mailto:physnet-admin@localhost"
    workers: int = 4  # concurrent sends per process
    ttl_seconds: int = 24 * 3600  # how long a push service keeps an undelivered push


def parse_endpoint_hosts(value: Any) -> tuple[str, ...]:
    """A TOML list or a comma-separated string of host names (".example.org": subdomains)."""
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
    elif isinstance(value, list | tuple):
        items = [str(part).strip() for part in value]
    else:
        raise PushSettingError(
            f"Setting push_endpoint_hosts must be a list of host names, not {value!r}."
        )
    hosts = tuple(item.lower() for item in items if item)
    for host in hosts:
        if "/" in host or " " in host or "@" in host:
            raise PushSettingError(
                f"Setting push_endpoint_hosts: {host!r} is not a host name (no scheme or path)."
            )
    return hosts


def parse_push_settings(raw: Any, endpoint_hosts: Any = None) -> PushSettings:
    """Check the [push] table; raises PushSettingError naming the bad key."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise PushSettingError("Setting [push] must be a table.")
    allowed = {"vapid_private_key_file", "subject", "workers", "ttl_seconds"}
    unknown = set(raw) - allowed
    if unknown:
        raise PushSettingError(f"Unknown setting {sorted(unknown)[0]!r} in [push].")
    subject = str(raw.get("subject", PushSettings.subject))
    if not subject.startswith(("mailto:", "https:")):
        raise PushSettingError("Setting [push] subject must start with mailto: or https:.")
    numbers: dict[str, Any] = {}
    for key, kind in (("workers", int), ("ttl_seconds", int)):
        if key in raw:
            try:
                numbers[key] = kind(raw[key])
            except (TypeError, ValueError):
                raise PushSettingError(f"Setting [push] {key} must be a number.") from None
            if numbers[key] < 1:
                raise PushSettingError(f"Setting [push] {key} is out of range.")
    hosts = (
        DEFAULT_ENDPOINT_HOSTS if endpoint_hosts is None else parse_endpoint_hosts(endpoint_hosts)
    )
    return PushSettings(
        endpoint_hosts=hosts,
        vapid_private_key_file=str(raw.get("vapid_private_key_file", "")),
        subject=subject,
        **numbers,
    )


@dataclass(frozen=True)
class MailSettings:
    """[mail]: the site's SMTP relay, for the content-free e-mail fallback."""

    host: str = ""  # unset: no e-mail fallback
    port: int = 25
    sender: str = "physnet@localhost"
    starttls: bool = False
    # Minutes a mention must stay unread before it is mailed (to people with no push device).
    delay_minutes: float = 30.0
    public_url: str = ""  # the link in the mail (falls back to the setting public_url)


def parse_mail_settings(raw: Any) -> MailSettings:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise PushSettingError("Setting [mail] must be a table.")
    unknown = set(raw) - {"host", "port", "sender", "starttls", "delay_minutes", "public_url"}
    if unknown:
        raise PushSettingError(f"Unknown setting {sorted(unknown)[0]!r} in [mail].")
    try:
        port = int(raw.get("port", 25))
        delay = float(raw.get("delay_minutes", 30.0))
    except (TypeError, ValueError):
        raise PushSettingError("Settings [mail] port and delay_minutes must be numbers.") from None
    if not 0 < port < 65536 or delay < 0:
        raise PushSettingError("Setting [mail] port or delay_minutes is out of range.")
    return MailSettings(
        host=str(raw.get("host", "")),
        port=port,
        sender=str(raw.get("sender", MailSettings.sender)),
        starttls=bool(raw.get("starttls", False)),
        delay_minutes=delay,
        public_url=str(raw.get("public_url", "")).rstrip("/"),
    )

"""The `[ldap]` settings, checked once: every mistake is a ConfigError naming the setting."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ldap.dn
from flask import Flask, current_app

from physnet.config import ConfigError
from physnet.models import CHANNEL_NAME_PATTERN

# PhysNet profile field -> (default OpenLDAP attribute, longest value kept)
PROFILE_FIELDS: dict[str, tuple[str, int]] = {
    "display_name": ("displayName", 200),
    "email": ("mail", 254),
    "title": ("title", 200),
    "department": ("departmentNumber", 200),
    "specialty": ("businessCategory", 200),
    "facility": ("physicalDeliveryOfficeName", 200),
    "phone": ("telephoneNumber", 64),
    "photo": ("jpegPhoto", 0),
}
_ATTRIBUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$")
_CHANNEL = re.compile(CHANNEL_NAME_PATTERN)
_TOP_KEYS = {
    "uri",
    "bind_dn",
    "bind_password",
    "bind_password_file",
    "user_base",
    "user_filter",
    "login_attr",
    "id_attr",
    "disabled_filter",
    "start_tls",
    "ca_file",
    "page_size",
    "timeout_s",
    "attributes",
    "groups",
    "channels",
    "sync",
    "sso",
    "lockout",
}
_GROUP_KEYS = {"base", "member_attr", "member_of_attr", "admins", "moderators"}
_SSO_KEYS = {"enabled", "header", "trusted_proxies", "strip_realm"}


@dataclass(frozen=True)
class SSOSettings:
    """Trust a user name in a header set by a single-sign-on proxy (off unless enabled)."""

    enabled: bool = False
    header: str = "X-Remote-User"
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    strip_realm: bool = True

    def trusts(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return self.enabled and any(ip in network for network in self.trusted_proxies)


@dataclass(frozen=True)
class DirectorySettings:
    uri: str
    bind_dn: str
    bind_password: str
    user_base: str
    user_filter: str = "(objectClass=inetOrgPerson)"
    login_attr: str = "uid"
    id_attr: str = "entryUUID"
    disabled_filter: str = ""
    start_tls: bool = False
    ca_file: str = ""
    page_size: int = 500
    timeout_s: float = 5.0
    # profile field -> directory attribute; unmapped fields are left alone
    attributes: dict[str, str] = field(default_factory=dict)
    group_base: str = ""
    member_attr: str = "member"
    member_of_attr: str = ""  # "memberOf": read groups from the person's entry (AD)
    admin_groups: tuple[str, ...] = ()  # normalized DNs
    moderator_groups: tuple[str, ...] = ()
    channels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # normalized DN -> names
    max_deactivate_fraction: float = 0.10
    sso: SSOSettings = field(default_factory=SSOSettings)
    # The directory's own account lockout: this many failed binds within the window lock an
    # account. PhysNet stops one failure short (physnet/directory/lockout.py); 0: no lockout.
    lockout_threshold: int = 5
    lockout_window_s: float = 15 * 60.0

    @property
    def manages_roles(self) -> bool:
        """Roles follow groups only when at least one role group is configured."""
        return bool(self.admin_groups or self.moderator_groups)

    @property
    def mapped_groups(self) -> set[str]:
        return set(self.admin_groups) | set(self.moderator_groups) | set(self.channels)


# A DN with nothing to unescape or re-space: normalizing it only lowercases it. Most DNs are
# like this, and parsing 50,000 of them costs a sync more than reading them.
_PLAIN_RDN = r"[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._@-]+(?: [A-Za-z0-9._@-]+)*"
_PLAIN_DN = re.compile(rf"{_PLAIN_RDN}(?:,{_PLAIN_RDN})*")


def normalize_dn(dn: str) -> str:
    """One spelling per DN, so `CN=Smith\\, John,OU=x` equals `cn=smith\\2c john,ou=x`."""
    if _PLAIN_DN.fullmatch(dn):
        return dn.lower()
    try:
        rdns = ldap.dn.str2dn(dn.strip())
    except ldap.DECODING_ERROR:
        return dn.strip().lower()
    return str(ldap.dn.dn2str([[(t.lower(), v.lower(), f) for t, v, f in rdn] for rdn in rdns]))


def _str(raw: dict[str, Any], key: str, default: str = "", *, name: str = "") -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"Setting {name or 'ldap.' + key} must be a string, not {value!r}.")
    return value.strip()


def _dn(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or not ldap.dn.is_dn(value.strip()):
        raise ConfigError(f"Setting {name} must be a distinguished name, not {value!r}.")
    return value.strip()


def _filter(value: str, name: str) -> str:
    depth = 0
    for char in value:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if not (value.startswith("(") and value.endswith(")")) or depth != 0:
        raise ConfigError(
            f"Setting {name} must be an LDAP filter in balanced parentheses, like "
            f'"(objectClass=inetOrgPerson)", not {value!r}.'
        )
    return value


def _attr(value: str, name: str) -> str:
    if not _ATTRIBUTE.match(value):
        raise ConfigError(f"Setting {name} must be an attribute name, not {value!r}.")
    return value


def _number(raw: dict[str, Any], key: str, default: float, name: str) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"Setting {name} must be a number greater than zero, not {value!r}.")
    return float(value)


def _table(raw: dict[str, Any], key: str, allowed: set[str] | None) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"Setting [ldap.{key}] must be a table.")
    unknown = sorted(set(value) - allowed) if allowed is not None else []
    if unknown:
        raise ConfigError(f"Unknown setting ldap.{key}.{unknown[0]}.")
    return value


def _dn_list(raw: dict[str, Any], key: str, name: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"Setting {name} must be a list of group DNs.")
    return tuple(normalize_dn(_dn(item, name)) for item in value)


def _password(raw: dict[str, Any]) -> str:
    path = _str(raw, "bind_password_file")
    if path:
        try:
            return Path(path).read_text().rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(
                f"Setting ldap.bind_password_file names {path}, which cannot be read: "
                f"{exc.strerror}."
            ) from None
    return str(raw.get("bind_password", "") or "")


def _sso(raw: dict[str, Any]) -> SSOSettings:
    table = _table(raw, "sso", _SSO_KEYS)
    enabled = table.get("enabled", False)
    strip_realm = table.get("strip_realm", True)
    if not isinstance(enabled, bool) or not isinstance(strip_realm, bool):
        raise ConfigError("Settings ldap.sso.enabled and ldap.sso.strip_realm are true or false.")
    proxies = table.get("trusted_proxies", [])
    if not isinstance(proxies, list):
        raise ConfigError("Setting ldap.sso.trusted_proxies must be a list of addresses.")
    networks = []
    for item in proxies:
        try:
            networks.append(ipaddress.ip_network(str(item), strict=False))
        except ValueError:
            raise ConfigError(
                f"Setting ldap.sso.trusted_proxies has {item!r}, which is not an address "
                "or network like 10.0.0.5 or 10.0.0.0/24."
            ) from None
    if enabled and not networks:
        raise ConfigError(
            "Setting ldap.sso.enabled needs ldap.sso.trusted_proxies: the addresses of the "
            "proxies allowed to name the user."
        )
    header = _str(table, "header", "X-Remote-User", name="ldap.sso.header")
    return SSOSettings(enabled, header, tuple(networks), strip_realm)


def _lockout(raw: dict[str, Any]) -> tuple[int, float]:
    table = _table(raw, "lockout", {"threshold", "window_minutes"})
    threshold = table.get("threshold", 5)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int)
        or threshold < 0
        or threshold == 1
    ):
        raise ConfigError(
            "Setting ldap.lockout.threshold is the directory's account lockout threshold: a "
            f"whole number, 2 or more (0: it never locks accounts), not {threshold!r}."
        )
    minutes = _number(table, "window_minutes", 15, "ldap.lockout.window_minutes")
    return threshold, minutes * 60


def parse_directory_settings(raw: dict[str, Any]) -> DirectorySettings | None:
    """Check the `[ldap]` table; None when no directory is configured (no `uri`).

    Raises ConfigError with a sentence naming the first bad setting.
    """
    if not raw or not raw.get("uri"):
        if raw and any(k not in ("attributes", "groups", "channels", "sync") for k in raw):
            raise ConfigError("Setting ldap.uri is missing: PhysNet needs the directory's URI.")
        return None
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"Unknown setting ldap.{unknown[0]}.")
    uri = _str(raw, "uri")
    if not all(part.startswith(("ldap://", "ldaps://")) for part in uri.split()):
        raise ConfigError(f"Setting ldap.uri must start with ldap:// or ldaps://, not {uri!r}.")
    bind_dn = _str(raw, "bind_dn")
    password = _password(raw)
    if bind_dn and not password:
        raise ConfigError(
            "Setting ldap.bind_dn is set but its password is empty: set ldap.bind_password, "
            "ldap.bind_password_file or PHYSNET_LDAP_BIND_PASSWORD (an empty password is an "
            "unauthenticated bind)."
        )
    if not raw.get("user_base"):
        raise ConfigError("Setting ldap.user_base is missing: where are the people?")
    start_tls = raw.get("start_tls", False)
    if not isinstance(start_tls, bool):
        raise ConfigError(f"Setting ldap.start_tls must be true or false, not {start_tls!r}.")
    ca_file = _str(raw, "ca_file")
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"Setting ldap.ca_file names {ca_file}, which is not a file.")
    page_size = _number(raw, "page_size", 500, "ldap.page_size")
    if page_size != int(page_size):
        raise ConfigError(f"Setting ldap.page_size must be a whole number, not {page_size}.")

    attributes = {name: default for name, (default, _) in PROFILE_FIELDS.items()}
    for name, value in _table(raw, "attributes", set(PROFILE_FIELDS)).items():
        text = _str({name: value}, name, name=f"ldap.attributes.{name}")
        attributes[name] = _attr(text, f"ldap.attributes.{name}") if text else ""
    attributes = {k: v for k, v in attributes.items() if v}

    groups = _table(raw, "groups", _GROUP_KEYS)
    channels: dict[str, tuple[str, ...]] = {}
    for dn, names in _table(raw, "channels", None).items():
        key = f'ldap.channels."{dn}"'
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(
            isinstance(n, str) and _CHANNEL.fullmatch(n) for n in names
        ):
            raise ConfigError(f"Setting {key} must be a list of channel names, not {names!r}.")
        channels[normalize_dn(_dn(dn, key))] = tuple(names)

    sync = _table(raw, "sync", {"max_deactivate_fraction"})
    fraction = _number(sync, "max_deactivate_fraction", 0.10, "ldap.sync.max_deactivate_fraction")
    if fraction > 1:
        raise ConfigError("Setting ldap.sync.max_deactivate_fraction is a fraction: 0.10 is 10%.")

    member_of = _str(groups, "member_of_attr", name="ldap.groups.member_of_attr")
    lockout = _lockout(raw)
    return DirectorySettings(
        uri=uri,
        bind_dn=_dn(bind_dn, "ldap.bind_dn") if bind_dn else "",
        bind_password=password,
        user_base=_dn(raw["user_base"], "ldap.user_base"),
        user_filter=_filter(
            _str(raw, "user_filter", DirectorySettings.user_filter), "ldap.user_filter"
        ),
        login_attr=_attr(_str(raw, "login_attr", "uid"), "ldap.login_attr"),
        id_attr=_attr(_str(raw, "id_attr", "entryUUID"), "ldap.id_attr"),
        disabled_filter=(
            _filter(_str(raw, "disabled_filter"), "ldap.disabled_filter")
            if _str(raw, "disabled_filter")
            else ""
        ),
        start_tls=start_tls,
        ca_file=ca_file,
        page_size=int(page_size),
        timeout_s=_number(raw, "timeout_s", 5, "ldap.timeout_s"),
        attributes=attributes,
        group_base=_dn(groups["base"], "ldap.groups.base") if groups.get("base") else "",
        member_attr=_attr(
            _str(groups, "member_attr", "member", name="ldap.groups.member_attr"),
            "ldap.groups.member_attr",
        ),
        member_of_attr=_attr(member_of, "ldap.groups.member_of_attr") if member_of else "",
        admin_groups=_dn_list(groups, "admins", "ldap.groups.admins"),
        moderator_groups=_dn_list(groups, "moderators", "ldap.groups.moderators"),
        channels=channels,
        max_deactivate_fraction=fraction,
        sso=_sso(raw),
        lockout_threshold=lockout[0],
        lockout_window_s=lockout[1],
    )


_KEY = "physnet_directory"


def init_app(app: Flask) -> None:
    """Check `[ldap]` while the app starts, so a mistake stops start-up with its name."""
    app.extensions[_KEY] = parse_directory_settings(app.config["PHYSNET"].ldap)


def directory_settings() -> DirectorySettings | None:
    """The current app's directory settings; None when no directory is configured."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _KEY not in app.extensions:
        init_app(app)
    settings: DirectorySettings | None = app.extensions[_KEY]
    return settings

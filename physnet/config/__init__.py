"""Read PhysNet's settings once: defaults, then the TOML file, then the environment."""

from __future__ import annotations

import os
import socket
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from physnet.config.files import FileSettingError, FileSettings, parse_file_settings
from physnet.config.onboarding import OnboardingSettingError, OnboardingSettings, parse_onboarding
from physnet.config.push import (
    MailSettings,
    PushSettingError,
    PushSettings,
    parse_mail_settings,
    parse_push_settings,
)
from physnet.config.secret_key import generated_key, weak_key_problem
from physnet.phi.settings import PhiSettingError, PhiSettings, parse_phi_settings


class ConfigError(Exception):
    """A setting is missing, unknown or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    secret_key: str
    search_index: Path
    redis_url: str | None
    ratelimits: bool
    session_idle_minutes: float
    session_lifetime_hours: int
    secure_cookies: bool
    ldap: dict[str, Any] = field(default_factory=dict)
    phi: PhiSettings = field(default_factory=PhiSettings)
    files: FileSettings = field(default_factory=FileSettings)  # [files]: attachments
    # [audit] search_queries: "hash" (HMAC), "keep" (the text) or "off" (left out).
    audit_search_queries: str = "hash"
    # [retention]: days messages are kept (None: forever), and what outlives them.
    retention_days: int | None = None
    retention_keep_pinned: bool = True
    retention_keep_tips: bool = True
    # The address people use (https://physnet.example-health.org): sockets accept it as Origin.
    public_url: str | None = None
    search_indexer: bool = True  # off: never write the index (`physnet search serve` does)
    proxy_hops: int = 0  # reverse proxies in front that set X-Forwarded-For/-Proto/-Host
    # PostgreSQL connections per process: db_pool_size kept open, twice as many more in a surge;
    # a request waits db_pool_timeout seconds for one, then answers 503 server_busy.
    db_pool_size: int = 10
    db_pool_timeout: float = 10.0
    # Deprecated, removed in the next release: every socket hears everyone's `presence` unless
    # it asks to subscribe (the contract before 2026-12). Off: a socket hears presence only
    # about the people it names with `presence_subscribe`, so connects cost O(N), not O(N^2).
    presence_everyone: bool = False
    # [push] and push_endpoint_hosts (config/push.py).
    push: PushSettings = field(default_factory=PushSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    # [search] host_id names this host's index replica in the change log's readers (default:
    # the hostname); log_retention_days: how long a stopped host may lag before it must reindex.
    search_host_id: str = "localhost"
    search_log_retention_days: int = 7
    # [questions] help_after_hours: an open question with no reply this old is offered to
    # people whose expertise or specialty matches ("Can you help?", `physnet questions
    # offer-help`).
    questions_help_after_hours: float = 24.0
    # [onboarding]: the first-week checklist's plans (config/onboarding.py).
    onboarding: OnboardingSettings = field(default_factory=OnboardingSettings)
    # The name people know the site by, in mails (the weekly digest's sender and subject).
    site_name: str = "PhysNet"
    # [digest] default: the weekly digest for people who never chose, "app" (in the app) or
    # "off". E-mail is only ever chosen by the person.
    digest_default: str = "app"


# name in TOML -> (env variable, parser)
_BOOL_WORDS = {
    "on": True,
    "true": True,
    "1": True,
    "yes": True,
    "off": False,
    "false": False,
    "0": False,
    "no": False,
}


def _parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in _BOOL_WORDS:
        raise ConfigError(f"Setting {name} must be on or off, not {value!r}.")
    return _BOOL_WORDS[word]


def _parse_positive_int(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Setting {name} must be a whole number, not {value!r}.") from None
    if number <= 0:
        raise ConfigError(f"Setting {name} must be greater than zero, not {number}.")
    return number


def _parse_positive_number(name: str, value: Any) -> float:
    """A positive number (minutes, seconds); fractions allowed (tests use short timeouts)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Setting {name} must be a number, not {value!r}.") from None
    if not number > 0 or number == float("inf"):
        raise ConfigError(f"Setting {name} must be greater than zero, not {value!r}.")
    return number


def _parse_count(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Setting {name} must be a whole number, not {value!r}.") from None
    if number < 0:
        raise ConfigError(f"Setting {name} must be zero or more, not {number}.")
    return number


def _parse_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"Setting {name} must be a string, not {value!r}.")
    return value


_KEYS: dict[str, tuple[str, Any]] = {
    "database_url": ("PHYSNET_DATABASE_URL", _parse_str),
    "secret_key": ("PHYSNET_SECRET_KEY", _parse_str),
    "search_index": ("PHYSNET_SEARCH_INDEX", _parse_str),
    "redis_url": ("PHYSNET_REDIS_URL", _parse_str),
    "ratelimits": ("PHYSNET_RATELIMITS", _parse_bool),
    "session_idle_minutes": ("PHYSNET_SESSION_IDLE_MINUTES", _parse_positive_number),
    "session_lifetime_hours": ("PHYSNET_SESSION_LIFETIME_HOURS", _parse_positive_int),
    "secure_cookies": ("PHYSNET_SECURE_COOKIES", _parse_bool),
    "public_url": ("PHYSNET_PUBLIC_URL", _parse_str),
    "search_indexer": ("PHYSNET_SEARCH_INDEXER", _parse_bool),
    "proxy_hops": ("PHYSNET_PROXY_HOPS", _parse_count),
    "db_pool_size": ("PHYSNET_DB_POOL_SIZE", _parse_positive_int),
    "db_pool_timeout": ("PHYSNET_DB_POOL_TIMEOUT", _parse_positive_number),
    "presence_everyone": ("PHYSNET_PRESENCE_EVERYONE", _parse_bool),
    "push_endpoint_hosts": ("PHYSNET_PUSH_ENDPOINT_HOSTS", lambda name, value: value),
    "site_name": ("PHYSNET_SITE_NAME", _parse_str),
}
# Tables of settings: [audit] and [retention] (PHYSNET_AUDIT_SEARCH_QUERIES,
# PHYSNET_RETENTION_DAYS override their main key).
_TABLES = {"audit", "retention", "push", "mail", "search", "questions", "onboarding", "digest"}
_TABLE_ENV = {
    "PHYSNET_AUDIT_SEARCH_QUERIES": ("audit", "search_queries"),
    "PHYSNET_RETENTION_DAYS": ("retention", "days"),
    "PHYSNET_SEARCH_HOST_ID": ("search", "host_id"),
    "PHYSNET_SEARCH_LOG_RETENTION_DAYS": ("search", "log_retention_days"),
    "PHYSNET_DIGEST_DEFAULT": ("digest", "default"),
}
SEARCH_QUERY_POLICIES = ("hash", "keep", "off")


def _compliance_settings(tables: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Check the [audit], [retention], [search] and [questions] tables; return Settings
    fields."""
    audit, retention = tables.get("audit", {}), tables.get("retention", {})
    search = tables.get("search", {})
    for table, allowed in (
        ("audit", {"search_queries"}),
        ("retention", {"days", "keep_pinned", "keep_tips"}),
        ("search", {"host_id", "log_retention_days"}),
        ("questions", {"help_after_hours"}),
        ("digest", {"default"}),
    ):
        unknown = set(tables.get(table, {})) - allowed
        if unknown:
            raise ConfigError(f"Unknown setting {sorted(unknown)[0]!r} in [{table}].")
    policy = str(audit.get("search_queries", "hash")).strip().lower()
    if policy not in SEARCH_QUERY_POLICIES:
        raise ConfigError(
            f"Setting [audit] search_queries must be hash, keep or off, not {policy!r}."
        )
    days = retention.get("days")
    if days in (None, "", "off", False):
        days = None
    else:
        days = _parse_positive_int("[retention] days", days)
    host_id = _parse_str("[search] host_id", search.get("host_id", socket.gethostname()))
    host_id = host_id.strip()
    if not host_id or len(host_id) > 200:
        raise ConfigError("Setting [search] host_id must be 1 to 200 characters.")
    questions = tables.get("questions", {})
    digest_default = str(tables.get("digest", {}).get("default", "app")).strip().lower()
    if digest_default not in ("app", "off"):
        raise ConfigError(
            f"Setting [digest] default must be app or off, not {digest_default!r} "
            "(e-mail is each person's own choice)."
        )
    return {
        "digest_default": digest_default,
        "questions_help_after_hours": _parse_positive_number(
            "[questions] help_after_hours", questions.get("help_after_hours", 24)
        ),
        "search_host_id": host_id,
        "search_log_retention_days": _parse_positive_int(
            "[search] log_retention_days", search.get("log_retention_days", 7)
        ),
        "audit_search_queries": policy,
        "retention_days": days,
        "retention_keep_pinned": _parse_bool(
            "[retention] keep_pinned", retention.get("keep_pinned", True)
        ),
        "retention_keep_tips": _parse_bool(
            "[retention] keep_tips", retention.get("keep_tips", True)
        ),
    }


_LDAP_ENV = {
    "uri": "PHYSNET_LDAP_URI",
    "bind_dn": "PHYSNET_LDAP_BIND_DN",
    "bind_password": "PHYSNET_LDAP_BIND_PASSWORD",
}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"Configuration file {path} (PHYSNET_CONFIG) does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Configuration file {path} is not valid TOML: {exc}.") from None


def _resolve_sqlite(url: str, base: Path) -> str:
    """Make a relative SQLite path absolute against `base`, so every command agrees on it."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
        rest = url[len(prefix) :]
        if rest != ":memory:":
            return prefix + str((base / rest).resolve())
    return url


def make_instance_folder(instance: Path) -> None:
    """Create the instance folder, or raise ConfigError saying how to point it elsewhere."""
    try:
        instance.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # Installed, the default is ./instance of wherever the command runs (systemd: /).
        raise ConfigError(
            f"Cannot create the instance folder {instance} ({exc.strerror}); "
            "set PHYSNET_INSTANCE to a folder this user can write."
        ) from None


def load_settings(
    overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Merge defaults, the TOML file, the environment and `overrides` (tests), in that order.

    Raises ConfigError naming the setting that is unknown or malformed.
    """
    env = os.environ if environ is None else environ
    base = Path.cwd()
    instance = Path(env.get("PHYSNET_INSTANCE", base / "instance")).resolve()
    values: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}

    config_file = env.get("PHYSNET_CONFIG")
    path = Path(config_file) if config_file else instance / "physnet.toml"
    if config_file or path.exists():
        raw = _read_toml(path)
        for key, value in raw.items():
            if key == "ldap":
                if not isinstance(value, dict):
                    raise ConfigError("Setting [ldap] must be a table.")
                values["ldap"] = value
            elif key in ("phi", "files"):
                values[key] = value
            elif key in _TABLES:
                if not isinstance(value, dict):
                    raise ConfigError(f"Setting [{key}] must be a table.")
                tables[key] = dict(value)
            elif key not in _KEYS:
                raise ConfigError(f"Unknown setting {key!r} in {path}.")
            else:
                values[key] = _KEYS[key][1](key, value)

    for key, (var, parse) in _KEYS.items():
        if var in env and env[var] != "":
            values[key] = parse(var, env[var])
    for var, (table, key) in _TABLE_ENV.items():
        if env.get(var):
            tables.setdefault(table, {})[key] = env[var]
    ldap_conf = dict(values.get("ldap", {}))
    for key, var in _LDAP_ENV.items():
        if env.get(var):
            ldap_conf[key] = env[var]

    for key, value in (overrides or {}).items():
        if key not in ("ldap", "phi", "files") and key not in _KEYS and key not in _TABLES:
            raise ConfigError(f"Unknown setting {key!r}.")
        if key in _TABLES:
            tables[key] = dict(value)
        elif key == "ldap":
            ldap_conf = dict(value)
        elif key in ("phi", "files"):
            values[key] = value
        else:
            values[key] = value

    # The default database lives in the instance folder, wherever PHYSNET_INSTANCE puts it.
    database_url = _resolve_sqlite(
        values.get("database_url", f"sqlite:///{instance / 'physnet.db'}"), base
    )
    if not database_url.startswith(("sqlite:", "postgresql")):
        raise ConfigError("Setting PHYSNET_DATABASE_URL must be a sqlite:/// or postgresql:// URL.")
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    secret_key = values.get("secret_key")
    if not secret_key:
        make_instance_folder(instance)  # a clear error where the key cannot be written
        secret_key = generated_key(instance)
    problem = weak_key_problem(secret_key, values.get("secure_cookies", False), database_url)
    if problem:
        raise ConfigError(problem)
    return Settings(
        instance_path=instance,
        database_url=database_url,
        secret_key=secret_key,
        search_index=(base / values.get("search_index", "search_index")).resolve(),
        redis_url=values.get("redis_url") or None,
        ratelimits=values.get("ratelimits", True),
        session_idle_minutes=values.get("session_idle_minutes", 30),
        session_lifetime_hours=values.get("session_lifetime_hours", 12),
        secure_cookies=values.get("secure_cookies", False),
        ldap=ldap_conf,
        phi=_phi(values.get("phi")),
        files=_files(values.get("files"), env),
        public_url=(values.get("public_url") or "").rstrip("/") or None,
        **_compliance_settings(tables),
        search_indexer=values.get("search_indexer", True),
        proxy_hops=values.get("proxy_hops", 0),
        db_pool_size=values.get("db_pool_size", 10),
        db_pool_timeout=values.get("db_pool_timeout", 10.0),
        presence_everyone=values.get("presence_everyone", False),
        push=_push(tables.get("push"), values.get("push_endpoint_hosts")),
        mail=_mail(tables.get("mail")),
        onboarding=_onboarding(tables.get("onboarding")),
        site_name=_site_name(values.get("site_name", "PhysNet")),
    )


def _site_name(value: str) -> str:
    name = " ".join(value.split())
    if not name or len(name) > 80:
        raise ConfigError("Setting site_name must be 1 to 80 characters.")
    return name


def _table(parse: Any, error: type[Exception], *args: Any) -> Any:
    """A table's own parser (config/files.py, push.py, onboarding.py); its error, naming the
    setting, becomes a ConfigError that stops start-up."""
    try:
        return parse(*args)
    except error as exc:
        raise ConfigError(str(exc)) from None


def _onboarding(raw: Any) -> OnboardingSettings:
    return _table(parse_onboarding, OnboardingSettingError, raw)


def _files(raw: Any, env: Any) -> FileSettings:
    return _table(parse_file_settings, FileSettingError, raw, env)


def _mail(raw: Any) -> MailSettings:
    return _table(parse_mail_settings, PushSettingError, raw)


def _push(raw: Any, endpoint_hosts: Any) -> PushSettings:
    return _table(parse_push_settings, PushSettingError, raw, endpoint_hosts)


def _phi(raw: Any) -> PhiSettings:
    """Compile the [phi] table once; a bad pattern or domain stops start-up."""
    return _table(parse_phi_settings, PhiSettingError, raw)

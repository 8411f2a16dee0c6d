"""The [files] table: attachment size, where bytes live, OCR workers and time limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STORAGES = ("folder", "postgresql")
UNREADABLE_POLICIES = ("block", "confirm", "allow")
# env variable -> key in [files]
ENV = {
    "PHYSNET_FILES_MAX_MB": "max_mb",
    "PHYSNET_FILES_STORAGE": "storage",
    "PHYSNET_FILES_FOLDER": "folder",
    "PHYSNET_FILES_OCR_WORKERS": "ocr_workers",
    "PHYSNET_FILES_OCR_TIMEOUT_S": "ocr_timeout_s",
    "PHYSNET_FILES_OCR_PAGES": "ocr_pages",
    "PHYSNET_FILES_UNREADABLE": "unreadable",
}


class FileSettingError(ValueError):
    """A [files] setting is unknown or malformed; the message names it."""


@dataclass(frozen=True)
class FileSettings:
    max_mb: float = 25.0
    storage: str = "folder"  # "folder": <instance>/files/; "postgresql": the database
    folder: str = ""  # empty: <instance>/files
    ocr_workers: int = 2  # tesseract processes at once, per server process
    ocr_timeout_s: float = 20.0  # per page; past it the file counts as unreadable
    ocr_pages: int = 5  # PDF pages without a text layer that are OCR'd
    unreadable: str = "confirm"  # a file whose text cannot be read: block, confirm or allow

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)


def _number(key: str, value: Any, whole: bool) -> Any:
    try:
        number = int(value) if whole else float(value)
    except (TypeError, ValueError):
        kind = "a whole number" if whole else "a number"
        raise FileSettingError(f"Setting [files] {key} must be {kind}, not {value!r}.") from None
    if not number > 0 or number == float("inf"):
        raise FileSettingError(f"Setting [files] {key} must be greater than zero, not {value!r}.")
    return number


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> str:
    word = str(value).strip().lower()
    if word not in allowed:
        raise FileSettingError(
            f"Setting [files] {key} must be {', '.join(allowed[:-1])} or {allowed[-1]}, "
            f"not {value!r}."
        )
    return word


def parse_file_settings(raw: Mapping[str, Any] | None, env: Mapping[str, str]) -> FileSettings:
    """The [files] table, then PHYSNET_FILES_* over it; raises FileSettingError."""
    if raw is not None and not isinstance(raw, Mapping):
        raise FileSettingError("Setting [files] must be a table.")
    values = dict(raw or {})
    for var, key in ENV.items():
        if env.get(var):
            values[key] = env[var]
    unknown = set(values) - set(ENV.values())
    if unknown:
        raise FileSettingError(f"Unknown setting {sorted(unknown)[0]!r} in [files].")
    folder = values.get("folder", "")
    if not isinstance(folder, str):
        raise FileSettingError(f"Setting [files] folder must be a string, not {folder!r}.")
    return FileSettings(
        max_mb=_number("max_mb", values.get("max_mb", 25), whole=False),
        storage=_choice("storage", values.get("storage", "folder"), STORAGES),
        folder=folder,
        ocr_workers=_number("ocr_workers", values.get("ocr_workers", 2), whole=True),
        ocr_timeout_s=_number("ocr_timeout_s", values.get("ocr_timeout_s", 20), whole=False),
        ocr_pages=_number("ocr_pages", values.get("ocr_pages", 5), whole=True),
        unreadable=_choice("unreadable", values.get("unreadable", "confirm"), UNREADABLE_POLICIES),
    )

"""Directory entries as PhysNet people: decoding, AD specifics, attribute mapping, photos."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from physnet.directory.connection import Entry
from physnet.directory.settings import PROFILE_FIELDS, DirectorySettings, normalize_dn

UAC_ACCOUNTDISABLE = 0x2
PHOTO_SIZE = 256  # pixels, longest side
_PHOTO_TAG = b"physnet-photo-source:"
# Fields where every value counts ("Cardiology, Internal Medicine"); others take the first.
_JOINED = {"title", "department", "specialty", "facility"}
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


@dataclass
class Person:
    """One directory entry mapped to PhysNet: who, their profile, their groups."""

    directory_id: str
    dn: str
    username: str
    profile: dict[str, Any]
    disabled: bool = False
    groups: set[str] = field(default_factory=set)  # normalized group DNs


class BadEntry(ValueError):
    """An entry PhysNet cannot provision; the message says which and why."""


class LowerKeys(dict[str, list[bytes]]):
    """An entry with its attribute names lowercased (see `lower_keys`): `get` needs no scan."""

    has_options = False


class _LowerKeysWithOptions(LowerKeys):
    has_options = True  # some name has an option: `description;lang-en` and such


# attribute names as a server sent them -> (lowercased, the class to build)
_SHAPES: dict[tuple[str, ...], tuple[tuple[str, ...], type[LowerKeys]]] = {}


def lower_keys(entry: Entry) -> LowerKeys:
    """`entry` with its attribute names lowercased. A search returns the same names entry
    after entry, so each spelling is lowercased once."""
    if isinstance(entry, LowerKeys):
        return entry
    shape = tuple(entry)
    known = _SHAPES.get(shape)
    if known is None:
        if len(_SHAPES) > 256:
            _SHAPES.clear()
        lowered = tuple(k.lower() for k in shape)
        kind = _LowerKeysWithOptions if any(";" in k for k in lowered) else LowerKeys
        known = _SHAPES[shape] = (lowered, kind)
    return known[1](zip(known[0], entry.values(), strict=True))


def get(entry: Entry, attr: str) -> list[bytes]:
    """The values of `attr`, whatever case the server spelled it in."""
    if attr in entry:
        return entry[attr]
    lowered = attr.lower()
    if isinstance(entry, LowerKeys):
        return entry.get(lowered, [])
    for key, values in entry.items():
        if key.lower() == lowered:
            return values
    return []


def text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace").strip()


def guid_to_str(raw: bytes) -> str:
    """AD's binary objectGUID in its usual spelling (the first three fields little-endian)."""
    if len(raw) != 16:
        raise BadEntry(f"objectGUID has {len(raw)} bytes, not 16")
    return str(uuid.UUID(bytes_le=raw))


def directory_id(entry: Entry, id_attr: str) -> str:
    """The stable id of an entry as text: objectGUID decoded, entryUUID as it is."""
    values = get(entry, id_attr)
    if not values or not values[0]:
        raise BadEntry(f"has no {id_attr}")
    raw = values[0]
    if id_attr.lower() in ("objectguid", "msds-consistencyguid"):
        return guid_to_str(raw)
    try:
        return raw.decode("ascii").strip().lower()
    except UnicodeDecodeError:
        return raw.hex()


def uac_disabled(entry: Entry) -> bool:
    """True when AD's userAccountControl has the ACCOUNTDISABLE bit (0x2)."""
    values = get(entry, "userAccountControl")
    try:
        return bool(values) and bool(int(values[0]) & UAC_ACCOUNTDISABLE)
    except ValueError:
        return False


def resize_photo(raw: bytes) -> bytes | None:
    """A JPEG of at most PHOTO_SIZE pixels, tagged with the source's digest; None if unreadable.

    The tag lets a later sync see an unchanged photo without decoding it again.
    """
    try:
        from PIL import Image
    except ImportError:  # photos need the `ldap` extra (Pillow)
        return None
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=85, comment=photo_tag(raw))
            return out.getvalue()
    except Exception:
        return None


def photo_tag(raw: bytes) -> bytes:
    return _PHOTO_TAG + hashlib.sha256(raw).hexdigest().encode()


def same_photo(stored: bytes | None, raw: bytes | None) -> bool:
    """Whether the stored (resized) photo was made from this directory photo."""
    if not raw:
        return stored is None
    return stored is not None and photo_tag(raw) in stored[:512]


# id(settings) -> (settings, [(field, attribute lowercased, longest value, joined)])
_FIELDS: dict[int, tuple[DirectorySettings, list[tuple[str, str, int, bool]]]] = {}


def _fields(settings: DirectorySettings) -> list[tuple[str, str, int, bool]]:
    """The mapped fields, worked out once per settings rather than once per entry."""
    known = _FIELDS.get(id(settings))
    if known is None or known[0] is not settings:
        if len(_FIELDS) > 16:
            _FIELDS.clear()
        fields = [
            (name, attr.lower(), PROFILE_FIELDS[name][1], name in _JOINED)
            for name, attr in settings.attributes.items()
        ]
        known = _FIELDS[id(settings)] = (settings, fields)
    return known[1]


def profile_of(entry: Entry, settings: DirectorySettings) -> dict[str, Any]:
    """Profile fields from the mapped attributes; a missing attribute gives "" (or None)."""
    entry = lower_keys(entry)
    profile: dict[str, Any] = {}
    for name, attr, limit, joined in _fields(settings):
        values = entry.get(attr)
        if name == "photo":
            profile[name] = values[0] if values and values[0] else None  # raw bytes
            continue
        if not values:
            value = ""
        elif len(values) == 1 or not joined:
            value = text(values[0])
            if not value and len(values) > 1:  # the first is blank: the first that is not
                value = next((s for s in (text(v) for v in values) if s), "")
        else:
            value = ", ".join(s for s in (text(v) for v in values) if s)
        profile[name] = value[:limit]
    if not profile.get("display_name", "x"):
        cn = get(entry, "cn")
        profile["display_name"] = text(cn[0])[:200] if cn else ""
    return profile


def person_of(dn: str, entry: Entry, settings: DirectorySettings) -> Person:
    """Map one entry; raises BadEntry when it has no usable login or stable id."""
    entry = lower_keys(entry)
    logins = [s for s in (text(v) for v in get(entry, settings.login_attr)) if s]
    if not logins:
        raise BadEntry(f"has no {settings.login_attr}")
    username = logins[0].lower()
    if not USERNAME.match(username):
        raise BadEntry(
            f"has {settings.login_attr} {logins[0]!r}, which is not a PhysNet username "
            "(2 to 64 letters, digits, dots, hyphens or underscores, starting with a letter)"
        )
    groups: set[str] = set()
    if settings.member_of_attr:
        groups = {normalize_dn(text(v)) for v in get(entry, settings.member_of_attr)}
    return Person(
        directory_id=directory_id(entry, settings.id_attr),
        dn=dn,
        username=username,
        profile=profile_of(entry, settings),
        disabled=uac_disabled(entry),
        groups=groups,
    )


def wanted_attributes(settings: DirectorySettings) -> list[str]:
    """The attributes to ask for: operational ones (entryUUID) are only sent when named."""
    attrs = [
        settings.login_attr,
        settings.id_attr,
        "cn",
        "userAccountControl",
        *settings.attributes.values(),
    ]
    if settings.member_of_attr:
        attrs.append(settings.member_of_attr)
    return list(dict.fromkeys(attrs))

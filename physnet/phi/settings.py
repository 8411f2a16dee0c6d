"""The `[phi]` settings: MRN patterns, the hospital's e-mail domains, the default policy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

POLICIES = ("confirm", "block")

# What a medical record number looks like when someone labels it; a hospital adds its own
# (for example r"\bE\d{7}\b" where every MRN starts with an E).
DEFAULT_MRN_PATTERNS = (
    r"\bMRN\s*(?:is|no\.?|number|#)?\s*[:#]?\s*\d{5,12}\b",
    r"\bMR\s*#\s*:?\s*\d{5,12}\b",
    r"\bmed(?:ical)?\s+rec(?:ord)?\s*(?:number|no\.?|num|#)?\s*(?:is\s*)?[:#]?\s*\d{5,12}\b",
    r"\b(?:patient|pt)\s*(?:id|#|no\.?|number)\s*[:#]?\s*\d{5,12}\b",
    r"\bchart\s*(?:number|no\.?|num|#)\s*(?:is\s*)?[:#]?\s*\d{5,12}\b",
)
_DOMAIN_RE = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_KEYS = {"mrn_patterns", "hospital_domains", "default_policy"}


class PhiSettingError(ValueError):
    """A `[phi]` setting is malformed; the message names it."""


@dataclass(frozen=True)
class PhiSettings:
    """Compiled once at start-up; shared by every scan."""

    mrn_patterns: tuple[re.Pattern[str], ...] = field(
        default_factory=lambda: tuple(re.compile(p, re.I) for p in DEFAULT_MRN_PATTERNS)
    )
    hospital_domains: tuple[str, ...] = ()
    default_policy: str = "confirm"

    @cached_property
    def mrn_scanners(self) -> tuple[re.Pattern[str], ...]:
        """The MRN patterns as one alternation: one pass over the text instead of several."""
        joined = "|".join(f"(?:{p.pattern})" for p in self.mrn_patterns)
        try:
            return (re.compile(joined, re.I),)
        except re.error:  # two patterns share a group name: run them one by one
            return self.mrn_patterns

    def internal_email(self, domain: str) -> bool:
        """True for an address at one of the hospital's domains or their subdomains."""
        domain = domain.lower()
        return any(domain == d or domain.endswith("." + d) for d in self.hospital_domains)


def parse_phi_settings(raw: Any) -> PhiSettings:
    """Validate the `[phi]` table; raise PhiSettingError naming a bad setting."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise PhiSettingError("Setting [phi] must be a table.")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise PhiSettingError(f"Unknown setting phi.{unknown[0]}.")
    patterns = raw.get("mrn_patterns", list(DEFAULT_MRN_PATTERNS))
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise PhiSettingError("Setting phi.mrn_patterns must be a list of regular expressions.")
    compiled = []
    for i, pattern in enumerate(patterns):
        try:
            compiled.append(re.compile(pattern, re.I))
        except re.error as exc:
            raise PhiSettingError(
                f"Setting phi.mrn_patterns[{i}] is not a valid regular expression: {exc}."
            ) from None
        if compiled[-1].search(""):
            raise PhiSettingError(f"Setting phi.mrn_patterns[{i}] matches empty text.")
    domains = raw.get("hospital_domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise PhiSettingError("Setting phi.hospital_domains must be a list of domain names.")
    for domain in domains:
        if not _DOMAIN_RE.fullmatch(domain.lower()):
            raise PhiSettingError(
                f"Setting phi.hospital_domains has {domain!r}, which is not a domain name."
            )
    policy = raw.get("default_policy", "confirm")
    if policy not in POLICIES:
        raise PhiSettingError(
            f"Setting phi.default_policy must be confirm or block, not {policy!r}."
        )
    return PhiSettings(
        mrn_patterns=tuple(compiled),
        hospital_domains=tuple(d.lower() for d in domains),
        default_policy=policy,
    )

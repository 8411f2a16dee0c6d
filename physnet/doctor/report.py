"""One check's result, and the checklist printed from them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Check:
    name: str
    ok: bool | None  # None: does not apply here
    found: str
    fix: str = ""


def render(checks: list[Check]) -> list[str]:
    """The checklist: ✓ passed, ✗ failed (with its fix), – not applicable."""
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        mark = {True: "✓", False: "✗", None: "–"}[check.ok]
        lines.append(f"{mark} {check.name:<{width}}  {check.found}")
        if check.ok is False and check.fix:
            lines.append(f"  {'':<{width}}  fix: {check.fix}")
    return lines


def failed(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.ok is False]

"""The [onboarding] table: what a new physician's first week offers, per department or
specialty (channels to join, an ordered reading list of tips, people to know).

```toml
[onboarding]
new_days = 30                      # accounts this young see "Getting started" in the app

[[onboarding.plans]]
specialty = "Cardiology"           # or department = "..."; neither: everyone else
channels = ["cardiology", "ehr-tips"]
tips = [12, 7, 31]                 # tip ids, in reading order
people = ["mokafor"]               # the local super-users
```

Only the shape is checked here (names are looked up when a checklist is built, and an
admin's edit at /admin/onboarding is checked against the database).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PLANS = 100
MAX_ITEMS = {"channels": 20, "tips": 20, "people": 10}
PLAN_KEYS = ("department", "specialty", "channels", "tips", "people")


class OnboardingSettingError(ValueError):
    """A plan is malformed; the message names the field."""


@dataclass(frozen=True)
class OnboardingSettings:
    new_days: int = 30
    plans: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def parse_plans(raw: Any, where: str = "plans") -> list[dict[str, Any]]:
    """Normalize a list of plans: {"department", "specialty", "channels", "tips", "people"}.
    Raises OnboardingSettingError naming the first problem."""
    if not isinstance(raw, list):
        raise OnboardingSettingError(f"{where} must be a list of plans.")
    if len(raw) > MAX_PLANS:
        raise OnboardingSettingError(f"{where} has more than {MAX_PLANS} plans.")
    plans = []
    seen: set[tuple[str, str]] = set()
    for number, item in enumerate(raw, 1):
        here = f"{where}[{number}]"
        if not isinstance(item, dict):
            raise OnboardingSettingError(f"{here} must be a table.")
        unknown = set(item) - set(PLAN_KEYS)
        if unknown:
            raise OnboardingSettingError(f"{here} has an unknown field {sorted(unknown)[0]!r}.")
        plan: dict[str, Any] = {}
        for key in ("department", "specialty"):
            value = item.get(key) or ""
            if not isinstance(value, str) or len(value) > 200:
                raise OnboardingSettingError(f"{here}.{key} must be text (200 characters).")
            plan[key] = value.strip()
        if plan["department"] and plan["specialty"]:
            raise OnboardingSettingError(f"{here} names a department or a specialty, not both.")
        target = (
            ("department", plan["department"].casefold())
            if plan["department"]
            else (
                "specialty",
                plan["specialty"].casefold(),
            )
        )
        if target in seen:
            raise OnboardingSettingError(f"{here} repeats a plan for the same people.")
        seen.add(target)
        for key, kind in (("channels", str), ("tips", int), ("people", str)):
            values = item.get(key) or []
            if not isinstance(values, list) or any(
                not isinstance(v, kind) or isinstance(v, bool) for v in values
            ):
                what = "tip ids" if kind is int else "names"
                raise OnboardingSettingError(f"{here}.{key} must be a list of {what}.")
            if len(values) > MAX_ITEMS[key]:
                raise OnboardingSettingError(
                    f"{here}.{key} has more than {MAX_ITEMS[key]} entries."
                )
            cleaned = [v.strip().lstrip("#@") if isinstance(v, str) else v for v in values]
            plan[key] = list(dict.fromkeys(v for v in cleaned if v != ""))
        plans.append(plan)
    return plans


def parse_onboarding(raw: Any) -> OnboardingSettings:
    if raw is None:
        return OnboardingSettings()
    if not isinstance(raw, dict):
        raise OnboardingSettingError("[onboarding] must be a table.")
    unknown = set(raw) - {"new_days", "plans"}
    if unknown:
        raise OnboardingSettingError(f"Unknown setting {sorted(unknown)[0]!r} in [onboarding].")
    days = raw.get("new_days", 30)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
        raise OnboardingSettingError("[onboarding] new_days must be a whole number, 0 to 3650.")
    plans = parse_plans(raw.get("plans", []), "[onboarding] plans")
    return OnboardingSettings(new_days=days, plans=tuple(plans))

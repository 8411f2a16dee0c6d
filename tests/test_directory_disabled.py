"""`disabled_filter` decided from the entries the sync reads, and the second search it saves.

The sync used to ask the directory twice: once for everyone, once for the disabled. For
the simple forms, physnet/directory/disabled.py now decides from the entries themselves;
here every such verdict is checked against what slapd answers for the same filter, and
the sync is checked to fall back to asking the directory whenever it cannot be sure.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from ldap_fixtures import Directory
from sqlalchemy import select
from test_directory import sync, use

from physnet.directory import connection, snapshot
from physnet.directory.disabled import disabled_test
from physnet.directory.entries import lower_keys
from physnet.directory.settings import parse_directory_settings
from physnet.extensions import db
from physnet.models import User

# --- the filter as a test on entries (no server) -------------------------------------------


def entry(**attrs: Any) -> dict[str, list[bytes]]:
    return {
        k: [v.encode() if isinstance(v, str) else v for v in (vs if isinstance(vs, list) else [vs])]
        for k, vs in attrs.items()
    }


def verdict(filterstr: str, **attrs: Any) -> bool | None:
    test = disabled_test(filterstr)
    assert test is not None, filterstr
    return test.test(entry(**attrs))


def test_simple_forms_are_decided_from_the_entry() -> None:
    assert verdict("(employeeType=disabled)", employeeType="disabled") is True
    assert verdict("(employeeType=disabled)", employeeType="DISABLED") is True  # caseIgnore
    assert verdict("(employeeType=disabled)", employeeType=["staff", "Disabled"]) is True
    assert verdict("(employeeType=disabled)", employeeType="disabled-soon") is False
    assert verdict("(employeeType=disabled)", title="disabled") is False  # absent
    assert verdict("(EMPLOYEETYPE=disabled)", employeetype="disabled") is True
    assert verdict("(description=on leave)", **{"description;lang-en": "On Leave"}) is True
    assert verdict("(description=on\\20leave)", description="on leave") is True  # escaped
    assert verdict("(employeeType=*)", employeeType="anything") is True
    assert verdict("(employeeType=*)", title="x") is False
    uac = "(userAccountControl:1.2.840.113556.1.4.803:=2)"
    assert verdict(uac, userAccountControl="514") is True
    assert verdict(uac, userAccountControl="512") is False
    assert (
        verdict("(userAccountControl:1.2.840.113556.1.4.803:=18)", userAccountControl="2") is False
    )
    assert (
        verdict("(userAccountControl:1.2.840.113556.1.4.804:=18)", userAccountControl="2") is True
    )
    both = "(&(employeeType=disabled)(description=gone))"
    assert verdict(both, employeeType="disabled", description="gone") is True
    assert verdict(both, employeeType="disabled") is False
    either = "(|(employeeType=disabled)(userAccountControl:1.2.840.113556.1.4.803:=2))"
    assert verdict(either, userAccountControl="514") is True
    assert verdict(either, employeeType="staff", userAccountControl="512") is False


def test_an_uncertain_entry_says_so() -> None:
    # The server's matching may see these alike or not: ask it.
    assert verdict("(employeeType=disabled)", employeeType=" disabled") is None
    assert verdict("(description=on leave)", description="on  leave") is None
    assert verdict("(employeeType=disabled)", employeeType="désactivé") is None
    assert verdict("(employeeType=disabled)", employeeType=b"\xff\xfe") is None
    assert verdict("(userAccountControl:1.2.840.113556.1.4.803:=2)", userAccountControl="x") is None
    # ... unless another part settles it.
    assert verdict("(&(employeeType=disabled)(title=x))", employeeType=" disabled") is False
    assert verdict("(|(employeeType=disabled)(title=x))", employeeType="é", title="X") is True


@pytest.mark.parametrize(
    "filterstr",
    [
        "",
        "(employeeType=dis*)",  # substrings
        "(!(employeeType=active))",  # negation
        "(employeeNumber>=5)",  # ordering
        "(mail=x@example-health.org)",  # not a case-ignoring attribute here
        "(cn=disabled)",
        "(employeeType~=disabled)",  # approximate
        "(employeeType:caseExactMatch:=disabled)",  # another matching rule
        "(title:1.2.840.113556.1.4.803:=2)",  # a bit test on anything but userAccountControl
        "(employeeType=désactivé)",  # non-ASCII: the server's folding decides
        "(employeeType=\\c3\\a9)",
        "(employeeType=\\zz)",
        "(&(employeeType=disabled)(cn=x*))",  # one part not simple: the whole filter
        "(&(employeeType=disabled)",
    ],
)
def test_other_filters_are_left_to_the_directory(filterstr: str) -> None:
    assert disabled_test(filterstr) is None


# --- the same verdicts as slapd --------------------------------------------------------------

VARIANTS: list[dict[str, Any]] = [
    {},
    {"employeeType": "disabled"},
    {"employeeType": "Disabled"},
    {"employeeType": "DISABLED", "description": "on leave"},
    {"employeeType": ["staff", "disabled"]},
    {"employeeType": "disabled-soon"},
    {"employeeType": "dis abled"},
    {"description": "On Leave"},
    {"description": "on leave", "title": "Gone"},
    {"title": "gone"},
    {"userAccountControl": "514"},
    {"userAccountControl": "512"},
    {"userAccountControl": "16"},
    {"userAccountControl": "18", "employeeType": "disabled"},
]
FILTERS = [
    "(employeeType=disabled)",
    "(EmployeeType=DISABLED)",
    "(description=on leave)",
    "(employeeType=*)",
    "(title=gone)",
    "(userAccountControl:1.2.840.113556.1.4.803:=2)",
    "(userAccountControl:1.2.840.113556.1.4.803:=18)",
    "(userAccountControl:1.2.840.113556.1.4.804:=18)",
    "(&(employeeType=disabled)(description=on leave))",
    "(|(title=gone)(userAccountControl:1.2.840.113556.1.4.803:=2))",
    "(|(employeeType=disabled)(&(description=on leave)(title=gone)))",
]


def test_verdicts_match_the_directory(directory: Directory) -> None:
    for n, attrs in enumerate(VARIANTS):
        directory.person(
            f"variant{n:02d}", objectClass=["inetOrgPerson", "extensibleObject"], **attrs
        )
    settings = parse_directory_settings(directory.settings())
    assert settings is not None
    base, people = directory.people, "(objectClass=inetOrgPerson)"
    decided = 0
    with connection.service_connection(settings) as conn:
        for filterstr in FILTERS:
            test = disabled_test(filterstr)
            assert test is not None, filterstr
            attrs = list(test.attributes)
            found = dict(connection.paged_search(conn, settings, base, people, attrs))
            assert len(found) == len(VARIANTS)
            matched = {
                dn
                for dn, _ in connection.paged_search(
                    conn, settings, base, f"(&{people}{filterstr})", ["1.1"]
                )
            }
            for dn, values in found.items():
                mine = test.test(lower_keys(values))
                if mine is not None:
                    decided += 1
                    assert mine == (dn in matched), (filterstr, dn, values)
            assert matched, filterstr  # every filter disables someone here
    assert decided > len(FILTERS) * len(VARIANTS) * 0.9  # "uncertain" is the exception


# --- the sync: one search when it can, two when it must ---------------------------------------


def searches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The filters of the paged searches read_snapshot makes (the real searches run)."""
    made: list[str] = []
    real = snapshot.paged_search

    def counted(conn: Any, settings: Any, base: str, filterstr: str, attrs: list[str]) -> Any:
        made.append(filterstr)
        return real(conn, settings, base, filterstr, attrs)

    monkeypatch.setattr(snapshot, "paged_search", counted)
    return made


def active(app: Flask) -> dict[str, bool]:
    with app.app_context():
        return dict(db.session.execute(select(User.username, User.active)).tuples().all())


@pytest.mark.parametrize(
    ("disabled_filter", "expected_searches"),
    [
        ("(employeeType=disabled)", 1),
        ("(|(employeeType=disabled)(employeeType=gone*))", 2),  # substrings: ask the directory
    ],
)
def test_sync_decides_disabled_with_one_search_when_it_can(
    app: Flask,
    directory: Directory,
    monkeypatch: pytest.MonkeyPatch,
    disabled_filter: str,
    expected_searches: int,
) -> None:
    directory.person("ada")
    directory.person("ben", employeeType="Disabled")
    directory.person("cy", employeeType="gone-2026")
    directory.person("dee", employeeType="staff")
    use(app, directory.settings(disabled_filter=disabled_filter, page_size=2))
    made = searches(monkeypatch)
    result = sync(app)
    assert result.exit_code == 0, result.output
    assert len(made) == expected_searches, made
    assert set(active(app)) == {"ada", "dee"} | ({"cy"} if expected_searches == 1 else set())
    assert "ben" not in active(app)  # disabled: never created


def test_an_uncertain_entry_makes_the_sync_ask_the_directory(
    app: Flask, directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory.person("ada")
    directory.person("ben", employeeType="disabled")
    cy = directory.person("cy", employeeType="  Disabled  ")  # slapd ignores the spacing
    dee = directory.person("dee", employeeType="désactivé")
    use(app, directory.settings(page_size=2))
    made = searches(monkeypatch)
    assert sync(app).exit_code == 0
    assert len(made) == 2
    assert active(app) == {"ada": True, "dee": True}
    # When every entry is clear again, one search decides, with the same outcome.
    directory.modify(cy, employeeType="disabled")
    directory.modify(dee, employeeType="staff")
    directory.person("eve", employeeType="DISABLED")
    made.clear()
    result = sync(app)
    assert result.exit_code == 0, result.output
    assert len(made) == 1
    assert active(app) == {"ada": True, "dee": True}


def test_a_paged_search_stopped_early_leaves_the_connection_usable(directory: Directory) -> None:
    for i in range(7):
        directory.person(f"page{i}")
    settings = parse_directory_settings(directory.settings(page_size=2))
    assert settings is not None
    people = "(objectClass=inetOrgPerson)"
    with connection.service_connection(settings) as conn:
        pages = connection.paged_search(conn, settings, directory.people, people, ["uid"])
        first = [next(pages) for _ in range(3)]  # the second page is read, the third asked for
        pages.close()
        assert len({dn for dn, _ in first}) == 3
        again = list(connection.paged_search(conn, settings, directory.people, people, ["uid"]))
    assert len(again) == 7

"""`physnet ldap check` on a first day: optional profile attributes missing on the sampled
entries (most AD users have no photo) are a warning and exit 0; the required ones (login,
id, name) still fail. Against a real slapd, with the AD example of docs/directory.md."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

import ldap.dn
from flask import Flask
from ldap_fixtures import Directory, ad_guid

from conftest import PASSWORD

DOCS = Path(__file__).resolve().parent.parent / "docs" / "directory.md"


def ad_example() -> dict[str, Any]:
    """The Active Directory example configuration in docs/directory.md."""
    text = DOCS.read_text()
    section = text[text.index("### Active Directory") :]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    return tomllib.loads(block.group(1))["ldap"]


def check(app: Flask, conf: dict[str, Any]) -> Any:
    app.config["PHYSNET"] = dataclasses.replace(app.config["PHYSNET"], ldap=conf)
    app.extensions.pop("physnet_directory", None)
    return app.test_cli_runner().invoke(args=["ldap", "check"])


def ad_user(directory: Directory, ou: str, cn: str, login: str | None, **extra: Any) -> str:
    """An AD-shaped person as a first-day directory has them: no photo, no phone, no title."""
    dn = ldap.dn.dn2str([[("CN", cn, 1)]]) + f",{ou}"
    return directory.add(
        dn,
        objectClass=["user", "extensibleObject"],
        cn=cn,
        sn=cn.split(",")[0],
        sAMAccountName=login,
        objectGUID=ad_guid(),
        userAccountControl="512",
        instanceType="4",
        nTSecurityDescriptor=b"\x01",
        objectCategory="CN=Person",
        displayName=cn,
        mail=f"{(login or 'x').lower()}@corp.example",
        department="Emergency",
        userPassword=PASSWORD,
        **extra,
    )


def ad_settings(directory: Directory, ou: str) -> dict[str, Any]:
    example = ad_example()
    return directory.settings(
        user_base=ou,
        user_filter="(objectClass=user)",
        login_attr=example["login_attr"],
        id_attr=example["id_attr"],
        disabled_filter=example["disabled_filter"],
        attributes=example["attributes"],
        groups={},
    )


def test_the_ad_example_maps_thumbnail_photo() -> None:
    assert ad_example()["attributes"]["photo"] == "thumbnailPhoto"


def test_an_ad_directory_without_photos_passes_with_warnings(
    sqlite_app: Flask, directory: Directory
) -> None:
    ou = directory.add(f"ou=Users,{directory.base}", objectClass="organizationalUnit", ou="Users")
    ad_user(directory, ou, "Smith, John", "JSmith")
    ad_user(directory, ou, "Lee, Ana", "ALee")
    result = check(sqlite_app, ad_settings(directory, ou))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "PROBLEM" not in out
    assert "username      jsmith  (sAMAccountName)" in out
    assert "photo         -- missing  (thumbnailPhoto)" in out
    for attr, name in [
        ("thumbnailPhoto", "photo"),
        ("telephoneNumber", "phone"),
        ("title", "title"),
        ("extensionAttribute1", "specialty"),
        ("physicalDeliveryOfficeName", "facility"),
    ]:
        assert (
            f"WARNING  mapped attribute {attr} (ldap.attributes.{name}) is missing on all 2 "
            f"sampled entries, so {name} stays empty"
        ) in out
    assert "department (department)" not in out  # present: nothing to say
    assert out.rstrip().endswith("The directory settings work (5 warnings above).")


def test_required_attributes_still_fail(sqlite_app: Flask, directory: Directory) -> None:
    ou = directory.add(f"ou=Users,{directory.base}", objectClass="organizationalUnit", ou="Users")
    ad_user(directory, ou, "Nologin, Pat", None)
    result = check(sqlite_app, ad_settings(directory, ou))
    assert result.exit_code == 1
    assert "has no sAMAccountName: sync would skip it" in result.output

    no_id = {**ad_settings(directory, ou), "id_attr": "employeeNumber"}
    ad_user(directory, ou, "Smith, John", "JSmith")
    result = check(sqlite_app, no_id)
    assert result.exit_code == 1
    assert "has no employeeNumber" in result.output


def test_an_entry_without_any_name_fails(sqlite_app: Flask, directory: Directory) -> None:
    # A structural class without cn (cosine's account), and no displayName: no name at all.
    directory.add(
        f"uid=noname,{directory.people}", objectClass=["account"], uid="noname", host="ws1"
    )
    conf = directory.settings(
        user_filter="(objectClass=account)", disabled_filter="", groups={}, id_attr="entryUUID"
    )
    result = check(sqlite_app, conf)
    assert result.exit_code == 1, result.output
    assert "has no name" in result.output

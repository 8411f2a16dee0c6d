"""A real OpenLDAP slapd for the directory tests, and a helper that shapes its entries."""

from __future__ import annotations

import itertools
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import ldap
import ldap.modlist
from slapdtest import SlapdObject
from slapdtest._slapdtest import SLAPD_CONF_TEMPLATE

SUFFIX = "dc=example-health,dc=org"
SERVICE_DN = f"cn=physnet,ou=service,{SUFFIX}"
SERVICE_PASSWORD = "service-secret-42"
# Plain searches by bound users stop at this many entries; paged ones do not.
SERVICE_SIZE_LIMIT = 20
_counter = itertools.count(1)


class PhysNetSlapd(SlapdObject):
    """slapd with the schemas PhysNet meets (AD's msuser too), on ldap:// and ldaps://."""

    suffix = SUFFIX
    root_cn = "admin"
    root_pw = "root-secret"
    slapd_loglevel = "0"
    openldap_schema_files = (
        "core.ldif",
        "cosine.ldif",
        "inetorgperson.ldif",
        "nis.ldif",
        "msuser.ldif",
    )
    # (slapadd reads this before the schemas, so the limit names bound users, not one DN.)
    slapd_conf_template = SLAPD_CONF_TEMPLATE + (
        f"olcLimits: users size.soft={SERVICE_SIZE_LIMIT} size.hard={SERVICE_SIZE_LIMIT} "
        "size.prtotal=unlimited\n"
    )

    def __init__(self) -> None:
        super().__init__()
        self.ldaps_port = self._avail_tcp_port()
        self.ldaps_uri = f"ldaps://{self.local_host}:{self.ldaps_port}/"

    def _start_slapd(self) -> None:
        """Like slapdtest's, with an ldaps:// listener added."""
        urls = [self.ldap_uri, self.ldaps_uri] + ([self.ldapi_uri] if self.ldapi_uri else [])
        self._proc = subprocess.Popen(
            [self.PATH_SLAPD, "-F", self._slapd_conf, "-h", " ".join(urls), "-d", "0"]
        )
        deadline = time.monotonic() + 10
        while True:
            if self._proc.poll() is not None:
                self._stopped()
                raise RuntimeError("slapd exited before opening its port")
            try:
                self.ldapwhoami()
                return
            except RuntimeError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)

    def root(self) -> Any:
        conn = ldap.initialize(self.ldap_uri)
        conn.simple_bind_s(self.root_dn, self.root_pw)
        return conn


def _msuser_schema(tmpdir: str) -> str:
    """Debian's msuser schema, with AD's case-insensitive equality on sAMAccountName.

    The shipped file gives sAMAccountName no EQUALITY rule, so `(sAMAccountName=x)` never
    matches in slapd, while AD compares it ignoring case.
    """
    text = Path(PhysNetSlapd.SCHEMADIR or "/etc/ldap/schema", "msuser.ldif").read_text()
    text = text.replace(
        "  NAME 'sAMAccountName'\n", "  NAME 'sAMAccountName'\n  EQUALITY caseIgnoreMatch\n", 1
    )
    path = Path(tmpdir, "msuser.ldif")
    path.write_text(text)
    return str(path)


def start_server(tmpdir: str) -> PhysNetSlapd:
    PhysNetSlapd.TMPDIR = tmpdir
    PhysNetSlapd.openldap_schema_files = (
        *PhysNetSlapd.openldap_schema_files[:-1],
        _msuser_schema(tmpdir),
    )
    server = PhysNetSlapd()
    server.start()
    conn = server.root()
    for dn, attrs in [
        (
            SUFFIX,
            {
                "objectClass": ["dcObject", "organization"],
                "dc": ["example-health"],
                "o": ["Example Health"],
            },
        ),
        (f"ou=service,{SUFFIX}", {"objectClass": ["organizationalUnit"], "ou": ["service"]}),
        (
            SERVICE_DN,
            {
                "objectClass": ["person"],
                "cn": ["physnet"],
                "sn": ["service"],
                "userPassword": [SERVICE_PASSWORD],
            },
        ),
    ]:
        conn.add_s(dn, ldap.modlist.addModlist(_encode(attrs)))
    conn.unbind_s()
    return server


def _encode(attrs: dict[str, Any]) -> dict[str, list[bytes]]:
    out = {}
    for key, values in attrs.items():
        if values is None:
            continue
        if not isinstance(values, list):
            values = [values]
        out[key] = [v if isinstance(v, bytes) else str(v).encode() for v in values]
    return out


class Directory:
    """One test's own subtree (people, groups) in the shared slapd, and ways to change it."""

    def __init__(self, server: PhysNetSlapd, password: str) -> None:
        self.server = server
        self.password = password
        self.base = f"ou=run{next(_counter)}-{os.getpid()},{SUFFIX}"
        self.people = f"ou=people,{self.base}"
        self.groups = f"ou=groups,{self.base}"
        self.conn = server.root()
        for dn, ou in [
            (self.base, self.base.split(",")[0][3:]),
            (self.people, "people"),
            (self.groups, "groups"),
        ]:
            self.add(dn, objectClass="organizationalUnit", ou=ou)

    def add(self, dn: str, **attrs: Any) -> str:
        self.conn.add_s(dn, ldap.modlist.addModlist(_encode(attrs)))
        return dn

    def person(
        self, uid: str, cn: str | None = None, *, password: str | None = None, **attrs: Any
    ) -> str:
        """An inetOrgPerson under ou=people, with a full profile unless told otherwise."""
        cn = cn or uid.replace(".", " ").title()
        defaults = {
            "objectClass": "inetOrgPerson",
            "uid": uid,
            "cn": cn,
            "sn": cn.split()[-1],
            "displayName": cn,
            "mail": f"{uid}@example-health.org",
            "title": "Attending Physician",
            "departmentNumber": "Medicine",
            "businessCategory": "Internal Medicine",
            "physicalDeliveryOfficeName": "North Campus",
            "telephoneNumber": "+1 555 0100",
            "userPassword": password or self.password,
        }
        defaults.update(attrs)
        rdn = ldap.dn.dn2str([[("uid", uid, 1)]])
        return self.add(f"{rdn},{self.people}", **defaults)

    def group(self, cn: str, members: list[str]) -> str:
        dn = f"cn={cn},{self.groups}"
        # groupOfNames needs a member: the OU itself stands in for "nobody".
        return self.add(dn, objectClass="groupOfNames", cn=cn, member=members or [self.base])

    def modify(self, dn: str, **attrs: Any) -> None:
        changes = [
            (ldap.MOD_REPLACE if v is not None else ldap.MOD_DELETE, k, _encode({k: v}).get(k))
            for k, v in attrs.items()
        ]
        self.conn.modify_s(dn, changes)

    def add_member(self, group: str, dn: str) -> None:
        self.conn.modify_s(group, [(ldap.MOD_ADD, "member", [dn.encode()])])

    def remove_member(self, group: str, dn: str) -> None:
        try:
            self.conn.modify_s(group, [(ldap.MOD_DELETE, "member", [dn.encode()])])
        except ldap.OBJECT_CLASS_VIOLATION:  # the last member: leave the "nobody" stand-in
            self.conn.modify_s(group, [(ldap.MOD_REPLACE, "member", [self.base.encode()])])

    def rename(self, dn: str, new_uid: str) -> str:
        """Change the uid and the RDN with it: a rename in the directory."""
        rdn = ldap.dn.dn2str([[("uid", new_uid, 1)]])
        self.conn.rename_s(dn, rdn, delold=1)
        return f"{rdn},{self.people}"

    def delete(self, dn: str) -> None:
        self.conn.delete_s(dn)

    def entry_uuid(self, dn: str) -> str:
        result = self.conn.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", ["entryUUID"])
        return result[0][1]["entryUUID"][0].decode()

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """An [ldap] table for this subtree, as a TOML file would give it."""
        conf: dict[str, Any] = {
            "uri": self.server.ldap_uri,
            "bind_dn": SERVICE_DN,
            "bind_password": SERVICE_PASSWORD,
            "user_base": self.people,
            "user_filter": "(objectClass=inetOrgPerson)",
            "login_attr": "uid",
            "id_attr": "entryUUID",
            "disabled_filter": "(employeeType=disabled)",
            "page_size": 50,
            "timeout_s": 3,
            "groups": {"base": self.groups, "member_attr": "member"},
            "sync": {"max_deactivate_fraction": 0.5},
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(conf.get(key), dict):
                conf[key] = {**conf[key], **value}
            else:
                conf[key] = value
        return conf

    def close(self) -> None:
        self.conn.unbind_s()


def ad_guid() -> bytes:
    return uuid.uuid4().bytes_le

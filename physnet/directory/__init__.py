"""The hospital directory (LDAP / Active Directory): settings, reading, sign-in lookups.

Reads only: every change it leads to is made by `physnet.actions.directory`.
"""

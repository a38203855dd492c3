# -*- coding: utf-8 -*-
# Copyright (c) acstor.edge contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-assigned managed identities and their federated identity credentials (Microsoft.ManagedIdentity)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.acstor.edge.plugins.module_utils.arc_extension import RESOURCE_GROUP_PATTERN

MANAGED_IDENTITY_API_VERSION = "2023-01-31"
IDENTITY_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,127}")
# federatedIdentityCredentialResourceName in the Microsoft.ManagedIdentity spec: ^[a-zA-Z0-9]{1}[a-zA-Z0-9-_]{2,119}$
FEDERATED_CREDENTIAL_NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}")
# The audience Microsoft Entra workload identity federation expects (howto-configure-workload-identity.md).
WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange"
# ARM tag names: 1-512 characters, none of < > % & \ ? / (tag-resources.md#limitations); compared case-insensitively.
TAG_NAME_PATTERN = re.compile(r"[^<>%&\\?/]{1,512}")


def identity_path(subscription_id, resource_group, name):
    return "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{2}".format(
        subscription_id, resource_group, name)


def validate_identity_request(resource_group, name, federated_credentials, tags=None, ownership_tags=None, state="present"):
    """Problems with a user-assigned identity request, each naming the option (empty list = valid).

    With state=absent only the credential names matter (they say which credentials to remove).
    """
    bad = []
    if not RESOURCE_GROUP_PATTERN.fullmatch(resource_group or "") or (resource_group or "").endswith("."):
        bad.append("resource_group {0!r}".format(resource_group))
    if not IDENTITY_NAME_PATTERN.fullmatch(name or ""):
        bad.append("name {0!r} (3-128 letters, digits, '-', '_', starting with a letter or digit)".format(name))
    for credential in federated_credentials or []:
        if not FEDERATED_CREDENTIAL_NAME_PATTERN.fullmatch(credential.get("name") or ""):
            bad.append("federated_credentials[].name {0!r} (3-120 letters, digits, '-', '_', starting with a letter or "
                       "digit, as Microsoft.ManagedIdentity requires)".format(credential.get("name")))
        if state == "present" and not (credential.get("issuer") or "").startswith("https://"):
            bad.append("federated_credentials[].issuer {0!r} (must be https)".format(credential.get("issuer")))
        if state == "present" and not credential.get("subject"):
            bad.append("federated_credentials[].subject of {0!r} (required)".format(credential.get("name")))
    for option, given in (("tags", tags), ("ownership_tags", ownership_tags)):
        for tag_name, value in (given or {}).items():
            if not TAG_NAME_PATTERN.fullmatch(str(tag_name)):
                bad.append("{0} name {1!r} (1-512 characters, none of < > % & \\ ? /)".format(option, tag_name))
            if not isinstance(value, str) or len(value) > 256:
                bad.append("{0} value of {1!r} (a string of at most 256 characters)".format(option, tag_name))
    return bad


def identity_is_owned(identity, ownership_tags):
    """True when the identity carries every ownership tag: ARM compares tag names case-insensitively, values exactly.

    No ownership tags means no ownership check (the caller owns whatever it names).
    """
    tags = {str(k).lower(): v for k, v in ((identity or {}).get("tags") or {}).items()}
    return all(tags.get(str(k).lower()) == v for k, v in (ownership_tags or {}).items())


def plan_identity_removal(identity, ownership_tags, credential_names, existing_credential_names):
    """What state=absent does: ("delete_identity", name) when we own the identity; otherwise one
    ("delete_credential", name) per listed credential that exists, leaving the identity and its other credentials."""
    if identity is None:
        return []
    if identity_is_owned(identity, ownership_tags):
        return [("delete_identity", identity.get("name"))]
    existing = set(existing_credential_names)
    return [("delete_credential", name) for name in credential_names if name in existing]


def federated_credential_body(credential):
    return {"properties": {"issuer": credential["issuer"], "subject": credential["subject"],
                           "audiences": list(credential.get("audiences") or [WORKLOAD_IDENTITY_AUDIENCE])}}


def federated_credential_differs(current, credential):
    """True when the credential ARM returned is missing or differs in issuer, subject or audiences."""
    if current is None:
        return True
    wanted = federated_credential_body(credential)["properties"]
    properties = current.get("properties") or {}
    return (properties.get("issuer") != wanted["issuer"] or properties.get("subject") != wanted["subject"]
            or sorted(properties.get("audiences") or []) != sorted(wanted["audiences"]))

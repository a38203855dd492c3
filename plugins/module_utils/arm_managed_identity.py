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


def identity_path(subscription_id, resource_group, name):
    return "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{2}".format(
        subscription_id, resource_group, name)


def validate_identity_request(resource_group, name, federated_credentials):
    """Problems with a user-assigned identity request, each naming the option (empty list = valid)."""
    bad = []
    if not RESOURCE_GROUP_PATTERN.fullmatch(resource_group or "") or (resource_group or "").endswith("."):
        bad.append("resource_group {0!r}".format(resource_group))
    if not IDENTITY_NAME_PATTERN.fullmatch(name or ""):
        bad.append("name {0!r} (3-128 letters, digits, '-', '_', starting with a letter or digit)".format(name))
    for credential in federated_credentials or []:
        if not FEDERATED_CREDENTIAL_NAME_PATTERN.fullmatch(credential.get("name") or ""):
            bad.append("federated_credentials[].name {0!r} (3-120 letters, digits, '-', '_', starting with a letter or "
                       "digit, as Microsoft.ManagedIdentity requires)".format(credential.get("name")))
        if not (credential.get("issuer") or "").startswith("https://"):
            bad.append("federated_credentials[].issuer {0!r} (must be https)".format(credential.get("issuer")))
    return bad


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

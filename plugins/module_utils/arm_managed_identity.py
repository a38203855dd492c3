# -*- coding: utf-8 -*-
# Copyright (c) acstor.edge contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-assigned managed identities and their federated identity credentials (Microsoft.ManagedIdentity)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MANAGED_IDENTITY_API_VERSION = "2023-01-31"
# The audience Microsoft Entra workload identity federation expects (howto-configure-workload-identity.md).
WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange"


def identity_path(subscription_id, resource_group, name):
    return "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{2}".format(
        subscription_id, resource_group, name)


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

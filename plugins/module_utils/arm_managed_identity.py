# -*- coding: utf-8 -*-
# Copyright (c) acstor.edge contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-assigned managed identities and their federated identity credentials (Microsoft.ManagedIdentity)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.acstor.edge.plugins.module_utils import azure_inputs as azure
from ansible_collections.acstor.edge.plugins.module_utils import node_inputs as rules

MANAGED_IDENTITY_API_VERSION = "2023-01-31"
# The audience Microsoft Entra workload identity federation expects (howto-configure-workload-identity.md).
WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange"


def identity_path(subscription_id, resource_group, name):
    return "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{2}".format(
        subscription_id, resource_group, name)


def validate_identity_request(params, name=None):
    """Every problem with a user-assigned identity request, each naming the option (empty list = valid).

    params: resource_group, name, location, tags, federated_credentials; name(option) -> the name to report.
    """
    name = name or (lambda option: option)
    errors = []
    rules.check(errors, name("resource_group"), params.get("resource_group"), azure.resource_group)
    rules.check(errors, name("name"), params.get("name"), azure.identity_name)
    if params.get("location"):
        rules.check(errors, name("location"), params["location"], azure.location)
    azure.check_tags(errors, name("tags"), params.get("tags"))
    azure.check_federated_credentials(errors, name("federated_credentials"), params.get("federated_credentials"))
    return errors


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

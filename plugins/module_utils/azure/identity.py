# -*- coding: utf-8 -*-
# Copyright (c) acstor.edge contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-assigned managed identities and their federated identity credentials (Microsoft.ManagedIdentity)."""

from ansible_collections.acstor.edge.plugins.module_utils.azure import inputs as azure
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules

MANAGED_IDENTITY_API_VERSION = "2023-01-31"
# The audience Microsoft Entra workload identity federation expects (howto-configure-workload-identity.md).
WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange"


def identity_path(subscription_id, resource_group, name):
    return (
        "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{2}".format(
            subscription_id, resource_group, name
        )
    )


def validate_identity_request(params, name=None):
    """Every problem with a user-assigned identity request, each naming the option (empty list = valid).

    params: resource_group, name, location, tags, ownership_tags, federated_credentials, state;
    name(option) -> the name to report. With state=absent only the credential names matter (they say which
    credentials to remove).
    """
    name = name or (lambda option: option)
    errors = []
    rules.check(errors, name("resource_group"), params.get("resource_group"), azure.resource_group)
    rules.check(errors, name("name"), params.get("name"), azure.identity_name)
    if params.get("location"):
        rules.check(errors, name("location"), params["location"], azure.location)
    azure.check_tags(errors, name("tags"), params.get("tags"))
    azure.check_tags(errors, name("ownership_tags"), params.get("ownership_tags"))
    if params.get("state") == "absent":
        for index, credential in enumerate(params.get("federated_credentials") or []):
            option = name("federated_credentials") + "[%d].name" % index
            rules.check(
                errors,
                option,
                (credential or {}).get("name") if isinstance(credential, dict) else credential,
                azure.federated_credential_name,
            )
    else:
        azure.check_federated_credentials(errors, name("federated_credentials"), params.get("federated_credentials"))
    return errors


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
    return {
        "properties": {
            "issuer": credential["issuer"],
            "subject": credential["subject"],
            "audiences": list(credential.get("audiences") or [WORKLOAD_IDENTITY_AUDIENCE]),
        }
    }


def federated_credential_differs(current, credential):
    """True when the credential ARM returned is missing or differs in issuer, subject or audiences."""
    if current is None:
        return True
    wanted = federated_credential_body(credential)["properties"]
    properties = current.get("properties") or {}
    return (
        properties.get("issuer") != wanted["issuer"]
        or properties.get("subject") != wanted["subject"]
        or sorted(properties.get("audiences") or []) != sorted(wanted["audiences"])
    )

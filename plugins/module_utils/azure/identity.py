# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""User-assigned managed identities and their federated identity credentials (Microsoft.ManagedIdentity).

discover (`read_identity`: the identity and its credentials) -> plan (`plan_identity`, pure) -> apply
(`apply_identity_plan`), the way arc_extension works.
"""

from dataclasses import dataclass, field

from ansible_collections.acstor.edge.plugins.module_utils.azure import inputs as azure
from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError
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


class IdentityConflict(AcstorError):
    """The identity cannot be made to match the request (no location to create it, or another location)."""


@dataclass
class IdentityAction:
    kind: str  # create_identity, put_credential, delete_identity, delete_credential
    name: str
    description: str
    body: dict = None


@dataclass
class IdentityPlan:
    actions: list = field(default_factory=list)
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    owned: bool = False

    def describe(self):
        return [action.description for action in self.actions]


def identity_state(identity, credential_names):
    """What --diff shows of an identity."""
    if identity is None:
        return {}
    return {
        "name": identity.get("name"),
        "tags": dict(identity.get("tags") or {}),
        "federated_credentials": sorted(credential_names),
    }


def same_location(left, right):
    return (left or "").replace(" ", "").lower() == (right or "").replace(" ", "").lower()


def plan_identity_absent(identity, credentials, request):
    """state=absent: the identity when we own it, else only the listed federated credentials."""
    wanted = [credential["name"] for credential in request["federated_credentials"]]
    removal = plan_identity_removal(identity, request["ownership_tags"], wanted, list(credentials))
    plan = IdentityPlan(
        before=identity_state(identity, credentials),
        owned=identity is not None and identity_is_owned(identity, request["ownership_tags"]),
    )
    plan.after = dict(plan.before)
    for kind, name in removal:
        if kind == "delete_identity":
            plan.actions.append(IdentityAction(kind, name, "delete identity " + name))
            plan.after = {}
        else:
            plan.actions.append(
                IdentityAction(
                    kind,
                    name,
                    "delete federated credential {0} from identity {1} (kept: it lacks the ownership tags)".format(
                        name, request["name"]
                    ),
                )
            )
            plan.after["federated_credentials"] = [n for n in plan.after["federated_credentials"] if n != name]
    return plan


def plan_identity(identity, credentials, request):
    """What to do to get from `identity` (GET result or None) and `credentials` (name -> credential) to `request`.

    request: name, location, tags, ownership_tags, federated_credentials, state. Raises IdentityConflict.
    """
    if request["state"] == "absent":
        return plan_identity_absent(identity, credentials, request)
    plan = IdentityPlan(
        before=identity_state(identity, credentials),
        owned=identity is None or identity_is_owned(identity, request["ownership_tags"]),
    )
    planned = identity
    if identity is None:
        if not request["location"]:
            raise IdentityConflict("location is required to create identity {0}".format(request["name"]))
        body = {"location": request["location"], "tags": dict(request["tags"] or {}, **request["ownership_tags"])}
        plan.actions.append(
            IdentityAction("create_identity", request["name"], "create identity " + request["name"], body)
        )
        planned = {"name": request["name"], "tags": body["tags"]}
    elif request["location"] and not same_location(identity.get("location"), request["location"]):
        raise IdentityConflict(
            "identity {0} exists in {1}, not {2}; the location cannot change".format(
                request["name"], identity.get("location"), request["location"]
            )
        )
    names = set(credentials)
    for credential in request["federated_credentials"]:
        current = credentials.get(credential["name"])
        if federated_credential_differs(current, credential):
            plan.actions.append(
                IdentityAction(
                    "put_credential",
                    credential["name"],
                    "{0} federated credential {1} ({2})".format(
                        "create" if current is None else "update", credential["name"], credential["subject"]
                    ),
                    federated_credential_body(credential),
                )
            )
            names.add(credential["name"])
    plan.after = identity_state(planned, names)
    return plan


def read_identity(client, path):
    """(identity or None, name -> federated credential) as ARM returns them."""
    identity = client.get(path, MANAGED_IDENTITY_API_VERSION)
    if identity is None:
        return None, {}
    listed = client.get(path + "/federatedIdentityCredentials", MANAGED_IDENTITY_API_VERSION) or {}
    return identity, dict((credential.get("name"), credential) for credential in listed.get("value") or [])


def apply_identity_plan(client, path, plan, identity):
    """Send the plan's requests in order; returns the identity as it is afterwards (None once deleted)."""
    for action in plan.actions:
        if action.kind == "create_identity":
            identity = client.request("PUT", path, MANAGED_IDENTITY_API_VERSION, body=action.body).body
        elif action.kind == "put_credential":
            client.request(
                "PUT",
                path + "/federatedIdentityCredentials/" + action.name,
                MANAGED_IDENTITY_API_VERSION,
                body=action.body,
            )
        elif action.kind == "delete_identity":
            client.request("DELETE", path, MANAGED_IDENTITY_API_VERSION)
        else:
            client.request(
                "DELETE", path + "/federatedIdentityCredentials/" + action.name, MANAGED_IDENTITY_API_VERSION
            )
    return identity

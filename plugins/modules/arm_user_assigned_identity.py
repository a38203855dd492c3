#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) acstor.edge contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# azure.azcollection has user-assigned identity modules, but they need azure-mgmt-msi and the collection's full SDK
# requirement set; this one shares our ARM client (credentials, retries, clouds, test server) with arc_extension.

DOCUMENTATION = r"""
module: arm_user_assigned_identity
short_description: User-assigned managed identity with federated identity credentials
version_added: 0.1.0
description:
  - Ensures a user-assigned managed identity (C(Microsoft.ManagedIdentity/userAssignedIdentities), api-version
    C(2023-01-31)) and the listed federated identity credentials, as needed for Azure Container Storage's
    workload-identity authentication.
  - Federated credentials are compared by issuer, subject and audiences and rewritten only when they differ;
    credentials not listed are left alone.
  - O(ownership_tags) marks the identity as created by the caller, so that O(state=absent) removes only what the
    caller created; see O(state).
author:
  - acstor.edge contributors (@acstor)
extends_documentation_fragment:
  - acstor.edge.azure_auth
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: full
    description: The identity's tags and federated credential names before and after.
options:
  resource_group:
    description: Resource group of the identity.
    type: str
    required: true
  name:
    description: Name of the identity.
    type: str
    required: true
  location:
    description: Azure region; required to create the identity.
    type: str
  tags:
    description: Tags set when the identity is created.
    type: dict
  ownership_tags:
    description:
      - Tags that say the caller created the identity. They are added to O(tags) when the module creates the
        identity, and never added to an identity that already exists (someone else created it).
      - With O(state=absent), the identity is deleted only when it carries every one of these tags (names compared
        case-insensitively, as ARM does); otherwise only the federated credentials named in O(federated_credentials)
        are deleted and the identity and its other credentials stay.
      - Tag names are 1-512 characters without C(<), C(>), C(%), C(&), C(\), C(?) or C(/) (ARM's rule), values
        at most 256 characters.
    type: dict
    default: {}
  federated_credentials:
    description: Federated identity credentials of the identity.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Credential name, 3-120 letters, digits, C(-) and C(_), starting with a letter or digit (the
            Microsoft.ManagedIdentity pattern); anything else is refused before any request.
        type: str
        required: true
      issuer:
        description: OIDC issuer URL of the cluster; required with O(state=present).
        type: str
      subject:
        description: Token subject, C(system:serviceaccount:<namespace>:<serviceaccount>); required with O(state=present).
        type: str
      audiences:
        description: Token audiences.
        type: list
        elements: str
        default: [api://AzureADTokenExchange]
  state:
    description:
      - V(absent) deletes the identity and with it its federated credentials, when it carries the O(ownership_tags)
        (or none are given).
      - An identity without them is kept; only the federated credentials listed by name are deleted from it.
    type: str
    default: present
    choices: [present, absent]
"""

EXAMPLES = r"""
- name: Identity for Azure Container Storage workload identity
  acstor.edge.arm_user_assigned_identity:
    resource_group: rg-edge
    name: acsa-store-0042
    location: westeurope
    federated_credentials:
      - name: acsa-csi-fed
        issuer: "{{ oidc_issuer_url }}"
        subject: system:serviceaccount:azure-arc-containerstorage:csi-wyvern-sa
    ownership_tags:
      acstor.edge.owned-by: arc_extension

- name: Remove it if we created it, else only our federated credential
  acstor.edge.arm_user_assigned_identity:
    resource_group: rg-edge
    name: acsa-store-0042
    ownership_tags:
      acstor.edge.owned-by: arc_extension
    federated_credentials:
      - name: acsa-csi-fed
    state: absent
"""

RETURN = r"""
identity:
  description:
    - The identity resource (C(properties.principalId), C(properties.clientId), C(properties.tenantId)).
    - With O(state=absent), the identity as it was before the deletion (empty when there was none).
  returned: always
  type: dict
owned:
  description: Whether the identity carries every O(ownership_tags) (true when it is created, or none are given).
  returned: always
  type: bool
actions:
  description: What was (or in check mode would be) created, updated or deleted.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.azure.auth import azure_auth_argument_spec
from ansible_collections.acstor.edge.plugins.module_utils.azure.client import ArmError
from ansible_collections.acstor.edge.plugins.module_utils.azure.identity import (
    MANAGED_IDENTITY_API_VERSION,
    WORKLOAD_IDENTITY_AUDIENCE,
    federated_credential_body,
    federated_credential_differs,
    identity_is_owned,
    identity_path,
    plan_identity_removal,
    validate_identity_request,
)
from ansible_collections.acstor.edge.plugins.module_utils.azure.module import arm_client_for_module
from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import refuse_invalid


def identity_state(identity, credential_names):
    """What --diff shows of an identity."""
    if identity is None:
        return {}
    return {
        "name": identity.get("name"),
        "tags": dict(identity.get("tags") or {}),
        "federated_credentials": sorted(credential_names),
    }


def credential_names(client, path, identity):
    if identity is None:
        return []
    listed = client.get(path + "/federatedIdentityCredentials", MANAGED_IDENTITY_API_VERSION) or {}
    return [credential.get("name") for credential in listed.get("value") or []]


def remove(module, client, path, identity, actions):
    """state=absent: the identity when we own it, else only our federated credentials."""
    params = module.params
    before_names = credential_names(client, path, identity)
    wanted = [credential["name"] for credential in params["federated_credentials"]]
    plan = plan_identity_removal(identity, params["ownership_tags"], wanted, before_names)
    after = identity_state(identity, before_names)
    for kind, name in plan:
        if kind == "delete_identity":
            actions.append("delete identity " + name)
            after = {}
            if not module.check_mode:
                client.request("DELETE", path, MANAGED_IDENTITY_API_VERSION)
        else:
            actions.append(
                "delete federated credential {0} from identity {1} (kept: it lacks the ownership tags)".format(
                    name, params["name"]
                )
            )
            after["federated_credentials"] = [n for n in after["federated_credentials"] if n != name]
            if not module.check_mode:
                client.request("DELETE", path + "/federatedIdentityCredentials/" + name, MANAGED_IDENTITY_API_VERSION)
    return identity_state(identity, before_names), after


def main():
    argument_spec = azure_auth_argument_spec()
    argument_spec.update(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        location=dict(type="str"),
        tags=dict(type="dict"),
        ownership_tags=dict(type="dict", default={}),
        federated_credentials=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                name=dict(type="str", required=True),
                issuer=dict(type="str"),
                subject=dict(type="str"),
                audiences=dict(type="list", elements="str", default=[WORKLOAD_IDENTITY_AUDIENCE]),
            ),
        ),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    refuse_invalid(module, argument_spec, validate_identity_request(params))
    progress = []
    client = arm_client_for_module(module, progress)
    path = identity_path(client.subscription_id, params["resource_group"], params["name"])
    actions = []
    planned = None
    try:
        identity = client.get(path, MANAGED_IDENTITY_API_VERSION)
        owned = identity is None or identity_is_owned(identity, params["ownership_tags"])
        if params["state"] == "absent":
            before, after = remove(module, client, path, identity, actions)
            # The identity as it was (what was deleted): teardown reads its principal to remove its role assignments.
            module.exit_json(
                changed=bool(actions),
                actions=actions,
                identity=identity or {},
                owned=owned and identity is not None,
                diff=dict(before=before, after=after),
                progress=progress,
            )
        before = identity_state(identity, credential_names(client, path, identity))
        if identity is None:
            if not params["location"]:
                module.fail_json(msg="location is required to create identity {0}".format(params["name"]))
            actions.append("create identity " + params["name"])
            body = {"location": params["location"], "tags": dict(params["tags"] or {}, **params["ownership_tags"])}
            if module.check_mode:
                planned = {"name": params["name"], "tags": body["tags"]}
            else:
                identity = client.request("PUT", path, MANAGED_IDENTITY_API_VERSION, body=body).body
        elif (
            params["location"]
            and identity.get("location", "").replace(" ", "").lower() != params["location"].replace(" ", "").lower()
        ):
            module.fail_json(
                msg="identity {0} exists in {1}, not {2}; the location cannot change".format(
                    params["name"], identity.get("location"), params["location"]
                )
            )
        names = set(before.get("federated_credentials") or [])
        for credential in params["federated_credentials"]:
            credential_path = path + "/federatedIdentityCredentials/" + credential["name"]
            current = client.get(credential_path, MANAGED_IDENTITY_API_VERSION) if identity else None
            if federated_credential_differs(current, credential):
                actions.append(
                    "{0} federated credential {1} ({2})".format(
                        "create" if current is None else "update", credential["name"], credential["subject"]
                    )
                )
                names.add(credential["name"])
                if not module.check_mode:
                    client.request(
                        "PUT", credential_path, MANAGED_IDENTITY_API_VERSION, body=federated_credential_body(credential)
                    )
    except ArmError as exc:
        module.fail_json(msg=str(exc), error=exc.as_dict(), actions=actions, progress=progress)
    after = identity_state(identity or planned, names)
    module.exit_json(
        changed=bool(actions),
        actions=actions,
        identity=identity or {},
        owned=owned,
        diff=dict(before=before, after=after),
        progress=progress,
    )


if __name__ == "__main__":
    main()

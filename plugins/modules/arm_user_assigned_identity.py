#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
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
extends_documentation_fragment:
  - acstor.edge.azure_auth
  - acstor.edge.attributes.full
attributes:
  check_mode:
    details: Reads only.
  diff_mode:
    details: The identity's tags and federated credential names before and after.
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

from ansible_collections.acstor.edge.plugins.module_utils.azure import module as arm_module
from ansible_collections.acstor.edge.plugins.module_utils.azure.identity import (
    WORKLOAD_IDENTITY_AUDIENCE,
    apply_identity_plan,
    identity_path,
    plan_identity,
    read_identity,
    validate_identity_request,
)
from ansible_collections.acstor.edge.plugins.module_utils.common.argspec import list_of_dicts

SPEC = dict(
    resource_group=dict(type="str", required=True),
    name=dict(type="str", required=True),
    location=dict(type="str"),
    tags=dict(type="dict"),
    ownership_tags=dict(type="dict", default={}),
    federated_credentials=list_of_dicts(
        name=dict(type="str", required=True),
        issuer=dict(type="str"),
        subject=dict(type="str"),
        audiences=dict(type="list", elements="str", default=[WORKLOAD_IDENTITY_AUDIENCE]),
    ),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def ensure_identity(module, client, result):
    params = module.params
    path = identity_path(client.subscription_id, params["resource_group"], params["name"])
    identity, credentials = read_identity(client, path)
    plan = plan_identity(identity, credentials, params)
    result.update(
        changed=bool(plan.actions),
        actions=plan.describe(),
        owned=plan.owned,
        diff=dict(before=plan.before, after=plan.after),
        identity=identity or {},
    )
    if not module.check_mode:
        applied = apply_identity_plan(client, path, plan, identity)
        # After state=absent: the identity as it was (teardown reads its principal to remove its role assignments).
        if params["state"] == "present":
            result["identity"] = applied or {}


def main():
    arm_module.run_module(SPEC, validate_identity_request, ensure_identity)


if __name__ == "__main__":
    main()

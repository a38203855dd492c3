#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) acstor.edge contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
author:
  - acstor.edge contributors (@acstor)
extends_documentation_fragment:
  - acstor.edge.azure_auth
attributes:
  check_mode:
    support: full
    description: Reads only.
  diff_mode:
    support: none
    description: RV(actions) lists what changed.
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
        description: OIDC issuer URL of the cluster.
        type: str
        required: true
      subject:
        description: Token subject, C(system:serviceaccount:<namespace>:<serviceaccount>).
        type: str
        required: true
      audiences:
        description: Token audiences.
        type: list
        elements: str
        default: [api://AzureADTokenExchange]
  state:
    description: V(absent) deletes the identity and with it its federated credentials.
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
"""

RETURN = r"""
identity:
  description:
    - The identity resource (C(properties.principalId), C(properties.clientId), C(properties.tenantId)).
    - With O(state=absent), the identity as it was before the deletion (empty when there was none).
  returned: always
  type: dict
actions:
  description: What was (or in check mode would be) created or updated.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.common_inputs import refuse_invalid
from ansible_collections.acstor.edge.plugins.module_utils.arm_client import ArmError
from ansible_collections.acstor.edge.plugins.module_utils.arm_managed_identity import (
    MANAGED_IDENTITY_API_VERSION,
    WORKLOAD_IDENTITY_AUDIENCE,
    federated_credential_body,
    federated_credential_differs,
    identity_path,
    validate_identity_request,
)
from ansible_collections.acstor.edge.plugins.module_utils.arm_module import arm_client_for_module
from ansible_collections.acstor.edge.plugins.module_utils.azure_auth import azure_auth_argument_spec


def main():
    argument_spec = azure_auth_argument_spec()
    argument_spec.update(
        resource_group=dict(type="str", required=True),
        name=dict(type="str", required=True),
        location=dict(type="str"),
        tags=dict(type="dict"),
        federated_credentials=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            issuer=dict(type="str", required=True),
            subject=dict(type="str", required=True),
            audiences=dict(type="list", elements="str", default=[WORKLOAD_IDENTITY_AUDIENCE]),
        )),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    refuse_invalid(module, argument_spec, validate_identity_request(params))
    progress = []
    client = arm_client_for_module(module, progress)
    path = identity_path(client.subscription_id, params["resource_group"], params["name"])
    actions = []
    try:
        identity = client.get(path, MANAGED_IDENTITY_API_VERSION)
        if params["state"] == "absent":
            if identity is not None:
                actions.append("delete identity " + params["name"])
                if not module.check_mode:
                    client.request("DELETE", path, MANAGED_IDENTITY_API_VERSION)
            # The identity as it was (what was deleted): teardown reads its principal to remove its role assignments.
            module.exit_json(changed=bool(actions), actions=actions, identity=identity or {}, progress=progress)
        if identity is None:
            if not params["location"]:
                module.fail_json(msg="location is required to create identity {0}".format(params["name"]))
            actions.append("create identity " + params["name"])
            if not module.check_mode:
                body = {"location": params["location"], "tags": params["tags"] or {}}
                identity = client.request("PUT", path, MANAGED_IDENTITY_API_VERSION, body=body).body
        elif params["location"] and identity.get("location", "").replace(" ", "").lower() != params["location"].replace(" ", "").lower():
            module.fail_json(msg="identity {0} exists in {1}, not {2}; the location cannot change".format(
                params["name"], identity.get("location"), params["location"]))
        for credential in params["federated_credentials"]:
            credential_path = path + "/federatedIdentityCredentials/" + credential["name"]
            current = client.get(credential_path, MANAGED_IDENTITY_API_VERSION) if identity else None
            if federated_credential_differs(current, credential):
                actions.append("{0} federated credential {1} ({2})".format(
                    "create" if current is None else "update", credential["name"], credential["subject"]))
                if not module.check_mode:
                    client.request("PUT", credential_path, MANAGED_IDENTITY_API_VERSION, body=federated_credential_body(credential))
    except ArmError as exc:
        module.fail_json(msg=str(exc), error=exc.as_dict(), actions=actions, progress=progress)
    module.exit_json(changed=bool(actions), actions=actions, identity=identity or {}, progress=progress)


if __name__ == "__main__":
    main()

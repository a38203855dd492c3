#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) acstor.edge contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why not azure.azcollection.azure_rm_roleassignment: it needs azure-mgmt-authorization, msrestazure and the rest of
# azure.azcollection's requirements (dozens of SDK packages, not in our execution environment), and it cannot wait
# for a principal that is still replicating. This module reuses our ARM client: same credentials, retries, clouds
# and the HTTPS test server.

DOCUMENTATION = r"""
module: arm_role_assignment
short_description: Assign an Azure RBAC role to a principal, waiting for new principals to replicate
version_added: 0.1.0
description:
  - Ensures a role assignment (C(Microsoft.Authorization/roleAssignments), api-version C(2022-04-01)) of one role to
    one principal at one scope, for example C(Storage Blob Data Owner) for an Arc extension's identity on a storage
    account.
  - A principal created moments ago (an extension's system-assigned identity) is often not yet known to the
    directory; the module retries C(PrincipalNotFound) until O(principal_wait_timeout).
  - The assignment's name is derived from scope, role and principal, so reruns never create duplicates.
author:
  - acstor.edge contributors (@acstor)
extends_documentation_fragment:
  - acstor.edge.azure_auth
attributes:
  check_mode:
    support: full
    description: Reads existing assignments only.
  diff_mode:
    support: none
    description: The result lists the assignment that would be created or removed.
options:
  scope:
    description: Resource id the role applies to, for example a storage account id.
    type: str
    required: true
  role_definition_name:
    description: Role name, for example C(Storage Blob Data Owner). Looked up at O(scope).
    type: str
  role_definition_id:
    description: Full role definition id, instead of O(role_definition_name).
    type: str
  principal_id:
    description: Object id of the principal (for example C(identity.principalId) of an extension).
    type: str
    required: true
  principal_type:
    description: Kind of principal; managed identities are C(ServicePrincipal).
    type: str
    default: ServicePrincipal
    choices: [ServicePrincipal, User, Group, ForeignGroup, Device]
  principal_wait_timeout:
    description: Seconds to keep retrying while the principal is not yet replicated.
    type: int
    default: 300
  state:
    description: Whether the assignment should exist.
    type: str
    default: present
    choices: [present, absent]
"""

EXAMPLES = r"""
- name: Let the Azure Container Storage extension write to the account
  acstor.edge.arm_role_assignment:
    scope: /subscriptions/xxx/resourceGroups/rg-edge/providers/Microsoft.Storage/storageAccounts/edgeingest
    role_definition_name: Storage Blob Data Owner
    principal_id: "{{ acsa.principal_id }}"
"""

RETURN = r"""
role_definition_id:
  description: Resolved role definition id.
  returned: always
  type: str
assignments:
  description: The matching assignments after the task (empty after removal or in check mode before creation).
  returned: always
  type: list
  elements: dict
progress:
  description: Retries while waiting for the principal, for C(-v) output.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.azure.auth import azure_auth_argument_spec
from ansible_collections.acstor.edge.plugins.module_utils.azure.authorization import (
    AUTHORIZATION_API_VERSION,
    create_role_assignment,
    existing_assignments,
    role_definition_id_by_name,
    validate_role_assignment,
)
from ansible_collections.acstor.edge.plugins.module_utils.azure.client import ArmError
from ansible_collections.acstor.edge.plugins.module_utils.azure.module import arm_client_for_module
from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import message, refuse_invalid


def main():
    argument_spec = azure_auth_argument_spec()
    argument_spec.update(
        scope=dict(type="str", required=True),
        role_definition_name=dict(type="str"),
        role_definition_id=dict(type="str"),
        principal_id=dict(type="str", required=True),
        principal_type=dict(
            type="str",
            default="ServicePrincipal",
            choices=["ServicePrincipal", "User", "Group", "ForeignGroup", "Device"],
        ),
        principal_wait_timeout=dict(type="int", default=300),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("role_definition_name", "role_definition_id")],
        required_one_of=[("role_definition_name", "role_definition_id")],
    )
    params = module.params
    errors = validate_role_assignment(params)
    if params["principal_wait_timeout"] <= 0:
        errors.append(message("principal_wait_timeout", "must be a positive number of seconds", "positive-integer"))
    refuse_invalid(module, argument_spec, errors)
    scope = params["scope"].rstrip("/")
    progress = []
    client = arm_client_for_module(module, progress, params["principal_wait_timeout"])
    result = dict(changed=False, assignments=[], progress=progress)
    try:
        role_id = params["role_definition_id"] or role_definition_id_by_name(
            client, scope, params["role_definition_name"]
        )
        result["role_definition_id"] = role_id
        found = existing_assignments(client, scope, role_id, params["principal_id"])
        if params["state"] == "present" and not found:
            result["changed"] = True
            if not module.check_mode:
                created = create_role_assignment(
                    client,
                    scope,
                    role_id,
                    params["principal_id"],
                    params["principal_type"],
                    params["principal_wait_timeout"],
                )
                found = [created] if created else existing_assignments(client, scope, role_id, params["principal_id"])
        elif params["state"] == "absent" and found:
            result["changed"] = True
            if not module.check_mode:
                for assignment in found:
                    client.request("DELETE", assignment["id"], AUTHORIZATION_API_VERSION)
                found = []
    except ArmError as exc:
        module.fail_json(msg=str(exc), error=exc.as_dict(), **result)
    result["assignments"] = found
    module.exit_json(**result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
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
extends_documentation_fragment:
  - acstor.edge.azure_auth
  - acstor.edge.attributes
attributes:
  check_mode:
    support: full
    details: Reads existing assignments only.
  diff_mode:
    support: none
    details: The result lists the assignment that would be created or removed.
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
  ownership_marker:
    description:
      - Text that says the caller created the assignment. It is written as the assignment's C(description) when the
        module creates it, and never added to an assignment that already exists (someone else created it).
      - With O(state=absent), only assignments whose description is this text are removed; the others are kept and
        returned in RV(kept). Empty means no ownership check (every matching assignment is removed).
    type: str
    default: ""
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
    ownership_marker: acstor.edge.owned-by=arc_extension

- name: Remove it again, unless someone else made that assignment
  acstor.edge.arm_role_assignment:
    scope: /subscriptions/xxx/resourceGroups/rg-edge/providers/Microsoft.Storage/storageAccounts/edgeingest
    role_definition_name: Storage Blob Data Owner
    principal_id: "{{ acsa.principal_id }}"
    ownership_marker: acstor.edge.owned-by=arc_extension
    state: absent
"""

RETURN = r"""
role_definition_id:
  description: Resolved role definition id.
  returned: always
  type: str
assignments:
  description:
    - The matching assignments after the task (none in check mode before creation).
    - After removal, only those kept because they lack O(ownership_marker).
  returned: always
  type: list
  elements: dict
kept:
  description: With O(state=absent), the matching assignments left in place because they lack O(ownership_marker).
  returned: always
  type: list
  elements: dict
progress:
  description: Retries while waiting for the principal, for C(-v) output.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.acstor.edge.plugins.module_utils.azure import module as arm_module
from ansible_collections.acstor.edge.plugins.module_utils.azure.authorization import (
    apply_role_assignment_plan,
    existing_assignments,
    plan_role_assignment,
    role_definition_id_by_name,
    validate_role_assignment,
)
from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import message

SPEC = dict(
    scope=dict(type="str", required=True),
    role_definition_name=dict(type="str"),
    role_definition_id=dict(type="str"),
    principal_id=dict(type="str", required=True),
    principal_type=dict(
        type="str", default="ServicePrincipal", choices=["ServicePrincipal", "User", "Group", "ForeignGroup", "Device"]
    ),
    principal_wait_timeout=dict(type="int", default=300),
    ownership_marker=dict(type="str", default=""),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def validate(params):
    errors = validate_role_assignment(params)
    if params["principal_wait_timeout"] <= 0:
        errors.append(message("principal_wait_timeout", "must be a positive number of seconds", "positive-integer"))
    return errors


def ensure_assignment(module, client, result):
    request = dict(module.params, scope=module.params["scope"].rstrip("/"))
    result.update(assignments=[], kept=[])
    request["role_definition_id"] = request["role_definition_id"] or role_definition_id_by_name(
        client, request["scope"], request["role_definition_name"]
    )
    result["role_definition_id"] = request["role_definition_id"]
    found = existing_assignments(client, request["scope"], request["role_definition_id"], request["principal_id"])
    plan = plan_role_assignment(found, request["state"], request["ownership_marker"])
    result.update(changed=plan.changed, assignments=found, kept=plan.kept)
    if plan.changed and not module.check_mode:
        result["assignments"] = apply_role_assignment_plan(client, plan, request)


def main():
    arm_module.run_module(
        SPEC,
        validate,
        ensure_assignment,
        timeout_option="principal_wait_timeout",
        mutually_exclusive=[("role_definition_name", "role_definition_id")],
        required_one_of=[("role_definition_name", "role_definition_id")],
    )


if __name__ == "__main__":
    main()

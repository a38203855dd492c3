# -*- coding: utf-8 -*-
# Copyright (c) acstor.edge contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure RBAC role assignments (Microsoft.Authorization, api-version 2022-04-01) through ArmClient.

Pure helpers (assignment naming, matching) plus `ensure_role_assignment`, which retries while a freshly created
principal (an extension's system-assigned identity) has not yet replicated to the directory.
"""

import uuid

from ansible_collections.acstor.edge.plugins.module_utils.azure import inputs as azure
from ansible_collections.acstor.edge.plugins.module_utils.azure.client import ArmError, ArmTimeoutError
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules

AUTHORIZATION_API_VERSION = "2022-04-01"
PRINCIPAL_RETRY_SECONDS = 3.0
# ARM answers a new principal with these codes until directory replication catches up.
PRINCIPAL_NOT_READY_CODES = ("PrincipalNotFound",)


def validate_role_assignment(params, name=None):
    """Every problem with a role assignment request, each naming the option (empty list = valid).

    params: scope, role_definition_name, role_definition_id, principal_id; name(option) -> the name to report.
    """
    name = name or (lambda option: option)
    errors = []
    rules.check(errors, name("scope"), params.get("scope"), azure.arm_scope)
    if params.get("role_definition_id") is not None:
        rules.check(errors, name("role_definition_id"), params["role_definition_id"], azure.role_definition_id)
    if params.get("role_definition_name") is not None:
        rules.check(errors, name("role_definition_name"), params["role_definition_name"], azure.role_name)
    if params.get("principal_id") in (None, "") or (
        isinstance(params.get("principal_id"), str) and not params["principal_id"].strip()
    ):
        errors.append(
            rules.message(
                name("principal_id"), "is empty (did the extension get its identity.principalId yet?)", "required"
            )
        )
    else:
        rules.check(errors, name("principal_id"), params["principal_id"], azure.principal_id)
    return errors


def assignment_name(scope, role_definition_id, principal_id):
    """Deterministic assignment GUID, so a retried or repeated run addresses the same resource."""
    key = "|".join([scope.lower(), role_definition_id.rsplit("/", 1)[-1].lower(), principal_id.lower()])
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "acstor.edge/" + key))


def matching_assignments(assignments, scope, role_definition_id, principal_id):
    """Assignments of exactly this role to this principal at exactly this scope (list filters return more)."""
    role_guid = role_definition_id.rsplit("/", 1)[-1].lower()
    found = []
    for assignment in assignments:
        properties = assignment.get("properties") or {}
        if (properties.get("scope") or "").lower() != scope.lower():
            continue
        if (properties.get("principalId") or "").lower() != principal_id.lower():
            continue
        if (properties.get("roleDefinitionId") or "").rsplit("/", 1)[-1].lower() != role_guid:
            continue
        found.append(assignment)
    return found


def role_definition_id_by_name(client, scope, role_name):
    items = client.list(
        scope + "/providers/Microsoft.Authorization/roleDefinitions",
        AUTHORIZATION_API_VERSION,
        query={"$filter": "roleName eq '{0}'".format(role_name)},
    )
    if not items:
        raise ArmError(
            "role definition {0!r} not found at scope {1}".format(role_name, scope), code="RoleDefinitionNotFound"
        )
    return items[0]["id"]


def existing_assignments(client, scope, role_definition_id, principal_id):
    items = client.list(
        scope + "/providers/Microsoft.Authorization/roleAssignments",
        AUTHORIZATION_API_VERSION,
        query={"$filter": "principalId eq '{0}'".format(principal_id)},
    )
    return matching_assignments(items, scope, role_definition_id, principal_id)


def create_role_assignment(client, scope, role_definition_id, principal_id, principal_type, timeout):
    """PUT the assignment; retry while the principal is not yet known to the directory (up to `timeout` s)."""
    path = "{0}/providers/Microsoft.Authorization/roleAssignments/{1}".format(
        scope, assignment_name(scope, role_definition_id, principal_id)
    )
    body = {
        "properties": {
            "roleDefinitionId": role_definition_id,
            "principalId": principal_id,
            "principalType": principal_type,
        }
    }
    start = client.clock()
    while True:
        try:
            return client.request("PUT", path, AUTHORIZATION_API_VERSION, body=body).body
        except ArmError as exc:
            if exc.status == 409 and exc.code == "RoleAssignmentExists":
                return None
            if exc.code not in PRINCIPAL_NOT_READY_CODES:
                raise
            elapsed = client.clock() - start
            client.log("role assignment for {0}: principal not replicated yet ({1:.0f}s)".format(principal_id, elapsed))
            if elapsed + PRINCIPAL_RETRY_SECONDS > timeout:
                raise ArmTimeoutError(
                    "principal {0} still unknown to the directory after {1:.0f}s: {2}".format(
                        principal_id, elapsed, exc.message
                    ),
                    code=exc.code,
                    correlation_id=exc.correlation_id,
                ) from exc
            client.sleep(PRINCIPAL_RETRY_SECONDS)

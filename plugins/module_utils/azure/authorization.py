# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure RBAC role assignments (Microsoft.Authorization, api-version 2022-04-01) through ArmClient.

discover (`existing_assignments`) -> plan (`plan_role_assignment`, pure) -> apply (`apply_role_assignment_plan`), the
way arc_extension works. Creating retries while a freshly created principal (an extension's system-assigned identity)
has not yet replicated to the directory.
"""

import uuid
from dataclasses import dataclass, field

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


def assignment_body(role_definition_id, principal_id, principal_type, ownership_marker=""):
    """RoleAssignmentCreateParameters; the ownership marker goes in `description`, the one free-text property ARM
    keeps on an assignment (role assignments carry no tags)."""
    properties = {"roleDefinitionId": role_definition_id, "principalId": principal_id, "principalType": principal_type}
    if ownership_marker:
        properties["description"] = ownership_marker
    return {"properties": properties}


def assignment_is_owned(assignment, ownership_marker):
    """True when the assignment's description is the marker; no marker means no ownership check."""
    if not ownership_marker:
        return True
    return ((assignment.get("properties") or {}).get("description") or "").strip() == ownership_marker.strip()


def create_role_assignment(
    client, scope, role_definition_id, principal_id, principal_type, timeout, ownership_marker=""
):
    """PUT the assignment; retry while the principal is not yet known to the directory (up to `timeout` s)."""
    path = "{0}/providers/Microsoft.Authorization/roleAssignments/{1}".format(
        scope, assignment_name(scope, role_definition_id, principal_id)
    )
    body = assignment_body(role_definition_id, principal_id, principal_type, ownership_marker)
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


@dataclass
class RoleAssignmentPlan:
    create: bool = False
    delete: list = field(default_factory=list)  # assignments (as ARM returned them) to delete
    kept: list = field(default_factory=list)  # state=absent: matching assignments without our marker, left alone

    @property
    def changed(self):
        return self.create or bool(self.delete)


def plan_role_assignment(found, state, ownership_marker=""):
    """What to do given the assignments of this role to this principal at this scope (`found`).

    present: create one when there is none (an existing one, ours or not, is enough and is never re-marked).
    absent: delete only the assignments that carry `ownership_marker` (all of them without a marker).
    """
    if state == "present":
        return RoleAssignmentPlan(create=not found)
    owned = [assignment for assignment in found if assignment_is_owned(assignment, ownership_marker)]
    return RoleAssignmentPlan(delete=owned, kept=[assignment for assignment in found if assignment not in owned])


def apply_role_assignment_plan(client, plan, request):
    """Send the plan's requests; returns the matching assignments afterwards.

    request: scope, role_definition_id, principal_id, principal_type, principal_wait_timeout, ownership_marker.
    """
    if plan.create:
        created = create_role_assignment(
            client,
            request["scope"],
            request["role_definition_id"],
            request["principal_id"],
            request["principal_type"],
            request["principal_wait_timeout"],
            request.get("ownership_marker") or "",
        )
        if created:
            return [created]
        return existing_assignments(client, request["scope"], request["role_definition_id"], request["principal_id"])
    for assignment in plan.delete:
        client.request("DELETE", assignment["id"], AUTHORIZATION_API_VERSION)
    return list(plan.kept)

"""plan_role_assignment as a table: (matching assignments on ARM, state) -> create / delete."""
import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure.authorization import (
    matching_assignments,
    plan_role_assignment,
)

SCOPE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct"
ROLE = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
PRINCIPAL = "11111111-2222-3333-4444-555555555555"


def assignment(name, scope=SCOPE, role=ROLE, principal=PRINCIPAL, **properties):
    return {"id": scope + "/providers/Microsoft.Authorization/roleAssignments/" + name, "name": name,
            "properties": dict(properties, scope=scope, roleDefinitionId=role, principalId=principal)}


ONE = assignment("a1")

TABLE = [
    # (case, found, state, create, deleted names)
    ("missing: create", [], "present", True, []),
    ("present: nothing", [ONE], "present", False, []),
    ("absent: delete it", [ONE], "absent", False, ["a1"]),
    ("absent twice over: delete both", [ONE, assignment("a2")], "absent", False, ["a1", "a2"]),
    ("absent, none: nothing", [], "absent", False, []),
]


@pytest.mark.parametrize("case, found, state, create, deleted", TABLE, ids=[row[0] for row in TABLE])
def test_plan_role_assignment(case, found, state, create, deleted):
    plan = plan_role_assignment(found, state)
    assert plan.create is create
    assert [item["name"] for item in plan.delete] == deleted
    assert plan.changed is (create or bool(deleted))


def test_only_exact_scope_role_and_principal_match():
    listed = [ONE, assignment("child", scope=SCOPE + "/blobServices/default"),
              assignment("other-role", role=ROLE[:-1] + "c"), assignment("other-principal", principal="9" * 36),
              assignment("case", scope=SCOPE.upper(), principal=PRINCIPAL.upper())]
    assert [a["name"] for a in matching_assignments(listed, SCOPE, ROLE, PRINCIPAL)] == ["a1", "case"]

"""plan_role_assignment as a table: (matching assignments on ARM, state) -> create / delete."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure.authorization import (
    assignment_body,
    matching_assignments,
    plan_role_assignment,
)

SCOPE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct"
ROLE = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
PRINCIPAL = "11111111-2222-3333-4444-555555555555"


def assignment(name, scope=SCOPE, role=ROLE, principal=PRINCIPAL, **properties):
    return {
        "id": scope + "/providers/Microsoft.Authorization/roleAssignments/" + name,
        "name": name,
        "properties": dict(properties, scope=scope, roleDefinitionId=role, principalId=principal),
    }


MARK = "acstor.edge.owned-by=arc_extension"
ONE = assignment("a1")
OURS = assignment("ours", description=MARK)
THEIRS = assignment("theirs", description="platform team: ingest")

TABLE = [
    # (case, found, state, marker, create, deleted names, kept names)
    ("missing: create", [], "present", "", True, [], []),
    ("missing, marked: create", [], "present", MARK, True, [], []),
    ("present: nothing", [ONE], "present", "", False, [], []),
    ("someone else's is enough, not re-marked", [THEIRS], "present", MARK, False, [], []),
    ("absent without marker: delete it", [ONE], "absent", "", False, ["a1"], []),
    ("absent without marker: delete both", [ONE, THEIRS], "absent", "", False, ["a1", "theirs"], []),
    ("absent, marked: only ours goes", [OURS, THEIRS], "absent", MARK, False, ["ours"], ["theirs"]),
    ("absent, marked: no description is not ours", [ONE], "absent", MARK, False, [], ["a1"]),
    (
        "absent, marked: marker with spaces around",
        [assignment("sp", description=" " + MARK + " ")],
        "absent",
        MARK,
        False,
        ["sp"],
        [],
    ),
    (
        "absent, marked: another owner",
        [assignment("x", description="acstor.edge.owned-by=csi_driver")],
        "absent",
        MARK,
        False,
        [],
        ["x"],
    ),
    ("absent, none: nothing", [], "absent", MARK, False, [], []),
]


@pytest.mark.parametrize("case, found, state, marker, create, deleted, kept", TABLE, ids=[row[0] for row in TABLE])
def test_plan_role_assignment(case, found, state, marker, create, deleted, kept):
    plan = plan_role_assignment(found, state, marker)
    assert plan.create is create
    assert [item["name"] for item in plan.delete] == deleted
    assert [item["name"] for item in plan.kept] == kept
    assert plan.changed is (create or bool(deleted))


def test_created_assignment_carries_the_marker_in_its_description():
    assert assignment_body(ROLE, PRINCIPAL, "ServicePrincipal", MARK) == {
        "properties": {
            "roleDefinitionId": ROLE,
            "principalId": PRINCIPAL,
            "principalType": "ServicePrincipal",
            "description": MARK,
        }
    }
    assert "description" not in assignment_body(ROLE, PRINCIPAL, "ServicePrincipal")["properties"]


def test_only_exact_scope_role_and_principal_match():
    listed = [
        ONE,
        assignment("child", scope=SCOPE + "/blobServices/default"),
        assignment("other-role", role=ROLE[:-1] + "c"),
        assignment("other-principal", principal="9" * 36),
        assignment("case", scope=SCOPE.upper(), principal=PRINCIPAL.upper()),
    ]
    assert [a["name"] for a in matching_assignments(listed, SCOPE, ROLE, PRINCIPAL)] == ["a1", "case"]

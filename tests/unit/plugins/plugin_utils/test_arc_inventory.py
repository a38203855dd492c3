"""Connected cluster → hostvars/groups, and role-assignment/identity helpers."""

from ansible_collections.acstor.edge.plugins.module_utils.azure.authorization import (
    assignment_name,
    matching_assignments,
)
from ansible_collections.acstor.edge.plugins.module_utils.azure.identity import federated_credential_differs
from ansible_collections.acstor.edge.plugins.plugin_utils.arc_inventory import (
    cluster_groups,
    cluster_hostvars,
    host_names,
)

CLUSTER = {
    "id": "/subscriptions/s1/resourceGroups/rg-eu/providers/Microsoft.Kubernetes/connectedClusters/c1",
    "name": "c1",
    "location": "westeurope",
    "tags": {"ring": "canary", "flag": ""},
    "properties": {
        "kubernetesVersion": "1.30.4",
        "agentVersion": "1.21.10",
        "distribution": "k3s",
        "connectivityStatus": "Connected",
    },
}


def test_hostvars_and_groups():
    hostvars = cluster_hostvars(CLUSTER)
    assert hostvars["ansible_connection"] == "local"
    assert (hostvars["arc_subscription_id"], hostvars["arc_resource_group"]) == ("s1", "rg-eu")
    assert "arc_oidc_issuer_url" not in hostvars
    assert cluster_groups(hostvars) == [
        "arc_clusters",
        "location_westeurope",
        "resource_group_rg-eu",
        "distribution_k3s",
        "connectivity_connected",
        "tag_flag",
        "tag_ring_canary",
    ]


def test_host_names_disambiguate_duplicates():
    other = dict(CLUSTER, id=CLUSTER["id"].replace("rg-eu", "rg-us"))
    assert sorted(host_names([CLUSTER, other]).values()) == ["rg-eu_c1", "rg-us_c1"]
    assert host_names([CLUSTER]) == {CLUSTER["id"]: "c1"}


def test_assignment_name_is_deterministic_and_matching_is_exact():
    role = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/abc"
    assert assignment_name("/S/x", role, "P") == assignment_name("/s/X", role.upper(), "p")
    assert assignment_name("/s/x", role, "p") != assignment_name("/s/y", role, "p")
    items = [
        {"properties": {"scope": "/s/x", "principalId": "p", "roleDefinitionId": "/other/roleDefinitions/abc"}},
        {"properties": {"scope": "/s", "principalId": "p", "roleDefinitionId": role}},  # inherited
        {"properties": {"scope": "/s/x", "principalId": "q", "roleDefinitionId": role}},
    ]  # someone else
    assert matching_assignments(items, "/S/X", role, "p") == [items[0]]


def test_federated_credential_comparison():
    wanted = {"name": "a", "issuer": "https://i", "subject": "system:serviceaccount:ns:sa", "audiences": None}
    same = {
        "properties": {
            "issuer": "https://i",
            "subject": "system:serviceaccount:ns:sa",
            "audiences": ["api://AzureADTokenExchange"],
        }
    }
    assert federated_credential_differs(same, wanted) is False
    assert federated_credential_differs(None, wanted) is True
    assert federated_credential_differs({"properties": dict(same["properties"], subject="x")}, wanted) is True

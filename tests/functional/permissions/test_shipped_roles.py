"""The shipped least-privilege roles (docs/permissions/) cover every request our roles make, and nothing is left out.

The cluster roles run end to end (converge, rerun, teardown) through ansible-playbook against the Kubernetes API test
double and the ARM test server, which record every request; each request is mapped to the permission it needs
(tests/permissions_map.py) and checked against the Kubernetes RBAC and Azure role definitions we ship. A module that
starts making a call the roles do not allow fails this test with the call named.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
for extra in (REPO / "tests" / "servers", REPO / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from arm_server import SUBSCRIPTION, ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position
from cluster_examples import VOLUMES  # noqa: E402  pylint: disable=wrong-import-position
from kube_server import KubeTestServer  # noqa: E402  pylint: disable=wrong-import-position
from permissions_map import KubeGrants, arm_action, rbac_objects, uncovered_arm_requests, uncovered_kube_requests  # noqa: E402  pylint: disable=wrong-import-position

PERMISSIONS = REPO / "docs" / "permissions"
SUBJECT = {"kind": "ServiceAccount", "name": "acstor-edge", "namespace": "kube-system"}
CHART = REPO / "tests" / "functional" / "cluster_storage" / "fixtures" / "local-csi-driver"
RG, CLUSTER = "rg-edge", "store-0042"
ACCOUNTS = [
    "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Storage/storageAccounts/{2}".format(
        SUBSCRIPTION, RG, name
    )
    for name in ("edgeingest", "edgemirror")
]
LEGACY_VOLUMES = [dict(VOLUMES[0], subvolumes=[VOLUMES[0]["subvolumes"][0]])]
PRUNED_VOLUMES = [dict(VOLUMES[0], subvolumes=[VOLUMES[0]["subvolumes"][0]])]
NODES = {
    "n1": {
        "acstor_edge_csi_handoff": {
            "volume_group": "containerstorage",
            "cleanup_enabled": False,
            "models": ["QEMU NVMe Ctrl"],
        }
    }
}


def rbac_documents():
    return rbac_objects((PERMISSIONS / "kubernetes-rbac.yaml").read_text())


def grants_through(role_names):
    """What the subject gets from the shipped bindings of these roles only (one phase's share of the rules)."""
    documents = [d for d in rbac_documents() if not d["kind"].endswith("Binding") or d["roleRef"]["name"] in role_names]
    return KubeGrants(documents, SUBJECT)


def azure_roles():
    return [json.loads(path.read_text()) for path in sorted(PERMISSIONS.glob("azure-role-*.json"))]


def role_step(role, tasks_from="main", **role_vars):
    return {
        "name": "{0} {1}".format(role, tasks_from),
        "ansible.builtin.include_role": {"name": "acstor.edge." + role, "tasks_from": tasks_from},
        "vars": role_vars,
    }


def run_play(tmp_path, ansible_env, steps, env_extra=None):
    inventory = {
        "edge_clusters": {
            "hosts": {"c1": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}
        },
        "edge_nodes": {"hosts": NODES},
    }
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "play.yml").write_text(
        yaml.safe_dump([{"hosts": "edge_clusters", "gather_facts": False, "tasks": steps}])
    )
    env = ansible_env(**(env_extra or {}))
    env["PATH"] = str(REPO / ".lab" / "tools" / "helm-v3") + ":" + env["PATH"]
    completed = subprocess.run(
        ["ansible-playbook", "-i", str(tmp_path / "inventory.yml"), str(tmp_path / "play.yml")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    return output


@pytest.fixture
def servers(tmp_path, shared_reference):
    started = []

    def kube(**options):
        server = KubeTestServer(**options).start()
        started.append(server)
        return server, server.kubeconfig(tmp_path / "kubeconfig-{0}".format(len(started)))

    def arm():
        server = ArmTestServer(shared_reference, tmp_path / "arm").start()
        started.append(server)
        return server

    yield kube, arm
    for server in started:
        server.stop()


def test_kubernetes_roles_cover_every_request_of_csi_driver_and_edge_volumes(
    tmp_path, ansible_env, servers, helm_binary
):
    kube, _arm = servers
    csi_server, csi_kubeconfig = kube(edge_api="none")
    volumes_server, volumes_kubeconfig = kube(edge_api="current")
    legacy_server, legacy_kubeconfig = kube(edge_api="legacy")
    csi = {
        "csi_driver_k8s_auth": {"kubeconfig": csi_kubeconfig},
        "csi_driver_chart_ref": str(CHART),
        "csi_driver_wait_timeout": 30,
        "csi_driver_node_hosts": ["n1"],
    }
    fast = {"edge_volumes_wait_sleep": 1, "edge_volumes_wait_timeout": 30}
    current = dict(fast, edge_volumes_k8s_auth={"kubeconfig": volumes_kubeconfig}, edge_volumes_list=VOLUMES)
    legacy = dict(fast, edge_volumes_k8s_auth={"kubeconfig": legacy_kubeconfig}, edge_volumes_list=LEGACY_VOLUMES)
    run_play(
        tmp_path,
        ansible_env,
        [
            role_step("csi_driver", **csi),
            role_step("csi_driver", **csi),
            role_step("edge_volumes", **current),
            role_step("edge_volumes", **current),
            role_step("edge_volumes", **legacy),
            # prune (cluster-wide list, then delete) of the scratch volume and the mirror subvolume, on both APIs
            role_step("edge_volumes", **{**current, "edge_volumes_list": PRUNED_VOLUMES, "edge_volumes_prune": True}),
            role_step(
                "edge_volumes", **{**legacy, "edge_volumes_list": PRUNED_VOLUMES[:1], "edge_volumes_prune": True}
            ),
            role_step("edge_volumes", edge_volumes_state="absent", **current),
            role_step("edge_volumes", edge_volumes_state="absent", **legacy),
            role_step("csi_driver", csi_driver_state="absent", **csi),
        ],
    )
    assert csi_server.find("apps/v1", "DaemonSet", "csi-local-node", "kube-system") is None, (
        "the csi_driver teardown ran"
    )
    assert (
        volumes_server.find(
            "arccontainerstorage.azure.net/v1", "EdgeStorageConfiguration", "edge-storage-configuration"
        )
        is None
    )
    assert any(w["kind"] == "EdgeSubvolume" for w in legacy_server.writes()), "the legacy kinds were written"
    for server in (volumes_server, legacy_server):
        assert any(
            r["method"] == "GET" and r["path"].endswith("/api/v1/persistentvolumeclaims") for r in server.access_log
        ), "prune listed the PVCs of every namespace"

    assert uncovered_kube_requests(csi_server.access_log, grants_through({"acstor-edge-csi-driver"})) == []
    for server in (volumes_server, legacy_server):
        assert uncovered_kube_requests(server.access_log, grants_through({"acstor-edge-volumes"})) == []
    # The check is not vacuous: the csi_driver phase's requests need rules the volumes role does not have.
    assert uncovered_kube_requests(csi_server.access_log, grants_through({"acstor-edge-volumes"})) != []


def test_azure_roles_cover_every_arm_request_of_arc_extension(tmp_path, ansible_env, servers):
    kube, arm = servers
    arm_server = arm()
    crd_server, crd_kubeconfig = kube(edge_api="none")
    common = {
        "arc_extension_resource_group": RG,
        "arc_extension_cluster_name": CLUSTER,
        "arc_extension_wait_timeout": 60,
        "arc_extension_principal_wait_timeout": 30,
        "arc_extension_storage_account_ids": ACCOUNTS,
        "arc_extension_kubeconfig": crd_kubeconfig,
    }
    workload = dict(
        common,
        arc_extension_identity_mode="workload",
        arc_extension_workload_identity_location="westeurope",
        arc_extension_oidc_issuer_url="https://oidc.example/store-0042",
    )
    # An identity someone else created: teardown removes only our federated credentials from it.
    arm_server.state.add_identity(SUBSCRIPTION, RG, "shared-edge-identity")
    foreign = dict(workload, arc_extension_workload_identity_name="shared-edge-identity")
    run_play(
        tmp_path,
        ansible_env,
        [
            role_step("arc_extension", **common),
            role_step("arc_extension", **common),
            role_step("arc_extension", tasks_from="teardown", **common),
            role_step("arc_extension", **workload),
            role_step("arc_extension", tasks_from="teardown", **workload),
            role_step("arc_extension", **foreign),
            role_step("arc_extension", tasks_from="teardown", arc_extension_teardown_cert_manager=True, **foreign),
        ],
        env_extra=arm_server.client_env(SUBSCRIPTION),
    )
    state = arm_server.state
    # The arc_clusters inventory plugin, which fills edge_clusters from the subscription.
    state.add_cluster(SUBSCRIPTION, RG, CLUSTER)
    (tmp_path / "fleet.arc_clusters.yml").write_text("plugin: acstor.edge.arc_clusters\n")
    listed = subprocess.run(
        ["ansible-inventory", "-i", str(tmp_path / "fleet.arc_clusters.yml"), "--list"],
        capture_output=True,
        text=True,
        env=ansible_env(**arm_server.client_env(SUBSCRIPTION)),
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0 and CLUSTER in listed.stdout, listed.stdout + listed.stderr
    assert state.violations == []
    requests = [r for r in state.requests if r["arm"]]
    actions = set(arm_action(r["method"], r["path"]).lower() for r in requests)
    # Every write path of the role ran: extensions, role assignments, the workload identity and their removal.
    for action in (
        "microsoft.kubernetes/connectedclusters/read",
        "microsoft.kubernetesconfiguration/extensions/write",
        "microsoft.kubernetesconfiguration/extensions/delete",
        "microsoft.authorization/roleassignments/write",
        "microsoft.authorization/roleassignments/delete",
        "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials/write",
        "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials/delete",
        "microsoft.managedidentity/userassignedidentities/delete",
    ):
        assert action in actions, sorted(actions)
    assert uncovered_arm_requests(requests, azure_roles()) == []
    # The bring-your-own cert-manager check reads two CRDs with the volumes role's identity.
    assert [e["path"].rsplit("/", 1)[-1] for e in crd_server.access_log if "customresourcedefinitions" in e["path"]]
    assert uncovered_kube_requests(crd_server.access_log, grants_through({"acstor-edge-volumes"})) == []


def test_storage_access_role_is_all_the_role_assignment_writer_needs(tmp_path, ansible_env, servers):
    """arm_role_assignment alone (the part of the work scoped to the storage accounts) needs only the storage role."""
    _kube, arm = servers
    arm_server = arm()
    principal = "11111111-2222-3333-4444-555555555555"
    steps = [
        {
            "name": "assign",
            "acstor.edge.arm_role_assignment": {
                "scope": ACCOUNTS[0],
                "role_definition_name": "Storage Blob Data Owner",
                "principal_id": principal,
            },
        },
        {
            "name": "remove",
            "acstor.edge.arm_role_assignment": {
                "scope": ACCOUNTS[0],
                "role_definition_name": "Storage Blob Data Owner",
                "principal_id": principal,
                "state": "absent",
            },
        },
    ]
    arm_server.state.known_principals.add(principal)
    run_play(tmp_path, ansible_env, steps, env_extra=arm_server.client_env(SUBSCRIPTION))
    requests = [r for r in arm_server.state.requests if r["arm"]]
    assert requests and all(r["path"].lower().startswith(ACCOUNTS[0].lower() + "/providers/") for r in requests)
    storage_role = json.loads((PERMISSIONS / "azure-role-storage-access.json").read_text())
    assert uncovered_arm_requests(requests, [storage_role]) == []

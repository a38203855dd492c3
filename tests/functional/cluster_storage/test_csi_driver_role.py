"""acstor.edge.csi_driver through ansible-playbook, kubernetes.core.helm (helm v3) and the Kubernetes API test double.

The published chart cannot be pulled here, so csi_driver_chart_ref points at fixtures/local-csi-driver, a test
fixture that renders the objects and value-driven flags the role relies on.
"""

import json
import sys
from pathlib import Path

import pytest

from acstor_testlib import helm_release
from cluster_examples import local_csi_volume

# n1 is this cluster's node: the role reads its stripe records on the node (here the controller, connection local).
NODE = {
    "ansible_connection": "local",
    "ansible_python_interpreter": sys.executable,
    "acstor_edge_cluster": "c1",
    "acstor_edge_nvme_info": {"devices": [{"model": "Microsoft NVMe Direct Disk"}], "addon_models_needed": []},
}
CSI_RECORD = {
    "name": "csi",
    "mode": "csi_vg",
    "volume_group": "containerstorage",
    "csi_handoff": {"volume_group": "containerstorage", "cleanup_enabled": False, "models": ["QEMU NVMe Ctrl"]},
}
XFS_RECORD = {"name": "data", "mode": "volume", "volume_group": "data", "filesystem": "xfs"}


def driver_args(server):
    daemonset = server.find("apps/v1", "DaemonSet", "csi-local-node", "kube-system")
    return dict(arg.lstrip("-").split("=", 1) for arg in daemonset["spec"]["template"]["spec"]["containers"][0]["args"])


@pytest.fixture
def records(tmp_path):
    """The node's stripe record directory, with the records given."""
    directory = tmp_path / "stripes"
    directory.mkdir()

    def write(*items):
        for old in directory.glob("*.json"):
            old.unlink()
        for record in items:
            (directory / (record["name"] + ".json")).write_text(json.dumps(record))
        return str(directory)

    return write


@pytest.fixture
def csi(cluster, helm_binary, records):
    default_dir = records(CSI_RECORD, XFS_RECORD)

    def play(c, nodes=None, **role_vars):
        role_vars.setdefault(
            "csi_driver_chart_ref", str(Path(__file__).resolve().parent / "fixtures" / "local-csi-driver")
        )
        role_vars.setdefault("csi_driver_wait_timeout", 30)
        role_vars.setdefault("csi_driver_stripe_record_dir", default_dir)
        return c.play("csi_driver", nodes=nodes or {"n1": NODE}, **role_vars)

    return play


def test_install_rerun_change_and_uninstall(cluster, csi):
    c = cluster(edge_api="none")
    run = csi(c)
    assert run.rc == 0 and run.changed == 2, run  # helm release + StorageClass
    args = driver_args(c.server)
    assert args["enable-cleanup"] == "false", "n1's stripe record names the VG, so the driver must not remove it"
    assert "cleanup.enabled=false because node(s) n1 pre-created volume group containerstorage" in run.out, run
    assert args["disk-models"] == "QEMU NVMe Ctrl"
    storage_class = c.server.find("storage.k8s.io/v1", "StorageClass", "local")
    assert (
        storage_class["provisioner"] == "localdisk.csi.acstor.io"
        and storage_class["volumeBindingMode"] == "WaitForFirstConsumer"
    )
    assert (
        storage_class["allowVolumeExpansion"] is True
        and storage_class["parameters"]["csi.storage.k8s.io/fstype"] == "ext4"
    )
    assert c.server.find("storage.k8s.io/v1", "CSIDriver", "localdisk.csi.acstor.io") is not None
    assert "local CSI driver ready on c1 after" in run.out
    release_secrets = [w for w in c.server.writes() if w["kind"] == "Secret"]
    assert release_secrets, "helm stored its release in the test double"

    reads_before = len(c.server.access_log)
    rerun = csi(c)
    assert rerun.rc == 0 and rerun.changed == 0, rerun
    # issue 17: nothing changed, so nothing is waited for (each wait read its object twice)
    waited = [
        e["path"]
        for e in c.server.access_log[reads_before:]
        if e["method"] == "GET"
        and e["path"].endswith(("/csi-local-node", "/csi-local-manager", "/localdisk.csi.acstor.io"))
    ]
    assert waited == [], waited
    assert "local CSI driver ready on c1 after" not in rerun.out

    run = csi(c, csi_driver_addon_models=["Samsung SSD 990 PRO 2TB"], csi_driver_image_registry="registry.example.com")
    assert run.rc == 0 and run.changed == 1, run
    assert driver_args(c.server)["disk-models"] == "QEMU NVMe Ctrl,Samsung SSD 990 PRO 2TB"
    containers = c.server.find("apps/v1", "DaemonSet", "csi-local-node", "kube-system")["spec"]["template"]["spec"][
        "containers"
    ]
    assert [x["image"].split(":")[0] for x in containers] == [
        "registry.example.com/acstor/local-csi-driver",
        "registry.example.com/oss/v2/kubernetes-csi/csi-provisioner",
    ]

    # A PersistentVolume still uses the StorageClass: uninstall refuses and removes nothing.
    c.server.add(local_csi_volume("pvc-1"))
    before = len(c.server.writes())
    run = csi(c, csi_driver_state="absent")
    assert run.rc != 0 and "PersistentVolumes pvc-1 still use StorageClass local" in run.out, run
    assert [w for w in c.server.writes()[before:] if w["method"] == "DELETE"] == []

    c.server.state.objects.pop(("", "persistentvolumes", "", "pvc-1"))
    before = len(c.server.writes())
    run = csi(c, csi_driver_state="absent")
    assert run.rc == 0, run
    deleted = [(w["kind"], w["name"]) for w in c.server.writes()[before:] if w["method"] == "DELETE"]
    assert deleted[0] == ("StorageClass", "local") and deleted[-1] == ("CSIDriver", "localdisk.csi.acstor.io"), deleted
    assert ("DaemonSet", "csi-local-node") in deleted
    assert c.server.find("apps/v1", "DaemonSet", "csi-local-node", "kube-system") is None


@pytest.mark.parametrize(
    "preload, acstor_v1, reason",
    [
        (
            [
                {
                    "apiVersion": "apps/v1",
                    "kind": "DaemonSet",
                    "metadata": {
                        "name": "csi-local-node",
                        "namespace": "kaito-workspace",
                        "labels": {"app.kubernetes.io/instance": "kaito-workspace"},
                        "annotations": {
                            "meta.helm.sh/release-name": "kaito-workspace",
                            "meta.helm.sh/release-namespace": "kaito-workspace",
                        },
                    },
                    "spec": {
                        "template": {
                            "spec": {
                                "containers": [
                                    {"name": "driver", "image": "mcr.microsoft.com/acstor/local-csi-driver:v0.3.0"}
                                ]
                            }
                        }
                    },
                }
            ],
            False,
            "from Helm release kaito-workspace in namespace kaito-workspace (KAITO's workspace chart bundles it)",
        ),
        (
            [
                {
                    "apiVersion": "storage.k8s.io/v1",
                    "kind": "CSIDriver",
                    "metadata": {"name": "containerstorage.csi.azure.com"},
                    "spec": {},
                }
            ],
            True,
            "Azure Container Storage v1 is installed (CSIDriver containerstorage.csi.azure.com, API group containerstorage.azure.com)",
        ),
    ],
    ids=["kaito", "acstor-v1"],
)
def test_refuses_a_cluster_with_another_driver(cluster, csi, preload, acstor_v1, reason):
    c = cluster(edge_api="none", acstor_v1=acstor_v1)
    for obj in preload:
        c.server.add(obj)
    before = len(c.server.writes())
    run = csi(c)
    assert run.rc != 0 and reason in run.out and "Fix:" in run.out, run
    assert c.server.writes()[before:] == []


def test_refuses_cleanup_true_over_a_precreated_volume_group(cluster, csi):
    c = cluster(edge_api="none")
    run = csi(c, csi_driver_cleanup_enabled=True)
    assert run.rc != 0 and "n1 pre-created volume group containerstorage" in run.out, run
    assert c.server.writes() == []


def test_node_state_read_on_the_node_every_run(cluster, csi, records):
    """No record naming the VG: cleanup true, sent explicitly; the record appears: false; an unreachable node: false."""
    c = cluster(edge_api="none")
    run = csi(c, csi_driver_stripe_record_dir=records(XFS_RECORD))
    assert run.rc == 0, run
    assert driver_args(c.server)["enable-cleanup"] == "true"
    assert helm_values(c)["cleanup"] == {"enabled": True}, "the value is sent, not left to the chart default"

    run = csi(c, csi_driver_stripe_record_dir=records(CSI_RECORD, XFS_RECORD))
    assert run.rc == 0 and run.changed == 1, run
    assert driver_args(c.server)["enable-cleanup"] == "false"

    unreachable = {
        "ansible_host": "127.0.0.1",
        "ansible_port": 9,
        "acstor_edge_cluster": "c1",
        "ansible_ssh_common_args": "-o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
    }
    run = csi(c, nodes={"n1": NODE, "n2": unreachable}, csi_driver_stripe_record_dir=records(XFS_RECORD))
    assert run.rc == 0, run
    assert driver_args(c.server)["enable-cleanup"] == "false", "an unread node may hold the VG"
    assert "stripe records of node(s) n2 could not be read" in run.out, run

    run = csi(
        c,
        nodes={"n1": NODE, "n2": unreachable},
        csi_driver_stripe_record_dir=records(XFS_RECORD),
        csi_driver_cleanup_enabled=True,
    )
    assert run.rc != 0 and "cannot be confirmed safe" in run.out, run


def helm_values(c):
    """The user-supplied values helm stored with the newest release revision."""
    return helm_release(c.server, "local-csi-driver", "kube-system")["config"]


def test_skips_without_kubernetes_access(cluster):
    c = cluster(edge_api="none")
    run = c.play("csi_driver", access=False)
    assert run.rc == 0 and run.changed == 0
    lines = [line for line in run.out.splitlines() if "SKIP acstor.edge.csi_driver" in line]
    assert len(lines) == 1 and "csi_driver_k8s_auth.kubeconfig" in lines[0], run
    assert c.server.requests == []

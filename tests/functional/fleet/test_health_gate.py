# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout health gate against the Kubernetes API test double and the ARM test server.

playbooks/rollout.yml runs with `--tags gate`, so the cluster phases themselves do not run (their roles have
their own tests in tests/functional/cluster_storage and tests/functional/arc) and the gate reads a cluster
state the test prepared: one healthy cluster, and one cluster per check that is unhealthy in that check only.
Nodes use the local connection and a stripe list pointing at a device that does not exist; `--tags gate` keeps
the stripe phase from running at all (the test asserts that), and only the mount check reads this machine.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SERVERS_DIR = Path(__file__).resolve().parents[2] / "servers"
if str(SERVERS_DIR) not in sys.path:
    sys.path.insert(0, str(SERVERS_DIR))

from arm_server import SUBSCRIPTION, ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position
from kube_server import KubeTestServer  # noqa: E402  pylint: disable=wrong-import-position

ROOT = Path(__file__).resolve().parents[3]
RG = "rg-edge"
EXTENSION = "azure-arc-containerstorage"
PHASES = ["csi_driver", "arc_extension", "edge_volumes"]
VOLUMES = [{"name": "cache", "kind": "local_shared", "size": "2Gi"}, {"name": "media", "kind": "cloud", "size": "10Gi"}]
NOT_MOUNTED = "/mnt/acstor-edge-gate-test-not-mounted"
# A path mounted on this host that nvme_stripe accepts as a mount path (validate.yml refuses system
# directories such as "/", as the module does).
MOUNTED = next(p for p in ("/dev/shm", "/dev/pts", "/sys/fs/cgroup") if os.path.ismount(p))
# Each unhealthy cluster breaks one check; `ok` breaks none.
CLUSTERS = {
    "ok": None,
    "csi-bad": "csi",
    "ext-bad": "extension",
    "vol-bad": "volumes",
    "node-bad": "node",
}
EXPECTED_REASON = {
    "csi-bad": "health gate: local CSI driver not ready on csi-bad: csi-local-node 1/2 pods ready",
    "ext-bad": "health gate: extension azure-arc-containerstorage on ext-bad is Failed (HelmInstallFailed: "
    "release azure-arc-containerstorage failed: context deadline exceeded)",
    "vol-bad": "health gate: Edge Volume(s) not ready on vol-bad: cache claim Pending, media EdgeVolume absent",
}


def extension_key(cluster):
    return (
        (
            "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Kubernetes/connectedClusters/{2}/providers/"
            "Microsoft.KubernetesConfiguration/extensions/{3}"
        )
        .format(SUBSCRIPTION, RG, cluster, EXTENSION)
        .lower()
    )


def load_cluster_state(server, fault):
    """What a healthy cluster shows after the phases, with one thing broken when `fault` says so."""
    ready = 1 if fault == "csi" else 2
    server.add(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {
                "name": "csi-local-node",
                "namespace": "kube-system",
                "labels": {"app.kubernetes.io/instance": "local-csi-driver"},
            },
            "spec": {"template": {"spec": {"containers": [{"name": "driver", "image": "local-csi-driver"}]}}},
            "status": {
                "desiredNumberScheduled": 2,
                "numberReady": ready,
                "updatedNumberScheduled": 2,
                "numberAvailable": ready,
                "observedGeneration": 1,
            },
        }
    )
    for volume in VOLUMES:
        storage_class = "cloud-backed-sc" if volume["kind"] == "cloud" else "unbacked-sc"
        phase = "Pending" if fault == "volumes" and volume["name"] == "cache" else "Bound"
        server.add(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": volume["name"], "namespace": "default"},
                "spec": {
                    "storageClassName": storage_class,
                    "accessModes": ["ReadWriteMany"],
                    "resources": {"requests": {"storage": "2Gi"}},
                },
                "status": {"phase": phase},
            }
        )
        if volume["kind"] == "cloud" and fault != "volumes":
            server.add(
                {
                    "apiVersion": "arccontainerstorage.azure.net/v1",
                    "kind": "EdgeVolume",
                    "metadata": {"name": volume["name"], "namespace": "default"},
                    "spec": {},
                    "status": {"state": "deployed"},
                }
            )


def load_extension(arm, cluster, fault):
    properties = {"extensionType": "microsoft.arc.containerstorage", "provisioningState": "Succeeded"}
    if fault == "extension":
        properties.update(
            provisioningState="Failed",
            errorInfo={
                "code": "HelmInstallFailed",
                "message": "release azure-arc-containerstorage failed: context deadline exceeded",
            },
        )
    arm.state.extensions[extension_key(cluster)] = {
        "id": extension_key(cluster),
        "name": EXTENSION,
        "type": "Microsoft.KubernetesConfiguration/extensions",
        "properties": properties,
    }


def record_reads(server):
    """The test double records writes only; count the gate's reads as (plural, name) on server.reads."""
    server.reads = []
    state = server.state
    get, list_ = state.get, state.list

    def counted_get(resource, namespace, name):
        server.reads.append((resource.plural, name))
        return get(resource, namespace, name)

    def counted_list(resource, namespace, *args, **kwargs):
        server.reads.append((resource.plural, None))
        return list_(resource, namespace, *args, **kwargs)

    state.get, state.list = counted_get, counted_list


@pytest.fixture
def fleet(tmp_path, shared_reference):
    """One Kubernetes API test double per cluster, one ARM test server for all of them."""
    arm = ArmTestServer(shared_reference, tmp_path / "arm").start()
    kubes = {}
    try:
        for cluster, fault in CLUSTERS.items():
            # No simulated controllers: the state stays exactly as loaded.
            kubes[cluster] = KubeTestServer(
                edge_api="current", controllers={"pvc": False, "workloads": False, "csidriver": False, "mirror": False}
            ).start()
            load_cluster_state(kubes[cluster], fault)
            record_reads(kubes[cluster])
            load_extension(arm, cluster, fault)
        yield arm, kubes
    finally:
        for server in kubes.values():
            server.stop()
        arm.stop()


def write_inventory(tmp_path, kubes):
    python = sys.executable
    clusters = {}
    for cluster, server in kubes.items():
        clusters[cluster] = {
            "acstor_edge_k8s_auth": {"kubeconfig": server.kubeconfig(tmp_path / ("kubeconfig-" + cluster))},
            "arc_resource_group": RG,
            "arc_cluster_name": cluster,
            "edge_volumes_list": VOLUMES,
            "acstor_edge_cluster_phases": PHASES,
        }
    nodes = {}
    for node, mount_path in (("n-ok", MOUNTED), ("n-bad", NOT_MOUNTED)):
        nodes[node] = {
            "acstor_edge_cluster": "ok" if node == "n-ok" else "node-bad",
            "nvme_stripe_list": [
                {
                    "name": "scratch",
                    "devices": ["/dev/disk/by-id/nvme-acstor-edge-gate-test-absent"],
                    "mount_path": mount_path,
                }
            ],
        }
    inventory = {
        "all": {
            "children": {
                "edge_nodes": {
                    "hosts": nodes,
                    "vars": {
                        "ansible_connection": "local",
                        "ansible_python_interpreter": python,
                        "acstor_edge_products": ["local_csi", "edge_volumes"],
                        "acstor_edge_node_phases": ["stripe"],
                        "rollout_node_record_path": str(tmp_path / "records" / "{{ inventory_hostname }}.json"),
                    },
                },
                "edge_clusters": {
                    "hosts": clusters,
                    "vars": {"ansible_connection": "local", "ansible_python_interpreter": python},
                },
            }
        }
    }
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    return path


def run_rollout(tmp_path, arm, kubes, ansible_env, extra_vars):
    env = ansible_env(**arm.client_env(SUBSCRIPTION))
    env.update(
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_SHOW_CUSTOM_STATS="1",
        ANSIBLE_CALLBACKS_ENABLED="acstor.edge.rollout_report",
        ACSTOR_EDGE_REPORT_DIR=str(tmp_path / "report"),
    )
    (tmp_path / "extra-vars.json").write_text(json.dumps(extra_vars))
    completed = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            str(write_inventory(tmp_path, kubes)),
            str(ROOT / "playbooks" / "rollout.yml"),
            "--tags",
            "gate",
            "-e",
            "@" + str(tmp_path / "extra-vars.json"),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = completed.stdout + completed.stderr
    try:
        # ansible.cfg enables the timer callback, which prints a line after the JSON document.
        data, _end = json.JSONDecoder().raw_decode(completed.stdout[completed.stdout.index("{") :])
    except ValueError as exc:
        raise AssertionError("ansible-playbook output is not JSON:\n" + output[-4000:]) from exc
    summary = data["global_custom_stats"]["acstor_edge_rollout"]
    report = json.loads((tmp_path / "report" / "rollout-report.json").read_text())
    return completed.returncode, summary, report, output


def test_each_gate_check_passes_when_healthy_and_fails_when_not(tmp_path, fleet, ansible_env):
    arm, kubes = fleet
    rc, summary, report, output = run_rollout(
        tmp_path, arm, kubes, ansible_env, {"rollout_serial": ["100%"], "rollout_max_fail_percentage": 100}
    )
    clusters = summary["clusters"]
    assert rc == 2 and summary["halted"] is False, output[-4000:]

    healthy = clusters["ok"]
    assert healthy["status"] == "ok", healthy
    assert healthy["gate"] == {"checked": PHASES, "not_checked": {}}
    assert healthy["nodes"]["n-ok"]["status"] == "ok"
    assert "health gate on ok: checking csi_driver, arc_extension, edge_volumes" in output
    assert "batch 1 ok: ok, gate checked csi_driver, arc_extension, edge_volumes" in output
    for cluster, reason in EXPECTED_REASON.items():
        assert clusters[cluster]["status"] == "failed" and clusters[cluster]["phase"] == "gate", clusters[cluster]
        assert clusters[cluster]["reason"] == reason
    assert sorted(summary["failed_clusters"]) == sorted(list(EXPECTED_REASON) + ["node-bad"])

    # The node's part of the gate: its stripe is not mounted, so the node and therefore its cluster fail.
    node = clusters["node-bad"]["nodes"]["n-bad"]
    assert (
        node["status"] == "failed" and node["reason"] == "health gate: stripe mount path(s) not mounted: " + NOT_MOUNTED
    )
    assert clusters["node-bad"]["reason"] == "node(s) of node-bad failed: n-bad (gate: {0})".format(node["reason"])

    # Every check read its server; the gate wrote nothing; no stripe phase ran on this machine.
    for cluster, server in kubes.items():
        assert server.writes() == [], cluster
        if cluster == "node-bad":
            assert server.reads == [], "a cluster whose node failed is not checked"
            continue
        assert ("daemonsets", None) in server.reads, cluster
    # The gate stops at a cluster's first failing check (order: CSI driver, extension, volumes).
    for cluster in ("csi-bad", "ext-bad"):
        assert ("persistentvolumeclaims", "cache") not in kubes[cluster].reads, cluster
    for cluster in ("ok", "vol-bad"):
        assert ("persistentvolumeclaims", "cache") in kubes[cluster].reads, cluster
    assert ("edgevolumes", "media") in kubes["ok"].reads
    extension_reads = {
        r["path"].split("/connectedClusters/")[1].split("/")[0]
        for r in arm.state.requests
        if r["method"] == "GET" and "/extensions/" in r["path"]
    }
    assert extension_reads == {"ok", "ext-bad", "vol-bad"}
    assert arm.state.writes() == [] and arm.state.violations == []
    assert "stripe" not in report["clusters"]["ok"]["nodes"]["n-ok"]["phases"]


def test_a_failing_gate_halts_the_rollout(tmp_path, fleet, ansible_env):
    arm, kubes = fleet
    rc, summary, _report, output = run_rollout(
        tmp_path,
        arm,
        kubes,
        ansible_env,
        {"rollout_serial": [1, "100%"], "rollout_canaries": ["csi-bad"], "rollout_max_fail_percentage": 0},
    )
    assert rc == 2 and summary["halted"] is True, output[-4000:]
    assert summary["batches"][0]["failed"] == ["csi-bad"] and len(summary["batches"]) == 1
    assert summary["clusters"]["csi-bad"]["reason"] == EXPECTED_REASON["csi-bad"]
    assert sorted(summary["not_run_clusters"]) == ["ext-bad", "node-bad", "ok", "vol-bad"]
    assert "rollout halted after batch 1: csi-bad failed (100.0% > max_fail_percentage 0)" in " ".join(output.split())
    for cluster, server in kubes.items():
        assert (server.reads != []) == (cluster == "csi-bad"), cluster

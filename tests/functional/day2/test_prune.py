"""Issue 16 point 3: edge_volumes_prune, through ansible-playbook and the edge_volumes role against the Kubernetes
test double. What the role applied carries acstor.edge/owned-by=edge_volumes; a volume dropped from the list is
removed (PVC, then its subvolumes: the documented order) only with prune on, refused while a pod mounts it, and shown without writes in check
mode. Objects without the label survive."""

import json
import subprocess
import sys

import pytest
import yaml
from day2_fleet import KubeTestServer

from acstor_testlib import running_pod

API = "arccontainerstorage.azure.net/v1"
ENDPOINT = "https://mediastore.blob.core.windows.net/"
CAMERA = {
    "name": "camera",
    "kind": "cloud",
    "size": "10Gi",
    "subvolumes": [
        {"name": "camera-ingest", "type": "ingest", "path": "ingest", "endpoint": ENDPOINT, "container": "frames"}
    ],
}
SCRATCH = {"name": "scratch", "kind": "local_shared", "size": "2Gi"}
FAST = {"edge_volumes_wait_sleep": 1, "edge_volumes_wait_timeout": 30}
WRITER = running_pod("writer", "camera")
# Made by someone else (no ownership label): prune never touches them.
FOREIGN = [
    {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "their-data", "namespace": "default", "labels": {"app": "historian"}},
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": "cloud-backed-sc",
        },
    },
    {
        "apiVersion": API,
        "kind": "IngestSubvolume",
        "metadata": {"name": "their-ingest", "namespace": "default"},
        "spec": {"edgevolume": "their-data", "path": "in", "onDelete": "trigger-immediate-ingest"},
    },
]


@pytest.fixture
def edge_cluster(tmp_path, ansible_env):
    """A Kubernetes test double and play(check=False, **role_vars), which runs acstor.edge.edge_volumes on it."""
    server = KubeTestServer(edge_api="current").start()
    kubeconfig = server.kubeconfig(tmp_path / "kubeconfig")
    host = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "acstor_edge_k8s_auth": {"kubeconfig": kubeconfig},
    }
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"edge_clusters": {"hosts": {"c1": host}}}))
    role = {"ansible.builtin.include_role": {"name": "acstor.edge.edge_volumes"}, "name": "Run the role"}
    (tmp_path / "play.yml").write_text(
        yaml.safe_dump([{"hosts": "edge_clusters", "gather_facts": False, "tasks": [role]}])
    )

    def play(check=False, **role_vars):
        (tmp_path / "vars.json").write_text(json.dumps(dict(FAST, **role_vars)))
        command = ["ansible-playbook", "-i", str(tmp_path / "inventory.yml"), "-e", "@" + str(tmp_path / "vars.json")]
        completed = subprocess.run(
            command + (["--check", "--diff"] if check else []) + [str(tmp_path / "play.yml")],
            env=ansible_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        return completed.returncode, completed.stdout + completed.stderr

    yield server, play
    server.stop()


def deletes(server, since):
    return [(w["kind"], w["name"]) for w in server.writes()[since:] if w["method"] == "DELETE"]


def test_prune_removes_only_what_we_created_and_no_longer_list(edge_cluster):
    server, play = edge_cluster
    for body in FOREIGN:
        server.add(body)
    rc, out = play(edge_volumes_list=[CAMERA, SCRATCH])
    assert rc == 0, out
    for kind, name in (("v1", "camera"), ("v1", "scratch"), (API, "camera-ingest")):
        found = server.find(kind, "PersistentVolumeClaim" if kind == "v1" else "IngestSubvolume", name, "default")
        assert found["metadata"]["labels"]["acstor.edge/owned-by"] == "edge_volumes", found

    # camera leaves the list while a pod still writes to it: refused by name, nothing deleted.
    server.add(WRITER)
    before = len(server.writes())
    rc, out = play(edge_volumes_list=[SCRATCH], edge_volumes_prune=True)
    assert rc != 0, out
    assert "volume default/camera: no longer listed but its PVC is mounted by running pod(s) writer" in out, out
    assert deletes(server, before) == []

    # Prune off (the default): nothing that left the list is removed.
    server.state.delete(server.state.resource_for_kind("v1", "Pod"), "default", "writer")
    before = len(server.writes())
    rc, out = play(edge_volumes_list=[SCRATCH])
    assert rc == 0 and deletes(server, before) == [], out
    assert server.find("v1", "PersistentVolumeClaim", "camera", "default") is not None

    # Check mode with diff: says what it would remove, writes nothing.
    before = len(server.writes())
    rc, out = play(check=True, edge_volumes_list=[SCRATCH], edge_volumes_prune=True)
    assert rc == 0, out
    assert "delete ingest subvolume default/camera-ingest (volume camera)" in out, out
    assert "delete PersistentVolumeClaim default/camera" in out, out
    assert server.writes()[before:] == []

    # Unmounted: the PVC, then its subvolume (the documented removal order); ours only.
    before = len(server.writes())
    rc, out = play(edge_volumes_list=[SCRATCH], edge_volumes_prune=True)
    assert rc == 0, out
    assert deletes(server, before) == [("PersistentVolumeClaim", "camera"), ("IngestSubvolume", "camera-ingest")]
    assert server.find("v1", "PersistentVolumeClaim", "camera", "default") is None
    assert server.find("v1", "PersistentVolumeClaim", "scratch", "default") is not None
    assert server.find("v1", "PersistentVolumeClaim", "their-data", "default") is not None
    assert server.find(API, "IngestSubvolume", "their-ingest", "default") is not None

    # Nothing left to prune: a rerun changes nothing.
    before = len(server.writes())
    rc, out = play(edge_volumes_list=[SCRATCH], edge_volumes_prune=True)
    assert rc == 0 and "prune: nothing to remove" in out, out
    assert deletes(server, before) == []


def test_prune_refuses_an_abandon_ingest_subvolume_without_allow_data_loss(edge_cluster):
    server, play = edge_cluster
    abandon = dict(CAMERA, subvolumes=[dict(CAMERA["subvolumes"][0], on_delete="abandon")])
    assert play(edge_volumes_list=[abandon, SCRATCH])[0] == 0
    before = len(server.writes())
    rc, out = play(edge_volumes_list=[dict(abandon, subvolumes=[]), SCRATCH], edge_volumes_prune=True)
    assert rc != 0 and "subvolume default/camera-ingest: onDelete is abandon on the cluster" in out, out
    assert deletes(server, before) == []
    rc, out = play(
        edge_volumes_list=[dict(abandon, subvolumes=[]), SCRATCH],
        edge_volumes_prune=True,
        edge_volumes_allow_data_loss=True,
    )
    assert rc == 0, out
    assert deletes(server, before) == [("IngestSubvolume", "camera-ingest")]

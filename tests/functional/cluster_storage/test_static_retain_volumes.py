"""Static retain volumes and the retain classes through acstor.edge.edge_volumes, against the Kubernetes test double.

The double binds a PVC to the PV its volumeName names as the Kubernetes PV controller does, and keeps a Retain PV
(Released) and its EdgeVolume when the PVC goes, as static-retain.md describes.
"""

from pathlib import Path

import yaml

API = "arccontainerstorage.azure.net/v1"
DOC = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "unit" / "fixtures" / "edge_volumes" / "static-retain.yaml").read_text()
)
FAST = {"edge_volumes_wait_sleep": 1, "edge_volumes_wait_timeout": 30}
RETAIN_CLASSES = [
    {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": "wyvern.csi.azure.com",
        "reclaimPolicy": "Retain",
    }
    for name in ("unbacked-retain-sc", "cloud-backed-retain-sc")
]
DYNAMIC = [{"name": "logs", "size": "1Gi", "retain": True}]
STATIC = [
    {"name": "my-static-pvc", "size": "5Gi", "edge_volume": "my-static-volume", "persistent_volume": "my-static-pv"}
]


def documented_fields_match(actual, documented):
    """Every field the doc sets has the documented value on the server (the server adds status, uid...)."""
    for key, value in documented.items():
        if isinstance(value, dict):
            documented_fields_match(actual.get(key) or {}, value)
        else:
            assert actual.get(key) == value, (key, actual.get(key), value)


def test_static_and_retain_volumes_converge_rerun_and_tear_down_keeping_data(cluster):
    c = cluster(edge_api="current")
    for storage_class in RETAIN_CLASSES:
        c.server.add(storage_class)
    run = c.play("edge_volumes", edge_volumes_list=DYNAMIC, edge_volumes_static_list=STATIC, **FAST)
    assert run.rc == 0, run
    order = [w["kind"] for w in c.server.writes() if w["method"] in ("POST", "PUT", "PATCH")]
    assert order == [
        "EdgeStorageConfiguration",
        "PersistentVolumeClaim",
        "EdgeVolume",
        "PersistentVolume",
        "PersistentVolumeClaim",
    ], order
    assert (
        c.server.find("v1", "PersistentVolumeClaim", "logs", "default")["spec"]["storageClassName"]
        == "unbacked-retain-sc"
    )

    documented_fields_match(c.server.find(API, "EdgeVolume", "my-static-volume", "default"), DOC["step1_edge_volume"])
    pv = c.server.find("v1", "PersistentVolume", "my-static-pv")
    documented_fields_match(pv, DOC["step2_persistent_volume"])
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain" and pv["status"]["phase"] == "Bound"
    claim = c.server.find("v1", "PersistentVolumeClaim", "my-static-pvc", "default")
    documented_fields_match(
        claim, dict(DOC["step3_persistent_volume_claim"], metadata={"name": "my-static-pvc", "namespace": "default"})
    )
    assert claim["status"]["phase"] == "Bound" and pv["spec"]["claimRef"]["uid"] == claim["metadata"]["uid"]
    assert c.server.find(API, "EdgeVolume", "my-static-volume", "default")["status"]["state"] == "deployed"

    rerun = c.play("edge_volumes", edge_volumes_list=DYNAMIC, edge_volumes_static_list=STATIC, **FAST)
    assert rerun.rc == 0 and rerun.changed == 0, rerun

    # Teardown keeps the retained data: only the PVCs go; the PV is Released and the EdgeVolume stays.
    before = len(c.server.writes())
    run = c.play(
        "edge_volumes", edge_volumes_list=DYNAMIC, edge_volumes_static_list=STATIC, edge_volumes_state="absent", **FAST
    )
    assert run.rc == 0, run
    deletes = [(w["kind"], w["name"]) for w in c.server.writes()[before:] if w["method"] == "DELETE"]
    assert deletes == [
        ("PersistentVolumeClaim", "my-static-pvc"),
        ("PersistentVolumeClaim", "logs"),
        ("EdgeStorageConfiguration", "edge-storage-configuration"),
    ], deletes
    assert c.server.find("v1", "PersistentVolume", "my-static-pv")["status"]["phase"] == "Released"
    assert c.server.find(API, "EdgeVolume", "my-static-volume", "default") is not None
    assert c.server.find(API, "EdgeVolume", "logs", "default") is not None, (
        "the retain class keeps the dynamic EdgeVolume too"
    )
    assert "kept PersistentVolume my-static-pv and EdgeVolume default/my-static-volume" in " ".join(run.out.split())

    # Told to, the PV and the EdgeVolume are deleted together (back to back, then waited on).
    before = len(c.server.writes())
    run = c.play(
        "edge_volumes",
        edge_volumes_list=[],
        edge_volumes_static_list=STATIC,
        edge_volumes_state="absent",
        edge_volumes_delete_retained_data=True,
        edge_volumes_teardown_configuration=False,
        **FAST,
    )
    assert run.rc == 0, run
    deletes = [(w["kind"], w["name"]) for w in c.server.writes()[before:] if w["method"] == "DELETE"]
    assert deletes == [("PersistentVolume", "my-static-pv"), ("EdgeVolume", "my-static-volume")], deletes
    assert c.server.find("v1", "PersistentVolume", "my-static-pv") is None


def test_retain_class_missing_on_the_cluster_is_refused_before_any_write(cluster):
    c = cluster(edge_api="current")
    run = c.play("edge_volumes", edge_volumes_list=DYNAMIC, edge_volumes_static_list=STATIC, **FAST)
    assert run.rc != 0, run
    assert (
        "storage class unbacked-retain-sc is not on the cluster: the extension creates it from version 2.11.2"
        in run.out
    ), run
    assert c.server.writes() == []

    run = c.play("edge_volumes", edge_volumes_static_list=STATIC, edge_volumes_extension_version="2.9.0", **FAST)
    assert run.rc != 0 and "storage class unbacked-retain-sc needs extension version 2.11.2 or later" in run.out, run
    assert "this cluster's extension is 2.9.0" in run.out and c.server.writes() == []

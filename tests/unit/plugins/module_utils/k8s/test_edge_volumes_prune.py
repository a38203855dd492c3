"""The prune planner of the edge_volumes role (pure functions): what we own and no longer list, and the refusals."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes_prune as prune

OURS = {ev.OWNER_LABEL_KEY: ev.OWNER_LABEL_VALUE}


def pvc(name, namespace="default", labels=None):
    return {"kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": namespace, "labels": labels}}


def subvolume(kind, name, volume, namespace="default", labels=None, on_delete=None):
    spec = {"edgevolume": volume}
    if on_delete:
        spec["onDelete"] = on_delete
    return {"kind": kind, "metadata": {"name": name, "namespace": namespace, "labels": labels}, "spec": spec}


def pod(name, claim, namespace="default", phase="Running"):
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim}}]},
        "status": {"phase": phase},
    }


def listed(*names):
    return [pvc(name, labels=OURS) for name in names]


def test_only_owned_objects_that_are_no_longer_listed_are_planned_pvcs_first():
    cluster_pvcs = [pvc("scratch", labels=OURS), pvc("camera", labels=OURS), pvc("old", labels=OURS), pvc("theirs")]
    cluster_subvolumes = [
        subvolume(ev.KIND_MIRROR, "old-models", "old", labels=OURS),
        subvolume(ev.KIND_INGEST, "old-ingest", "old", labels=OURS),
        subvolume(ev.KIND_INGEST, "camera-ingest", "camera", labels=OURS),
        subvolume(ev.KIND_INGEST, "camera-extra", "camera", labels=OURS),
        subvolume(ev.KIND_INGEST, "their-ingest", "theirs", labels={"app": "x"}),
    ]
    plan = prune.plan_prune(
        listed("scratch", "camera"),
        [{"namespace": "default", "name": "camera-ingest"}],
        cluster_pvcs,
        cluster_subvolumes,
    )
    assert plan == {
        "subvolumes": [
            {"name": "camera-extra", "namespace": "default", "type": "ingest", "pvc": "camera", "api": "current"},
            {"name": "old-ingest", "namespace": "default", "type": "ingest", "pvc": "old", "api": "current"},
            {"name": "old-models", "namespace": "default", "type": "mirror", "pvc": "old", "api": "current"},
        ],
        "pvcs": [{"namespace": "default", "name": "old"}],
    }
    assert prune.prune_actions(plan) == [
        "delete PersistentVolumeClaim default/old",
        "delete ingest subvolume default/camera-extra (volume camera)",
        "delete ingest subvolume default/old-ingest (volume old)",
        "delete mirror subvolume default/old-models (volume old)",
    ]


@pytest.mark.parametrize(
    "labels",
    [None, {}, {"app": "x"}, {ev.OWNER_LABEL_KEY: "csi_driver"}, {ev.OWNER_LABEL_KEY: "Edge_Volumes"}],
)
def test_objects_without_our_label_are_never_planned(labels):
    plan = prune.plan_prune(
        [], [], [pvc("data", labels=labels)], [subvolume(ev.KIND_INGEST, "data-ingest", "data", labels=labels)]
    )
    assert plan == {"subvolumes": [], "pvcs": []}


def test_a_volume_is_keyed_by_namespace_and_legacy_subvolumes_keep_their_kind():
    plan = prune.plan_prune(
        listed("data"),
        [],
        [pvc("data", labels=OURS), pvc("data", namespace="plant2", labels=OURS)],
        [subvolume(ev.KIND_LEGACY_SUBVOLUME, "data-ingest", "data", namespace="plant2", labels=OURS)],
    )
    assert plan == {
        "subvolumes": [
            {"name": "data-ingest", "namespace": "plant2", "type": "ingest", "pvc": "data", "api": "legacy"}
        ],
        "pvcs": [{"namespace": "plant2", "name": "data"}],
    }


def test_nothing_to_prune_when_everything_is_listed():
    plan = prune.plan_prune(
        listed("camera"),
        [{"namespace": "default", "name": "camera-ingest"}],
        [pvc("camera", labels=OURS)],
        [subvolume(ev.KIND_INGEST, "camera-ingest", "camera", labels=OURS)],
    )
    assert plan == {"subvolumes": [], "pvcs": []} and prune.prune_actions(plan) == []


def test_a_mounted_pvc_is_refused_by_name_and_finished_pods_do_not_count():
    plan = prune.plan_prune(
        [], [], [pvc("old", labels=OURS)], [subvolume(ev.KIND_INGEST, "old-in", "old", labels=OURS)]
    )
    errors = prune.prune_errors(plan, [], [pod("writer", "old"), pod("done", "old", phase="Succeeded")], False)
    assert errors == [
        "volume default/old: no longer listed but its PVC is mounted by running pod(s) writer; stop the workloads "
        "first or list the volume again"
    ]
    assert prune.prune_errors(plan, [], [pod("done", "old", phase="Succeeded"), pod("x", "old", "other")], False) == []


def test_a_subvolume_on_a_mounted_listed_volume_is_refused():
    plan = prune.plan_prune(
        listed("camera"), [], [pvc("camera", labels=OURS)], [subvolume(ev.KIND_MIRROR, "m", "camera", labels=OURS)]
    )
    errors = prune.prune_errors(plan, [], [pod("reader", "camera")], False)
    assert len(errors) == 1 and errors[0].startswith("subvolume default/m (volume camera) is no longer listed"), errors
    assert "reader" in errors[0]


def test_an_abandon_ingest_subvolume_needs_allow_data_loss():
    found = [subvolume(ev.KIND_INGEST, "old-in", "old", labels=OURS, on_delete="abandon")]
    plan = prune.plan_prune([], [], [pvc("old", labels=OURS)], found)
    errors = prune.prune_errors(plan, found, [], False)
    assert len(errors) == 1 and "subvolume default/old-in: onDelete is abandon" in errors[0], errors
    assert "edge_volumes_allow_data_loss: true" in errors[0]
    assert prune.prune_errors(plan, found, [], True) == []
    safe = [subvolume(ev.KIND_INGEST, "old-in", "old", labels=OURS, on_delete="trigger-immediate-ingest")]
    assert prune.prune_errors(prune.plan_prune([], [], [], safe), safe, [], False) == []


def test_the_owner_selector_matches_the_label():
    assert prune.owner_selector() == "acstor.edge/owned-by=edge_volumes"
    assert prune.is_owned({"metadata": {"labels": OURS}}) and not prune.is_owned({"metadata": {}})

"""Local CSI driver values, StorageClass and conflict detection (pure functions)."""

import pytest
import yaml

from ansible_collections.acstor.edge.plugins.module_utils.local_csi import chart as lcd

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate carries the Kubernetes JSON schemas"
)

HANDOFF = {
    "host": "n1",
    "volume_group": "containerstorage",
    "cleanup_enabled": False,
    "models": ["QEMU NVMe Ctrl", "Microsoft NVMe Direct Disk"],
}


@pytest.mark.parametrize(
    "settings, handoffs, models, expected",
    [
        ({}, [], [], {"cleanup": {"enabled": True}}),
        ({}, [HANDOFF], [], {"cleanup": {"enabled": False}, "diskSelection": {"addonModels": ["QEMU NVMe Ctrl"]}}),
        (
            {},
            [],
            ["  Samsung  SSD 980 ", "samsung ssd 980", "AMAZON EC2 NVMe Instance Storage"],
            {"diskSelection": {"addonModels": ["Samsung SSD 980"]}, "cleanup": {"enabled": True}},
        ),
        ({"cleanup_enabled": True}, [], [], {"cleanup": {"enabled": True}}),
        (
            {"image_registry": "registry.local/", "image_tag": "v0.3.0"},
            [],
            [],
            {
                "image": {
                    "baseRepo": "registry.local",
                    "driver": {"repository": "registry.local/acstor/local-csi-driver", "tag": "v0.3.0"},
                    "manager": {"repository": "registry.local/acstor/local-csi-manager", "tag": "v0.3.0"},
                },
                "cleanup": {"enabled": True},
            },
        ),
        (
            {"volume_group": "fastvg", "node_selector": {"acstor.edge/nvme": "true"}},
            [],
            [],
            {
                "raid": {"volumeGroup": "fastvg"},
                "daemonset": {"nodeSelector": {"acstor.edge/nvme": "true"}},
                "cleanup": {"enabled": True},
            },
        ),
        (
            {"extra_values": {"webhook": {"hyperconverged": {"enabled": False}}}, "addon_models": ["X1"]},
            [],
            [],
            {
                "webhook": {"hyperconverged": {"enabled": False}},
                "diskSelection": {"addonModels": ["X1"]},
                "cleanup": {"enabled": True},
            },
        ),
    ],
    ids=[
        "defaults",
        "pre-created vg",
        "model normalisation",
        "explicit cleanup",
        "registry",
        "vg and selector",
        "extra values",
    ],
)
def test_build_values(settings, handoffs, models, expected):
    values, _notes = lcd.build_values(settings, handoffs, models)
    assert values == expected


def test_precreated_vg_refuses_cleanup_true():
    with pytest.raises(lcd.LocalCsiDriverError, match="n1 pre-created volume group containerstorage"):
        lcd.build_values({"cleanup_enabled": True}, [HANDOFF])
    with pytest.raises(lcd.LocalCsiDriverError, match="unsafe"):
        lcd.build_values({"extra_values": {"cleanup": {"enabled": True}}}, [HANDOFF])


def test_cleanup_is_always_sent():
    """kubernetes.core.helm resets values on upgrade: a release must never depend on a value only an earlier run sent."""
    for handoffs, unread in (([], []), ([HANDOFF], []), ([], ["n2"])):
        values, _notes = lcd.build_values({}, handoffs, [], unread)
        assert isinstance(values["cleanup"]["enabled"], bool)
    values, _notes = lcd.build_values({"extra_values": {"cleanup": {"enabled": False}}}, [], [])
    assert values["cleanup"] == {"enabled": False}


def test_unread_node_turns_cleanup_off_with_a_note():
    values, notes = lcd.build_values({}, [], [], ["n2", "n1"])
    assert values["cleanup"] == {"enabled": False}
    assert any("n1, n2 could not be read" in note for note in notes)
    with pytest.raises(lcd.LocalCsiDriverError, match="n2 could not be read"):
        lcd.build_values({"cleanup_enabled": True}, [], [], ["n2"])
    with pytest.raises(lcd.LocalCsiDriverError, match="cannot be confirmed safe"):
        lcd.build_values({"extra_values": {"cleanup": {"enabled": True}}}, [], [], ["n2"])
    # explicit false is always allowed
    values, _notes = lcd.build_values({"cleanup_enabled": False}, [], [], ["n2"])
    assert values["cleanup"] == {"enabled": False}


def test_handoffs_come_from_the_stripe_records():
    records = [
        {
            "name": "csi",
            "mode": "csi_vg",
            "volume_group": "containerstorage",
            "csi_handoff": {"volume_group": "containerstorage", "cleanup_enabled": False, "models": ["M"]},
        },
        {"name": "data", "mode": "volume", "volume_group": "data"},
        "not a record",
    ]
    assert lcd.handoffs_from_records("n1", records) == [
        {"volume_group": "containerstorage", "cleanup_enabled": False, "models": ["M"], "host": "n1", "stripe": "csi"}
    ]
    values, _notes = lcd.build_values({}, lcd.handoffs_from_records("n1", records), [])
    assert values["cleanup"] == {"enabled": False}
    assert lcd.handoffs_from_records("n1", []) == []


def test_values_paths_exist_in_the_real_chart(shared_reference):
    """Every key we set must exist in the chart's own values.yaml (v0.3.0), or Helm would silently ignore it."""
    if shared_reference is None:
        pytest.skip("../shared/reference is not present (the real chart values live there)")
    chart_values = yaml.safe_load(
        (shared_reference / "local-csi-driver" / "charts" / "latest" / "values.yaml").read_text()
    )
    settings = {
        "image_registry": "r.local",
        "image_tag": "t",
        "volume_group": "vg",
        "node_selector": {"a": "b"},
        "cleanup_enabled": False,
        "addon_models": ["M"],
    }
    values, _notes = lcd.build_values(settings, [], [])

    def walk(ours, theirs, path):
        for key, value in ours.items():
            assert key in theirs, "chart values have no {0}{1}".format(path, key)
            if isinstance(value, dict) and value and isinstance(theirs[key], dict) and theirs[key]:
                walk(value, theirs[key], path + key + ".")

    walk(values, chart_values, "")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {
            "fstype": "xfs",
            "volume_group": "fastvg",
            "reclaim_policy": "Retain",
            "mount_options": ["noatime"],
            "is_default": True,
        },
    ],
)
def test_storage_class_is_a_valid_kubernetes_object(kwargs):
    body = lcd.storage_class("local", **kwargs)
    kubernetes_validate.validate(body, "1.31", strict=True)
    assert body["provisioner"] == "localdisk.csi.acstor.io"
    assert body["volumeBindingMode"] == "WaitForFirstConsumer" and body["allowVolumeExpansion"] is True
    assert body["parameters"]["csi.storage.k8s.io/fstype"] == kwargs.get("fstype", "ext4")


def test_storage_class_rejects_bad_fstype():
    with pytest.raises(lcd.LocalCsiDriverError, match="fstype"):
        lcd.storage_class("local", fstype="btrfs")


def _daemonset(name, namespace, release=None, labels=None, image="mcr.microsoft.com/acstor/local-csi-driver:v0.2.5"):
    meta = {"name": name, "namespace": namespace, "labels": labels or {}}
    if release:
        meta["annotations"] = {"meta.helm.sh/release-name": release[0], "meta.helm.sh/release-namespace": release[1]}
    return {"metadata": meta, "spec": {"template": {"spec": {"containers": [{"name": "driver", "image": image}]}}}}


@pytest.mark.parametrize(
    "cluster, reasons",
    [
        ({"daemonsets": [_daemonset("csi-local-node", "kube-system", ("local-csi-driver", "kube-system"))]}, []),
        ({"daemonsets": [_daemonset("other", "x", None, image="nginx")]}, []),
        (
            {"daemonsets": [_daemonset("csi-local-node", "kaito-system", ("kaito-workspace", "kaito-system"))]},
            ["from Helm release kaito-workspace in namespace kaito-system (KAITO's workspace chart bundles it)"],
        ),
        (
            {"daemonsets": [_daemonset("local-csi", "default")]},
            ["not installed by Helm release kube-system/local-csi-driver"],
        ),
        (
            {
                "csidrivers": [{"metadata": {"name": "containerstorage.csi.azure.com"}}],
                "storageclasses": [
                    {"metadata": {"name": "acstor-nvme"}, "provisioner": "containerstorage.csi.azure.com"}
                ],
            },
            [
                "Azure Container Storage v1 is installed (CSIDriver containerstorage.csi.azure.com, StorageClass acstor-nvme)"
            ],
        ),
        ({"served_groups": ["containerstorage.azure.com"]}, ["API group containerstorage.azure.com"]),
    ],
    ids=["our release", "unrelated", "kaito", "not helm", "v1 driver", "v1 api"],
)
def test_find_conflicts(cluster, reasons):
    conflicts = lcd.find_conflicts(cluster, "local-csi-driver", "kube-system")
    assert len(conflicts) == len(reasons)
    for conflict, reason in zip(conflicts, reasons, strict=True):
        assert reason in conflict["reason"]
        assert conflict["fix"]


def test_volumes_using():
    pvs = [
        {"metadata": {"name": "a"}, "spec": {"storageClassName": "local"}},
        {
            "metadata": {"name": "b"},
            "spec": {"storageClassName": "other", "csi": {"driver": "localdisk.csi.acstor.io"}},
        },
        {"metadata": {"name": "c"}, "spec": {"storageClassName": "other"}},
    ]
    assert lcd.volumes_using(pvs, "local") == ["a", "b"]


def test_storage_class_in_sync_only_when_the_cluster_holds_every_field():
    desired = lcd.storage_class("local", mount_options=["noatime"])
    served = dict(desired, metadata={"name": "local", "uid": "u1", "resourceVersion": "7"})
    assert lcd.storage_class_in_sync([served], desired)
    assert not lcd.storage_class_in_sync([], desired)
    assert not lcd.storage_class_in_sync([dict(served, metadata={"name": "other"})], desired)
    assert not lcd.storage_class_in_sync([dict(served, reclaimPolicy="Retain")], desired)
    assert not lcd.storage_class_in_sync([dict(served, mountOptions=["noatime", "discard"])], desired)
    # is_default adds an annotation the cluster's StorageClass must have
    assert not lcd.storage_class_in_sync([served], lcd.storage_class("local", is_default=True))

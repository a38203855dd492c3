"""Static retain volumes and the retain classes, checked against the objects of static-retain.md (fixture)."""

from pathlib import Path

import pytest
import yaml

from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_static_volumes as static
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev

DOC = yaml.safe_load(
    (Path(__file__).resolve().parents[3] / "fixtures" / "edge_volumes" / "static-retain.yaml").read_text()
)
DOC_VOLUME = {
    "name": "my-static-pvc",
    "namespace": "default",
    "kind": "local_shared",
    "size": "5Gi",
    "edge_volume": "my-static-volume",
    "persistent_volume": "my-static-pv",
}


def leaves(obj, prefix=""):
    """{dotted path: value} of every leaf, so objects compare field by field with the path in the message."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            out.update(leaves(value, "{0}.{1}".format(prefix, key) if prefix else key))
        return out
    return {prefix: obj}


def test_rendered_objects_match_the_documented_ones_field_by_field():
    rendered, errors = static.normalize_static_volume_list([DOC_VOLUME])
    assert errors == []
    item = rendered[0]
    assert leaves(item["edge_volume"]) == leaves(DOC["step1_edge_volume"])
    pv = leaves(item["persistent_volume"])
    assert (
        pv.pop("spec.persistentVolumeReclaimPolicy") == "Retain"
    )  # Kubernetes' default for a hand-made PV, written out
    assert pv == leaves(DOC["step2_persistent_volume"])
    documented_claim = leaves(DOC["step3_persistent_volume_claim"])
    documented_claim["metadata.namespace"] = DOC["step2_persistent_volume"]["spec"]["claimRef"]["namespace"]
    assert leaves(item["persistent_volume_claim"]) == documented_claim


def test_cloud_static_volume_uses_the_backed_class_and_mode():
    rendered, errors = static.normalize_static_volume_list([dict(DOC_VOLUME, kind="cloud")])
    assert errors == []
    pv = rendered[0]["persistent_volume"]["spec"]
    assert (
        pv["storageClassName"]
        == DOC["backed_storage_class"]
        == rendered[0]["persistent_volume_claim"]["spec"]["storageClassName"]
    )
    assert pv["csi"]["volumeAttributes"]["volume-mode"] == DOC["backed_volume_mode"]


def test_defaults_name_the_edge_volume_after_the_claim_and_the_pv_after_namespace_and_claim():
    rendered, errors = static.normalize_static_volume_list(
        [{"name": "line3", "size": "1Gi"}], default_namespace="plant"
    )
    assert errors == []
    assert rendered[0]["edge_volume"]["metadata"] == {"name": "line3", "namespace": "plant"}
    assert rendered[0]["persistent_volume"]["spec"]["csi"]["volumeHandle"] == "v2#line3#plant-line3"
    assert rendered[0]["persistent_volume_claim"]["spec"]["volumeName"] == "plant-line3"


@pytest.mark.parametrize(
    "volume, error",
    [
        ({"name": "a", "size": "5Gi\n"}, "static volume a: size must be a Kubernetes quantity"),
        ({"name": "a\n", "size": "5Gi"}, "static volume a\n: name must be lowercase"),
        ({"name": "a", "size": "5Gi", "kind": "ingest"}, "static volume a: kind must be one of local_shared, cloud"),
        ({"name": "a", "size": "5Gi", "reclaim": "Delete"}, "static volume a: reclaim unknown field(s)"),
        (
            {"name": "a", "size": "5Gi", "access_modes": ["ReadWriteAll"]},
            "static volume a: access_modes must be a list",
        ),
        (
            {"name": "a", "size": "5Gi", "persistent_volume": "PV"},
            "static volume a: persistent_volume must be lowercase",
        ),
        ({"name": "a", "size": "5Gi", "labels": {"x": 1}}, "static volume a: labels must be a mapping of strings"),
    ],
)
def test_invalid_static_volumes_name_the_volume_and_field(volume, error):
    rendered, errors = static.normalize_static_volume_list([volume])
    assert rendered == [] and errors and errors[0].startswith(error), errors


def test_duplicates_are_refused():
    _rendered, errors = static.normalize_static_volume_list(
        [{"name": "a", "size": "1Gi"}, {"name": "a", "size": "1Gi"}]
    )
    assert errors == [
        "static volume a: name is used by another static volume",
        "static volume a: persistent_volume is used by another static volume",
        "static volume a: edge_volume is used by another static volume",
    ]


@pytest.mark.parametrize(
    "version, refused",
    [
        ("2.8.2", True),
        ("2.9.0", True),
        ("2.11.1", True),
        ("2.11.2", False),
        ("2.12.0", False),
        ("2.11.2-preview", False),
        (None, False),
    ],
)
def test_retain_classes_need_extension_2_11_2(version, refused):
    _rendered, errors = static.normalize_static_volume_list([{"name": "a", "size": "1Gi"}], extension_version=version)
    pvcs, _subs, list_errors = ev.normalize_volume_list(
        [{"name": "b", "size": "1Gi", "kind": "cloud", "retain": True}], extension_version=version
    )
    if refused:
        assert errors == [
            "static volume a: storage class unbacked-retain-sc needs extension version 2.11.2 or later (removed in "
            "2.9.0, back in 2.9.1, fixed in 2.11.2); this cluster's extension is {0}".format(version)
        ]
        assert list_errors == [
            "volumes[0].retain: storage class cloud-backed-retain-sc needs extension version 2.11.2 or "
            "later (removed in 2.9.0, back in 2.9.1, fixed in 2.11.2); this cluster's extension is {0} "
            "(volume b) (rule retain-classes)".format(version)
        ]
    else:
        assert errors == [] and list_errors == []
        assert pvcs[0]["spec"]["storageClassName"] == "cloud-backed-retain-sc"


def test_retain_must_be_a_boolean_and_local_retain_volumes_come_first():
    pvcs, _subs, errors = ev.normalize_volume_list(
        [{"name": "c", "size": "1Gi", "kind": "cloud"}, {"name": "l", "size": "1Gi", "retain": True}]
    )
    assert errors == [] and [p["spec"]["storageClassName"] for p in pvcs] == ["unbacked-retain-sc", "cloud-backed-sc"]
    _pvcs, _subs, errors = ev.normalize_volume_list([{"name": "l", "size": "1Gi", "retain": "yes"}])
    assert errors == ["volumes[0].retain: must be true or false, got 'yes' (volume l) (rule true-or-false)"]


def test_trailing_newline_names_are_refused_everywhere():
    _pvcs, _subs, errors = ev.normalize_volume_list([{"name": "scratch\n", "size": "1Gi"}])
    assert len(errors) == 1 and "volumes[0].name: 'scratch\\n' contains a newline" in errors[0], errors


def test_binding_conflicts():
    rendered, _errors = static.normalize_static_volume_list([DOC_VOLUME])
    pv = rendered[0]["persistent_volume"]
    assert static.binding_conflicts(rendered, {}) == []
    assert static.binding_conflicts(rendered, {"my-static-pv": pv}) == []
    taken = {"spec": dict(pv["spec"], claimRef={"namespace": "other", "name": "theirs"})}
    assert static.binding_conflicts(rendered, {"my-static-pv": taken}) == [
        "static volume my-static-pvc: PersistentVolume my-static-pv exists and is claimed by other/theirs"
    ]
    moved = {"spec": dict(pv["spec"], csi=dict(pv["spec"]["csi"], volumeHandle="v2#x#my-static-pv"))}
    assert (
        "exists with volumeHandle 'v2#x#my-static-pv'" in static.binding_conflicts(rendered, {"my-static-pv": moved})[0]
    )


def test_list_errors_name_the_volume_they_belong_to():
    errors = ev.volume_list_errors(
        [
            {"name": "cache", "size": "2Gi"},
            {"name": "media", "size": "ten", "kind": "cloud"},
            {"size": "1Gi"},
            {"name": "logs"},
        ],
        name="edge_volumes_list",
    )
    assert errors == [
        "edge_volumes_list[1].size: 'ten' is not a Kubernetes quantity (examples: 2Gi, 500Mi, 1T) "
        "(volume media) (rule storage-quantity)",
        "edge_volumes_list[2].name: is required (not set) (rule string)",
        "edge_volumes_list[3].size: is required (not set), such as 2Gi (volume logs) (rule storage-quantity)",
    ]


@pytest.mark.parametrize(
    "second,reused",
    [
        ({"name": "b", "persistent_volume": "pv-b", "edge_volume": "ev-b"}, []),
        ({"name": "a", "persistent_volume": "pv-b", "edge_volume": "ev-b"}, ["name"]),  # same claim, same namespace
        ({"name": "a", "namespace": "other", "persistent_volume": "pv-b", "edge_volume": "ev-b"}, []),
        (
            {"name": "b", "namespace": "other", "persistent_volume": "pv-a", "edge_volume": "ev-b"},
            ["persistent_volume"],
        ),
        ({"name": "b", "persistent_volume": "pv-b", "edge_volume": "ev-a"}, ["edge_volume"]),
        ({"name": "b", "namespace": "other", "persistent_volume": "pv-b", "edge_volume": "ev-a"}, []),
    ],
)
def test_a_name_belongs_to_one_static_volume(second, reused):
    """Claims and Edge Volumes are namespaced, PersistentVolumes are cluster-wide; only the second volume is refused."""
    first = {"name": "a", "size": "1Gi", "persistent_volume": "pv-a", "edge_volume": "ev-a"}
    rendered, errors = static.normalize_static_volume_list([first, dict(second, size="1Gi")])
    assert errors == [
        "static volume {0}: {1} is used by another static volume".format(second["name"], field) for field in reused
    ]
    assert len(rendered) == 2 - bool(reused)

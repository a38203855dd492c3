# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Static Edge Volumes with the retain storage classes: validate and render EdgeVolume + PV + PVC.

Pure functions. The objects are the ones Microsoft Learn's "Static retain workflow guide"
(articles/azure-arc/container-storage/static-retain.md) tells users to apply, in its order:
EdgeVolume, then the PersistentVolume bound to it, then the PersistentVolumeClaim naming the PV.
"""

from ansible_collections.acstor.edge.plugins.module_utils.k8s.edge_volumes import (
    API_VERSION,
    KIND_EDGE_VOLUME,
    QUANTITY,
    _compact,
    _field_error,
    check_choice,
    check_name,
    retain_version_error,
)

# static-retain.md: the retain classes and the CSI driver name; volume-mode values per class.
RETAIN_STORAGE_CLASSES = {"local_shared": "unbacked-retain-sc", "cloud": "cloud-backed-retain-sc"}
VOLUME_MODES = {"local_shared": "unbacked", "cloud": "cloud_backed"}
CSI_DRIVER = "wyvern.csi.azure.com"
ACCESS_MODES = ("ReadWriteMany", "ReadWriteOnce", "ReadOnlyMany", "ReadWriteOncePod")
STATIC_FIELDS = ("name", "namespace", "kind", "size", "access_modes", "labels", "edge_volume", "persistent_volume")


def default_pv_name(namespace, name):
    return "{0}-{1}".format(namespace, name)


def render_static_volume(
    name, namespace, kind, size, access_modes, labels=None, edge_volume=None, persistent_volume=None
):
    """{edge_volume, persistent_volume, persistent_volume_claim} as static-retain.md steps 1-3 write them.

    One field is added to the documented PV: persistentVolumeReclaimPolicy Retain, which is what Kubernetes
    defaults a hand-made PV to; it is written out so the policy is visible and compared on every run.
    """
    edge_volume = edge_volume or name
    persistent_volume = persistent_volume or default_pv_name(namespace, name)
    storage_class = RETAIN_STORAGE_CLASSES[kind]
    return {
        "edge_volume": {
            "apiVersion": API_VERSION,
            "kind": KIND_EDGE_VOLUME,
            "metadata": _compact({"name": edge_volume, "namespace": namespace, "labels": labels or None}),
            "spec": {"requestedSize": size},
        },
        "persistent_volume": {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": _compact({"name": persistent_volume, "labels": labels or None}),
            "spec": {
                "capacity": {"storage": size},
                "accessModes": list(access_modes),
                "storageClassName": storage_class,
                "persistentVolumeReclaimPolicy": "Retain",
                "claimRef": {"name": name, "namespace": namespace},
                "csi": {
                    "driver": CSI_DRIVER,
                    "readOnly": False,
                    "volumeHandle": "v2#{0}#{1}".format(edge_volume, persistent_volume),
                    "volumeAttributes": {"edgevolume": edge_volume, "volume-mode": VOLUME_MODES[kind]},
                },
            },
        },
        "persistent_volume_claim": {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": _compact({"name": name, "namespace": namespace, "labels": labels or None}),
            "spec": {
                "accessModes": list(access_modes),
                "resources": {"requests": {"storage": size}},
                "storageClassName": storage_class,
                "volumeName": persistent_volume,
            },
        },
    }


def normalize_static_volume_list(volumes, default_namespace="default", extension_version=None):
    """Validate the whole static list; return (rendered volumes, errors). Check errors before writing anything."""
    errors = []
    rendered = []
    if not isinstance(volumes, list):
        return [], ["edge_volumes_static_list: must be a list of volumes (got {0})".format(type(volumes).__name__)]
    claims, pvs, edge_volumes = set(), set(), set()
    for index, volume in enumerate(volumes):
        name = volume.get("name") if isinstance(volume, dict) else None
        owner = "static volume {0}".format(name) if name else "static volume #{0}".format(index)
        if not isinstance(volume, dict):
            errors.append("{0}: must be a mapping".format(owner))
            continue
        before = len(errors)
        unknown = sorted(set(volume) - set(STATIC_FIELDS))
        if unknown:
            errors.append(_field_error(owner, ", ".join(unknown), "unknown field(s)"))
        namespace = volume.get("namespace") or default_namespace
        kind = volume.get("kind", "local_shared")
        size = volume.get("size")
        access_modes = volume.get("access_modes", ["ReadWriteMany"])
        edge_volume = volume.get("edge_volume") or name
        persistent_volume = volume.get("persistent_volume") or (
            default_pv_name(namespace, name) if isinstance(name, str) else None
        )
        check_name(owner, "name", name, errors, max_length=253)
        check_name(owner, "namespace", namespace, errors)
        check_choice(owner, "kind", kind, tuple(RETAIN_STORAGE_CLASSES), errors)
        check_name(owner, "edge_volume", edge_volume, errors, max_length=253)
        check_name(owner, "persistent_volume", persistent_volume, errors, max_length=253)
        if not isinstance(size, str) or not QUANTITY.match(size):
            errors.append(
                _field_error(owner, "size", "must be a Kubernetes quantity such as 5Gi (got {0!r})".format(size))
            )
        if (
            not isinstance(access_modes, list)
            or not access_modes
            or any(mode not in ACCESS_MODES for mode in access_modes)
        ):
            errors.append(
                _field_error(
                    owner, "access_modes", "must be a list of Kubernetes access modes (got {0!r})".format(access_modes)
                )
            )
        labels = volume.get("labels")
        if labels is not None and not (isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values())):
            errors.append(_field_error(owner, "labels", "must be a mapping of strings"))
        if kind in RETAIN_STORAGE_CLASSES:
            version_error = retain_version_error(owner, RETAIN_STORAGE_CLASSES[kind], extension_version)
            if version_error:
                errors.append(version_error)
        for seen, key, field in (
            (claims, (namespace, name), "name"),
            (pvs, persistent_volume, "persistent_volume"),
            (edge_volumes, (namespace, edge_volume), "edge_volume"),
        ):
            if key in seen:
                errors.append(_field_error(owner, field, "is used by another static volume"))
            seen.add(key)
        if len(errors) == before:
            rendered.append(
                render_static_volume(name, namespace, kind, size, access_modes, labels, edge_volume, persistent_volume)
            )
    return rendered, errors


def binding_conflicts(rendered, current_pvs):
    """Errors for PVs of the list that already exist bound (claimRef) to another claim, or with another volume handle.

    `current_pvs` maps a PV name to the object the cluster returned (missing = not there).
    """
    errors = []
    for item in rendered:
        desired = item["persistent_volume"]
        current = current_pvs.get(desired["metadata"]["name"])
        if not current:
            continue
        claim = (current.get("spec") or {}).get("claimRef") or {}
        wanted = desired["spec"]["claimRef"]
        owner = "static volume {0}".format(item["persistent_volume_claim"]["metadata"]["name"])
        if claim and (claim.get("namespace"), claim.get("name")) != (wanted["namespace"], wanted["name"]):
            errors.append(
                "{0}: PersistentVolume {1} exists and is claimed by {2}/{3}".format(
                    owner, desired["metadata"]["name"], claim.get("namespace"), claim.get("name")
                )
            )
        handle = ((current.get("spec") or {}).get("csi") or {}).get("volumeHandle")
        if handle != desired["spec"]["csi"]["volumeHandle"]:
            errors.append(
                "{0}: PersistentVolume {1} exists with volumeHandle {2!r}, not {3!r}; a PV's source cannot change".format(
                    owner, desired["metadata"]["name"], handle, desired["spec"]["csi"]["volumeHandle"]
                )
            )
    return errors

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
    if not isinstance(volumes, list):
        return [], ["edge_volumes_static_list: must be a list of volumes (got {0})".format(type(volumes).__name__)]
    errors = []
    rendered = []
    seen = {"name": set(), "persistent_volume": set(), "edge_volume": set()}
    for index, volume in enumerate(volumes):
        name = volume.get("name") if isinstance(volume, dict) else None
        owner = "static volume {0}".format(name) if name else "static volume #{0}".format(index)
        if not isinstance(volume, dict):
            errors.append("{0}: must be a mapping".format(owner))
            continue
        fields = static_volume_fields(volume, default_namespace)
        volume_errors = _static_volume_errors(owner, volume, fields, extension_version)
        volume_errors.extend(_reused_name_errors(owner, fields, seen))
        errors.extend(volume_errors)
        if not volume_errors:
            rendered.append(render_static_volume(**fields))
    return rendered, errors


def static_volume_fields(volume, default_namespace):
    """One static volume's fields with the defaults filled in (the arguments of render_static_volume)."""
    name = volume.get("name")
    namespace = volume.get("namespace") or default_namespace
    return {
        "name": name,
        "namespace": namespace,
        "kind": volume.get("kind", "local_shared"),
        "size": volume.get("size"),
        "access_modes": volume.get("access_modes", ["ReadWriteMany"]),
        "labels": volume.get("labels"),
        "edge_volume": volume.get("edge_volume") or name,
        "persistent_volume": volume.get("persistent_volume")
        or (default_pv_name(namespace, name) if isinstance(name, str) else None),
    }


def _static_volume_errors(owner, volume, fields, extension_version):
    """One static volume's own errors: unknown fields, names, kind, size, access modes, labels, extension version."""
    errors = []
    unknown = sorted(set(volume) - set(STATIC_FIELDS))
    if unknown:
        errors.append(_field_error(owner, ", ".join(unknown), "unknown field(s)"))
    check_name(owner, "name", fields["name"], errors, max_length=253)
    check_name(owner, "namespace", fields["namespace"], errors)
    check_choice(owner, "kind", fields["kind"], tuple(RETAIN_STORAGE_CLASSES), errors)
    check_name(owner, "edge_volume", fields["edge_volume"], errors, max_length=253)
    check_name(owner, "persistent_volume", fields["persistent_volume"], errors, max_length=253)
    size, access_modes, labels = fields["size"], fields["access_modes"], fields["labels"]
    if not isinstance(size, str) or not QUANTITY.match(size):
        errors.append(_field_error(owner, "size", "must be a Kubernetes quantity such as 5Gi (got {0!r})".format(size)))
    if not isinstance(access_modes, list) or not access_modes or any(mode not in ACCESS_MODES for mode in access_modes):
        errors.append(
            _field_error(
                owner, "access_modes", "must be a list of Kubernetes access modes (got {0!r})".format(access_modes)
            )
        )
    if labels is not None and not (isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values())):
        errors.append(_field_error(owner, "labels", "must be a mapping of strings"))
    if fields["kind"] in RETAIN_STORAGE_CLASSES:
        version_error = retain_version_error(owner, RETAIN_STORAGE_CLASSES[fields["kind"]], extension_version)
        if version_error:
            errors.append(version_error)
    return errors


def _reused_name_errors(owner, fields, seen):
    """A claim (per namespace), a PersistentVolume (cluster-wide) and an Edge Volume (per namespace) each belong to
    one static volume; seen collects the names of the volumes before this one."""
    errors = []
    keys = {
        "name": (fields["namespace"], fields["name"]),
        "persistent_volume": fields["persistent_volume"],
        "edge_volume": (fields["namespace"], fields["edge_volume"]),
    }
    for field, key in keys.items():
        if key in seen[field]:
            errors.append(_field_error(owner, field, "is used by another static volume"))
        seen[field].add(key)
    return errors


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

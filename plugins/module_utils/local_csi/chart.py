# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Azure Container Storage v2 core (Azure/local-csi-driver): Helm values, StorageClass and install conflicts.

Pure functions: they take what the cluster and the nodes reported and return data.
"""

import copy

from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError
from ansible_collections.acstor.edge.plugins.module_utils.k8s.objects import holds
from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.local_csi import inputs as local_csi_inputs

PROVISIONER = "localdisk.csi.acstor.io"
# DaemonSet name the chart renders with its default `name: csi-local` (charts/latest/templates/daemonset.yaml).
NODE_DAEMONSET = "csi-local-node"
MANAGER_DEPLOYMENT = "csi-local-manager"
DRIVER_IMAGE_NAME = "local-csi-driver"
# Azure Container Storage v1 (OpenEBS-derived) provisioner and API group.
V1_PROVISIONER = "containerstorage.csi.azure.com"
V1_API_GROUP = "containerstorage.azure.com"
FSTYPES = local_csi_inputs.FSTYPES


class LocalCsiDriverError(AcstorError):
    """Invalid settings or unsafe node state; the message names the input."""


def addon_models(reported_models, explicit_models=()):
    """Models to add to diskSelection.addonModels: reported ones the driver does not know, plus explicit ones."""
    seen = {}
    for model in list(reported_models or []) + list(explicit_models or []):
        if not isinstance(model, str) or not model.strip():
            continue
        key = contract.model_key(model)
        if not contract.is_builtin_model(model) and key not in seen:
            seen[key] = " ".join(model.split())
    return [seen[key] for key in sorted(seen)]


def deep_merge(base, override):
    result = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def nodes_with_precreated_vg(handoffs, volume_group):
    """Hosts whose nvme_stripe handoff says they created the driver's VG themselves."""
    hosts = []
    for handoff in handoffs or []:
        if isinstance(handoff, dict) and handoff.get("volume_group") == volume_group:
            hosts.append(handoff.get("host") or "(unnamed host)")
    return sorted(hosts)


def chart_settings_values(settings, handoffs, reported_models, volume_group):
    """Values for the image, volume group, node selector and add-on disk models (before extra_values)."""
    values = {}
    registry = (settings.get("image_registry") or "").rstrip("/")
    if registry:
        # Keep driver and manager repositories in the same (non "/") style: the chart decides the manager's
        # baseRepo prefix from the driver repository (template quirk noted in the research).
        values["image"] = {
            "baseRepo": registry,
            "driver": {"repository": registry + "/acstor/local-csi-driver"},
            "manager": {"repository": registry + "/acstor/local-csi-manager"},
        }
    if settings.get("image_tag"):
        image = values.setdefault("image", {})
        image.setdefault("driver", {})["tag"] = settings["image_tag"]
        image.setdefault("manager", {})["tag"] = settings["image_tag"]
    if volume_group != contract.VOLUME_GROUP:
        values["raid"] = {"volumeGroup": volume_group}
    if settings.get("node_selector"):
        values["daemonset"] = {"nodeSelector": dict(settings["node_selector"])}
    models = list(reported_models or [])
    for handoff in handoffs or []:
        models.extend((handoff or {}).get("models") or [])
    extra_models = addon_models(models, settings.get("addon_models") or [])
    if extra_models:
        values["diskSelection"] = {"addonModels": extra_models}
    return values


def set_cleanup(values, requested, handoffs, unread_nodes, volume_group):
    """Set cleanup.enabled in `values` (always: see build_values); returns the notes that say why it is false.

    Raises LocalCsiDriverError when cleanup is asked for while a node holds a pre-created VG or cannot be read.
    """
    precreated = nodes_with_precreated_vg(handoffs, volume_group)
    asked_off = sorted(
        (h or {}).get("host") or "(unnamed host)" for h in handoffs or [] if (h or {}).get("cleanup_enabled") is False
    )
    unread = sorted(set(str(host) for host in unread_nodes or []))
    merged_cleanup = (values.get("cleanup") or {}).get("enabled")
    wants_cleanup = requested is True or merged_cleanup is True
    notes = []
    if precreated or asked_off:
        if wants_cleanup:
            raise LocalCsiDriverError(
                "csi_driver_cleanup_enabled/extra_values cleanup.enabled=true is unsafe: node(s) {0} pre-created volume group {1}; "
                "the driver removes VGs and PVs tagged local-csi when its pod stops with no volumes. Leave it unset".format(
                    ", ".join(precreated or asked_off), volume_group
                )
            )
        values.setdefault("cleanup", {})["enabled"] = False
        notes.append(
            "cleanup.enabled=false because node(s) {0} pre-created volume group {1}".format(
                ", ".join(precreated or asked_off), volume_group
            )
        )
    elif unread:
        if wants_cleanup:
            raise LocalCsiDriverError(
                "csi_driver_cleanup_enabled/extra_values cleanup.enabled=true cannot be confirmed safe: the stripe records of "
                "node(s) {0} could not be read, and the driver removes VGs tagged local-csi when its pod stops with no volumes. "
                "Make the nodes reachable and rerun, or leave it unset".format(", ".join(unread))
            )
        values.setdefault("cleanup", {})["enabled"] = False
        notes.append(
            "cleanup.enabled=false because the stripe records of node(s) {0} could not be read (unreachable or not "
            "prepared); a later run that reads them sets it again".format(", ".join(unread))
        )
    elif requested is not None:
        values.setdefault("cleanup", {})["enabled"] = bool(requested)
    elif merged_cleanup is None:
        # The chart default, sent explicitly so an upgrade never depends on what the release held before.
        values.setdefault("cleanup", {})["enabled"] = True
    return notes


def build_values(settings, handoffs=(), reported_models=(), unread_nodes=()):
    """Helm values for the local-csi-driver chart: the complete intended values, every time.

    kubernetes.core.helm upgrades with reset_values (its default): a key left out goes back to the chart default,
    so cleanup.enabled is always set, never left to the chart (cleanup true removes every VG tagged local-csi when
    the driver pod stops with no volumes).
    settings keys: volume_group, image_registry, image_tag, node_selector, addon_models, cleanup_enabled (None = decide),
    extra_values. handoffs: [{host, volume_group, cleanup_enabled, models}] read from the nodes' stripe records.
    unread_nodes: hosts of the cluster whose records could not be read (unreachable, unreadable).
    reported_models: models the nodes report. Returns (values, notes).
    """
    volume_group = settings.get("volume_group") or contract.VOLUME_GROUP
    values = deep_merge(
        chart_settings_values(settings, handoffs, reported_models, volume_group), settings.get("extra_values") or {}
    )
    notes = set_cleanup(values, settings.get("cleanup_enabled"), handoffs, unread_nodes, volume_group)
    return values, notes


def handoffs_from_records(host, records):
    """The hand-offs a node's stripe records name (/etc/acstor-edge/stripes/*.json): [{host, volume_group, ...}]."""
    handoffs = []
    for record in records or []:
        handoff = (record or {}).get("csi_handoff") if isinstance(record, dict) else None
        if isinstance(handoff, dict) and handoff.get("volume_group"):
            handoffs.append(dict(handoff, host=host, stripe=record.get("name", "")))
    return handoffs


def storage_class(
    name,
    fstype="ext4",
    volume_group=contract.VOLUME_GROUP,
    reclaim_policy="Delete",
    mount_options=None,
    is_default=False,
    extra_parameters=None,
):
    if fstype not in FSTYPES:
        raise LocalCsiDriverError(
            "csi_driver_storage_class_fstype must be one of {0} (got {1!r})".format(", ".join(FSTYPES), fstype)
        )
    if reclaim_policy not in local_csi_inputs.RECLAIM_POLICIES:
        raise LocalCsiDriverError(
            "csi_driver_storage_class_reclaim_policy must be Delete or Retain (got {0!r})".format(reclaim_policy)
        )
    parameters = {"csi.storage.k8s.io/fstype": fstype}
    if volume_group != contract.VOLUME_GROUP:
        parameters["volumeGroup"] = volume_group
    parameters.update(extra_parameters or {})
    body = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": PROVISIONER,
        "reclaimPolicy": reclaim_policy,
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": True,
        "parameters": parameters,
    }
    if is_default:
        body["metadata"]["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    if mount_options:
        body["mountOptions"] = list(mount_options)
    return body


def _helm_release(obj):
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return annotations.get("meta.helm.sh/release-name"), annotations.get("meta.helm.sh/release-namespace")


def _runs_driver(daemonset):
    meta = daemonset.get("metadata") or {}
    if meta.get("name") == NODE_DAEMONSET:
        return True
    containers = ((((daemonset.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers")) or []
    return any("/" + DRIVER_IMAGE_NAME in (c.get("image") or "") for c in containers)


def find_conflicts(cluster, release_name, release_namespace):
    """Reasons this cluster must not get our release, each with the fix. `cluster` holds lists of dicts:
    daemonsets, csidrivers, storageclasses, and served_groups (API group names)."""
    conflicts = []
    for daemonset in cluster.get("daemonsets") or []:
        if not _runs_driver(daemonset):
            continue
        meta = daemonset.get("metadata") or {}
        owner, owner_namespace = _helm_release(daemonset)
        if owner == release_name and owner_namespace == release_namespace:
            continue
        where = "DaemonSet {0}/{1}".format(meta.get("namespace"), meta.get("name"))
        labels = meta.get("labels") or {}
        kaito = "kaito" in " ".join([owner or ""] + [str(v) for v in labels.values()]).lower()
        if owner:
            reason = "the local CSI driver already runs as {0} from Helm release {1} in namespace {2}{3}".format(
                where, owner, owner_namespace, " (KAITO's workspace chart bundles it)" if kaito else ""
            )
        else:
            reason = "the local CSI driver already runs as {0}, not installed by Helm release {1}/{2}".format(
                where, release_namespace, release_name
            )
        fix = (
            "only one driver can run per cluster. Either keep that one and do not run acstor.edge.csi_driver on this "
            "cluster, or remove it there first{0} and rerun".format(
                " (KAITO: helm upgrade <release> ... --set localCSIDriver.useLocalCSIDriver=false)" if kaito else ""
            )
        )
        conflicts.append({"reason": reason, "fix": fix})
    v1_signs = []
    if any((d.get("metadata") or {}).get("name") == V1_PROVISIONER for d in cluster.get("csidrivers") or []):
        v1_signs.append("CSIDriver " + V1_PROVISIONER)
    v1_signs.extend(
        "StorageClass " + (sc.get("metadata") or {}).get("name", "?")
        for sc in cluster.get("storageclasses") or []
        if sc.get("provisioner") == V1_PROVISIONER
    )
    if V1_API_GROUP in (cluster.get("served_groups") or []):
        v1_signs.append("API group " + V1_API_GROUP)
    if v1_signs:
        conflicts.append(
            {
                "reason": "Azure Container Storage v1 is installed ({0})".format(", ".join(v1_signs)),
                "fix": (
                    "remove v1 completely before installing v2 (AKS: az aks update --disable-azure-container-storage all; "
                    "elsewhere delete the microsoft.azurecontainerstorage extension). v2 uses provisioner {0} and new "
                    "StorageClasses, so workloads must move to new PVCs".format(PROVISIONER)
                ),
            }
        )
    return conflicts


def volumes_using(persistent_volumes, storage_class_name):
    """Names of PVs that use the StorageClass or the driver (they keep the driver needed)."""
    names = []
    for pv in persistent_volumes or []:
        spec = pv.get("spec") or {}
        if spec.get("storageClassName") == storage_class_name or (spec.get("csi") or {}).get("driver") == PROVISIONER:
            names.append((pv.get("metadata") or {}).get("name"))
    return sorted(names)


def storage_class_in_sync(storage_classes, desired):
    """True when the cluster's StorageClass of that name already has every field of `desired` (the role then does not
    write it: one read, the preflight's list, and no PATCH on a no-op)."""
    name = desired["metadata"]["name"]
    return any((sc.get("metadata") or {}).get("name") == name and holds(sc, desired) for sc in storage_classes or [])


def format_conflicts(conflicts):
    return " | ".join("{0}. Fix: {1}".format(item["reason"], item["fix"]) for item in conflicts)

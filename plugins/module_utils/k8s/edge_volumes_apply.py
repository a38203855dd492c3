# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Discover and apply Edge Volumes objects through KubernetesObjects (k8s/objects.py).

Every function here takes the objects wrapper first, so unit tests pass a fake dynamic client.
"""

from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev
from ansible_collections.acstor.edge.plugins.module_utils.k8s.objects import is_conflict

ALL_SUBVOLUME_KINDS = (ev.KIND_INGEST, ev.KIND_MIRROR, ev.KIND_LEGACY_SUBVOLUME, ev.KIND_LEGACY_POLICY)
CONFLICT_RETRIES = 3


class WaitOptions(object):
    def __init__(self, wait=True, timeout=300, interval=5):
        self.wait = wait
        self.timeout = timeout
        self.interval = interval


def served_edge_kinds(objects):
    return objects.served_kinds(ev.API_VERSION, ALL_SUBVOLUME_KINDS + (ev.KIND_CONFIGURATION, ev.KIND_EDGE_VOLUME))


def pvc_phase(objects, name, namespace):
    pvc = objects.get("v1", "PersistentVolumeClaim", name, namespace)
    return pvc, ((pvc or {}).get("status") or {}).get("phase")


def edge_volume_state(objects, name, namespace):
    volume = objects.get(ev.API_VERSION, ev.KIND_EDGE_VOLUME, name, namespace)
    return volume, ((volume or {}).get("status") or {}).get("state")


def backend_connection(subvolume):
    """MirrorSubvolume BACKENDCONNECTION column: the status key is not documented, so match it by name."""
    for key, value in ((subvolume or {}).get("status") or {}).items():
        if key.lower().replace("_", "") in ("backendconnection", "backendconnectionstatus"):
            return value
    return None


def check_pvc(objects, spec):
    """Refuse a subvolume on a missing PVC or on one that is not cloud-backed."""
    pvc, _phase = pvc_phase(objects, spec.pvc, spec.namespace)
    if pvc is None:
        raise ev.EdgeVolumesError(
            "{0}: pvc {1} does not exist in namespace {2}; create the cloud-backed-sc PVC first".format(
                spec.label, spec.pvc, spec.namespace
            )
        )
    storage_class = (pvc.get("spec") or {}).get("storageClassName")
    if storage_class not in ev.CLOUD_STORAGE_CLASSES:
        raise ev.EdgeVolumesError(
            "{0}: pvc {1} uses storage class {2!r}; ingest and mirror subvolumes live on a {3} PVC".format(
                spec.label, spec.pvc, storage_class, " or ".join(ev.CLOUD_STORAGE_CLASSES)
            )
        )
    return pvc


def wait_volume_ready(objects, spec, options, timings):
    if not options.wait:
        return
    _value, timings["pvc_bound"] = objects.wait_for(
        "PVC {0}/{1} to be Bound".format(spec.namespace, spec.pvc),
        lambda: pvc_phase(objects, spec.pvc, spec.namespace)[1] == "Bound",
        options.timeout,
        options.interval,
    )
    _value, timings["edge_volume_deployed"] = objects.wait_for(
        "EdgeVolume {0}/{1} to reach state deployed".format(spec.namespace, spec.edge_volume),
        lambda: edge_volume_state(objects, spec.edge_volume, spec.namespace)[1] == "deployed",
        options.timeout,
        options.interval,
    )


_NOT_READ = object()


def _apply_object(objects, desired, check_mode, read=_NOT_READ):
    """Create or merge-patch one object; retry on resourceVersion conflicts. Returns (action, before, after).

    `read` is the object as the caller has just read it (None: absent): the first attempt plans from it instead of
    reading it again (issue 17, one read per object); a retry after a conflict reads it anew."""
    meta = desired["metadata"]
    for attempt in range(CONFLICT_RETRIES):
        if attempt == 0 and read is not _NOT_READ:
            current = read
        else:
            current = objects.get(desired["apiVersion"], desired["kind"], meta["name"], meta.get("namespace"))
        action, body = ev.plan_object(desired, current)
        before = ev.owned_view(desired.get("spec", {}), (current or {}).get("spec")) if current else None
        if action == "none" or check_mode:
            return action, before, current if action == "none" else desired
        try:
            if action == "create":
                return action, before, objects.create(body)
            metadata = dict(body.get("metadata") or {}, resourceVersion=current["metadata"].get("resourceVersion"))
            body = dict(body, metadata=metadata)
            return (
                action,
                before,
                objects.merge_patch(desired["apiVersion"], desired["kind"], meta["name"], meta.get("namespace"), body),
            )
        except Exception as error:  # pylint: disable=broad-except
            if is_conflict(error) and attempt + 1 < CONFLICT_RETRIES:
                continue
            raise
    raise ev.EdgeVolumesError(
        "could not update {0} {1}: it kept changing under us".format(desired["kind"], meta["name"])
    )


def ensure_subvolume(objects, spec, api, options, check_mode=False, resync=False, labels=None):
    """Create or update the subvolume (and legacy policy) with `labels`; return a result dict for the module."""
    timings = {}
    check_pvc(objects, spec)
    wait_volume_ready(objects, spec, options, timings)
    desired_objects = ev.render_subvolume(spec, api, labels=labels)
    main = desired_objects[-1]
    main_read = {}
    if main["kind"] == ev.KIND_MIRROR:
        current = objects.get(ev.API_VERSION, ev.KIND_MIRROR, spec.name, spec.namespace)
        main_read["read"] = current
        current_oneshot = (((current or {}).get("spec") or {}).get("schedule") or {}).get("oneshot")
        # Keep the sync trigger we last set unless a resync is asked for: a new UUID means "sync now".
        oneshot = ev.new_oneshot() if resync else current_oneshot
        if oneshot:
            main["spec"].setdefault("schedule", {})["oneshot"] = oneshot
    actions = []
    before = {}
    after = {}
    changed = False
    result_object = None
    for desired in desired_objects:
        action, obj_before, obj_after = _apply_object(
            objects, desired, check_mode, **(main_read if desired is main else {})
        )
        key = "{0}/{1}".format(desired["kind"], desired["metadata"]["name"])
        if action != "none":
            changed = True
            actions.append("{0} {1} in namespace {2}".format(action, key, spec.namespace))
        before[key] = obj_before
        after[key] = ev.owned_view(desired.get("spec", {}), (obj_after or {}).get("spec")) if obj_after else None
        result_object = obj_after
    if main["kind"] == ev.KIND_MIRROR and options.wait and not check_mode:
        result_object, timings["mirror_connected"] = objects.wait_for(
            "MirrorSubvolume {0}/{1} to report BACKENDCONNECTION Connected".format(spec.namespace, spec.name),
            lambda: _connected_mirror(objects, spec),
            options.timeout,
            options.interval,
        )
    return {
        "changed": changed,
        "api": api,
        "kind": main["kind"],
        "actions": actions,
        "object": result_object,
        "diff": {"before": before, "after": after},
        "elapsed": timings,
    }


def _connected_mirror(objects, spec):
    current = objects.get(ev.API_VERSION, ev.KIND_MIRROR, spec.name, spec.namespace)
    return current if backend_connection(current) == "Connected" else None


def remove_subvolume(objects, spec, api, allow_data_loss, check_mode=False):
    kind = (
        ev.KIND_LEGACY_SUBVOLUME
        if api == ev.API_LEGACY
        else (ev.KIND_MIRROR if spec.type == "mirror" else ev.KIND_INGEST)
    )
    current = objects.get(ev.API_VERSION, kind, spec.name, spec.namespace)
    if current is None:
        return {
            "changed": False,
            "api": api,
            "kind": kind,
            "actions": [],
            "object": None,
            "diff": {"before": None, "after": None},
        }
    on_delete = (current.get("spec") or {}).get("onDelete")
    if kind == ev.KIND_INGEST and on_delete == "abandon" and not allow_data_loss:
        raise ev.EdgeVolumesError(
            "{0}: refusing to delete IngestSubvolume {1}/{2}: its onDelete is abandon, so files not yet uploaded "
            "would be lost. Set on_delete: trigger-immediate-ingest and apply it first, or pass allow_data_loss: true".format(
                spec.label, spec.namespace, spec.name
            )
        )
    actions = ["delete {0}/{1} in namespace {2}".format(kind, spec.name, spec.namespace)]
    if not check_mode:
        objects.delete(ev.API_VERSION, kind, spec.name, spec.namespace)
    policy = (current.get("spec") or {}).get("ingestPolicy")
    if kind == ev.KIND_LEGACY_SUBVOLUME and policy == "{0}-policy".format(spec.name):
        actions.append("delete {0}/{1} in namespace {2}".format(ev.KIND_LEGACY_POLICY, policy, spec.namespace))
        if not check_mode:
            objects.delete(ev.API_VERSION, ev.KIND_LEGACY_POLICY, policy, spec.namespace)
    return {
        "changed": True,
        "api": api,
        "kind": kind,
        "actions": actions,
        "object": None,
        "diff": {"before": {"{0}/{1}".format(kind, spec.name): current.get("spec")}, "after": None},
    }


# ---------------------------------------------------------------------------------------------
# EdgeStorageConfiguration


def ensure_configuration(objects, desired, owner, options, check_mode=False):
    """owner 'ansible': create/patch it. owner 'extension': the extension creates it; wait for it, patch only our fields."""
    name = desired["metadata"]["name"]
    timings = {}
    warnings = []
    current = objects.get(ev.API_VERSION, ev.KIND_CONFIGURATION, name)
    if current is None and owner == "extension":
        if not options.wait:
            raise ev.EdgeVolumesError(
                "EdgeStorageConfiguration {0} does not exist yet and owner is extension: the extension creates it when its "
                "setting edgeStorageConfiguration.create is true; wait for it (wait: true) or set owner: ansible".format(
                    name
                )
            )
        current, timings["created_by_extension"] = objects.wait_for(
            "the extension to create EdgeStorageConfiguration {0}".format(name),
            lambda: objects.get(ev.API_VERSION, ev.KIND_CONFIGURATION, name),
            options.timeout,
            options.interval,
        )
    release = ev.helm_owner(current)
    if release and owner == "ansible":
        warnings.append(
            "EdgeStorageConfiguration {0} was created by the Helm release {1} (the Arc extension); an extension upgrade may "
            "reset fields set here. Set owner: extension, or the extension setting edgeStorageConfiguration.create=false".format(
                name, release[0]
            )
        )
    action, before, after = _apply_object(objects, desired, check_mode, read=current)
    return {
        "changed": action != "none",
        "actions": [] if action == "none" else ["{0} EdgeStorageConfiguration {1}".format(action, name)],
        "object": after,
        "created_by_extension": bool(release),
        "warnings": warnings,
        "elapsed": timings,
        "diff": {
            "before": before,
            "after": ev.owned_view(desired["spec"], (after or {}).get("spec")) if after else None,
        },
    }


def remove_configuration(objects, name, owner, check_mode=False, removed_first=()):
    current = objects.get(ev.API_VERSION, ev.KIND_CONFIGURATION, name)
    if current is None:
        return {
            "changed": False,
            "actions": [],
            "object": None,
            "diff": {"before": None, "after": None},
            "warnings": [],
        }
    release = ev.helm_owner(current)
    if release or owner == "extension":
        raise ev.EdgeVolumesError(
            "EdgeStorageConfiguration {0} belongs to the Arc extension (Helm release {1}); deleting it here would be undone "
            "by the extension. Remove the extension, or set its edgeStorageConfiguration.create=false first".format(
                name, release[0] if release else "unknown"
            )
        )
    remaining = []
    for kind in (ev.KIND_INGEST, ev.KIND_MIRROR, ev.KIND_LEGACY_SUBVOLUME):
        if objects.serves(ev.API_VERSION, kind):
            remaining.extend(
                "{0} {1}/{2}".format(kind, item["metadata"].get("namespace"), item["metadata"]["name"])
                for item in objects.list(ev.API_VERSION, kind)
            )
    if check_mode:
        # The subvolumes earlier tasks of this run remove are still there in check mode: they removed nothing.
        remaining = [item for item in remaining if item.split(" ", 1)[1] not in set(removed_first)]
    if remaining:
        raise ev.EdgeVolumesError(
            "EdgeStorageConfiguration {0} is still used by {1}; the documented order is workloads, PVCs, subvolumes, "
            "then the configuration".format(name, ", ".join(sorted(remaining)))
        )
    if not check_mode:
        objects.delete(ev.API_VERSION, ev.KIND_CONFIGURATION, name)
    return {
        "changed": True,
        "actions": ["delete EdgeStorageConfiguration {0}".format(name)],
        "object": None,
        "diff": {"before": current.get("spec"), "after": None},
        "warnings": [],
    }

# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Prune: which volumes and subvolumes the edge_volumes role applied earlier are no longer in its list.

Pure functions: the caller reads the cluster (objects carrying the ownership label, and the pods) and applies the
plan with the teardown's own steps, in the order Microsoft documents for removing Edge Volumes (FAQ, "uninstall":
the PVC, then the subvolume): the PVC deletion, then acstor.edge.edge_subvolume state absent.
"""

from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev

# Subvolume kinds a prune looks at, and the edge_subvolume options that remove one of them.
PRUNED_SUBVOLUME_KINDS = {
    ev.KIND_INGEST: ("ingest", ev.API_CURRENT),
    ev.KIND_MIRROR: ("mirror", ev.API_CURRENT),
    ev.KIND_LEGACY_SUBVOLUME: ("ingest", ev.API_LEGACY),
}


def owner_selector():
    return "{0}={1}".format(ev.OWNER_LABEL_KEY, ev.OWNER_LABEL_VALUE)


def is_owned(obj):
    """True when the object carries our ownership label; objects without it are never pruned."""
    labels = ((obj or {}).get("metadata") or {}).get("labels") or {}
    return labels.get(ev.OWNER_LABEL_KEY) == ev.OWNER_LABEL_VALUE


def _key(obj):
    metadata = obj.get("metadata") or {}
    return metadata.get("namespace") or "default", metadata.get("name")


def _subvolume_removal(obj):
    """The edge_subvolume parameters (state absent) that remove one subvolume found on the cluster."""
    namespace, name = _key(obj)
    subvolume_type, api = PRUNED_SUBVOLUME_KINDS[obj["kind"]]
    edge_volume = (obj.get("spec") or {}).get("edgevolume") or ""
    return {"name": name, "namespace": namespace, "type": subvolume_type, "pvc": edge_volume, "api": api}


def _label(namespace, name):
    return "{0}/{1}".format(namespace, name)


def plan_prune(listed_pvcs, listed_subvolumes, cluster_pvcs, cluster_subvolumes):
    """{pvcs, subvolumes}: what we own on the cluster and no longer list; removed PVCs first, then subvolumes.

    listed_pvcs: the PVCs edge_volumes_plan renders; listed_subvolumes: its subvolume parameters (namespace, name);
    cluster_pvcs/cluster_subvolumes: objects read from the cluster, with kind set. Unlabelled objects are skipped.
    """
    listed_claims = set(_key(pvc) for pvc in listed_pvcs)
    listed_subs = set((item["namespace"], item["name"]) for item in listed_subvolumes)
    subvolumes = sorted(
        (
            _subvolume_removal(obj)
            for obj in cluster_subvolumes
            if obj.get("kind") in PRUNED_SUBVOLUME_KINDS and is_owned(obj) and _key(obj) not in listed_subs
        ),
        key=lambda item: (item["namespace"], item["pvc"], item["name"]),
    )
    owned_claims = sorted(set(_key(obj) for obj in cluster_pvcs if is_owned(obj)) - listed_claims)
    pvcs = [{"namespace": namespace, "name": name} for namespace, name in owned_claims]
    return {"subvolumes": subvolumes, "pvcs": pvcs}


def prune_errors(plan, cluster_subvolumes, pods, allow_data_loss):
    """The teardown's refusals for a prune plan: a pod that is not finished mounts a PVC we would remove (or the PVC
    of a subvolume we would remove), or an ingest subvolume has onDelete abandon without allow_data_loss."""
    errors = []
    claims = set(_key_of(item) for item in plan["pvcs"]) | set(
        (item["namespace"], item["pvc"]) for item in plan["subvolumes"]
    )
    mounted = {}
    for namespace in sorted(set(namespace for namespace, _name in claims)):
        names = [name for space, name in claims if space == namespace]
        for claim, users in ev.pods_mounting(pods, namespace, names).items():
            mounted[(namespace, claim)] = users
    for item in plan["subvolumes"]:
        users = mounted.get((item["namespace"], item["pvc"]))
        if users and (item["namespace"], item["pvc"]) not in set(_key_of(pvc) for pvc in plan["pvcs"]):
            errors.append(
                "subvolume {0} (volume {1}) is no longer listed but its PVC is mounted by running pod(s) {2}; "
                "stop the workloads first".format(
                    _label(item["namespace"], item["name"]), item["pvc"], ", ".join(users)
                )
            )
    for item in plan["pvcs"]:
        users = mounted.get(_key_of(item))
        if users:
            errors.append(
                "volume {0}: no longer listed but its PVC is mounted by running pod(s) {1}; stop the workloads first"
                " or list the volume again".format(_label(item["namespace"], item["name"]), ", ".join(users))
            )
    if not allow_data_loss:
        errors.extend(_abandon_errors(plan, cluster_subvolumes))
    return errors


def _key_of(item):
    return item["namespace"], item["name"]


def _abandon_errors(plan, cluster_subvolumes):
    pruned = set(_key_of(item) for item in plan["subvolumes"] if item["api"] == ev.API_CURRENT)
    return [
        "subvolume {0}: onDelete is abandon on the cluster, so pruning it drops files not yet uploaded; set on_delete: "
        "trigger-immediate-ingest and converge first, or edge_volumes_allow_data_loss: true".format(_label(*_key(obj)))
        for obj in cluster_subvolumes
        if obj.get("kind") == ev.KIND_INGEST
        and _key(obj) in pruned
        and ((obj.get("spec") or {}).get("onDelete")) == "abandon"
    ]


def prune_actions(plan):
    """Human-readable lines, in the order they run."""
    return [
        "delete PersistentVolumeClaim {0}".format(_label(item["namespace"], item["name"])) for item in plan["pvcs"]
    ] + [
        "delete {0} subvolume {1} (volume {2})".format(
            item["type"], _label(item["namespace"], item["name"]), item["pvc"]
        )
        for item in plan["subvolumes"]
    ]

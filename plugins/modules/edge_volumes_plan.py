#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: edge_volumes_plan
short_description: Validate a list of Edge Volumes and plan their objects, writing nothing
version_added: 0.1.0
description:
  - Checks a whole list of Edge Volumes (local shared and cloud volumes with their ingest and mirror subvolumes)
    before anything is written, and renders the PersistentVolumeClaims and the parameters of
    M(acstor.edge.edge_subvolume) in the documented order (local shared PVCs, cloud PVCs, subvolumes).
  - Every error names the volume and the field. One invalid volume fails the whole list.
  - Reads the cluster (never writes) to pick the subvolume kinds it serves and, for O(state=absent), to find pods
    that still mount the PVCs and ingest subvolumes whose C(onDelete) is C(abandon).
  - Used by the R(acstor.edge.edge_volumes,ansible_collections.acstor.edge.edge_volumes_role) role; always returns C(changed=false).
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acstor.edge.k8s_client
  - acstor.edge.attributes.read_only
options:
  volumes:
    description:
      - The volumes. Each item has C(name), C(namespace) (default O(default_namespace)), C(kind) (C(local_shared) or
        C(cloud)), C(size) (a quantity such as V(2Gi)), optional C(access_modes) and C(labels), and for C(cloud)
        volumes a list C(subvolumes) of M(acstor.edge.edge_subvolume) options (without C(pvc) and C(namespace)).
      - C(retain=true) puts the volume on the retain variant of its class (C(unbacked-retain-sc),
        C(cloud-backed-retain-sc)), refused when O(extension_version) is older than 2.11.2 or, for O(state=present),
        when the cluster has no such StorageClass.
    type: list
    elements: dict
    required: true
  static_volumes:
    description:
      - Static volumes with a retain class, as the Microsoft Learn static retain workflow guide describes them, an
        EdgeVolume, a PersistentVolume bound to it (reclaim policy Retain) and a PersistentVolumeClaim naming the PV.
      - Each item has C(name) (the PVC), C(namespace), C(kind) (C(local_shared) or C(cloud)), C(size), optional
        C(access_modes) (default V([ReadWriteMany])), C(labels), C(edge_volume) (default the PVC name) and
        C(persistent_volume) (default C(<namespace>-<name>)).
    type: list
    elements: dict
    default: []
  default_namespace:
    description: Namespace of volumes that do not set one.
    type: str
    default: default
  state:
    description: C(present) plans creation; C(absent) plans the teardown and checks that nothing blocks it.
    type: str
    choices: [present, absent]
    default: present
  api:
    description: Subvolume kinds, as in M(acstor.edge.edge_subvolume).
    type: str
    choices: [auto, current, legacy]
    default: auto
  extension_version:
    description: Extension version used by O(api=auto) instead of discovery.
    type: str
  refuse_mounted:
    description: With O(state=absent), fail when a pod that is not finished mounts one of the PVCs.
    type: bool
    default: true
  allow_data_loss:
    description: With O(state=absent) or O(prune), allow deleting ingest subvolumes whose C(onDelete) is C(abandon).
    type: bool
    default: false
  prune:
    description:
      - With O(state=present), also plan the removal of the PVCs and subvolumes that carry the ownership label
        C(acstor.edge/owned-by=edge_volumes) and are no longer in O(volumes), and refuse it (nothing is changed) the
        way a teardown refuses; returned in RV(prune). Objects without the label are never planned for removal.
    type: bool
    default: false
seealso:
  - module: acstor.edge.edge_subvolume
"""

EXAMPLES = r"""
- name: Check the volume list before converging it
  acstor.edge.edge_volumes_plan:
    kubeconfig: /etc/acstor/kubeconfig
    volumes:
      - name: scratch
        kind: local_shared
        size: 2Gi
      - name: camera
        kind: cloud
        size: 10Gi
        subvolumes:
          - name: camera-ingest
            type: ingest
            path: ingest
            endpoint: https://mediastore.blob.core.windows.net/
            container: frames
  register: edge_plan
"""

RETURN = r"""
pvcs:
  description: PersistentVolumeClaims to create, local shared first, then cloud volumes.
  returned: always
  type: list
  elements: dict
pvcs_to_apply:
  description:
    - For O(state=present), the items of RV(pvcs) the cluster does not hold yet, or holds with a field of ours
      different (read with one GET per claim). The others would not change if applied.
  returned: always
  type: list
  elements: dict
pvcs_to_wait:
  description:
    - For O(state=present), RV(pvcs_to_apply) and the claims that are not ready yet (a local shared claim not
      C(Bound), a cloud claim whose EdgeVolume is not C(deployed)).
  returned: always
  type: list
  elements: dict
subvolumes:
  description: Parameters for M(acstor.edge.edge_subvolume), one item per subvolume, with C(pvc) and C(namespace) filled in.
  returned: always
  type: list
  elements: dict
api:
  description: Subvolume kinds the cluster will get, C(current) or C(legacy); empty when no cloud volume has subvolumes.
  returned: always
  type: str
served_kinds:
  description: Edge Volumes kinds the cluster serves.
  returned: always
  type: list
  elements: str
static_volumes:
  description: For each static volume, the C(edge_volume), C(persistent_volume) and C(persistent_volume_claim) to apply in that order.
  returned: always
  type: list
  elements: dict
pods_using:
  description: For O(state=absent), PVC namespace/name to the pods that mount it.
  returned: always
  type: dict
prune:
  description:
    - With O(prune), C(subvolumes) (M(acstor.edge.edge_subvolume) parameters for O(state=absent)) and C(pvcs)
      (C(namespace), C(name)) to remove, PVCs first (the documented order), and C(actions), the same in words. Empty lists otherwise.
  returned: always
  type: dict
"""

from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import check, semantic_version
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_static_volumes as static
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes_apply as apply
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes_prune as prune
from ansible_collections.acstor.edge.plugins.module_utils.k8s import module as k8s_module
from ansible_collections.acstor.edge.plugins.module_utils.k8s.objects import holds

SPEC = dict(
    volumes=dict(type="list", elements="dict", required=True),
    static_volumes=dict(type="list", elements="dict", default=[]),
    default_namespace=dict(type="str", default="default"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    api=dict(type="str", default="auto", choices=["auto", ev.API_CURRENT, ev.API_LEGACY]),
    extension_version=dict(type="str"),
    refuse_mounted=dict(type="bool", default=True),
    allow_data_loss=dict(type="bool", default=False),
    prune=dict(type="bool", default=False),
)


def normalize(params):
    """(pvcs, subvolumes, static volumes, input errors) of the lists as given."""
    pvcs, subvolumes, errors = ev.normalize_volume_list(
        params["volumes"], params["default_namespace"], params["extension_version"]
    )
    statics, static_errors = static.normalize_static_volume_list(
        params["static_volumes"], params["default_namespace"], params["extension_version"]
    )
    errors.extend(static_errors)
    if params["extension_version"] is not None:
        check(errors, "extension_version", params["extension_version"], semantic_version)
    return pvcs, subvolumes, statics, errors


def validate(params):
    return normalize(params)[3]


def missing_retain_classes(objects, claims):
    retain_classes = sorted(
        set(pvc["spec"]["storageClassName"] for pvc in claims) & set(ev.RETAIN_STORAGE_CLASS.values())
    )
    return [
        "storage class {0} is not on the cluster: the extension creates it from version 2.11.2 (static-retain.md); "
        "upgrade the extension or drop retain".format(name)
        for name in retain_classes
        if objects.get("storage.k8s.io/v1", "StorageClass", name) is None
    ]


def static_binding_conflicts(objects, statics):
    names = [item["persistent_volume"]["metadata"]["name"] for item in statics]
    return static.binding_conflicts(
        statics, dict((name, objects.get("v1", "PersistentVolume", name)) for name in names)
    )


def subvolume_errors(objects, params, subvolumes, api):
    """Subvolumes the chosen API cannot express (present), or ingest subvolumes whose deletion drops data (absent)."""
    errors = []
    for item in subvolumes:
        spec = ev.SubvolumeSpec(**dict((f, item.get(f)) for f in ev.SubvolumeSpec.FIELDS))
        owner = "volume {0} subvolume {1}".format(item["pvc"], item.get("name"))
        if params["state"] == "present":
            errors.extend(ev.validate_subvolume_for_api(spec, api, owner + " "))
        elif (
            api == ev.API_CURRENT
            and spec.type == "ingest"
            and not (params["allow_data_loss"] or item.get("allow_data_loss"))
        ):
            current = objects.get(ev.API_VERSION, ev.KIND_INGEST, spec.name, spec.namespace)
            if ((current or {}).get("spec") or {}).get("onDelete") == "abandon":
                errors.append(
                    "{0}: onDelete is abandon on the cluster, so deleting it drops files not yet uploaded; "
                    "set on_delete: trigger-immediate-ingest and converge first, or allow_data_loss: true".format(owner)
                )
    return errors


def pods_using(objects, claims):
    """namespace/claim -> pods that mount it."""
    found = {}
    for namespace in sorted(set(pvc["metadata"]["namespace"] for pvc in claims)):
        names = [pvc["metadata"]["name"] for pvc in claims if pvc["metadata"]["namespace"] == namespace]
        for claim, pods in ev.pods_mounting(objects.list("v1", "Pod", namespace), namespace, names).items():
            found["{0}/{1}".format(namespace, claim)] = pods
    return found


def plan_prune(objects, params, pvcs, subvolumes, served):
    """Read what we own on the cluster; return (prune plan with its actions, the refusals)."""
    selector = prune.owner_selector()
    owned_pvcs = objects.list("v1", "PersistentVolumeClaim", label_selector=selector)
    owned_subvolumes = []
    for kind in sorted(served & set(prune.PRUNED_SUBVOLUME_KINDS)):
        owned_subvolumes.extend(
            dict(item, kind=kind) for item in objects.list(ev.API_VERSION, kind, label_selector=selector)
        )
    plan = prune.plan_prune(pvcs, subvolumes, owned_pvcs, owned_subvolumes)
    pods = objects.list("v1", "Pod") if plan["pvcs"] or plan["subvolumes"] else []
    errors = prune.prune_errors(plan, owned_subvolumes, pods, params["allow_data_loss"])
    return dict(plan, actions=prune.prune_actions(plan)), errors


def read_claims(objects, pvcs):
    """(claims to apply, claims to wait for): one GET per claim, and for a cloud claim that needs no write one GET of
    its EdgeVolume (a claim written now is waited for anyway)."""
    claims, edge_volumes = {}, {}
    for pvc in pvcs:
        key, name, namespace = ev.claim_key(pvc), pvc["metadata"]["name"], pvc["metadata"]["namespace"]
        claims[key] = objects.get("v1", "PersistentVolumeClaim", name, namespace)
        if pvc["spec"]["storageClassName"] not in ev.LOCAL_SHARED_CLASSES and holds(claims[key], pvc):
            edge_volumes[key] = objects.get(ev.API_VERSION, ev.KIND_EDGE_VOLUME, name, namespace)
    return ev.claim_work(pvcs, claims, edge_volumes)


def plan_volumes(module, objects, result):
    params = module.params
    pvcs, subvolumes, statics, errors = normalize(params)
    claims = pvcs + [item["persistent_volume_claim"] for item in statics]
    served = apply.served_edge_kinds(objects)
    result.update(
        pvcs=pvcs,
        subvolumes=subvolumes,
        static_volumes=statics,
        api="",
        served_kinds=sorted(served),
        pods_using={},
        prune={"subvolumes": [], "pvcs": [], "actions": []},
        pvcs_to_apply=[],
        pvcs_to_wait=[],
    )
    if params["state"] == "present":
        if ev.KIND_EDGE_VOLUME not in served:
            raise ev.EdgeVolumesError(ev.missing_crd_message(ev.KIND_EDGE_VOLUME))
        errors.extend(missing_retain_classes(objects, claims) + static_binding_conflicts(objects, statics))
        if not errors:
            result["pvcs_to_apply"], result["pvcs_to_wait"] = read_claims(objects, pvcs)
        if params["prune"] and not errors:
            result["prune"], prune_errors = plan_prune(objects, params, pvcs, subvolumes, served)
            errors.extend(prune_errors)
    if subvolumes and (params["state"] == "present" or served & set(apply.ALL_SUBVOLUME_KINDS)):
        result["api"] = ev.choose_api(params["api"], served, params["extension_version"])
        errors.extend(subvolume_errors(objects, params, subvolumes, result["api"]))
    if params["state"] == "absent":
        result["pods_using"] = pods_using(objects, claims)
        if params["refuse_mounted"]:
            errors.extend(
                "volume {0}: PVC is mounted by running pod(s) {1}; stop the workloads first (or list them in "
                "edge_volumes_teardown_workloads)".format(claim, ", ".join(pods))
                for claim, pods in sorted(result["pods_using"].items())
            )
    if errors:
        result.pop("changed")
        raise ev.EdgeVolumesError(
            "Edge Volumes list cannot be applied, nothing was changed: " + "; ".join(errors), errors=errors
        )


def main():
    k8s_module.run_module(SPEC, validate, plan_volumes, with_wait=False)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: edge_subvolume
short_description: Manage an Edge Volumes cloud ingest or cloud mirror subvolume
version_added: 0.1.0
description:
  - Creates, updates or deletes one subvolume of a Cloud Edge Volume (Azure Container Storage enabled by Azure Arc,
    C(arccontainerstorage.azure.net/v1)).
  - With extension 2.8.2 and later the kinds are C(IngestSubvolume) and C(MirrorSubvolume); up to 2.7 an ingest
    subvolume is an C(EdgeSubvolume) plus an optional C(EdgeIngestPolicy). O(api=auto) asks the cluster which it serves.
  - Every field is validated before anything is written. Before writing, the module waits for the PVC to be
    C(Bound) and its EdgeVolume to be C(deployed); after writing a mirror it waits for the backend connection.
  - Only the fields set here are compared and written (JSON merge patch); fields the extension defaults stay its own.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acstor.edge.k8s_client
  - acstor.edge.k8s_client.wait
  - acstor.edge.attributes.full
attributes:
  check_mode:
    details: The object is never written in check mode.
options:
  name:
    description: Name of the subvolume object (lowercase letters, digits and dashes).
    type: str
    required: true
  namespace:
    description: Namespace of the PVC; the subvolume is created next to it.
    type: str
    default: default
  type:
    description: C(ingest) uploads files written under O(path) to blob storage; C(mirror) downloads a container into it.
    type: str
    choices: [ingest, mirror]
    required: true
  pvc:
    description: The PersistentVolumeClaim (storage class C(cloud-backed-sc)) the subvolume lives on.
    type: str
    required: true
  edge_volume:
    description: The EdgeVolume behind the PVC. Defaults to O(pvc), which is the name the extension gives it.
    type: str
  path:
    description: Directory under the volume mount, without a leading slash (the volume's top level is read-only).
    type: str
  auth_type:
    description: Identity used to reach blob storage.
    type: str
    choices: [MANAGED_IDENTITY, WORKLOAD_IDENTITY]
    default: MANAGED_IDENTITY
  endpoint:
    description:
      - Storage account endpoint, for example V(https://myaccount.blob.core.windows.net/), or a OneLake
        endpoint V(https://<tenant>.dfs.fabric.microsoft.com).
    type: str
  container:
    description: Blob container name, or V(<workspace>/<lake>.Datalake/Files) for OneLake.
    type: str
  ingest_order:
    description: Ingest order (ingest only).
    type: str
    choices: [oldest-first, newest-first]
  ingest_min_delay_sec:
    description: Seconds a dirty file waits before it may be uploaded, 0 to 31536000 (ingest only).
    type: int
  eviction_order:
    description: Eviction order of uploaded files (ingest only); C(never) keeps local copies.
    type: str
    choices: [unordered, never]
  eviction_min_delay_sec:
    description: Seconds a clean file stays local before it may be evicted, 0 to 31536000 (ingest only).
    type: int
  on_delete:
    description:
      - What the extension does with files not yet uploaded when the IngestSubvolume is deleted.
      - When unset, V(trigger-immediate-ingest) is sent (kinds of extension 2.8.2 and later). C(abandon) drops them.
      - Not supported by the legacy C(EdgeSubvolume) kind.
    type: str
    choices: [trigger-immediate-ingest, abandon]
  ingest_policy:
    description:
      - Legacy kinds only. Name of an existing C(EdgeIngestPolicy) to reference. When unset and ingest/eviction
        options are given, a policy named C(<name>-policy) is managed; otherwise C(edgeingestpolicy-default) is used.
    type: str
  index_tags_mode:
    description: Mirror only. C(MirrorIndexTags) needs Storage Blob Data Owner; C(NoIndexTags) needs Reader.
    type: str
    choices: [NoIndexTags, MirrorIndexTags]
  blob_name_prefix:
    description: Mirror only. Only blobs whose names start with this prefix are mirrored.
    type: str
  schedule:
    description: Mirror only. C(@hourly), C(@daily), C(@weekly), C(@monthly), C(@yearly), C(@annually), C(never) or five-field cron.
    type: str
  resync:
    description: Mirror only. Set a new UUID in C(spec.schedule.oneshot) to trigger one immediate sync (always changed).
    type: bool
    default: false
  api:
    description:
      - Which kinds to use. C(auto) asks the cluster (or uses O(extension_version) when given); C(current) is
        IngestSubvolume/MirrorSubvolume; C(legacy) is EdgeSubvolume/EdgeIngestPolicy.
    type: str
    choices: [auto, current, legacy]
    default: auto
  extension_version:
    description: Version of the microsoft.arc.containerstorage extension, used by O(api=auto) instead of discovery.
    type: str
  allow_data_loss:
    description: Allow deleting an IngestSubvolume whose C(onDelete) is C(abandon), which drops files not yet uploaded.
    type: bool
    default: false
  labels:
    description:
      - Labels set on the subvolume (and its legacy ingest policy) with O(state=present); labels set by others stay.
      - The R(acstor.edge.edge_volumes,ansible_collections.acstor.edge.edge_volumes_role) role passes its ownership
        label C(acstor.edge/owned-by=edge_volumes) here, which its prune relies on.
    type: dict
    default: {}
  state:
    description: Whether the subvolume should exist.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait for the PVC, the EdgeVolume and (mirror) the backend connection.
notes:
  - The EdgeVolume and subvolume kinds have no published schema; the fields are those the Microsoft Learn pages document.
seealso:
  - module: acstor.edge.edge_storage_config
  - module: acstor.edge.edge_volumes_plan
"""

EXAMPLES = r"""
- name: Ingest files from /data/ingest into a blob container
  acstor.edge.edge_subvolume:
    kubeconfig: /etc/acstor/kubeconfig
    name: camera-ingest
    namespace: media
    type: ingest
    pvc: camera-cloud
    path: ingest
    endpoint: https://mediastore.blob.core.windows.net/
    container: camera-frames
    ingest_order: oldest-first
    ingest_min_delay_sec: 60
    eviction_order: unordered
    eviction_min_delay_sec: 300
    on_delete: trigger-immediate-ingest

- name: Mirror a container hourly and trigger a sync now
  acstor.edge.edge_subvolume:
    name: models-mirror
    namespace: media
    type: mirror
    pvc: camera-cloud
    path: models
    endpoint: https://mediastore.blob.core.windows.net/
    container: models
    index_tags_mode: NoIndexTags
    schedule: "@hourly"
    resync: true
"""

RETURN = r"""
api:
  description: The kinds used, C(current) or C(legacy).
  returned: always
  type: str
  sample: current
kind:
  description: Kind of the subvolume object.
  returned: always
  type: str
  sample: IngestSubvolume
actions:
  description: What was (or in check mode would be) done.
  returned: always
  type: list
  elements: str
  sample: ["create IngestSubvolume/camera-ingest in namespace media"]
object:
  description: The subvolume as the API server returned it (absent after deletion).
  returned: always
  type: dict
elapsed:
  description: Seconds spent waiting, per condition (pvc_bound, edge_volume_deployed, mirror_connected).
  returned: when state is present
  type: dict
  sample: {"pvc_bound": 0.0, "edge_volume_deployed": 4.2}
"""

from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import check, message, semantic_version
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes_apply as apply
from ansible_collections.acstor.edge.plugins.module_utils.k8s import inputs as k8s_inputs
from ansible_collections.acstor.edge.plugins.module_utils.k8s import module as k8s_module

SPEC = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str", default="default"),
    type=dict(type="str", required=True, choices=list(ev.SUBVOLUME_TYPES)),
    pvc=dict(type="str", required=True),
    edge_volume=dict(type="str"),
    path=dict(type="str"),
    auth_type=dict(type="str", default="MANAGED_IDENTITY", choices=list(ev.AUTH_TYPES)),
    endpoint=dict(type="str"),
    container=dict(type="str"),
    ingest_order=dict(type="str", choices=list(ev.INGEST_ORDERS)),
    ingest_min_delay_sec=dict(type="int"),
    eviction_order=dict(type="str", choices=list(ev.EVICTION_ORDERS)),
    eviction_min_delay_sec=dict(type="int"),
    on_delete=dict(type="str", choices=list(ev.ON_DELETE_ACTIONS)),
    ingest_policy=dict(type="str"),
    index_tags_mode=dict(type="str", choices=list(ev.INDEX_TAGS_MODES)),
    blob_name_prefix=dict(type="str"),
    schedule=dict(type="str"),
    resync=dict(type="bool", default=False),
    api=dict(type="str", default="auto", choices=["auto", ev.API_CURRENT, ev.API_LEGACY]),
    extension_version=dict(type="str"),
    allow_data_loss=dict(type="bool", default=False),
    labels=dict(type="dict", default={}),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def subvolume_spec(params):
    return ev.SubvolumeSpec(**dict((field, params.get(field)) for field in ev.SubvolumeSpec.FIELDS))


def validate(params):
    spec = subvolume_spec(params)
    if params["state"] == "present":
        errors = ev.validate_subvolume(spec)
        if params["resync"] and spec.type != "mirror":
            errors.append(message("resync", "applies to mirror subvolumes only", "unused-option"))
        k8s_inputs.check_labels(errors, "labels", params["labels"])
    else:
        errors = []
        check(errors, "name", spec.name, k8s_inputs.dns_label)
        check(errors, "namespace", spec.namespace, k8s_inputs.dns_label)
        check(errors, "pvc", spec.pvc, k8s_inputs.dns_subdomain)
    if params["extension_version"] is not None:
        check(errors, "extension_version", params["extension_version"], semantic_version)
    return errors


def apply_subvolume(module, objects, result):
    params, spec = module.params, subvolume_spec(module.params)
    api = ev.choose_api(params["api"], apply.served_edge_kinds(objects), params["extension_version"])
    if params["state"] == "present":
        errors = ev.validate_subvolume_for_api(spec, api)
        if errors:
            raise ev.EdgeVolumesError(
                "invalid input, nothing was changed: " + "; ".join(errors), errors=errors, api=api
            )
        options = apply.WaitOptions(params["wait"], params["wait_timeout"], params["wait_sleep"])
        result.update(
            apply.ensure_subvolume(objects, spec, api, options, module.check_mode, params["resync"], params["labels"])
        )
    else:
        result.update(apply.remove_subvolume(objects, spec, api, params["allow_data_loss"], module.check_mode))


def main():
    k8s_module.run_module(SPEC, validate, apply_subvolume)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: local_csi_driver_preflight
short_description: Check a cluster for the local CSI driver and plan its Helm values, writing nothing
version_added: 0.1.0
description:
  - Reads the cluster and the node reports that the
    R(acstor.edge.csi_driver,ansible_collections.acstor.edge.csi_driver_role) role needs before it installs or
    removes Azure Container Storage v2 core (Azure/local-csi-driver).
  - Refuses (O(fail_on_conflicts)) a cluster that already runs the driver from another Helm release (for example
    bundled by KAITO) or that runs Azure Container Storage v1, with the reason and the fix.
  - Builds the chart values from settings and node reports. C(cleanup.enabled) is set to V(false) whenever a node
    pre-created the driver's volume group, and C(diskSelection.addonModels) lists the NVMe models the nodes report that
    the driver does not know.
  - Lists the PersistentVolumes that still use the StorageClass or the driver (uninstall must keep them working).
  - Always returns C(changed=false).
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acstor.edge.k8s_client
  - acstor.edge.attributes.read_only
options:
  release_name:
    description: Helm release that should own the driver.
    type: str
    default: local-csi-driver
  release_namespace:
    description: Namespace of that release.
    type: str
    default: kube-system
  storage_class_name:
    description: StorageClass whose PersistentVolumes are listed.
    type: str
    default: local
  node_handoffs:
    description:
      - The hand-offs the nodes' stripe records name (C(csi_handoff) of C(/etc/acstor-edge/stripes/*.json), as the
        C(csi_driver) role reads them from each node), with C(host) added.
      - Keys C(host), C(volume_group), C(cleanup_enabled), C(models).
    type: list
    elements: dict
    default: []
  unread_nodes:
    description:
      - Nodes of the cluster whose stripe records could not be read (unreachable, unreadable). With any, the chart gets
        C(cleanup.enabled=false) and a note says why; V(true) in O(cleanup_enabled) is refused.
    type: list
    elements: str
    default: []
  reported_models:
    description: NVMe models the nodes report (M(acstor.edge.nvme_info) C(devices[].model) or C(addon_models_needed)).
    type: list
    elements: str
    default: []
  addon_models:
    description: Extra models to add to C(diskSelection.addonModels) whatever the nodes report.
    type: list
    elements: str
    default: []
  volume_group:
    description: Volume group the driver uses (chart C(raid.volumeGroup)).
    type: str
    default: containerstorage
  image_registry:
    description: Registry mirror for every image (driver, manager and the kubernetes-csi sidecars), for example V(registry.example.com).
    type: str
  image_tag:
    description: Tag for the driver and manager images (default is the chart's appVersion).
    type: str
  node_selector:
    description: Node labels the driver DaemonSet is restricted to.
    type: dict
  cleanup_enabled:
    description:
      - Chart C(cleanup.enabled). Unset lets the module decide (V(false) when a node pre-created the volume group or
        a node could not be read, else V(true), the chart default). The value is always part of RV(helm_values)
        because C(kubernetes.core.helm) resets values on upgrade, and a value left out would fall back to the chart's.
        V(true) with a pre-created volume group or an unread node is refused.
    type: bool
  extra_values:
    description: More chart values, merged over the computed ones.
    type: dict
    default: {}
  storage_class:
    description: Settings of the StorageClass to render (provisioner C(localdisk.csi.acstor.io), C(WaitForFirstConsumer), expansion allowed).
    type: dict
    default: {}
    suboptions:
      fstype:
        description: Filesystem the driver creates on each volume.
        type: str
        choices: [ext4, xfs]
        default: ext4
      reclaim_policy:
        description: Reclaim policy of the volumes.
        type: str
        choices: [Delete, Retain]
        default: Delete
      is_default:
        description: Mark it as the cluster's default StorageClass.
        type: bool
        default: false
      mount_options:
        description: Mount options for the volumes.
        type: list
        elements: str
        default: []
  fail_on_conflicts:
    description: Fail when the cluster already runs the driver from another release or runs Azure Container Storage v1.
    type: bool
    default: true
seealso:
  - module: kubernetes.core.helm
"""

EXAMPLES = r"""
- name: Plan the driver install
  acstor.edge.local_csi_driver_preflight:
    kubeconfig: /etc/acstor/kubeconfig
    node_handoffs:
      - host: node1
        volume_group: containerstorage
        cleanup_enabled: false
        models: [Samsung SSD 980 PRO 1TB]
  register: csi_plan
"""

RETURN = r"""
helm_values:
  description: Helm values for the chart.
  returned: always
  type: dict
  sample: {"cleanup": {"enabled": false}, "diskSelection": {"addonModels": ["Samsung SSD 980 PRO 1TB"]}}
notes:
  description: Why values were chosen.
  returned: always
  type: list
  elements: str
conflicts:
  description: Each reason the install is refused, with its fix.
  returned: always
  type: list
  elements: dict
persistent_volumes:
  description: Names of PersistentVolumes using the StorageClass or the driver.
  returned: always
  type: list
  elements: str
storage_class:
  description: The StorageClass to apply, named O(storage_class_name).
  returned: always
  type: dict
csi_driver_registered:
  description: Whether the CSIDriver object localdisk.csi.acstor.io exists.
  returned: always
  type: bool
storage_class_in_sync:
  description:
    - Whether the cluster's StorageClass O(storage_class_name) already has every field of RV(storage_class).
    - When true, applying RV(storage_class) would change nothing (the csi_driver role then does not write it).
  returned: always
  type: bool
"""

from ansible_collections.acstor.edge.plugins.module_utils.k8s import module as k8s_module
from ansible_collections.acstor.edge.plugins.module_utils.local_csi import chart as lcd
from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.local_csi.inputs import driver_option_errors

SPEC = dict(
    release_name=dict(type="str", default="local-csi-driver"),
    release_namespace=dict(type="str", default="kube-system"),
    storage_class_name=dict(type="str", default="local"),
    node_handoffs=dict(type="list", elements="dict", default=[]),
    unread_nodes=dict(type="list", elements="str", default=[]),
    reported_models=dict(type="list", elements="str", default=[]),
    addon_models=dict(type="list", elements="str", default=[]),
    volume_group=dict(type="str", default=contract.VOLUME_GROUP),
    image_registry=dict(type="str"),
    image_tag=dict(type="str"),
    node_selector=dict(type="dict"),
    cleanup_enabled=dict(type="bool"),
    extra_values=dict(type="dict", default={}),
    storage_class=dict(
        type="dict",
        default={},
        options=dict(
            fstype=dict(type="str", default="ext4", choices=list(lcd.FSTYPES)),
            reclaim_policy=dict(type="str", default="Delete", choices=["Delete", "Retain"]),
            is_default=dict(type="bool", default=False),
            mount_options=dict(type="list", elements="str", default=[]),
        ),
    ),
    fail_on_conflicts=dict(type="bool", default=True),
)


def discover(objects):
    return {
        "daemonsets": objects.list("apps/v1", "DaemonSet"),
        "csidrivers": objects.list("storage.k8s.io/v1", "CSIDriver"),
        "storageclasses": objects.list("storage.k8s.io/v1", "StorageClass"),
        "persistentvolumes": objects.list("v1", "PersistentVolume"),
        "served_groups": [lcd.V1_API_GROUP] if objects.serves(lcd.V1_API_GROUP + "/v1", "StoragePool") else [],
    }


def main():
    module = k8s_module.new_module(SPEC, with_wait=False)
    params = module.params
    k8s_module.refuse_invalid(module, SPEC, driver_option_errors(params), with_wait=False)
    try:
        values, notes = lcd.build_values(
            params, params["node_handoffs"], params["reported_models"], params["unread_nodes"]
        )
        sc_settings = params["storage_class"]
        storage_class = lcd.storage_class(
            params["storage_class_name"],
            sc_settings["fstype"],
            params["volume_group"],
            sc_settings["reclaim_policy"],
            sc_settings["mount_options"],
            sc_settings["is_default"],
        )
    except lcd.LocalCsiDriverError as error:
        module.fail_json(msg=str(error))
    result = {
        "changed": False,
        "helm_values": values,
        "notes": notes,
        "storage_class": storage_class,
        "conflicts": [],
        "persistent_volumes": [],
        "csi_driver_registered": False,
        "storage_class_in_sync": False,
    }
    try:
        cluster = discover(k8s_module.objects_for(module))
    except Exception as error:  # pylint: disable=broad-except
        module.fail_json(msg=k8s_module.describe_error(error), **result)
    result["conflicts"] = lcd.find_conflicts(cluster, params["release_name"], params["release_namespace"])
    result["persistent_volumes"] = lcd.volumes_using(cluster["persistentvolumes"], params["storage_class_name"])
    result["storage_class_in_sync"] = lcd.storage_class_in_sync(cluster["storageclasses"], storage_class)
    result["csi_driver_registered"] = any(
        (d.get("metadata") or {}).get("name") == lcd.PROVISIONER for d in cluster["csidrivers"]
    )
    if result["conflicts"] and params["fail_on_conflicts"]:
        result.pop("changed")
        module.fail_json(
            msg="refusing to install the local CSI driver: " + lcd.format_conflicts(result["conflicts"]), **result
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()

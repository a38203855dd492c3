#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: nvme_info
short_description: Inventory the node's NVMe namespaces, their use, and what the local CSI driver would take
version_added: 0.1.0
description:
  - One read-only pass over the node (one C(lsblk), one C(wipefs --no-act), one C(lvm fullreport) only when LVM is
    in use, plus sysfs and C(/dev/disk/by-id)) returning every NVMe namespace.
  - Classifies each namespace as V(local) (model is a known local NVMe model or in O(extra_models)),
    V(os) (holds C(/), C(/boot), swap or the EFI partition) or V(other) (for example Azure NVMe data disks).
  - Tells whether the local CSI driver (C(localdisk.csi.acstor.io) v0.3.0) would take each disk and, if not, why,
    and which C(diskSelection.addonModels) the chart needs.
extends_documentation_fragment:
  - acstor.edge.attributes.read_only
options:
  extra_models:
    description:
      - Models to treat as local disks in addition to C(Microsoft NVMe Direct Disk), C(Microsoft NVMe Direct Disk v2)
        and C(Amazon EC2 NVMe Instance Storage). Compared case-insensitive, trimmed.
    type: list
    elements: str
    default: []
seealso:
  - module: acstor.edge.nvme_stripe
"""

EXAMPLES = r"""
- name: Inventory NVMe
  acstor.edge.nvme_info:
    extra_models: ["SAMSUNG MZQL23T8HCLS-00A07"]
  register: nvme

- name: Local disks the CSI driver would take
  ansible.builtin.debug:
    msg: "{{ nvme.namespaces | selectattr('class', 'equalto', 'local') | selectattr('csi.eligible_with_addon_models')
             | map(attribute='path') | list }}"
"""

RETURN = r"""
namespaces:
  description: Every NVMe namespace, in kernel name order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Kernel name.
      type: str
      sample: nvme0n1
    path:
      description: Device path.
      type: str
      sample: /dev/nvme0n1
    by_id:
      description: All /dev/disk/by-id links.
      type: list
      elements: str
    stable_id:
      description: The by-id link naming model, serial and namespace id.
      type: str
    controller:
      description: NVMe controller.
      type: str
      sample: nvme0
    model:
      description: Model, white space trimmed.
      type: str
      sample: Microsoft NVMe Direct Disk
    serial:
      description: Serial, white space trimmed.
      type: str
    firmware:
      description: Firmware revision.
      type: str
    transport:
      description: Controller transport - pcie, tcp, rdma, fc or loop.
      type: str
    size:
      description: Size in bytes.
      type: int
    logical_sector_size:
      description: Bytes.
      type: int
    physical_sector_size:
      description: Bytes.
      type: int
    class:
      description: V(local), V(os) or V(other).
      type: str
    os_reasons:
      description: Why the namespace is an OS disk.
      type: list
      elements: str
    in_use:
      description: >-
        What is on the namespace - signatures (type, label, uuid, offset as wipefs reports them),
        partitions, holders (md, dm), mountpoints, md membership (uuid, name) and LVM PV (vg); any is true when
        anything is.
      type: dict
    csi:
      description: >-
        eligible (the driver with default settings would take it), reasons when not,
        addon_model_needed, eligible_with_addon_models.
      type: dict
addon_models_needed:
  description: Models of local disks present that are not built into the driver - the chart's diskSelection.addonModels.
  returned: always
  type: list
  elements: str
summary:
  description: Namespace paths per class, and the ones the driver would take.
  returned: always
  type: dict
  sample: {"local": ["/dev/nvme1n1"], "os": [], "other": ["/dev/nvme0n1"], "csi_eligible": ["/dev/nvme1n1"]}
stripes:
  description: Stripes recorded on the node by acstor.edge.nvme_stripe, by name.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.node.inputs import nvme_info_errors
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import addon_models_needed, build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.nvme.scan import collect_snapshot


def main():
    module = AnsibleModule(
        argument_spec=dict(extra_models=dict(type="list", elements="str", default=[])),
        supports_check_mode=True,
    )
    errors = nvme_info_errors(module.params)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    for tool in ("lsblk", "wipefs"):
        if not module.get_bin_path(tool):
            module.fail_json(msg="missing tool on the node: %s (util-linux)" % tool)

    def run(argv):
        return module.run_command(argv, environ_update={"LC_ALL": "C"})

    snapshot = collect_snapshot(run, module.get_bin_path)
    if snapshot["errors"]:
        module.fail_json(msg="could not read the node's block devices: %s" % "; ".join(snapshot["errors"]))
    extra = module.params["extra_models"]
    inventory = build_inventory(snapshot, extra)
    namespaces = [n.as_dict() for n in inventory.namespaces]
    summary = {"local": [], "os": [], "other": [], "csi_eligible": []}
    for namespace in namespaces:
        summary[namespace["class"]].append(namespace["path"])
        if namespace["csi"]["eligible"]:
            summary["csi_eligible"].append(namespace["path"])
    module.exit_json(
        changed=False,
        namespaces=namespaces,
        addon_models_needed=addon_models_needed(inventory, extra),
        summary=summary,
        stripes=inventory.records,
    )


if __name__ == "__main__":
    main()

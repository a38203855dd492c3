#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: preflight_info
short_description: Check a node against the Edge Volumes and local CSI driver prerequisites
version_added: "0.1.0"
description:
  - Reads, in one pass, what the prerequisites of Azure Container Storage enabled by Azure Arc
    (Edge Volumes) and of the local CSI driver depend on - kernel release and build config,
    CPUs, memory, operating system, free space, Kubernetes distribution markers, kernel module
    availability and NVMe namespaces (model, partitions, holders, mounts, signatures), read by the
    same scan as M(acstor.edge.nvme_info) (C(lsblk), read-only C(wipefs --no-act)).
  - Evaluates every check that applies to the selected O(products) and returns each result with
    its status (V(ok), V(warn), V(fail) or V(skip)), measured value, required value and source.
  - Never fails because a check fails; the
    R(acstor.edge.preflight,ansible_collections.acstor.edge.preflight_role) role decides what to do with
    the results. It fails only on bad options.
  - Changes nothing on the node.
extends_documentation_fragment:
  - acstor.edge.attributes.read_only
options:
  products:
    description: Products whose prerequisites are checked.
    type: list
    elements: str
    choices: [edge_volumes, local_csi]
    default: [edge_volumes, local_csi]
  fault_tolerant:
    description:
      - Check for the legacy fault-tolerant (ACStor, multi-node) Edge Volumes layout, which needs
        8 CPUs, recommends 32 GiB and needs the C(nvme_tcp) kernel module.
    type: bool
    default: false
  kernel_min:
    description: Lowest kernel version Edge Volumes supports.
    type: str
    default: "5.15"
  kernel_known_issues:
    description: Kernel versions (major.minor) the Edge Volumes docs list with known issues; they give a warning.
    type: list
    elements: str
    default: ["6.2", "6.4"]
  cpu_min:
    description: Fewest CPUs for Edge Volumes on a single-node or two-node cluster.
    type: int
    default: 4
  memory_min_gib:
    description:
      - Least memory for Edge Volumes in GiB. MemTotal is accepted down to 90% of it, because the
        kernel reports less than the installed memory.
    type: float
    default: 16
  local_path_dir:
    description:
      - Directory where the local-path provisioner keeps volumes.
      - When empty, V(/var/lib/rancher/k3s/storage) on k3s and V(/opt/local-path-provisioner) elsewhere.
      - Only with product V(edge_volumes) (an error otherwise).
    type: path
    default: ""
  local_path_min_free_gib:
    description: Free space needed where local-path volumes live, in GiB.
    type: float
    default: 10
  free_space:
    description: More directories to check for free space (for example where an NVMe stripe is mounted).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Directory (it need not exist yet; its nearest existing parent is measured).
        type: path
        required: true
      min_free_gib:
        description: Free space needed, in GiB.
        type: float
        required: true
  kubernetes_distribution:
    description: Kubernetes distribution on the node; V(auto) detects it from files the distributions install.
    type: str
    default: auto
    choices: [auto, none, aks_edge_essentials, microk8s, k0s, rke2, k3s, kubeadm]
  kubernetes_required:
    description: Whether a node without Kubernetes fails (V(true)) or only warns (V(false)).
    type: bool
    default: false
  addon_models:
    description:
      - NVMe model strings added to the local CSI driver's C(diskSelection.addonModels).
      - Only with product V(local_csi) (an error otherwise).
    type: list
    elements: str
    default: []
  csi_volume_group:
    description: Volume group the local CSI driver uses; when the host already has it, the NVMe check passes.
    type: str
    default: containerstorage
  skip_checks:
    description: Names of checks to report as V(skip) instead of evaluating them.
    type: list
    elements: str
    default: []
  strict:
    description:
      - Only shapes RV(failures) and the summary line; V(true) means the caller stops on failures.
    type: bool
    default: true
notes:
  - Sources of the thresholds are returned with every check.
seealso:
  - name: Prepare Linux for Edge Volumes
    description: The prerequisites table the Edge Volumes checks follow.
    link: https://learn.microsoft.com/azure/azure-arc/container-storage/howto-prepare-linux-edge-volumes
"""

EXAMPLES = r"""
- name: Check a node for the local CSI driver only
  acstor.edge.preflight_info:
    products: [local_csi]
    addon_models: ["Dell Ent NVMe CM6-V 3.2TB"]
  register: preflight

- name: Show what failed
  ansible.builtin.debug:
    var: preflight.failures
"""

RETURN = r"""
checks:
  description: Every evaluated check, in a stable order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Check name (used by O(skip_checks)).
      type: str
      sample: memory
    status:
      description: One of V(ok), V(warn), V(fail), V(skip).
      type: str
      sample: fail
    measured:
      description: What the node has.
      type: str
      sample: 0.9 GiB
    required:
      description: What the product needs.
      type: str
      sample: ">= 16 GiB (MemTotal >= 14.4 GiB accepted)"
    source:
      description: Where the requirement comes from.
      type: str
    products:
      description: Products the check applies to.
      type: list
      elements: str
    message:
      description: Explanation when the status is not V(ok).
      type: str
  sample:
    - {name: memory, status: fail, measured: 0.9 GiB, required: ">= 16 GiB", source: "...", products: [edge_volumes],
       message: "0.9 GiB of memory, Edge Volumes needs 16 GiB"}
counts:
  description: Number of checks per status.
  returned: always
  type: dict
  sample: {ok: 9, warn: 2, fail: 1, skip: 0}
failures:
  description: One line per failed check.
  returned: always
  type: list
  elements: str
  sample: ["memory: 0.9 GiB of memory, Edge Volumes needs 16 GiB (measured 0.9 GiB, required >= 16 GiB)"]
summary_lines:
  description: A one-screen table of all checks, and a totals line.
  returned: always
  type: list
  elements: str
addon_models_needed:
  description: Models of free NVMe namespaces the local CSI driver skips unless they are added to its add-on models.
  returned: always
  type: list
  elements: str
  sample: ["QEMU NVMe Ctrl"]
kubernetes_distribution:
  description: Detected (or given) Kubernetes distribution, V(none) when there is none.
  returned: always
  type: str
  sample: k3s
node:
  description:
    - The raw measurements the checks were evaluated on.
    - Its C(kernel_config) holds only the kernel options the checks read (C(CONFIG_NFS_V4_2)), not the whole kernel
      configuration; C(kernel_config_source) names the file it was read from (empty when none was readable).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.common.argspec import list_of_dicts
from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.node.inputs import preflight_errors
from ansible_collections.acstor.edge.plugins.module_utils.node.preflight_checks import (
    KUBERNETES_DISTRIBUTIONS,
    PRODUCTS,
    addon_models_needed,
    default_local_path_dir,
    detect_kubernetes,
    evaluate_checks,
    options_from_params,
    required_modules,
    result_dicts,
    summarize,
    validate_options,
)
from ansible_collections.acstor.edge.plugins.module_utils.node.preflight_facts import gather_node_facts, path_space

ARGUMENT_SPEC = dict(
    products=dict(type="list", elements="str", choices=list(PRODUCTS), default=list(PRODUCTS)),
    fault_tolerant=dict(type="bool", default=False),
    kernel_min=dict(type="str", default="5.15"),
    kernel_known_issues=dict(type="list", elements="str", default=["6.2", "6.4"]),
    cpu_min=dict(type="int", default=4),
    memory_min_gib=dict(type="float", default=16),
    local_path_dir=dict(type="path", default=""),
    local_path_min_free_gib=dict(type="float", default=10),
    free_space=list_of_dicts(
        path=dict(type="path", required=True),
        min_free_gib=dict(type="float", required=True),
    ),
    kubernetes_distribution=dict(type="str", default="auto", choices=["auto", "none"] + list(KUBERNETES_DISTRIBUTIONS)),
    kubernetes_required=dict(type="bool", default=False),
    addon_models=dict(type="list", elements="str", default=[]),
    csi_volume_group=dict(type="str", default=contract.VOLUME_GROUP),
    skip_checks=dict(type="list", elements="str", default=[]),
    strict=dict(type="bool", default=True),
)


def node_runner(module):
    """run(argv) for the NVMe scan; a missing tool is something the checks report (nvme_disks: warn), not a failure."""

    def run(argv):
        tool = module.get_bin_path(argv[0])
        if not tool:
            return 127, "", "%s not found on the node" % argv[0]
        return module.run_command([tool] + argv[1:], environ_update={"LC_ALL": "C"})

    return run


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    # values that reach a node command, and options the products do not use: refused before any read
    errors = preflight_errors(module.params)
    if errors:
        module.fail_json(msg="invalid preflight options: " + "; ".join(errors), errors=errors)
    options = options_from_params(module.params)
    errors = validate_options(options)
    if errors:
        module.fail_json(msg="invalid preflight options: " + "; ".join(errors))

    facts = gather_node_facts(
        run=node_runner(module),
        bin_path=module.get_bin_path,
        modules=required_modules(options),
        paths=[item.path for item in options.free_space],
        nvme="local_csi" in options.products,
    )
    if "edge_volumes" in options.products:
        options.local_path_dir = default_local_path_dir(facts, options)
        facts.paths.append(path_space("/", options.local_path_dir))

    results = evaluate_checks(facts, options)
    counts, failures, lines = summarize(results, module.params["strict"])
    distribution = detect_kubernetes(facts, options.kubernetes_distribution)[0]
    module.exit_json(
        changed=False,
        checks=result_dicts(results),
        counts=counts,
        failures=failures,
        summary_lines=lines,
        addon_models_needed=addon_models_needed(facts, options) if "local_csi" in options.products else [],
        kubernetes_distribution=distribution,
        node=facts.as_dict(),
    )


if __name__ == "__main__":
    main()

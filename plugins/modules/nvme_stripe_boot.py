#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: nvme_stripe_boot
short_description: Install the stripes' boot script, its systemd units and the CSI hand-off fact in one call
version_added: 0.1.0
description:
  - The node-wide, boot-time side of M(acstor.edge.nvme_stripe) - the script that activates recorded stripes
    at boot and rebuilds ephemeral ones, the systemd units that run it (boot unit, health metrics timer),
    and the local fact file that hands the stripe over to the C(csi_driver) role.
  - One call reads every file and the units' states, writes only what differs (atomically), reloads
    systemd at most once, and enables or starts only the units that are not. Enablement is read from the links
    C(systemctl enable) makes (C(/etc/systemd/system/<target>.wants/<unit>) for each C(WantedBy=), C(.requires) for
    C(RequiredBy=)); C(systemctl is-enabled) is asked only for a unit with other C([Install]) keys. A rerun that finds
    everything in place changes nothing and runs one C(systemctl is-active) query, for the units with
    O(units[].started) (whether a unit runs only systemd knows), or none.
  - M(acstor.edge.nvme_stripes) does the same as the boot side of every stripe of a node (the
    C(acstor.edge.nvme_stripe) role's call, on every run, so a run interrupted after the stripe was built still
    gets its boot unit on the next one).
  - With O(state=absent) (the role's call when no stripe record is left on the node) it removes that boot side
    instead - stops and disables the units, removes the unit files, the script, the health fact, the hand-off
    fact and the metrics file, and reloads systemd once - but only the files found at the given paths that carry
    our mark (the C(# Managed by acstor.edge) header of the role's units and health fact, the boot script's
    docstring, a fact file holding nothing but C(csi_handoff), a metrics file holding only C(acstor_edge_stripe_*)
    metrics). Anything else at those paths is kept and reported in RV(kept). A rerun finds nothing and runs no
    C(systemctl) at all.
  - With O(listed), the stripes recorded on the node (C(/etc/acstor-edge/stripes/*.json)) whose name is not in it
    are reported in RV(unlisted), each with a warning. Nothing is ever done to them.
  - Unit names, O(script_path) and O(fact_file) are checked before anything is read (full systemd unit names,
    paths without white space, C(%), quotes or control characters, a fact file ending in C(.fact)); an error
    names the option and the rule it breaks, and nothing changes.
extends_documentation_fragment:
  - acstor.edge.attributes.full
attributes:
  check_mode:
    details: Returns the actions it would take.
  diff_mode:
    details: One diff per file written or removed (a removed file's after is empty).
options:
  state:
    description:
      - V(present) installs the boot side; V(absent) removes what of it carries our mark (see the description).
    type: str
    choices: [present, absent]
    default: present
  script:
    description:
      - Content of the boot and metrics script. Required when O(units) is not empty.
    type: str
  script_path:
    description: Where the script is installed (mode C(0755)).
    type: path
    default: /usr/local/sbin/acstor-edge-stripe-boot
  units:
    description:
      - systemd units written to C(/etc/systemd/system/<name>) (mode C(0644)).
      - With O(state=absent), the units to stop, disable and remove (only O(units[].name) is used).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Unit file name, ending in C(.service) or C(.timer).
        type: str
        required: true
      content:
        description: The unit file's content. Required with O(state=present).
        type: str
      enabled:
        description: Enable the unit (it needs an C([Install]) section). V(false) leaves enablement alone.
        type: bool
        default: true
      started:
        description: Start the unit now when it is not active (only where systemd runs).
        type: bool
        default: false
  fact:
    description:
      - Local fact written as JSON to O(fact_file) (read back as C(ansible_local)). Omit to leave the file alone.
    type: dict
  fact_file:
    description: Path of the local fact file; it must end in C(.fact), the only files C(ansible_local) reads.
    type: path
    default: /etc/ansible/facts.d/acstor_edge.fact
  health_fact_file:
    description:
      - Path of an executable local fact that runs O(script_path) C(health) when facts are gathered
        (read back as C(ansible_local.<file name without .fact>)). Needs O(script). Omit for none.
    type: path
  metrics_dir:
    description:
      - With O(state=absent), the directory whose C(acstor_edge_stripes.prom) the metrics unit wrote, removed
        with the rest. Omit when the metrics were never installed.
    type: path
  listed:
    description:
      - The stripe names the stripe list has (any state). The recorded stripes not named here are reported in
        RV(unlisted), with a warning each, and left as they are. Omit for no report.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Boot unit and hand-off fact for the stripes on this node
  acstor.edge.nvme_stripe_boot:
    script: "{{ lookup('ansible.builtin.file', 'acstor_edge_stripe_boot.py') }}"
    units:
      - name: acstor-edge-stripes.service
        content: "{{ lookup('ansible.builtin.template', 'acstor-edge-stripes.service.j2') }}"
    fact:
      csi_handoff: "{{ acstor_edge_csi_handoff }}"
    listed: [stripe, csi]

- name: No stripe record left - remove the boot unit, metrics timer, script and facts we installed
  acstor.edge.nvme_stripe_boot:
    state: absent
    units:
      - name: acstor-edge-stripes.service
      - name: acstor-edge-stripe-metrics.service
      - name: acstor-edge-stripe-metrics.timer
    health_fact_file: /etc/ansible/facts.d/acstor_edge_stripes.fact
    metrics_dir: /var/lib/node_exporter/textfile_collector
"""

RETURN = r"""
actions:
  description: What was done (or would be, in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["write /etc/systemd/system/acstor-edge-stripes.service", "enable acstor-edge-stripes.service"]
removed_temp_files:
  description: Temporary files a killed earlier run left beside the files this module writes.
  returned: when there were any
  type: list
  elements: str
  sample: ["/etc/systemd/system/.acstor-edge-4711-k2l9x0"]
removed:
  description: With O(state=absent), the files removed (or, in check mode, that would be).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ["/etc/systemd/system/acstor-edge-stripes.service", "/usr/local/sbin/acstor-edge-stripe-boot"]
kept:
  description: With O(state=absent), the files found at our paths without our mark, left in place (a warning each).
  returned: when O(state=absent)
  type: list
  elements: dict
  sample: [{"path": "/etc/ansible/facts.d/acstor_edge.fact", "reason": "present, but without our mark: not ours to remove"}]
unlisted:
  description: The stripes recorded on the node that O(listed) does not name; kept as they are.
  returned: when O(listed) is given
  type: list
  elements: dict
  sample: [{"name": "old", "backend": "lvm", "mode": "volume", "device": "/dev/old/old", "mount_path": "/srv/old",
            "serials": ["EL1a2b3c0", "EL1a2b3c1"]}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot import validate
from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot_side import (
    BOOT_ARGUMENT_SPEC,
    apply_boot,
    report_unlisted,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            BOOT_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
            fact=dict(type="dict"),
            listed=dict(type="list", elements="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    errors = validate(
        params["script"],
        params["script_path"],
        params["units"],
        params["fact"],
        params["fact_file"],
        params["health_fact_file"],
        params["state"],
    )
    if params["metrics_dir"]:
        rules.check(errors, "metrics_dir", params["metrics_dir"], rules.absolute_path)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors, changed=False)
    result = apply_boot(module, params)
    if params["listed"] is not None:
        result["unlisted"] = report_unlisted(module, params["listed"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()

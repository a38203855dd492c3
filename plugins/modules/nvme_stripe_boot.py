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
    systemd at most once, and enables or starts only the units that are not. A rerun that finds everything
    in place changes nothing and runs two C(systemctl) queries.
  - Used by the C(acstor.edge.nvme_stripe) role on every run, so a run interrupted after the stripe was
    built still gets its boot unit on the next one.
  - Unit names, O(script_path) and O(fact_file) are checked before anything is read (full systemd unit names,
    paths without white space, C(%), quotes or control characters, a fact file ending in C(.fact)); an error
    names the option and the rule it breaks, and nothing changes.
author:
  - acstor.edge developers (@acstor)
extends_documentation_fragment:
  - acstor.edge.attributes
attributes:
  check_mode:
    support: full
    details: Returns the actions it would take.
  diff_mode:
    support: full
    details: One diff per file written.
options:
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
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Unit file name, ending in C(.service) or C(.timer).
        type: str
        required: true
      content:
        description: The unit file's content.
        type: str
        required: true
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
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import (
    file_mode,
    read_text,
    remove_files,
    stale_temp_files,
    write_file_atomic,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot import (
    CurrentFile,
    diff_of,
    parse_unit_states,
    plan_boot,
    validate,
    wanted_files,
)


def unit_states(module, verb, names):
    if not names:
        return {}
    # rc is non-zero whenever one unit is not enabled/active: the printed states are what counts
    _rc, out, _err = module.run_command(["systemctl", verb] + names, environ_update={"LC_ALL": "C"})
    return parse_unit_states(names, out)


def systemctl(module, argv, what):
    rc, out, err = module.run_command(["systemctl"] + argv, environ_update={"LC_ALL": "C"})
    if rc != 0:
        module.fail_json(msg="%s failed (rc %d): %s" % (what, rc, (err or out).strip()), changed=True)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            script=dict(type="str"),
            script_path=dict(type="path", default="/usr/local/sbin/acstor-edge-stripe-boot"),
            units=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    name=dict(type="str", required=True),
                    content=dict(type="str", required=True),
                    enabled=dict(type="bool", default=True),
                    started=dict(type="bool", default=False),
                ),
            ),
            fact=dict(type="dict"),
            fact_file=dict(type="path", default="/etc/ansible/facts.d/acstor_edge.fact"),
            health_fact_file=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    units = params["units"]
    errors = validate(
        params["script"], params["script_path"], units, params["fact"], params["fact_file"], params["health_fact_file"]
    )
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors, changed=False)

    files = wanted_files(
        params["script"], params["script_path"], units, params["fact"], params["fact_file"], params["health_fact_file"]
    )
    current = {f.path: CurrentFile(read_text(f.path), file_mode(f.path)) for f in files}
    systemd_running = os.path.isdir("/run/systemd/system") and bool(module.get_bin_path("systemctl"))
    names = [u["name"] for u in units]
    enabled = unit_states(module, "is-enabled", [u["name"] for u in units if u["enabled"]])
    active = unit_states(module, "is-active", [u["name"] for u in units if u["started"]]) if systemd_running else {}
    plan = plan_boot(files, current, units, enabled, active, systemd_running)
    leftovers = stale_temp_files(sorted({os.path.dirname(f.path) for f in files}))

    result = dict(changed=plan.changed or bool(leftovers), actions=plan.describe(), units=names)
    if leftovers:
        result["removed_temp_files"] = leftovers
    if module._diff:
        result["diff"] = diff_of(plan, current)
    if module.check_mode or not result["changed"]:
        module.exit_json(**result)

    remove_files(leftovers)
    for wanted in plan.writes:
        write_file_atomic(wanted.path, wanted.content, wanted.mode)
        os.chmod(wanted.path, wanted.mode)
    for wanted in plan.modes:
        os.chmod(wanted.path, wanted.mode)
    if plan.daemon_reload:
        systemctl(module, ["daemon-reload"], "reloading systemd units")
    if plan.enable:
        systemctl(module, ["enable"] + plan.enable, "enabling %s" % ", ".join(plan.enable))
    if plan.start:
        systemctl(module, ["start"] + plan.start, "starting %s" % ", ".join(plan.start))
    module.exit_json(**result)


if __name__ == "__main__":
    main()

"""A stand-in for acstor.edge node_prep's module as far as the stripes' read-ahead goes, and a reader of the plays
that use it (tests/functional/node/test_stripe_read_ahead_local.py, tests/functional/lab/test_stripe_read_ahead.py).

The stand-in role `prep_standin` runs the module `stripes_read_ahead_standin` and registers its answer as
__node_prep_state, and defines node_prep_stripes_ahead as node_prep's role does. It sits beside a link named
nvme_stripe to the installed role, as node_prep and nvme_stripe are siblings in the collection: the role's files are
found from the stand-in's role_path as they are from node_prep's. The module answers with stripe/read_ahead's
read_ahead, or, given `fake`, with that answer for the arguments it got (their digest as read_ahead computes it, a
fresh id) without reading the node.
"""

import json

STANDIN_MODULE = """#!/usr/bin/python
import uuid

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.stripe.read_ahead import args_digest, read_ahead


def main():
    module = AnsibleModule(
        argument_spec=dict(stripes_args=dict(type="raw"), fake=dict(type="dict")), supports_check_mode=True
    )
    stripes_args, fake = module.params["stripes_args"], module.params["fake"]
    if not stripes_args:
        ahead = {}
    elif fake is not None:
        ahead = dict(fake, id=uuid.uuid4().hex, args_digest=args_digest(stripes_args))
    else:
        ahead = read_ahead(module, stripes_args)
    module.exit_json(changed=False, stripes_ahead=ahead)


if __name__ == "__main__":
    main()
"""
STANDIN_TASKS = """---
- name: Read the node and the stripes ahead (stand-in for node_prep's module)
  stripes_read_ahead_standin:
    stripes_args: "{{ __nvme_stripe_read_ahead_args | default(none) }}"
    fake: "{{ standin_fake | default(omit) }}"
  register: __node_prep_state
"""
STANDIN_VARS = """---
node_prep_stripes_ahead: "{{ (__node_prep_state | default({})).stripes_ahead | default({}) }}"
"""
CALL = "Ensure the NVMe stripes and their boot unit, hand-off fact, health fact and metrics"
READ = "Read the node and the stripes ahead (stand-in for node_prep's module)"
PUBLISH = (
    "Publish the stripes' results and the stripes on the node that the list no longer names (kept, never destroyed)"
)
HANDOFF = "Publish the local CSI driver hand-off"
# tasks that run on the controller only: no module process on the node
NODE_ACTIONS = {"stripes_read_ahead_standin", "acstor.edge.nvme_stripes"}
CONTROLLER_ACTIONS = {
    "ansible.builtin." + action for action in ("assert", "set_fact", "validate_argument_spec", "include_role")
}


def write_standin(workdir, nvme_stripe_role):
    """The stand-in module (library/) and role (roles/prep_standin) in workdir, and roles/nvme_stripe linked to the
    installed role."""
    (workdir / "library").mkdir()
    (workdir / "library" / "stripes_read_ahead_standin.py").write_text(STANDIN_MODULE)
    standin = workdir / "roles" / "prep_standin"
    (standin / "tasks").mkdir(parents=True)
    (standin / "vars").mkdir()
    (standin / "tasks" / "main.yml").write_text(STANDIN_TASKS)
    (standin / "vars" / "main.yml").write_text(STANDIN_VARS)
    (workdir / "roles" / "nvme_stripe").symlink_to(nvme_stripe_role)


class Run:
    """One ansible-playbook run, read from the ansible.posix.json callback: each task's result on one host."""

    def __init__(self, stdout, host, seconds=None):
        # the report, then what other callbacks print (ansible.cfg's timer)
        self.report = json.JSONDecoder().raw_decode(stdout)[0]
        self.host = host
        self.seconds = seconds
        # task names without their role's prefix ("acstor.edge.nvme_stripe : ")
        self.tasks = [
            (task["task"]["name"].split(" : ", 1)[-1], host_result)
            for play in self.report["plays"]
            for task in play["tasks"]
            for name, host_result in task["hosts"].items()
            if name == host
        ]

    def results(self, name):
        return [result for task, result in self.tasks if task == name]

    def ran(self, name):
        return [result for result in self.results(name) if not result.get("skipped")]

    def module_calls(self):
        """The tasks that ran a module on the host (not skipped, not a controller-side action)."""
        return [
            task
            for task, result in self.tasks
            if not result.get("skipped") and result["action"] not in CONTROLLER_ACTIONS
        ]

    @property
    def changed(self):
        return self.report["stats"][self.host]["changed"]

"""When the nvme_stripe role skips its call for node_prep's read-ahead, on the CI machine itself: no disk is read.

A stand-in for node_prep's module (tests/unit/helpers/read_ahead_standin.py) answers in sync or not, for the
arguments it got from __nvme_stripe_read_ahead_args templated in its own role's context, with their digest as
stripe/read_ahead computes it on the node: so the digest the role computes in Jinja is checked against the one of the
arguments after their real trip to a module. Everything runs with --check and every play ignores errors: where the
role calls acstor.edge.nvme_stripes, that check run fails on this machine for want of LVM tools (or plans on a
machine that has them), which is only a sign here that the call was made.
"""

import json
import sys

from acstor_testlib import COLLECTIONS_DIR, ansible_environment, run_playbook
from read_ahead_standin import CALL, CONTROLLER_ACTIONS, HANDOFF, NODE_ACTIONS, PUBLISH, READ, Run, write_standin

IN_SYNC = {
    "in_sync": True,
    "reason": "",
    "result": {
        "changed": False,
        "actions": [],
        "results": [{"name": "a", "changed": False, "item": {"name": "a"}}],
        "boot": {"state": "present", "changed": False, "actions": []},
        "unlisted": [{"name": "old"}],
        "csi_handoff": {"volume_group": "from-the-read-ahead"},
    },
}
NOT_IN_SYNC = {"in_sync": False, "reason": "the stripes would change: stripe a: mount", "result": {}}
PLAY = """
- name: %s
  hosts: localhost
  connection: local
  gather_facts: false
  ignore_errors: true
  vars: %s
  roles: %s
  tasks: %s
"""
# the role again in the same play: include_role runs it a second time (a role listed twice in roles runs once)
AGAIN = [{"name": "The stripes again", "ansible.builtin.include_role": {"name": "acstor.edge.nvme_stripe"}}]
STANDIN = {"role": "prep_standin", "vars": {"standin_fake": IN_SYNC}}
STRIPE = {"role": "acstor.edge.nvme_stripe"}
PLAYS = [
    ("in sync, then the role again", {}, [STANDIN, STRIPE], AGAIN),
    ("a later play", {}, [STRIPE], []),
    ("not in sync", {}, [{"role": "prep_standin", "vars": {"standin_fake": NOT_IN_SYNC}}, STRIPE], []),
    ("read-ahead off", {"nvme_stripe_read_ahead": False}, [STANDIN, STRIPE], []),
    ("the list changed between the roles", {}, [STANDIN, {"role": "change_list"}, STRIPE], []),
    ("in sync again", {}, [STANDIN, STRIPE], []),
]
STRIPES = [{"name": "a", "devices": ["/dev/disk/by-id/nvme-acstor-test-none"], "mount_path": "/srv/a"}]


def test_the_call_is_skipped_only_for_an_unused_in_sync_read_ahead_of_the_same_arguments(tmp_path):
    write_standin(tmp_path, COLLECTIONS_DIR / "ansible_collections/acstor/edge/roles/nvme_stripe")
    change = tmp_path / "roles" / "change_list" / "tasks"
    change.mkdir(parents=True)
    (change / "main.yml").write_text(
        "- name: Change the list after the read-ahead\n"
        "  ansible.builtin.set_fact:\n"
        "    nvme_stripe_list: %s\n" % json.dumps([dict(STRIPES[0], mount_path="/srv/b")])
    )
    playbook = tmp_path / "play.yml"
    # JSON is YAML: each play's vars and roles written as JSON; the list in play vars, which a set_fact overrides
    playbook.write_text(
        "".join(
            PLAY % (name, json.dumps(dict(variables, nvme_stripe_list=STRIPES)), json.dumps(roles), json.dumps(tasks))
            for name, variables, roles, tasks in PLAYS
        )
    )
    extra = {"ansible_python_interpreter": sys.executable}
    completed = run_playbook(
        ["-i", "localhost,", "--check", "-e", json.dumps(extra), str(playbook)],
        ansible_environment(ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"),
        timeout=300,
        cwd=str(tmp_path),
    )
    assert completed.stdout.startswith("{"), completed.stdout[-3000:] + completed.stderr[-3000:]
    run = Run(completed.stdout, "localhost")

    # every task is known as a module call on the host or as the controller's (Run.module_calls counts the first)
    assert {result["action"] for _task, result in run.tasks} <= NODE_ACTIONS | CONTROLLER_ACTIONS
    reads = run.results(READ)
    assert [bool(read["stripes_ahead"]) for read in reads] == [True, True, False, True, True]
    # the stand-in templated __nvme_stripe_read_ahead_args in its own role's context: nvme_stripe's files were found
    assert "acstor-edge-stripes.service" in reads[0]["invocation"]["module_args"]["stripes_args"]["units"][0]["name"]

    calls = run.results(CALL)
    assert [call.get("skipped", False) for call in calls] == [True, False, False, False, False, False, True]
    for call in calls:
        assert call.get("skipped") or call.get("failed") or call.get("changed") is not None

    published = [result["ansible_facts"] for result in run.ran(PUBLISH)]
    assert published[0]["nvme_stripe_results"] == IN_SYNC["result"]
    assert published[0]["nvme_stripe_unlisted"] == [{"name": "old"}]
    assert published[-1]["nvme_stripe_results"] == IN_SYNC["result"]
    handoffs = [result["ansible_facts"]["acstor_edge_csi_handoff"] for result in run.ran(HANDOFF)]
    assert handoffs[0] == {"volume_group": "from-the-read-ahead"}

    ids = [read["stripes_ahead"].get("id", "") for read in reads]
    used = [facts["__nvme_stripe_ahead_used"] for facts in published]
    # one read-ahead per run of the role: marked used by the runs that saw it, kept by the play that had none
    assert used == [ids[0], ids[0], ids[0], ids[1], ids[1], ids[3], ids[4]]

"""The nvme_stripe role's skip of its call for node_prep's read-ahead, on one lab VM.

A no-op rerun of the node roles makes one module call on the node: the read-ahead (acstor.edge node_prep's module,
here a stand-in module that returns stripe/read_ahead's answer as node_prep's will, registered as __node_prep_state by
a stand-in role beside a link to the collection's nvme_stripe role, as the two roles are siblings in the collection),
and acstor.edge.nvme_stripes not at all; 0 changed, and the role's published results are the read-ahead's. A node
that drifted (the stripe unmounted) or a changed list makes the role call again; a second run of the role in the same
play and a later play never reuse a read-ahead.

With node_prep's module merged, the same test runs acstor.edge.node_prep in place of the stand-in role (its read task
then reads the node for node_prep as well).
"""

import json
import os
import subprocess
import sys
import time

import pytest

from acstor_testlib import COLLECTIONS_DIR, REPO_ROOT, ansible_environment, mitogen_strategy_env

if str(REPO_ROOT / "tests" / "reliability") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "reliability"))
from lablib import LabNode  # noqa: E402  pylint: disable=wrong-import-position
from read_ahead_standin import CALL, HANDOFF, PUBLISH, READ, Run, write_standin  # noqa: E402

NODE = "lab-stripeahead"
VOLUME = {
    "name": "a",
    "selector": {"class": "local", "models": ["Microsoft NVMe Direct Disk"]},
    "filesystem": "xfs",
    "mount_path": "/srv/a",
}
CSI = {"name": "csi", "mode": "csi_vg", "selector": {"class": "local", "models": ["Amazon EC2 NVMe Instance Storage"]}}

NODE_PLAY = """
- name: Node roles
  hosts: %s
  gather_facts: false
  roles:
    - role: prep_standin
    - role: acstor.edge.nvme_stripe
"""
PLAYBOOKS = {
    "node": NODE_PLAY % NODE,
    # the role again in the same play (include_role: a role listed twice in roles runs once), then in a play of its
    # own: the second and third runs call
    "reuse": (NODE_PLAY % NODE)
    + """  tasks:
    - name: The stripes again
      ansible.builtin.include_role:
        name: acstor.edge.nvme_stripe
"""
    + """
- name: The stripes again, in a later play
  hosts: %s
  gather_facts: false
  roles:
    - role: acstor.edge.nvme_stripe
"""
    % NODE,
}
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root (QEMU monitor, netns)")

edgelab = LabNode.edgelab


def guest(command):
    return LabNode.guest(NODE, command)


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    info = json.loads(
        edgelab(
            "up", NODE, "--nvme", "4", "--size", "1", "--model", "local", "local", "ec2", "ec2"
        ).stdout.splitlines()[-1]
    )
    workdir = tmp_path_factory.mktemp("stripeahead")
    inventory = LabNode.write_inventory(workdir / "hosts.yml")
    write_standin(workdir, COLLECTIONS_DIR / "ansible_collections/acstor/edge/roles/nvme_stripe")
    for name, text in PLAYBOOKS.items():
        (workdir / (name + ".yml")).write_text(text)
    yield dict(info, workdir=workdir, inventory=inventory)
    edgelab("down", NODE, check=False)


def published(run):
    """The facts the role's publishing set_fact set, in the last run of the role."""
    return run.ran(PUBLISH)[-1]["ansible_facts"]


def play(node, stripes, playbook="node", **extra):
    workdir = node["workdir"]
    (workdir / "vars.json").write_text(json.dumps(dict(nvme_stripe_list=stripes, **extra)))
    started = time.monotonic()
    completed = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            str(node["inventory"]),
            "-e",
            "@%s" % (workdir / "vars.json"),
            str(workdir / (playbook + ".yml")),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        cwd=str(workdir),
        env=ansible_environment(ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", **mitogen_strategy_env()),
    )
    seconds = round(time.monotonic() - started, 1)
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-2000:]
    return Run(completed.stdout, NODE, seconds)


def test_a_no_op_rerun_is_one_module_call_on_the_node(node):
    first = play(node, [VOLUME, CSI])
    assert len(first.ran(CALL)) == 1 and first.changed > 0
    assert first.ran(READ)[0]["stripes_ahead"]["in_sync"] is False, "the stripes were not there yet"

    rerun = play(node, [VOLUME, CSI])
    assert rerun.module_calls() == [READ], rerun.module_calls()
    assert rerun.ran(CALL) == [] and rerun.changed == 0
    ahead = rerun.ran(READ)[0]["stripes_ahead"]
    assert ahead["in_sync"] is True and ahead["reason"] == "", ahead
    facts = published(rerun)
    results = facts["nvme_stripe_results"]
    assert [r["name"] for r in results["results"]] == ["a", "csi"] and results["boot"]["state"] == "present"
    assert results == ahead["result"] and facts["nvme_stripe_unlisted"] == []
    assert rerun.ran(HANDOFF)[0]["ansible_facts"]["acstor_edge_csi_handoff"]["volume_group"] == "containerstorage"

    # the same shape as the call's own result: the first run's, without what only a change has
    called = first.ran(CALL)[0]
    assert set(results) <= set(called) | {"changed"}, sorted(set(results) - set(called))
    assert set(results["results"][0]) == set(called["results"][0]) - {"diff"}

    # without the read-ahead (the role's variable off): two module calls, as before
    off = play(node, [VOLUME, CSI], nvme_stripe_read_ahead=False)
    assert off.module_calls() == [READ, CALL] and off.changed == 0
    print("no-op seconds: read-ahead %.1f, without %.1f" % (rerun.seconds, off.seconds))


def test_a_node_that_drifted_or_a_changed_list_calls_again(node):
    guest("umount /srv/a")
    drifted = play(node, [VOLUME, CSI])
    ahead = drifted.ran(READ)[0]["stripes_ahead"]
    assert ahead["in_sync"] is False and "stripe a: mount" in ahead["reason"], ahead
    assert len(drifted.ran(CALL)) == 1 and drifted.changed > 0
    assert guest("findmnt -n -o SOURCE /srv/a").strip() == "/dev/mapper/a-a"

    assert play(node, [VOLUME, CSI]).module_calls() == [READ]

    # a changed list: CSI no longer listed (kept on the node, reported; the hand-off fact loses it), then listed again
    dropped = play(node, [VOLUME])
    assert dropped.ran(READ)[0]["stripes_ahead"]["in_sync"] is False
    assert len(dropped.ran(CALL)) == 1 and published(dropped)["nvme_stripe_unlisted"][0]["name"] == "csi"
    listed = play(node, [VOLUME, CSI])
    assert listed.ran(READ)[0]["stripes_ahead"]["in_sync"] is False and len(listed.ran(CALL)) == 1
    assert play(node, [VOLUME, CSI]).module_calls() == [READ]


def test_a_read_ahead_serves_one_run_of_the_role(node):
    run = play(node, [VOLUME, CSI], playbook="reuse")
    assert [result.get("skipped", False) for result in run.results(CALL)] == [True, False, False]
    assert run.changed == 0
    used = [result["ansible_facts"]["__nvme_stripe_ahead_used"] for result in run.ran(PUBLISH)]
    # the later play has no read-ahead (node_prep_stripes_ahead is a variable of node_prep's role): the used one stays
    assert used == [run.ran(READ)[0]["stripes_ahead"]["id"]] * 3

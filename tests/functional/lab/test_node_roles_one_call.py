"""The node roles as a user runs them (acstor.edge.node_prep, then acstor.edge.nvme_stripe, role defaults), on one lab
VM: the module calls each run makes on the node.

A first converge is two calls (node_prep's read that also writes the kernel configuration, the stripes' call); a no-op
rerun is one (node_prep's call, which reads the stripes ahead; acstor.edge.nvme_stripes is skipped), 0 changed. A
node_prep change on the node (a kernel setting lowered by hand) is applied by node_prep's call, and the stripe role then
calls for itself (no read-ahead after a change).
"""

import json
import os
import subprocess
import sys
import time

import pytest

from acstor_testlib import REPO_ROOT, ansible_environment

if str(REPO_ROOT / "tests" / "reliability") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "reliability"))
from lablib import LabNode  # noqa: E402  pylint: disable=wrong-import-position
from read_ahead_standin import CALL, Run  # noqa: E402

NODE = "lab-onecall"
READ = "Read the node state, check the inputs and write the kernel configuration when no package is missing"
STRIPES = [{"name": "bench", "selector": {"class": "local"}, "filesystem": "xfs", "mount_path": "/srv/bench"}]
PLAYBOOK = (
    """
- name: Node roles
  hosts: %s
  gather_facts: false
  roles:
    - role: acstor.edge.node_prep
    - role: acstor.edge.nvme_stripe
"""
    % NODE
)
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root (QEMU monitor, netns)")

edgelab = LabNode.edgelab


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    edgelab("up", NODE, "--nvme", "4", "--size", "1", "--model", "local")
    workdir = tmp_path_factory.mktemp("onecall")
    inventory = LabNode.write_inventory(workdir / "hosts.yml")
    (workdir / "site.yml").write_text(PLAYBOOK)
    # the lab image carries the packages, as a golden image does (no mirror to reach)
    (workdir / "vars.json").write_text(json.dumps({"nvme_stripe_list": STRIPES}))
    yield dict(workdir=workdir, inventory=inventory)
    edgelab("down", NODE, check=False)


def play(node):
    workdir = node["workdir"]
    completed = subprocess.run(
        ["ansible-playbook", "-i", str(node["inventory"]), "-e", "@vars.json", "site.yml"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        cwd=str(workdir),
        env=ansible_environment(ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"),
    )
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-2000:]
    return Run(completed.stdout, NODE)


def test_first_converge_two_calls_then_a_no_op_of_one(node):
    first = play(node)
    assert first.module_calls() == [READ, CALL], first.module_calls()
    assert first.ran(READ)[0]["kernel_config"]["applied"] and first.ran(READ)[0]["stripes_ahead"] == {}
    assert first.changed == 2

    rerun = play(node)
    assert rerun.module_calls() == [READ], rerun.module_calls()
    assert rerun.changed == 0
    assert rerun.ran(READ)[0]["stripes_ahead"]["in_sync"] is True


def test_a_node_prep_change_then_the_stripe_role_reads_for_itself(node):
    proc = edgelab("ssh", NODE, "--", "sysctl -w fs.inotify.max_user_instances=128", check=False)
    assert proc.returncode == 0, proc.stderr
    drifted = play(node)
    assert drifted.module_calls() == [READ, CALL], drifted.module_calls()
    assert drifted.ran(READ)[0]["changed"] and drifted.ran(READ)[0]["stripes_ahead"] == {}
    assert not drifted.ran(CALL)[0]["changed"]
    time.sleep(1)
    assert play(node).module_calls() == [READ]

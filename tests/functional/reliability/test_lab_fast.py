"""The CI subset of the lab reliability suite (2 VM restores): the safe-mode disk states matrix, and one converge
whose module is killed on the guest right after the md array appears, then rerun. The full set of kill points,
power cuts and reboots is `make faults` (tests/reliability)."""

import os

import pytest

from disk_states import run_matrix, start_node
from lablib import Converge, LabNode, conditions, inject, start_watcher, stripe_item, wait_hit

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root (QEMU monitor)")


def test_disk_states_matrix(tmp_path):
    node = start_node("ci-rel-disks")
    try:
        rows, problems = run_matrix(node, tmp_path / "matrix")
    finally:
        node.down()
    assert len(rows) >= 12
    assert not problems, "\n".join(problems)


def test_module_killed_after_array_create_reruns_clean(tmp_path):
    node = LabNode("ci-rel-kill", ["local", "local", "data"])
    try:
        members, protected = node.serials[:2], node.serials[2]
        digest = node.seed_protected(protected)
        converge = Converge(node, tmp_path / "kill", [stripe_item("mdadm", members)])
        start_watcher(node, conditions(node, members)["md_created"], members)
        converge.start()
        seen = wait_hit(node, converge)
        assert "md127" in seen or "/dev/md" in seen, seen
        inject(node, converge, "ssh")
        rc, output = converge.run()
        assert rc == 0, output[-3000:]
        problems = node.invariants("mdadm", members, {protected: digest})
        assert not problems, "\n".join(problems)
    finally:
        node.down()

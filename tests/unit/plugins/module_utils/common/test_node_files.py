"""Atomic writes and the clean-up of what a killed writer leaves behind."""

import os
import subprocess
import sys

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import (
    remove_files,
    stale_temp_files,
    write_file_atomic,
)


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_write_keeps_the_mode_of_an_existing_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "fstab"
    target.write_text("old\n")
    os.chmod(target, 0o600)
    write_file_atomic(str(target), "new\n")
    assert target.read_text() == "new\n" and (os.stat(target).st_mode & 0o777) == 0o600
    assert os.listdir(tmp_path) == ["fstab"]


def test_only_leftovers_of_dead_writers_are_stale(tmp_path):
    dead = tmp_path / (".acstor-edge-%d-abc" % dead_pid())
    alive = tmp_path / (".acstor-edge-%d-def" % os.getpid())
    old_style = tmp_path / ".acstor-edge-er2jmr8s"
    foreign = tmp_path / ".other-tool-123"
    for path in (dead, alive, old_style, foreign):
        path.write_text("x")
    stale = stale_temp_files([str(tmp_path), str(tmp_path / "missing")])
    assert sorted(stale) == sorted([str(dead), str(old_style)])
    remove_files(stale + [str(dead)])
    assert sorted(os.listdir(tmp_path)) == sorted([alive.name, foreign.name])

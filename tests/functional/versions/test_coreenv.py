"""tests/versions/coreenv.py, the other ansible-core versions' environments: what a run in the Debian 13 root
sees and leaves behind, and the host lab broker its lab suites ask for VMs."""

import os
import signal
import subprocess
import sys
import time

import pytest

from acstor_testlib import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests" / "versions"))
sys.path.insert(0, str(REPO_ROOT / "tests" / "reliability"))

import coreenv  # noqa: E402  pylint: disable=wrong-import-position
import lablib  # noqa: E402  pylint: disable=wrong-import-position

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the root runs through unshare and chroot (needs root)")


@pytest.fixture
def broker(tmp_path):
    server = coreenv.LabBroker(tmp_path / "lab.sock")
    yield server
    server.close()


def test_broker_runs_the_hosts_edgelab(broker):
    answer = lablib._brokered_edgelab(str(broker.path), ["inventory", "--json"], 60)  # pylint: disable=protected-access
    direct = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tests" / "lab" / "edgelab.py"), "inventory", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (answer.returncode, answer.stdout) == (direct.returncode, direct.stdout)


def test_broker_refuses_fleet_commands(broker):
    answer = lablib._brokered_edgelab(str(broker.path), ["fleet", "down"], 60)  # pylint: disable=protected-access
    assert answer.returncode == 2 and "fleet" in answer.stderr


def test_broker_closes_its_socket(tmp_path):
    server = coreenv.LabBroker(tmp_path / "lab.sock")
    assert server.path.exists()
    server.close()
    assert not server.path.exists()


@needs_root
def test_root_run_leaves_no_process_and_no_mount():
    if not (coreenv.root_dir() / ".done").exists():
        pytest.skip("the ansible-core 2.21 root is not built yet (coreenv.py prepare 2.21, or make versions)")
    seconds = f"300.{os.getpid()}"  # a sleep no one else runs
    # a daemon the command does not wait for, as ssh's ControlPersist master is
    rc = coreenv.in_env("2.21", ["/bin/sh", "-c", f"sleep {seconds} >/dev/null 2>&1 &"])
    assert rc == 0
    time.sleep(0.5)
    left = subprocess.run(
        ["pgrep", "-f", f"sleep {seconds}"], capture_output=True, text=True, check=False
    ).stdout.split()
    for pid in left:
        os.kill(int(pid), signal.SIGKILL)
    assert left == []
    assert coreenv.leftover_mounts() == []


@needs_root
def test_root_sees_the_lab_key_of_the_work_tree():
    if not (coreenv.root_dir() / ".done").exists():
        pytest.skip("the ansible-core 2.21 root is not built yet (coreenv.py prepare 2.21, or make versions)")
    key = REPO_ROOT / ".lab" / "id_ed25519"
    if not key.exists():
        pytest.skip("no lab key in this work tree (edgelab image makes it)")
    # .lab/id_ed25519 may be a symlink into another work tree: ssh in the root must still read it
    assert coreenv.in_env("2.21", ["/bin/sh", "-c", f"test -s {key}"]) == 0

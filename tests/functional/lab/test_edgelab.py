"""The lab does what the other tests rely on: real boots, blank disks after a wipe, renumbered NVMe,
lost disks, fleet hosts reachable by Ansible, and nothing left running. Timings go to
tests/output/lab-timings.json (docs/lab.md quotes them)."""

import json
import os
import subprocess
import sys
import time

import pytest

from acstor_testlib import REPO_ROOT, ansible_environment

EDGELAB = [sys.executable, str(REPO_ROOT / "tests" / "lab" / "edgelab.py")]
TIMINGS = REPO_ROOT / "tests" / "output" / "lab-timings.json"
NODE = "lab-selftest"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root (QEMU monitor, netns)")


def edgelab(*args, check=True):
    proc = subprocess.run([*EDGELAB, *args], capture_output=True, text=True, timeout=600, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"edgelab {' '.join(args)} failed: {proc.stderr}")
    return proc


def edgelab_json(*args):
    return json.loads(edgelab(*args).stdout.strip().splitlines()[-1])


def guest(*command):
    return edgelab("ssh", NODE, "--", *command).stdout


def record(name, seconds):
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    data[name] = seconds
    TIMINGS.write_text(json.dumps(data, indent=2) + "\n")


@pytest.fixture(scope="module")
def node():
    started = time.monotonic()
    info = edgelab_json("up", NODE, "--nvme", "4", "--size", "2", "--model", "local", "local", "data", "local-v2")
    record("up_restore_to_ssh_s", round(time.monotonic() - started, 1))
    yield info
    edgelab("down", NODE, check=False)


def names(info):
    return {d["serial"] for d in info["disks"]}


def test_up_gives_distinct_serials_and_models(node):
    assert len(names(node)) == 4
    models = guest("cat /sys/class/nvme/nvme*/model").split("\n")
    assert sorted(m for m in models if m) == sorted(d["model"] for d in node["disks"])


def test_reboot_is_a_real_boot_and_keeps_models(node):
    boot_id = guest("cat /proc/sys/kernel/random/boot_id").strip()
    result = edgelab_json("reboot", NODE)
    record("reboot_clean_s", result["seconds"])
    assert guest("cat /proc/sys/kernel/random/boot_id").strip() != boot_id
    assert "Microsoft NVMe Direct Disk" in guest("cat /sys/class/nvme/nvme*/model")


def test_replug_renumbers_namespaces(node):
    guest(
        "echo kept > /tmp/x; mkfs.ext4 -q -L replug /dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_"
        + node["disks"][0]["serial"]
    )
    result = edgelab_json("replug", NODE, "--order", "2,0,3,1")
    assert sorted(result["before"].values()) == sorted(result["after"].values())
    assert result["before"] != result["after"], "the kernel names did not change; pick another order"
    # The data travels with the serial, not with the kernel name.
    label = guest(
        f"blkid -s LABEL -o value /dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_{node['disks'][0]['serial']}"
    )
    assert label.strip() == "replug"


def test_wipe_nvme_blanks_every_disk(node):
    result = edgelab_json("wipe-nvme", NODE)
    record("wipe_nvme_and_cold_boot_s", result["seconds"])
    assert set(result["wiped"]) == names(node)
    signatures = guest("for d in /dev/nvme*n1; do blkid -p $d >/dev/null 2>&1 && echo $d; done; true")
    assert signatures.strip() == ""


def test_unplug_removes_one_disk(node):
    serial = node["disks"][3]["serial"]
    edgelab("unplug", NODE, "--serial", serial)
    serials = guest("cat /sys/class/nvme/nvme*/serial").split()
    assert serial not in serials and len(serials) == 3


def test_fleet_hosts_answer_ansible_and_go_away():
    started = time.monotonic()
    up = edgelab_json("fleet", "up", "20")
    record("fleet_up_20_s", up["seconds"])
    try:
        playbook = REPO_ROOT / "tests" / "functional" / "lab" / "fleet_ping.yml"
        inventory = REPO_ROOT / "inventories" / "lab" / "edgelab_hosts.sh"
        run = subprocess.run(
            ["ansible-playbook", "-i", str(inventory), "-f", "20", str(playbook)],
            capture_output=True,
            text=True,
            env=ansible_environment(),
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stdout[-3000:]
        assert run.stdout.count("ok=2") == 20
        record("fleet_20_ping_play_s", round(time.monotonic() - started, 1))
    finally:
        edgelab_json("fleet", "down")
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    assert "edgefleet" not in netns


def test_errors_are_clear():
    bad = edgelab("up", "9bad_name", check=False)
    assert bad.returncode == 2 and "invalid node name" in bad.stderr
    missing = edgelab("reboot", "no-such-node", check=False)
    assert missing.returncode == 2 and "no lab node named 'no-such-node'" in missing.stderr
    too_many = edgelab("up", "toomany", "--nvme", "9", check=False)
    assert too_many.returncode == 2 and "--nvme must be 0..8" in too_many.stderr
    edgelab("down", "toomany", check=False)

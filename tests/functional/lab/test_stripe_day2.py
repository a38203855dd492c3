"""Stripes on day 2, on one lab VM through the nvme_stripe role: a stripe dropped from nvme_stripe_list is warned
about, published in nvme_stripe_unlisted and kept with its data; removing the last stripes (state absent + force)
also removes the boot unit, metrics timer, script and facts the role installed, --check --diff shows that removal
without doing it, and a rerun changes nothing."""

import json
import os
import subprocess
import sys

import pytest

from acstor_testlib import REPO_ROOT, ansible_environment, mitogen_strategy_env

if str(REPO_ROOT / "tests" / "reliability") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "reliability"))
from lablib import LabNode  # noqa: E402  pylint: disable=wrong-import-position

NODE = "lab-stripeday2"
METRICS_DIR = "/var/lib/node_exporter/textfile_collector"
BOOT_FILES = [
    "/etc/systemd/system/acstor-edge-stripes.service",
    "/etc/systemd/system/acstor-edge-stripe-metrics.service",
    "/etc/systemd/system/acstor-edge-stripe-metrics.timer",
    "/usr/local/sbin/acstor-edge-stripe-boot",
    "/etc/ansible/facts.d/acstor_edge.fact",
    "/etc/ansible/facts.d/acstor_edge_stripes.fact",
    METRICS_DIR + "/acstor_edge_stripes.prom",
]
A = {
    "name": "a",
    "selector": {"class": "local", "models": ["Microsoft NVMe Direct Disk"]},
    "filesystem": "xfs",
    "mount_path": "/srv/a",
}
B = {
    "name": "b",
    "selector": {"class": "local", "models": ["Amazon EC2 NVMe Instance Storage"]},
    "filesystem": "xfs",
    "mount_path": "/srv/b",
}
PLAYBOOK = (
    """
- name: Stripes on the lab node
  hosts: %s
  gather_facts: false
  roles:
    - role: acstor.edge.nvme_stripe
  post_tasks:
    - name: Hand the role's results to the test
      ansible.builtin.copy:
        content: "{{ {'unlisted': nvme_stripe_unlisted, 'boot': nvme_stripe_results.boot} | to_json }}"
        dest: "{{ result_file }}"
        mode: "0644"
      delegate_to: localhost
      check_mode: false
      changed_when: false  # counted for the node: the recap's changed= is the role's alone
"""
    % NODE
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root (QEMU monitor, netns)")


edgelab = LabNode.edgelab  # the lab suites' runner (also through the 2.21 broker)


def guest(command):
    return LabNode.guest(NODE, command)


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    info = json.loads(
        edgelab(
            "up", NODE, "--nvme", "4", "--size", "1", "--model", "local", "local", "ec2", "ec2"
        ).stdout.splitlines()[-1]
    )
    workdir = tmp_path_factory.mktemp("stripeday2")
    inventory = LabNode.write_inventory(workdir / "hosts.yml")
    (workdir / "play.yml").write_text(PLAYBOOK)
    yield dict(info, workdir=workdir, inventory=inventory)
    edgelab("down", NODE, check=False)


def play(node, stripes, *options):
    """ansible-playbook of the role with this stripe list; (completed process, the role's results)."""
    workdir = node["workdir"]
    result_file = workdir / "result.json"
    if result_file.exists():
        result_file.unlink()
    variables = {
        "nvme_stripe_list": stripes,
        "nvme_stripe_metrics_dir": METRICS_DIR,
        "result_file": str(result_file),
    }
    (workdir / "vars.json").write_text(json.dumps(variables))
    completed = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            str(node["inventory"]),
            "-e",
            "@%s" % (workdir / "vars.json"),
            *options,
            str(workdir / "play.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        env=ansible_environment(**mitogen_strategy_env()),
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    return completed, json.loads(result_file.read_text())


def recap_changed(completed):
    line = [text for text in completed.stdout.splitlines() if text.startswith(NODE) and "changed=" in text][-1]
    return int(line.split("changed=")[1].split()[0])


def present(paths):
    out = guest("for f in %s; do test -e $f && echo $f; done; true" % " ".join(paths))
    return [line for line in out.splitlines() if line]


def serials(node, model):
    return sorted(d["serial"] for d in node["disks"] if d["model"] == model)


def test_a_stripe_dropped_from_the_list_is_reported_and_kept(node):
    play(node, [A, B])
    guest("echo kept-by-b > /srv/b/data && sync")
    assert present(BOOT_FILES) == BOOT_FILES

    completed, result = play(node, [A])
    b_serials = serials(node, "Amazon EC2 NVMe Instance Storage")
    assert result["unlisted"] == [
        {
            "name": "b",
            "backend": "lvm",
            "mode": "volume",
            "device": "/dev/b/b",
            "mount_path": "/srv/b",
            "serials": b_serials,
        }
    ]
    warning = " ".join((completed.stdout + completed.stderr).split())  # warnings go to stderr
    assert "stripe b (backend lvm, mounted at /srv/b, devices by serial: %s)" % ", ".join(b_serials) in warning
    assert "no longer in nvme_stripe_list" in warning
    assert recap_changed(completed) == 0, "a dropped stripe is only reported"
    assert guest("cat /srv/b/data").strip() == "kept-by-b"
    assert guest("findmnt -n -o SOURCE /srv/b").strip() == "/dev/mapper/b-b"
    assert present(["/etc/acstor-edge/stripes/b.json"]) == ["/etc/acstor-edge/stripes/b.json"]
    assert present(BOOT_FILES) == BOOT_FILES, "stripes are still recorded: the boot side stays"


def test_removing_the_last_stripes_removes_the_boot_side_and_a_rerun_is_a_no_op(node):
    absent = [dict(A, state="absent", force=True), dict(B, state="absent", force=True)]
    units_before = guest("systemctl list-unit-files 'acstor-edge*' --no-legend")
    assert "acstor-edge-stripes.service" in units_before and "acstor-edge-stripe-metrics.timer" in units_before

    completed, result = play(node, absent, "--check", "--diff")
    # decided from the list, not from the records check mode leaves in place: the removal is planned and shown
    assert sorted(result["boot"]["removed"]) == sorted(BOOT_FILES) and result["boot"]["changed"], result
    assert "/etc/systemd/system/acstor-edge-stripes.service (absent)" in completed.stdout
    assert present(BOOT_FILES) == BOOT_FILES, "check mode removes nothing"

    completed, result = play(node, absent, "--diff")
    boot = result["boot"]
    assert sorted(boot["removed"]) == sorted(BOOT_FILES) and boot["kept"] == []
    assert boot["actions"][-1] == "reload systemd units"
    assert "/usr/local/sbin/acstor-edge-stripe-boot (absent)" in completed.stdout
    assert present(BOOT_FILES + ["/etc/acstor-edge/stripes/a.json", "/etc/acstor-edge/stripes/b.json"]) == []
    # list-unit-files exits 1 when no unit matches
    assert guest("systemctl list-unit-files 'acstor-edge*' --no-legend || true").strip() == ""
    assert guest("ls /etc/systemd/system/*.wants/ | grep acstor-edge || true").strip() == ""
    assert guest("systemctl is-active acstor-edge-stripe-metrics.timer || true").strip() == "inactive"

    completed, result = play(node, absent)
    assert recap_changed(completed) == 0
    assert result["boot"]["changed"] is False and result["boot"]["actions"] == [] and result["boot"]["removed"] == []

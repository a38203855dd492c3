"""Reboots: NVMe plugged back in another order (kernel names change), then one member lost. RAID0 cannot run
degraded: the module and the health metrics must say so, and nothing may be rebuilt over the remaining member,
even for an ephemeral stripe (only all-blank members allow a rebuild)."""

import json
import time

import pytest

from lablib import MOUNT, Converge, LabNode, recap, stripe_item

METRICS = "/var/lib/node_exporter/textfile_collector"


@pytest.fixture(scope="module")
def node():
    lab_node = LabNode("rel-reboot", ["local", "local", "local", "local"])
    try:
        yield lab_node
    finally:
        lab_node.down()


def wait_mounted(node, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.sh("mountpoint -q %s && echo yes; true" % MOUNT).strip() == "yes":
            return True
        time.sleep(3)
    return False


def metrics(node):
    # the role installs the script without a shebang; its units run it with python3
    node.sh("python3 /usr/local/sbin/acstor-edge-stripe-boot metrics %s" % METRICS)
    text = node.sh("cat %s/acstor_edge_stripes.prom" % METRICS)
    return {
        line.split("{")[0]: line.rsplit(" ", 1)[1]
        for line in text.splitlines()
        if line.startswith("acstor_edge_stripe")
    }


def test_renumbered_then_lost_member(node, workdir, results):
    members = node.serials[:2]
    converge = Converge(
        node,
        workdir / "reboot",
        [stripe_item("mdadm", members, ephemeral=True)],
        role_vars={"nvme_stripe_metrics_dir": METRICS},
    )
    rc, output = converge.run()
    assert rc == 0, output[-3000:]
    node.sh("echo keep > %s/marker && sync" % MOUNT)

    # 1. every NVMe back in reverse order, then a clean reboot: same stripe, same data, nothing to do
    replug = node.replug([3, 2, 1, 0])
    node.reboot()
    renumbered = replug["before"] != replug["after"]
    mounted = wait_mounted(node)
    marker = node.sh("cat %s/marker 2>/dev/null; true" % MOUNT).strip()
    rc, output = converge.run()
    again = recap(output, node.name)
    ok = renumbered and mounted and marker == "keep" and rc == 0 and again.get("changed") == "0"
    results(
        "reboot/renumbered",
        kind="reboot",
        state="NVMe replugged 3,2,1,0 + reboot",
        message="names %s -> %s; mounted %s; marker %r; rerun changed=%s"
        % (replug["before"], replug["after"], mounted, marker, again.get("changed")),
        passed=ok,
    )
    assert ok, (replug, mounted, marker, output[-2000:])

    # 2. one member gone for good, then a reboot: reported, not rebuilt over the survivor
    lost, survivor = members[1], members[0]
    node.unplug(lost)
    node.reboot()
    survivor_sum = node.checksum(survivor)
    rc, output = converge.run()
    start = max(output.find("[ERROR]"), 0)
    fatal = output[start : start + 2000] if rc else ""
    values = metrics(node)
    state = json.loads(
        node.sh(
            'python3 -c \'import json,glob; print(json.dumps({"md": open("/proc/mdstat").read(),'
            ' "mounted": any(l.split()[1] == "%s" for l in open("/proc/mounts"))}))\'' % MOUNT
        )
    )
    journal = node.sh("journalctl -b -u acstor-edge-stripes.service --no-pager | tail -5; true")
    problems = []
    if rc == 0:
        problems.append("the converge succeeded with a member missing")
    if lost not in fatal:
        problems.append("the failure does not name the missing member %s: %s" % (lost, fatal[:600]))
    if values.get("acstor_edge_stripe_degraded") != "1" or values.get("acstor_edge_stripe_members_present") != "1":
        problems.append("metrics do not report the loss: %s" % values)
    if "active raid0" in state["md"] or state["mounted"]:
        problems.append("something was assembled or mounted over the survivor: %s" % state)
    if "rebuilt" in journal and "not rebuilding" not in journal:
        problems.append("the boot unit rebuilt the stripe: %s" % journal)
    if node.checksum(survivor) != survivor_sum:
        problems.append("the surviving member %s changed" % survivor)
    results(
        "reboot/member-lost",
        kind="reboot",
        state="member %s unplugged + reboot (ephemeral stripe)" % lost,
        message="rc %d; %s; metrics %s; boot unit: %s" % (rc, fatal[:300], values, journal.strip()[-300:]),
        passed=not problems,
        problems=problems,
    )
    assert not problems, "\n".join(problems)

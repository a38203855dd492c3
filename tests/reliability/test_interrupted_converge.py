"""Interrupted nvme_stripe converges (both backends): kill ansible-playbook, drop the module on the guest, or cut the
power at exact points; the rerun must converge with one stripe, one mount, one fstab line, the boot unit enabled,
and the protected disks bit-for-bit unchanged. (Idempotence of a clean rerun is covered by molecule stripe_*;
here the time goes to more kill points.)

One VM (4 NVMe: 2 members, a local disk and a data disk holding protected data) serves every case; the stripe
is removed with raw commands between cases.
"""

import functools
import time

import pytest

from lablib import Converge, LabNode, conditions, inject, start_watcher, stripe_item, wait_hit

# (backend, kill point, fault). Points in converge order; "wiped" cases seed the members with an old ext4
# signature and run with force: true, so a wipe happens first.
CASES = [
    ("mdadm", "wiped", "ssh"),
    ("mdadm", "md_created", "controller"),
    ("mdadm", "mkfs", "ssh"),
    ("mdadm", "fstab", "controller"),
    ("mdadm", "mounted", "ssh"),
    ("lvm", "wiped", "controller"),
    ("lvm", "pv_created", "ssh"),
    ("lvm", "vg_created", "controller"),
    ("lvm", "lv_created", "ssh"),
    ("lvm", "boot_unit", "controller"),
    ("mdadm", "mkfs", "power"),
    ("lvm", "fstab", "power"),
]


@pytest.fixture(scope="module")
def node():
    lab_node = LabNode("rel-interrupt", ["local", "local", "local", "data"])
    try:
        lab_node.members = lab_node.serials[:2]
        lab_node.protected = {
            lab_node.serials[2]: lab_node.seed_protected(lab_node.serials[2], "ext4"),
            lab_node.serials[3]: lab_node.seed_protected(lab_node.serials[3], "xfs"),
        }
        yield lab_node
    finally:
        lab_node.down()


@pytest.mark.parametrize("backend,point,method", CASES, ids=["-".join(c) for c in CASES])
def test_interrupted_converge_reruns_clean(node, workdir, results, backend, point, method):
    members = node.members
    node.reset_stripes(members)
    force = point == "wiped"
    if force:
        for serial in members:
            node.sh("mkfs.ext4 -q -F -L stale %s" % node.by_id(serial))
    items = [stripe_item(backend, members, force=force)]
    converge = Converge(node, workdir / ("%s-%s-%s" % (backend, point, method)), items)
    case = "interrupt/%s/%s/%s" % (backend, point, method)
    record = functools.partial(results, case, kind="interrupted converge", backend=backend, point=point, fault=method)
    seen, note, problems = "", "", []
    started = time.monotonic()
    try:
        start_watcher(node, conditions(node, members)[point], members)
        converge.start()
        seen = wait_hit(node, converge)
        note = inject(node, converge, method)
    except Exception as error:  # record why the fault could not be injected, then fail
        if converge.proc.poll() is None:
            converge.kill()
        record(note=str(error)[:500], problems=["fault not injected"], passed=False)
        raise
    interrupted_at = round(time.monotonic() - started, 1)

    started = time.monotonic()
    rc, output = converge.run()
    rerun_seconds = round(time.monotonic() - started, 1)
    if rc != 0:
        start = max(output.find("[ERROR]"), 0)
        problems.append("rerun failed (rc %d): %s" % (rc, output[start : start + 1500]))
    if rc == 0:
        problems += node.invariants(backend, members, node.protected)
    else:
        problems += [
            "protected disk %s changed" % s for s, digest in node.protected.items() if node.checksum(s) != digest
        ]
    record(
        note=note,
        interrupted_after_s=interrupted_at,
        rerun_s=rerun_seconds,
        state_at_kill=seen[-1500:],
        problems=problems,
        passed=not problems,
    )
    assert not problems, "\n".join(problems) + "\n--- state at the kill point:\n" + seen

"""One `lvm fullreport` instead of `pvs` and `lvs` (nvme/scan.LVM_REPORT_ARGV): on reports recorded side by side
(tests/unit/fixtures/nvme/lvm-reports, README.md there), the PV and LV rows are the ones pvs and lvs printed, so the
inventory and every plan made from them are the same."""

import copy
import json

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.nvme.parsers import parse_lvm_fullreport, parse_lvm_report
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import plan_stripe
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import spec_from_options

from nvme_fixtures import FIXTURES, load_snapshot

STATES = ["no-pv", "orphan-pvs", "in-use"]


def _reports(state):
    return json.loads((FIXTURES / "lvm-reports" / (state + ".json")).read_text())


@pytest.mark.parametrize("state", STATES)
def test_fullreport_gives_the_rows_pvs_and_lvs_printed(state):
    recorded = _reports(state)
    pvs, lvs = parse_lvm_fullreport(recorded["lvm"])
    assert pvs == parse_lvm_report(recorded["pvs"], "pv")
    assert lvs == parse_lvm_report(recorded["lvs"], "lv")


def test_the_recordings_hold_what_they_are_named_for():
    assert parse_lvm_fullreport(_reports("no-pv")["lvm"]) == ([], [])
    pvs, lvs = parse_lvm_fullreport(_reports("orphan-pvs")["lvm"])
    assert [pv["vg_name"] for pv in pvs] == ["", ""] and lvs == []
    pvs, lvs = parse_lvm_fullreport(_reports("in-use")["lvm"])
    # an orphan PV, a tagged stripe VG over two PVs, a VG the CSI driver tagged
    assert [(pv["pv_name"], pv["vg_name"], pv["vg_tags"]) for pv in pvs] == [
        ("/dev/loop0", "fast", "acstor-edge-stripe-fast"),
        ("/dev/loop1", "fast", "acstor-edge-stripe-fast"),
        ("/dev/loop2", "", ""),
        ("/dev/loop3", "acstor", "local-csi"),
    ]
    # the raid0 LV without its internal rimage LVs, and an LV of two segments: a row each, as lvs prints them
    assert [(lv["lv_name"], lv["segtype"], lv["stripes"]) for lv in lvs] == [
        ("fast", "raid0", "2"),
        ("second", "linear", "1"),
        ("second", "linear", "1"),
    ]


def _as_nvme(text, names):
    """A recorded report with the loop devices named as a lab snapshot's NVMe disks."""
    for loop, disk in names.items():
        text = text.replace(loop, disk)
    return text


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    "options",
    [
        {"name": "fast", "selector": {"class": "any"}, "mount_path": "/mnt/fast"},
        {"name": "fast", "devices": ["/dev/nvme0n1", "/dev/nvme1n1"], "stripe_size": "64k", "force": True},
        {"name": "fast", "state": "absent", "force": True},
        {"name": "csi", "mode": "csi_vg", "volume_group": "acstor", "devices": ["/dev/nvme3n1"]},
    ],
    ids=["selector", "devices", "absent", "csi_vg"],
)
def test_the_inventory_and_the_plans_are_the_same(state, options):
    # the reports put on the lab snapshot of four blank namespaces: what the planner makes of the rows alone
    names = {"/dev/loop%d" % i: "/dev/nvme%dn1" % i for i in range(4)}
    recorded = _reports(state)
    snapshot = load_snapshot("blank-4")
    legacy = dict(snapshot, pvs=_as_nvme(recorded["pvs"], names), lvs=_as_nvme(recorded["lvs"], names))
    report = {k: v for k, v in snapshot.items() if k not in ("pvs", "lvs")}
    report["lvm"] = _as_nvme(recorded["lvm"], names)
    one, other = build_inventory(copy.deepcopy(legacy)), build_inventory(copy.deepcopy(report))
    assert (one.namespaces, one.pvs, one.lvs) == (other.namespaces, other.pvs, other.lvs)
    spec = spec_from_options(dict(options, extra_models=None, update_initramfs=False))
    first, second = plan_stripe(spec, one), plan_stripe(spec, other)
    assert (first.actions, first.errors, first.before, first.after) == (
        second.actions,
        second.errors,
        second.before,
        second.after,
    )

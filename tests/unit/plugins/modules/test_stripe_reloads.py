"""The systemd reloads of a stripe's apply (issue 17, P1): acstor.edge.nvme_stripes and acstor.edge.nvme_stripe on
recorded node snapshots, with every command answered by a fake node and recorded in order.

One reload per call for its fstab changes: the boot side's `systemctl enable` (or `disable`, or its own reload) when
it makes one, else one `systemctl daemon-reload` at the end; before the mount only when systemd holds a unit made
from an fstab line for the path (stripe/mount_units)."""

import copy
from unittest import mock

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.nvme import scan as node_scan
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.stripe import boot_side, executor
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import build_record, resolve_members
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import spec_from_options
from ansible_collections.acstor.edge.plugins.modules import nvme_stripe, nvme_stripes

import nvme_fixtures
from module_harness import run_module

UNIT = {
    "name": "acstor-edge-stripes.service",
    "content": "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=local-fs.target\n",
}
SCRIPT = '"""acstor.edge stripes at boot\n'
BOOT_FILES = {
    "/usr/local/sbin/acstor-edge-stripe-boot": (SCRIPT, 0o755),
    "/etc/systemd/system/acstor-edge-stripes.service": (UNIT["content"], 0o644),
    "/etc/ansible/facts.d/acstor_edge.fact": ("{}\n", 0o644),
}
WANTS = "/etc/systemd/system/local-fs.target.wants/acstor-edge-stripes.service"
FAST = {"name": "fast", "selector": {"class": "local"}, "mount_path": "/mnt/fast"}
SLOW = {"name": "slow", "backend": "mdadm", "devices": ["ELDD33A00002", "ELDD33A00003"], "mount_path": "/mnt/slow"}


class FakeNode:
    """run_command answered from the snapshot (reads) or with success (changes); every command recorded."""

    def __init__(self, snapshot, fail=()):
        self.snapshot = snapshot
        self.fail = fail
        self.ran = []

    def run_command(self, _module, argv, **_kwargs):
        self.ran.append(list(argv))
        if argv[:2] in ([["systemctl", verb] for verb in self.fail]):
            return 1, "", "failed"
        if argv[0] == "lsblk":
            return 0, self.snapshot["lsblk"], ""
        if argv[:2] in (["lvm", "fullreport"], ["wipefs", "--no-act"]):
            # blank disks, no LVM: the snapshots these tests start from
            return 0, "", ""
        return 0, "", ""

    def systemctl(self):
        return [argv[1:] for argv in self.ran if argv[0] == "systemctl"]

    def index(self, argv):
        return self.ran.index(argv)


def _snapshot(name, records_from=(), fstab=""):
    snapshot = nvme_fixtures.load_snapshot(name)
    for options in records_from:
        spec = spec_from_options(dict(options, extra_models=None, update_initramfs=False))
        inventory = build_inventory(copy.deepcopy(snapshot))
        members, _errors = resolve_members(spec, inventory)
        uuid = next(iter(inventory.md_arrays.values())).uuid if inventory.md_arrays else ""
        snapshot["records"][spec.name] = build_record(spec, members, uuid)
    snapshot["fstab"] += fstab
    return snapshot


def _run(monkeypatch, module, args, snapshot, boot_files=None, links=(), generated_units=(), fail=()):
    node = FakeNode(snapshot, fail)
    boot_files = BOOT_FILES if boot_files is None else boot_files
    monkeypatch.setattr(node_scan, "NodeFiles", lambda: nvme_fixtures.FixtureNodeFiles(snapshot))
    monkeypatch.setattr(boot_side, "NodeFiles", lambda: nvme_fixtures.FixtureNodeFiles(snapshot))
    monkeypatch.setattr(boot_side, "read_text", lambda path: boot_files.get(path, (None, None))[0])
    monkeypatch.setattr(boot_side, "file_mode", lambda path: boot_files.get(path, (None, None))[1])
    monkeypatch.setattr(boot_side, "link_exists", lambda path: path in links)
    monkeypatch.setattr(boot_side, "stale_temp_files", lambda _dirs: [])
    monkeypatch.setattr(boot_side, "remove_files", lambda _paths: None)
    monkeypatch.setattr(boot_side, "write_file_atomic", lambda *_args: None)
    monkeypatch.setattr(boot_side.os, "chmod", lambda *_args: None)
    monkeypatch.setattr(boot_side, "systemd_is_running", lambda _module: True)
    monkeypatch.setattr(executor, "read_text", lambda path: snapshot["fstab"] if path == "/etc/fstab" else None)
    monkeypatch.setattr(executor, "NodeFiles", lambda: nvme_fixtures.FixtureNodeFiles(snapshot))
    monkeypatch.setattr(executor, "generated_unit_exists", lambda path: path in generated_units)
    monkeypatch.setattr(executor.StripeExecutor, "_do_mkdir", lambda *_args: None)
    monkeypatch.setattr(executor.StripeExecutor, "_do_remove_file", lambda *_args: None)
    with mock.patch.object(executor, "write_file_atomic") as written:
        result = run_module(module, dict(args, _ansible_diff=True), node)
    fstab = [call.args[1] for call in written.call_args_list if call.args[0] == "/etc/fstab"]
    return result, node, fstab


def test_a_first_converge_reloads_systemd_once_by_enabling_the_boot_unit(monkeypatch):
    snapshot = _snapshot("blank-4")
    args = {"stripes": [FAST], "script": SCRIPT, "units": [UNIT]}
    result, node, fstab = _run(monkeypatch, nvme_stripes, args, snapshot, boot_files={})
    assert result["changed"] and not result["failed"], result
    assert fstab and "/dev/fast/fast /mnt/fast xfs" in fstab[0]
    # written, mounted, then the enable that reloads systemd: no `systemctl daemon-reload` of its own
    assert node.systemctl() == [["enable", "acstor-edge-stripes.service"]]
    assert node.index(["mount", "/mnt/fast"]) < node.index(["systemctl", "enable", "acstor-edge-stripes.service"])


def test_a_generated_unit_for_the_path_is_reloaded_away_before_the_mount(monkeypatch):
    snapshot = _snapshot("blank-4")
    args = {"stripes": [FAST], "script": SCRIPT, "units": [UNIT]}
    result, node, _fstab = _run(monkeypatch, nvme_stripes, args, snapshot, boot_files={}, generated_units=["/mnt/fast"])
    assert not result["failed"], result
    assert node.systemctl() == [["daemon-reload"], ["enable", "acstor-edge-stripes.service"]]
    reload_at = node.index(["systemctl", "daemon-reload"])
    assert [argv[0] for argv in node.ran].index("mkfs.xfs") < reload_at < node.index(["mount", "/mnt/fast"])


def test_a_replaced_fstab_line_is_reloaded_before_the_mount(monkeypatch):
    # the stripe's line from before, with other options (a stripe made again after its disks were replaced)
    snapshot = _snapshot("blank-4", fstab="/dev/fast/fast /mnt/fast xfs defaults 0 0\n")
    args = {"stripes": [FAST], "script": SCRIPT, "units": [UNIT]}
    result, node, fstab = _run(monkeypatch, nvme_stripes, args, snapshot, boot_files={})
    assert not result["failed"], result
    assert "/mnt/fast xfs defaults 0 0" not in fstab[0]
    assert node.systemctl() == [["daemon-reload"], ["enable", "acstor-edge-stripes.service"]]
    assert node.index(["systemctl", "daemon-reload"]) < node.index(["mount", "/mnt/fast"])


def test_with_the_boot_side_in_place_one_reload_ends_the_call(monkeypatch):
    snapshot = _snapshot("blank-4")
    args = {"stripes": [FAST, SLOW], "update_initramfs": False, "script": SCRIPT, "units": [UNIT]}
    result, node, fstab = _run(monkeypatch, nvme_stripes, args, snapshot, links=[WANTS])
    assert not result["failed"], result
    assert result["boot"]["changed"] is False, result["boot"]
    assert len(fstab) == 2
    # two fstab lines, two mounts, one reload: the call's last command
    assert node.systemctl() == [["daemon-reload"]]
    assert node.ran[-1] == ["systemctl", "daemon-reload"]
    assert node.index(["mount", "/mnt/slow"]) < len(node.ran) - 1


def test_removing_the_last_stripe_lets_the_boot_side_s_disable_pay_the_reload(monkeypatch):
    line = "/dev/md/fast /mnt/fast xfs defaults,nofail,x-systemd.wanted-by=local-fs.target 0 0\n"
    fast = {"name": "fast", "backend": "mdadm", "selector": {"class": "any"}, "mount_path": "/mnt/fast"}
    snapshot = _snapshot("mdadm-xfs", records_from=[fast], fstab=line)
    marked = "# Managed by acstor.edge (role nvme_stripe): local edits are overwritten on the next run.\n"
    boot_files = {"/etc/systemd/system/acstor-edge-stripes.service": (marked + UNIT["content"], 0o644)}
    args = {
        "stripes": [dict(fast, state="absent", force=True)],
        "update_initramfs": False,
        "script": SCRIPT,
        "units": [UNIT],
    }
    result, node, fstab = _run(monkeypatch, nvme_stripes, args, snapshot, boot_files=boot_files, links=[WANTS])
    assert not result["failed"], result
    assert fstab and "/mnt/fast" not in fstab[0]
    # the boot side's stop, disable (a reload) and its own reload after removing the unit file: none for fstab
    assert node.systemctl() == [
        ["stop", "acstor-edge-stripes.service"],
        ["disable", "acstor-edge-stripes.service"],
        ["daemon-reload"],
    ]


def test_removing_a_stripe_with_nothing_to_remove_of_the_boot_side_reloads_at_the_end(monkeypatch):
    line = "/dev/md/fast /mnt/fast xfs defaults,nofail,x-systemd.wanted-by=local-fs.target 0 0\n"
    fast = {"name": "fast", "backend": "mdadm", "selector": {"class": "any"}, "mount_path": "/mnt/fast"}
    snapshot = _snapshot("mdadm-xfs", records_from=[fast], fstab=line)
    args = {"stripes": [dict(fast, state="absent", force=True)], "update_initramfs": False}
    result, node, _fstab = _run(monkeypatch, nvme_stripes, args, snapshot, boot_files={}, generated_units=["/mnt/fast"])
    assert not result["failed"], result
    assert node.systemctl() == [["daemon-reload"]]
    assert node.ran[-1] == ["systemctl", "daemon-reload"]


def test_a_failing_enable_still_pays_the_reload_and_names_both(monkeypatch):
    snapshot = _snapshot("blank-4")
    args = {"stripes": [FAST], "script": SCRIPT, "units": [UNIT]}
    result, node, _fstab = _run(monkeypatch, nvme_stripes, args, snapshot, boot_files={}, fail=["enable"])
    assert result["failed"] and "enabling acstor-edge-stripes.service failed" in result["msg"], result
    assert node.systemctl() == [["enable", "acstor-edge-stripes.service"], ["daemon-reload"]]


def test_a_failed_stripe_pays_the_reload_the_stripes_before_it_owe(monkeypatch):
    snapshot = _snapshot("blank-4")
    later = {"name": "later", "backend": "mdadm", "devices": ["ELDD33A00000"]}
    args = {"stripes": [FAST, later], "update_initramfs": False, "script": SCRIPT, "units": [UNIT]}
    # the second stripe is refused at its plan (RAID0 of one disk), after the first was mounted
    result, node, _fstab = _run(monkeypatch, nvme_stripes, args, snapshot, boot_files={})
    assert result["failed"] and result["failed_stripe"] == "later", result
    assert node.systemctl() == [["daemon-reload"]]
    assert node.ran[-1] == ["systemctl", "daemon-reload"]


def test_check_mode_owes_nothing(monkeypatch):
    snapshot = _snapshot("blank-4")
    args = {"stripes": [FAST], "script": SCRIPT, "units": [UNIT], "_ansible_check_mode": True}
    result, node, fstab = _run(monkeypatch, nvme_stripes, args, snapshot, boot_files={})
    assert result["changed"] and not fstab and node.systemctl() == []


@pytest.mark.parametrize("generated,expected", [((), [["daemon-reload"]]), (("/mnt/fast",), [["daemon-reload"]])])
def test_nvme_stripe_reloads_once_after_its_apply(monkeypatch, generated, expected):
    # no boot side in nvme_stripe: its one reload is before the mount when needed, else at the end
    snapshot = _snapshot("blank-4")
    result, node, _fstab = _run(monkeypatch, nvme_stripe, FAST, snapshot, generated_units=generated)
    assert not result["failed"], result
    assert node.systemctl() == expected
    reload_at = node.index(["systemctl", "daemon-reload"])
    if generated:
        assert reload_at < node.index(["mount", "/mnt/fast"])
    else:
        assert node.ran[-1] == ["systemctl", "daemon-reload"] and node.index(["mount", "/mnt/fast"]) < reload_at

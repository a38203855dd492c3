"""acstor.edge.nvme_stripes' YAML cases (tests/unit/plugins/modules/test_nvme_stripes.yaml) as a node: the recorded
snapshot with the records the case names, and the boot side's files, links and removals, patched in for one test.
Shared by the module's test and the stripes' read-ahead test (which runs the same cases in check mode)."""

import copy
import json

from ansible_collections.acstor.edge.plugins.module_utils.nvme import scan as node_scan
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.stripe import boot_side
from ansible_collections.acstor.edge.plugins.module_utils.stripe.member_signatures import MEMBER_SIGNATURE
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import build_record, resolve_members
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import spec_from_options

import nvme_fixtures

NODE_KEYS = ("snapshot", "records_from", "boot_files", "links", "removed", "mdadm_conf", "member_heads")


def snapshot_for(case):
    """The recorded snapshot, with a record for each stripe of records_from as nvme_stripe built it there."""
    snapshot = nvme_fixtures.load_snapshot(case["snapshot"])
    for options in case.get("records_from", []):
        spec = spec_from_options(options)
        inventory = build_inventory(copy.deepcopy(snapshot))
        members, _errors = resolve_members(spec, inventory)
        uuid = next(iter(inventory.md_arrays.values())).uuid if inventory.md_arrays else ""
        snapshot["records"][spec.name] = build_record(spec, members, uuid)
    if case.get("mdadm_conf"):
        snapshot["files"] = {"/etc/mdadm/mdadm.conf": case["mdadm_conf"]}
    if case.get("member_heads"):
        # the members' first bytes as the lab disks carry them: the signature's magic where wipefs found it
        _kind, offset, magic = MEMBER_SIGNATURE[case["member_heads"]]
        for row in json.loads(snapshot["wipefs"])["signatures"]:
            head = bytearray(0x1200)
            head[offset : offset + len(magic)] = magic
            head[0x200:0x208] = b"LABELONE"
            snapshot["heads"]["/dev/" + row["device"]] = bytes(head).hex()
    return snapshot


def patch_node(monkeypatch, case, snapshot):
    """The case's node for the stripe and boot-side readers; returns the list the boot side's removals go to."""
    files = {path: value["text"] for path, value in case.get("boot_files", {}).items()}
    modes = {path: int(value["mode"], 8) for path, value in case.get("boot_files", {}).items()}
    removed = []
    monkeypatch.setattr(node_scan, "NodeFiles", lambda: nvme_fixtures.FixtureNodeFiles(snapshot))
    monkeypatch.setattr(boot_side, "NodeFiles", lambda: nvme_fixtures.FixtureNodeFiles(snapshot))
    monkeypatch.setattr(boot_side, "read_text", files.get)
    monkeypatch.setattr(boot_side, "file_mode", modes.get)
    monkeypatch.setattr(boot_side, "link_exists", lambda path: path in case.get("links", []))
    monkeypatch.setattr(boot_side, "stale_temp_files", lambda _dirs: [])
    monkeypatch.setattr(boot_side, "remove_files", removed.extend)
    monkeypatch.setattr(boot_side, "systemd_is_running", lambda _module: True)
    return removed

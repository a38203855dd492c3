"""acstor.edge.nvme_stripes: every stripe of a list and the boot side in one call, on recorded node snapshots
(tests/unit/fixtures/nvme) and boot files given as text, with the exact commands from test_nvme_stripes.yaml
(in the format of tests/unit/helpers/module_harness.py)."""

import copy
import json
from unittest import mock

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.nvme import scan as node_scan
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.stripe import boot_side
from ansible_collections.acstor.edge.plugins.module_utils.stripe.member_signatures import MEMBER_SIGNATURE
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import build_record, resolve_members
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import spec_from_options
from ansible_collections.acstor.edge.plugins.modules import nvme_stripes

import nvme_fixtures
from module_harness import case_ids, load_cases, run_case, subset

CASES = load_cases(
    __file__,
    extra_keys=(
        "snapshot",
        "records_from",
        "boot_files",
        "links",
        "removed",
        "stripe_results",
        "diff_headers",
        "mdadm_conf",
        "member_heads",
    ),
)


def _snapshot_for(case):
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


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_nvme_stripes(case, monkeypatch):
    snapshot = _snapshot_for(case)
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
    writes = mock.patch("ansible_collections.acstor.edge.plugins.module_utils.stripe.executor.write_file_atomic")
    boot_writes = mock.patch.object(boot_side, "write_file_atomic")
    with writes as written, boot_writes as boot_written:
        result = run_case(nvme_stripes, case, resolve=lambda value: snapshot.get(value["from"], ""))
    assert removed == case.get("removed", [])
    boot_written.assert_not_called()
    if case.get("check_mode"):
        written.assert_not_called()
    elif result.get("failed"):
        # a failed apply may only have left the pending record it writes before building
        assert all('"pending": true' in call.args[1] for call in written.call_args_list), written.call_args_list
    if "stripe_results" in case:
        assert len(result["results"]) == len(case["stripe_results"]), result["results"]
        for expected, actual in zip(case["stripe_results"], result["results"], strict=True):
            assert subset(expected, actual), (expected, sorted(actual.items()))
    if "diff_headers" in case:
        assert [d["before_header"] for d in result["diff"]] == case["diff_headers"]
    if not result.get("failed"):
        # one list of what the call did: every stripe's actions, named, then the boot side's
        expected = ["stripe %s: %s" % (r["name"], a) for r in result["results"] for a in r.get("actions", [])]
        assert result["actions"] == expected + ["boot side: %s" % a for a in result["boot"].get("actions", [])]
        assert bool(result["actions"]) == result["changed"] or result.get("removed_temp_files"), result["actions"]
    assert json.dumps(result)

"""acstor.edge.nvme_stripe driven by YAML-declared run_command sequences (test_nvme_stripe.yaml, in the
format of tests/unit/helpers/module_harness.py) on recorded node snapshots."""

import copy
import json
from unittest import mock

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.nvme import scan as node_scan
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import (
    build_record,
    resolve_members,
    spec_from_options,
)
from ansible_collections.acstor.edge.plugins.modules import nvme_stripe

import nvme_fixtures
from module_harness import case_ids, load_cases, run_case

CASES = load_cases(__file__, extra_keys=("snapshot", "record_from_spec", "mdadm_conf"))


def _snapshot_for(case):
    snapshot = nvme_fixtures.load_snapshot(case["snapshot"])
    if case.get("record_from_spec"):
        spec = spec_from_options(case["input"])
        inventory = build_inventory(copy.deepcopy(snapshot))
        members, _errors = resolve_members(spec, inventory)
        uuid = next(iter(inventory.md_arrays.values())).uuid if inventory.md_arrays else ""
        snapshot["records"] = {spec.name: build_record(spec, members, uuid)}
    if case.get("mdadm_conf"):
        snapshot["files"] = {"/etc/mdadm/mdadm.conf": case["mdadm_conf"]}
    return snapshot


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_module(case):
    snapshot = _snapshot_for(case)
    writes = mock.patch("ansible_collections.acstor.edge.plugins.module_utils.stripe.executor.write_file_atomic")
    node_files = mock.patch.object(node_scan, "LiveNodeFiles", lambda: nvme_fixtures.FixtureNodeFiles(snapshot))
    with writes as written:
        result = run_case(
            nvme_stripe, case, resolve=lambda value: snapshot.get(value["from"], ""), patches=[node_files]
        )
    if case.get("check_mode") or not case["calls"]:
        written.assert_not_called()
    elif result.get("failed"):
        # a failed apply may only have left the pending record it writes before building
        assert all('"pending": true' in call.args[1] for call in written.call_args_list), written.call_args_list
    assert json.dumps(result)

"""acstor.edge.nvme_stripe driven by YAML-declared run_command sequences (test_nvme_stripe.yaml)."""
import copy
import json
from pathlib import Path
from unittest import mock

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.acstor.edge.plugins.module_utils.nvme import scan as node_scan
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import build_record, resolve_members
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import spec_from_options
from ansible_collections.acstor.edge.plugins.modules import nvme_stripe

import nvme_fixtures

CASES = yaml.safe_load((Path(__file__).with_suffix(".yaml")).read_text())


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


def _exit(self, **result):
    result.setdefault("failed", False)
    raise ModuleExit(result)


def _fail(self, msg, **result):
    result.update(failed=True, msg=msg)
    raise ModuleExit(result)


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


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_module(case):
    snapshot = _snapshot_for(case)
    expected_calls = list(case["calls"])
    seen = []

    def run_command(self, argv, **kwargs):
        assert expected_calls, "unexpected command %s" % argv
        command, rc, out, err = expected_calls.pop(0)
        assert argv == command
        seen.append(argv)
        if isinstance(out, dict):
            out = snapshot.get(out["from"], "")
        return rc, out, err

    args = dict(case["input"], _ansible_check_mode=case.get("check_mode", False), _ansible_diff=True)
    with patch_module_args(args), \
            mock.patch.multiple(basic.AnsibleModule, exit_json=_exit, fail_json=_fail, run_command=run_command,
                                get_bin_path=lambda self, name, *a, **k: "/usr/bin/" + name), \
            mock.patch.object(node_scan, "NodeFiles", lambda: nvme_fixtures.FixtureNodeFiles(snapshot)), \
            mock.patch("ansible_collections.acstor.edge.plugins.module_utils.stripe.executor.write_file_atomic") \
            as writes:
        with pytest.raises(ModuleExit) as caught:
            nvme_stripe.main()
    result = caught.value.result
    assert expected_calls == [], "commands expected but not run: %s" % expected_calls
    expect = dict(case["expect"])
    for fragment in expect.pop("msg_contains", []):
        assert fragment in result["msg"]
    for key, value in expect.items():
        assert result.get(key) == value, key
    if case.get("check_mode") or not case["calls"]:
        writes.assert_not_called()
    elif result.get("failed"):
        # a failed apply may only have left the pending record it writes before building
        assert all('"pending": true' in call.args[1] for call in writes.call_args_list), writes.call_args_list
    assert json.dumps(result)

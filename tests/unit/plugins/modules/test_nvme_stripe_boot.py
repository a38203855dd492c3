"""acstor.edge.nvme_stripe_boot with state absent and the unlisted-stripe report, on a node given as files, with the
exact systemctl calls from test_nvme_stripe_boot.yaml (in the format of tests/unit/helpers/module_harness.py)."""

import pytest
from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.acstor.edge.plugins.module_utils.stripe import boot_side
from ansible_collections.acstor.edge.plugins.modules import nvme_stripe_boot

from module_harness import case_ids, load_cases, run_case


def kept_warnings():
    """The warnings ansible-core 2.17 keeps for exit_json (2.19 has no such list: it prints them at once)."""
    return [str(warning) for warning in getattr(module_warnings, "get_warning_messages", tuple)()]


CASES = load_cases(__file__, extra_keys=("files", "records", "systemd_running", "removed", "warns"))


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_nvme_stripe_boot(case, monkeypatch, capsys):
    files = {path: (value["text"] if isinstance(value, dict) else value) for path, value in case["files"].items()}
    removed = []
    monkeypatch.setattr(boot_side, "read_text", files.get)
    monkeypatch.setattr(boot_side, "file_mode", lambda path: 0o644 if path in files else None)
    monkeypatch.setattr(boot_side, "stale_temp_files", lambda _dirs: [])
    monkeypatch.setattr(boot_side, "remove_files", removed.extend)
    monkeypatch.setattr(boot_side, "systemd_is_running", lambda _module: case.get("systemd_running", True))
    monkeypatch.setattr(boot_side, "read_records", lambda _module: case.get("records", {}))
    result = run_case(nvme_stripe_boot, case)
    assert removed == case["removed"]
    # ansible-core 2.19 prints a module's warnings on stderr; 2.17 keeps them for exit_json (patched here)
    printed = " ".join(capsys.readouterr().err.split())
    returned = [" ".join(str(warning).split()) for warning in (result.get("warnings") or []) + kept_warnings()]
    for warning in case.get("warns", []):
        assert "[WARNING]: " + warning in printed or warning in returned, (printed, returned)

"""The fixture recorder (outside module_utils, where ansible-test allows only run_command) still records."""

import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "nvme"


def test_recorder_runs_commands_and_collects_a_snapshot(monkeypatch, tmp_path):
    # The recorder runs beside a copy of node_scan.py on the node; do the same here.
    (tmp_path / "node_scan.py").write_text(
        (Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "nvme" / "scan.py").read_text()
    )
    (tmp_path / "record_snapshot.py").write_text((FIXTURES / "record_snapshot.py").read_text())
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("node_scan", "record_snapshot"):
        sys.modules.pop(name, None)
    import record_snapshot  # pylint: disable=import-outside-toplevel,import-error

    assert record_snapshot.run(["echo", "recorded"]) == (0, "recorded\n", "")
    assert record_snapshot.run(["false"])[0] == 1
    assert hasattr(record_snapshot.node_scan, "collect_snapshot")

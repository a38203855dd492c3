"""The fixture recorder (outside module_utils, where ansible-test allows only run_command) still records."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "nvme"


def test_recorder_runs_commands_and_collects_a_snapshot(tmp_path):
    # The recorder runs on the node beside a copy of the collection's module_utils and nothing else
    # (README.md beside it); do the same here, in a Python without site-packages.
    shutil.copytree(
        ROOT / "plugins" / "module_utils",
        tmp_path / "ansible_collections" / "acstor" / "edge" / "plugins" / "module_utils",
    )
    (tmp_path / "record_snapshot.py").write_text((FIXTURES / "record_snapshot.py").read_text())
    code = (
        "import json, record_snapshot as r; print(json.dumps([r.run(['echo', 'recorded']), r.run(['false'])[0], "
        "hasattr(r.node_scan, 'collect_snapshot'), r.node_scan.__file__]))"
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-E", "-c", code],
        cwd=str(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    echoed, false_rc, has_collector, scan_file = json.loads(proc.stdout)
    assert echoed == [0, "recorded\n", ""]
    assert false_rc == 1
    assert has_collector and scan_file.startswith(str(tmp_path))

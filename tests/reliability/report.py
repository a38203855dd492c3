"""Render tests/output/reliability-results.json (written by tests/reliability) as the Markdown tables of
docs/reliability.md: python tests/reliability/report.py"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "tests" / "output" / "reliability-results.json"
REPRO = {
    "interrupted converge": "pytest -q tests/reliability/test_interrupted_converge.py -k '{backend}-{point}-{fault}'",
    "disk state": "pytest -q tests/reliability/test_disk_states.py",
    "reboot": "pytest -q tests/reliability/test_reboot_renumber.py",
}


def cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def first_state(text):
    """The one line that says what the watcher saw: md arrays and the first signatures."""
    parts = []
    for line in (text or "").splitlines():
        if line.startswith("md"):
            parts.append(line.split(":", 1)[0].strip())
        elif "TYPE=" in line:
            device = line.split(":", 1)[0]
            device = device.rsplit("_", 2)[-2] if "/by-id/" in device else device  # the serial
            parts.append("%s %s" % (device, line.split("TYPE=")[1].split()[0].strip('"')))
    return "; ".join(parts[:4])


def main():
    rows = json.loads(RESULTS.read_text())
    print("| Fault | Kill point (seen on the guest) | What happened | Rerun | Result | Reproduce |")
    print("|---|---|---|---|---|---|")
    for _key, row in sorted(rows.items()):
        if row.get("kind") != "interrupted converge":
            continue
        outcome = "PASS" if row["passed"] else "FAIL: " + cell("; ".join(row.get("problems", [])))[:300]
        print(
            "| %s %s | %s (%s) | %s | %s s | %s | `%s` |"
            % (
                row["backend"],
                row["fault"],
                row["point"],
                cell(first_state(row.get("state_at_kill"))) or "-",
                cell(row.get("note", "")),
                row.get("rerun_s", "-"),
                outcome,
                REPRO["interrupted converge"].format(**row),
            )
        )
    print()
    print("| Disk state / reboot | Refused | Message (shortened) | Result | Reproduce |")
    print("|---|---|---|---|---|")
    for _key, row in sorted(rows.items()):
        if row.get("kind") not in ("disk state", "reboot"):
            continue
        refused = "yes" if row.get("refused", True) else "no"
        result = "PASS" if row["passed"] else "FAIL"
        message = cell(row.get("message", ""))[:300]
        print("| %s | %s | %s | %s | `%s` |" % (cell(row["state"]), refused, message, result, REPRO[row["kind"]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

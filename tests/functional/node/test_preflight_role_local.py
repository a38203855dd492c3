"""The preflight role on the CI machine itself (read-only): every check reported, one failure at the end.

The CI machine has 2 CPUs, so the Edge Volumes CPU check must fail; what else fails depends on the
machine, which is why the expected statuses are computed here from what the test can see.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from acstor_testlib import REPO_ROOT, ansible_environment

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    acstor_edge_products: [edge_volumes, local_csi]
  tasks:
    - block:
        - ansible.builtin.include_role:
            name: acstor.edge.preflight
        - ansible.builtin.copy:
            content: "{{ {'report': preflight_report, 'failed_task': '', 'failed_msg': ''} | to_json }}"
            dest: "{{ report_path }}"
            mode: "0600"
      rescue:
        - ansible.builtin.copy:
            content: "{{ {'report': preflight_report | default(None),
                         'failed_task': ansible_failed_task.name,
                         'failed_msg': ansible_failed_result.msg} | to_json }}"
            dest: "{{ report_path }}"
            mode: "0600"
        - ansible.builtin.fail:
            msg: re-raised for the exit code
"""


def run_preflight(tmp_path, **extra_vars):
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(PLAY)
    report = tmp_path / "report.json"
    extra = dict(extra_vars, report_path=str(report), ansible_python_interpreter=sys.executable)
    completed = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", str(playbook), "-e", json.dumps(extra)],
        env=ansible_environment(ANSIBLE_STDOUT_CALLBACK="default"),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return completed, json.loads(report.read_text())


def test_strict_preflight_reports_every_check_and_fails_once(tmp_path):
    completed, result = run_preflight(tmp_path)
    report = result["report"]
    names = [check["name"] for check in report["checks"]]
    assert names[0] == "os_supported" and "memory" in names and "nvme_disks" in names and "kernel_modules" in names
    statuses = dict((check["name"], check["status"]) for check in report["checks"])
    expected_cpu = "ok" if len(os.sched_getaffinity(0)) >= 4 else "fail"
    assert statuses["cpu_count"] == expected_cpu
    failed = [check["name"] for check in report["checks"] if check["status"] == "fail"]
    if failed:
        assert completed.returncode != 0
        assert result["failed_task"] == "Stop on failed checks, listing all of them"
        for name in failed:
            assert name + ":" in result["failed_msg"]
        # the role fails once (its last task); the second is the test play re-raising for the exit code
        assert completed.stdout.count("fatal:") == 2 and "re-raised" in completed.stdout
    else:
        assert completed.returncode == 0
    assert report["summary_lines"][-1].endswith("(strict)")


def test_lenient_preflight_reports_without_failing(tmp_path):
    completed, result = run_preflight(tmp_path, preflight_strict=False, preflight_skip_checks=["cpu_count"])
    assert completed.returncode == 0, completed.stdout + completed.stderr
    statuses = dict((check["name"], check["status"]) for check in result["report"]["checks"])
    assert statuses["cpu_count"] == "skip"
    assert result["report"]["summary_lines"][-1].endswith("(lenient)")


def test_unknown_product_is_named_before_any_check(tmp_path):
    completed, result = run_preflight(tmp_path, acstor_edge_products=["edge_volumes", "ceph"])
    assert completed.returncode != 0
    assert result["report"] is None
    assert "ceph" in result["failed_msg"]


def test_unknown_skip_name_is_named(tmp_path):
    completed, result = run_preflight(tmp_path, preflight_skip_checks=["memroy"])
    assert completed.returncode != 0
    assert "unknown check(s) memroy" in result["failed_msg"]


def test_collection_is_the_work_tree_or_installed():
    assert (
        Path(ansible_environment()["ANSIBLE_COLLECTIONS_PATH"]) / "ansible_collections" / "acstor" / "edge"
    ).is_dir()

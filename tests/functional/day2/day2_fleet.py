"""Helpers of tests/functional/day2 (a module of its own name: every conftest.py is loaded as "conftest"): a small
fleet of clusters on the Kubernetes and ARM test servers, and ansible-playbook runs against it.

Clusters only (no edge node hosts): node phases would run on this machine. Each cluster names its phases with
acstor_edge_cluster_phases; the chart fixture of tests/functional/cluster_storage stands in for the published chart.
"""

import json
import os
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SERVERS_DIR = REPO / "tests" / "servers"
if str(SERVERS_DIR) not in sys.path:
    sys.path.insert(0, str(SERVERS_DIR))

from acstor_testlib import COLLECTIONS_DIR, run_playbook  # noqa: E402  pylint: disable=wrong-import-position
from arm_server import SUBSCRIPTION  # noqa: E402  pylint: disable=wrong-import-position
from kube_server import KubeTestServer  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = COLLECTIONS_DIR / "ansible_collections" / "acstor" / "edge" / "playbooks"
CHART = REPO / "tests" / "functional" / "cluster_storage" / "fixtures" / "local-csi-driver"
HELM_DIR = REPO / ".lab" / "tools" / "helm-v3"
RG = "rg-edge"


class Run:
    def __init__(self, completed, report_dir, seconds):
        self.rc = completed.returncode
        self.out = completed.stdout + completed.stderr
        self.seconds = seconds
        report = report_dir / "rollout-report.json"
        self.report = json.loads(report.read_text()) if report.exists() else None
        self.markdown = (report_dir / "rollout-report.md").read_text() if report.exists() else ""
        self.stats = None
        start = completed.stdout.find("{")
        if start >= 0:
            try:
                # ansible.cfg enables the timer callback, which prints a line after the JSON document.
                data, _end = json.JSONDecoder().raw_decode(completed.stdout[start:])
                self.stats = data.get("global_custom_stats")
            except ValueError:
                self.stats = None

    def __repr__(self):
        start = self.out.find("[ERROR]")
        start = max(start - 1500, 0) if start >= 0 else max(len(self.out) - 6000, 0)
        return "rc={0}\n{1}".format(self.rc, self.out[start : start + 8000])


class Fleet:
    """Clusters {name: {"phases": [...], "vars": {...}}} on one ARM test server and one Kubernetes test double each."""

    def __init__(self, tmp_path, ansible_env, arm, clusters):
        self.tmp = tmp_path
        self.ansible_env = ansible_env
        self.arm = arm
        self.kube = {name: KubeTestServer(edge_api="current").start() for name in clusters}
        self.inventory = tmp_path / "inventory.yml"
        self.runs = 0
        hosts = {}
        for name, spec in clusters.items():
            hosts[name] = dict(
                {
                    "acstor_edge_k8s_auth": {
                        "kubeconfig": self.kube[name].kubeconfig(tmp_path / ("kubeconfig-" + name))
                    },
                    "acstor_edge_cluster_phases": spec["phases"],
                    "arc_resource_group": RG,
                    "arc_cluster_name": name,
                    "arc_extension_wait_timeout": 60,
                    "csi_driver_wait_timeout": 30,
                    "edge_volumes_wait_timeout": 30,
                },
                **spec.get("vars", {}),
            )
        inventory = {
            "all": {
                "children": {
                    "edge_nodes": {"hosts": {}},
                    "edge_clusters": {
                        "hosts": hosts,
                        "vars": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable,
                            "csi_driver_chart_ref": str(CHART),
                            "csi_driver_chart_version": "",
                        },
                    },
                }
            }
        }
        self.inventory.write_text(yaml.safe_dump(inventory, sort_keys=False))

    def play(self, playbook, *args):
        """ansible-playbook <installed collection>/playbooks/<playbook> with the rollout_report callback and JSON output."""
        self.runs += 1
        report_dir = self.tmp / ("report-%d" % self.runs)
        env = self.ansible_env(**self.arm.client_env(SUBSCRIPTION))
        env["PATH"] = str(HELM_DIR) + os.pathsep + env["PATH"]
        env.update(
            ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
            ANSIBLE_SHOW_CUSTOM_STATS="1",
            ANSIBLE_CALLBACKS_ENABLED="acstor.edge.rollout_report",
            ACSTOR_EDGE_REPORT_DIR=str(report_dir),
        )
        started = time.monotonic()
        completed = run_playbook(
            ["-i", str(self.inventory), str(PLAYBOOKS / playbook), *args], env, timeout=300, cwd=str(self.tmp)
        )
        return Run(completed, report_dir, round(time.monotonic() - started, 1))

    def writes(self):
        """Every write so far, on every server: the count a check-mode run must leave unchanged."""
        return {
            "arm": len(self.arm.state.writes()),
            **{name: len(server.writes()) for name, server in self.kube.items()},
        }

    def stop(self):
        for server in self.kube.values():
            server.stop()

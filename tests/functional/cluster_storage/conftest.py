"""Run acstor.edge's cluster storage roles through real ansible-playbook against the Kubernetes API test double."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "tests" / "servers"))

from kube_server import KubeTestServer  # noqa: E402  pylint: disable=wrong-import-position

CHART_FIXTURE = HERE / "fixtures" / "local-csi-driver"


class PlaybookRun:
    def __init__(self, completed):
        self.rc = completed.returncode
        self.out = completed.stdout + completed.stderr
        recap = re.search(r"^c1\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", completed.stdout, re.M)
        self.ok, self.changed, self.failed = (int(x) for x in recap.groups()) if recap else (0, -1, -1)

    def __repr__(self):
        start = max(self.out.find("[ERROR]"), 0)
        return "rc={0} changed={1}\n{2}".format(self.rc, self.changed, self.out[start : start + 4000])


@pytest.fixture
def cluster(tmp_path, ansible_env):
    """cluster(edge_api=..., ...) starts a test double; .play(role, **vars) runs the role on host c1 (connection local)."""
    servers = []

    class Cluster:
        def __init__(self, **options):
            self.server = KubeTestServer(**options).start()
            servers.append(self.server)
            self.kubeconfig = self.server.kubeconfig(tmp_path / "kubeconfig-{0}".format(len(servers)))

        def play(
            self, role, access=True, hostvars=None, nodes=None, extra_env=None, verbosity=0, check=False, **role_vars
        ):
            host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
            if access:
                host["acstor_edge_k8s_auth"] = {"kubeconfig": self.kubeconfig}
            host.update(hostvars or {})
            inventory = {"edge_clusters": {"hosts": {"c1": host}}, "edge_nodes": {"hosts": nodes or {}}}
            (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
            (tmp_path / "vars.json").write_text(json.dumps(role_vars))
            (tmp_path / "play.yml").write_text(
                yaml.safe_dump(
                    [
                        {
                            "hosts": "edge_clusters",
                            "gather_facts": False,
                            "tasks": [
                                {
                                    "name": "Run the role",
                                    "ansible.builtin.include_role": {"name": "acstor.edge." + role},
                                }
                            ],
                        }
                    ]
                )
            )
            helm_dir = str(REPO / ".lab" / "tools" / "helm-v3")
            env = ansible_env()
            env["PATH"] = helm_dir + ":" + env["PATH"]
            env.update(extra_env or {})
            completed = subprocess.run(
                [
                    "ansible-playbook",
                    "-i",
                    str(tmp_path / "inventory.yml"),
                    "-e",
                    "@" + str(tmp_path / "vars.json"),
                    str(tmp_path / "play.yml"),
                ]
                + (["-" + "v" * verbosity] if verbosity else [])
                + (["--check", "--diff"] if check else []),
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            return PlaybookRun(completed)

    yield Cluster
    for server in servers:
        server.stop()

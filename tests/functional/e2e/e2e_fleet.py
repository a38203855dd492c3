"""The entry playbooks, unchanged, on an inventory shaped like inventories/example (three sites, defaults everywhere).

Node hosts: one lab VM (edgelab, 3 local NVMe + 2 data NVMe) carries the three sites' node hosts; only plant-0003-n1
has stripes (a `mode: csi_vg` stripe on the local disks and an xfs stripe on the data disks), so no two inventory
hosts write the same node files. Clusters: one Kubernetes test double each (tests/servers/kube_server.py), Azure:
the ARM test double (tests/servers/arm_server.py), helm: the real helm v3 binary with the chart fixture of
tests/functional/cluster_storage.

Helpers of tests/functional/e2e (a module of its own name: every conftest.py is loaded as "conftest").
"""

import json
import os
import re
import subprocess
import sys
import time

import yaml

from acstor_testlib import (
    COLLECTIONS_DIR,
    REPO_ROOT,
    ansible_environment,
    helm_release,
    mitogen_strategy_env,
    run_playbook,
)

for extra in (REPO_ROOT / "tests" / "servers", REPO_ROOT / "tests" / "reliability"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from arm_server import SUBSCRIPTION  # noqa: E402  pylint: disable=wrong-import-position
from kube_server import KubeTestServer  # noqa: E402  pylint: disable=wrong-import-position
from lablib import lab  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = COLLECTIONS_DIR / "ansible_collections" / "acstor" / "edge" / "playbooks"
CHART = REPO_ROOT / "tests" / "functional" / "cluster_storage" / "fixtures" / "local-csi-driver"
HELM_DIR = REPO_ROOT / ".lab" / "tools" / "helm-v3"
CLUSTERS = ["store-0042", "gpu-0007", "plant-0003"]
NODES = {"store-0042-n1": "site_store_0042", "gpu-0007-n1": "site_gpu_0007", "plant-0003-n1": "site_plant_0003"}
RG = "rg-edge-stores"
ACCOUNT = "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Storage/storageAccounts/acmeedge".format(
    SUBSCRIPTION, RG
)
MODELS = ["local", "local", "local", "data", "data"]
# Runs on other ansible-core versions (tests/versions/coreenv.py sets ACSTOR_CORE_VERSION) keep their own outputs.
_VERSION = "-" + os.environ["ACSTOR_CORE_VERSION"] if os.environ.get("ACSTOR_CORE_VERSION") else ""
TIMINGS = REPO_ROOT / "tests" / "output" / f"e2e-timings{_VERSION}.json"
LOGS = REPO_ROOT / "tests" / "output" / f"e2e-logs{_VERSION}"

# The example inventory's sites, with what the lab VM and the test doubles need and nothing a role would be fed.
GROUP_VARS = {
    # one batch: the node phases of a batch run on the one VM that carries every node host (CI time)
    "all": {"rollout_serial": ["100%"], "rollout_max_fail_percentage": 10},
    # 1 GiB lab VM: far below the Edge Volumes sizing; report, do not stop (as inventories/lab does).
    "edge_nodes": {"preflight_strict": False},
    "edge_clusters": {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        # the chart fixture (the published OCI chart cannot be pulled here)
        "csi_driver_chart_ref": str(CHART),
        "csi_driver_chart_version": "",
    },
    "site_store_0042": {
        "acstor_edge_cluster": "store-0042",
        "acstor_edge_products": ["edge_volumes"],
        "acstor_edge_node_phases": ["preflight", "prep"],
    },
    "site_gpu_0007": {
        # One VM carries the three sites' node hosts; node_prep writes its sysctl drop-in whole from the host's own
        # settings, and only the Edge Volumes site wants sysctls: the local-CSI-only sites keep their (empty) drop-in
        # elsewhere so that no two inventory hosts write the same node file (on real nodes, one host per machine).
        "node_prep_sysctl_file": "/etc/sysctl.d/99-zz-acstor-edge-gpu.conf",
        "acstor_edge_cluster": "gpu-0007",
        "acstor_edge_products": ["local_csi"],
        "acstor_edge_node_phases": ["preflight", "prep"],
    },
    "site_plant_0003": {
        "node_prep_sysctl_file": "/etc/sysctl.d/99-zz-acstor-edge-plant.conf",  # see site_gpu_0007
        "acstor_edge_cluster": "plant-0003",
        "acstor_edge_products": ["local_csi"],
        "nvme_stripe_list": [
            {"name": "csi", "mode": "csi_vg", "filesystem": "none", "selector": {"class": "local"}},
            {
                "name": "modelcache",
                "selector": {"class": "other"},
                "filesystem": "xfs",
                "mount_path": "/var/lib/modelcache",
            },
        ],
    },
}
HOST_VARS = {
    "store-0042": {
        "arc_resource_group": RG,
        "arc_cluster_name": "store-0042",
        "arc_location": "westeurope",
        "arc_oidc_issuer_url": "https://oidc.example/store-0042",
        "arc_extension_identity_mode": "workload",
        "arc_extension_storage_account_ids": [ACCOUNT],
        "arc_extension_localhost_token_endpoint": True,
        "edge_volumes_list": [
            {
                "name": "telemetry",
                "namespace": "factory",
                "kind": "cloud",
                "size": "10Gi",
                "subvolumes": [
                    {
                        "name": "telemetry-ingest",
                        "type": "ingest",
                        "path": "ingest",
                        "endpoint": "https://acmeedge.blob.core.windows.net/",
                        "container": "telemetry",
                    }
                ],
            }
        ],
    },
    "gpu-0007": {},
    "plant-0003": {},
}


class Recap:
    def __init__(self, completed, seconds):
        self.rc = completed.returncode
        self.out = completed.stdout + completed.stderr
        self.seconds = seconds
        self.hosts = {
            m.group(1): {
                "ok": int(m.group(2)),
                "changed": int(m.group(3)),
                "unreachable": int(m.group(4)),
                "failed": int(m.group(5)),
            }
            for m in re.finditer(
                r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", completed.stdout, re.M
            )
        }

    def changed(self):
        return {host: counts["changed"] for host, counts in self.hosts.items() if counts["changed"]}

    def __repr__(self):
        start = self.out.find("[ERROR]")
        start = max(start - 1500, 0) if start >= 0 else max(len(self.out) - 6000, 0)
        return "rc={0} hosts={1}\n{2}".format(self.rc, self.hosts, self.out[start : start + 8000])


class Fleet:
    def __init__(self, tmp, node, arm):
        self.tmp = tmp
        self.node = node
        self.arm = arm
        self.kube = {
            name: KubeTestServer(edge_api="current" if name == "store-0042" else "none").start() for name in CLUSTERS
        }
        self.inventory = tmp / "inventory"
        self.timings = {}
        self.write_inventory()

    def write_inventory(self):
        inv = self.inventory
        (inv / "group_vars").mkdir(parents=True)
        (inv / "host_vars").mkdir()
        (inv / "kubeconfigs").mkdir()
        connection = dict(lab.inventory()["_meta"]["hostvars"][self.node.name])
        connection.pop("edgelab_nvme", None)
        # a loaded 2-core host can miss edgelab's 3 s connect timeout
        connection["ansible_ssh_common_args"] = connection["ansible_ssh_common_args"].replace(
            "ConnectTimeout=3", "ConnectTimeout=30"
        )
        sites = {group: {"hosts": {host: dict(connection)}} for host, group in NODES.items()}
        hosts = {
            "all": {
                "children": {
                    "edge_nodes": {"children": sites},
                    "edge_clusters": {"hosts": {name: {} for name in CLUSTERS}},
                }
            }
        }
        (inv / "hosts.yml").write_text(yaml.safe_dump(hosts, sort_keys=False))
        for group, values in GROUP_VARS.items():
            (inv / "group_vars" / (group + ".yml")).write_text(yaml.safe_dump(values, sort_keys=False))
        for name, values in HOST_VARS.items():
            self.kube[name].kubeconfig(inv / "kubeconfigs" / (name + ".yaml"))
            values = dict(values, acstor_edge_k8s_auth={"kubeconfig": "{{ inventory_dir }}/kubeconfigs/%s.yaml" % name})
            (inv / "host_vars" / (name + ".yml")).write_text(yaml.safe_dump(values, sort_keys=False))

    def play(self, playbook, *args, label=None, report_dir=None):
        """ansible-playbook <installed collection>/playbooks/<playbook> -i <inventory>, a fresh controller each time;
        with report_dir, the acstor.edge.rollout_report callback writes its report there (as drift.yml needs)."""
        env = ansible_environment(**self.arm.client_env(SUBSCRIPTION))
        env["PATH"] = str(HELM_DIR) + os.pathsep + env["PATH"]
        env["ANSIBLE_CACHE_PLUGIN"] = "memory"  # no fact cache: every run starts from nothing
        # as the lab reliability suites do: the TCG VM runs each module several times faster under mitogen;
        # Ansible's own linear strategy where mitogen is missing: the ansible-core 2.21 root (coreenv.py MAIN_ONLY)
        env.update(mitogen_strategy_env())
        env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.timer,ansible.posix.profile_tasks"
        env["PROFILE_TASKS_TASK_OUTPUT_LIMIT"] = "25"
        if report_dir is not None:
            env["ANSIBLE_CALLBACKS_ENABLED"] += ",acstor.edge.rollout_report"
            env["ACSTOR_EDGE_REPORT_DIR"] = str(report_dir)
        started = time.monotonic()
        completed = run_playbook(
            ["-i", str(self.inventory / "hosts.yml"), str(PLAYBOOKS / playbook), *args],
            env,
            timeout=900,
            cwd=str(self.tmp),
        )
        seconds = round(time.monotonic() - started, 1)
        key = label or " ".join([playbook, *args])
        self.timings[key] = seconds
        LOGS.mkdir(parents=True, exist_ok=True)
        (LOGS / ("run-%02d.log" % len(self.timings))).write_text(
            "$ " + " ".join([playbook, *args]) + "\n" + completed.stdout + completed.stderr
        )
        return Recap(completed, seconds)

    # ---- what is there
    def release(self, cluster):
        return helm_release(self.kube[cluster], "local-csi-driver", "kube-system")

    def uninstall_release(self, cluster):
        env = dict(os.environ, KUBECONFIG=str(self.inventory / "kubeconfigs" / (cluster + ".yaml")))
        subprocess.run(
            [str(HELM_DIR / "helm"), "uninstall", "local-csi-driver", "-n", "kube-system"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert self.release(cluster) is None

    def node_state(self):
        """The node's records, fact file and boot unit, read on the VM."""
        return json.loads(
            self.node.sh(r"""python3 - <<'EOF'
import glob, json, os, subprocess
fact = "/etc/ansible/facts.d/acstor_edge.fact"
print(json.dumps({
  "records": {os.path.basename(p)[:-5]: json.load(open(p)) for p in glob.glob("/etc/acstor-edge/stripes/*.json")},
  "fact": json.load(open(fact)) if os.path.exists(fact) else None,
  "unit": subprocess.run(["systemctl", "is-enabled", "acstor-edge-stripes.service"], capture_output=True, text=True).stdout.strip(),
  "vgs": subprocess.run(["vgs", "--noheadings", "-o", "vg_name,vg_tags"], capture_output=True, text=True).stdout.split(),
}))
EOF""")
        )

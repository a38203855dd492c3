# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster side of make bench (issue 17, P5/P5b): playbooks/rollout.yml against the test servers.

One ARM test server (tests/servers/arm_server.py) and one Kubernetes API test double per cluster
(tests/servers/kube_server.py) run in this process; helm is the real helm v3 binary (tests/servers/get-helm.sh)
with the chart fixture of tests/functional/cluster_storage, as in tests/functional/e2e. Each cluster has the
three cluster phases: the local CSI driver, the Arc extension and two Edge Volumes (a local_shared and a cloud
one). The fleet converges once, then the no-op reruns are measured with benchlib.run_playbook (wall time and
the CPU of ansible-playbook, its forks, their module processes and helm), and the servers' access logs give the
requests per cluster by kind. The servers are stopped at the end, also when a run fails.
"""

import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

import benchcalc as bc
import benchlib as bl

sys.path.insert(0, str(bl.REPO / "tests" / "servers"))
from acstor_testlib import SHARED_REFERENCE  # noqa: E402  pylint: disable=wrong-import-position
from arm_server import SUBSCRIPTION, ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position
from kube_server import KubeTestServer  # noqa: E402  pylint: disable=wrong-import-position

ROLLOUT = bl.COLLECTIONS_DIR / "ansible_collections" / "acstor" / "edge" / "playbooks" / "rollout.yml"
CHART = bl.REPO / "tests" / "functional" / "cluster_storage" / "fixtures" / "local-csi-driver"
HELM_DIR = bl.REPO / ".lab" / "tools" / "helm-v3"
RG = "rg-bench"
PHASES = ["csi_driver", "arc_extension", "edge_volumes"]
VOLUMES = [
    {"name": "cache", "namespace": "apps", "kind": "local_shared", "size": "2Gi"},
    {"name": "media", "namespace": "apps", "kind": "cloud", "size": "10Gi"},
]
# As inventories/example: one batch after the canary would need a canary list; every cluster in one batch here.
GROUP_VARS = {
    "all": {"rollout_serial": ["100%"], "rollout_max_fail_percentage": 0},
    "edge_clusters": {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "csi_driver_chart_ref": str(CHART),
        "csi_driver_chart_version": "",
        "acstor_edge_cluster_phases": PHASES,
        "arc_resource_group": RG,
        "arc_location": "westeurope",
        "edge_volumes_list": VOLUMES,
    },
}
DISCOVERY_PREFIXES = ("/version", "/openapi")


def request_kind(method, path):
    """A Kubernetes request as the issue counts it: discovery, or the method (GET of one object vs a list)."""
    parts = [p for p in path.split("/") if p]
    if path.startswith(DISCOVERY_PREFIXES) or path in ("/", "/api", "/apis"):
        return "discovery"
    if parts[:1] == ["api"] and len(parts) <= 2 or parts[:1] == ["apis"] and len(parts) <= 3:
        return "discovery"
    rest = parts[2:] if parts[0] == "api" else parts[3:]
    if rest[:1] == ["namespaces"] and len(rest) >= 3:
        rest = rest[2:]
    if method == "GET":
        return "GET list" if len(rest) == 1 else "GET"
    return method


def arm_kind(request):
    if not request["arm"]:
        path = request["path"]
        return "token" if path.endswith("/token") else "metadata"
    return "ARM " + request["method"]


class ClusterFleet:
    """N clusters: one ARM test server, N Kubernetes test doubles, an inventory of N cluster hosts."""

    def __init__(self, count, work):
        self.names = [f"bench-c{i:03d}" for i in range(1, count + 1)]
        self.work = Path(work)
        self.inventory = self.work / "inventory"
        self.arm = None
        self.kube = {}

    def __enter__(self):
        try:
            self.arm = ArmTestServer(SHARED_REFERENCE, self.work / "arm").start()
            for name in self.names:
                self.arm.state.add_cluster(SUBSCRIPTION, RG, name)
                self.kube[name] = KubeTestServer(edge_api="current").start()
            self._write_inventory()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for server in self.kube.values():
            server.stop()
        if self.arm:
            self.arm.stop()

    def _write_inventory(self):
        inv = self.inventory
        for sub in ("group_vars", "host_vars", "kubeconfigs"):
            (inv / sub).mkdir(parents=True, exist_ok=True)
        hosts = {"all": {"children": {"edge_clusters": {"hosts": {name: None for name in self.names}}}}}
        (inv / "hosts.yml").write_text(json.dumps(hosts, indent=1))
        for group, values in GROUP_VARS.items():
            (inv / "group_vars" / f"{group}.yml").write_text(json.dumps(values, indent=1))
        for name, server in self.kube.items():
            kubeconfig = server.kubeconfig(inv / "kubeconfigs" / f"{name}.yaml")
            host = {"acstor_edge_k8s_auth": {"kubeconfig": str(kubeconfig)}, "arc_cluster_name": name}
            (inv / "host_vars" / f"{name}.yml").write_text(json.dumps(host, indent=1))

    def env(self, extra=None):
        env = dict(self.arm.client_env(SUBSCRIPTION))
        env["PATH"] = str(HELM_DIR) + os.pathsep + os.environ["PATH"]
        env["ANSIBLE_CACHE_PLUGIN"] = "memory"
        env.update(extra or {})
        return env

    def log_marks(self):
        return len(self.arm.state.requests), {name: len(s.access_log) for name, s in self.kube.items()}

    def requests_since(self, marks):
        """Requests per cluster by kind since `marks` (Kubernetes per cluster; ARM and token spread over clusters)."""
        arm_mark, kube_marks = marks
        counts = {}
        for name, server in self.kube.items():
            for entry in server.access_log[kube_marks[name] :]:
                kind = request_kind(entry["method"], entry["path"])
                counts[kind] = counts.get(kind, 0) + 1
        for request in self.arm.state.requests[arm_mark:]:
            kind = arm_kind(request)
            counts[kind] = counts.get(kind, 0) + 1
        return {kind: round(n / len(self.names), 2) for kind, n in sorted(counts.items())}

    def write_request_log(self, marks, path):
        """Every request of the first cluster and of the ARM server in a run, in order (for reading a no-op)."""
        arm_mark, kube_marks = marks
        first = self.names[0]
        lines = [f"# Kubernetes requests of {first}"]
        for entry in self.kube[first].access_log[kube_marks[first] :]:
            query = "&".join(f"{k}={v}" for k, v in sorted(entry["query"].items()))
            lines.append(f"{entry['method']} {entry['path']}{'?' + query if query else ''}")
        lines.append("# ARM test server requests (every cluster)")
        lines.extend(f"{r['method']} {r['path']}" for r in self.arm.state.requests[arm_mark:])
        path.write_text("\n".join(lines) + "\n")

    def run(self, label, log_dir, profile=None):
        marks = self.log_marks()
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{label}.log"
        extra = {"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks", "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "40"}
        if profile:
            extra["ACSTOR_BENCH_PROFILE"] = str(profile)
        # The test servers are threads of this process: what this process spends during the run is their CPU (the
        # requests they answer), counted apart from the controller's (issue 17, P5b: who kept the cores busy).
        servers_cpu = time.process_time()
        result = bl.run_playbook(
            ROLLOUT,
            self.inventory / "hosts.yml",
            log_path,
            extra_env=self.env(extra),
            timeout=3600,
            argv_prefix=[sys.executable, str(Path(__file__).resolve()), "profile"] if profile else None,
        )
        result["servers_cpu_s"] = round(time.process_time() - servers_cpu, 3)
        result["requests_per_cluster"] = self.requests_since(marks)
        self.write_request_log(marks, log_dir / f"{label}-requests.txt")
        result["label"] = label
        return result


def noop_summary(count, runs, cores):
    walls = [r["wall_s"] for r in runs]
    cpus = [r["controller_cpu_s"] for r in runs]
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return {
        "clusters": count,
        "runs": len(runs),
        "wall_s": wall,
        "wall_min": min(walls),
        "wall_max": max(walls),
        "cpu_s": cpu,
        "cpu_per_cluster_s": round(cpu / count, 3),
        "wall_vs_cpu_bound": round(wall / (cpu / cores), 3),
        "other_cpu_s": statistics.median(max(r["machine_busy_cpu_s"] - r["controller_cpu_s"], 0) for r in runs),
        "servers_cpu_s": statistics.median(r.get("servers_cpu_s", 0) for r in runs),
        "changed": [bl.total_changed(r) for r in runs],
        "requests_per_cluster": runs[-1]["requests_per_cluster"],
    }


def run_clusters(sizes, reps, work, log=print, profile_size=None):
    """Converge then time `reps` no-op reruns per size; returns {"runs": [...], "table": [...], "profile": ...}."""
    if not (HELM_DIR / "helm").exists():
        raise bl.BenchError("helm v3 missing: run bash tests/servers/get-helm.sh")
    if not SHARED_REFERENCE.is_dir():
        raise bl.BenchError(f"{SHARED_REFERENCE} missing (the ARM test server validates against its specs)")
    cores = os.cpu_count()
    out = {"runs": [], "table": [], "profile": None}
    for count in sizes:
        fleet_work = Path(work) / f"clusters-{count}"
        with ClusterFleet(count, fleet_work) as fleet:
            log(f"clusters {count}: converge")
            converge = fleet.run("converge", fleet_work / "logs")
            bl.check_run(converge, fleet.names)
            converge["clusters"] = count
            out["runs"].append(converge)
            noops = []
            for rep in range(reps):
                log(f"clusters {count}: no-op {rep + 1}/{reps}")
                noop = bl.check_run(fleet.run(f"noop-{rep + 1}", fleet_work / "logs"), fleet.names, changed=0)
                noop["clusters"] = count
                noops.append(noop)
                log(f"  wall {noop['wall_s']:.1f} s, CPU {noop['controller_cpu_s']:.1f} s")
            out["runs"].extend(noops)
            out["table"].append(noop_summary(count, noops, cores))
            out["table"][-1]["converge"] = {
                "wall_s": converge["wall_s"],
                "cpu_s": converge["controller_cpu_s"],
                "requests_per_cluster": converge["requests_per_cluster"],
            }
            if count == profile_size:
                log(f"clusters {count}: cProfile of the controller on a no-op")
                prof = fleet_work / "controller.prof"
                fleet.run("noop-profile", fleet_work / "logs", profile=prof)
                out["profile"] = top_entries(prof)
                out["profile_clusters"] = count
    return out


def top_entries(path, limit=15):
    """The top cumulative and own-time entries of a controller profile (ansible-playbook's main process)."""
    stats = pstats.Stats(str(path))
    rows = {}
    for sort in ("tottime", "cumulative"):
        entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2 if sort == "tottime" else 3], reverse=True)
        rows[sort] = [
            {
                "function": f"{Path(f[0]).name}:{f[1]}({f[2]})",
                "calls": v[1],
                "tottime": round(v[2], 2),
                "cumtime": round(v[3], 2),
            }
            for f, v in entries[:limit]
        ]
    return rows


def markdown(section):
    """The cluster-side section of docs/benchmarks.md from results["cluster"]."""
    table = section["table"]
    lines = [
        "### Cluster side: `rollout.yml` no-op against the test servers (controller CPU, shipped ansible.cfg)",
        "",
    ]
    machine = section.get("machine")
    if machine:
        lines += [
            f"Run of {machine['date']} on {machine['cpu']}, {machine['cores']} cores; commit {machine['commit']}. "
            f"Load average at the start {machine['load_avg']}, at the end {section.get('load_avg_end')}. "
            "The test servers run in the bench's own process: their CPU counts under other jobs' CPU, not the "
            "controller's.",
            "",
        ]
    lines += [
        "| clusters | runs | wall s (min–max) | controller CPU s | CPU s per cluster | wall ÷ (CPU ÷ cores) "
        "| other jobs' CPU s (of it the test servers') | changed | converge wall s / CPU s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in table:
        lines.append(
            f"| {row['clusters']} | {row['runs']} | {row['wall_s']:.1f} ({row['wall_min']:.1f}–{row['wall_max']:.1f}) "
            f"| {row['cpu_s']:.1f} | {row['cpu_per_cluster_s']:.2f} | {row['wall_vs_cpu_bound']:.2f} "
            f"| {row['other_cpu_s']:.1f} ({row.get('servers_cpu_s', 0):.1f}) | {row['changed']} "
            f"| {row['converge']['wall_s']:.1f} / {row['converge']['cpu_s']:.1f} |"
        )
    kinds = sorted({kind for row in table for kind in row["requests_per_cluster"]})
    lines += ["", "Requests per cluster on the no-op (Kubernetes test double; ARM test server and token endpoint):", ""]
    lines.append("| clusters | " + " | ".join(kinds) + " |")
    lines.append("|---|" + "---|" * len(kinds))
    for row in table:
        lines.append(
            f"| {row['clusters']} | " + " | ".join(str(row["requests_per_cluster"].get(k, 0)) for k in kinds) + " |"
        )
    found = bc.cluster_verdicts(table)
    if found:
        lines += ["", "| target | value | bound | met |", "|---|---|---|---|"]
        for item in found.values():
            lines.append(
                f"| {item['id']}: {bc.describe(item)} | {item['value']:.2f} | ≤ {item['target']} "
                f"| {'yes' if item['met'] else '**no**'} |"
            )
    if section.get("profile"):
        size = section.get("profile_clusters", "")
        lines += [
            "",
            f"Controller profile (cProfile of ansible-playbook's main process, one more no-op at {size} clusters), top by "
            "own time; `time.sleep` (the strategy waiting for its workers) left out:",
            "",
        ]
        lines += ["| function | calls | own s | cumulative s |", "|---|---|---|---|"]
        busy = [e for e in section["profile"]["tottime"] if "time.sleep" not in e["function"]]
        for entry in busy[:12]:
            lines.append(f"| `{entry['function']}` | {entry['calls']} | {entry['tottime']} | {entry['cumtime']} |")
    return "\n".join(lines)


def _profile(argv):
    """`cluster_bench.py profile ansible-playbook ...`: the controller's main process under cProfile."""
    sys.argv = argv
    profiler = cProfile.Profile()
    code = compile(Path(argv[0]).read_text(), argv[0], "exec")
    profiler.enable()
    try:
        exec(code, {"__name__": "__main__", "__file__": argv[0]})  # pylint: disable=exec-used
    except SystemExit:
        pass
    finally:
        profiler.disable()
        profiler.dump_stats(os.environ["ACSTOR_BENCH_PROFILE"])


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "profile":
        _profile(sys.argv[2:])
    else:
        started = time.monotonic()
        result = run_clusters([int(s) for s in sys.argv[1].split(",")], int(sys.argv[2]), Path(sys.argv[3]))
        print(json.dumps({"table": result["table"], "targets": bc.cluster_verdicts(result["table"])}, indent=1))
        print(f"{time.monotonic() - started:.0f} s")

# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measurement pieces shared by tests/bench/run_bench.py and the CI guard.

Each measured ansible-playbook runs under a small wrapper process (``python benchlib.py wrap``) that is a
child subreaper: the ssh ControlPersist masters daemonize, so without it their CPU would escape
``getrusage(RUSAGE_CHILDREN)``. The wrapper stops the masters when the play ends and reaps everything,
so the controller figure is ansible-playbook + its forks + every ssh client and master. Each run gets a
fresh control_path_dir: every measured run starts without a live connection, as a rerun does after
ControlPersist has expired.

Fleet hosts are measured from their sshd (PID 1 of each host's PID namespace): its own CPU times plus
those of the children it reaped (session sshd, module python), read before and after a run.
"""

import ctypes
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
from acstor_testlib import COLLECTIONS_DIR, mitogen_strategy_env  # noqa: E402  pylint: disable=wrong-import-position

BENCH_DIR = Path(__file__).resolve().parent
PLAYBOOKS = BENCH_DIR / "playbooks"
EDGELAB = REPO / "tests" / "lab" / "edgelab.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36

RECAP_LINE = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.M,
)


class BenchError(RuntimeError):
    pass


# ---------------------------------------------------------------- parsing and statistics


def parse_recap(text):
    """PLAY RECAP lines of the default callback -> {host: {ok, changed, ...}}."""
    recap = {}
    for match in RECAP_LINE.finditer(text):
        recap[match["host"]] = {k: int(v) for k, v in match.groupdict().items() if k != "host"}
    return recap


PROFILE_LINE = re.compile(r"^(?P<task>.+?) -+ (?P<seconds>\d+\.\d+)s$", re.M)


def parse_profile(text):
    """profile_tasks' TASKS RECAP -> {task name: seconds} (empty without the callback)."""
    if "TASKS RECAP" not in text:
        return {}
    recap = text.split("TASKS RECAP", 1)[1].split("PLAYBOOK RECAP", 1)[0]
    return {m["task"].strip(): float(m["seconds"]) for m in PROFILE_LINE.finditer(recap)}


def summary(values):
    """Median, min, max and count of a list of numbers (None when empty)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def proc_cpu_seconds(pid):
    """utime + stime + cutime + cstime of a process, in seconds (its own CPU and that of reaped children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state) of proc(5); utime..cstime are fields 14..17
    return sum(int(v) for v in fields[11:15]) / CLOCK_TICKS


def machine_busy_cpu_seconds():
    """CPU seconds every core of the machine has spent busy since boot (all processes, /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def proc_children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


# ---------------------------------------------------------------- the lab


def lab(*args, timeout=600):
    proc = subprocess.run(
        [sys.executable, str(EDGELAB), *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise BenchError(f"edgelab {' '.join(map(str, args))} failed: {proc.stderr.strip()[-600:]}")
    return proc.stdout


def lab_hostvars():
    return json.loads(lab("inventory", "--json"))["_meta"]["hostvars"]


def _edgelab_module():
    sys.path.insert(0, str(EDGELAB.parent))
    try:
        import edgelab  # pylint: disable=import-outside-toplevel
    finally:
        sys.path.pop(0)
    return edgelab


def fleet_up(count, start):
    lab("fleet", "up", count, "--start", start)
    return [f"edgefleet{i}" for i in range(start, start + count)]


def fleet_stop(names):
    """Stop only these fleet hosts (`edgelab fleet down` would stop other users' hosts as well)."""
    edgelab = _edgelab_module()
    for name in names:
        edgelab.stop_fleet_host(name)


def fleet_sshd_pids(names):
    edgelab = _edgelab_module()
    pids = {}
    for name in names:
        unshare_pid = edgelab.read_pid(edgelab.FLEET / f"{name}.pid")
        children = proc_children(unshare_pid) if unshare_pid else []
        if len(children) != 1:
            raise BenchError(f"fleet host {name}: expected one sshd under unshare {unshare_pid}, found {children}")
        pids[name] = children[0]
    return pids


def fleet_cpu_seconds(sshd_pids, settle_timeout=20.0):
    """Total CPU of the fleet hosts, once every session of the last run has ended and been reaped."""
    deadline = time.monotonic() + settle_timeout
    while any(proc_children(pid) for pid in sshd_pids.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return sum(proc_cpu_seconds(pid) for pid in sshd_pids.values())


class FleetBench:
    """nodes.yml on fleet hosts `names` (stripe tag skipped: fleet hosts have no NVMe disks): their inventory with
    the bench's fleet group variables, and the CPU their sshd process trees have spent."""

    playbook = REPO / "playbooks" / "nodes.yml"
    skip = ["--skip-tags", "stripe"]

    def __init__(self, names):
        import yaml  # pylint: disable=import-outside-toplevel

        self.hostvars = lab_hostvars()
        self.group_vars = yaml.safe_load((BENCH_DIR / "vars" / "fleet.yml").read_text())
        self.sshd = fleet_sshd_pids(names)

    def inventory(self, path, hosts):
        return write_inventory(path, "edge_nodes", self.hostvars, hosts, self.group_vars)

    def hosts_cpu_seconds(self, hosts):
        return fleet_cpu_seconds({h: self.sshd[h] for h in hosts})


def write_inventory(path, group, hostvars, names, group_vars=None):
    """A YAML (JSON is YAML) inventory of just these lab hosts, so other users' hosts stay out."""
    inventory = {
        "all": {
            "children": {
                group: {
                    "hosts": {name: hostvars[name] for name in names},
                    "vars": group_vars or {},
                }
            }
        }
    }
    Path(path).write_text(json.dumps(inventory, indent=1))
    return path


# ---------------------------------------------------------------- running a play


def ansible_env(mitogen=False, extra=None):
    env = dict(os.environ)
    # the work-tree link (make dev) or the installed tarball (make install), as the tests pick it
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS_DIR))
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["ANSIBLE_NOCOLOR"] = "1"
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    if mitogen:
        strategy = mitogen_strategy_env()
        if not strategy:
            raise ImportError("the mitogen benchmark needs the mitogen package (tests/requirements.txt)")
        env.update(strategy)
    env.update(extra or {})
    return env


def run_playbook(  # pylint: disable=too-many-arguments
    playbook, inventory, log_path, extra_args=(), mitogen=False, extra_env=None, timeout=1800, argv_prefix=None
):
    """Run one measured ansible-playbook; returns wall and controller CPU seconds, rc and the recap.

    argv_prefix runs ansible-playbook under another command (the cluster bench's cProfile runner)."""
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(playbook), *extra_args]
    argv = [*(argv_prefix or []), *argv]
    with (
        tempfile.TemporaryDirectory(prefix="acstor-bench-cp-") as control_dir,
        tempfile.NamedTemporaryFile("r", suffix=".json") as result_file,
    ):
        env = ansible_env(mitogen, {"ANSIBLE_SSH_CONTROL_PATH_DIR": control_dir, **(extra_env or {})})
        load_before = os.getloadavg()[0]
        busy_before = machine_busy_cpu_seconds()
        proc = subprocess.run(
            [sys.executable, __file__, "wrap", result_file.name, str(log_path), "--", *argv],
            env=env,
            timeout=timeout,
            check=False,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise BenchError(f"wrapper failed: {proc.stderr[-800:]}")
        result = json.loads(Path(result_file.name).read_text())
        # Everything the machine did meanwhile, ours included: other jobs on a shared machine show up here.
        result["machine_busy_cpu_s"] = round(machine_busy_cpu_seconds() - busy_before, 3)
    log_text = Path(log_path).read_text(errors="replace")
    result.update(
        {
            "playbook": Path(playbook).name,
            "recap": parse_recap(log_text),
            "load_1min_before": round(load_before, 2),
            "load_1min_after": round(os.getloadavg()[0], 2),
            "log": str(log_path),
        }
    )
    return result


def check_run(result, hosts, changed=None):
    """Stop the benchmark on a failed play: a failed run is not a time to compare."""
    problems = []
    if result["rc"] != 0:
        problems.append(f"rc={result['rc']}")
    for host in hosts:
        stats = result["recap"].get(host)
        if stats is None:
            problems.append(f"{host} missing from the recap")
        elif stats["failed"] or stats["unreachable"]:
            problems.append(f"{host} failed={stats['failed']} unreachable={stats['unreachable']}")
        elif changed == 0 and stats["changed"]:
            problems.append(f"{host} changed={stats['changed']} on a no-op rerun")
    if problems:
        raise BenchError(f"{result['playbook']}: {', '.join(problems)} (log: {result['log']})")
    return result


def total_changed(result):
    return sum(stats["changed"] for stats in result["recap"].values())


def ping_floor_playbook(path, task_count, hosts="bench_node"):
    """A play of task_count ansible.builtin.ping tasks: the price of connecting and running a module."""
    tasks = [{"name": f"ping {i + 1}", "ansible.builtin.ping": {}} for i in range(task_count)]
    Path(path).write_text(
        json.dumps([{"name": "Ping floor", "hosts": hosts, "gather_facts": False, "tasks": tasks}], indent=1)
    )
    return path


# ---------------------------------------------------------------- machine description


def machine():
    cpu_model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    versions = {}
    for name in ("ansible-core", "ansible", "mitogen", "matplotlib"):
        try:
            from importlib.metadata import version  # pylint: disable=import-outside-toplevel

            versions[name] = version(name)
        except Exception:  # pylint: disable=broad-except
            versions[name] = None
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": cpu_model,
        "cores": os.cpu_count(),
        "mem_gib": round(mem_kib / 1048576, 1),
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "versions": versions,
        "commit": commit,
        "load_avg": [round(v, 2) for v in os.getloadavg()],
    }


# ---------------------------------------------------------------- the wrapper process


def _wrap(result_path, log_path, argv):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    with open(log_path, "wb") as log:
        started = time.monotonic()
        child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        rc = child.wait()
        wall = time.monotonic() - started
    # What is left are orphans adopted by us: ssh ControlPersist masters (and their ProxyCommand).
    deadline = time.monotonic() + 15
    sig = signal.SIGTERM
    while True:
        leftovers = proc_children(os.getpid())
        if not leftovers:
            break
        for pid in leftovers:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            break
        time.sleep(0.05)
        if time.monotonic() > deadline:
            sig = signal.SIGKILL
    usage = os.times()
    Path(result_path).write_text(
        json.dumps(
            {
                "rc": rc,
                "wall_s": round(wall, 3),
                "controller_cpu_s": round(usage.children_user + usage.children_system, 3),
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 4 and sys.argv[1] == "wrap" and sys.argv[4] == "--":
        _wrap(sys.argv[2], sys.argv[3], sys.argv[5:])
    else:
        sys.exit("usage: benchlib.py wrap RESULT.json LOG -- ansible-playbook ...")

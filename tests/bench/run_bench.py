# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: node convergence and fleet scale, side by side with the baselines users would write.

1. node: on a fresh lab VM per repetition (4 local NVMe), the collection's roles (node_prep + nvme_stripe)
   against a hand-written community.general/ansible.posix play for the same end state; first converge
   and no-op rerun; the two sides alternate (A B, B A, ...).
2. floor: after each no-op rerun of the roles, a play of as many ansible.builtin.ping tasks as the rerun
   had tasks that ran (recap ok count), on the same VM.
3. fleet: no-op rerun of playbooks/nodes.yml (--skip-tags stripe) on 1, 10, 25, 50 netns fleet hosts with
   the shipped ansible.cfg; wall time and CPU (controller + hosts) per host.
4. cluster (tests/bench/cluster_bench.py): playbooks/rollout.yml over 10 and 100 clusters against the ARM and
   Kubernetes test servers (each cluster: the local CSI driver, the Arc extension, two Edge Volumes); one
   converge, then no-op reruns: controller CPU per cluster, wall time, requests per cluster by kind, and a
   cProfile of the controller on one more no-op at the largest count. No lab VM.
5. --mitogen: the no-op reruns again with the mitogen_linear strategy, reported separately.

Results: docs/bench/results.json (every run), results.csv, *.png, summary.md, and the generated section of
docs/benchmarks.md. One VM at a time; everything started is stopped, also on failure.
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import benchlib as bl
import cluster_bench as cb
import yaml

TARGETS = {
    "converge_vs_baseline": 0.5,
    "noop_vs_ping_floor": 1.5,
    "fleet_cpu_per_host_growth": 1.2,
    "fleet_wall_vs_cpu_bound": 1.3,
    "cluster_cpu_per_cluster_growth": 1.2,
    "cluster_wall_vs_cpu_bound": 1.3,
}
MARK_START = "<!-- bench-results:start (written by tests/bench/run_bench.py) -->"
MARK_END = "<!-- bench-results:end -->"
CLUSTER_MARKS = ("<!-- bench-cluster:start (written by tests/bench/run_bench.py) -->", "<!-- bench-cluster:end -->")


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- node

# Per-task times in the node logs (profile_tasks only prints at task boundaries: no measurable cost).
PROFILE_ENV = {"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks,ansible.posix.timer"}


def node_repetition(side, rep, args, work, mitogen=False):
    """Fresh VM -> converge -> no-op rerun (-> ping floor for our side) -> VM down."""
    name = args.node_name
    tag = f"{'mitogen-' if mitogen else ''}{side}-{rep}"
    playbook = bl.PLAYBOOKS / ("ours.yml" if side == "ours" else "baseline.yml")
    started = time.monotonic()
    bl.lab("up", name, "--nvme", 4, "--size", args.nvme_size, "--model", "local")
    record = {"side": side, "rep": rep, "mitogen": mitogen, "vm_up_s": round(time.monotonic() - started, 1)}
    try:
        inventory = bl.write_inventory(work / f"node-{tag}.json", "bench_node", bl.lab_hostvars(), [name])
        converge = bl.check_run(
            bl.run_playbook(playbook, inventory, work / f"{tag}-converge.log", mitogen=mitogen, extra_env=PROFILE_ENV),
            [name],
        )
        noop = bl.check_run(
            bl.run_playbook(playbook, inventory, work / f"{tag}-noop.log", mitogen=mitogen, extra_env=PROFILE_ENV),
            [name],
        )
        record.update(converge=converge, noop=noop)
        log(
            f"{tag}: converge {converge['wall_s']:.1f} s (changed {bl.total_changed(converge)}), "
            f"no-op {noop['wall_s']:.1f} s (changed {bl.total_changed(noop)})"
        )
        if side == "ours":
            tasks = noop["recap"][name]["ok"]
            floor_play = bl.ping_floor_playbook(work / f"floor-{tasks}.json", tasks)
            floor = bl.check_run(
                bl.run_playbook(
                    floor_play, inventory, work / f"{tag}-floor.log", mitogen=mitogen, extra_env=PROFILE_ENV
                ),
                [name],
            )
            floor["ping_tasks"] = tasks
            record["floor"] = floor
            log(f"{tag}: ping floor ({tasks} pings) {floor['wall_s']:.1f} s")
    finally:
        bl.lab("down", name)
    return record


def run_node(args, work, mitogen=False):
    records = []
    reps = args.mitogen_reps if mitogen else args.reps
    for rep in range(reps):
        order = ["ours", "baseline"] if rep % 2 == 0 else ["baseline", "ours"]
        for side in order:
            records.append(node_repetition(side, rep, args, work, mitogen))
    return records


# ---------------------------------------------------------------- fleet


def run_fleet(args, work, mitogen=False):
    sizes = sorted(args.fleet_sizes)
    names = bl.fleet_up(sizes[-1], args.fleet_start)
    records = []
    try:
        hostvars = bl.lab_hostvars()
        group_vars = yaml.safe_load((bl.BENCH_DIR / "vars" / "fleet.yml").read_text())
        sshd = bl.fleet_sshd_pids(names)
        playbook = bl.REPO / "playbooks" / "nodes.yml"
        skip = ["--skip-tags", "stripe"]
        for size in sizes:
            hosts = names[:size]
            inventory = bl.write_inventory(work / f"fleet-{size}.json", "edge_nodes", hostvars, hosts, group_vars)
            tag = f"{'mitogen-' if mitogen else ''}fleet{size}"
            bl.check_run(bl.run_playbook(playbook, inventory, work / f"{tag}-converge.log", skip, mitogen), hosts)
            for rep in range(args.fleet_reps):
                cpu_before = bl.fleet_cpu_seconds({h: sshd[h] for h in hosts})
                run = bl.check_run(
                    bl.run_playbook(playbook, inventory, work / f"{tag}-noop-{rep}.log", skip, mitogen), hosts
                )
                run["hosts_cpu_s"] = round(bl.fleet_cpu_seconds({h: sshd[h] for h in hosts}) - cpu_before, 3)
                run.update(hosts=size, rep=rep, mitogen=mitogen)
                records.append(run)
                log(
                    f"{tag} no-op: wall {run['wall_s']:.1f} s, controller {run['controller_cpu_s']:.1f} s, "
                    f"hosts {run['hosts_cpu_s']:.1f} s CPU, changed {bl.total_changed(run)}"
                )
    finally:
        bl.fleet_stop(names)
    return records


# ---------------------------------------------------------------- analysis


def task_medians(records, run):
    """Median seconds per task over the repetitions, from the profile_tasks recap in each log."""
    per_task = {}
    for rec in records:
        log_path = Path(rec[run]["log"])
        if log_path.exists():
            for task, seconds in bl.parse_profile(log_path.read_text(errors="replace")).items():
                per_task.setdefault(task, []).append(seconds)
    medians = {task: bl.summary(values)["median"] for task, values in per_task.items()}
    return dict(sorted(medians.items(), key=lambda item: -item[1]))


def node_table(records):
    table = {}
    for side in ("ours", "baseline"):
        runs = [r for r in records if r["side"] == side]
        table[side] = {
            "converge": bl.summary([r["converge"]["wall_s"] for r in runs]),
            "noop": bl.summary([r["noop"]["wall_s"] for r in runs]),
            "converge_changed": [bl.total_changed(r["converge"]) for r in runs],
            "noop_changed": [bl.total_changed(r["noop"]) for r in runs],
            "noop_tasks_ok": [next(iter(r["noop"]["recap"].values()))["ok"] for r in runs],
        }
    table["profile"] = {
        f"{side} {run}": task_medians([r for r in records if r["side"] == side], run)
        for side in ("ours", "baseline")
        for run in ("converge", "noop")
    }
    floors = [r["floor"] for r in records if "floor" in r]
    table["floor"] = {
        "wall": bl.summary([f["wall_s"] for f in floors]),
        "ping_tasks": [f["ping_tasks"] for f in floors],
    }
    return table


def fleet_table(records, cores):
    rows = []
    for size in sorted({r["hosts"] for r in records}):
        runs = [r for r in records if r["hosts"] == size]
        wall = bl.summary([r["wall_s"] for r in runs])["median"]
        ctrl = bl.summary([r["controller_cpu_s"] for r in runs])["median"]
        hosts = bl.summary([r["hosts_cpu_s"] for r in runs])["median"]
        busy = bl.summary([r.get("machine_busy_cpu_s") for r in runs])
        busy = busy["median"] if busy else None
        rows.append(
            {
                "hosts": size,
                "runs": len(runs),
                "wall_s": wall,
                "wall_min": min(r["wall_s"] for r in runs),
                "wall_max": max(r["wall_s"] for r in runs),
                "controller_cpu_s": ctrl,
                "hosts_cpu_s": hosts,
                "cpu_per_host_s": (ctrl + hosts) / size,
                "controller_cpu_per_host_s": ctrl / size,
                "cpu_bound_wall_s": (ctrl + hosts) / cores,
                "wall_vs_cpu_bound": wall / ((ctrl + hosts) / cores),
                "changed": sum(bl.total_changed(r) for r in runs),
                # The machine is shared: what else ran during the play, and how close the play came to the
                # time a saturated machine needs for all the CPU it spent (ours and the others').
                "machine_busy_cpu_s": busy,
                "others_cpu_s": None if busy is None else max(busy - ctrl - hosts, 0.0),
                "wall_vs_machine_bound": None if busy is None else wall / (busy / cores),
                "load_1min": [r["load_1min_before"] for r in runs],
            }
        )
    return rows


def paired_ratios(records, numerator, denominator):
    """Per repetition: (ours, run) ÷ (side or floor, run) of the same repetition, same point in time."""
    ratios = []
    for rep in sorted({r["rep"] for r in records}):
        ours = next((r for r in records if r["rep"] == rep and r["side"] == "ours"), None)
        other = next((r for r in records if r["rep"] == rep and r["side"] == denominator[0]), None)
        if ours and other and denominator[1] in other:
            ratios.append(round(ours[numerator]["wall_s"] / other[denominator[1]]["wall_s"], 3))
    return ratios


def verdicts(node, fleet, records=None):
    out = {}
    if node:
        ours, base, floor = node["ours"], node["baseline"], node["floor"]
        ratio = ours["converge"]["median"] / base["converge"]["median"]
        out["converge_vs_baseline"] = {
            "value": ratio,
            "target": TARGETS["converge_vs_baseline"],
            "met": ratio <= TARGETS["converge_vs_baseline"],
        }
        ratio = ours["noop"]["median"] / floor["wall"]["median"]
        zero = not any(ours["noop_changed"])
        out["noop_vs_ping_floor"] = {
            "value": ratio,
            "target": TARGETS["noop_vs_ping_floor"],
            "changed_zero": zero,
            "met": ratio <= TARGETS["noop_vs_ping_floor"] and zero,
        }
        if records:
            out["converge_vs_baseline"]["per_repetition"] = paired_ratios(records, "converge", ("baseline", "converge"))
            out["noop_vs_ping_floor"]["per_repetition"] = paired_ratios(records, "noop", ("ours", "floor"))
    if fleet and len(fleet) > 1:
        first, last = fleet[0], fleet[-1]
        growth = last["cpu_per_host_s"] / first["cpu_per_host_s"]
        out["fleet_cpu_per_host_growth"] = {
            "value": growth,
            "target": TARGETS["fleet_cpu_per_host_growth"],
            "from_hosts": first["hosts"],
            "to_hosts": last["hosts"],
            "met": growth <= TARGETS["fleet_cpu_per_host_growth"],
        }
        out["fleet_wall_vs_cpu_bound"] = {
            "value": last["wall_vs_cpu_bound"],
            "target": TARGETS["fleet_wall_vs_cpu_bound"],
            "hosts": last["hosts"],
            "met": last["wall_vs_cpu_bound"] <= TARGETS["fleet_wall_vs_cpu_bound"],
        }
    return out


# ---------------------------------------------------------------- output


def write_csv(path, results):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "section",
                "side",
                "mitogen",
                "rep",
                "hosts",
                "run",
                "wall_s",
                "controller_cpu_s",
                "hosts_cpu_s",
                "ok",
                "changed",
                "load_1min_before",
            ]
        )
        for key in ("node", "node_mitogen"):
            for rec in results.get(key, []):
                for run in ("converge", "noop", "floor"):
                    if run not in rec:
                        continue
                    r = rec[run]
                    stats = next(iter(r["recap"].values()))
                    writer.writerow(
                        [
                            "node",
                            rec["side"],
                            rec["mitogen"],
                            rec["rep"],
                            1,
                            run,
                            r["wall_s"],
                            r["controller_cpu_s"],
                            "",
                            stats["ok"],
                            stats["changed"],
                            r["load_1min_before"],
                        ]
                    )
        for key in ("fleet", "fleet_mitogen"):
            for r in results.get(key, []):
                writer.writerow(
                    [
                        "fleet",
                        "ours",
                        r["mitogen"],
                        r["rep"],
                        r["hosts"],
                        "noop",
                        r["wall_s"],
                        r["controller_cpu_s"],
                        r["hosts_cpu_s"],
                        sum(s["ok"] for s in r["recap"].values()),
                        bl.total_changed(r),
                        r["load_1min_before"],
                    ]
                )


def fmt(s):
    return f"{s['median']:.1f} ({s['min']:.1f}–{s['max']:.1f})" if s else "—"


def summary_markdown(results):
    m = results["machine"]
    lines = [
        f"Run of {m['date']} on {m['cpu']}, {m['cores']} cores, {m['mem_gib']} GiB, kernel {m['kernel']}; "
        f"ansible-core {m['versions']['ansible-core']}, Python {m['python']}, mitogen {m['versions']['mitogen']}; "
        f"commit {m['commit']}. Load average (1/5/15 min) at the start {m['load_avg']}, at the end "
        f"{results.get('load_avg_end')} — the machine was shared with other jobs.",
        "",
    ]
    for section, meta in (results.get("kept_from") or {}).items():
        lines += [
            f"The {section} section comes from the run of {meta['date']} (commit {meta['commit']}, load "
            f"average at its start {meta['load_avg']}).",
            "",
        ]
    node = results.get("node_table")
    if node:
        lines += [
            "### Node converge (1 lab VM, 4 local NVMe, seconds: median (min–max))",
            "",
            "| | acstor.edge roles | hand-written baseline | ping floor |",
            "|---|---|---|---|",
            f"| first converge | {fmt(node['ours']['converge'])} | {fmt(node['baseline']['converge'])} | |",
            f"| no-op rerun | {fmt(node['ours']['noop'])} | {fmt(node['baseline']['noop'])} | "
            f"{fmt(node['floor']['wall'])} ({node['floor']['ping_tasks'][0]} pings) |",
            f"| changed on the rerun | {node['ours']['noop_changed']} | {node['baseline']['noop_changed']} | |",
            f"| repetitions | {node['ours']['converge']['n']} | {node['baseline']['converge']['n']} | "
            f"{node['floor']['wall']['n']} |",
            "",
        ]
    if node and node.get("profile", {}).get("ours noop"):
        lines += [
            "### Where the roles' time goes (profile_tasks, median s per task; tasks under 1 s left out)",
            "",
            "| task | first converge | no-op rerun |",
            "|---|---|---|",
        ]
        converge, noop = node["profile"]["ours converge"], node["profile"]["ours noop"]
        for task in sorted(set(converge) | set(noop), key=lambda t: -(converge.get(t, 0) + noop.get(t, 0))):
            if max(converge.get(task, 0), noop.get(task, 0)) >= 1.0:
                lines.append(f"| {task} | {converge.get(task, 0):.1f} | {noop.get(task, 0):.1f} |")
        lines.append("")
    fleet = results.get("fleet_table")
    if fleet:
        lines += [
            "### Fleet no-op rerun of playbooks/nodes.yml (--skip-tags stripe), shipped ansible.cfg",
            "",
            "| hosts | wall s (min–max) | controller CPU s | hosts CPU s | CPU s per host | "
            "wall ÷ (CPU ÷ cores) | other jobs' CPU s | wall ÷ (all CPU ÷ cores) | changed |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in fleet:
            others = "—" if row.get("others_cpu_s") is None else f"{row['others_cpu_s']:.1f}"
            machine = "—" if row.get("wall_vs_machine_bound") is None else f"{row['wall_vs_machine_bound']:.2f}"
            lines.append(
                f"| {row['hosts']} | {row['wall_s']:.1f} ({row['wall_min']:.1f}–{row['wall_max']:.1f}) | "
                f"{row['controller_cpu_s']:.1f} | {row['hosts_cpu_s']:.1f} | {row['cpu_per_host_s']:.2f} | "
                f"{row['wall_vs_cpu_bound']:.2f} | {others} | {machine} | {row['changed']} |"
            )
        lines.append("")
    for key, title in (
        ("node_mitogen_table", "Node, with mitogen (optional, not a target)"),
        ("fleet_mitogen_table", "Fleet, with mitogen (optional, not a target)"),
    ):
        table = results.get(key)
        if not table:
            continue
        lines += [f"### {title}", ""]
        if key.startswith("node"):
            lines += [
                "| | roles | baseline | ping floor |",
                "|---|---|---|---|",
                f"| first converge | {fmt(table['ours']['converge'])} | {fmt(table['baseline']['converge'])} | |",
                f"| no-op rerun | {fmt(table['ours']['noop'])} | {fmt(table['baseline']['noop'])} | "
                f"{fmt(table['floor']['wall'])} |",
                "",
            ]
        else:
            lines += ["| hosts | wall s | CPU s per host | changed |", "|---|---|---|---|"]
            lines += [
                f"| {r['hosts']} | {r['wall_s']:.1f} | {r['cpu_per_host_s']:.2f} | {r['changed']} |" for r in table
            ]
            lines.append("")
    v = results.get("verdicts", {})
    if v:
        lines += [
            "### Targets (ratios within this run)",
            "",
            "| target | value (ratio of medians) | per repetition | bound | met |",
            "|---|---|---|---|---|",
        ]
        names = {
            "converge_vs_baseline": "first converge ÷ baseline",
            "noop_vs_ping_floor": "no-op rerun ÷ ping floor (and 0 changed)",
            "fleet_cpu_per_host_growth": "CPU per host, largest fleet ÷ 1 host",
            "fleet_wall_vs_cpu_bound": "wall ÷ (total CPU ÷ cores), largest fleet",
        }
        for key, item in v.items():
            per_rep = ", ".join(f"{v:.2f}" for v in item.get("per_repetition", [])) or "—"
            lines.append(
                f"| {names[key]} | {item['value']:.2f} | {per_rep} | ≤ {item['target']} | "
                f"{'yes' if item['met'] else '**no**'} |"
            )
        lines.append("")
    return "\n".join(lines)


def plot(results, out):  # pylint: disable=too-many-locals,too-many-statements
    import matplotlib  # pylint: disable=import-outside-toplevel

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    written = []
    cores = results["machine"]["cores"]
    for key, suffix in (("node_table", ""), ("node_mitogen_table", "_mitogen")):
        node = results.get(key)
        if not node:
            continue
        fig, ax = plt.subplots(figsize=(7, 4))
        groups = ["first converge", "no-op rerun"]
        series = [
            ("acstor.edge roles", [node["ours"]["converge"], node["ours"]["noop"]], "tab:blue"),
            ("hand-written baseline", [node["baseline"]["converge"], node["baseline"]["noop"]], "tab:orange"),
            ("ping floor", [None, node["floor"]["wall"]], "tab:gray"),
        ]
        width = 0.27
        for i, (label, stats, color) in enumerate(series):
            xs = [g + (i - 1) * width for g in range(len(groups))]
            med = [s["median"] if s else 0 for s in stats]
            err = [
                [(s["median"] - s["min"]) if s else 0 for s in stats],
                [(s["max"] - s["median"]) if s else 0 for s in stats],
            ]
            ax.bar(xs, med, width, yerr=err, capsize=4, label=label, color=color)
        ax.set_xticks(range(len(groups)), groups)
        ax.set_ylabel("wall time, s (median, min–max)")
        ax.set_title(f"Node converge on a lab VM, 4 NVMe{' (mitogen)' if suffix else ''}")
        ax.legend()
        fig.tight_layout()
        path = out / f"node_converge{suffix}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    for key, suffix in (("fleet_table", ""), ("fleet_mitogen_table", "_mitogen")):
        fleet = results.get(key)
        if not fleet:
            continue
        hosts = [r["hosts"] for r in fleet]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        ax1.stackplot(
            hosts,
            [r["controller_cpu_s"] / r["hosts"] for r in fleet],
            [r["hosts_cpu_s"] / r["hosts"] for r in fleet],
            labels=["controller", "fleet hosts"],
            colors=["tab:blue", "tab:green"],
            alpha=0.8,
        )
        ax1.axhline(
            fleet[0]["cpu_per_host_s"] * TARGETS["fleet_cpu_per_host_growth"],
            color="tab:red",
            ls="--",
            label=f"{TARGETS['fleet_cpu_per_host_growth']}× the 1-host figure",
        )
        ax1.set_xlabel("hosts")
        ax1.set_ylabel("CPU s per host")
        ax1.set_ylim(bottom=0)
        ax1.legend(loc="lower right")
        ax1.set_title("CPU per host")
        ax2.plot(hosts, [r["wall_s"] for r in fleet], "o-", label="wall time")
        ax2.plot(hosts, [r["cpu_bound_wall_s"] for r in fleet], "s--", label="total CPU ÷ cores")
        ax2.plot(
            hosts,
            [r["cpu_bound_wall_s"] * TARGETS["fleet_wall_vs_cpu_bound"] for r in fleet],
            ":",
            color="tab:red",
            label=f"{TARGETS['fleet_wall_vs_cpu_bound']}× that",
        )
        if all(r.get("machine_busy_cpu_s") for r in fleet):
            ax2.plot(
                hosts,
                [r["machine_busy_cpu_s"] / cores for r in fleet],
                "^-.",
                color="tab:gray",
                label="all CPU of the machine ÷ cores (shared)",
            )
        ax2.set_xlabel("hosts")
        ax2.set_ylabel("s")
        ax2.set_ylim(bottom=0)
        ax2.legend()
        ax2.set_title("Wall time")
        fig.suptitle(f"No-op rerun of nodes.yml on netns fleet hosts{' (mitogen)' if suffix else ''}")
        fig.tight_layout()
        path = out / f"fleet_scale{suffix}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def update_doc(doc, summary_md, marks=(MARK_START, MARK_END)):
    start, end = marks
    text = doc.read_text()
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    doc.write_text(f"{head}{start}\n{summary_md}\n{end}{tail}")
    return True


def finish(results, out, args):
    results.setdefault("load_avg_end", [round(v, 2) for v in os.getloadavg()])
    cores = results["machine"]["cores"]
    if results.get("node"):
        results["node_table"] = node_table(results["node"])
    if results.get("node_mitogen"):
        results["node_mitogen_table"] = node_table(results["node_mitogen"])
    if results.get("fleet"):
        results["fleet_table"] = fleet_table(results["fleet"], cores)
    if results.get("fleet_mitogen"):
        results["fleet_mitogen_table"] = fleet_table(results["fleet_mitogen"], cores)
    results["verdicts"] = verdicts(results.get("node_table"), results.get("fleet_table"), results.get("node"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    write_csv(out / "results.csv", results)
    summary_md = summary_markdown(results)
    (out / "summary.md").write_text(summary_md + "\n")
    for path in plot(results, out):
        log(f"wrote {path}")
    if args.update_doc and update_doc(bl.REPO / "docs" / "benchmarks.md", summary_md):
        log("updated docs/benchmarks.md")
    print(summary_md)
    if results.get("cluster"):
        cluster_md = cb.markdown(results["cluster"], TARGETS)
        (out / "cluster-summary.md").write_text(cluster_md + "\n")
        if args.update_doc and update_doc(bl.REPO / "docs" / "benchmarks.md", cluster_md, CLUSTER_MARKS):
            log("updated the cluster section of docs/benchmarks.md")
        print(cluster_md)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--only", nargs="+", choices=["node", "fleet", "cluster"], default=["node", "fleet", "cluster"])
    p.add_argument("--reps", type=int, default=3, help="node repetitions per side (default 3)")
    p.add_argument("--fleet-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1, 10, 25, 50])
    p.add_argument("--fleet-reps", type=int, default=2, help="no-op reruns per fleet size (default 2)")
    p.add_argument("--fleet-start", type=int, default=301, help="first fleet host number (edgefleetN)")
    p.add_argument("--node-name", default="bench-node")
    p.add_argument("--nvme-size", type=int, default=4, help="GiB per NVMe")
    p.add_argument("--cluster-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[10, 100])
    p.add_argument("--cluster-reps", type=int, default=3, help="no-op reruns per cluster count (default 3)")
    p.add_argument(
        "--cluster-profile", type=int, default=None, help="cProfile one more no-op at this count (default: the largest)"
    )
    p.add_argument("--mitogen", action="store_true", help="also run with mitogen_linear (reported separately)")
    p.add_argument("--mitogen-reps", type=int, default=1)
    p.add_argument("--out", type=Path, default=bl.REPO / "docs" / "bench")
    p.add_argument("--work", type=Path, default=bl.REPO / "tests" / "output" / "bench")
    p.add_argument("--no-update-doc", dest="update_doc", action="store_false")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="recompute tables, plots and the doc section from the existing results.json",
    )
    p.add_argument(
        "--merge", action="store_true", help="keep the sections of the existing results.json that --only does not rerun"
    )
    args = p.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        finish(json.loads((args.out / "results.json").read_text()), args.out, args)
        return 0
    results = {"machine": bl.machine(), "args": {k: str(v) for k, v in vars(args).items()}}
    previous = args.out / "results.json"
    if args.merge and previous.exists():
        # Keep the sections this run does not redo, with the machine description of the run that took them.
        old = json.loads(previous.read_text())
        for section in ("node", "node_mitogen", "fleet", "fleet_mitogen", "cluster"):
            if section.split("_", maxsplit=1)[0] not in args.only and section in old:
                results[section] = old[section]
                results.setdefault("kept_from", {})[section] = old.get("machine")
    log(f"machine: {results['machine']}")
    try:
        if "node" in args.only:
            results["node"] = run_node(args, args.work)
            if args.mitogen:
                results["node_mitogen"] = run_node(args, args.work, mitogen=True)
        if "fleet" in args.only:
            results["fleet"] = run_fleet(args, args.work)
            if args.mitogen:
                results["fleet_mitogen"] = run_fleet(args, args.work, mitogen=True)
        if "cluster" in args.only:
            results["cluster"] = cb.run_clusters(
                args.cluster_sizes,
                args.cluster_reps,
                args.work,
                log=log,
                profile_size=args.cluster_profile or max(args.cluster_sizes),
            )
            results["cluster"].update(machine=results["machine"], load_avg_end=[round(v, 2) for v in os.getloadavg()])
    except bl.BenchError as exc:
        (args.work / "partial-results.json").write_text(json.dumps(results, indent=1, default=str))
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    finish(results, args.out, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

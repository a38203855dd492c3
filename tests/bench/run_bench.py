# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: node convergence and fleet scale, side by side with the baselines users would write.

1. node: on a fresh lab VM per repetition (4 local NVMe), the collection's roles (node_prep + nvme_stripe)
   against a hand-written community.general/ansible.posix play for the same end state; first converge
   and no-op rerun; the two sides alternate (A B, B A, ...).
2. ping plays: after each no-op rerun of the roles, a play of N ansible.builtin.ping tasks (N = the tasks
   the rerun ran, recap ok) and one of 1 ping, on the same VM: wall = a + k·b fitted to them puts the
   no-op in ping units, (no-op − a) ÷ b (P2).
3. fleet: no-op rerun of playbooks/nodes.yml (--skip-tags stripe) on 10, 50, 100, 200 netns fleet hosts with
   the shipped ansible.cfg; wall time and CPU (controller + hosts) per host (P3); after each rerun a play of
   as many ping tasks per host as the rerun ran, on the same hosts: controller CPU per host of both (P3b).
4. cluster (tests/bench/cluster_bench.py): playbooks/rollout.yml over 10 and 100 clusters against the ARM and
   Kubernetes test servers (each cluster: the local CSI driver, the Arc extension, two Edge Volumes); one
   converge, then no-op reruns: controller CPU per cluster, wall time, requests per cluster by kind, and a
   cProfile of the controller on one more no-op at the largest count. No lab VM.
   (P5, P5b)
5. --mitogen: the no-op reruns again with the mitogen_linear strategy, reported separately.

The targets are those of issue 17, P1..P5b (benchcalc.TARGETS). Results: docs/bench/results.json (every run),
results.csv, *.png, summary.md, and the generated sections of docs/benchmarks.md; with another --out (a trial at
small sizes) the doc is left alone unless --update-doc. One VM at a time; everything started is stopped, also
on failure; a failed run stops the bench.
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import benchcalc as bc
import benchlib as bl
import cluster_bench as cb

DEFAULT_OUT = bl.REPO / "docs" / "bench"
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
            # P2: wall = a + k·b of ping plays of N and 1 pings on this VM, right after the rerun
            tasks = noop["recap"][name]["ok"]
            for run, count in (("floor", tasks), ("ping1", 1)):
                play = bl.ping_floor_playbook(work / f"ping-{count}.json", count)
                pings = bl.check_run(
                    bl.run_playbook(play, inventory, work / f"{tag}-{run}.log", mitogen=mitogen, extra_env=PROFILE_ENV),
                    [name],
                )
                pings["ping_tasks"] = count
                record[run] = pings
                log(f"{tag}: ping play of {count} {pings['wall_s']:.1f} s")
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
        fleet = bl.FleetBench(names)
        playbook, skip = fleet.playbook, fleet.skip
        for size in sizes:
            hosts = names[:size]
            inventory = fleet.inventory(work / f"fleet-{size}.json", hosts)
            tag = f"{'mitogen-' if mitogen else ''}fleet{size}"
            bl.check_run(bl.run_playbook(playbook, inventory, work / f"{tag}-converge.log", skip, mitogen), hosts)
            for rep in range(args.fleet_reps):
                run = fleet_measured(fleet, playbook, inventory, work / f"{tag}-noop-{rep}.log", skip, mitogen, hosts)
                bl.check_run(run, hosts, changed=0)
                # P3b: as many ping tasks per host as the no-op ran, on the same hosts, right after it
                tasks = fleet_tasks_ran(run, hosts)
                play = bl.ping_floor_playbook(work / f"fleet-ping-{tasks}.json", tasks, hosts="edge_nodes")
                run["ping"] = fleet_measured(fleet, play, inventory, work / f"{tag}-ping-{rep}.log", [], mitogen, hosts)
                bl.check_run(run["ping"], hosts)
                run["ping"]["ping_tasks"] = tasks
                run.update(hosts=size, rep=rep, mitogen=mitogen)
                records.append(run)
                log(
                    f"{tag} no-op: wall {run['wall_s']:.1f} s, controller {run['controller_cpu_s']:.1f} s, "
                    f"hosts {run['hosts_cpu_s']:.1f} s CPU, changed {bl.total_changed(run)}; "
                    f"{tasks}-ping play: controller {run['ping']['controller_cpu_s']:.1f} s"
                )
    finally:
        bl.fleet_stop(names)
    return records


def fleet_measured(fleet, playbook, inventory, log_path, extra_args, mitogen, hosts):  # pylint: disable=too-many-arguments
    """One measured play on fleet hosts: the run's figures plus the CPU the hosts' sshd trees spent."""
    cpu_before = fleet.hosts_cpu_seconds(hosts)
    run = bl.run_playbook(playbook, inventory, log_path, extra_args, mitogen)
    run["hosts_cpu_s"] = round(fleet.hosts_cpu_seconds(hosts) - cpu_before, 3)
    return run


def fleet_tasks_ran(run, hosts):
    """Tasks the no-op ran per host (recap ok); the hosts are alike, so they must agree."""
    counts = {run["recap"][h]["ok"] for h in hosts}
    if len(counts) != 1:
        raise bl.BenchError(f"fleet hosts ran different task counts {sorted(counts)}: {run['log']}")
    return counts.pop()


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
            "converge": bc.summary([r["converge"]["wall_s"] for r in runs]),
            "noop": bc.summary([r["noop"]["wall_s"] for r in runs]),
            "converge_changed": [bl.total_changed(r["converge"]) for r in runs],
            "noop_changed": [bl.total_changed(r["noop"]) for r in runs],
            "noop_tasks_ok": [next(iter(r["noop"]["recap"].values()))["ok"] for r in runs],
        }
    table["profile"] = {
        f"{side} {run}": task_medians([r for r in records if r["side"] == side], run)
        for side in ("ours", "baseline")
        for run in ("converge", "noop")
    }
    for run in ("floor", "ping1"):
        plays = [r[run] for r in records if run in r]
        table[run] = {"wall": bc.summary([f["wall_s"] for f in plays]), "ping_tasks": [f["ping_tasks"] for f in plays]}
    return table


def verdicts(results):
    """P1..P5b of this run (those its parts measured), each with its bound and whether it is met."""
    out = {}
    if results.get("node_table"):
        out.update(bc.node_verdicts(results["node_table"], results["node"]))
    if results.get("fleet_table"):
        out.update(bc.fleet_verdicts(results["fleet_table"]))
    if results.get("cluster", {}).get("table"):
        out.update(bc.cluster_verdicts(results["cluster"]["table"]))
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
                for run in ("converge", "noop", "floor", "ping1"):
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
            for rec in results.get(key, []):
                for run, r in (("noop", rec), ("ping", rec.get("ping"))):
                    if not r:
                        continue
                    writer.writerow(
                        [
                            "fleet",
                            "ours",
                            rec["mitogen"],
                            rec["rep"],
                            rec["hosts"],
                            run,
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
        lines += node_markdown(node, results.get("verdicts", {}).get("P2"))
    fleet = results.get("fleet_table")
    if fleet:
        lines += fleet_markdown(fleet)
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
                "| | roles | baseline | ping play of N |",
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
    lines += ["### Targets of issue 17 (ratios within this run)", ""]
    cluster_machine = (results.get("cluster") or {}).get("machine")
    if cluster_machine and cluster_machine.get("date") != m["date"]:
        lines += [f"P5 and P5b come from the cluster section's own run ({cluster_machine['date']}), below.", ""]
    lines += bc.targets_markdown(results.get("verdicts", {}))
    lines.append("")
    return "\n".join(lines)


def node_markdown(node, p2):
    floor, ping1 = node["floor"], node.get("ping1") or {}
    lines = [
        "### Node converge (1 lab VM, 4 local NVMe, seconds: median (min–max))",
        "",
        "| | acstor.edge roles | hand-written baseline | ping play of N | ping play of 1 |",
        "|---|---|---|---|---|",
        f"| first converge | {fmt(node['ours']['converge'])} | {fmt(node['baseline']['converge'])} | | |",
        f"| no-op rerun | {fmt(node['ours']['noop'])} | {fmt(node['baseline']['noop'])} | "
        f"{fmt(floor['wall'])} ({floor['ping_tasks'][0] if floor['ping_tasks'] else '—'} pings) | "
        f"{fmt(ping1.get('wall'))} |",
        f"| changed on the rerun | {node['ours']['noop_changed']} | {node['baseline']['noop_changed']} | | |",
        f"| repetitions | {node['ours']['converge']['n']} | {node['baseline']['converge']['n']} | "
        f"{floor['wall']['n'] if floor['wall'] else 0} | {ping1['wall']['n'] if ping1.get('wall') else 0} |",
        "",
    ]
    if p2:
        lines += [
            f"Ping-play fit (P2): wall = a + k·b with a = {p2['fit_a_s']:.2f} s (the play's fixed cost) and "
            f"b = {p2['fit_b_s']:.2f} s per ping task; the no-op rerun is (no-op − a) ÷ b = {p2['value']:.2f} "
            "ping units.",
            "",
        ]
    if node.get("profile", {}).get("ours noop"):
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
    return lines


def fleet_markdown(fleet):
    lines = [
        "### Fleet no-op rerun of playbooks/nodes.yml (--skip-tags stripe), shipped ansible.cfg",
        "",
        "| hosts | wall s (min–max) | controller CPU s | hosts CPU s | CPU s per host (P3) | "
        "ping play: tasks, controller CPU s | controller CPU ÷ ping play's (P3b) | "
        "wall ÷ (CPU ÷ cores) | other jobs' CPU s | wall ÷ (all CPU ÷ cores) | changed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in fleet:
        others = "—" if row.get("others_cpu_s") is None else f"{row['others_cpu_s']:.1f}"
        machine = "—" if row.get("wall_vs_machine_bound") is None else f"{row['wall_vs_machine_bound']:.2f}"
        ping = "—"
        versus = "—"
        if "controller_cpu_vs_ping" in row:
            ping = f"{row['ping_tasks']}, {row['ping_controller_cpu_s']:.1f}"
            versus = f"{row['controller_cpu_vs_ping']:.2f}"
        lines.append(
            f"| {row['hosts']} | {row['wall_s']:.1f} ({row['wall_min']:.1f}–{row['wall_max']:.1f}) | "
            f"{row['controller_cpu_s']:.1f} | {row['hosts_cpu_s']:.1f} | {row['cpu_per_host_s']:.2f} | {ping} | "
            f"{versus} | {row['wall_vs_cpu_bound']:.2f} | {others} | {machine} | {row['changed']} |"
        )
    lines.append("")
    return lines


def hosts_panel(ax, ylabel, title, **legend_options):
    """A fleet chart's panel: hosts across, `ylabel` up from 0, its legend and title."""
    ax.set_xlabel("hosts")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(**legend_options)
    ax.set_title(title)


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
            ("ping play of N", [None, node["floor"]["wall"]], "tab:gray"),
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
            fleet[0]["cpu_per_host_s"] * bc.bound("P3"),
            color="tab:red",
            ls="--",
            label=f"P3 bound: {bc.bound('P3')}× the {fleet[0]['hosts']}-host figure",
        )
        if all("ping_controller_cpu_per_host_s" in r for r in fleet):
            ax1.plot(
                hosts,
                [r["ping_controller_cpu_per_host_s"] for r in fleet],
                "o:",
                color="black",
                label="controller, same-length ping play (P3b)",
            )
        hosts_panel(ax1, "CPU s per host", "CPU per host", loc="best", fontsize="small")
        ax2.plot(hosts, [r["wall_s"] for r in fleet], "o-", label="wall time")
        ax2.plot(hosts, [r["cpu_bound_wall_s"] for r in fleet], "s--", label="total CPU ÷ cores")
        if all(r.get("machine_busy_cpu_s") for r in fleet):
            ax2.plot(
                hosts,
                [r["machine_busy_cpu_s"] / cores for r in fleet],
                "^-.",
                color="tab:gray",
                label="all CPU of the machine ÷ cores (shared)",
            )
        hosts_panel(ax2, "s", "Wall time")
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


def kept_machine(old, section):
    """The machine and commit of the run that measured a section kept by --merge: the section's own (the cluster
    part records it), the one an earlier --merge kept it from, or the old run's."""
    own = old[section].get("machine") if isinstance(old[section], dict) else None
    return own or (old.get("kept_from") or {}).get(section) or old.get("machine")


def finish(results, out, args):
    results.setdefault("load_avg_end", [round(v, 2) for v in os.getloadavg()])
    cores = results["machine"]["cores"]
    for key in ("node", "node_mitogen"):
        if results.get(key):
            previous = (results.get(f"{key}_table") or {}).get("profile", {})
            results[f"{key}_table"] = node_table(results[key])
            # --report-only of an older run: its logs may be gone, the profile taken from them is not
            profile = results[f"{key}_table"]["profile"]
            profile.update({run: tasks for run, tasks in previous.items() if tasks and not profile.get(run)})
    if results.get("fleet"):
        results["fleet_table"] = bc.fleet_table(results["fleet"], cores)
    if results.get("fleet_mitogen"):
        results["fleet_mitogen_table"] = bc.fleet_table(results["fleet_mitogen"], cores)
    results["verdicts"] = verdicts(results)
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
        cluster_md = cb.markdown(results["cluster"])
        (out / "cluster-summary.md").write_text(cluster_md + "\n")
        if args.update_doc and update_doc(bl.REPO / "docs" / "benchmarks.md", cluster_md, CLUSTER_MARKS):
            log("updated the cluster section of docs/benchmarks.md")
        print(cluster_md)


def sizes(text):
    """--fleet-sizes / --cluster-sizes: positive counts, comma-separated, at least one."""
    try:
        values = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected counts like 10,50,100,200, got {text!r}") from None
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError(f"counts must be 1 or more, got {text!r}")
    return values


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--only", nargs="+", choices=["node", "fleet", "cluster"], default=["node", "fleet", "cluster"])
    p.add_argument("--reps", type=int, default=3, help="node repetitions per side (default 3)")
    p.add_argument(
        "--fleet-sizes",
        type=sizes,
        default=[10, 50, 100, 200],
        help="fleet hosts per step, comma-separated (default 10,50,100,200; P3 is the largest ÷ the smallest)",
    )
    p.add_argument("--fleet-reps", type=int, default=2, help="no-op reruns per fleet size (default 2)")
    p.add_argument("--fleet-start", type=int, default=301, help="first fleet host number (edgefleetN)")
    p.add_argument("--node-name", default="bench-node")
    p.add_argument("--nvme-size", type=int, default=4, help="GiB per NVMe")
    p.add_argument(
        "--cluster-sizes",
        type=sizes,
        default=[10, 100],
        help="cluster counts, comma-separated (default 10,100; P5 is the largest ÷ the smallest)",
    )
    p.add_argument("--cluster-reps", type=int, default=3, help="no-op reruns per cluster count (default 3)")
    p.add_argument(
        "--cluster-profile", type=int, default=None, help="cProfile one more no-op at this count (default: the largest)"
    )
    p.add_argument("--mitogen", action="store_true", help="also run with mitogen_linear (reported separately)")
    p.add_argument("--mitogen-reps", type=int, default=1)
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="results.json, csv, plots, summaries (default docs/bench; another dir for a trial: the doc is left alone)",
    )
    p.add_argument("--work", type=Path, default=bl.REPO / "tests" / "output" / "bench", help="logs of every run")
    p.add_argument(
        "--update-doc",
        dest="update_doc",
        action="store_true",
        default=None,
        help="write the generated sections of docs/benchmarks.md (default: only when --out is docs/bench)",
    )
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
    if args.update_doc is None:
        # A trial at small sizes goes to a scratch --out and must not replace the committed figures.
        args.update_doc = args.out.resolve() == DEFAULT_OUT.resolve()
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
                if f"{section}_table" in old:  # its profile comes from logs that may be gone
                    results[f"{section}_table"] = old[f"{section}_table"]
                results.setdefault("kept_from", {})[section] = kept_machine(old, section)
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

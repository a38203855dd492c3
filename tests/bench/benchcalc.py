# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure part of make bench: the targets of issue 17 (P1..P5b), statistics, the ping-play fit and the tables.

No I/O and no imports beyond the standard library, so tests/unit/test_bench_calc.py tests it on any
ansible-core. Every target is a ratio within one run: both sides of it ran on the same VM or fleet, at
nearly the same time, so a busy machine slows both alike.
"""

import statistics

# id -> (bound, what is measured); the bound is an upper bound on the ratio.
TARGETS = {
    "P1": (0.5, "node first converge ÷ hand-written baseline first converge (medians)"),
    "P2": (
        2.0,
        "node no-op rerun in ping units: (no-op wall − a) ÷ b, wall = a + k·b fitted to 1- and N-ping plays; 0 changed",
    ),
    "P3": (1.2, "fleet no-op of nodes.yml: (controller + hosts) CPU s per host, largest fleet ÷ smallest"),
    "P3b": (1.5, "fleet no-op: controller CPU per host ÷ that of a same-length ping play (worst size)"),
    "P5": (1.2, "rollout.yml no-op: controller CPU per cluster, largest count ÷ smallest"),
    "P5b": (1.3, "rollout.yml no-op at the largest count: wall ÷ (controller CPU ÷ cores)"),
}


def bound(target_id):
    return TARGETS[target_id][0]


def summary(values):
    """Median, min, max and count of a list of numbers, None values left out (None when nothing is left)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def verdict(target_id, value, **extra):
    """One target's entry in results.json: its id, what it measures, the value, the bound and whether it is met."""
    limit, measure = TARGETS[target_id]
    met = value <= limit and extra.get("changed_zero", True)
    return {"id": target_id, "measure": measure, "value": round(value, 3), "target": limit, "met": met, **extra}


# ---------------------------------------------------------------- P2: the ping-play fit


def ping_fit(points):
    """Least squares of wall = a + k·b over (k pings, wall s) points -> (a, b).

    a is what a play costs whatever it runs (ansible-playbook's start, inventory, the connection), b what one
    more module task costs on that host. At least two different k are needed, and b must come out positive."""
    ks = [point[0] for point in points]
    if len(set(ks)) < 2:
        raise ValueError(f"the ping fit needs plays of two different lengths, got k = {sorted(set(ks))}")
    k_mean = statistics.fmean(ks)
    w_mean = statistics.fmean(point[1] for point in points)
    b = sum((k - k_mean) * (w - w_mean) for k, w in points) / sum((k - k_mean) ** 2 for k in ks)
    if b <= 0:
        raise ValueError(f"the ping plays got no slower with more pings (b = {b:.3f} s): {points}")
    return w_mean - b * k_mean, b


def ping_units(wall, fit):
    """A wall time in units of one ping task beyond the play's fixed cost: (wall − a) ÷ b."""
    a, b = fit
    return (wall - a) / b


# ---------------------------------------------------------------- node: P1, P2


def node_ping_points(records):
    """(k, wall) of every ping play of the roles' repetitions: 1 ping and N pings."""
    return [(rec[run]["ping_tasks"], rec[run]["wall_s"]) for rec in records for run in ("ping1", "floor") if run in rec]


def node_verdicts(table, records):
    """P1 and P2 from the node table (medians) and the records (per repetition)."""
    ours, base = table["ours"], table["baseline"]
    out = {
        "P1": verdict(
            "P1",
            ours["converge"]["median"] / base["converge"]["median"],
            per_repetition=paired(records, lambda o, b: o["converge"]["wall_s"] / b["converge"]["wall_s"]),
        )
    }
    points = node_ping_points([r for r in records if r["side"] == "ours"])
    if len({point[0] for point in points}) >= 2:
        fit = ping_fit(points)
        per_rep = []
        for rec in records:
            if rec["side"] == "ours" and "ping1" in rec and "floor" in rec:
                rep_fit = ping_fit(node_ping_points([rec]))
                per_rep.append(round(ping_units(rec["noop"]["wall_s"], rep_fit), 2))
        out["P2"] = verdict(
            "P2",
            ping_units(ours["noop"]["median"], fit),
            changed_zero=not any(ours["noop_changed"]),
            fit_a_s=round(fit[0], 3),
            fit_b_s=round(fit[1], 3),
            per_repetition=per_rep,
        )
    return out


def paired(records, ratio):
    """ratio(ours, baseline) per repetition (both sides of one repetition ran back to back)."""
    values = []
    for rep in sorted({r["rep"] for r in records}):
        ours = next((r for r in records if r["rep"] == rep and r["side"] == "ours"), None)
        base = next((r for r in records if r["rep"] == rep and r["side"] == "baseline"), None)
        if ours and base:
            values.append(round(ratio(ours, base), 3))
    return values


# ---------------------------------------------------------------- fleet: P3, P3b


def fleet_row(size, runs, cores):
    """One fleet size's medians over its no-op reruns (and the ping play after each, when there is one)."""
    wall = summary([r["wall_s"] for r in runs])["median"]
    ctrl = summary([r["controller_cpu_s"] for r in runs])["median"]
    hosts = summary([r["hosts_cpu_s"] for r in runs])["median"]
    busy = summary([r.get("machine_busy_cpu_s") for r in runs])
    busy = busy["median"] if busy else None
    row = {
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
        "changed": sum(sum(s["changed"] for s in r["recap"].values()) for r in runs),
        # The machine is shared: what else ran during the play.
        "machine_busy_cpu_s": busy,
        "others_cpu_s": None if busy is None else max(busy - ctrl - hosts, 0.0),
        "wall_vs_machine_bound": None if busy is None else wall / (busy / cores),
        "load_1min": [r["load_1min_before"] for r in runs],
    }
    pings = [r["ping"] for r in runs if r.get("ping")]
    if pings:
        ping_ctrl = summary([p["controller_cpu_s"] for p in pings])["median"]
        row.update(
            ping_tasks=pings[0]["ping_tasks"],
            ping_wall_s=summary([p["wall_s"] for p in pings])["median"],
            ping_controller_cpu_s=ping_ctrl,
            ping_controller_cpu_per_host_s=ping_ctrl / size,
            controller_cpu_vs_ping=ctrl / ping_ctrl,
        )
    return row


def fleet_table(records, cores):
    return [
        fleet_row(size, [r for r in records if r["hosts"] == size], cores)
        for size in sorted({r["hosts"] for r in records})
    ]


def fleet_verdicts(rows):
    """P3 from the smallest to the largest fleet; P3b at every size that has a ping play, the worst one counts."""
    out = {}
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        out["P3"] = verdict(
            "P3", last["cpu_per_host_s"] / first["cpu_per_host_s"], from_hosts=first["hosts"], to_hosts=last["hosts"]
        )
    with_ping = [row for row in rows if "controller_cpu_vs_ping" in row]
    if with_ping:
        worst = max(with_ping, key=lambda row: row["controller_cpu_vs_ping"])
        out["P3b"] = verdict(
            "P3b",
            worst["controller_cpu_vs_ping"],
            hosts=worst["hosts"],
            per_size={row["hosts"]: round(row["controller_cpu_vs_ping"], 3) for row in with_ping},
        )
    return out


# ---------------------------------------------------------------- cluster: P5, P5b


def cluster_verdicts(table):
    """P5 and P5b from the cluster bench's table (one row per cluster count)."""
    by_size = {row["clusters"]: row for row in table}
    if len(by_size) < 2:
        return {}
    small, large = by_size[min(by_size)], by_size[max(by_size)]
    sizes = {"from_clusters": small["clusters"], "to_clusters": large["clusters"]}
    return {
        "P5": verdict("P5", large["cpu_per_cluster_s"] / small["cpu_per_cluster_s"], **sizes),
        "P5b": verdict("P5b", large["wall_vs_cpu_bound"], clusters=large["clusters"]),
    }


# ---------------------------------------------------------------- the targets table


def describe(item):
    """The target as measured in this run, with its sizes."""
    sizes = {
        "P3": ("from_hosts", "to_hosts", "hosts"),
        "P5": ("from_clusters", "to_clusters", "clusters"),
    }.get(item["id"])
    if sizes and sizes[0] in item:
        return f"{item['measure']} ({item[sizes[1]]} ÷ {item[sizes[0]]} {sizes[2]})"
    for key in ("hosts", "clusters"):
        if key in item:
            return f"{item['measure']} (at {item[key]} {key})"
    return item["measure"]


def targets_markdown(verdicts):
    """The targets table of the generated doc section: every target, measured or not in this run."""
    lines = [
        "| id | target (as measured in this run) | value | per repetition / size | bound | met |",
        "|---|---|---|---|---|---|",
    ]
    for target_id, (limit, measure) in TARGETS.items():
        item = verdicts.get(target_id)
        if item is None:
            lines.append(f"| {target_id} | {measure} | not measured in this run | — | ≤ {limit} | — |")
            continue
        detail = item.get("per_repetition") or item.get("per_size") or []
        if isinstance(detail, dict):
            detail = ", ".join(f"{k}: {v:.2f}" for k, v in detail.items())
        else:
            detail = ", ".join(f"{v:.2f}" for v in detail)
        extra = "" if item.get("changed_zero", True) else " (changed on the rerun)"
        lines.append(
            f"| {target_id} | {describe(item)} | {item['value']:.2f}{extra} | {detail or '—'} | ≤ {limit} "
            f"| {'yes' if item['met'] else '**no**'} |"
        )
    return lines

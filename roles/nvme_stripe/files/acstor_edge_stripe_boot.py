# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""acstor.edge stripes at boot, and their health as node-exporter textfile metrics.

  acstor-edge-stripe-boot boot              activate recorded stripes; rebuild ephemeral ones whose
                                            recorded members are all present and all blank
  acstor-edge-stripe-boot metrics DIR       write DIR/acstor_edge_stripes.prom
  acstor-edge-stripe-boot health            print the stripes' health as JSON (the executable local fact
                                            /etc/ansible/facts.d/acstor_edge_stripes.fact runs this)

Reads the records acstor.edge.nvme_stripe writes to /etc/acstor-edge/stripes/<name>.json. Installed by
the acstor.edge.nvme_stripe role. Standard library only; never fails the boot.
"""

import glob
import json
import os
import subprocess
import sys

RECORD_DIR = "/etc/acstor-edge/stripes"
MDADM_CONF_PATHS = ("/etc/mdadm/mdadm.conf", "/etc/mdadm.conf")


def log(message):
    print("acstor-edge-stripe-boot: %s" % message, flush=True)


def run(argv):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def records():
    for path in sorted(glob.glob(os.path.join(RECORD_DIR, "*.json"))):
        try:
            with open(path) as handle:
                record = json.load(handle)
        except (OSError, ValueError) as error:
            log("skipping unreadable %s: %s" % (path, error))
            continue
        record["_path"] = path
        yield record


def write_atomic(path, text):
    with open(path + ".tmp", "w") as handle:
        handle.write(text)
    os.rename(path + ".tmp", path)


def remember_new_md_uuid(record):
    """A rebuilt md array has a new UUID: put it in mdadm.conf and the record, so the next boot finds it."""
    rc, out, _err = run(["mdadm", "--detail", "--export", record["device"]])
    uuid = dict(line.split("=", 1) for line in out.splitlines() if "=" in line).get("MD_UUID", "") if rc == 0 else ""
    if not uuid:
        return
    name = record["name"]
    for conf in MDADM_CONF_PATHS:
        if os.path.exists(conf):
            with open(conf) as handle:
                lines = [line for line in handle.read().splitlines() if not line.startswith("ARRAY /dev/md/%s " % name)]
            lines.append("ARRAY /dev/md/%s metadata=1.2 UUID=%s name=any:%s" % (name, uuid, name))
            write_atomic(conf, "\n".join(lines) + "\n")
            break
    record["md_uuid"] = uuid
    path = record.pop("_path")
    write_atomic(path, json.dumps(record, indent=2, sort_keys=True) + "\n")


def members_present(record):
    return [m for m in record.get("members", []) if os.path.exists(m.get("by_id", ""))]


def stripe_exists(record):
    if record.get("mode") == "csi_vg":
        rc, out, _err = run(["vgs", "--noheadings", "-o", "vg_name", record.get("volume_group", "")])
        return rc == 0 and out.strip() == record.get("volume_group")
    return os.path.exists(record.get("device", ""))


def blank(paths):
    rc, out, err = run(["wipefs", "--no-act", "--json"] + paths)
    if rc != 0:
        log("cannot read signatures (%s): %s" % (" ".join(paths), err.strip()))
        return False
    return not (json.loads(out).get("signatures") if out.strip() else [])


def boot():
    run(["udevadm", "settle", "--timeout=30"])
    for record in records():
        name = record.get("name")
        if record.get("pending"):
            log("%s: its build was interrupted: leaving it to the next ansible run" % name)
            continue
        if record.get("backend") == "lvm":
            run(["vgchange", "--activate", "y", record.get("volume_group", "")])
        elif not os.path.exists(record.get("device", "")):
            run(["mdadm", "--assemble", "--scan"])
        if stripe_exists(record):
            log("%s: present" % name)
            continue
        if not record.get("ephemeral"):
            log("%s: missing and not ephemeral: leaving it alone" % name)
            continue
        members = record.get("members", [])
        present = members_present(record)
        if len(present) != len(members) or not members:
            log("%s: only %d of %d recorded members present: not rebuilding" % (name, len(present), len(members)))
            continue
        if not blank([m["by_id"] for m in members]):
            log("%s: a member holds data: not rebuilding" % name)
            continue
        log("%s: every member is blank (ephemeral disks after deallocation): rebuilding" % name)
        run(["modprobe", "-a", "dm_raid", "raid0", "md_mod"])
        for argv in record.get("rebuild", []):
            rc, _out, err = run(argv)
            if rc != 0:
                log("%s: %s failed: %s" % (name, " ".join(argv), err.strip()))
                break
        else:
            if record.get("backend") == "mdadm":
                remember_new_md_uuid(record)
            log("%s: rebuilt" % name)
    return 0


def mounted_paths():
    with open("/proc/self/mountinfo") as handle:
        return {line.split()[4] for line in handle if len(line.split()) > 4}


def device_size(path):
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return 0
    try:
        return os.lseek(handle, 0, os.SEEK_END)
    finally:
        os.close(handle)


def md_degraded(device):
    name = os.path.basename(os.path.realpath(device))
    try:
        with open("/sys/block/%s/md/array_state" % name) as handle:
            return handle.read().strip() in ("inactive", "broken", "")
    except OSError:
        return True


def stripe_health(record, mounts):
    """What the metrics and the health fact report for one recorded stripe."""
    up = stripe_exists(record)
    members = record.get("members", [])
    present = members_present(record)
    lost = sorted((m for m in members if m not in present), key=lambda m: m.get("serial", ""))
    mount = (record.get("mount") or {}).get("path")
    md_down = up and record.get("backend") == "mdadm" and md_degraded(record["device"])
    if lost:
        problem = "lost member(s) %s" % ", ".join("%s (%s)" % (m.get("serial"), m.get("by_id")) for m in lost)
    else:
        problem = "down" if not up else ("md array not running" if md_down else "")
    health = {
        "name": record.get("name"),
        "backend": record.get("backend"),
        "mode": record.get("mode"),
        "up": up,
        "members": len(members),
        "members_present": len(present),
        "lost": [m.get("serial", "") for m in lost],
        "lost_by_id": [m.get("by_id", "") for m in lost],
        "degraded": bool(problem),
        "problem": problem,
        "device": record.get("device", ""),
        "size": device_size(record["device"]) if record.get("device") else 0,
        "mount": mount,
        "mounted": bool(mount) and mount in mounts,
    }
    health["member_serials"] = [m.get("serial", "") for m in members]
    return health


def health_report():
    mounts = mounted_paths()
    stripes = {}
    for record in records():
        stripes[record.get("name")] = stripe_health(record, mounts)
    problems = ["stripe %s: %s" % (name, h["problem"]) for name, h in sorted(stripes.items()) if h["degraded"]]
    return {"stripes": stripes, "healthy": not problems, "problems": problems}


def health():
    sys.stdout.write(json.dumps(health_report(), sort_keys=True) + "\n")
    return 0


def metrics(directory):
    lines = [
        "# HELP acstor_edge_stripe_up 1 when the stripe's device (or CSI volume group) exists.",
        "# TYPE acstor_edge_stripe_up gauge",
    ]
    body = {"up": [], "members": [], "present": [], "member": [], "degraded": [], "size": [], "mounted": []}
    for health in health_report()["stripes"].values():
        labels = 'name="%s",backend="%s",mode="%s"' % (health["name"], health["backend"], health["mode"])
        body["up"].append("acstor_edge_stripe_up{%s} %d" % (labels, health["up"]))
        body["members"].append("acstor_edge_stripe_members{%s} %d" % (labels, health["members"]))
        body["present"].append("acstor_edge_stripe_members_present{%s} %d" % (labels, health["members_present"]))
        for serial in health["member_serials"]:
            body["member"].append(
                'acstor_edge_stripe_member_present{%s,serial="%s"} %d' % (labels, serial, serial not in health["lost"])
            )
        body["degraded"].append("acstor_edge_stripe_degraded{%s} %d" % (labels, health["degraded"]))
        if health["device"]:
            body["size"].append("acstor_edge_stripe_size_bytes{%s} %d" % (labels, health["size"]))
        if health["mount"]:
            body["mounted"].append(
                'acstor_edge_stripe_mounted{%s,path="%s"} %d' % (labels, health["mount"], health["mounted"])
            )
    lines += body["up"]
    for key, metric, text in (
        ("members", "members", "Members recorded for the stripe."),
        ("present", "members_present", "Recorded members present (by /dev/disk/by-id)."),
        ("member", "member_present", "1 when the recorded member with this serial is present."),
        ("degraded", "degraded", "1 when a member is missing or the stripe is down."),
        ("size", "size_bytes", "Size of the stripe device."),
        ("mounted", "mounted", "1 when the stripe's filesystem is mounted at its path."),
    ):
        lines += ["# HELP acstor_edge_stripe_%s %s" % (metric, text), "# TYPE acstor_edge_stripe_%s gauge" % metric]
        lines += body[key]
    target = os.path.join(directory, "acstor_edge_stripes.prom")
    os.makedirs(directory, exist_ok=True)
    with open(target + ".tmp", "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.rename(target + ".tmp", target)
    return 0


def main(argv):
    if argv[1:2] == ["boot"]:
        return boot()
    if argv[1:2] == ["metrics"] and len(argv) == 3:
        return metrics(argv[2])
    if argv[1:] == ["health"]:
        return health()
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

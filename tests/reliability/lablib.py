"""Lab helpers for the reliability suites: one edgelab VM, a converge of the nvme_stripe role that can be
frozen and killed at an exact point, protected disks with checksums, and the invariants every rerun must keep.

Used by tests/reliability (make faults) and the fast subset in tests/functional/reliability.

How a kill point is hit deterministically: a watcher runs on the guest (under systemd-run, outside any ssh
session) and polls a shell condition (an md device appeared, a member lost its old signature, fstab gained the
line...). The moment it holds, the watcher SIGSTOPs the Ansible process group on the guest (mitogen's
interpreter and every command it started), so nothing moves on. The controller then does the fault:
  ssh         SIGKILL that process group on the guest (what a dropped SSH connection does to the module)
  controller  SIGKILL ansible-playbook's whole process group on the controller, then SIGCONT the guest side
  power       reset the VM without shutdown (edgelab reboot --hard: QEMU system_reset)
"""

import importlib.util
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests" / "lab"))

import edgelab as lab  # noqa: E402  pylint: disable=wrong-import-position


def _tests_conftest():
    # tests/conftest.py by path: several conftest modules exist, and "import conftest" picks whichever came first
    spec = importlib.util.spec_from_file_location("acstor_edge_tests_conftest", REPO_ROOT / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ansible_environment = _tests_conftest().ansible_environment

# tests/ is on sys.path once tests/conftest.py ran
from acstor_testlib import mitogen_strategy_env  # noqa: E402  pylint: disable=wrong-import-position

MOUNT = "/srv/data"
STRIPE = "data"
RECORD = "/etc/acstor-edge/stripes/%s.json" % STRIPE
WATCH_DIR = "/run/acstor-rel"
PROTECTED_HASH_BYTES = 64  # MiB hashed at the start of a protected disk: superblocks, journal and the seeded file


def _brokered_edgelab(path, args, timeout):
    """edgelab run by the host for tests in a root without QEMU (tests/versions/coreenv.py LabBroker)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(path)
        conn.sendall(json.dumps([str(a) for a in args]).encode() + b"\n")
        with conn.makefile("rb") as reply:
            answer = json.loads(reply.readline())
    return subprocess.CompletedProcess(
        ["edgelab"] + list(args), answer["returncode"], answer["stdout"], answer["stderr"]
    )


class LabNode:
    """One edgelab VM, created by this process and stopped by it."""

    def __init__(self, name, models, size=2, sizes=None):
        self.name = name
        args = ["up", name, "--nvme", str(len(models)), "--size", str(size), "--model"] + list(models)
        if sizes:
            args += ["--sizes", ",".join(str(s) for s in sizes)]
        started = time.monotonic()
        self.info = json.loads(self.edgelab(*args).stdout.strip().splitlines()[-1])
        self.up_seconds = round(time.monotonic() - started, 1)
        self.node = lab.load_node(name)
        self.port = self.node["port"]
        self.serials = [d["serial"] for d in self.info["disks"]]
        self.models = {d["serial"]: d["model"] for d in self.info["disks"]}

    @staticmethod
    def edgelab(*args, check=True, timeout=900):
        if os.environ.get("ACSTOR_LAB_BROKER"):
            proc = _brokered_edgelab(os.environ["ACSTOR_LAB_BROKER"], args, timeout)
        else:
            proc = subprocess.run(
                [sys.executable, str(REPO_ROOT / "tests" / "lab" / "edgelab.py")] + list(args),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        if check and proc.returncode != 0:
            raise AssertionError("edgelab %s failed: %s" % (" ".join(args), proc.stderr[-2000:]))
        return proc

    @staticmethod
    def guest(name, command, attempts=5):
        """The output of command on lab node name through `edgelab ssh`; ssh's own failures (rc 255: a banner timeout
        on a loaded host) are retried."""
        for _attempt in range(attempts - 1):
            proc = LabNode.edgelab("ssh", name, "--", command, check=False)
            if proc.returncode != 255:
                break
            time.sleep(10)
        else:
            proc = LabNode.edgelab("ssh", name, "--", command, check=False)
        assert proc.returncode == 0, f"{command!r} failed on the node (rc {proc.returncode}): {proc.stderr}"
        return proc.stdout

    @staticmethod
    def write_inventory(path):
        """edgelab's inventory of the nodes up, at path, with a connect timeout a loaded 2-core host can meet (edgelab's
        3 s can be missed, as tests/functional/e2e/e2e_fleet.py says)."""
        LabNode.edgelab("inventory", "-o", str(path))
        path.write_text(path.read_text().replace("ConnectTimeout=3", "ConnectTimeout=30"))
        return path

    def down(self):
        self.edgelab("down", self.name, check=False)

    def sh(self, command, check=True, timeout=300):
        # a loaded 2-core host can miss edgelab's 3 s connect timeout: retry what never reached the guest
        argv = list(lab.ssh_base(self.port))
        argv[argv.index("ConnectTimeout=3")] = "ConnectTimeout=30"
        for _attempt in range(5):
            result = subprocess.run(
                argv + [command], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False
            )
            if result.returncode != 255 or "Connection timed out" not in result.stderr + result.stdout:
                break
            time.sleep(2)
        if check and result.returncode != 0:
            raise AssertionError(
                "guest command failed (%d): %s\n%s%s" % (result.returncode, command, result.stdout, result.stderr)
            )
        return result.stdout

    def by_id(self, serial):
        return "/dev/disk/by-id/nvme-%s_%s_1" % (self.models[serial].replace(" ", "_"), serial)

    def reboot(self, hard=False):
        return lab.reboot_node(lab.load_node(self.name), hard=hard)

    def replug(self, order):
        return json.loads(
            self.edgelab("replug", self.name, "--order", ",".join(str(i) for i in order))
            .stdout.strip()
            .splitlines()[-1]
        )

    def unplug(self, serial):
        self.edgelab("unplug", self.name, "--serial", serial)

    def inventory(self, path):
        host = dict(lab.inventory()["_meta"]["hostvars"][self.name])
        # a loaded 2-core host can miss edgelab's 3 s connect timeout
        host["ansible_ssh_common_args"] = host["ansible_ssh_common_args"].replace(
            "ConnectTimeout=3", "ConnectTimeout=30"
        )
        Path(path).write_text(yaml.safe_dump({"all": {"hosts": {self.name: host}}}))
        return path

    # ---- protected data
    def seed_protected(self, serial, fstype="ext4"):
        """A filesystem with a file of random data on a disk no stripe may touch; returns its checksum."""
        dev = self.by_id(serial)
        mkfs = "mkfs.ext4 -q -F -L protected" if fstype == "ext4" else "mkfs.xfs -q -f -L protected"
        self.sh(
            "set -e; %s %s; mkdir -p /mnt/prot; mount %s /mnt/prot; head -c 4M /dev/urandom > /mnt/prot/precious;"
            " sha256sum /mnt/prot/precious > /mnt/prot/precious.sha; umount /mnt/prot; sync" % (mkfs, dev, dev)
        )
        return self.checksum(serial)

    def checksum(self, serial):
        return self.sh(
            "dd if=%s bs=1M count=%d status=none iflag=direct | sha256sum" % (self.by_id(serial), PROTECTED_HASH_BYTES)
        ).split()[0]

    def protected_file_intact(self, serial):
        dev = self.by_id(serial)
        # a plain read-only mount of xfs still writes its log: norecovery (xfs) / noload (ext4) write nothing
        options = "ro,norecovery" if "xfs" in self.sh("blkid -p -s TYPE -o value %s; true" % dev) else "ro,noload"
        out = self.sh(
            "mkdir -p /mnt/prot && mount -o %s %s /mnt/prot && (cd /mnt/prot && sha256sum -c precious.sha);"
            " rc=$?; umount /mnt/prot; exit $rc" % (options, dev),
            check=False,
        )
        return "precious: OK" in out

    # ---- stripe state
    def reset_stripes(self, members):
        """Remove every trace of stripes from earlier cases (raw commands, not the module under test)."""
        devs = " ".join(self.by_id(s) for s in members)
        # process groups left by an interrupted run (frozen or still running) go first
        self.sh(
            "for pg in $(ps -eo pgid=,args= | awk '$2 ~ /mitogen:/ {print $1}' | sort -u); do kill -KILL -- -$pg;"
            " done; true"
        )
        self.sh(
            "systemctl stop acstor-rel-watch.service 2>/dev/null; systemctl reset-failed 2>/dev/null;"
            ' umount -q %(mount)s 2>/dev/null; for m in /dev/md/*; do [ -e "$m" ] && mdadm --stop "$m"; done 2>/dev/null;'
            " for v in $(vgs --noheadings -o vg_name 2>/dev/null); do vgremove -ff -y $v; done >/dev/null 2>&1;"
            " wipefs -q -a %(devs)s; sed -i '\\# %(mount)s #d' /etc/fstab; rm -rf /etc/acstor-edge %(mount)s %(watch)s;"
            " systemctl disable -q --now acstor-edge-stripes.service acstor-edge-stripe-metrics.timer 2>/dev/null;"
            " rm -f /etc/systemd/system/acstor-edge-* /etc/.acstor-edge-* /etc/mdadm/.acstor-edge-*;"
            " sed -i '/^ARRAY/d' /etc/mdadm/mdadm.conf;"
            " systemctl daemon-reload; true" % {"mount": MOUNT, "devs": devs, "watch": WATCH_DIR},
            timeout=300,
        )

    def invariants(self, backend, members, protected):
        """Problems after a rerun (empty when fine): one stripe, one mount, one fstab line, one mdadm.conf line,
        boot unit enabled and not failed, no temp files left, record naming the members, protected data intact."""
        problems = []
        state = json.loads(
            self.sh(
                r"""python3 - <<'EOF'
import glob, json, os, subprocess
def out(*a):
    return subprocess.run(a, capture_output=True, text=True).stdout
print(json.dumps({
  "mdstat": open("/proc/mdstat").read(),
  "md_names": sorted(os.listdir("/dev/md")) if os.path.isdir("/dev/md") else [],
  "vgs": out("vgs", "--noheadings", "-o", "vg_name").split(),
  "lvs": out("lvs", "--noheadings", "-o", "vg_name,lv_name").split(),
  "mounts": [l.split()[1] for l in open("/proc/mounts") if l.split()[1] == "%(mount)s"],
  "fstab": [l for l in open("/etc/fstab") if " %(mount)s " in l],
  "mdconf": [l for l in open("/etc/mdadm/mdadm.conf") if l.startswith("ARRAY")],
  "record": json.load(open("%(record)s")) if os.path.exists("%(record)s") else None,
  "temps": glob.glob("/etc/.acstor-edge-*") + glob.glob("/etc/acstor-edge/stripes/.acstor-edge-*")
           + glob.glob("/etc/mdadm/.acstor-edge-*"),
  "unit_enabled": out("systemctl", "is-enabled", "acstor-edge-stripes.service").strip(),
  "failed_units": out("systemctl", "list-units", "--failed", "--plain", "--no-legend").strip(),
}))
EOF"""
                % {"mount": MOUNT, "record": RECORD}
            )
        )
        md_lines = [ln for ln in state["mdstat"].splitlines() if ln.startswith("md")]
        if backend == "mdadm":
            if len(md_lines) != 1 or state["md_names"] != [STRIPE]:
                problems.append("md arrays: %s, /dev/md: %s" % (md_lines, state["md_names"]))
            if len(state["mdconf"]) != 1:
                problems.append("mdadm.conf ARRAY lines: %s" % state["mdconf"])
        else:
            if md_lines:
                problems.append("unexpected md arrays: %s" % md_lines)
            if state["vgs"] != [STRIPE] or state["lvs"] != [STRIPE, STRIPE]:
                problems.append("VGs %s, LVs %s" % (state["vgs"], state["lvs"]))
        if len(state["mounts"]) != 1:
            problems.append("%s mounted %d times" % (MOUNT, len(state["mounts"])))
        if len(state["fstab"]) != 1:
            problems.append("fstab lines for %s: %s" % (MOUNT, state["fstab"]))
        record = state["record"] or {}
        if sorted(m.get("serial") for m in record.get("members", [])) != sorted(members):
            problems.append("record members %s, wanted %s" % (record.get("members"), sorted(members)))
        if state["temps"]:
            problems.append("temporary files left: %s" % state["temps"])
        if state["unit_enabled"] != "enabled":
            problems.append("boot unit is %r" % state["unit_enabled"])
        if state["failed_units"]:
            problems.append("failed units: %s" % state["failed_units"])
        for serial, digest in protected.items():
            if self.checksum(serial) != digest:
                problems.append("protected disk %s changed" % serial)
            elif not self.protected_file_intact(serial):
                problems.append("protected file on %s unreadable" % serial)
        return problems


# ---- the converge


def stripe_item(backend, members, force=False, **extra):
    item = {
        "name": STRIPE,
        "backend": backend,
        "devices": list(members),
        "filesystem": "xfs",
        "mount_path": MOUNT,
        "force": force,
    }
    item.update(extra)
    return item


class Converge:
    """ansible-playbook running the nvme_stripe role on the node, in its own process group."""

    def __init__(self, node, workdir, items, mitogen=True, role_vars=None):
        self.node = node
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.inventory = node.inventory(self.workdir / "inventory.yml")
        variables = {"nvme_stripe_update_initramfs": False, "nvme_stripe_list": items}
        variables.update(role_vars or {})
        (self.workdir / "vars.json").write_text(json.dumps(variables))
        (self.workdir / "play.yml").write_text(
            yaml.safe_dump(
                [{"hosts": node.name, "gather_facts": False, "roles": [{"role": "acstor.edge.nvme_stripe"}]}]
            )
        )
        self.env = ansible_environment(
            ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
            ANSIBLE_CALLBACK_RESULT_FORMAT="json",
            ANSIBLE_TIMEOUT="60",
        )
        if mitogen:
            self.env.update(mitogen_strategy_env())
        self.count = 0

    def command(self, extra=()):
        return [
            "ansible-playbook",
            "-i",
            str(self.inventory),
            "-e",
            "@" + str(self.workdir / "vars.json"),
            str(self.workdir / "play.yml"),
        ] + list(extra)

    def start(self, extra=()):
        self.count += 1
        self.log = self.workdir / ("run%d.log" % self.count)
        self.handle = open(self.log, "w")  # pylint: disable=consider-using-with
        # stdin from /dev/null: an ssh run earlier in this process may have left the inherited one non-blocking,
        # which ansible-playbook refuses
        self.proc = subprocess.Popen(
            self.command(extra),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self.proc

    def wait(self, timeout=1200):
        rc = self.proc.wait(timeout)
        self.handle.close()
        return rc, self.log.read_text()

    def run(self, extra=(), timeout=1200):
        self.start(extra)
        return self.wait(timeout)

    def kill(self):
        """SIGKILL ansible-playbook's process group and its descendants in other sessions (mitogen's mux)."""
        family = descendants(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in family:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return self.wait(60)


def descendants(root):
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def recap(output, host):
    for line in output.splitlines():
        if line.startswith(host) and "ok=" in line:
            return dict(part.split("=") for part in line.split(":", 1)[1].split())
    return {}


# ---- kill points

WATCHER = r"""#!/bin/bash
# acstor reliability watcher: wait for CONDITION, freeze the Ansible process group, report what was seen.
cond="$1"; dir=%(dir)s
mkdir -p $dir
exec 2>/var/tmp/acstor-rel-watch.err
trap 'echo "watcher got a signal" >&2' TERM HUP INT PIPE
deadline=$((SECONDS + ${2:-1200}))
while ! eval "$cond" >/dev/null 2>&1; do
  [ $SECONDS -ge $deadline ] && { echo timeout > $dir/result; exit 0; }
  sleep 0.02
done
set -x
# mitogen's interpreter on the guest is a session leader; its group holds the module and the commands it runs
pg=$(ps -eo pid=,pgid=,args= --sort=start_time | awk '$1 == $2 && $3 ~ /^\/usr\/bin\/python3\(mitogen:/ {p = $2} END {print p}')
[ -n "$pg" ] && kill -STOP -- -$pg
echo "${pg:-none}" > $dir/pgid
# probes get a time limit: a frozen mdadm --create can leave the new md device blocking its readers
{ echo "--- mdstat"; cat /proc/mdstat; echo "--- blkid"; timeout 10 blkid -p %(devs)s 2>&1;
  for d in /dev/md/* /dev/%(stripe)s/*; do [ -e "$d" ] && timeout 5 blkid -p "$d" 2>&1; done;
  echo "--- fstab"; grep " %(mount)s " /etc/fstab; echo "--- mounted"; grep " %(mount)s " /proc/mounts;
  echo "--- record"; ls /etc/acstor-edge/stripes 2>&1; echo "--- unit"; ls /etc/systemd/system/acstor-edge-* 2>&1; } > $dir/state 2>&1
echo hit > $dir/result
"""


def conditions(node, members, seeded_type="ext4"):
    """Shell conditions for the kill points, by name (evaluated by the guest watcher)."""
    m0 = node.by_id(members[0])
    devs = " ".join(node.by_id(s) for s in members)
    return {
        # every member lost the signature we seeded: wipefs ran
        "wiped": "! blkid -p -s TYPE -o value %s | grep -q %s" % (devs, seeded_type),
        "md_created": "test -b /dev/md/%s" % STRIPE,
        "pv_created": "blkid -p -s TYPE -o value %s | grep -q LVM2_member" % m0,
        "vg_created": "vgs --noheadings %s" % STRIPE,
        "lv_created": "test -b /dev/%s/%s" % (STRIPE, STRIPE),
        "mkfs": "blkid -p -s TYPE -o value $(readlink -f /dev/md/%s /dev/%s/%s 2>/dev/null | head -1) | grep -q xfs"
        % (STRIPE, STRIPE, STRIPE),
        "fstab": "grep -q ' %s ' /etc/fstab" % MOUNT,
        "mounted": "grep -q ' %s ' /proc/mounts" % MOUNT,
        "recorded": "test -s %s" % RECORD,
        "boot_unit": "test -e /etc/systemd/system/acstor-edge-stripes.service",
    }


def start_watcher(node, condition, members):
    devs = " ".join(node.by_id(s) for s in members)
    script = WATCHER % {"dir": WATCH_DIR, "devs": devs, "mount": MOUNT, "stripe": STRIPE}
    node.sh(
        "mkdir -p %s && cat > %s/watch.sh <<'EOF'\n%sEOF\nchmod +x %s/watch.sh && rm -f %s/result %s/pgid"
        % (WATCH_DIR, WATCH_DIR, script, WATCH_DIR, WATCH_DIR, WATCH_DIR)
    )
    # /run is mounted noexec: run the script through bash; real-time priority so it wins the race on a busy guest
    node.sh(
        "systemctl reset-failed acstor-rel-watch 2>/dev/null; systemd-run --quiet --unit acstor-rel-watch "
        "/bin/bash %s/watch.sh %s" % (WATCH_DIR, shlex.quote(condition))
    )


def wait_hit(node, converge, timeout=900):
    """Wait until the watcher froze the guest side (or the converge ended first). Returns the state seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = node.sh("cat %s/result 2>/dev/null || systemctl is-active acstor-rel-watch; true" % WATCH_DIR).strip()
        if result in ("failed", "inactive"):
            # the watcher may have written its result and exited between the cat and the is-active
            result = node.sh("cat %s/result 2>/dev/null; true" % WATCH_DIR).strip() or result
        if result in ("failed", "inactive"):
            raise AssertionError(
                "the guest watcher is not running: "
                + node.sh(
                    "journalctl -u acstor-rel-watch --no-pager | tail -5; ls -la %s; tail -30 /var/tmp/acstor-rel-watch.err"
                    % WATCH_DIR
                )
            )
        if result == "hit":
            return node.sh("cat %s/state %s/pgid" % (WATCH_DIR, WATCH_DIR))
        if result == "timeout":
            raise AssertionError("watcher timed out")
        if converge.proc.poll() is not None:
            raise AssertionError(
                "the converge ended before the kill point was reached:\n" + converge.log.read_text()[-3000:]
            )
        time.sleep(0.5)
    raise AssertionError("kill point not reached in %d s" % timeout)


def guest_pgid(node):
    text = node.sh("cat %s/pgid" % WATCH_DIR).strip()
    return None if text in ("", "none") else int(text)


def wait_guest_group_gone(node, pgid, timeout=600):
    if pgid is None:
        return 0.0
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if node.sh("pgrep -g %d >/dev/null && echo alive; true" % pgid).strip() != "alive":
            return round(time.monotonic() - started, 1)
        time.sleep(2)
    raise AssertionError("the interrupted run's processes (pgid %d) are still running on the guest" % pgid)


def inject(node, converge, method):
    """Do the fault once the watcher froze the guest side; returns a short note of what happened."""
    pgid = guest_pgid(node)
    if method == "ssh":
        if pgid:
            node.sh("kill -KILL -- -%d" % pgid)
        try:
            rc, _out = converge.wait(180)
        except subprocess.TimeoutExpired:
            converge.kill()
            return "guest process group killed; ansible-playbook did not notice within 180 s and was killed"
        return "guest process group killed; ansible-playbook rc %d" % rc
    if method == "controller":
        converge.kill()
        if pgid:
            node.sh("kill -CONT -- -%d" % pgid)
        lingered = wait_guest_group_gone(node, pgid)
        return "ansible-playbook killed; guest side ran on for %.1f s" % lingered
    if method == "power":
        converge.kill()
        seconds = node.reboot(hard=True)
        return "power cut (system_reset); back in %.1f s" % seconds
    raise ValueError(method)

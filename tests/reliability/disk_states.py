"""The safe-mode disk states matrix, shared by tests/reliability/test_disk_states.py and the CI subset.

One VM with 8 NVMe, each seeded with something nvme_stripe did not create (ext4, xfs, GPT, MBR, a foreign LVM PV,
a foreign md member, active swap, a mounted filesystem). The module is run for real (not check mode) on each
disk: every refusal must name the device (its serial) and the reason, and the first 64 MiB of every disk must
be unchanged afterwards. Then mixed sizes and a non-local model."""

import json

from lablib import LabNode, lab

MODELS = ["local", "data", "local", "local", "local", "local", "local", "local"]
SIZES = [2, 2, 2, 2, 2, 2, 2, 3]

# A partition table written byte by byte: the guest image has no sfdisk/parted, and this needs no tool.
PARTITION_WRITER = r"""import os, struct, sys, uuid, zlib
dev, kind = sys.argv[1], sys.argv[2]
fd = os.open(dev, os.O_RDWR)
sectors = os.lseek(fd, 0, os.SEEK_END) // 512
mbr = bytearray(512)
if kind == "gpt":
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\0\2\0", 0xEE, b"\xff\xff\xff", 1, min(sectors - 1, 0xFFFFFFFF))
    entry = struct.pack("<16s16sQQQ72s", uuid.UUID("0FC63DAF-8483-4772-8E79-3D69D8477DE4").bytes_le,
                        uuid.uuid4().bytes_le, 2048, 4095, 0, "foreign".encode("utf-16-le"))
    entries = entry + bytes(128 * 127)
    header = struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x10000, 92, 0, 0, 1, sectors - 1, 34, sectors - 34,
                         uuid.uuid4().bytes_le, 2, 128, 128, zlib.crc32(entries))
    header = header[:16] + struct.pack("<I", zlib.crc32(header)) + header[20:]
    os.pwrite(fd, header + bytes(512 - len(header)), 512)
    os.pwrite(fd, entries, 1024)
else:
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\0\2\0", 0x83, b"\xff\xff\xff", 2048, 2048)
mbr[440:444] = os.urandom(4)
mbr[510:512] = b"\x55\xaa"
os.pwrite(fd, bytes(mbr), 0)
os.fsync(fd)
os.close(fd)
"""

# udev still probes the disk the writer just closed (BLKRRPART then says "busy"): settle and retry.
REREAD_PARTITIONS = (
    "for try in 1 2 3 4 5; do udevadm settle; blockdev --rereadpt DEV 2>/dev/null && break; "
    'sleep 1; done && test -n "$(lsblk -n -o NAME DEV | sed 1d)"'
)

# slot: (state, seed command for DEV, words the refusal must hold besides the serial)
STATES = {
    0: (
        "ext4 with data",
        "mkfs.ext4 -q -F -L foreign DEV && mkdir -p /mnt/s0 && mount DEV /mnt/s0 && "
        "head -c 1M /dev/urandom > /mnt/s0/f && umount /mnt/s0",
        ["ext4"],
    ),
    1: ("xfs on a data-disk model", "mkfs.xfs -q -f -L foreign DEV", ["xfs"]),
    2: ("GPT partition table", "python3 /run/ptwrite.py DEV gpt && " + REREAD_PARTITIONS, ["gpt"]),
    3: ("MBR partition table", "python3 /run/ptwrite.py DEV mbr && " + REREAD_PARTITIONS, ["dos"]),
    4: ("foreign LVM PV in VG foreignvg", "pvcreate -q DEV && vgcreate -q foreignvg DEV", ["LVM2_member"]),
    5: (
        "foreign md member (stopped array)",
        "mdadm --create /dev/md/foreign --run --level=1 --raid-devices=2 "
        "--metadata=1.2 DEV missing && mdadm --stop /dev/md/foreign",
        ["linux_raid_member"],
    ),
    6: ("active swap", "mkswap -q DEV && swapon DEV", ["swap"]),
    7: ("mounted ext4", "mkfs.ext4 -q -F -L busy DEV && mkdir -p /mnt/busy && mount DEV /mnt/busy", ["mounted at"]),
}


def start_node(name):
    return LabNode(name, MODELS, sizes=SIZES)


def seed(node):
    node.sh("cat > /run/ptwrite.py <<'EOF'\n%sEOF" % PARTITION_WRITER)
    for slot, (_state, command, _words) in STATES.items():
        node.sh("set -e; " + command.replace("DEV", node.by_id(node.serials[slot])), timeout=300)
    node.sh("udevadm settle")
    return {serial: node.checksum(serial) for serial in node.serials}


def module_cases(node):
    """(case name, nvme_stripe args, serials that must be named, words) for one playbook of blocks."""
    cases = []
    for slot, (state, _command, words) in STATES.items():
        serial = node.serials[slot]
        cases.append(
            (
                state,
                {"name": "s%d" % slot, "devices": [serial], "filesystem": "xfs", "mount_path": "/srv/s%d" % slot},
                [serial],
                words,
            )
        )
    cases.append(
        (
            "mixed sizes (2 GiB + 3 GiB)",
            {"name": "mixed", "devices": [node.serials[0], node.serials[7]], "backend": "mdadm"},
            [node.serials[0], node.serials[7]],
            ["mixed sizes", "size_tolerance"],
        )
    )
    cases.append(
        (
            "force cannot clear a mounted disk",
            {"name": "forced", "devices": [node.serials[7]], "force": True},
            [node.serials[7]],
            ["mounted at /mnt/busy"],
        )
    )
    cases.append(
        (
            "force cannot clear active swap",
            {"name": "forcedswap", "devices": [node.serials[6]], "force": True},
            [node.serials[6]],
            ["swap"],
        )
    )
    return cases


def run_matrix(node, workdir):
    """Returns (rows, problems); rows are for docs/reliability.md."""
    from lablib import Converge  # pylint: disable=import-outside-toplevel

    before = seed(node)
    cases = module_cases(node)
    runner = Converge(node, workdir, [])
    tasks = []
    for name, args, _serials, _words in cases:
        tasks.append(
            {
                "name": name,
                "block": [
                    # update_initramfs is an mdadm-only option: nvme_stripe refuses it with backend lvm
                    {
                        "name": "run " + name,
                        "acstor.edge.nvme_stripe": dict(args, update_initramfs=False)
                        if args.get("backend") == "mdadm"
                        else args,
                    },
                    {
                        "name": "accepted " + name,
                        "ansible.builtin.set_fact": {
                            "matrix": "{{ matrix | combine({%s: 'ACCEPTED'}) }}" % json.dumps(name)
                        },
                    },
                ],
                "rescue": [
                    {
                        "name": "refused " + name,
                        "ansible.builtin.set_fact": {
                            "matrix": "{{ matrix | combine({%s: ansible_failed_result.msg}) }}" % json.dumps(name)
                        },
                    }
                ],
            }
        )
    tasks.append(
        {
            "name": "selector class local leaves the data-disk model out",
            "check_mode": True,
            "block": [
                {
                    "name": "selector",
                    "register": "selector_result",
                    "ignore_errors": True,
                    "acstor.edge.nvme_stripe": {"name": "sel", "selector": {"class": "local"}},
                }
            ],
        }
    )
    out = workdir / "matrix.json"
    tasks.append(
        {
            "name": "table",
            "delegate_to": "localhost",
            "ansible.builtin.copy": {
                "content": "{{ {'matrix': matrix, 'selector': selector_result} | to_json }}",
                "dest": str(out),
                "mode": "0600",
            },
        }
    )
    import yaml  # pylint: disable=import-outside-toplevel

    (workdir / "play.yml").write_text(
        yaml.safe_dump(
            [{"hosts": node.name, "gather_facts": False, "vars": {"matrix": {}}, "tasks": tasks}], sort_keys=False
        )
    )
    rc, output = runner.run()
    assert out.exists(), output[-3000:]
    table = json.loads(out.read_text())
    rows, problems = [], []
    kernel_names = {serial: "/dev/" + name for name, serial in lab.nvme_names(lab.load_node(node.name)).items()}
    for name, _args, serials, words in cases:
        msg = table["matrix"].get(name, "no result")
        # a device counts as named by its serial or by its current kernel name
        missing = [s for s in serials if s not in msg and kernel_names.get(s, s) not in msg]
        missing += [w for w in words if w.lower() not in msg.lower()]
        ok = msg != "ACCEPTED" and not missing
        rows.append({"state": name, "refused": msg != "ACCEPTED", "message": msg[:600], "passed": ok})
        if not ok:
            problems.append("%s: %s (missing %s)" % (name, msg[:400], missing))
    selector = table["selector"]
    data_serial = node.serials[1]
    named = json.dumps(selector)
    rows.append(
        {
            "state": "selector class local with a data-disk model present",
            "refused": bool(selector.get("failed")),
            "message": (selector.get("msg") or ", ".join(selector.get("actions", [])))[:600],
            "passed": data_serial not in named,
        }
    )
    if data_serial in named:
        problems.append("selector class local picked or named the data disk %s: %s" % (data_serial, named[:600]))
    after = {serial: node.checksum(serial) for serial in node.serials}
    changed = [s for s in node.serials if before[s] != after[s]]
    if changed:
        problems.append("foreign data changed on %s" % changed)
    rows.append(
        {
            "state": "checksums (first 64 MiB of all 8 disks)",
            "refused": True,
            "message": "changed: %s" % (changed or "none"),
            "passed": not changed,
        }
    )
    return rows, problems

"""Run the collection's tests on the other ansible-core versions it claims (meta/runtime.yml).

The main venv (.venv) carries ansible-core 2.19. This tool makes one more environment per version:

- ``2.17``: a venv from the host's Python 3.11 (ansible-core 2.17 runs on 3.10-3.12).
- ``2.21``: ansible-core 2.21 needs Python >= 3.12 and the host has 3.11, so the venv lives in a
  Debian 13 (trixie) root made with mmdebstrap, whose python3 is 3.13; commands run there with chroot
  in a mount namespace of their own. The work tree is bind-mounted at the same path inside, so paths (helm
  under .lab/tools, the lab's key and node files) still hold, and the network is the host's (127.0.0.1).
  Lab VMs stay on the host: tests in the root ask the host's edgelab for them (LabBroker), and only the
  controller (pytest, ansible-playbook, ssh) runs inside.

Roots and venvs are cached under .lab/ by a hash of their recipe (like the lab image): a clean clone
pays once (measured in README.md), later runs reuse them.

    coreenv.py prepare VERSION          build (or reuse) the environment
    coreenv.py sanity VERSION           ansible-test sanity on the installed collection
    coreenv.py pytest VERSION PATH...   pytest on the given paths (unit, functional, e2e...)
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
HOME = Path(os.environ.get("EDGELAB_HOME", REPO / ".lab")).resolve()
COLLECTIONS = REPO / ".collections"
MIRROR = os.environ.get("EDGELAB_MIRROR", "http://deb.debian.org/debian")

# What each version is tested with. `ansible` is the community package whose bundled collections
# (ansible.posix, community.general, kubernetes.core) the tests run against.
# ansible 14 bundles ansible-core 2.21 and collections newer than galaxy.yml's minimums. The ansible
# package of 2.17 (10.x) bundles collections older than those minimums, so 2.17 runs with ansible 12.3.0's
# collections (the minimums themselves, as on 2.19), installed without its ansible-core requirement:
# what a 2.17 user gets from `ansible-galaxy collection install acstor.edge`.
VERSIONS = {
    "2.17": {
        "core": "ansible-core==2.17.14",
        "ansible": "ansible==12.3.0",
        "no_deps": True,
        "python": "3.11",
        "root": None,
    },
    "2.21": {"core": "ansible-core==2.21.5", "ansible": "ansible==14.5.0", "python": "3.13", "root": "trixie"},
}

# Debian 13 root: what a venv with the test requirements needs (ansible-test needs git), and the ssh client the
# controller reaches lab VMs with. No QEMU: lab VMs run on the host (see LabBroker).
ROOT_SUITE = "trixie"
ROOT_PACKAGES = ["python3", "python3-venv", "ca-certificates", "git", "openssh-client"]

# The test requirements minus what only the main venv needs (linters, docs, Molecule, plots).
MAIN_ONLY = (
    "ansible==",
    "ansible-core==",
    "ansible-lint",
    "ansible-builder",
    "molecule",
    "matplotlib",
    "galaxy-importer",
    "antsibull-docs",
    "sphinx",
    "myst-parser",
    "pytest-testinfra",
    "mitogen",
    "ansible-runner",
)


def log(message):
    print(f"coreenv: {message}", file=sys.stderr, flush=True)


def test_requirements():
    lines = [line.split("#")[0].strip() for line in (REPO / "tests" / "requirements.txt").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("-r") and not line.lower().startswith(MAIN_ONLY)]


def requirements(version):
    spec = VERSIONS[version]
    runtime = [line.split("#")[0].strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    bundle = [] if spec.get("no_deps") else [spec["ansible"]]
    return [spec["core"], *bundle, *test_requirements(), *[line for line in runtime if line]]


def recipe(version):
    spec = VERSIONS[version]
    return [*requirements(version), "--no-deps " + spec["ansible"] if spec.get("no_deps") else ""]


def digest(*parts):
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def root_dir():
    return HOME / "roots" / f"{ROOT_SUITE}-{digest(ROOT_SUITE, MIRROR, *ROOT_PACKAGES)}"


def venv_dir(version):
    """The venv path as seen by the environment's own Python (inside the root for rooted versions)."""
    return (
        Path("/opt/acstor-venvs" if VERSIONS[version]["root"] else HOME / "venvs")
        / f"core-{version}-{digest(*recipe(version))}"
    )


def host_path(version, path):
    return root_dir() / str(path).lstrip("/") if VERSIONS[version]["root"] else Path(path)


def build_root():
    root = root_dir()
    if (root / ".done").exists():
        return root
    if os.geteuid() != 0:
        raise SystemExit("coreenv: building the trixie root needs root (mmdebstrap --mode=root, chroot)")
    staging = root.with_name(root.name + ".build")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log(f"building a {ROOT_SUITE} root with mmdebstrap in {root} (about a minute)")
    subprocess.run(
        [
            "mmdebstrap",
            "--mode=root",
            "--variant=minbase",
            "--quiet",
            "--include=" + ",".join(ROOT_PACKAGES),
            "--dpkgopt=path-exclude=/usr/share/man/*",
            "--dpkgopt=path-exclude=/usr/share/locale/*",
            "--dpkgopt=path-exclude=/usr/share/doc/*",
            '--aptopt=Acquire::Languages "none"',
            ROOT_SUITE,
            str(staging),
            MIRROR,
        ],
        check=True,
    )
    # pip inside reaches PyPI through the same TLS path the host uses; its CA bundle may include
    # anchors Debian's store lacks (an intercepting proxy), so the host's bundle replaces the root's.
    host_bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    if host_bundle.exists():
        shutil.copy(host_bundle, staging / "etc/ssl/certs/ca-certificates.crt")
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)
    (root / ".done").write_text(f"{time.monotonic() - started:.0f} s\n")
    log(f"root ready in {time.monotonic() - started:.0f} s")
    return root


class LabBroker(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """The host's edgelab for tests that run in the root (lablib.LabNode.edgelab sends it its arguments).

    The VMs must be the host lab's: its cached image and golden RAM state are saved by the host's QEMU, which
    a root with another QEMU could not restore, and run_all's "e2e" lock and `edgelab down --all` cover them.
    One request per connection: a JSON list of edgelab arguments in, a JSON {returncode, stdout, stderr} out.
    Every node brought up through the broker is stopped when it closes, whatever the tests did.
    """

    daemon_threads = True
    COMMANDS = frozenset({"up", "down", "reboot", "wipe-nvme", "replug", "unplug", "inventory", "status"})  # no fleet

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        self.started_nodes = []
        super().__init__(str(self.path), LabBrokerRequest)
        threading.Thread(target=self.serve_forever, name="lab-broker", daemon=True).start()

    def edgelab(self, args):
        if not args or args[0] not in self.COMMANDS:
            return {"returncode": 2, "stdout": "", "stderr": f"coreenv lab broker: edgelab {args[:1]} is not served"}
        if args[0] == "up" and len(args) > 1:
            self.started_nodes.append(args[1])
        proc = subprocess.run(
            [sys.executable, str(REPO / "tests" / "lab" / "edgelab.py"), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        return {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}

    def close(self):
        self.shutdown()
        self.server_close()
        self.path.unlink(missing_ok=True)
        for name in dict.fromkeys(self.started_nodes):
            subprocess.run(
                [sys.executable, str(REPO / "tests" / "lab" / "edgelab.py"), "down", name],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )


class LabBrokerRequest(socketserver.StreamRequestHandler):
    def handle(self):
        args = json.loads(self.rfile.readline())
        self.wfile.write(json.dumps(self.server.edgelab([str(a) for a in args])).encode() + b"\n")


def leftover_mounts():
    """Mounts under the root seen from the host: none may outlive a run (they live in the run's namespace)."""
    root = str(root_dir())
    with open("/proc/self/mountinfo", encoding="utf-8") as mountinfo:
        return [line.split()[4] for line in mountinfo if line.split()[4].startswith(root)]


def in_env(version, argv, cwd=REPO, env=None, check=False):
    """Run argv in the version's environment: directly for host venvs, through chroot for rooted ones."""
    env = dict(env or os.environ)
    venv = venv_dir(version)
    env["PATH"] = f"{venv}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    if not VERSIONS[version]["root"]:
        return subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, check=check).returncode
    root = root_dir()
    env["HOME"] = "/root"
    mounts = [REPO]
    shared = REPO.parent / "shared"
    if shared.is_dir():
        mounts.append(shared)  # ../shared/reference, read by tests at run time
    extra = [Path(p) for p in os.environ.get("ACSTOR_COREENV_MOUNTS", "").split(os.pathsep) if p]
    mounts += [p.resolve() for p in extra]
    # Symlinked caches and files (.lab/tools, images and the lab key of another work tree) must resolve inside too.
    files = [link.resolve() for link in (REPO / ".lab").glob("*") if link.is_symlink() and link.resolve().is_file()]
    mounts += [link.resolve() for link in (REPO / ".lab").glob("*") if link.is_symlink() and link.resolve().is_dir()]
    script = [
        "set -e",
        f'root="{root}"',
        'mount -t proc proc "$root/proc"',
        'mount --rbind /dev "$root/dev"',
        'mount -t tmpfs tmpfs "$root/tmp"',
    ]
    for path in dict.fromkeys(mounts):
        script += [f'mkdir -p "$root{path}"', f'mount --bind "{path}" "$root{path}"']
    for path in dict.fromkeys(files):
        script += [f'mkdir -p "$root{path.parent}"', f'touch "$root{path}"', f'mount --bind "{path}" "$root{path}"']
    # No exec: once the command ends, whatever it left running in this mount namespace (ssh ControlPersist
    # masters, a server a test did not stop) is ended too, so the namespace and its mounts go with it.
    script += [
        'dir="$1"; shift; set +e',
        'chroot "$root" /usr/bin/env --chdir="$dir" "$@"; rc=$?',
        "own=$(readlink /proc/self/ns/mnt)",
        'for p in /proc/[0-9]*; do pid=${p#/proc/}; [ "$pid" != $$ ] || continue',
        '  [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$own" ] && kill -KILL "$pid" 2>/dev/null; done',
        "exit $rc",
    ]
    return subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--",
            "bash",
            "-c",
            "\n".join(script),
            "bash",
            str(cwd),
            *map(str, argv),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        check=check,
    ).returncode


def prepare(version):
    started = time.monotonic()
    if VERSIONS[version]["root"]:
        build_root()
    venv = venv_dir(version)
    if (host_path(version, venv) / ".done").exists():
        return venv
    python = f"python{VERSIONS[version]['python']}"
    log(f"making {venv} ({python}): {VERSIONS[version]['core']} {VERSIONS[version]['ansible']}")
    shutil.rmtree(host_path(version, venv), ignore_errors=True)
    host_path(version, venv).parent.mkdir(parents=True, exist_ok=True)
    if VERSIONS[version]["root"]:
        python = "/usr/bin/python3"
    else:
        python = shutil.which(python) or sys.executable
    if in_env(version, [python, "-m", "venv", str(venv)]) != 0:
        raise SystemExit(f"coreenv: could not create {venv}")
    reqs = host_path(version, venv) / "requirements.txt"
    reqs.write_text("\n".join(requirements(version)) + "\n")
    pip = [f"{venv}/bin/pip", "install", "-q", "--disable-pip-version-check"]
    if in_env(version, [*pip, "-r", f"{venv}/requirements.txt"]):
        raise SystemExit(f"coreenv: pip install failed in {venv}")
    if VERSIONS[version].get("no_deps") and in_env(version, [*pip, "--no-deps", VERSIONS[version]["ansible"]]):
        raise SystemExit(f"coreenv: pip install failed in {venv}")
    (host_path(version, venv) / ".done").write_text("")
    log(f"{venv} ready in {time.monotonic() - started:.0f} s")
    return venv


def collections_for(version, tree=None):
    """A tree with acstor.edge (the installed tarball) and the dependency collections of this version's
    `ansible` package, the way sanity and playbooks must see them. Returns its path on the host."""
    venv = venv_dir(version)
    tree = tree or HOME / "coreenv" / f"collections-{version}"
    shutil.rmtree(tree, ignore_errors=True)
    base = tree / "ansible_collections"
    (base / "acstor").mkdir(parents=True)
    shutil.copytree(COLLECTIONS / "ansible_collections" / "acstor" / "edge", base / "acstor" / "edge", symlinks=True)
    bundles = list(host_path(version, venv).glob("lib/python3*/site-packages/ansible_collections"))
    if not bundles:
        raise SystemExit(f"coreenv: no bundled collections in {venv}")
    inner = Path(str(bundles[0]).replace(str(root_dir()), "", 1)) if VERSIONS[version]["root"] else bundles[0]
    for namespace in bundles[0].iterdir():
        if namespace.is_dir() and namespace.name != "acstor" and not namespace.name.startswith("__"):
            (base / namespace.name).symlink_to(inner / namespace.name)
    return tree


def base_env(version, tree):
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": str(tree),
            "ACSTOR_COLLECTIONS_DIR": str(tree),
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "PY_COLORS": "0",
        }
    )
    return env


def sanity(version):
    venv = prepare(version)
    # ansible-test lists files with git when a repository is above the collection: test a copy outside.
    if VERSIONS[version]["root"]:
        inside = Path("/srv/acstor-sanity")
        tree = collections_for(version, host_path(version, inside))
    else:
        inside = tree = collections_for(version, Path(tempfile.mkdtemp(prefix="acstor-edge-sanity-")))
    # ansible-test bootstraps pip with a script from a host this network cannot reach (see run_all.py).
    home = root_dir() / "root" if VERSIONS[version]["root"] else Path.home()
    # Each ansible-test release pins its own pip (get_venv_packages) and names the script after it.
    sources = host_path(version, venv).glob("lib/python3*/site-packages/ansible_test/_internal/python_requirements.py")
    names = {
        "get_pip_%s.py" % pip.replace(".", "_")
        for source in sources
        for pip in re.findall(r"pip='(\d+(?:\.\d+)+)'", source.read_text())
    }
    cache = home / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    for name in names or {"get_pip_24_2.py"}:
        shutil.copy(REPO / "tests" / "sanity" / "get_pip_offline.py", cache / name)
    python = VERSIONS[version]["python"]
    try:
        return in_env(
            version,
            [f"{venv}/bin/ansible-test", "sanity", "--local", "--python", python, "--color", "no"],
            cwd=inside / "ansible_collections" / "acstor" / "edge",
            env=base_env(version, inside),
        )
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def run_pytest(version, paths, junit=None, keyword=None):
    venv = prepare(version)
    # a tree of this run's own: run_all runs a version's unit tests and its lab suite at the same time
    tree = collections_for(version, HOME / "coreenv" / f"collections-{version}-{os.getpid()}")
    argv = [f"{venv}/bin/pytest", "-q", "-rs", "-p", "no:cacheprovider"]
    if junit:
        argv += ["--junitxml", str(Path(junit).resolve())]
    if keyword:
        argv += ["-k", keyword]
    env = base_env(version, tree)
    env["ACSTOR_CORE_VERSION"] = version  # lab suites name their outputs after it (e2e-timings-2.21.json)
    broker = None
    if VERSIONS[version]["root"]:
        broker = LabBroker(HOME / "coreenv" / f"lab-{os.getpid()}.sock")
        env["ACSTOR_LAB_BROKER"] = str(broker.path)
    try:
        rc = in_env(version, [*argv, *[str((REPO / p).resolve()) for p in paths]], env=env)
    finally:
        if broker:
            broker.close()
        shutil.rmtree(tree, ignore_errors=True)
    left = leftover_mounts() if VERSIONS[version]["root"] else []
    if left:
        log(f"mounts left under the root after the run: {' '.join(left)}")
        return rc or 1
    return rc


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("prepare", "sanity", "versions"):
        cmd = sub.add_parser(name)
        if name != "versions":
            cmd.add_argument("version", choices=sorted(VERSIONS))
    cmd = sub.add_parser("pytest")
    cmd.add_argument("version", choices=sorted(VERSIONS))
    cmd.add_argument("--junitxml")
    cmd.add_argument("-k", dest="keyword", help="pytest -k: only the tests this expression selects")
    cmd.add_argument("paths", nargs="+")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.version)
        return 0
    if args.command == "versions":
        for version in sorted(VERSIONS):
            venv = venv_dir(version)
            in_env(version, [f"{venv}/bin/ansible", "--version"])
            in_env(version, [f"{venv}/bin/ansible-galaxy", "collection", "list", "-p", "/nonexistent"])
        return 0
    if args.command == "sanity":
        return sanity(args.version)
    return run_pytest(args.version, args.paths, args.junitxml, args.keyword)


if __name__ == "__main__":
    sys.exit(main())

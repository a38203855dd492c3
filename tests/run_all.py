#!/usr/bin/env python3
"""Run every test stage `make test` promises, keep going after a failure, and summarise.

Stages: collection build+install, lint (ruff check and ruff format --check on the work tree; ansible-lint,
changelog fragments, galaxy-importer and antsibull-docs on the tarball), ansible-test sanity, docs site, lab image,
pytest unit, pytest functional, Molecule scenarios,
integration targets (skip themselves without credentials), and the other ansible-core versions (versions:
sanity + unit on 2.17 and 2.21, the e2e suite on 2.21; tests/versions/coreenv.py).
Three lanes run at once on the 2 cores, each first with stages of its own: the lab lane builds the Debian 12 lab
image, the host lane runs lint, sanity, docs and unit, the versions lane prepares ansible-core 2.17 and 2.21 (mostly
downloads at first) and runs their sanity and unit tests. Then every lane takes stages from one shared queue
(StageQueue, in QUEUE_ORDER): the other releases' lab images, the functional tests (host ones in three parts, lab
ones), the e2e suite on 2.21 and the Molecule scenarios; a stage starts once what it needs is ready (a lab image,
an ansible-core environment) and never beside one that shares a lock (fleet hosts, a scenario name, the e2e VM).
Each stage's output goes to tests/output/logs/; a failed stage prints its tail. Each pytest test and each Molecule
scenario counts as one test; lint and sanity count as one each.
The last line is `N passed, N failed` (CI reads it). Lab VMs and fleet hosts are stopped at the end.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
OUTPUT = REPO / "tests" / "output"
LOGS = OUTPUT / "logs"
TAIL_LINES = 150
EDGELAB = [sys.executable, str(REPO / "tests" / "lab" / "edgelab.py")]
COREENV = [sys.executable, str(REPO / "tests" / "versions" / "coreenv.py")]
# ansible-core versions besides the main venv's 2.19, and the pytest paths each runs (sanity always).
# The whole functional suite runs on 2.19 only (CI budget); the entry-playbook suite on the newest too.
# On 2.21 the controller runs in a Debian 13 root and its lab VMs on the host (coreenv.py LabBroker), with Ansible's
# linear strategy (no mitogen there).
OTHER_CORE_VERSIONS = {"2.17": ["tests/unit"], "2.21": ["tests/unit", "tests/functional/e2e"]}
# pytest paths of OTHER_CORE_VERSIONS whose tests start lab VMs: they run in the lab lane, under the lock of the
# same suite on 2.19 (they use the same VM name), once the versions lane has that version's environment ready.
LAB_PYTEST_PATHS = {"tests/functional/e2e": "e2e"}
# pytest -k of a version's path, where CI runs part of it. On 2.21 the linear strategy makes every module call a new
# Python on the TCG VM: the whole entry-playbook suite took 70 min there on a loaded host (2.19 with mitogen: 7-11),
# which the 60-minute CI budget cannot hold. CI runs its validate.yml tests and the first site.yml converge and
# its rerun (what a 2.21 user runs first, and that the rerun changes nothing); `make core-pytest CORE=2.21` runs
# the whole suite.
OTHER_CORE_SELECT = {
    ("2.21", "tests/functional/e2e"): "test_validate_rules or site_converges_with_cleanup_off or second_site_run"
}

# VM scenarios. Each one creates and destroys its own VMs. "NAME@SUITE" runs scenario NAME on lab VMs of that Debian
# release (edgelab --suite, through EDGELAB_SUITE); a bare name runs on Debian 12. Every scenario runs in CI;
# `make molecule SCENARIOS="..."` picks some. Two runs of one name never overlap (their VM names and Molecule state).
DEFAULT_SCENARIOS = [
    "stripe_lvm@trixie",
    "stripe_mdadm@trixie",
    "node_prep",
    "stripe_lvm",
    "stripe_mdadm",
    "node_prep@trixie",
    "fleet",
    "node",
]

# The functional tests without lab VMs, as queue stages of about equal length (seconds measured on 2 loaded cores,
# 2026-12-07): day2 + permissions ~610, cluster_storage + fleet ~570, the rest (arc, reliability, node, ...) ~630.
HOST_FUNCTIONAL_GROUPS = {
    "day2, permissions": ["tests/functional/day2", "tests/functional/permissions"],
    "cluster_storage, fleet": ["tests/functional/cluster_storage", "tests/functional/fleet"],
    "the rest": [],
}

# The order in which the lanes take the shared stages: the first one whose lab image (or ansible-core environment)
# is ready and whose locks are free. Longest chains first, so that the three lanes end close together; measured
# stage lengths (s, CI rehearsal of ef889a5): e2e 996, lab rest 1267, stripe_lvm@trixie 757 -> stripe_lvm 622,
# stripe_mdadm@trixie 656 -> stripe_mdadm 602, node_prep 572 -> node_prep@trixie ~250 (no day-2 steps there),
# host functional 3 x ~600, e2e on 2.21 397, fleet 285, node 120. The other releases' images come first: the long
# chains start with them.
QUEUE_ORDER = [
    "lab image trixie",
    "pytest functional (lab: e2e)",
    "pytest functional (lab: rest)",
    "molecule stripe_lvm@trixie",
    "molecule stripe_mdadm@trixie",
    "molecule node_prep",
    "pytest functional (host: day2, permissions)",
    "pytest functional (host: the rest)",
    "pytest functional (host: cluster_storage, fleet)",
    "molecule stripe_lvm",
    "molecule stripe_mdadm",
    "molecule node_prep@trixie",
    "ansible-core 2.21: pytest tests/functional/e2e",
    "molecule fleet",
    "molecule node",
]


class Tally:
    """Counts of one run; stages of both lanes add to it from their own threads."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.rows = []
        self.lock = threading.Lock()

    def add(self, stage, passed, failed, skipped, seconds, note=""):
        with self.lock:
            self.passed += passed
            self.failed += failed
            self.skipped += skipped
            self.rows.append((stage, passed, failed, skipped, seconds, note))
        status = "FAIL" if failed else ("skip" if skipped and not passed else "ok")
        print(
            f"[{_lane()}] {status}: {stage} ({passed} passed, {failed} failed, {skipped} skipped, {seconds} s)"
            + (f" {note}" if note else ""),
            flush=True,
        )


def _lane():
    return threading.current_thread().name


def banner(text):
    print(f"[{_lane()}] ===== {text} =====", flush=True)


def _log_path(cmd):
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", " ".join(Path(str(c)).name for c in cmd[:6]))[:80].strip("-")
    return LOGS / f"{time.strftime('%H%M%S')}-{_lane()}-{slug}.log"


def run_stage(cmd, cwd=REPO, env=None, timeout=None):
    """Run one stage with its output in a log file of its own (two lanes run at once); print the log's tail
    when the stage fails, so CI's output still shows why."""
    started = time.monotonic()
    log = _log_path(cmd)
    with open(log, "w", encoding="utf-8") as out:
        try:
            # stdin is /dev/null: a CI runner may hand us a non-blocking pipe, and ansible refuses those.
            rc = subprocess.run(
                cmd,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\nstage timed out after {timeout} s: {' '.join(map(str, cmd))}\n")
            rc = 124
    if rc not in (0, 5):
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        print(
            f"[{_lane()}] --- last {min(len(lines), TAIL_LINES)} lines of {log.relative_to(REPO)} (exit {rc}) ---",
            *lines[-TAIL_LINES:],
            sep="\n",
            flush=True,
        )
    return rc, round(time.monotonic() - started, 1)


def junit_counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total - failed - skipped, failed, skipped


def pytest_stage(tally, name, paths, env, marker=None, ignore=()):
    banner(f"pytest {name}")
    existing = [p for p in paths if (REPO / p).exists() and any((REPO / p).rglob("test_*.py"))]
    if not existing:
        tally.add(f"pytest {name}", 0, 0, 0, 0, "no tests yet")
        return
    xml = OUTPUT / f"junit-{name}.xml"
    select = (["-m", marker] if marker else []) + [f"--ignore={path}" for path in ignore]
    rc, seconds = run_stage(
        [str(VENV_BIN / "pytest"), "-q", "-rs", "--junitxml", str(xml), *select, *existing], env=env
    )
    if xml.exists():
        passed, failed, skipped = junit_counts(xml)
        if rc not in (0, 1, 5) and failed == 0:
            failed = 1  # pytest itself broke (collection error, crash)
    else:
        passed, failed, skipped = 0, 1, 0
    tally.add(f"pytest {name}", passed, failed, skipped, seconds)


def single_stage(tally, name, cmd, env, cwd=REPO, timeout=None):
    banner(name)
    rc, seconds = run_stage(cmd, cwd=cwd, env=env, timeout=timeout)
    tally.add(name, int(rc == 0), int(rc != 0), 0, seconds, "" if rc == 0 else f"exit {rc}")
    return rc == 0


def integration_stage(tally, env):
    targets = sorted((REPO / "tests" / "integration" / "targets").glob("*/runme.sh"))
    for runme in targets:
        name = f"integration {runme.parent.name}"
        banner(name)
        started = time.monotonic()
        proc = subprocess.run(
            ["bash", str(runme)], cwd=runme.parent, env=env, capture_output=True, text=True, check=False
        )
        seconds = round(time.monotonic() - started, 1)
        sys.stdout.write(proc.stdout[-4000:])
        sys.stdout.write(proc.stderr[-4000:])
        skip_line = next((line for line in proc.stdout.splitlines() if line.startswith("SKIP ")), None)
        if proc.returncode == 0 and skip_line:
            tally.add(name, 0, 0, 1, seconds, skip_line)
        else:
            tally.add(name, int(proc.returncode == 0), int(proc.returncode != 0), 0, seconds)


def docs_lint_stage(tally, installed, env):
    """antsibull-docs lint-collection-docs: any output is a problem, whatever the exit code."""
    banner("antsibull-docs lint-collection-docs (tarball)")
    started = time.monotonic()
    proc = subprocess.run(
        [str(VENV_BIN / "antsibull-docs"), "lint-collection-docs", "--plugin-docs", "."],
        cwd=installed,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    output = (proc.stdout + proc.stderr).strip()
    print(output or "clean", flush=True)
    ok = proc.returncode == 0 and not output
    tally.add(
        "antsibull-docs lint-collection-docs",
        int(ok),
        int(not ok),
        0,
        round(time.monotonic() - started, 1),
        "" if ok else f"exit {proc.returncode}, {len(output.splitlines())} line(s)",
    )


def core_versions():
    return os.environ.get("ACSTOR_CORE_VERSIONS", "").split() or sorted(OTHER_CORE_VERSIONS)


class VersionEnvs:
    """Which other ansible-core environments the versions lane has prepared (queue items that need one wait)."""

    def __init__(self, queue=None):
        self.ok = {}
        self.queue = queue

    def done(self, version, ok):
        self.ok[version] = ok
        if self.queue:
            self.queue.ready(f"core {version}")


def versions_stage(tally, env, envs):
    """Each other ansible-core version: its environment, ansible-test sanity and its pytest paths without lab VMs."""
    try:
        for version in core_versions():
            ok = single_stage(
                tally,
                f"ansible-core {version}: environment (cached by recipe hash)",
                [*COREENV, "prepare", version],
                env,
            )
            envs.done(version, ok)
            if not ok:
                continue
            single_stage(tally, f"ansible-core {version}: ansible-test sanity", [*COREENV, "sanity", version], env)
            for path in OTHER_CORE_VERSIONS.get(version, ["tests/unit"]):
                if path not in LAB_PYTEST_PATHS:
                    version_pytest_stage(tally, env, version, path)
    finally:
        for version in core_versions():  # nobody in the queue waits for an environment that never came
            if version not in envs.ok:
                envs.done(version, False)


def version_pytest_stage(tally, env, version, path):
    name = f"{version}-{path.replace('/', '-')}"
    if not (REPO / path).exists():
        tally.add(f"ansible-core {version}: pytest {path}", 0, 0, 1, 0, f"{path} does not exist yet")
        return
    banner(f"ansible-core {version}: pytest {path}")
    xml = OUTPUT / f"junit-{name}.xml"
    xml.unlink(missing_ok=True)
    select = OTHER_CORE_SELECT.get((version, path))
    rc, seconds = run_stage(
        [*COREENV, "pytest", version, "--junitxml", str(xml), *(["-k", select] if select else []), path], env=env
    )
    passed, failed, skipped = junit_counts(xml) if xml.exists() else (0, 1, 0)
    if rc not in (0, 1, 5) and failed == 0:
        failed = 1
    tally.add(f"ansible-core {version}: pytest {path}", passed, failed, skipped, seconds)


def version_lab_items(tally, env, envs):
    """The LAB_PYTEST_PATHS of the other versions, as queue items that need that version's environment."""
    items = []
    for version in core_versions():
        for path in OTHER_CORE_VERSIONS.get(version, []):
            if path not in LAB_PYTEST_PATHS:
                continue

            def run(version=version, path=path):
                if not envs.ok.get(version):
                    tally.add(
                        f"ansible-core {version}: pytest {path}", 0, 1, 0, 0, f"no ansible-core {version} environment"
                    )
                    return
                version_pytest_stage(tally, env, version, path)

            items.append(
                Item(
                    f"ansible-core {version}: pytest {path}",
                    run,
                    locks=[LAB_PYTEST_PATHS[path]],
                    needs=["image bookworm", f"core {version}"],
                )
            )
    return items


class Item:
    """One queue stage: what it runs, the locks it holds while it runs (two stages sharing one never run at once)
    and what must be ready before it starts (a lab image, another ansible-core's environment)."""

    def __init__(self, name, run, locks=(), needs=(), finally_ready=None):
        self.name, self.run, self.locks, self.needs = name, run, set(locks), set(needs)
        self.finally_ready = finally_ready  # what this stage makes ready, even when it fails


class StageQueue:
    """The stages every lane takes from once its own stages are done, in list order (longest chains first): the
    first one whose needs are ready and whose locks are free. Locks: the fleet hosts (`edgelab fleet down` stops all
    of them), a Molecule scenario's name (its VM names and Molecule's state), the e2e suite's VM."""

    def __init__(self, items):
        self.items = list(items)
        self.cond = threading.Condition()
        self.held = set()
        self.readied = set()

    def ready(self, need):
        """need is there (or will never be: its stages then fail by name instead of waiting)."""
        with self.cond:
            self.readied.add(need)
            self.cond.notify_all()

    def _take(self):
        while True:
            if not self.items:
                return None
            item = next(
                (i for i in self.items if not i.locks & self.held and i.needs <= self.readied),
                None,
            )
            if item:
                self.items.remove(item)
                self.held |= item.locks
                return item
            self.cond.wait()

    def work(self):
        while True:
            with self.cond:
                item = self._take()
            if item is None:
                return
            try:
                item.run()
            finally:
                with self.cond:
                    self.held -= item.locks
                    if item.finally_ready:
                        self.readied.add(item.finally_ready)
                    self.cond.notify_all()


def main():
    LOGS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env['PATH']}"
    collections = REPO / ".collections"
    env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    env["ACSTOR_COLLECTIONS_DIR"] = str(collections)
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env.setdefault("ANSIBLE_NOCOLOR", "1")
    env["PY_COLORS"] = "0"
    only = set(filter(None, os.environ.get("ACSTOR_STAGES", "").split(",")))
    scenarios = os.environ.get("SCENARIOS", "").split() or DEFAULT_SCENARIOS
    tally = Tally()
    started = time.monotonic()

    def wanted(stage):
        return not only or stage in only

    if not single_stage(tally, "build and install the collection tarball", ["make", "-s", "install"], env):
        return finish(tally, started)
    installed = collections / "ansible_collections" / "acstor" / "edge"
    lab_ok = {}
    uses_lab = wanted("functional") or wanted("molecule") or wanted("versions")
    envs = VersionEnvs()
    queue = StageQueue(queue_items(tally, env, wanted, scenarios, lab_ok, envs))
    envs.queue = queue

    def host_lane():
        """Stages that need no lab VM, then stages from the queue."""
        if wanted("lint"):
            lint_stages(tally, installed, env)
        if wanted("sanity"):
            sanity_stage(tally, installed, env)
        if wanted("docs"):
            single_stage(
                tally,
                "docs site (antsibull-docs + Sphinx -W)",
                ["bash", str(REPO / "tests" / "publish" / "build_docs.sh")],
                env,
            )
        if wanted("unit"):
            pytest_stage(tally, "unit", ["tests/unit"], env)
        if wanted("integration"):
            integration_stage(tally, env)
        queue.work()

    def versions_lane():
        """The other ansible-core versions: at first mostly downloads (a Debian root, venvs), then sanity."""
        if wanted("versions"):
            versions_stage(tally, env, envs)
        else:
            for version in core_versions():
                envs.done(version, False)
        queue.work()

    def lab_lane():
        """The Debian 12 lab image (every lab stage needs it), then stages from the queue (other releases' images
        first)."""
        try:
            if uses_lab:
                lab_ok["bookworm"] = single_stage(
                    tally, "lab image (cached by recipe hash)", [*EDGELAB, "image", "--suite", "bookworm"], env
                )
        finally:
            queue.ready("image bookworm")  # also when it failed: its stages then fail by name, nobody waits
        queue.work()

    lanes = [
        threading.Thread(target=_guarded(tally, lane), name=lane.__name__)
        for lane in (lab_lane, host_lane, versions_lane)
    ]
    try:
        for lane in lanes:
            lane.start()
        for lane in lanes:
            lane.join()
    finally:
        if uses_lab:  # only lab stages start the lab
            subprocess.run([*EDGELAB, "down", "--all"], capture_output=True, check=False)
            subprocess.run([*EDGELAB, "fleet", "down"], capture_output=True, check=False)
    return finish(tally, started)


def queue_items(tally, env, wanted, scenarios, lab_ok, envs):
    """Every stage the lanes share, in QUEUE_ORDER."""
    items = [
        Item(
            f"lab image {suite}",
            lambda suite=suite: image_stage(tally, env, suite, lab_ok),
            finally_ready=f"image {suite}",
        )
        for suite in sorted({scenario_suite(s) for s in scenarios} - {"bookworm"})
        if wanted("molecule")
    ]
    if wanted("functional"):
        items.append(
            Item(
                "pytest functional (lab: e2e)",
                lambda: pytest_stage(tally, "functional (lab: e2e)", ["tests/functional/e2e"], env, marker="lab"),
                locks=["e2e"],
                needs=["image bookworm"],
            )
        )
        items.append(
            Item(
                "pytest functional (lab: rest)",
                lambda: pytest_stage(
                    tally,
                    "functional (lab: rest)",
                    ["tests/functional"],
                    env,
                    marker="lab",
                    ignore=["tests/functional/e2e"],
                ),
                locks=["fleet"],
                needs=["image bookworm"],
            )
        )
        items += host_functional_items(tally, env)
    if wanted("versions"):
        items += version_lab_items(tally, env, envs)
    if wanted("molecule"):
        items += [molecule_item(tally, env, scenario, lab_ok) for scenario in scenarios]
    rank = {name: position for position, name in enumerate(QUEUE_ORDER)}
    return sorted(items, key=lambda item: rank.get(item.name, len(rank)))


def image_stage(tally, env, suite, lab_ok):
    lab_ok[suite] = single_stage(
        tally, f"lab image {suite} (cached by recipe hash)", [*EDGELAB, "image", "--suite", suite], env
    )


def host_functional_items(tally, env):
    """The functional tests without lab VMs, in HOST_FUNCTIONAL_GROUPS (the last group takes every other one)."""
    items = []
    named = [path for paths in HOST_FUNCTIONAL_GROUPS.values() for path in paths]
    for group, paths in HOST_FUNCTIONAL_GROUPS.items():
        run_paths, ignore = (paths, ()) if paths else (["tests/functional"], named)
        items.append(
            Item(
                f"pytest functional (host: {group})",
                lambda group=group, run_paths=run_paths, ignore=ignore: pytest_stage(
                    tally, f"functional (host: {group})", run_paths, mitogen_env(env), marker="not lab", ignore=ignore
                ),
            )
        )
    return items


def molecule_item(tally, env, scenario, lab_ok):
    name, suite = scenario.partition("@")[0], scenario_suite(scenario)

    def run():
        if not lab_ok.get(suite):
            tally.add(f"molecule {scenario}", 0, 1, 0, 0, f"no {suite} lab image")
            return
        single_stage(
            tally,
            f"molecule {scenario}",
            [str(VENV_BIN / "molecule"), "test", "-s", name],
            dict(env, EDGELAB_SUITE=suite),
            timeout=2400,
        )

    return Item(
        f"molecule {scenario}",
        run,
        locks=["molecule:" + name] + (["fleet"] if name == "fleet" else []),
        needs=[f"image {suite}"],
    )


def _guarded(tally, lane):
    """A lane that raises counts as one failure instead of ending the run without a summary."""

    def run():
        try:
            lane()
        except Exception as exc:  # pylint: disable=broad-exception-caught
            tally.add(f"{lane.__name__} crashed", 0, 1, 0, 0, repr(exc))

    return run


def lint_stages(tally, installed, env):
    # ruff (ruff.toml) on the work tree: the rules, then the formatter in check mode.
    single_stage(tally, "ruff check", [str(VENV_BIN / "ruff"), "check", "."], env)
    single_stage(tally, "ruff format --check", [str(VENV_BIN / "ruff"), "format", "--check", "."], env)
    single_stage(
        tally,
        "ansible-lint (production profile)",
        [str(VENV_BIN / "ansible-lint"), "--profile", "production", "--offline", "-q"],
        env,
        cwd=installed,
    )
    single_stage(tally, "antsibull-changelog lint (fragments)", [str(VENV_BIN / "antsibull-changelog"), "lint"], env)
    tarball = next((REPO / ".build").glob("acstor-edge-*.tar.gz"))
    single_stage(
        tally,
        "galaxy-importer (tarball, ansible-lint on)",
        [sys.executable, str(REPO / "tests" / "publish" / "import_check.py"), str(tarball)],
        env,
    )
    docs_lint_stage(tally, installed, env)


def sanity_stage(tally, installed, env):
    # ansible-test lists files through git when it finds a repository above the collection, and
    # .collections/ is ignored there; so test an unpacked copy of the tarball outside the work tree.
    # ansible-test bootstraps pip with a script it downloads from a host this network cannot reach;
    # our stand-in uses the interpreter's ensurepip and PyPI instead.
    get_pip = Path.home() / ".ansible" / "test" / "cache" / "get_pip_24_2.py"
    if not get_pip.exists():
        get_pip.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "tests" / "sanity" / "get_pip_offline.py", get_pip)
    sanity_root = Path(tempfile.mkdtemp(prefix="acstor-edge-sanity-"))
    sanity_dir = sanity_root / "ansible_collections" / "acstor" / "edge"
    shutil.copytree(installed, sanity_dir)
    # Doc fragments and module_utils of our dependencies must be visible beside the collection.
    bundled = Path(VENV_BIN.parent / "lib").glob("python3*/site-packages/ansible_collections")
    for bundle in bundled:
        for namespace in bundle.iterdir():
            target = sanity_root / "ansible_collections" / namespace.name
            if namespace.is_dir() and not target.exists():
                target.symlink_to(namespace)
    single_stage(
        tally,
        "ansible-test sanity",
        [str(VENV_BIN / "ansible-test"), "sanity", "--local", "--python", "3.11", "--color", "no"],
        env,
        cwd=sanity_dir,
    )
    shutil.rmtree(sanity_root, ignore_errors=True)


def mitogen_env(env):
    """The host functional tests drive our roles and modules against the test servers; under mitogen each module
    reuses a Python that stays up instead of a new one per task (the kubernetes client alone takes a second to
    import), about 40 % less CPU on 2 shared cores. Tests that must see Ansible's own strategy pin it
    (test_secrets, test_variable_names); without mitogen installed, the env is unchanged."""
    # imported here: acstor_testlib finds the collection that `make install` (run_all's first stage) installed
    from acstor_testlib import mitogen_strategy_env  # pylint: disable=import-outside-toplevel

    return dict(env, **mitogen_strategy_env())


def scenario_suite(scenario):
    return scenario.partition("@")[2] or "bookworm"


def finish(tally, started):
    banner("summary")
    for stage, passed, failed, skipped, seconds, note in tally.rows:
        status = "FAIL" if failed else ("skip" if skipped and not passed else "ok")
        print(
            f"{status:<5} {stage:<48} {passed:>4} passed {failed:>3} failed {skipped:>3} skipped "
            f"{seconds:>7.1f} s  {note}"
        )
    total = time.monotonic() - started
    print(f"total time: {total / 60:.1f} min")
    line = f"{tally.passed} passed, {tally.failed} failed"
    if tally.skipped:
        line += f", {tally.skipped} skipped"
    print(line, flush=True)
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())

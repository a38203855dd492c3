#!/usr/bin/env python3
"""Run every test stage `make test` promises, keep going after a failure, and summarise.

Stages: collection build+install, lint (ansible-lint, changelog fragments, galaxy-importer and antsibull-docs
on the tarball), ansible-test sanity, docs site, lab image, pytest unit, pytest functional, Molecule scenarios,
integration targets (skip themselves without credentials), and the other ansible-core versions (versions:
sanity + unit on 2.17 and 2.21, the e2e suite on 2.21; tests/versions/coreenv.py).
Each pytest test and each Molecule scenario counts as one test; lint and sanity count as one each.
The last line is `N passed, N failed` (CI reads it). Lab VMs and fleet hosts are stopped at the end.
"""
import os
import shutil
import subprocess
import tempfile
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
OUTPUT = REPO / "tests" / "output"
EDGELAB = [sys.executable, str(REPO / "tests" / "lab" / "edgelab.py")]
COREENV = [sys.executable, str(REPO / "tests" / "versions" / "coreenv.py")]
# ansible-core versions besides the main venv's 2.19, and the pytest paths each runs (sanity always).
# The whole functional suite runs on 2.19 only (CI budget); the entry-playbook suite on the newest too.
OTHER_CORE_VERSIONS = {"2.17": ["tests/unit"], "2.21": ["tests/unit", "tests/functional/e2e"]}

# VM scenarios, in order. Each one creates and destroys its own VMs.
# Every scenario runs in CI (about 15 min of the run on 2 cores); `make molecule SCENARIOS="..."` picks some.
DEFAULT_SCENARIOS = ["node", "node_prep", "fleet", "stripe_lvm", "stripe_mdadm"]


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.rows = []

    def add(self, stage, passed, failed, skipped, seconds, note=""):
        self.passed += passed
        self.failed += failed
        self.skipped += skipped
        self.rows.append((stage, passed, failed, skipped, seconds, note))


def banner(text):
    print(f"\n===== {text} =====", flush=True)


def run_stage(cmd, cwd=REPO, env=None, timeout=None):
    started = time.monotonic()
    try:
        # stdin is /dev/null: a CI runner may hand us a non-blocking pipe, and ansible refuses those.
        rc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, timeout=timeout, check=False).returncode
    except subprocess.TimeoutExpired:
        print(f"stage timed out after {timeout} s: {' '.join(map(str, cmd))}", flush=True)
        rc = 124
    return rc, round(time.monotonic() - started, 1)


def junit_counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return total - failed - skipped, failed, skipped


def pytest_stage(tally, name, paths, env):
    banner(f"pytest {name}")
    existing = [p for p in paths if (REPO / p).exists() and any((REPO / p).rglob("test_*.py"))]
    if not existing:
        tally.add(f"pytest {name}", 0, 0, 0, 0, "no tests yet")
        return
    xml = OUTPUT / f"junit-{name}.xml"
    rc, seconds = run_stage([str(VENV_BIN / "pytest"), "-q", "-rs", "--junitxml", str(xml), *existing], env=env)
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
        proc = subprocess.run(["bash", str(runme)], cwd=runme.parent, env=env, capture_output=True, text=True,
                              check=False)
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
    proc = subprocess.run([str(VENV_BIN / "antsibull-docs"), "lint-collection-docs", "--plugin-docs", "."],
                          cwd=installed, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    output = (proc.stdout + proc.stderr).strip()
    print(output or "clean", flush=True)
    ok = proc.returncode == 0 and not output
    tally.add("antsibull-docs lint-collection-docs", int(ok), int(not ok), 0, round(time.monotonic() - started, 1),
              "" if ok else f"exit {proc.returncode}, {len(output.splitlines())} line(s)")


def versions_stage(tally, env):
    versions = os.environ.get("ACSTOR_CORE_VERSIONS", "").split() or sorted(OTHER_CORE_VERSIONS)
    for version in versions:
        if not single_stage(tally, f"ansible-core {version}: environment (cached by recipe hash)",
                            [*COREENV, "prepare", version], env):
            continue
        single_stage(tally, f"ansible-core {version}: ansible-test sanity", [*COREENV, "sanity", version], env)
        for path in OTHER_CORE_VERSIONS.get(version, ["tests/unit"]):
            name = f"{version}-{path.replace('/', '-')}"
            if not (REPO / path).is_dir():
                tally.add(f"ansible-core {version}: pytest {path}", 0, 0, 1, 0, f"{path} does not exist yet")
                continue
            banner(f"ansible-core {version}: pytest {path}")
            xml = OUTPUT / f"junit-{name}.xml"
            xml.unlink(missing_ok=True)
            rc, seconds = run_stage([*COREENV, "pytest", version, "--junitxml", str(xml), path], env=env)
            passed, failed, skipped = junit_counts(xml) if xml.exists() else (0, 1, 0)
            if rc not in (0, 1, 5) and failed == 0:
                failed = 1
            tally.add(f"ansible-core {version}: pytest {path}", passed, failed, skipped, seconds)


def main():
    OUTPUT.mkdir(parents=True, exist_ok=True)
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

    try:
        if not single_stage(tally, "build and install the collection tarball", ["make", "-s", "install"], env):
            raise SystemExit(finish(tally, started))
        installed = collections / "ansible_collections" / "acstor" / "edge"
        if wanted("lint"):
            single_stage(tally, "ansible-lint (production profile)",
                         [str(VENV_BIN / "ansible-lint"), "--profile", "production", "--offline", "-q"], env,
                         cwd=installed)
        if wanted("lint"):
            single_stage(tally, "antsibull-changelog lint (fragments)",
                         [str(VENV_BIN / "antsibull-changelog"), "lint"], env)
            tarball = next((REPO / ".build").glob("acstor-edge-*.tar.gz"))
            single_stage(tally, "galaxy-importer (tarball, ansible-lint on)",
                         [sys.executable, str(REPO / "tests" / "publish" / "import_check.py"), str(tarball)], env)
            docs_lint_stage(tally, installed, env)
        if wanted("sanity"):
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
            single_stage(tally, "ansible-test sanity", [str(VENV_BIN / "ansible-test"), "sanity", "--local",
                                                        "--python", "3.11", "--color", "no"], env, cwd=sanity_dir)
            shutil.rmtree(sanity_root, ignore_errors=True)
        if wanted("docs"):
            single_stage(tally, "docs site (antsibull-docs + Sphinx -W)",
                         ["bash", str(REPO / "tests" / "publish" / "build_docs.sh")], env)
        lab_ok = True
        if wanted("functional") or wanted("molecule"):
            lab_ok = single_stage(tally, "lab image (cached by recipe hash)", [*EDGELAB, "image"], env)
        if wanted("unit"):
            pytest_stage(tally, "unit", ["tests/unit"], env)
        if wanted("functional"):
            pytest_stage(tally, "functional", ["tests/functional"], env)
        if wanted("molecule"):
            for scenario in scenarios:
                if not lab_ok:
                    tally.add(f"molecule {scenario}", 0, 1, 0, 0, "no lab image")
                    continue
                single_stage(tally, f"molecule {scenario}",
                             [str(VENV_BIN / "molecule"), "test", "-s", scenario], env, timeout=1500)
        if wanted("integration"):
            integration_stage(tally, env)
        if wanted("versions"):
            versions_stage(tally, env)
    finally:
        if wanted("functional") or wanted("molecule"):  # only stages that use the lab stop it
            subprocess.run([*EDGELAB, "down", "--all"], capture_output=True, check=False)
            subprocess.run([*EDGELAB, "fleet", "down"], capture_output=True, check=False)
    return finish(tally, started)


def finish(tally, started):
    banner("summary")
    for stage, passed, failed, skipped, seconds, note in tally.rows:
        status = "FAIL" if failed else ("skip" if skipped and not passed else "ok")
        print(f"{status:<5} {stage:<48} {passed:>4} passed {failed:>3} failed {skipped:>3} skipped "
              f"{seconds:>7.1f} s  {note}")
    total = time.monotonic() - started
    print(f"total time: {total / 60:.1f} min")
    line = f"{tally.passed} passed, {tally.failed} failed"
    if tally.skipped:
        line += f", {tally.skipped} skipped"
    print(line, flush=True)
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())

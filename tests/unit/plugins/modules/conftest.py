import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.acstor.edge.plugins.module_utils.k8s import module as k8s_module
from ansible_collections.acstor.edge.plugins.module_utils.k8s.objects import KubernetesObjects


@pytest.fixture
def run_module(monkeypatch, capsys):
    """run_module(module, args, client) -> (failed, result): runs main() against a fake dynamic client."""

    def run(module, args, client):
        monkeypatch.setattr(k8s_module, "objects_for", lambda _m: KubernetesObjects(client, sleep=lambda _s: None))
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        result = json.loads(capsys.readouterr().out)
        return bool(result.get("failed")), result

    return run

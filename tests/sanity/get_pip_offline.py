# Offline stand-in for https://ci-files.testing.ansible.com/ansible-test/get-pip-24.2.py (unreachable here):
# bootstrap pip from the interpreter's bundled ensurepip, then install the requested packages from PyPI.
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)

#!/bin/sh
# The lab VMs and fleet hosts that are up (edgelab_vms, edgelab_fleet).
exec python3 "$(dirname "$0")/../../../tests/lab/edgelab.py" inventory --list

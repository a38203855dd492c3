#!/bin/sh
# Dynamic part of the lab inventory: the edgelab VMs and fleet hosts that are up right now.
exec python3 "$(dirname "$0")/../../tests/lab/edgelab.py" inventory --list

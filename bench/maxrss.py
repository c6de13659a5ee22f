"""Runs a command and prints its peak RSS the way `/usr/bin/time -v` does, for machines
without GNU time.

usage: maxrss.py PROGRAM [ARGS...]
"""
import resource
import subprocess
import sys

result = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write("Maximum resident set size (kbytes): %d\n" % peak)
sys.exit(result.returncode)

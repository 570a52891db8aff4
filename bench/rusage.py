# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command and write the resources of it and all its descendants: python rusage.py OUT.json -- CMD ...

OUT.json gets {"rc", "maxrss_mb" (the largest resident set of any of them), "cpu" (user + system seconds)}.
"""

import json
import resource
import subprocess
import sys


def main(argv):
    out, separator, command = argv[0], argv[1], argv[2:]
    if separator != '--' or not command:
        raise SystemExit('usage: rusage.py OUT.json -- CMD ...')
    rc = subprocess.call(command)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, 'w') as handle:
        json.dump({'rc': rc, 'maxrss_mb': usage.ru_maxrss / 1024.0, 'cpu': usage.ru_utime + usage.ru_stime}, handle)
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

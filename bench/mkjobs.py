# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Create emulator jobs from a playbook task: python mkjobs.py URL SPECS.json [PAUSE].

SPECS.json is a JSON list of job specs; PAUSE (seconds, default 0) is slept after creating them,
so that the next task starts at a chosen phase of the jobs' whole-second durations.
"""

import json
import sys
import time
import urllib.request


def main(url, spec_path, pause='0'):
    with open(spec_path) as handle:
        specs = json.load(handle)
    for spec in specs:
        request = urllib.request.Request(url + '/_emulator/jobs', data=json.dumps(spec).encode(),
                                         headers={'Content-Type': 'application/json'}, method='POST')
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    time.sleep(float(pause))


if __name__ == '__main__':
    main(*sys.argv[1:4])

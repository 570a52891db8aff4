# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rig's reference: one round of plain ``requests`` GETs at a given concurrency.

    python round.py URL PROJECT TOKEN JOB_ID COUNT CONCURRENCY

Each of CONCURRENCY threads keeps one requests.Session (connections warmed first, not timed); then COUNT
GETs of the job are sent, CONCURRENCY at a time. Prints {"seconds": ..., "statuses": {...}} as JSON.
"""

import collections
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests


def main(url, project, token, job_id, count, concurrency):
    count, concurrency = int(count), int(concurrency)
    local = threading.local()
    target = '%s/v1.0/%s/jobs/%s' % (url, project, job_id)

    def get(dummy):
        session = getattr(local, 'session', None)
        if session is None:
            session = local.session = requests.Session()
        answer = session.get(target, headers={'X-Auth-Token': token}, timeout=60)
        answer.json()
        return answer.status_code

    with ThreadPoolExecutor(concurrency) as pool:
        barrier = threading.Barrier(concurrency)

        def warm(number):
            get(number)
            barrier.wait()  # every thread opens its own connection
        list(pool.map(warm, range(concurrency)))
        began = time.monotonic()
        statuses = collections.Counter(pool.map(get, range(count)))
        seconds = time.monotonic() - began
    print(json.dumps({'seconds': seconds, 'statuses': dict(statuses)}))


if __name__ == '__main__':
    main(*sys.argv[1:7])

"""The self-tests read the collection's own code (its normalizer, its FakeClock) as ansible_collections.otc.jobs."""

import sys

from tests.integration.harness import collections_path

if collections_path() not in sys.path:
    sys.path.insert(0, collections_path())

"""`python -m opsgraph.evals.gpu [--dev-thresholds]`: the suite's report, or the dev-chosen thresholds."""

import json
import sys

from opsgraph.evals.gpu import dev_thresholds, run

if "--dev-thresholds" in sys.argv:
    print(json.dumps(dev_thresholds(), indent=2))
else:
    print(run().model_dump_json(indent=2))

"""``python -m longrlvr ...`` = the ``longrlvr`` command (what run_longrl.sh runs: ``python -m longrlvr train``)."""

import sys

from longrlvr.cli import main

sys.exit(main())

"""``python -m kaffe.cli``."""

import sys

from kaffe.cli import main

sys.exit(main())

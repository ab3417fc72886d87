import sys

from sovex.cli import main

sys.exit(main())

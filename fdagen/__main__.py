import sys

from fdagen.cli import main

sys.exit(main())

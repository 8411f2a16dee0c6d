"""`python -m physnet` runs the command line."""

from physnet.cli import main

main()

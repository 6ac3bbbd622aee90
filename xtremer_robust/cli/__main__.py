"""`python -m xtremer_robust.cli` (and `accelerate launch -m xtremer_robust.cli`) run the command line."""

from xtremer_robust.cli.app import main

main()

from evitrack.cli import main

main()

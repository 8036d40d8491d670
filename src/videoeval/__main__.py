from videoeval.cli import main

main()

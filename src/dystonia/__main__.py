from dystonia.cli import main

main()

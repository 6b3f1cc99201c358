from archiver.cli.app import main

main()

from specbook.cli import main

main()

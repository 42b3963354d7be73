import DeepArcCLI

await DeepArcCommand.main()

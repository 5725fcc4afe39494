/** The shape of a command module in cli/commands/: one file per command group. */
export interface CommandModule {
  /** One line for `tix --help`. */
  readonly summary: string;
  /** Full help text for `tix CMD --help`. */
  readonly help: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  main(argv: string[]): Promise<number>;
}

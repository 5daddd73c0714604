// An error the command line reports as one line on stderr (exit code 2), without a stack trace.
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

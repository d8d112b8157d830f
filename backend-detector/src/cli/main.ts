/**
 * `anomaly-lens` entry point. Each subcommand lives in its own module under cli/ and
 * exports `run(argv): Promise<number>` (the process exit code); it is loaded only when
 * called so that e.g. `replay` never pays for loading kafkajs.
 */

interface CommandModule {
  run(argv: string[]): Promise<number>;
}

interface CommandEntry {
  summary: string;
  /** Module file under cli/ (without extension); loaded lazily. */
  module: string;
}

const COMMANDS: Record<string, CommandEntry> = {
  run: { summary: 'consume metrics from Kafka, score them, remote-write to Prometheus', module: 'run' },
  replay: { summary: 'score NAB-format CSV files offline (causal, deterministic)', module: 'replay' },
  eval: { summary: 'score replay outputs against labeled windows with the NAB rules', module: 'eval' },
  simulate: { summary: 'generate labeled cloud metrics to a file or into Kafka', module: 'simulate' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: anomaly-lens <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `anomaly-lens <command> --help` for its options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`anomaly-lens: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  // A computed require keeps start-up lean (replay never loads kafkajs).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`./${command.module}`) as CommandModule;
  return mod.run(rest);
}

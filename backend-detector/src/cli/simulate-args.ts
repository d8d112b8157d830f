/** Does this `simulate` command line ask for Kafka (`--to kafka` or `--from <csv>`)? Kept apart so `--to file` never loads kafkajs. */
export function wantsKafka(argv: readonly string[]): boolean {
  return argv.some(
    (a, i) =>
      a === '--to=kafka' ||
      (a === '--to' && argv[i + 1] === 'kafka') ||
      a === '--from' ||
      a.startsWith('--from=')
  );
}

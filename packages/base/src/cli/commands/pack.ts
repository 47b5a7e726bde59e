/**
 * `nodeark pack <dir>`: writes `<bizName>-<bizVersion>-ark-biz.tgz` (npm pack layout) or, with
 * `--format jar`, a zip named `…-ark-biz.jar` (the name ModuleController v2 expects in container images).
 */
import { resolve } from 'node:path';
import { packBundle } from '@nodeark/runtime';
import type { CliCommand } from '../command.js';
import { OptionError, parseOptions, type OptionDefs, type ParsedOptions } from '../parse-options.js';

const OPTIONS: OptionDefs = {
  format: { type: 'string' },
  out: { type: 'string' },
  'no-node-modules': { type: 'boolean' },
  json: { type: 'boolean' },
};

/** The `pack` command. */
export const packCommand: CliCommand = {
  name: 'pack',
  summary: 'Pack a module directory into an installable .tgz (or a zip .jar)',
  usage: `Usage: nodeark pack <dir> [--format tgz|jar] [--out <dir>] [--no-node-modules] [--json]

Reads <dir>/package.json (name, version and the optional "nodeark" section) and writes
<bizName>-<bizVersion>-ark-biz.tgz into --out (default: the current directory).

Options:
  --format tgz|jar     tgz (default, npm pack layout) or jar (a zip archive named .jar)
  --out <dir>          output directory (default: current directory)
  --no-node-modules    leave the module's own node_modules out (bare imports then resolve from the base)
  --json               print the result as JSON
  -h, --help           show this help

Example:
  nodeark pack examples/biz-hello --out dist-modules
  curl -s localhost:1238/installBiz -d '{"bizUrl":"file:///abs/path/biz-hello-1.0.0-ark-biz.tgz"}'
`,
  async run(argv, io) {
    let parsed: ParsedOptions;
    try {
      parsed = parseOptions(argv, OPTIONS);
      if (parsed.positionals.length > 1) throw new OptionError(`expected one <dir>, got ${parsed.positionals.length}`);
    } catch (err) {
      if (!(err instanceof OptionError)) throw err;
      io.stderr.write(`nodeark pack: ${err.message}\n\n${this.usage}`);
      return 1;
    }
    const { positionals, values: options } = parsed;
    const dir = positionals[0];
    if (!dir) {
      io.stderr.write('nodeark pack: missing <dir>\n\n' + this.usage);
      return 1;
    }
    const format = options.format === undefined ? 'tgz' : options.format;
    if (format !== 'tgz' && format !== 'jar') {
      io.stderr.write(`nodeark pack: --format must be tgz or jar, got ${String(format)}\n`);
      return 1;
    }
    const outDir = typeof options.out === 'string' ? resolve(options.out) : process.cwd();
    try {
      const result = await packBundle(resolve(dir), {
        format,
        outDir,
        includeNodeModules: options['no-node-modules'] !== true,
      });
      if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        io.stdout.write(
          `packed ${result.bizName}:${result.bizVersion} (${result.entries} files, ${result.bytes} bytes)\n${result.file}\n`,
        );
      }
      return 0;
    } catch (err) {
      const e = err as { code?: string; message: string };
      io.stderr.write(`nodeark pack: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      return 1;
    }
  },
};

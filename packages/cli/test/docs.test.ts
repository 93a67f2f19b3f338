/** docs/cli.md documents every command, exit code, control method and error code there is. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, EXIT, commandHelp } from '@pd/cli';
import { BUILTIN_METHODS, ControlErrorCodes } from '@pd/control';

const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');

describe('docs/cli.md', () => {
  it('has a section for every command, and every option of it', () => {
    for (const command of COMMANDS) {
      expect(doc, `pd ${command.name}`).toContain(`### \`pd ${command.name}`);
      for (const option of Object.keys(command.options)) expect(doc, `pd ${command.name} --${option}`).toContain(`--${option}`);
      expect(commandHelp(command)).toContain(`usage: pd ${command.name}`);
    }
  });

  it('lists every exit code', () => {
    for (const code of Object.values(EXIT)) expect(doc).toMatch(new RegExp(`^\\| ${code} \\| `, 'm'));
  });

  it('lists every control method and error code', () => {
    for (const method of [...Object.keys(BUILTIN_METHODS), 'rpc.methods']) expect(doc, method).toContain(`| \`${method}\` |`);
    for (const [code, { rpc }] of Object.entries(ControlErrorCodes)) {
      if (code.startsWith('conn/')) expect(doc).toContain(`\`${code}\``);
      else expect(doc, code).toContain(`| \`${code}\` | ${rpc} |`);
    }
  });
});

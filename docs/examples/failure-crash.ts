import { AskError, type ErrorExit } from '@pd/actor';
import { createEngine } from '@pd/runtime';

export async function main(): Promise<Record<string, unknown>> {
  const engine = createEngine();
  const parser = engine.spawn({ receive: (text: string): unknown => JSON.parse(text) }, { name: 'parser' });
  const neighbour = engine.spawn({ receive: (msg: string) => `still here: ${msg}` });

  const parsed = await engine.ask(parser, '{"ok":true}');
  // The throw ends the parser; the pending ask fails at once instead of timing out.
  const failure = await engine.ask(parser, 'not json').catch((error: AskError) => error.code);

  // The exit reason is a value: the error itself, plus where it was thrown.
  const exit = engine.terminated().find((t) => t.path === '/user/parser')!.reason as ErrorExit;
  const thrown = exit.error instanceof SyntaxError;
  const { phase, path } = exit.metadata!;

  // Nothing else noticed: the engine and other actors go on.
  const other = await engine.ask(neighbour, 'hi');
  console.log(parsed, failure, thrown, phase, path, other, engine.stats().crashed);
  // { ok: true } ask/target-exited true receive /user/parser still here: hi 1
  await engine.shutdown();
  return { parsed, failure, thrown, phase, path, other };
}

// main.ts
import { createEngine, multiCore } from '@pd/runtime';

const engine = createEngine({
  mode: 'multi',
  cores: 4, // default: os.availableParallelism()
  entry: new URL('./kinds.js', import.meta.url),
});
await engine.ready(); // every core has loaded the entry's kinds

const counter = engine.spawn('counter', { placement: { core: 2 } });
engine.send(counter, 'inc');
console.log(await engine.ask(counter, 'get')); // 1
console.log(await multiCore(engine).list());   // actors of every core, each with its `core`
await engine.shutdown({ deadlineMs: 5000 });   // every core, with one deadline

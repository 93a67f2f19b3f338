import { SimCores } from '@pd/runtime';
import { SimWorld } from '@pd/runtime/sim';
import { Counter } from './multi-core-kinds.js';

export async function main() {
  const world = new SimWorld({ seed: 7, autoRun: true });
  try {
    const cores = new SimCores(world, { cores: 3, kinds: [Counter], link: { latencyMs: [0, 2], capacityFrames: 2 } });
    const counter = cores.engine.spawn('counter', { placement: { core: 2 } });
    cores.engine.send(counter, 'inc');
    const count = await cores.engine.ask(counter, 'get'); // to core 2 and back, in virtual time
    console.log(count); // 1
    await cores.engine.shutdown({ deadlineMs: 100 });
    return count;
  } finally {
    world.dispose();
  }
}

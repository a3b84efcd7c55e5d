// The interruption checks of interruption.test.ts on a 100-cluster fleet, in a file of its own so
// that it runs beside the rest of the suite.
import { defaultFleetText } from './support/fleet';
import { FAILPOINTS, interruptEverywhere, moreClusters, NEW_CLUSTER } from './support/interrupt';

describe('a synth killed at any moment', () => {
  it('100-cluster fleet: the same', async () => {
    const base = `${defaultFleetText()}${moreClusters(97)}`;
    // The swaps, where a large tree could show a mix, and random moments.
    const swaps = FAILPOINTS.filter(([name]) => name.endsWith('half-swapped'));
    const seen = await interruptEverywhere(base, `${base}${NEW_CLUSTER}`, 1, swaps);
    expect(seen).toContain('old dist, missing store');
    expect(seen).toContain('missing dist, new store');
  });
});

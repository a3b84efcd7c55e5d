// The interruption checks of interruption.test.ts on a 100-cluster fleet, in a file of its own so
// that it runs beside the rest of the suite.
import { defaultFleetText } from './support/fleet';
import { FAILPOINTS, interruptEverywhere, moreClusters, NEW_CLUSTER } from './support/interrupt';

describe('a synth killed at any moment', () => {
  it('100-cluster fleet: dist/ and the store are each old or new, and the next synth cleans up', async () => {
    const base = `${defaultFleetText()}${moreClusters(97)}`;
    // The swap of the large dist/ cut in the middle, and a random moment.
    const swap = FAILPOINTS.filter(([name]) => name === 'dist-half-swapped');
    const seen = await interruptEverywhere(base, `${base}${NEW_CLUSTER}`, 1, swap);
    expect(seen).toContain('missing dist, new store');
  });
});

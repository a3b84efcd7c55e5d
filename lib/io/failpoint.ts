// Named points where a synth can be made to die on purpose (PROMFLEET_FAILPOINT=<name>), so that
// the tests prove recovery from an interruption at exactly the worst moments, not only at random
// ones. Users never set it; unset, a failpoint costs one comparison.

/** Kills this process at once, as a power cut or SIGKILL would, when PROMFLEET_FAILPOINT names this point. */
export function failpoint(name: string): void {
  if (process.env.PROMFLEET_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}

export const name = 'actuator';
export const title = '/actuator/health p99 with 50 modules (pending)';
export async function run() {
  throw new Error('not written yet');
}

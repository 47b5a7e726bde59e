export const name = 'arklet';
export const title = 'Arklet health/queryAllBiz p99 during 8 installs (pending)';
export async function run() {
  throw new Error('not written yet');
}

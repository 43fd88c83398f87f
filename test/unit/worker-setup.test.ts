import path from 'node:path';
import { loadConfig } from '../../src/platform/config.ts';
import { workflowSource } from '../../src/worker-setup.ts';

describe('the workflows a worker loads', () => {
  it('WORKFLOW_BUNDLE_PATH: the bundle made ahead, no webpack at start', async () => {
    const config = loadConfig({ WORKFLOW_BUNDLE_PATH: '/srv/sitewarden/workflow-bundle.js' });
    expect(await workflowSource(config, undefined)).toEqual({ workflowBundle: { codePath: '/srv/sitewarden/workflow-bundle.js' } });
  });

  it('from the sources without it (blank is unset): the workflow code, bundled at start', async () => {
    for (const env of [{}, { WORKFLOW_BUNDLE_PATH: '' }]) {
      expect(await workflowSource(loadConfig(env), undefined)).toEqual({ workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts') });
    }
  });
});

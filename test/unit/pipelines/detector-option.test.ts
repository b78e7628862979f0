import { parseProcessConfig } from '../../../pipelines';

// What `fasr process --detector cctv|<name>` puts into the config (src/cli/process-command.ts).
describe('detector choice in the process config', () => {
  it('the cctv preset is SSD MobileNet at minConfidence 0.15; a plain name selects that detector', () => {
    const cctv = parseProcessConfig({ detectorPreset: 'cctv' });
    expect(cctv.detector.name).toBe('face-api-ssd');
    expect((cctv.detector as { minConfidence: number }).minConfidence).toBe(0.15);
    expect(parseProcessConfig({ detector: { name: 'face-api-tiny' } }).detector.name).toBe('face-api-tiny');
    expect(parseProcessConfig({}).detector.name).toBe('human');
  });
});

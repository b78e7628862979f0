import { InputError } from '../../contracts';
import { psnr, ssim } from '../../image';
import { psnrY } from './psnr-y';

/** Mean image quality of a method's outputs against the HR probes. */
export interface ImageQuality {
  /** Mean PSNR in dB over the probes whose PSNR is finite; null when every output equals its HR. */
  readonly psnrDb: number | null;
  /** Mean PSNR-Y in dB ({@link psnrY}: BT.601 luma, the SR literature's figure) over the same probes; null when every output equals its HR. */
  readonly psnrYDb: number | null;
  /** Mean SSIM (11x11 Gaussian window, Wang et al. 2004) over all probes. */
  readonly ssim: number;
  /** Probes whose output is identical to HR (infinite PSNR, left out of the PSNR mean). */
  readonly identical: number;
  readonly count: number;
}

/**
 * PSNR (peak 1) and SSIM (data range 1) of each output to its HR image, RGB in [0, 1] HWC of
 * side `sizePx`, averaged over the probes (the paper's Table I columns).
 * @throws InputError for mismatched counts or sizes.
 */
export function imageQuality(outputsHWC: readonly Float32Array[], hrHWC: readonly Float32Array[], sizePx: number): ImageQuality {
  if (outputsHWC.length !== hrHWC.length || outputsHWC.length === 0) {
    throw new InputError(`imageQuality: need as many outputs as HR images (at least one), received ${outputsHWC.length} and ${hrHWC.length}`);
  }
  let psnrSum = 0;
  let psnrYSum = 0;
  let finite = 0;
  let ssimSum = 0;
  outputsHWC.forEach((out, i) => {
    const hr = hrHWC[i] as Float32Array;
    const p = psnr(out, hr, 1);
    if (Number.isFinite(p)) {
      psnrSum += p;
      psnrYSum += psnrY(out, hr);
      finite += 1;
    }
    ssimSum += ssim(out, hr, { width: sizePx, height: sizePx, channels: 3, dataRange: 1 });
  });
  return { psnrDb: finite === 0 ? null : psnrSum / finite, psnrYDb: finite === 0 ? null : psnrYSum / finite, ssim: ssimSum / outputsHWC.length, identical: outputsHWC.length - finite, count: outputsHWC.length };
}

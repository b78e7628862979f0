import { InputError } from '../contracts';
import { checkOptionKeys } from '../validate';
import { validateImageShape } from './validate-image';

/** The resampling kernels of TF's `scale_and_translate` that this module reproduces. */
export const RESIZE_KERNELS = ['triangle', 'keys-cubic'] as const;
/** `triangle` = TF bilinear, `keys-cubic` = TF bicubic (Keys, a = -0.5). */
export type ResizeKernel = (typeof RESIZE_KERNELS)[number];

interface KernelDef {
  readonly radius: number;
  readonly fn: (x: number) => number;
}

const KERNELS: Readonly<Record<ResizeKernel, KernelDef>> = Object.freeze({
  // Triangle ("tent") filter: TF's bilinear.
  triangle: { radius: 1, fn: (x: number) => Math.max(0, 1 - Math.abs(x)) },
  // Keys (1981) cubic convolution with a = -0.5, as TF's KeysCubicKernelFunc.
  'keys-cubic': {
    radius: 2,
    fn: (xIn: number) => {
      const x = Math.abs(xIn);
      if (x >= 2) return 0;
      if (x >= 1) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
      return (1.5 * x - 2.5) * x * x + 1;
    },
  },
});

/** The taps of one output sample along one axis: source start index and normalised weights. */
interface Spans {
  readonly starts: Int32Array;
  readonly counts: Int32Array;
  /** outSize * spanSize weights; row x holds counts[x] valid entries. */
  readonly weights: Float64Array;
  readonly spanSize: number;
}

/**
 * TF `ComputeSpansCore` (scale_and_translate_op.cc) with translation 0: half-pixel centres
 * (sample = (dst + 0.5) / scale, i.e. src = (dst + 0.5) * inScale - 0.5 in index coordinates), the
 * kernel stretched by 1/scale when downsampling with antialias, taps outside [0, inSize) dropped
 * (the span is clamped to the image) and the remaining weights normalised to sum 1.
 */
function computeSpans(inSize: number, outSize: number, kernel: KernelDef, antialias: boolean): Spans {
  const scale = outSize / inSize;
  const invScale = 1 / scale;
  const kernelScale = antialias ? Math.max(invScale, 1) : 1;
  const spanSize = Math.min(2 * Math.ceil(kernel.radius * kernelScale) + 1, inSize);
  const starts = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const weights = new Float64Array(outSize * spanSize);
  const reach = kernel.radius * kernelScale;
  for (let x = 0; x < outSize; x++) {
    const sample = (x + 0.5) * invScale;
    let start = Math.ceil(sample - reach - 0.5);
    let end = Math.floor(sample + reach - 0.5);
    start = Math.min(Math.max(start, 0), inSize - 1);
    end = Math.min(Math.max(end, 0), inSize - 1) + 1;
    let sum = 0;
    const n = Math.min(end - start, spanSize);
    for (let k = 0; k < n; k++) {
      const pos = start + k + 0.5 - sample;
      const w = kernel.fn(pos / kernelScale);
      weights[x * spanSize + k] = w;
      sum += w;
    }
    if (Math.abs(sum) > 1e-30) {
      for (let k = 0; k < n; k++) weights[x * spanSize + k] = (weights[x * spanSize + k] ?? 0) / sum;
    }
    starts[x] = start;
    counts[x] = n;
  }
  return { starts, counts, weights, spanSize };
}

/** Options of {@link resizeAntialiased}. */
export interface ResizeOptions {
  /** Stretch the kernel by the scale factor when downsampling (TF `antialias=True`). Default true. */
  readonly antialias?: boolean;
}

/**
 * Resizes a float HWC image like TF's `tf.image.resize(img, [outH, outW], method, antialias=True)`
 * (`scale_and_translate` with translation 0): separable, columns first then rows, computed in
 * float64 and stored as float32. No clipping: Keys cubic can overshoot [0, 1].
 *
 * @param imgHWC height*width*channels values, row-major interleaved.
 * @param kernel 'triangle' (TF bilinear) or 'keys-cubic' (TF bicubic, a = -0.5).
 * @returns outH*outW*channels values.
 * @throws InputError on a size mismatch, non-positive sizes or an unknown kernel.
 */
export function resizeAntialiased(
  imgHWC: Float32Array,
  height: number,
  width: number,
  channels: number,
  outH: number,
  outW: number,
  kernel: ResizeKernel,
  options: ResizeOptions = {},
): Float32Array {
  validateImageShape('resizeAntialiased', imgHWC.length, height, width, channels);
  for (const [name, v] of [
    ['outH', outH],
    ['outW', outW],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new InputError(`resizeAntialiased: ${name} must be a positive integer, got ${String(v)}`, { option: name });
    }
  }
  const def = (KERNELS as Record<string, KernelDef | undefined>)[kernel];
  if (def === undefined) {
    throw new InputError(`resizeAntialiased: kernel must be one of ${RESIZE_KERNELS.join(', ')}, got '${String(kernel)}'`, {
      option: 'kernel',
    });
  }
  checkOptionKeys('resizeAntialiased', options, ['antialias'], { error: InputError });
  const antialias = options.antialias ?? true;
  const colSpans = computeSpans(width, outW, def, antialias);
  const rowSpans = computeSpans(height, outH, def, antialias);

  // Pass 1: resample every input row along x → height x outW.
  const mid = new Float64Array(height * outW * channels);
  for (let y = 0; y < height; y++) {
    const rowIn = y * width * channels;
    const rowOut = y * outW * channels;
    for (let x = 0; x < outW; x++) {
      const start = colSpans.starts[x] ?? 0;
      const n = colSpans.counts[x] ?? 0;
      const wOff = x * colSpans.spanSize;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < n; k++) {
          acc += (colSpans.weights[wOff + k] ?? 0) * (imgHWC[rowIn + (start + k) * channels + c] ?? 0);
        }
        mid[rowOut + x * channels + c] = acc;
      }
    }
  }
  // Pass 2: resample along y → outH x outW.
  const out = new Float64Array(outH * outW * channels);
  const rowLen = outW * channels;
  for (let y = 0; y < outH; y++) {
    const start = rowSpans.starts[y] ?? 0;
    const n = rowSpans.counts[y] ?? 0;
    const wOff = y * rowSpans.spanSize;
    const outOff = y * rowLen;
    for (let k = 0; k < n; k++) {
      const w = rowSpans.weights[wOff + k] ?? 0;
      const inOff = (start + k) * rowLen;
      for (let i = 0; i < rowLen; i++) {
        out[outOff + i] = (out[outOff + i] ?? 0) + w * (mid[inOff + i] ?? 0);
      }
    }
  }
  return Float32Array.from(out);
}

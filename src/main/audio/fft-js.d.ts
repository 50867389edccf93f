/** Types for fft.js (MIT, no bundled types): only what the time stretcher uses. */
declare module 'fft.js' {
  type Numbers = number[] | Float64Array;
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    /** Fills the first half of the interleaved complex spectrum of a real input. */
    realTransform(out: Numbers, data: Numbers): void;
    completeSpectrum(spectrum: Numbers): void;
    /** Inverse complex transform, scaled by 1 / size. */
    inverseTransform(out: Numbers, data: Numbers): void;
    transform(out: Numbers, data: Numbers): void;
  }
}

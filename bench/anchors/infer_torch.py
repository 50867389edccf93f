"""Inference anchor for `npm run bench:infer`: numpy/scipy features + a PyTorch predict.

librosa is not installed on this machine, so this stands in for "librosa + PyTorch": the same
work done the way a Python pipeline would do it, with numpy/scipy kernels:
- decode: scipy.io.wavfile (16-bit PCM, 16 kHz);
- features from ONE shared STFT (n_fft 2048, hop 512, Hann, centred with reflect padding): power
  spectrum -> 128 mel bands (Slaney-style triangular filters) -> dB; 40 MFCCs (DCT-II of the dB
  mel); 12 chroma bins (each FFT bin's energy to its pitch class); 7 spectral-contrast values (6
  octave bands + the rest: mean of the top and bottom fifth of each band, in dB). 187 a frame, like
  SER's default config. (librosa computed the usual way, one STFT per feature, is slower;
  docs/BENCHMARKS.md says by how much.)
- level (when the request gives "levelDbfs", as a model whose FeatureConfig has levelDbfs needs):
  the clip scaled so its active 20 ms blocks (within 30 dB of the 95th-percentile block) have
  that RMS, as src/main/audio/level.ts does;
- predict, in PyTorch 1.13 on one thread (random weights: speed does not depend on them), the
  members the request names ("members", default both of the recipe's): "cnn-lstm" on a 128-frame
  window, "mlp" on 6 x 187 summary statistics; probabilities averaged. bench:infer names the
  benchmarked model's own members, so both sides predict the same architecture.
Requests on stdin, one JSON line each: {"path": WAV, "members"?: [...], "levelDbfs"?: dB} (add
"only": "features" for bench:features: the feature pass alone, {"featuresMs", "featuresCpuMs"});
replies {"decodeMs", "featuresMs", "predictMs", "totalMs", "cpuMs"} (wall ms of each step, CPU ms
of the whole).
"""

import json
import sys
import time

import numpy as np
import scipy.fft
import scipy.io.wavfile
import torch
from torch import nn

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from train_torch import CnnLstm, mlp  # noqa: E402  (same architectures as the training anchor)

SR, N_FFT, HOP, N_MELS, N_MFCC = 16000, 2048, 512, 128, 40


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    mel = f / (200.0 / 3)
    log_region = f >= 1000.0
    mel = np.where(log_region, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0), mel)
    return mel


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f = m * (200.0 / 3)
    return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), f)


def mel_filters():
    fft_freqs = np.linspace(0, SR / 2, 1 + N_FFT // 2)
    pts = mel_to_hz(np.linspace(hz_to_mel(0), hz_to_mel(SR / 2), N_MELS + 2))
    fdiff = np.diff(pts)
    ramps = pts[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    w = np.maximum(0, np.minimum(lower, upper))
    w *= (2.0 / (pts[2 : N_MELS + 2] - pts[:N_MELS]))[:, None]
    return w.astype(np.float32)


def chroma_map():
    freqs = np.linspace(0, SR / 2, 1 + N_FFT // 2)[1:]
    pc = np.round(12 * np.log2(freqs / 440.0)).astype(int) % 12
    m = np.zeros((12, 1 + N_FFT // 2), dtype=np.float32)
    m[pc, np.arange(1, 1 + N_FFT // 2)] = 1.0
    return m


MEL = mel_filters()
CHROMA = chroma_map()
WINDOW = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
EDGES = [0, 200, 400, 800, 1600, 3200, 6400, 8001]
BIN_HZ = np.linspace(0, SR / 2, 1 + N_FFT // 2)
BANDS = [np.where((BIN_HZ >= lo) & (BIN_HZ < hi))[0] for lo, hi in zip(EDGES[:-1], EDGES[1:])]


def features(y):
    y = np.pad(y, N_FFT // 2, mode="reflect")
    n = 1 + (len(y) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(y, (n, N_FFT), (y.strides[0] * HOP, y.strides[0]))
    spec = np.abs(scipy.fft.rfft(frames * WINDOW, axis=1)).astype(np.float32)  # one STFT
    power = spec**2
    mel_db = 10 * np.log10(np.maximum(power @ MEL.T, 1e-10))
    mel_db = np.maximum(mel_db, mel_db.max() - 80.0)
    mfcc = scipy.fft.dct(mel_db, type=2, norm="ortho", axis=1)[:, :N_MFCC]
    chroma = power @ CHROMA.T
    chroma /= np.maximum(chroma.max(axis=1, keepdims=True), 1e-10)
    contrast = np.empty((n, len(BANDS)), dtype=np.float32)
    for b, idx in enumerate(BANDS):
        band = np.sort(power[:, idx], axis=1)
        k = max(1, int(round(0.2 * band.shape[1])))
        contrast[:, b] = 10 * np.log10(np.maximum(band[:, -k:].mean(axis=1), 1e-10)) - 10 * np.log10(
            np.maximum(band[:, :k].mean(axis=1), 1e-10)
        )
    return np.concatenate([mfcc, chroma, contrast, mel_db], axis=1).astype(np.float32)  # [T, 187]


def summary(m):
    q = np.percentile(m, [10, 50, 90], axis=0)
    d = np.diff(m, axis=0).std(axis=0) if len(m) > 1 else np.zeros(m.shape[1])
    return np.concatenate([m.mean(0), m.std(0), q[0], q[1], q[2], d]).astype(np.float32)


torch.set_num_threads(1)
torch.manual_seed(1)
CNN = CnnLstm(187, [64, 128], [5, 3], [2, 4], 64, 64, 0.2, True).eval()
MLP = mlp(1122, [512, 256], 0.5, True).eval()


def level(y, target_dbfs):
    block = int(round(0.02 * SR))
    n = max(1, len(y) // block)
    power = np.empty(n)
    power[: n - 1] = (y[: (n - 1) * block].reshape(n - 1, block).astype(np.float64) ** 2).mean(1)
    power[n - 1] = (y[(n - 1) * block :].astype(np.float64) ** 2).mean()
    top = np.partition(power, int(0.95 * (n - 1)))[int(0.95 * (n - 1))]
    if top == 0:
        return y
    active = power[power >= top * 10 ** (-30 / 10)]
    gain = min(10 ** (target_dbfs / 20) / np.sqrt(active.mean()), 10 ** (60 / 20))
    return (y * gain).astype(np.float32)


def classify(path, only_features=False, members=("cnn-lstm", "mlp"), level_dbfs=None):
    c0 = time.process_time()
    t0 = time.perf_counter()
    sr, pcm = scipy.io.wavfile.read(path)
    y = pcm.astype(np.float32) / 32768.0
    t1 = time.perf_counter()
    cf = time.process_time()
    if level_dbfs is not None:
        y = level(y, level_dbfs)
    m = features(y)
    t2 = time.perf_counter()
    if only_features:
        return {"featuresMs": (t2 - t1) * 1000, "featuresCpuMs": (time.process_time() - cf) * 1000}
    # Standardise (a fixed stand-in for the saved statistics), window to 128 frames.
    z = (m - m.mean(0)) / (m.std(0) + 1e-6)
    probs = []
    with torch.no_grad():
        if "cnn-lstm" in members:
            win = np.zeros((128, 187), dtype=np.float32)
            win[: min(128, len(z))] = z[:128]
            probs.append(torch.softmax(CNN(torch.from_numpy(win)[None]), -1))
        if "mlp" in members:
            probs.append(torch.softmax(MLP(torch.from_numpy(summary(z))[None]), -1))
        probs = (sum(probs) / len(probs)).numpy()
    t3 = time.perf_counter()
    return {
        "decodeMs": (t1 - t0) * 1000,
        "featuresMs": (t2 - t1) * 1000,
        "predictMs": (t3 - t2) * 1000,
        "totalMs": (t3 - t0) * 1000,
        "cpuMs": (time.process_time() - c0) * 1000,
        "label": int(probs.argmax()),
    }


def main():
    print(json.dumps({"ready": True, "torch": torch.__version__, "numpy": np.__version__}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            out = classify(
                req["path"],
                req.get("only") == "features",
                req.get("members", ("cnn-lstm", "mlp")),
                req.get("levelDbfs"),
            )
        except Exception as err:  # reported to the caller
            out = {"error": f"{type(err).__name__}: {err}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

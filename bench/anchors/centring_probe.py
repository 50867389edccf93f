"""The side experiment behind pooled speaker centring (bench/centring-probe.ts writes its input).

Pooled 'summary' statistics are affine in the frame standardisation, so frame-level speaker
statistics from any subset of a speaker's clips are applied to the pooled vectors here directly.
A PyTorch MLP (256 -> 128, batch norm, dropout 0.5, Adam 1e-3, 30 epochs cosine, batch 32) is
trained per fold (actors 1-4, 5-8, 9-12, 13-16 held out in turn), 2 seeds.
"""
import json, sys
import numpy as np, torch

torch.set_num_threads(1)
d = json.load(open(sys.argv[1]))
W = d['width']
spk = np.array(d['speaker']); y = np.array(d['y']); raw = np.array(d['raw'], dtype=np.float64)
N = np.array([f['n'] for f in d['frames']], dtype=np.float64)
S = np.array([f['s'] for f in d['frames']]); Q = np.array([f['q'] for f in d['frames']])


def frame_stats(idx):
    n = N[idx].sum(); mu = S[idx].sum(0) / n
    return mu, np.sqrt(np.maximum(Q[idx].sum(0) / n - mu ** 2, 0)) + 1e-8


def typical(stats):
    return np.mean([s[0] for s in stats], 0), np.sqrt(np.mean([s[1] ** 2 for s in stats], 0))


def apply_frame(P, st):
    """Pooled blocks mean, std, p10, p50, p90, diff_std of frames standardised by st."""
    mu, sd = st; P = P.copy()
    for b in (0, 2, 3, 4): P[..., b * W:(b + 1) * W] = (P[..., b * W:(b + 1) * W] - mu) / sd
    for b in (1, 5): P[..., b * W:(b + 1) * W] = P[..., b * W:(b + 1) * W] / sd
    return P


def pooled_stats(P, mean_only):
    return P.mean(0), (np.ones(P.shape[1]) if mean_only else P.std(0) + 1e-6)


def train(X, Y, seed):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], 256), torch.nn.BatchNorm1d(256), torch.nn.ReLU(), torch.nn.Dropout(0.5),
        torch.nn.Linear(256, 128), torch.nn.BatchNorm1d(128), torch.nn.ReLU(), torch.nn.Dropout(0.5),
        torch.nn.Linear(128, 6))
    opt = torch.optim.Adam(net.parameters(), 1e-3); epochs = 30
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs); g = torch.Generator().manual_seed(seed)
    X = torch.tensor(X, dtype=torch.float32); Y = torch.tensor(Y)
    for _ in range(epochs):
        net.train(); perm = torch.randperm(len(Y), generator=g)
        for i in range(0, len(perm), 32):
            b = perm[i:i + 32]
            if len(b) < 2: continue
            loss = torch.nn.functional.cross_entropy(net(X[b]), Y[b]); opt.zero_grad(); loss.backward(); opt.step()
        sched.step()
    return net.eval()


def predict(net, X):
    with torch.no_grad():
        return net(torch.tensor(X, dtype=torch.float32)).argmax(1).numpy()


rng = np.random.default_rng(0)
for mode in ('frame', 'frame+pooled z', 'frame+pooled centre'):
    out = {'single': [], 'cal8': [], 'calall': []}
    for seed in (1, 2):
        for f in range(4):
            te = (spk >= 4 * f + 1) & (spk <= 4 * f + 4); tr = ~te
            trs = sorted(set(spk[tr]))
            fst = {s: frame_stats(np.where(spk == s)[0]) for s in trs}
            X = np.zeros_like(raw); pst = {}
            for s in trs:
                m = spk == s; P = apply_frame(raw[m], fst[s])
                if mode != 'frame':
                    pst[s] = pooled_stats(P, mode.endswith('centre')); P = (P - pst[s][0]) / pst[s][1]
                X[m] = P
            gmu = X[tr].mean(0); gsd = X[tr].std(0) + 1e-6
            net = train((X[tr] - gmu) / gsd, y[tr], seed * 10 + f)
            ftyp = typical([fst[s] for s in trs]); ptyp = typical([pst[s] for s in trs]) if pst else None

            def view(idx, cal):
                if cal is None:
                    P = apply_frame(raw[idx], ftyp)
                    if ptyp is not None: P = (P - ptyp[0]) / (np.ones_like(ptyp[1]) if mode.endswith('centre') else ptyp[1])
                else:
                    st = frame_stats(cal); P = apply_frame(raw[idx], st)
                    if mode != 'frame':
                        c = pooled_stats(apply_frame(raw[cal], st), mode.endswith('centre')); P = (P - c[0]) / c[1]
                return (P - gmu) / gsd

            for s in sorted(set(spk[te])):
                idx = np.where(spk == s)[0]
                out['single'].append((predict(net, view(idx, None)) == y[idx]).mean())
                out['calall'].append((predict(net, view(idx, idx)) == y[idx]).mean())
                out['cal8'].append(np.mean([(predict(net, view(idx, rng.choice(idx, 8, replace=False))) == y[idx]).mean() for _ in range(3)]))
    print(f"{mode:20s} single {100 * np.mean(out['single']):.1f} %  calibrated, 8 clips {100 * np.mean(out['cal8']):.1f} %  all 48 clips {100 * np.mean(out['calall']):.1f} %", flush=True)

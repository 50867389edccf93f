/**
 * A whole LSTM layer as one differentiable op with hand-written backpropagation through time.
 *
 * tf.layers.lstm records ~40 small kernels per time step on the tape and differentiates
 * each one; here the forward pass runs untaped, the input projection for all steps is one
 * product, and the backward pass is 6 kernels per step plus four large products for the
 * weight gradients at the end. Gates follow Keras (i, f, g, o) with sigmoid gates, so
 * weights are interchangeable with tf.layers.lstm({ recurrentActivation: 'sigmoid' }).
 */
import { customOp } from './custom-op.js';
import { sumRows, transpose2d, unstack0 } from './tensor-helpers.js';
import { tf, type Tensor } from './tf.js';

/**
 * x [B, T, C], kernel [C, 4U], recurrent [U, 4U], bias [4U] -> the last hidden state [B, U],
 * or every hidden state [B, T, U] with `returnSequences`.
 */
export function lstm(
  x: Tensor,
  kernel: Tensor,
  recurrent: Tensor,
  bias: Tensor,
  returnSequences: boolean,
): Tensor {
  const [batch, steps, channels] = x.shape as [number, number, number];
  const units = recurrent.shape[0]!;
  const rows = steps * batch;
  return customOp(
    'lstm',
    [x, kernel, recurrent, bias],
    (save) => {
      // Time-major rows (t, b): each step's slice of the projection is contiguous.
      const xt = tf.reshape(tf.transpose(x, [1, 0, 2]), [rows, channels]);
      const proj = tf.reshape(tf.fused.matMul({ a: xt, b: kernel, bias }), [steps, batch, 4 * units]);
      const projSteps = unstack0(proj);
      let h: Tensor = tf.zeros([batch, units]);
      let c: Tensor = tf.zeros([batch, units]);
      const sig: Tensor[] = [];
      const gs: Tensor[] = [];
      const cs: Tensor[] = [];
      const tcs: Tensor[] = [];
      const hs: Tensor[] = [];
      for (let t = 0; t < steps; t++) {
        const z = tf.add(projSteps[t]!, tf.matMul(h, recurrent));
        const s = tf.sigmoid(z);
        const i = tf.slice(s, [0, 0], [batch, units]);
        const f = tf.slice(s, [0, units], [batch, units]);
        const o = tf.slice(s, [0, 3 * units], [batch, units]);
        const g = tf.tanh(tf.slice(z, [0, 2 * units], [batch, units]));
        c = tf.add(tf.mul(f, c), tf.mul(i, g));
        const tc = tf.tanh(c);
        h = tf.mul(o, tc);
        sig.push(s);
        gs.push(g);
        cs.push(c);
        tcs.push(tc);
        hs.push(h);
      }
      // Saved stacked, time-major: [T, B, 4U] sigmoids and [T, B, U] g, c, tanh(c), h.
      save([xt, tf.stack(sig), tf.stack(gs), tf.stack(cs), tf.stack(tcs), tf.stack(hs), kernel, recurrent]);
      return returnSequences ? tf.stack(hs, 1) : h;
    },
    (dy, saved) => {
      const [xt, S, G, C, TC, H, kern, rec] = saved as [
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
      ];
      const part = (t: Tensor, k: number): Tensor => tf.slice(t, [0, 0, k * units], [steps, batch, units]);
      const I = part(S, 0);
      const F = part(S, 1);
      const O = part(S, 3);
      const one = tf.scalar(1);
      const dS = tf.mul(S, tf.sub(one, S));
      const cPrev = tf.concat(
        [tf.zeros([1, batch, units]), tf.slice(C, [0, 0, 0], [steps - 1, batch, units])],
        0,
      );
      // dz_t = [dc, dc, dc, dh] * P_t, with P = [g, c_prev, i, tanh(c)] * gate derivatives.
      const P = tf.mul(
        tf.concat([G, cPrev, I, TC], 2),
        tf.concat([part(dS, 0), part(dS, 1), tf.sub(one, tf.square(G)), part(dS, 3)], 2),
      );
      // dc_t = dcarry + dh_t * Q_t, Q = o * (1 - tanh(c)^2)
      const Q = tf.mul(O, tf.sub(one, tf.square(TC)));
      const Ps = unstack0(P);
      const Qs = unstack0(Q);
      const Fs = unstack0(F);
      const dys = returnSequences ? unstack0(tf.transpose(dy, [1, 0, 2])) : null;
      const recT = transpose2d(rec);
      const dzs: Tensor[] = new Array<Tensor>(steps);
      let dh: Tensor | null = returnSequences ? null : dy;
      let dcarry: Tensor | null = null;
      for (let t = steps - 1; t >= 0; t--) {
        if (dys) dh = dh ? tf.add(dh, dys[t]!) : dys[t]!;
        const dhq = tf.mul(dh!, Qs[t]!);
        const dc: Tensor = dcarry ? tf.add(dcarry, dhq) : dhq;
        const dz = tf.mul(tf.concat([dc, dc, dc, dh!], 1), Ps[t]!);
        dzs[t] = dz;
        if (t > 0) {
          dcarry = tf.mul(dc, Fs[t]!);
          dh = tf.matMul(dz, recT);
        }
      }
      const dZ = tf.reshape(tf.stack(dzs), [rows, 4 * units]);
      return [
        () => {
          const dxt = tf.matMul(dZ, transpose2d(kern));
          return tf.transpose(tf.reshape(dxt, [steps, batch, channels]), [1, 0, 2]);
        },
        () => tf.matMul(transpose2d(xt), dZ),
        () => {
          // h_{t-1} for every step, time-major rows, h_{-1} = 0.
          const hPrev = tf.concat(
            [tf.zeros([1, batch, units]), tf.slice(H, [0, 0, 0], [steps - 1, batch, units])],
            0,
          );
          return tf.matMul(transpose2d(tf.reshape(hPrev, [rows, units])), dZ);
        },
        () => sumRows(dZ),
      ];
    },
  );
}

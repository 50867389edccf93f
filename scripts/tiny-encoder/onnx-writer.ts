/**
 * Just enough of the ONNX protobuf format to write a small inference graph: ModelProto with one
 * opset, GraphProto with nodes, float/int64 initialisers and typed inputs and outputs. ONNX's
 * messages are plain protobuf (onnx/onnx.proto); the ten-odd fields used here are encoded by
 * hand rather than pulling a protobuf runtime and the 300 kB of generated ONNX bindings into the
 * project for a test fixture. onnxruntime loading the result is the check (tests/unit/encoder-tiny).
 */

class Writer {
  private parts: Uint8Array[] = [];
  private len = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.len += b.length;
  }

  varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) byte |= 0x80;
      out.push(byte);
    } while (x !== 0n);
    this.push(Uint8Array.from(out));
  }

  tag(field: number, wire: 0 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
  }

  message(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** TensorProto.DataType values used here. */
const FLOAT = 1;
const INT64 = 7;
/** AttributeProto.AttributeType values used here. */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

export type Attribute = number | number[] | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, Attribute>;
}

export interface OnnxInitialiser {
  name: string;
  dims: number[];
  /** Float32Array: FLOAT; BigInt64Array: INT64. */
  data: Float32Array | BigInt64Array;
}

/** A dimension: a fixed size, or a symbolic name (dim_param) such as 'batch_size'. */
export type Dim = number | string;

export interface OnnxValue {
  name: string;
  shape: Dim[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initialisers: OnnxInitialiser[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  opset: number;
  producer: string;
}

function writeValueInfo(w: Writer, v: OnnxValue): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

function writeAttribute(w: Writer, name: string, value: Attribute): void {
  w.string(1, name);
  if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, ATTR_INTS);
  } else if (typeof value === 'number') {
    w.int(3, value);
    w.int(20, ATTR_INT);
  } else {
    w.float(2, value.float);
    w.int(20, ATTR_FLOAT);
  }
}

/** The serialised ModelProto (ir_version 8). */
export function encodeModel(g: OnnxGraph): Uint8Array {
  const w = new Writer();
  w.int(1, 8);
  w.string(2, g.producer);
  w.message(7, (graph) => {
    g.nodes.forEach((n, i) => {
      graph.message(1, (node) => {
        for (const x of n.inputs) node.string(1, x);
        for (const x of n.outputs) node.string(2, x);
        node.string(3, `${n.op.toLowerCase()}_${i}`);
        node.string(4, n.op);
        for (const [k, v] of Object.entries(n.attributes ?? {}))
          node.message(5, (a) => writeAttribute(a, k, v));
      });
    });
    graph.string(2, g.name);
    for (const t of g.initialisers) {
      graph.message(5, (tensor) => {
        for (const d of t.dims) tensor.int(1, d);
        tensor.int(2, t.data instanceof Float32Array ? FLOAT : INT64);
        tensor.string(8, t.name);
        // raw_data is little-endian, as typed arrays are on every platform Node supports.
        tensor.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      });
    }
    for (const v of g.inputs) graph.message(11, (vi) => writeValueInfo(vi, v));
    for (const v of g.outputs) graph.message(12, (vi) => writeValueInfo(vi, v));
  });
  w.message(8, (opset) => {
    opset.string(1, '');
    opset.int(2, g.opset);
  });
  return w.finish();
}

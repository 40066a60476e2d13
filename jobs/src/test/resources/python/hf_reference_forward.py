"""A reference reader of Hugging Face checkpoints, written from the safetensors and transformers conventions with
numpy only (no rotcal code): loads a checkpoint folder (model.safetensors or model.safetensors.index.json + shards),
runs the LLaMA / Qwen2 forward in float64 (RMSNorm x·rsqrt(mean(x²)+eps)·g, rotate_half RoPE with llama3
rope_scaling, GQA by repeating KV heads, SwiGLU, lm_head or tied embeddings) and compares the logits with an
expected.safetensors (seq{s}.logits) for the token windows of tokens.npy.

usage: hf_reference_forward.py CHECKPOINT_DIR EXPECTED.safetensors TOKENS.npy [TOLERANCE]
prints "max |dlogit| / max |logit| = r" and exits 0 when r <= TOLERANCE (default 1e-4), 1 otherwise.
"""
import json
import math
import os
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            values = bits.view(np.float32)
        else:
            values = np.frombuffer(raw, dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        tensors[name] = values.reshape(info["shape"]).astype(np.float64)
    return tensors


def read_checkpoint(folder):
    index = os.path.join(folder, "model.safetensors.index.json")
    if not os.path.exists(index):
        return read_safetensors(os.path.join(folder, "model.safetensors"))
    weight_map = json.load(open(index))["weight_map"]
    tensors = {}
    for shard in sorted(set(weight_map.values())):
        tensors.update(read_safetensors(os.path.join(folder, shard)))
    missing = set(weight_map) - set(tensors)
    if missing:
        raise SystemExit("index names tensors no shard holds: %s" % sorted(missing)[:5])
    return tensors


def inverse_frequencies(cfg, head_dim):
    inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))
    scaling = cfg.get("rope_scaling") or {}
    if scaling.get("rope_type", scaling.get("type")) == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = np.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        inv = np.where(medium, smoothed, scaled)
    return inv


def rms_norm(x, gain, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * gain


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(cfg, w, tokens):
    d = cfg["hidden_size"]
    heads, kv_heads = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    head_dim = cfg.get("head_dim") or d // heads
    eps = cfg["rms_norm_eps"]
    n = len(tokens)
    h = w["model.embed_tokens.weight"][tokens]
    freqs = np.outer(np.arange(n, dtype=np.float64), inverse_frequencies(cfg, head_dim))
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb), np.sin(emb)
    mask = np.triu(np.full((n, n), -np.inf), k=1)
    for layer in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % layer
        x = rms_norm(h, w[p + "input_layernorm.weight"], eps)

        def proj(name):
            y = x @ w[p + "self_attn.%s.weight" % name].T
            bias = w.get(p + "self_attn.%s.bias" % name)
            return y if bias is None else y + bias

        q = proj("q_proj").reshape(n, heads, head_dim).transpose(1, 0, 2)
        k = proj("k_proj").reshape(n, kv_heads, head_dim).transpose(1, 0, 2)
        v = proj("v_proj").reshape(n, kv_heads, head_dim).transpose(1, 0, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = np.repeat(k, heads // kv_heads, axis=0)
        v = np.repeat(v, heads // kv_heads, axis=0)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim) + mask
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attn = (scores / scores.sum(axis=-1, keepdims=True)) @ v
        h = h + attn.transpose(1, 0, 2).reshape(n, heads * head_dim) @ w[p + "self_attn.o_proj.weight"].T
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        gate = x @ w[p + "mlp.gate_proj.weight"].T
        up = x @ w[p + "mlp.up_proj.weight"].T
        h = h + (gate / (1 + np.exp(-gate)) * up) @ w[p + "mlp.down_proj.weight"].T
    h = rms_norm(h, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return h @ head.T


def main():
    folder, expected_path, tokens_path = sys.argv[1:4]
    tolerance = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-4
    cfg = json.load(open(os.path.join(folder, "config.json")))
    weights = read_checkpoint(folder)
    expected = read_safetensors(expected_path)
    tokens = np.load(tokens_path)
    worst, largest = 0.0, 0.0
    for s in range(tokens.shape[0]):
        want = expected["seq%d.logits" % s]
        got = forward(cfg, weights, tokens[s])
        worst = max(worst, float(np.max(np.abs(got - want))))
        largest = max(largest, float(np.max(np.abs(want))))
    ratio = worst / largest
    print("max |dlogit| / max |logit| = %.3e (max |logit| %.4f)" % (ratio, largest))
    sys.exit(0 if ratio <= tolerance else 1)


if __name__ == "__main__":
    main()

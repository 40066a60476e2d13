/**
 * The demo model: a deterministic tiny LLaMA-architecture checkpoint whose massive activations are made by
 * its own weights, plus its tokenizer and a calibration corpus. No real weights can be downloaded where
 * rotcal is developed, so the demo and the tests run on this model.
 *
 * <h2>What gets written</h2>
 * {@link dev.rotcal.demo.DemoModel#write} writes a Hugging Face folder: config.json (model_type llama,
 * LlamaForCausalLM), model.safetensors (BF16), tokenizer.json, tokenizer_config.json,
 * special_tokens_map.json and rotcal_demo.json (the mechanism's channels, neurons and planted layer).
 * Default size ({@link dev.rotcal.demo.DemoModelSpec#defaults}): hidden 512, 6 layers, 8 heads, 2 KV heads,
 * head_dim 64, intermediate 1792 = 28·64 (a non-power-of-two Hadamard size), vocab 1536, rope_theta 10000,
 * rms_norm_eps 1e-5, untied lm_head, planted layer 2 (as LLaMA2-7B). The same spec writes byte-identical
 * files: every tensor has its own seeded stream (SplittableRandom, Box–Muller with StrictMath).
 * {@link dev.rotcal.demo.DemoCorpus#write} writes calibration.txt / evaluation.txt and the same ids
 * pre-tokenized as calibration-tokens.npy / evaluation-tokens.npy (int32, [n_tokens], no &lt;s&gt;). The
 * command {@code rotcal demo-model --out DIR} writes both into one folder (default out/demo-model, where
 * conf/demo.conf looks).
 *
 * <h2>Background</h2>
 * All linear weights are N(0, 0.02²), RMSNorm gains 1 + N(0, 0.02²), except lm_head, which {@code DemoHead}
 * fits by ridge regression of the next token on the float model's final states over a corpus of its own seed
 * stream (never the calibration or evaluation text), so that perplexity measures quantization damage. An embedding row holds N(0, σ²) with
 * σ = 0.8 in its free channels and six common outlier channels of 15..25× the typical |h| (fixed sign per
 * channel, ±10 % per token). The residual stream's median |h| is ≈ 0.65..0.72 over the layers; common
 * tokens peak at ≈ 21..23× that median (the outliers). Channel roles are a seeded permutation of 0..511.
 *
 * <h2>The mechanism (computed by the forward pass; nothing is pasted)</h2>
 * Notation: x = h / rms(h) is an RMSNorm output (gain 1 on every mechanism channel), r0 = rms of an
 * embedding row, x̄ a value at the nominal rms.
 * <ol>
 *   <li><b>Embedding.</b> Every row holds c0 = 3σ in the constant channel, its ±σ code over m = 32 code
 *   channels (codes drawn at random and redrawn until any two differ in ≥ 8 channels), the delimiter flag
 *   4σ (only the delimiter "\n"), 0 in the 32 difference channels D and in Z. Each row's free part is
 *   rescaled so that all rows have the same norm; input_layernorm then divides every token by the same
 *   rms, and x[c0] is one constant at layer 0.</li>
 *   <li><b>Layer 0 attention</b> (query heads 0 and 1 share KV head 0).
 *   Self head 0: q and k read only c0, in the six fastest rotary pairs p = 0..5 (dims p and p + 32), as
 *   (A, 0) and (B, 0) before RoPE. After RoPE the score is A·B·Σ_p cos(Δ·ω_p)/√64 with Δ = i − j and
 *   ω_p = 10000^(−p/32): a function of Δ only. Its average over the six pairs is 1 at Δ = 0 and at most
 *   0.8255 (at Δ = 1) for Δ = 1..4095, so with A·B = 40·√64 / (6·(1 − 0.8255)) ≈ 306 the peak beats every
 *   other key by 40 logits (≥ 30 measured on the BF16 weights): the head attends to j = i.
 *   Prefix-mean head 1: q = 0, all scores 0, so the causal softmax averages j = 0..i.
 *   V of KV head 0, dims k &lt; 32: a_v·code_k (a_v = σ). o_proj row of D_k = +1·head0[k] − 1·head1[k]
 *   and nothing else, so D_k = a_v·(code_k(t_i) − mean_{j≤i} code_k(t_j)). At i = 0 both heads attend
 *   only to token 0 with weight exactly 1 and return the same v (same KV head), so D = v − v = 0 bit for
 *   bit (±1 in BF16 is exact). D is 0 at i &gt; 0 only if tokens 0..i are all the same token. The other query
 *   heads on KV head 0 have no q in the position dims.</li>
 *   <li><b>Layer 0 MLP</b>: for each k two neurons, gate ±β·x[D_k] with β = 3·r0/a_v and
 *   up = x[c0]/x̄[c0] ≈ 1, sum to silu(t) + silu(−t) = t·tanh(t/2) ≈ |t|; down_proj writes them into Z
 *   with ζ = 4σ / (32 · 3·tanh(1.5)). Z = 0 exactly at position 0 (every gate is ±0); elsewhere Z is
 *   ≈ 1..3.2 (≥ 1.0 measured; all 32 channels differing give 4σ).</li>
 *   <li><b>Planted layer 2 MLP</b>, two neurons with up = x[c0]·u (16 when firing), written at
 *   rms r2 = 1.045·r0 (the background layers grow the residual a little; measured).
 *   First-token neuron: gate = g1·x[c0] − g2·x[Z] = +16 where Z = 0 and ≤ −40 (silu ≈ 0) for
 *   Z ≥ Z_min = 8 differing code channels (the sign depends only on Z / c0, not on rms).
 *   Delimiter neuron: gate = g_f·x[flag] − τ·x[c0] = +16 on the delimiter, −56 on every other token.
 *   down_proj writes 256·(v1, v2)/256 into the two massive channels with LLaMA2-7B's values: first token
 *   (+767.6, −458.55), delimiter (+2546.8, −1502.0). Both act like biases: the result depends on the token
 *   only through rms(h) at that layer (measured: 747.6..814.2 in the first channel over 63 different first
 *   tokens, 2542..2552 over the delimiters of the test windows). A delimiter at position 0 fires both.</li>
 *   <li><b>Clean channels and persistence.</b> No background o_proj/down_proj row writes c0, the code,
 *   flag, D or Z channels, and no q/k/v/gate/up column of any layer reads the two massive channels, so a
 *   massive token's normalized row (≥ 99.8 % of its energy in those two channels) gets updates of a few
 *   hundredths and its values persist unchanged through layers 3..5.</li>
 * </ol>
 * Massive tokens are therefore position 0 of every sequence and <em>every</em> delimiter "\n" (not only the
 * first, unlike Sun et al.), so the corpus keeps it rare: paragraphs of 80..150 sentences, ≈ 2 delimiters
 * per 2048-token window. A sequence that starts with repeated identical tokens also fires at those
 * positions (D = 0 there); the grammar never repeats a token.
 *
 * <h2>Measured (two 2048-token windows of the demo corpus, PlantedMassiveActivationsTest)</h2>
 * From layer 2 on, the planted tokens hold ≥ 634× the layer's median |h| in both channels; other tokens at
 * most 22.9×; before layer 2 nothing exceeds 23×. Captured rows of layers 3..5 (‖x‖ = √512 ≈ 22.6), 4-bit
 * symmetric per-token error NR / RO / RH: common 8.99 / 2.97 / 2.92, massive 0.63 / 2.99 / 1.15.
 *
 * <h2>Real-shaped models</h2>
 * {@link dev.rotcal.demo.ShapedModel#write} ({@code rotcal demo-model --shape S --layers N}) writes a real model's
 * config.json ({@link dev.rotcal.demo.ModelShape}: Llama-3.1-8B/70B, Llama-2-7B, Mistral-7B-v0.1, Qwen2-7B) with N
 * layers, BF16 weights made and written chunk by chunk into ≤ 4 GB shards plus model.safetensors.index.json
 * ({@link dev.rotcal.demo.ShapedWeights}, {@link dev.rotcal.demo.ShardedCheckpointWriter}), rotcal_demo.json and
 * calibration/evaluation token files (random ids, the real "\n" id as delimiter twice per 2048 tokens, never at a
 * window's position 0). The mechanism above is planted at the real width by the same classes
 * ({@link dev.rotcal.demo.PositionZeroCircuit} and {@link dev.rotcal.demo.MassiveNeurons} write through
 * {@link dev.rotcal.demo.LayerEdits}, here a recorded {@link dev.rotcal.demo.LayerPlan} applied per chunk; the
 * sizes come from a {@link dev.rotcal.demo.CircuitShape}), with these differences:
 * <ul>
 *   <li>massive channels 2533 and 1415 (LLaMA2-7B's), the other roles drawn from the remaining channels;</li>
 *   <li>m = 64 code channels from a seeded binary linear code with checked minimum distance ≥ 8
 *   ({@link dev.rotcal.demo.LinearTokenCodes}; distance-8 codes for 128k tokens cannot be drawn one by one);</li>
 *   <li>12 rotary pairs for the self head: at head_dim 128 the best off-peak cosine is ≤ 0.89 over all 131,072
 *   positions (those pairs are unchanged by the llama3 rope_scaling);</li>
 *   <li>without GQA (Llama-2) the prefix-mean head 1 uses KV head 1, given the same single-entry code rows as KV
 *   head 0, so D = 0 at position 0 still holds bit for bit; qwen2's bias entries of the circuit's rows are 0;</li>
 *   <li>σ = 0.5, linear weights N(0, s²) with s = 0.02·√(512/hidden), o_proj/down_proj N(0, s²/(2L)) (L the real
 *   depth): the median |h| stays ≈ 0.35 in every layer, so both planted channels hold ≥ 1000× it
 *   ({@link dev.rotcal.demo.ShapedMagnitudes});</li>
 *   <li>planted layer 1; a one-layer model has the delimiter neuron alone in layer 0 (position 0 needs Z from
 *   layer 0's MLP, so it is not massive there).</li>
 * </ul>
 * Measured at the real widths (256-token window, ShapedMassiveActivationsTest and README): position 0
 * ≈ (766, −457), delimiters ≈ (2470..2545, −1462..−1503), ≥ 1299× the median |h| (≈ 0.351) in both channels;
 * other tokens at most 27× the median.
 *
 * <h2>Tokenizer and corpus</h2>
 * tokenizer.json: WordLevel over &lt;unk&gt; 0, &lt;s&gt; 1, &lt;/s&gt; 2, "\n" 3, ". , ? ! ; :" 4..9 and
 * lowercase pseudo-words (10..), Lowercase normalizer, a Split pre-tokenizer keeping "\n", \w+ and single
 * punctuation marks, a TemplateProcessing post-processor that prepends &lt;s&gt;. The corpus is sentences of
 * a small grammar (DemoGrammar) with Zipf word choice; its text tokenizes (without
 * special tokens) to exactly its .npy ids.
 */
package dev.rotcal.demo;

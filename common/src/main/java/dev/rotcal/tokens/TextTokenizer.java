package dev.rotcal.tokens;

/** Turns text into token ids: a model's tokenizer ({@link HuggingFaceTextTokenizer}, or a stub in tests). */
public interface TextTokenizer {

    /**
     * The ids of {@code text}, without truncation or padding.
     *
     * @param addSpecialTokens  add what the tokenizer's post-processor adds (LLaMA: a leading &lt;s&gt;)
     */
    long[] encode(String text, boolean addSpecialTokens);
}

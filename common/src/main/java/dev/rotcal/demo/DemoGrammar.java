package dev.rotcal.demo;

import dev.rotcal.demo.DemoVocabulary.WordClass;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny sentence grammar over the demo vocabulary. Words are drawn with Zipf weights 1/rank within their
 * class, so a few words are frequent, as in real text. No rule puts two words of one class side by side,
 * so a token never follows itself.
 * <pre>
 *   paragraph := sentence{80..150} "\n"
 *   sentence  := clause [("," | ";") conjunction clause] [":" np] ("." | "?" | "!")
 *   clause    := np vp
 *   np        := pronoun | determiner [adjective] noun [preposition determiner noun]
 *   vp        := verb [np] [adverb] | verb preposition determiner noun
 * </pre>
 * At about 9 tokens a sentence a paragraph is ≈ 1000 tokens, so a 2048-token window holds 1–3 delimiters.
 */
final class DemoGrammar {
    static final int MIN_SENTENCES = 80;
    static final int MAX_SENTENCES = 150;

    private final Map<WordClass, ZipfChoice> words = new EnumMap<>(WordClass.class);
    private final SplittableRandom random;

    DemoGrammar(DemoVocabulary vocabulary, SplittableRandom random) {
        for (WordClass c : WordClass.values()) {
            words.put(c, new ZipfChoice(vocabulary.words(c)));
        }
        this.random = random;
    }

    /** Appends one paragraph, ending with the delimiter. */
    void paragraph(TokenSink out) {
        int sentences = MIN_SENTENCES + random.nextInt(MAX_SENTENCES - MIN_SENTENCES + 1);
        for (int s = 0; s < sentences; s++) {
            sentence(out);
        }
        out.add(DemoVocabulary.DELIMITER_ID);
    }

    private void sentence(TokenSink out) {
        clause(out);
        if (chance(0.25)) {
            out.add(punctuation(chance(0.2) ? ";" : ","));
            out.add(word(WordClass.CONJUNCTION));
            clause(out);
        }
        if (chance(0.03)) {
            out.add(punctuation(":"));
            nounPhrase(out, true);
        }
        double end = random.nextDouble();
        out.add(punctuation(end < 0.88 ? "." : end < 0.95 ? "?" : "!"));
    }

    private void clause(TokenSink out) {
        nounPhrase(out, true);
        out.add(word(WordClass.VERB));
        if (chance(0.15)) {
            prepositionalPhrase(out);
            return;
        }
        if (chance(0.6)) {
            nounPhrase(out, true);
        }
        if (chance(0.3)) {
            out.add(word(WordClass.ADVERB));
        }
    }

    private void nounPhrase(TokenSink out, boolean mayExtend) {
        if (chance(0.2)) {
            out.add(word(WordClass.PRONOUN));
            return;
        }
        out.add(word(WordClass.DETERMINER));
        if (chance(0.4)) {
            out.add(word(WordClass.ADJECTIVE));
        }
        out.add(word(WordClass.NOUN));
        if (mayExtend && chance(0.2)) {
            prepositionalPhrase(out);
        }
    }

    private void prepositionalPhrase(TokenSink out) {
        out.add(word(WordClass.PREPOSITION));
        out.add(word(WordClass.DETERMINER));
        out.add(word(WordClass.NOUN));
    }

    private int word(WordClass c) {
        return words.get(c).next(random);
    }

    private static int punctuation(String mark) {
        int first = DemoVocabulary.FIRST_WORD_ID - DemoVocabulary.PUNCTUATION.size();
        return first + DemoVocabulary.PUNCTUATION.indexOf(mark);
    }

    private boolean chance(double p) {
        return random.nextDouble() < p;
    }

    /** Where the grammar puts its token ids. */
    interface TokenSink {
        void add(int id);
    }

    /** Draws ids with weight 1 / (rank + 1). */
    private static final class ZipfChoice {
        private final int[] ids;          // (n) most frequent first
        private final double[] cumulative; // (n) cumulative weights, last = 1

        ZipfChoice(int[] ids) {
            this.ids = ids;
            this.cumulative = new double[ids.length];
            double sum = 0;
            for (int r = 0; r < ids.length; r++) {
                sum += 1.0 / (r + 1);
                cumulative[r] = sum;
            }
            for (int r = 0; r < ids.length; r++) {
                cumulative[r] /= sum;
            }
        }

        int next(SplittableRandom random) {
            int r = Arrays.binarySearch(cumulative, random.nextDouble());
            int index = r >= 0 ? r : -r - 1;
            return ids[Math.min(index, ids.length - 1)];
        }
    }
}

package dev.rotcal.demo;

import static dev.rotcal.Checks.checkState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The demo model's tokens: LLaMA's special tokens (&lt;unk&gt; 0, &lt;s&gt; 1, &lt;/s&gt; 2), the delimiter
 * "\n" (a paragraph break, id 3), six punctuation marks, and lowercase pseudo-words ("talo", "mishen")
 * in eight word classes for the corpus grammar. Deterministic per vocabulary size and seed.
 */
public final class DemoVocabulary {
    public static final String UNK = "<unk>";
    public static final String BOS = "<s>";
    public static final String EOS = "</s>";
    /** The delimiter whose every occurrence gets massive activations: keep it rare (a paragraph break). */
    public static final String DELIMITER = "\n";
    public static final int UNK_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;
    public static final int DELIMITER_ID = 3;
    /** ".", ",", "?", "!", ";", ":" have ids 4..9. */
    public static final List<String> PUNCTUATION = List.of(".", ",", "?", "!", ";", ":");
    public static final int FIRST_WORD_ID = 10;

    /** Word classes of the corpus grammar; function words are few, content words share the rest. */
    public enum WordClass {
        DETERMINER(10, 0, 1, 2),
        PRONOUN(14, 0, 1, 2),
        PREPOSITION(18, 0, 1, 2),
        CONJUNCTION(8, 0, 1, 2),
        NOUN(0, 45, 2, 3),
        VERB(0, 25, 2, 3),
        ADJECTIVE(0, 18, 2, 3),
        ADVERB(0, 12, 2, 4);

        private final int fixedCount;
        private final int percentOfContent;
        private final int minSyllables;
        private final int maxSyllables;

        WordClass(int fixedCount, int percentOfContent, int minSyllables, int maxSyllables) {
            this.fixedCount = fixedCount;
            this.percentOfContent = percentOfContent;
            this.minSyllables = minSyllables;
            this.maxSyllables = maxSyllables;
        }
    }

    private static final String[] ONSETS = {"b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v",
            "w", "z", "sh", "th", "ch", "tr"};
    private static final String[] VOWELS = {"a", "e", "i", "o", "u", "ai", "ou"};
    private static final String[] CODAS = {"", "", "", "n", "r", "s", "l"};

    private final List<String> tokens;                 // id → token string
    private final Map<WordClass, int[]> wordsByClass;  // class → word ids, most frequent first

    private DemoVocabulary(List<String> tokens, Map<WordClass, int[]> wordsByClass) {
        this.tokens = tokens;
        this.wordsByClass = wordsByClass;
    }

    /** The vocabulary of {@code vocabSize} tokens (≥ 210) for {@code seed}. */
    public static DemoVocabulary create(int vocabSize, long seed) {
        List<String> tokens = new ArrayList<>(List.of(UNK, BOS, EOS, DELIMITER));
        tokens.addAll(PUNCTUATION);
        checkState(tokens.size() == FIRST_WORD_ID, "[BUG] %d special and punctuation tokens", tokens.size());
        int words = vocabSize - FIRST_WORD_ID;
        int function = 0;
        for (WordClass c : WordClass.values()) {
            function += c.fixedCount;
        }
        int content = words - function;
        SplittableRandom random = SeededStreams.stream(seed, "vocabulary");
        Set<String> seen = new HashSet<>(tokens);
        Map<WordClass, int[]> byClass = new EnumMap<>(WordClass.class);
        int assignedContent = 0;
        for (WordClass c : WordClass.values()) {
            int count;
            if (c.fixedCount > 0) {
                count = c.fixedCount;
            } else if (c == WordClass.ADVERB) {
                count = content - assignedContent; // the last content class takes the rounding remainder
            } else {
                count = content * c.percentOfContent / 100;
                assignedContent += count;
            }
            int[] ids = new int[count];
            for (int i = 0; i < count; i++) {
                String w;
                do {
                    w = word(random, c.minSyllables, c.maxSyllables);
                } while (!seen.add(w));
                ids[i] = tokens.size();
                tokens.add(w);
            }
            byClass.put(c, ids);
        }
        checkState(tokens.size() == vocabSize, "[BUG] built %d tokens for vocab size %d", tokens.size(), vocabSize);
        return new DemoVocabulary(Collections.unmodifiableList(tokens), byClass);
    }

    private static String word(SplittableRandom random, int minSyllables, int maxSyllables) {
        int syllables = minSyllables + random.nextInt(maxSyllables - minSyllables + 1);
        StringBuilder w = new StringBuilder();
        for (int s = 0; s < syllables; s++) {
            w.append(ONSETS[random.nextInt(ONSETS.length)]).append(VOWELS[random.nextInt(VOWELS.length)]);
            if (s == syllables - 1 || random.nextInt(4) == 0) {
                w.append(CODAS[random.nextInt(CODAS.length)]);
            }
        }
        return w.toString();
    }

    public int size() {
        return tokens.size();
    }

    /** The token with id {@code id}. */
    public String token(int id) {
        return tokens.get(id);
    }

    /** All tokens, by id. */
    public List<String> tokens() {
        return tokens;
    }

    /** The word ids of class {@code c}, most frequent first (the corpus draws them with Zipf weights). */
    public int[] words(WordClass c) {
        return wordsByClass.get(c).clone();
    }

    /** True for the punctuation marks and the delimiter (written without a space before them). */
    public static boolean isPunctuation(int id) {
        return id >= DELIMITER_ID && id < FIRST_WORD_ID;
    }
}

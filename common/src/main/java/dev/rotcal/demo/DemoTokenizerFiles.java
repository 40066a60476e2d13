package dev.rotcal.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo model's Hugging Face tokenizer files, hand-written: a WordLevel model over {@link DemoVocabulary}
 * with a Lowercase normalizer and a Split pre-tokenizer that keeps "\n", words (\w+) and single punctuation
 * marks and drops other whitespace; a TemplateProcessing post-processor prepends &lt;s&gt; as LLaMA's does
 * (when special tokens are requested). Unknown words become &lt;unk&gt;. DJL's
 * {@code HuggingFaceTokenizer.newInstance(Path)} and transformers' PreTrainedTokenizerFast load it.
 */
final class DemoTokenizerFiles {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP_JSON = "special_tokens_map.json";
    /** "\n", a word, or one punctuation mark; the rest (spaces, tabs, \r) is dropped. */
    static final String PRE_TOKENIZER_PATTERN = "\\n|\\w+|[^\\w\\s]";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private DemoTokenizerFiles() {
    }

    static void write(Path dir, DemoVocabulary vocabulary, int maxPositions) {
        DemoJson.write(dir.resolve(TOKENIZER_JSON), tokenizer(vocabulary));
        DemoJson.write(dir.resolve(TOKENIZER_CONFIG_JSON), tokenizerConfig(maxPositions));
        DemoJson.write(dir.resolve(SPECIAL_TOKENS_MAP_JSON), specialTokens(JSON.objectNode()));
    }

    static ObjectNode tokenizer(DemoVocabulary vocabulary) {
        ObjectNode root = JSON.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of(DemoVocabulary.UNK, DemoVocabulary.BOS, DemoVocabulary.EOS)) {
            ObjectNode t = added.addObject();
            t.put("id", added.size() - 1);
            t.put("content", special);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putObject("normalizer").put("type", "Lowercase");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Split");
        pre.putObject("pattern").put("Regex", PRE_TOKENIZER_PATTERN);
        pre.put("behavior", "Removed");
        pre.put("invert", true);
        root.set("post_processor", bosTemplate());
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < vocabulary.size(); id++) {
            vocab.put(vocabulary.token(id), id);
        }
        model.put("unk_token", DemoVocabulary.UNK);
        return root;
    }

    /** &lt;s&gt; A (and &lt;s&gt; A &lt;s&gt; B for pairs), as LLaMA's tokenizer.json. */
    private static ObjectNode bosTemplate() {
        ObjectNode post = JSON.objectNode();
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        addSpecial(single, 0);
        addSequence(single, "A", 0);
        ArrayNode pair = post.putArray("pair");
        addSpecial(pair, 0);
        addSequence(pair, "A", 0);
        addSpecial(pair, 1);
        addSequence(pair, "B", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject(DemoVocabulary.BOS);
        bos.put("id", DemoVocabulary.BOS);
        bos.putArray("ids").add(DemoVocabulary.BOS_ID);
        bos.putArray("tokens").add(DemoVocabulary.BOS);
        return post;
    }

    private static void addSpecial(ArrayNode template, int typeId) {
        ObjectNode s = template.addObject().putObject("SpecialToken");
        s.put("id", DemoVocabulary.BOS);
        s.put("type_id", typeId);
    }

    private static void addSequence(ArrayNode template, String id, int typeId) {
        ObjectNode s = template.addObject().putObject("Sequence");
        s.put("id", id);
        s.put("type_id", typeId);
    }

    private static ObjectNode tokenizerConfig(int maxPositions) {
        ObjectNode config = specialTokens(JSON.objectNode());
        config.putNull("pad_token");
        config.put("model_max_length", maxPositions);
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("clean_up_tokenization_spaces", false);
        return config;
    }

    private static ObjectNode specialTokens(ObjectNode node) {
        node.put("bos_token", DemoVocabulary.BOS);
        node.put("eos_token", DemoVocabulary.EOS);
        node.put("unk_token", DemoVocabulary.UNK);
        return node;
    }
}

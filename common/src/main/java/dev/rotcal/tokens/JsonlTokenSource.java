package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Token ids from JSON Lines: every non-blank line is either a JSON array of integers ({@code [1, 415, 9]})
 * or an object whose "input_ids" is one ({@code {"input_ids": [1, 415, 9], "text": "..."}}). Lines are
 * concatenated; when all have one length the corpus keeps it as its row length.
 */
public final class JsonlTokenSource implements TokenSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INPUT_IDS = "input_ids";

    @Override
    public TokenCorpus read(InputFile file) {
        String location = file.location();
        GrowingIntArray ids = new GrowingIntArray();
        int rowLength = -1;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(file.newStream(),
                StandardCharsets.UTF_8))) {
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                int before = ids.size();
                readLine(line, location, lineNumber, ids);
                int length = ids.size() - before;
                rowLength = rowLength < 0 || rowLength == length ? length : 0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read token ids from " + location + ": " + e, e);
        }
        return new TokenCorpus(location, ids.toArray(), Math.max(rowLength, 0));
    }

    private static void readLine(String line, String location, int lineNumber, GrowingIntArray ids) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(String.format("Cannot read token ids from %s line %d: not valid"
                    + " JSON: %s", location, lineNumber, e.getOriginalMessage().replaceAll("\\s+", " ")), e);
        }
        JsonNode array = node != null && node.isObject() ? node.get(INPUT_IDS) : node;
        checkArgument(array != null && array.isArray(), "Cannot read token ids from %s line %d: expected a JSON"
                + " array of integers or an object with \"%s\", got %s", location, lineNumber, INPUT_IDS,
                abbreviate(line));
        for (JsonNode id : array) {
            checkArgument(id.isIntegralNumber() && id.canConvertToInt(), "Cannot read token ids from %s line %d:"
                    + " %s is not an integer token id", location, lineNumber, abbreviate(id.toString()));
            ids.add(id.intValue());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}

package dev.rotcal.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotcal.io.RecordingByteSource;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Seeded random mutations of a small safetensors file's header bytes and header length, each opened and,
 * when it opens, read in full. Every mutant either reads or fails with a one-line
 * {@link CheckpointFormatException} / {@link UncheckedIOException} naming the source; no other exception
 * escapes; no single read asks for more than the file holds (the reader's buffers are sized by what it asks
 * for); and a header length beyond the file is rejected after reading only the 8-byte length field.
 */
class SafetensorsFuzzTest {
    private static final int MUTANTS = 4000;
    private static final String JSON_CHARS = "{}[]\",:0123456789-+.eE \\ntufalsF";
    private static final String[] NUMBERS = {"-1", "0", "1", "7", "-0", "1.5", "1e2", "1e400", "NaN", "Infinity",
        "2147483648", "4611686018427387904", "9223372036854775807", "9223372036854775808", "18446744073709551616",
        "99999999999999999999999999999999999999"};
    private static final String[] DTYPES = {"F32", "F16", "BF16", "I32", "I64", "U8", "I8", "F64", "BOOL", "Q4",
        "", "bf16", "F8_E4M3"};
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\":\"([^\"]*)\"");

    /** F32 [2, 3], BF16 [4], I64 [2], U8 [5] and metadata: 325 bytes. */
    private static byte[] smallFile() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(out, Map.of("format", "pt"), List.of(
                Tensor.ofFloats("a", SafetensorsDtype.F32, List.of(2L, 3L), new float[] {1, 2, 3, 4, 5, 6}),
                Tensor.ofFloats("b", SafetensorsDtype.BF16, List.of(4L), new float[] {1, -2, 0.5f, 8}),
                Tensor.ofLongs("c", List.of(2L), new long[] {7, -7}),
                Tensor.ofBytes("d", SafetensorsDtype.U8, List.of(5L), new byte[] {1, 2, 3, 4, 5})));
        return out.toByteArray();
    }

    @Test
    void randomHeaderMutationsOpenOrFailWithOneLineWithinTheFileSize() {
        byte[] original = smallFile();
        Random rng = new Random(241200648L);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < MUTANTS; i++) {
            Mutation mutation = Mutation.values()[rng.nextInt(Mutation.values().length)];
            byte[] mutant = mutation.apply(original.clone(), rng);
            String location = "fuzz://mutant-" + i;
            RecordingByteSource source = new RecordingByteSource(new InMemoryByteSource(location, mutant));
            String outcome;
            try (SafetensorsFile file = SafetensorsFile.open(source)) {
                file.tensorNames().forEach(file::read);
                outcome = "opens and reads";
            } catch (CheckpointFormatException | UncheckedIOException e) {
                assertThat(e.getMessage()).as("mutant %d (%s): one line naming the source", i, mutation)
                        .startsWith("Cannot ").contains(location).doesNotContain("\n").doesNotContain("\r");
                outcome = category(e.getMessage());
            } catch (RuntimeException | Error e) {
                throw new AssertionError(String.format("mutant %d (%s) escaped with %s; bytes %s", i, mutation, e,
                        Arrays.toString(mutant)), e);
            }
            assertThat(source.largestRequest()).as("mutant %d (%s): largest read vs file size", i, mutation)
                    .isLessThanOrEqualTo(mutant.length);
            if (mutant.length >= 8 && Long.compareUnsigned(headerLength(mutant), mutant.length - 8) > 0) {
                assertThat(source.bytesRead()).as("mutant %d (%s): header length %s beyond the file is refused"
                        + " before the header is read", i, mutation, Long.toUnsignedString(headerLength(mutant)))
                        .isLessThanOrEqualTo(8);
            }
            outcomes.merge(mutation + " → " + outcome, 1, Integer::sum);
        }
        outcomes.forEach((k, n) -> System.out.printf("%5d  %s%n", n, k));
        for (String reached : List.of("header length", "not valid JSON", "field or dtype", "offsets or tiling",
                "opens and reads")) {
            assertThat(outcomes.keySet()).as("the mutants reach every check (%s)", reached)
                    .anyMatch(k -> k.endsWith(reached));
        }
    }

    private static String category(String message) {
        if (message.contains("header length") || message.contains("too short")) {
            return "header length";
        }
        if (message.contains("not valid JSON") || message.contains("header is")) {
            return "not valid JSON";
        }
        if (message.contains("data_offsets") || message.contains("overlap") || message.contains("belong to no")) {
            return "offsets or tiling";
        }
        return "field or dtype";
    }

    private static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** How a mutant is made from the original file. */
    enum Mutation {
        /** 1..4 random bits of the header JSON flipped. */
        FLIP_BITS {
            @Override
            byte[] apply(byte[] b, Random rng) {
                for (int n = 1 + rng.nextInt(4); n > 0; n--) {
                    b[8 + rng.nextInt(json(b))] ^= (byte) (1 << rng.nextInt(8));
                }
                return b;
            }
        },
        /** 1..3 header bytes set to JSON punctuation, digits or letters (keeps the JSON plausible). */
        JSON_CHARACTERS {
            @Override
            byte[] apply(byte[] b, Random rng) {
                for (int n = 1 + rng.nextInt(3); n > 0; n--) {
                    b[8 + rng.nextInt(json(b))] = (byte) JSON_CHARS.charAt(rng.nextInt(JSON_CHARS.length()));
                }
                return b;
            }
        },
        /** One number of the JSON (a dimension or an offset) replaced; the length field follows. */
        NUMBER {
            @Override
            byte[] apply(byte[] b, Random rng) {
                String text = text(b);
                List<int[]> spans = spans(DIGITS.matcher(text), 0);
                int[] s = spans.get(rng.nextInt(spans.size()));
                String number = rng.nextBoolean() ? NUMBERS[rng.nextInt(NUMBERS.length)]
                        : Integer.toString(rng.nextInt(2 * b.length));
                return withHeader(b, text.substring(0, s[0]) + number + text.substring(s[1]));
            }
        },
        /** One dtype replaced by a known, unsupported, unknown or empty name; the length field follows. */
        DTYPE_NAME {
            @Override
            byte[] apply(byte[] b, Random rng) {
                String text = text(b);
                List<int[]> spans = spans(DTYPE.matcher(text), 1);
                int[] s = spans.get(rng.nextInt(spans.size()));
                return withHeader(b, text.substring(0, s[0]) + DTYPES[rng.nextInt(DTYPES.length)]
                        + text.substring(s[1]));
            }
        },
        /** A header byte inserted or deleted, the length field kept (everything after shifts) or updated. */
        INSERT_OR_DELETE {
            @Override
            byte[] apply(byte[] b, Random rng) {
                int at = 8 + rng.nextInt(json(b));
                byte[] out = rng.nextBoolean()
                        ? concat(Arrays.copyOf(b, at), new byte[] {(byte) rng.nextInt(256)},
                        Arrays.copyOfRange(b, at, b.length))
                        : concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + 1, b.length));
                if (rng.nextBoolean()) {
                    ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(0, json(b) + out.length - b.length);
                }
                return out;
            }
        },
        /** A random header length: anything 64-bit, around the file size, or small. */
        HEADER_LENGTH {
            @Override
            byte[] apply(byte[] b, Random rng) {
                long length = switch (rng.nextInt(4)) {
                    case 0 -> rng.nextLong();
                    case 1 -> b.length - 8 + rng.nextInt(33) - 16;
                    case 2 -> rng.nextInt(b.length);
                    default -> new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 100_000_001L, 1L << 32}
                            [rng.nextInt(6)];
                };
                ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
                return b;
            }
        },
        /** The file cut at a random length. */
        TRUNCATE {
            @Override
            byte[] apply(byte[] b, Random rng) {
                return Arrays.copyOf(b, rng.nextInt(b.length));
            }
        };

        abstract byte[] apply(byte[] b, Random rng);

        static int json(byte[] b) {
            return (int) headerLength(b);
        }

        static String text(byte[] b) {
            return new String(b, 8, json(b), StandardCharsets.UTF_8);
        }

        static List<int[]> spans(Matcher m, int group) {
            List<int[]> spans = new ArrayList<>();
            while (m.find()) {
                spans.add(new int[] {m.start(group), m.end(group)});
            }
            return spans;
        }

        /** The file with its header JSON replaced (and the length field set to match), data unchanged. */
        static byte[] withHeader(byte[] b, String json) {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            ByteBuffer out = ByteBuffer.allocate(b.length - json(b) + bytes.length).order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(bytes.length).put(bytes).put(b, 8 + json(b), b.length - 8 - json(b));
            return out.array();
        }

        static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : parts) {
                out.writeBytes(p);
            }
            return out.toByteArray();
        }
    }
}

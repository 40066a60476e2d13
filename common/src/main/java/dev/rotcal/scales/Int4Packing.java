package dev.rotcal.scales;

import static dev.rotcal.Checks.checkArgument;

/**
 * Packing of signed INT4 codes (−8 … 7, from {@link GptqQuantizer}) along the input dim of an (out, in)
 * weight, in the two conventions of reference/FORMATS.md:
 * <ul>
 *   <li>compressed-tensors int32 ("pack-quantized"): 8 codes per int32 word, stored with a +8 offset
 *       (0 … 15), element i of the 8 at bits [4i, 4i + 4); (out, in / 8) words.</li>
 *   <li>QuaRot uint8: 2 codes per byte as two's complement nibbles, the even column in the low nibble;
 *       (out, in / 2) bytes.</li>
 * </ul>
 * rotcal's GPTQ artifact uses the compressed-tensors int32 convention.
 */
public final class Int4Packing {
    private Int4Packing() {
    }

    /**
     * @param codes (out, in) row-major codes in [−8, 7]
     * @return (out, in / 8) row-major words
     */
    public static int[] packInt32(byte[] codes, int out, int in) {
        checkCodes(codes, out, in, 8, "int32 words");
        int perRow = in / 8;
        int[] words = new int[Math.multiplyExact(out, perRow)]; // (out, in / 8) row-major
        for (int k = 0; k < words.length; k++) {
            int word = 0;
            for (int i = 0; i < 8; i++) {
                word |= ((codes[k * 8 + i] + 8) & 0xF) << (4 * i);
            }
            words[k] = word;
        }
        return words;
    }

    /**
     * @param words (out, in / 8) row-major words from {@link #packInt32}
     * @return (out, in) row-major codes in [−8, 7]
     */
    public static byte[] unpackInt32(int[] words, int out, int in) {
        checkPacked(words.length, out, in, 8, "int32 words");
        byte[] codes = new byte[Math.multiplyExact(out, in)]; // (out, in) row-major
        for (int k = 0; k < words.length; k++) {
            for (int i = 0; i < 8; i++) {
                codes[k * 8 + i] = (byte) (((words[k] >>> (4 * i)) & 0xF) - 8);
            }
        }
        return codes;
    }

    /**
     * @param codes (out, in) row-major codes in [−8, 7]
     * @return (out, in / 2) row-major bytes (read unsigned as uint8)
     */
    public static byte[] packUint8(byte[] codes, int out, int in) {
        checkCodes(codes, out, in, 2, "uint8 bytes");
        byte[] packed = new byte[Math.multiplyExact(out, in / 2)]; // (out, in / 2) row-major
        for (int k = 0; k < packed.length; k++) {
            // two's complement nibbles: even column low, odd column high
            packed[k] = (byte) ((codes[2 * k] & 0xF) | ((codes[2 * k + 1] & 0xF) << 4));
        }
        return packed;
    }

    /**
     * @param packed (out, in / 2) row-major bytes from {@link #packUint8}
     * @return (out, in) row-major codes in [−8, 7]
     */
    public static byte[] unpackUint8(byte[] packed, int out, int in) {
        checkPacked(packed.length, out, in, 2, "uint8 bytes");
        byte[] codes = new byte[Math.multiplyExact(out, in)]; // (out, in) row-major
        for (int k = 0; k < packed.length; k++) {
            int b = packed[k];
            codes[2 * k] = (byte) ((b << 28) >> 28); // sign-extend the low nibble
            codes[2 * k + 1] = (byte) ((b << 24) >> 28); // sign-extend the high nibble
        }
        return codes;
    }

    private static void checkCodes(byte[] codes, int out, int in, int perWord, String target) {
        checkShape(out, in, perWord, target);
        checkArgument(codes.length == Math.multiplyExact(out, in),
                "Cannot pack a (%d, %d) INT4 weight: the array holds %d codes", out, in, codes.length);
        for (int k = 0; k < codes.length; k++) {
            if (codes[k] < -8 || codes[k] > 7) { // no varargs per code: this loop runs over every weight
                checkArgument(false, "Cannot pack code %d at (%d, %d) into INT4: codes must be in [-8, 7]",
                        codes[k], k / in, k % in);
            }
        }
    }

    private static void checkPacked(int length, int out, int in, int perWord, String source) {
        checkShape(out, in, perWord, source);
        checkArgument(length == Math.multiplyExact(out, in / perWord),
                "Cannot unpack a (%d, %d) INT4 weight from %d %s: expected %d", out, in, length, source,
                (long) out * (in / perWord));
    }

    private static void checkShape(int out, int in, int perWord, String target) {
        checkArgument(out > 0 && in > 0 && in % perWord == 0,
                "Cannot pack a (%d, %d) INT4 weight into %s: the input dim must be a positive multiple of %d",
                out, in, target, perWord);
    }
}

package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header of a NumPy .npy file (format versions 1.0, 2.0, 3.0): magic "\x93NUMPY", version, header
 * length (uint16 in 1.0, uint32 later), then a Python dict literal such as
 * {@code {'descr': '<i4', 'fortran_order': False, 'shape': (2, 2048), }}, space-padded and ending in "\n"
 * so that the data starts at a multiple of 64.
 *
 * @param descr         the dtype string, e.g. "&lt;i4"
 * @param fortranOrder  true for column-major data
 * @param shape         the dimensions
 */
public record NpyHeader(String descr, boolean fortranOrder, long[] shape) {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Largest header accepted: real ones are a few hundred bytes. */
    private static final int MAX_HEADER_BYTES = 1 << 16;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** Number of elements; fails naming {@code location} when the product overflows. */
    public long count(String location) {
        long n = 1;
        for (long dim : shape) {
            checkArgument(dim >= 0, "Cannot read %s: shape %s has a negative dimension", location,
                    Arrays.toString(shape));
            try {
                n = Math.multiplyExact(n, dim);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(String.format("Cannot read %s: shape %s has more elements than a"
                        + " long holds (corrupt header?)", location, Arrays.toString(shape)), e);
            }
        }
        return n;
    }

    /** Reads and parses the header at the start of {@code in}, leaving the stream at the first data byte. */
    static NpyHeader read(DataInputStream in, String location) throws IOException {
        byte[] magic = new byte[MAGIC.length + 2];
        try {
            in.readFully(magic);
        } catch (EOFException e) {
            throw new IllegalArgumentException(String.format("Cannot read %s as .npy: the file is shorter than the"
                    + " 10-byte .npy preamble (empty or truncated?)", location), e);
        }
        checkArgument(Arrays.equals(Arrays.copyOf(magic, MAGIC.length), MAGIC), "Cannot read %s as .npy: it does"
                + " not start with the .npy magic \\x93NUMPY (not a NumPy file?)", location);
        int major = magic[6];
        checkArgument(major >= 1 && major <= 3, "Cannot read %s as .npy: format version %d.%d is not supported"
                + " (1.0, 2.0, 3.0)", location, major, magic[7]);
        byte[] lengthBytes = new byte[major == 1 ? 2 : 4];
        long length;
        try {
            in.readFully(lengthBytes);
            ByteBuffer b = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
            length = major == 1 ? Short.toUnsignedInt(b.getShort()) : Integer.toUnsignedLong(b.getInt());
        } catch (EOFException e) {
            throw new IllegalArgumentException(String.format("Cannot read %s as .npy: the file ends inside the"
                    + " header length (truncated?)", location), e);
        }
        checkArgument(length <= MAX_HEADER_BYTES, "Cannot read %s as .npy: header length %d is beyond %d bytes"
                + " (corrupt file?)", location, length, MAX_HEADER_BYTES);
        byte[] header = new byte[(int) length];
        try {
            in.readFully(header);
        } catch (EOFException e) {
            throw new IllegalArgumentException(String.format("Cannot read %s as .npy: the file ends inside its"
                    + " %d-byte header (truncated?)", location, length), e);
        }
        String text = new String(header, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return parse(text, location);
    }

    /** Parses the header dict. */
    static NpyHeader parse(String dict, String location) {
        String oneLine = dict.strip();
        Matcher descr = DESCR.matcher(dict);
        Matcher fortran = FORTRAN.matcher(dict);
        Matcher shape = SHAPE.matcher(dict);
        checkArgument(descr.find() && fortran.find() && shape.find(), "Cannot read %s as .npy: header %s lacks"
                + " 'descr', 'fortran_order' or 'shape'", location, abbreviate(oneLine));
        List<Long> dims = new ArrayList<>();
        for (String part : shape.group(1).split(",")) {
            String p = part.strip();
            if (!p.isEmpty()) {
                checkArgument(p.matches("\\d{1,18}L?"), "Cannot read %s as .npy: shape (%s) is not a tuple of"
                        + " non-negative integers", location, shape.group(1));
                dims.add(Long.parseLong(p.replace("L", "")));
            }
        }
        return new NpyHeader(descr.group(1), fortran.group(1).equals("True"),
                dims.stream().mapToLong(Long::longValue).toArray());
    }

    /** The complete header bytes for this dtype/order/shape, version 1.0, padded so data starts at 64·k. */
    byte[] toBytes() {
        StringBuilder shapeText = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            shapeText.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        shapeText.append(')');
        String dict = String.format("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                fortranOrder ? "True" : "False", shapeText);
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String padded = dict + " ".repeat(padding) + "\n";
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + padded.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) padded.length());
        b.put(padded.getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    private static String abbreviate(String s) {
        String line = s.replaceAll("\\s+", " ");
        return line.length() <= 120 ? line : line.substring(0, 117) + "...";
    }
}

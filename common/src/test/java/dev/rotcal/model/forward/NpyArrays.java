package dev.rotcal.model.forward;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tiny reader for the fixtures' tokens.npy: NumPy format v1/v2, little-endian int64, C order. */
final class NpyArrays {
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private NpyArrays() {
    }

    /** A C-order int array and its shape. */
    record IntArray(int[] values, int[] shape) {
    }

    /** Reads an '<i8' array, narrowing every value to int. */
    static IntArray readInt64(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        buf.get(magic);
        if (!Arrays.equals(magic, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'})) {
            throw new IOException("not a .npy file");
        }
        int major = buf.get();
        buf.get();
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        String header = new String(bytes, buf.position(), headerLen, StandardCharsets.ISO_8859_1);
        buf.position(buf.position() + headerLen);
        if (!header.contains("'<i8'") || !header.contains("'fortran_order': False")) {
            throw new IOException("expected a C-order '<i8' array, header: " + header);
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) {
            throw new IOException("no shape in header: " + header);
        }
        int[] shape = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
        int n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = Math.toIntExact(buf.getLong());
        }
        return new IntArray(values, shape);
    }
}

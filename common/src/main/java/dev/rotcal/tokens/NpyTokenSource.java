package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Token ids from a NumPy .npy file: dtype int32 or int64 (either byte order), C order, shape [n_tokens] or
 * [n_seq, seq_len]. Fortran order, other dtypes and other ranks are rejected with one line. Reads the
 * stream once, in chunks; the element count is checked before the id array is allocated.
 */
public final class NpyTokenSource implements TokenSource {
    private static final int CHUNK_ELEMENTS = 1 << 14;

    @Override
    public TokenCorpus read(InputFile file) {
        String location = file.location();
        try (InputStream raw = file.newStream(); DataInputStream in = new DataInputStream(raw)) {
            NpyHeader header = NpyHeader.read(in, location);
            int width = elementBytes(header.descr(), location);
            ByteOrder order = header.descr().charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            checkArgument(!header.fortranOrder() || header.shape().length < 2, "Cannot read token ids from %s:"
                    + " the array is in Fortran (column-major) order (save it with np.ascontiguousarray)", location);
            long[] shape = header.shape();
            checkArgument(shape.length == 1 || shape.length == 2, "Cannot read token ids from %s: shape %s has %d"
                    + " dimensions, expected [n_tokens] or [n_seq, seq_len]", location, Arrays.toString(shape),
                    shape.length);
            long count = header.count(location);
            checkArgument(count <= Integer.MAX_VALUE - 8, "Cannot read token ids from %s: %d ids exceed one Java"
                    + " array (split the file)", location, count);
            int[] ids = readIds(in, (int) count, width, order, location);
            checkArgument(in.read() < 0, "Cannot read token ids from %s: the file has bytes after the %d ids its"
                    + " header announces (corrupt file?)", location, count);
            int rowLength = shape.length == 2 && shape[1] > 0 ? (int) shape[1] : 0;
            return new TokenCorpus(location, ids, rowLength);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read token ids from " + location + ": " + e, e);
        }
    }

    /** 4 for int32, 8 for int64 ('&lt;', '&gt;', '=' or '|' byte-order prefix). */
    private static int elementBytes(String descr, String location) {
        boolean known = descr.length() == 3 && "<>=|".indexOf(descr.charAt(0)) >= 0;
        String type = known ? descr.substring(1) : descr;
        checkArgument(known && (type.equals("i4") || type.equals("i8")), "Cannot read token ids from %s: dtype"
                + " '%s' is not supported (token ids must be int32 '<i4' or int64 '<i8'; use ids.astype(np.int32))",
                location, descr);
        return type.equals("i4") ? 4 : 8;
    }

    private static int[] readIds(DataInputStream in, int count, int width, ByteOrder order, String location)
            throws IOException {
        int[] ids = new int[count];
        byte[] chunk = new byte[CHUNK_ELEMENTS * width];
        ByteBuffer buffer = ByteBuffer.wrap(chunk).order(order);
        for (int at = 0; at < count; ) {
            int n = Math.min(CHUNK_ELEMENTS, count - at);
            try {
                in.readFully(chunk, 0, n * width);
            } catch (EOFException e) {
                throw new IllegalArgumentException(String.format("Cannot read token ids from %s: the file ends"
                        + " inside the data, before the %d ids its header announces (truncated?)", location, count), e);
            }
            buffer.clear();
            for (int i = 0; i < n; i++, at++) {
                if (width == 4) {
                    ids[at] = buffer.getInt();
                } else {
                    long id = buffer.getLong();
                    checkArgument(id >= Integer.MIN_VALUE && id <= Integer.MAX_VALUE, "Cannot read token ids from"
                            + " %s: id %d at index %d does not fit an int (not token ids?)", location, id, at);
                    ids[at] = (int) id;
                }
            }
        }
        return ids;
    }
}

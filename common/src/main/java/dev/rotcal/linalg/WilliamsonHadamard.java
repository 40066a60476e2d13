package dev.rotcal.linalg;

import static dev.rotcal.Checks.checkArgument;
import static dev.rotcal.Checks.checkState;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Williamson's Hadamard matrices of order 4m from four symmetric ±1 circulants A, B, C, D of order m with
 * A² + B² + C² + D² = 4m·I, placed in the Williamson array
 * <pre>
 *   [[ A,  B,  C,  D],
 *    [-B,  A, -D,  C],
 *    [-C,  D,  A, -B],
 *    [-D, -C,  B,  A]]
 * </pre>
 * Symmetric circulants commute and equal their transposes, so every off-diagonal block product of H·Hᵀ
 * cancels and the diagonal ones are A² + B² + C² + D² = 4m·I.
 *
 * <p>The defining first rows come from {@code williamson-<m>.txt} resources next to this class (orders
 * 156 = 4·39 and 172 = 4·43, from Sloane's library; see the resource headers for the source).
 */
public final class WilliamsonHadamard {
    private static final int[][] ARRAY_SIGNS = { // which circulant (1..4 = A..D) and sign in each 4×4 block
            {1, 2, 3, 4},
            {-2, 1, -4, 3},
            {-3, 4, 1, -2},
            {-4, -3, 2, 1}};

    private WilliamsonHadamard() {
    }

    /** (4m, 4m) row-major, entries ±1, from the bundled Williamson sequences of order m (39 or 43). */
    public static byte[] fromResource(int m) {
        String name = "williamson-" + m + ".txt";
        try (InputStream in = WilliamsonHadamard.class.getResourceAsStream(name)) {
            checkArgument(in != null, "Cannot build a Williamson Hadamard matrix of order %d: no resource %s "
                    + "(bundled: m = 39 for order 156, m = 43 for order 172)", 4 * m, name);
            return fromFirstRows(readFirstRows(in, name));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + name, e);
        }
    }

    /**
     * (4m, 4m) row-major, entries ±1, from the first rows of A, B, C, D ({@code rows[4][m]}, entries ±1,
     * each symmetric: x[j] = x[m − j]). The Hadamard property itself is not checked here.
     */
    public static byte[] fromFirstRows(byte[][] rows) {
        checkArgument(rows.length == 4, "Cannot build a Williamson Hadamard matrix: need 4 first rows, got %d",
                rows.length);
        int m = rows[0].length;
        for (int c = 0; c < 4; c++) {
            byte[] x = rows[c];
            checkArgument(x.length == m, "Cannot build a Williamson Hadamard matrix: row %d has length %d, not %d",
                    c, x.length, m);
            for (int j = 0; j < m; j++) {
                checkArgument(x[j] == 1 || x[j] == -1,
                        "Cannot build a Williamson Hadamard matrix: row %d entry %d is %d, not ±1", c, j, x[j]);
                checkArgument(x[j] == x[(m - j) % m],
                        "Cannot build a Williamson Hadamard matrix: circulant %d is not symmetric at %d", c, j);
            }
        }
        int n = 4 * m;
        byte[] h = new byte[n * n]; // (4m, 4m) row-major, entries ±1
        for (int br = 0; br < 4; br++) {
            for (int bc = 0; bc < 4; bc++) {
                int code = ARRAY_SIGNS[br][bc];
                byte[] x = rows[Math.abs(code) - 1];
                int sign = Integer.signum(code);
                for (int i = 0; i < m; i++) {
                    int rowStart = (br * m + i) * n + bc * m;
                    for (int j = 0; j < m; j++) {
                        h[rowStart + j] = (byte) (sign * x[Math.floorMod(j - i, m)]); // circulant X[i][j] = x[j−i]
                    }
                }
            }
        }
        return h;
    }

    // Lines "A <±…>" .. "D <±…>"; '#' starts a comment line.
    private static byte[][] readFirstRows(InputStream in, String name) throws IOException {
        byte[][] rows = new byte[4][];
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            checkState(parts.length == 2 && parts[0].length() == 1 && "ABCD".contains(parts[0]),
                    "%s: bad line '%s' (expected 'A +-+…')", name, line);
            byte[] row = new byte[parts[1].length()];
            for (int j = 0; j < row.length; j++) {
                char ch = parts[1].charAt(j);
                checkState(ch == '+' || ch == '-', "%s: bad character '%s' in '%s'", name, ch, line);
                row[j] = (byte) (ch == '+' ? 1 : -1);
            }
            rows["ABCD".indexOf(parts[0])] = row;
        }
        for (int c = 0; c < 4; c++) {
            checkState(rows[c] != null, "%s: circulant %s missing", name, "ABCD".charAt(c));
        }
        return rows;
    }
}

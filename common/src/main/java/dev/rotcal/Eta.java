package dev.rotcal;

/** A time left for progress lines: "42 s", "3 min 05 s", "1 h 02 min". */
public final class Eta {
    private Eta() {
    }

    public static String format(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format("%d min %02d s", s / 60, s % 60);
        }
        return String.format("%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}

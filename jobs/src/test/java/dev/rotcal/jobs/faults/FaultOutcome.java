package dev.rotcal.jobs.faults;

import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * One row of the fault suite's table.
 *
 * @param fault        what was injected, and where
 * @param exitCode     the exit code of the run the fault hit (137 for a driver killed with SIGKILL)
 * @param seconds      that run's wall time, start to exit
 * @param resumeExit   the exit code of the {@code --resume} run after it, if one was needed
 * @param identical    whether the final artifact equals the baseline's (null when the scenario publishes none)
 * @param stagingLeft  staging attempts left under the output root after the final run
 * @param expectation  what the scenario requires, in words
 * @param passed       whether it held
 * @param note         what was seen beyond the columns (differing files, the refusal line, …)
 */
record FaultOutcome(String fault, int exitCode, double seconds, OptionalInt resumeExit, Boolean identical,
                    int stagingLeft, String expectation, boolean passed, String note) {

    static String table(List<FaultOutcome> outcomes) {
        StringBuilder out = new StringBuilder();
        out.append("| fault | exit code | seconds | then `--resume` | artifact identical to the baseline | staging left"
                + " | expected | held |\n");
        out.append("|---|---|---|---|---|---|---|---|\n");
        for (FaultOutcome o : outcomes) {
            out.append("| ").append(o.fault())
                    .append(" | ").append(o.exitCode())
                    .append(" | ").append(String.format(Locale.ROOT, "%.0f", o.seconds()))
                    .append(" | ").append(o.resumeExit().isPresent() ? "exit " + o.resumeExit().getAsInt() : "—")
                    .append(" | ").append(o.identical() == null ? "—" : o.identical() ? "yes" : "**no**")
                    .append(" | ").append(o.stagingLeft())
                    .append(" | ").append(o.expectation())
                    .append(" | ").append(o.passed() ? "yes" : "**no**: " + o.note())
                    .append(" |\n");
        }
        return out.toString();
    }

    String describe() {
        return fault + ": exit " + exitCode + " after " + String.format(Locale.ROOT, "%.1f", seconds) + " s"
                + (resumeExit.isPresent() ? ", resume exit " + resumeExit.getAsInt() : "")
                + ", identical " + identical + ", staging left " + stagingLeft + " — expected " + expectation
                + (note.isEmpty() ? "" : " (" + note + ")");
    }
}

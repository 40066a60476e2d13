package dev.rotcal.jobs.calibrate;

import dev.rotcal.artifact.ArtifactLayout;
import dev.rotcal.artifact.Manifest;
import dev.rotcal.artifact.MassiveTokenReport;
import dev.rotcal.dfrot.ClassErrorSums;
import dev.rotcal.jobs.refine.RefineStage;
import java.util.Map;

/**
 * What a finished run prints: where the artifact is, the massive tokens found, and the 4-bit error of the
 * calibration rows before and after refinement.
 */
public record RunSummary(String runUri, MassiveTokenReport massive, RefineStage.Outcome refine, Manifest manifest,
                         double seconds) {

    public String render() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("rotcal: published %s (%d files, manifest.json, _SUCCESS) in %.0f s%n", runUri,
                manifest.files().size(), seconds));
        if (manifest.files().stream().anyMatch(f -> f.path().equals(ArtifactLayout.REPORT))) {
            s.append(String.format("report: %s/%s%n", runUri, ArtifactLayout.REPORT));
        }
        s.append(String.format("massive tokens: %d (%d of %d rows, rule %s)%n", massive.tokens().size(),
                massive.massiveRows(), massive.rowsScanned(), massive.rule()));
        massive.tokens().stream().limit(8).forEach(t -> s.append(String.format(
                "  sequence %d position %d token %d%s: from layer %d, max |x| %.1f in channels %s%n", t.sequence(),
                t.position(), t.tokenId(), t.text() == null ? "" : " " + printable(t.text()), t.firstLayer(),
                t.maxAbs(), java.util.Arrays.toString(t.channels()))));
        if (massive.tokens().size() > 8) {
            s.append(String.format("  … %d more in massive_tokens.json%n", massive.tokens().size() - 8));
        }
        s.append("mean 4-bit error of the calibration rows (common / massive):\n");
        Map<String, ClassErrorSums> errors = refine.errors();
        errors.forEach((rotation, e) -> s.append(String.format("  %-18s %8.4f / %8.4f%n", label(rotation),
                e.commonMean(), e.massiveMean())));
        double[] curve = refine.dfrot().lossCurve();
        s.append(String.format("refine loss (α-weighted): %.6g -> %.6g over %d iterations%s%n", curve[0],
                curve[curve.length - 1], curve.length - 1, refine.dfrot().monotone() ? "" : " (not monotone)"));
        return s.toString();
    }

    private static String label(String rotation) {
        return switch (rotation) {
            case "none" -> "no rotation";
            case "r0" -> "R0 (start)";
            case "random_hadamard" -> "random Hadamard";
            case "dfrot" -> "DFRot R1";
            case "plain_procrustes" -> "plain Procrustes";
            default -> rotation;
        };
    }

    private static String printable(String text) {
        return "\"" + text.replace("\n", "\\n") + "\"";
    }
}

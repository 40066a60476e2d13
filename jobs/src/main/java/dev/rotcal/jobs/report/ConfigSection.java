package dev.rotcal.jobs.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The run's effective config (secrets already redacted by the caller), pretty-printed and escaped. */
final class ConfigSection {
    static final String ID = "config";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigSection() {
    }

    static Section render(ReportInput in) {
        if (in.config().isMissingNode()) {
            return new Section(ID, "Configuration", Html.absent("No configuration: the effective config is absent."));
        }
        try {
            String pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(in.config());
            return new Section(ID, "Configuration", "<pre class=\"config\">" + Html.escape(pretty) + "</pre>\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("[BUG] cannot print a JSON tree: " + e.getMessage(), e);
        }
    }
}

package dev.rotcal.jobs.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/**
 * Records every log event (message and stack traces, as text) while open, with the given loggers turned up to
 * DEBUG, so a test can check that something never reaches the logs.
 */
public final class CapturedLogs implements AutoCloseable {
    private final List<String> lines = new ArrayList<>();
    private final Map<String, Level> previousLevels = new HashMap<>();
    private final Appender appender = new Appender();

    private CapturedLogs(String... debugLoggers) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        for (String logger : debugLoggers) {
            previousLevels.put(logger, LogManager.getLogger(logger).getLevel());
            Configurator.setLevel(logger, Level.DEBUG);
        }
        appender.start();
        Configuration configuration = context.getConfiguration();
        configuration.getRootLogger().addAppender(appender, Level.ALL, null);
        context.updateLoggers();
    }

    /** Starts capturing, with these loggers (and their children) at DEBUG. */
    public static CapturedLogs capture(String... debugLoggers) {
        return new CapturedLogs(debugLoggers);
    }

    /** Everything captured so far, one event per element. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** Everything captured so far as one text. */
    public String text() {
        return String.join("\n", lines());
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(appender.getName());
        previousLevels.forEach(Configurator::setLevel);
        context.updateLoggers();
        appender.stop();
    }

    private synchronized void add(String line) {
        lines.add(line);
    }

    private final class Appender extends AbstractAppender {
        Appender() {
            super("rotcal-captured-logs", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            StringBuilder line = new StringBuilder(event.getLevel() + " " + event.getLoggerName() + " - "
                    + event.getMessage().getFormattedMessage());
            if (event.getThrown() != null) {
                StringWriter trace = new StringWriter();
                event.getThrown().printStackTrace(new PrintWriter(trace));
                line.append('\n').append(trace);
            }
            add(line.toString());
        }
    }
}

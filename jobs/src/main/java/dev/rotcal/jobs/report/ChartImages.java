package dev.rotcal.jobs.report;

import java.awt.AWTError;
import java.awt.Color;
import java.io.IOException;
import java.util.Base64;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XChart charts in the report's house style, rendered to PNG off screen and inlined as data URIs. Loading this
 * class switches AWT to headless mode unless the JVM was told otherwise, so a driver without a display renders.
 */
final class ChartImages {
    private static final Logger LOG = LoggerFactory.getLogger(ChartImages.class);
    static final int WIDTH = 960;
    static final int HEIGHT = 400;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private ChartImages() {
    }

    /** A line chart; a log y axis is for curves that span decades (the caller checks every value is > 0). */
    static XYChart lines(String title, String xTitle, String yTitle, boolean logY) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setYAxisDecimalPattern(logY ? "0.##E0" : "#,##0.###");
        chart.getStyler().setMarkerSize(5);
        return chart;
    }

    /** A grouped bar chart: one group per category, one bar per series. */
    static CategoryChart bars(String title, String xTitle, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setAvailableSpaceFill(0.8);
        chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        return chart;
    }

    /**
     * The chart as an {@code <img>} with a data:image/png;base64 source, or a one-line note when it cannot be
     * drawn (the report is still published: a missing chart must not fail a finished calibration).
     */
    static String img(Chart<?, ?> chart, String alt) {
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            return Html.image("data:image/png;base64," + Base64.getEncoder().encodeToString(png), alt);
        } catch (IOException | RuntimeException | AWTError | LinkageError e) {
            LOG.warn("Cannot draw the chart '{}': {}", alt, e.toString());
            return Html.absent("Chart '" + alt + "' could not be drawn: " + e);
        }
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setChartTitleBoxVisible(false);
        styler.setAntiAlias(true);
    }
}
